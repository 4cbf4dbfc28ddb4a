/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libc's own versions of the calls libcr interposes (sigwrap.c,
 * sleepwrap.c), for the wrappers to pass the program's calls on to.
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

/* The next definition after libcr's, else libc's own: when libcr comes
 * after libc in the lookup order (a dependency of a preloaded library),
 * RTLD_NEXT finds nothing. */
static void *libc_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	void *handle;

	if (p)
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
