/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The half of libcr_run.so.0 and libcr_omit.so.0 that stands for the agent
 * in the program's global scope, as BLCR's preloaded library did: it
 * exports the calls the agent interposes (sigaction, sigprocmask, sleep,
 * poll, ...), each a jump to libcr.so.0's own, and none of the API.
 * libcr.so.0 itself is loaded with dlopen(RTLD_LOCAL): under cr_run,
 * dlsym(RTLD_DEFAULT, "cr_init") finds nothing, and the program's own
 * dlopen("libcr.so.0") gets that same copy (a match by soname), the one
 * agent of the process.  A program that links libcr.so.0 has it loaded
 * already, and that copy is the one used.
 *
 * Another library's constructor may call one of these before ours ran:
 * the first call resolves them all.  After that (always, once the
 * constructors ran) a call is a load and a jump, async-signal-safe.
 */
#include <dlfcn.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/msg.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "exec_args.h"
#include "../common/sys.h"

/* Every call libcr.map exports besides the API. */
#define PRELOAD_CALLS(X) \
	X(sigaction) X(signal) X(bsd_signal) X(sysv_signal) X(sigset) X(sighold) \
	X(sigrelse) X(sigignore) X(siginterrupt) X(sigprocmask) X(pthread_sigmask) \
	X(sigpending) X(sigsuspend) X(sigwait) X(sigwaitinfo) X(sigtimedwait) \
	X(signalfd) X(pause) X(sleep) X(usleep) X(nanosleep) X(clock_nanosleep) \
	X(poll) X(__poll_chk) X(ppoll) X(__ppoll_chk) X(select) X(pselect) \
	X(epoll_wait) X(epoll_pwait) X(epoll_pwait2) X(semop) X(semtimedop) X(msgrcv) \
	X(msgsnd) X(execve) X(execv) X(execvp) X(execvpe) \
	X(fexecve) X(execveat)

#define PRELOAD_INDEX(name) PRELOAD_##name,
enum { PRELOAD_CALLS(PRELOAD_INDEX) PRELOAD_N };
#define PRELOAD_NAME(name) #name,
static const char *const preload_names[PRELOAD_N] = { PRELOAD_CALLS(PRELOAD_NAME) };

static void *preload_fn[PRELOAD_N];
static void *preload_libcr;

/* libcr.so.0: the one the process has, else the one beside this library. */
static void *preload_open(void)
{
	static const char name[] = "libcr.so.0";
	Dl_info self;
	char path[4096];
	const char *slash;
	void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);

	if (h)
		return h;
	if (dladdr((void *)preload_open, &self) && self.dli_fname &&
	    (slash = strrchr(self.dli_fname, '/')) &&
	    (size_t)(slash - self.dli_fname) + sizeof(name) + 1 <= sizeof(path)) {
		memcpy(path, self.dli_fname, (size_t)(slash - self.dli_fname) + 1);
		memcpy(path + (slash - self.dli_fname) + 1, name, sizeof(name));
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	}
	return h ? h : dlopen(name, RTLD_NOW | RTLD_LOCAL);
}

/* Loads the agent and resolves every call; idempotent. */
static void preload_resolve(void)
{
	static const char msg[] = "ucr: cannot load libcr.so.0 (the agent)\n";
	void *h = __atomic_load_n(&preload_libcr, __ATOMIC_ACQUIRE);

	if (!h) {
		h = preload_open();
		if (!h) {
			sys_write(STDERR_FILENO, msg, sizeof(msg) - 1);
			abort();
		}
	}
	for (int i = 0; i < PRELOAD_N; i++)
		if (!__atomic_load_n(&preload_fn[i], __ATOMIC_ACQUIRE))
			__atomic_store_n(&preload_fn[i], dlsym(h, preload_names[i]),
					 __ATOMIC_RELEASE);
	__atomic_store_n(&preload_libcr, h, __ATOMIC_RELEASE);
}

/* libcr.so.0's version of call i (it defines every one). */
static void *preload_call(int i)
{
	void *fn = __atomic_load_n(&preload_fn[i], __ATOMIC_ACQUIRE);

	if (!fn && !__atomic_load_n(&preload_libcr, __ATOMIC_ACQUIRE)) {
		preload_resolve();
		fn = __atomic_load_n(&preload_fn[i], __ATOMIC_ACQUIRE);
	}
	return fn;
}

/* The libcr.so.0 this library stands for, loaded (for libcr_omit). */
__attribute__((visibility("hidden"))) void *preload_agent(void)
{
	preload_resolve();
	return preload_libcr;
}

__attribute__((constructor)) static void preload_load(void)
{
	preload_resolve();
}

