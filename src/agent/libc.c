/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libc's own versions of the calls libcr interposes (sigwrap.c,
 * sleepwrap.c, execwrap.c), for the wrappers to pass the program's calls on to.
 *
 * Resolved at load: dlsym is not async-signal-safe, and a wrapper may be
 * called from a signal handler.  Another library's constructor may call a
 * wrapper before libcr's constructor ran, so libc() resolves on first use
 * too.
 */
#include <dlfcn.h>

#include "agent.h"

static struct libc_calls calls;
static int calls_ready;

/* libcr is in the program's global scope (linked, or preloaded itself),
 * not loaded with dlopen(RTLD_LOCAL) by libcr_run (preload.c), whose
 * exported calls jump to libcr's: RTLD_NEXT could find those. */
static bool libc_libcr_global(void)
{
	extern int ucr_cr_anchor;

	return dlsym(RTLD_DEFAULT, "ucr_cr_anchor") == &ucr_cr_anchor;
}

/* p, found for name, is libcr_run.so.0's or libcr_omit.so.0's, which
 * jumps to ours (a program linked with -lcr_run has it after libcr in the
 * lookup order). */
static bool libc_in_preload(const char *name, void *p)
{
	static const char *const libs[] = { "libcr_run.so.0", "libcr_omit.so.0" };

	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		void *h = dlopen(libs[i], RTLD_LAZY | RTLD_NOLOAD);
		bool theirs = h && dlsym(h, name) == p;

		if (h)
			dlclose(h);
		if (theirs)
			return true;
	}
	return false;
}

/* The next definition after libcr's, else libc's own: when libcr comes
 * after libc in the lookup order (a dependency of a preloaded library),
 * RTLD_NEXT finds nothing. */
static void *libc_sym(const char *name)
{
	void *p = libc_libcr_global() ? dlsym(RTLD_NEXT, name) : NULL;
	void *handle;

	if (p && !libc_in_preload(name, p))
		return p;
	handle = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	if (!handle)
		return NULL;
	p = dlsym(handle, name);
	dlclose(handle);
	return p;
}

/* Idempotent: racing callers store the same values. */
static void libc_resolve(void)
{
	calls.sigaction = libc_sym("sigaction");
	calls.sigprocmask = libc_sym("sigprocmask");
	calls.pthread_sigmask = libc_sym("pthread_sigmask");
	calls.sigpending = libc_sym("sigpending");
	calls.sigsuspend = libc_sym("sigsuspend");
	calls.sigtimedwait = libc_sym("sigtimedwait");
	calls.signalfd = libc_sym("signalfd");
	calls.pause = libc_sym("pause");
	calls.clock_nanosleep = libc_sym("clock_nanosleep");
	calls.poll = libc_sym("poll");
	calls.ppoll = libc_sym("ppoll");
	calls.select = libc_sym("select");
	calls.pselect = libc_sym("pselect");
	calls.epoll_wait = libc_sym("epoll_wait");
	calls.epoll_pwait = libc_sym("epoll_pwait");
	calls.epoll_pwait2 = libc_sym("epoll_pwait2");
	calls.semtimedop = libc_sym("semtimedop");
	calls.msgrcv = libc_sym("msgrcv");
	calls.msgsnd = libc_sym("msgsnd");
	calls.execve = libc_sym("execve");
	calls.execv = libc_sym("execv");
	calls.execvp = libc_sym("execvp");
	calls.execvpe = libc_sym("execvpe");
	calls.fexecve = libc_sym("fexecve");
	calls.execveat = libc_sym("execveat");
	__atomic_store_n(&calls_ready, 1, __ATOMIC_RELEASE);
}

const struct libc_calls *libc(void)
{
	if (!__atomic_load_n(&calls_ready, __ATOMIC_ACQUIRE))
		libc_resolve();
	return &calls;
}

__attribute__((constructor)) static void libc_load(void)
{
	libc();
}
