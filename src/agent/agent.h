/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internals of the agent (libcr) shared by its files; nothing exported. */
#ifndef UCR_AGENT_H
#define UCR_AGENT_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/select.h>
#include <time.h>

#include "../common/agent_abi.h"
#include "../common/sys.h"
#include "libcr.h"

#define AGENT_HIDDEN __attribute__((visibility("hidden")))

/* CLOCK_MONOTONIC in ns, by a raw system call (async-signal-safe). */
static inline int64_t agent_monotonic_ns(void)
{
	struct timespec ts;

	sys_clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* resume.S */
AGENT_HIDDEN int agent_save_context(struct agent_jmpbuf *jb) __attribute__((returns_twice));
AGENT_HIDDEN void agent_resume_thread(const struct agent_jmpbuf *jb) __attribute__((noreturn));
AGENT_HIDDEN long agent_clone_on(unsigned long flags, void *stack_top, void (*fn)(long), long arg);

/* agent.c: the request being served */
struct agent_request {
	int active;
	int restarted;
	struct cr_checkpoint_info ckpt_info;
	char dest[UCR_PATH_MAX];
	struct cr_restart_info rstrt_info;
	int fail_kind;		/* the first refusal's CR_CHECKPOINT_* flag */
	int stop_after;		/* it was stopped: stop again once served */
	int post_signal;	/* to raise once served (the dumper's or
				 * cr_restart's --stop, -S...), or 0 */
};
AGENT_HIDDEN extern struct agent_request agent_req;
/* The state block the dumper reads and the restorer fills (agent_abi.h). */
AGENT_HIDDEN extern struct agent_state agent_state;
/* Parks the calling thread for the dumper; 0 continue, 1 restart, -CR_E*. */
AGENT_HIDDEN int agent_take_checkpoint(void);
/* The dumper's socket named from (pid, token), connected: fd or -errno. */
AGENT_HIDDEN long agent_connect(const char *prefix, uint32_t pid, uint32_t token);
/* One message on fd, from the buffer m. */
AGENT_HIDDEN int agent_send_in(struct ucr_msg *m, int fd, uint32_t type, int32_t pid, int32_t code,
			       uint64_t addr);
/* hold.c: a holder of this parked process's memory, which connects to
 * the requester (cr_checkpoint --cow); 0 or -errno. */
AGENT_HIDDEN int agent_hold(uint32_t requester, uint32_t token);
/* From a callback's cr_checkpoint(CR_CHECKPOINT_PERM_FAILURE): tells the
 * dumper, which kills every process of the request; never returns. */
AGENT_HIDDEN void agent_fail_permanently(int code) __attribute__((noreturn));
/* From a callback: asks the dumper to add scope/target; 0 or -errno. */
AGENT_HIDDEN int agent_forward(cr_scope_t scope, pid_t target);
/* Serves the request taken, in the calling thread. */
AGENT_HIDDEN void agent_serve_now(void);
/* Hands the request taken to libcr's callback thread, or serves it here. */
AGENT_HIDDEN void agent_serve_taken(void);

/* park.c: every thread of the process parked for the dumper (all of it
 * async-signal-safe).  The leader, the thread serving the request: */
/* Saves its own record and parks every other thread; 0, or -CR_E* when
 * one could not be parked or its callback refused. */
AGENT_HIDDEN int park_all(void);
/* Threads that come late to park must not stay parked: the request is
 * over (failed, or this is a forked child). */
AGENT_HIDDEN void park_close(void);
/* Releases every parked thread, pending signals queued again. */
AGENT_HIDDEN void park_release(void);
/* After a restart: its own record set again, and every other thread off
 * the restorer's stack. */
AGENT_HIDDEN void park_restarted(void);
/* Tells the chains waiting in their innermost step how the checkpoint
 * ended: 0 continue, 1 restart, < 0 failed. */
AGENT_HIDDEN void park_checkpoint_over(int result);
/* Any thread, in the handler: true when si is a park signal; then the
 * thread has parked, if it is one of the request being served. */
AGENT_HIDDEN bool park_on_signal(const siginfo_t *si);

/* request.c: the program's own requests.  Their handles are descriptors
 * the image leaves out; after a restart they read as finished. */
AGENT_HIDDEN int request_private_fds(int32_t *fds, int max);
AGENT_HIDDEN void request_restarted(void);

/* agent.c, for the wrappers of sleepwrap.c: a counter that moves each time
 * a checkpoint parks the process (continue or restart), and the time the
 * process spent not existing (between its checkpoint and its restart). */
AGENT_HIDDEN unsigned long agent_checkpoint_generation(void);
AGENT_HIDDEN int64_t agent_downtime_ns(void);


/* libc.c: libc's own versions of the calls sigwrap.c, sleepwrap.c and
 * execwrap.c interpose, resolved at load (epoll_pwait2 may be missing: NULL). */
struct libc_calls {
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	int (*sigprocmask)(int, const sigset_t *, sigset_t *);
	int (*pthread_sigmask)(int, const sigset_t *, sigset_t *);
	int (*sigpending)(sigset_t *);
	int (*sigsuspend)(const sigset_t *);
	int (*sigtimedwait)(const sigset_t *, siginfo_t *, const struct timespec *);
	int (*signalfd)(int, const sigset_t *, int);
	int (*pause)(void);
	int (*clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
		       const sigset_t *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *,
			    const sigset_t *);
	int (*semtimedop)(int, struct sembuf *, size_t, const struct timespec *);
	ssize_t (*msgrcv)(int, void *, size_t, long, int);
	int (*msgsnd)(int, const void *, size_t, int);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execv)(const char *, char *const[]);
	int (*execvp)(const char *, char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int);
};
AGENT_HIDDEN const struct libc_calls *libc(void);