/* One exported call: libcr.so.0's, with the same arguments. */
#define FORWARD(ret, name, params, args) \
	ret name params \
	{ \
		return ((ret (*) params)preload_call(PRELOAD_##name)) args; \
	}

FORWARD(int, sigaction, (int sig, const struct sigaction *act, struct sigaction *old),
	(sig, act, old))
FORWARD(__sighandler_t, signal, (int sig, __sighandler_t h), (sig, h))
FORWARD(__sighandler_t, bsd_signal, (int sig, __sighandler_t h), (sig, h))
FORWARD(__sighandler_t, sysv_signal, (int sig, __sighandler_t h), (sig, h))
FORWARD(__sighandler_t, sigset, (int sig, __sighandler_t h), (sig, h))
FORWARD(int, sighold, (int sig), (sig))
FORWARD(int, sigrelse, (int sig), (sig))
FORWARD(int, sigignore, (int sig), (sig))
FORWARD(int, siginterrupt, (int sig, int interrupt), (sig, interrupt))
FORWARD(int, sigprocmask, (int how, const sigset_t *set, sigset_t *old), (how, set, old))
FORWARD(int, pthread_sigmask, (int how, const sigset_t *set, sigset_t *old), (how, set, old))
FORWARD(int, sigpending, (sigset_t *set), (set))
FORWARD(int, sigsuspend, (const sigset_t *mask), (mask))
FORWARD(int, sigwait, (const sigset_t *set, int *sig), (set, sig))
FORWARD(int, sigwaitinfo, (const sigset_t *set, siginfo_t *info), (set, info))
FORWARD(int, sigtimedwait, (const sigset_t *set, siginfo_t *info, const struct timespec *tmo),
	(set, info, tmo))
FORWARD(int, signalfd, (int fd, const sigset_t *mask, int flags), (fd, mask, flags))
FORWARD(int, pause, (void), ())
FORWARD(unsigned int, sleep, (unsigned int seconds), (seconds))
FORWARD(int, usleep, (useconds_t us), (us))
FORWARD(int, nanosleep, (const struct timespec *req, struct timespec *rem), (req, rem))
FORWARD(int, clock_nanosleep,
	(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem),
	(clk, flags, req, rem))
FORWARD(int, poll, (struct pollfd *fds, nfds_t n, int timeout), (fds, n, timeout))
FORWARD(int, __poll_chk, (struct pollfd *fds, nfds_t n, int timeout, size_t fdslen),
	(fds, n, timeout, fdslen))
FORWARD(int, ppoll,
	(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask),
	(fds, n, tmo, mask))
FORWARD(int, __ppoll_chk,
	(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask,
	 size_t fdslen),
	(fds, n, tmo, mask, fdslen))
FORWARD(int, select, (int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv),
	(n, rd, wr, ex, tv))
FORWARD(int, pselect,
	(int n, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *tmo,
	 const sigset_t *mask),
	(n, rd, wr, ex, tmo, mask))
FORWARD(int, epoll_wait, (int epfd, struct epoll_event *ev, int max, int timeout),
	(epfd, ev, max, timeout))
FORWARD(int, epoll_pwait,
	(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask),
	(epfd, ev, max, timeout, mask))
FORWARD(int, epoll_pwait2,
	(int epfd, struct epoll_event *ev, int max, const struct timespec *tmo,
	 const sigset_t *mask),
	(epfd, ev, max, tmo, mask))
FORWARD(int, semop, (int id, struct sembuf *sops, size_t n), (id, sops, n))
FORWARD(int, semtimedop, (int id, struct sembuf *sops, size_t n, const struct timespec *tmo),
	(id, sops, n, tmo))
FORWARD(ssize_t, msgrcv, (int id, void *msg, size_t size, long type, int flags),
	(id, msg, size, type, flags))
FORWARD(int, msgsnd, (int id, const void *msg, size_t size, int flags), (id, msg, size, flags))
FORWARD(int, execve, (const char *path, char *const argv[], char *const envp[]),
	(path, argv, envp))
FORWARD(int, execv, (const char *path, char *const argv[]), (path, argv))
FORWARD(int, execvp, (const char *file, char *const argv[]), (file, argv))
FORWARD(int, execvpe, (const char *file, char *const argv[], char *const envp[]),
	(file, argv, envp))
FORWARD(int, fexecve, (int fd, char *const argv[], char *const envp[]), (fd, argv, envp))
FORWARD(int, execveat,
	(int dirfd, const char *path, char *const argv[], char *const envp[], int flags),
	(dirfd, path, argv, envp, flags))

/* The list forms, as arrays to libcr.so.0's array forms. */
EXEC_LIST_FORMS