/* sleepwrap.c: one attempt of an interposed call that a checkpoint may
 * interrupt. */
struct attempt {
	bool retry;		/* false the first time: the program's own timeout */
	int64_t left;		/* on a retry: ns still to wait, -1 for no timeout */
	const sigset_t *mask;	/* the program's mask for the call without
				 * CR_SIGNUM, or NULL when it gave none */
};
/* Makes one attempt; returns as libc's call does (-1 and errno on failure). */
typedef int attempt_fn(const struct attempt *at, void *args);
/* Attempts until one ends otherwise than by an EINTR the agent alone
 * caused; timeout in ns (-1: none), mask the one the call sets, or NULL. */
AGENT_HIDDEN int sleepwrap_call(attempt_fn *fn, void *args, int64_t timeout,
				const sigset_t *mask);
/* A timeout in ns, -1 for none (or invalid); and an attempt's: the
 * program's own the first time, then the time left, copied into buf. */
AGENT_HIDDEN int64_t sleepwrap_ts_to_ns(const struct timespec *ts);
AGENT_HIDDEN struct timespec *sleepwrap_attempt_ts(const struct attempt *at,
						   const struct timespec *tmo,
						   struct timespec *buf);

/* sigwrap.c: the program's own view of the checkpoint signal. */
/* Delivers a CR_SIGNUM that was not a checkpoint request as the program's
 * own disposition for it says (async-signal-safe). */
AGENT_HIDDEN void sigwrap_forward(int sig, siginfo_t *si, void *uc);
/* Around a call that sets the mask while it waits: *ret_kmask is mask
 * without CR_SIGNUM, for the kernel; false when a CR_SIGNUM of the
 * program's that waited was let in and delivered (the call must fail
 * with EINTR).  NULL mask: nothing to do. */
AGENT_HIDDEN bool sigwrap_mask_enter(const sigset_t *mask, sigset_t *ret_kmask, int *ret_view);
AGENT_HIDDEN void sigwrap_mask_leave(const sigset_t *mask, int view);
/* Takes the program's own CR_SIGNUM that waited, if set holds it. */
AGENT_HIDDEN bool sigwrap_take_pending(const sigset_t *set, siginfo_t *info);
/* This thread's counts, which move when a signal interrupts it. */
struct sigwrap_marks {
	unsigned long handler_runs;	/* the program's handlers that ran */
	unsigned long swallowed;	/* CR_SIGNUMs the agent kept from the program */
};
AGENT_HIDDEN void sigwrap_read_marks(struct sigwrap_marks *ret);

/* cs.c: critical sections.  In the handler, agent_cs_defer() says whether
 * the request must wait for sections to end (the last cr_leave_cs() then
 * calls agent_serve_taken()); agent_cs_done() ends the request. */
AGENT_HIDDEN bool agent_cs_defer(void);
AGENT_HIDDEN void agent_cs_done(void);
AGENT_HIDDEN bool agent_cs_pending(void);
/* Waits at most timeout_ms for a request to be pending; whether it is. */
AGENT_HIDDEN bool agent_cs_wait_pending(int timeout_ms);
AGENT_HIDDEN bool agent_cs_inside(void);	/* this thread is in a section */
/* In the child of a fork(): the state of threads that did not follow. */
AGENT_HIDDEN void agent_cs_after_fork(void);
AGENT_HIDDEN void agent_callbacks_after_fork(void);
/* After a restart under new ids: the ids callbacks.c keeps, updated. */
AGENT_HIDDEN void agent_callbacks_retid(int old_tid, int new_tid);
AGENT_HIDDEN void agent_callbacks_repid(int old_pid, int new_pid);

/* procstate.c: pending signals, timers and prctl settings */
AGENT_HIDDEN void procstate_reset(void);
AGENT_HIDDEN void procstate_save_pending(int record, bool shared);
AGENT_HIDDEN void procstate_restore_pending(int record, bool shared);
AGENT_HIDDEN void procstate_save(void);
AGENT_HIDDEN void procstate_restore(void);
/* More pending signals or POSIX timers than the agent keeps. */
AGENT_HIDDEN bool procstate_overflowed(void);

/* callbacks.c.  The serving thread runs the request's callbacks: the
 * thread-context chain (in the callback thread), its own signal-context
 * chain, whose innermost step is agent_take_checkpoint(), and waits for
 * the other threads' chains to end.  On a callback's refusal,
 * *ret_fail_code is the CR_E* (or user) code. */
AGENT_HIDDEN int agent_run_callbacks(int *ret_fail_code);
AGENT_HIDDEN int agent_in_callback(void);
/* cr_init() ran in this thread; else the API's calls fail with CR_ENOINIT. */
AGENT_HIDDEN bool agent_thread_initialised(void);
AGENT_HIDDEN int agent_checkpoint_called(void);

enum agent_thread_kind {
	AGENT_THREAD_PLAIN,	/* no callbacks */
	AGENT_THREAD_SIGNAL,	/* runs signal-context callbacks */
	AGENT_THREAD_CALLBACKS,	/* ran the thread-context ones */
};
/* A parking thread: its own signal-context chain with park() innermost. */
AGENT_HIDDEN int agent_thread_callbacks(int (*park)(void *), void *arg, int *fail_code,
					enum agent_thread_kind *kind);
/* Hands the request taken to libcr's callback thread, when there is one. */
AGENT_HIDDEN bool agent_delegate(void);
/* Whether this thread waits for all callbacks before going back. */
AGENT_HIDDEN bool agent_thread_held(bool restarted);
AGENT_HIDDEN void agent_run_hook(enum agent_thread_kind kind, int result);

#endif
