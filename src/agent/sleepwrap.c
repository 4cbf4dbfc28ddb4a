/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sleeping and waiting calls, resumed when a checkpoint interrupts them.
 *
 * A checkpoint interrupts a blocking call: the handler runs, and Linux
 * returns EINTR for what it cannot restart (nanosleep, poll, select,
 * epoll_wait, sigsuspend, ... even with SA_RESTART: signal(7)); after a
 * restart the interrupted frame holds EINTR as well.  These calls are
 * interposed (libcr.map exports them) and call again, with the time that is
 * left, when an EINTR was the agent's alone (sysvwrap.c does the same for
 * the SysV IPC waits, which the kernel never restarts either): the checkpoint generation (or
 * the count of CR_SIGNUMs this thread swallowed) moved during the call, and
 * no handler of the program ran in this thread (sigwrap.c counts both).
 * Handlers installed around libc (raw rt_sigaction) are not seen.  Time
 * left is "the process's own time": CLOCK_MONOTONIC minus the time the
 * process did not exist between a checkpoint and its restart.  pause() and
 * sigsuspend() are the exception: as under BLCR, a checkpoint ends them
 * with EINTR (only a swallowed CR_SIGNUM makes them wait again).
 *
 * Every wrapper is one call of sleepwrap_call(), which holds the loop, with
 * a function that makes one attempt of the call with its arguments.  A mask
 * the call sets while it waits goes through sigwrap_mask_enter(): the
 * kernel never gets CR_SIGNUM in it.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define NSEC_PER_SEC 1000000000LL

extern void __chk_fail(void) __attribute__((noreturn));

/* ---- EINTR that only the agent caused -------------------------------------- */

struct sleepwrap_wait {
	unsigned long gen;		/* agent_checkpoint_generation() at the start */
	struct sigwrap_marks marks;	/* this thread's at the start */
	int64_t timeout;		/* ns, or -1 for none */
	int64_t deadline;		/* in the process's own time */
	int64_t left;			/* ns, set by sleepwrap_again(); -1: no timeout */
};

/* CLOCK_MONOTONIC without the time the process was checkpointed away. */
static int64_t sleepwrap_own_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec - agent_downtime_ns();
}

static void sleepwrap_begin(struct sleepwrap_wait *w, int64_t timeout)
{
	w->gen = agent_checkpoint_generation();
	sigwrap_read_marks(&w->marks);
	w->timeout = timeout;
	w->deadline = timeout >= 0 ? sleepwrap_own_now() + timeout : -1;
	w->left = timeout;
}

/* After an EINTR: true when the agent alone caused it (a checkpoint, or a
 * CR_SIGNUM the program ignores or holds), and no handler of the program
 * ran in this thread; then w->left is the time still to wait (0 and up, no
 * more than the whole timeout), or -1 when there is no timeout.  With
 * ckpt_ends, a checkpoint is as a caught signal: false. */
static bool sleepwrap_again(struct sleepwrap_wait *w, bool ckpt_ends)
{
	struct sigwrap_marks now;
	bool checkpointed = agent_checkpoint_generation() != w->gen;

	sigwrap_read_marks(&now);
	if (now.handler_runs != w->marks.handler_runs)
		return false;
	if (checkpointed ? ckpt_ends : now.swallowed == w->marks.swallowed)
		return false;
	if (w->timeout < 0)
		return true;
	w->left = w->deadline - sleepwrap_own_now();
	if (w->left < 0)
		w->left = 0;
	if (w->left > w->timeout)
		w->left = w->timeout;	/* the clock went backwards */
	return true;
}


/*
 * Makes attempts until one ends otherwise than by an EINTR the agent alone
 * caused, and returns its result.  timeout is the program's, in ns (-1 for
 * none); mask the one the call sets while it waits, or NULL.  The program
 * never sees the errno of an attempt that was made again.  With
 * ckpt_ends, an attempt that a checkpoint interrupted is not made again.
 */
static int sleepwrap_call_as(attempt_fn *fn, void *args, int64_t timeout, const sigset_t *mask,
			     bool ckpt_ends)
{
	struct attempt at = { .left = timeout };
	struct sleepwrap_wait w;
	sigset_t kmask;
	int saved = errno, view, r;

	if (!sigwrap_mask_enter(mask, &kmask, &view)) {
		errno = EINTR;
		return -1;
	}
	at.mask = mask ? &kmask : NULL;
	sleepwrap_begin(&w, timeout);
	for (;;) {
		r = fn(&at, args);
		if (r >= 0) {
			errno = saved;
			break;
		}
		if (errno != EINTR || !sleepwrap_again(&w, ckpt_ends))
			break;
		at.retry = true;
		at.left = w.left;
		errno = saved;
	}
	sigwrap_mask_leave(mask, view);
	return r;
}

int sleepwrap_call(attempt_fn *fn, void *args, int64_t timeout, const sigset_t *mask)
{
	return sleepwrap_call_as(fn, args, timeout, mask, false);
}

/* ---- timeouts --------------------------------------------------------------- */

/* Timeouts in ns, -1 for none; a huge one is as good as none. */
static int64_t sec_nsec_to_ns(int64_t sec, int64_t nsec)
{
	if (sec < 0 || nsec < 0 || nsec >= NSEC_PER_SEC)
		return -1;	/* the kernel says EINVAL, never EINTR */
	if (sec >= INT64_MAX / NSEC_PER_SEC / 2)
		return INT64_MAX / 2;
	return sec * NSEC_PER_SEC + nsec;
}

int64_t sleepwrap_ts_to_ns(const struct timespec *ts)
{
	return ts ? sec_nsec_to_ns(ts->tv_sec, ts->tv_nsec) : -1;
}

static int64_t tv_to_ns(const struct timeval *tv)
{
	if (!tv || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -1;
	return sec_nsec_to_ns(tv->tv_sec, tv->tv_usec * 1000LL);
}

static int64_t ms_to_ns(int ms)
{
	return ms < 0 ? -1 : ms * 1000000LL;
}

static struct timespec ns_to_ts(int64_t ns)
{
	return (struct timespec){ .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };
}

static int ns_to_ms(int64_t ns)
{
	int64_t ms = (ns + 999999) / 1000000;

	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Always a copy in buf: Linux may write the time left back. */
struct timespec *sleepwrap_attempt_ts(const struct attempt *at, const struct timespec *tmo,
				      struct timespec *buf)
{
	if (!tmo)
		return NULL;
	*buf = at->retry ? ns_to_ts(at->left) : *tmo;
	return buf;
}

/* The same for a timeout in ms, negative for none. */
static int attempt_ms(const struct attempt *at, int timeout)
{
	return at->retry && timeout >= 0 ? ns_to_ms(at->left) : timeout;
}

/* ---- sleeping ---------------------------------------------------------------- */

static bool is_cpu_clock(clockid_t clk)
{
	return clk < 0 || clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID;
}

struct sleep_args {
	clockid_t clk;
	int flags;
	const struct timespec *req;
	bool own_time;		/* relative, on a clock that ran in the downtime */
	struct timespec cur, krem;
};

static int sleep_attempt(const struct attempt *at, void *p)
{
	struct sleep_args *a = p;
	int r;

	if (!at->retry) {
		a->cur = *a->req;
	} else if (a->own_time) {
		if (at->left == 0)
			return 0;
		a->cur = ns_to_ts(at->left);
	} else if (!(a->flags & TIMER_ABSTIME)) {
		a->cur = a->krem;	/* a CPU clock stood still meanwhile */
	}
	r = libc()->clock_nanosleep(a->clk, a->flags, &a->cur, &a->krem);
	if (r) {
		errno = r;
		return -1;
	}
	return 0;
}

/* Returns 0 or an errno value, and leaves errno alone, like clock_nanosleep(). */
static int sleepwrap_sleep(clockid_t clk, int flags, const struct timespec *req,
			   struct timespec *rem)
{
	struct sleep_args a = {
		.clk = clk, .flags = flags, .req = req,
		.own_time = !(flags & TIMER_ABSTIME) && !is_cpu_clock(clk),
	};
	int saved = errno, r;

	if (!req)
		return libc()->clock_nanosleep(clk, flags, req, rem);
	if (sleepwrap_call(sleep_attempt, &a, a.own_time ? sleepwrap_ts_to_ns(req) : -1, NULL) == 0)
		return 0;
	r = errno;
	errno = saved;
	if (r == EINTR && rem && !(flags & TIMER_ABSTIME))
		*rem = a.krem;
	return r;
}

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
	return sleepwrap_sleep(clk, flags, req, rem);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	int r = sleepwrap_sleep(CLOCK_MONOTONIC, 0, req, rem);

	if (r) {
		errno = r;
		return -1;
	}
	return 0;
}

/* glibc's sleep() and usleep() reach nanosleep inside libc, past us. */
unsigned int sleep(unsigned int seconds)
{
	struct timespec ts = { .tv_sec = seconds }, rem;

	if (sleepwrap_sleep(CLOCK_MONOTONIC, 0, &ts, &rem))
		return (unsigned int)rem.tv_sec;	/* whole seconds not slept, as glibc */
	return 0;
}

int usleep(useconds_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };
	int r = sleepwrap_sleep(CLOCK_MONOTONIC, 0, &ts, NULL);

	if (r) {
		errno = r;
		return -1;
	}
	return 0;
}

/* ---- waiting for a signal ------------------------------------------------------ */

/* pause() and sigsuspend() wait for any caught signal, and under BLCR a
 * checkpoint was one: they return EINTR after it, when the process
 * continues and in a restarted one.  A CR_SIGNUM the agent swallowed
 * (the program's own, ignored or held) is not a signal to them. */

static int pause_attempt(const struct attempt *at, void *unused)
{
	(void)at;
	(void)unused;
	return libc()->pause();
}

int pause(void)
{
	return sleepwrap_call_as(pause_attempt, NULL, -1, NULL, true);
}

static int sigsuspend_attempt(const struct attempt *at, void *unused)
{
	(void)unused;
	return libc()->sigsuspend(at->mask);
}

int sigsuspend(const sigset_t *mask)
{
	return sleepwrap_call_as(sigsuspend_attempt, NULL, -1, mask, true);
}

struct sigwait_args {
	const sigset_t *set;	/* the program's */
	sigset_t kset;		/* the kernel's: without CR_SIGNUM */
	siginfo_t *info;
	const struct timespec *tmo;
	struct timespec cur;
};

static int sigwait_attempt(const struct attempt *at, void *p)
{
	struct sigwait_args *a = p;
	int r = libc()->sigtimedwait(&a->kset, a->info, sleepwrap_attempt_ts(at, a->tmo, &a->cur));

	/* the program's own CR_SIGNUM, held while it was blocked, came in */
	if (r < 0 && errno == EINTR && sigwrap_take_pending(a->set, a->info))
		return CR_SIGNUM;
	return r;
}

/* The kernel must never wait for CR_SIGNUM: it would take a request off the
 * queue before the agent's handler saw it. */
static int sleepwrap_sigwait(const sigset_t *set, siginfo_t *info, const struct timespec *tmo)
{
	struct sigwait_args a = { .set = set, .info = info, .tmo = tmo };

	if (!set)
		return libc()->sigtimedwait(set, info, tmo);
	if (sigwrap_take_pending(set, info))
		return CR_SIGNUM;
	a.kset = *set;
	sigdelset(&a.kset, CR_SIGNUM);
	return sleepwrap_call(sigwait_attempt, &a, sleepwrap_ts_to_ns(tmo), NULL);
}

int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *tmo)
{
	return sleepwrap_sigwait(set, info, tmo);
}

int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	return sleepwrap_sigwait(set, info, NULL);
}

/* glibc's sigwait() reaches sigtimedwait inside libc, past us.  It never
 * fails with EINTR (POSIX), whoever's handler interrupted it. */
int sigwait(const sigset_t *set, int *sig)
{
	int saved = errno, r;

	do
		r = sleepwrap_sigwait(set, NULL, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = errno;
		errno = saved;
		return r;
	}
	*sig = r;
	errno = saved;
	return 0;
}

/* ---- waiting for descriptors ---------------------------------------------- */

struct poll_args {
	struct pollfd *fds;
	nfds_t n;
	int timeout;
	const struct timespec *tmo;
	struct timespec cur;
};

static int poll_attempt(const struct attempt *at, void *p)
{
	struct poll_args *a = p;

	return libc()->poll(a->fds, a->n, attempt_ms(at, a->timeout));
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct poll_args a = { .fds = fds, .n = n, .timeout = timeout };

	return sleepwrap_call(poll_attempt, &a, ms_to_ns(timeout), NULL);
}

static int ppoll_attempt(const struct attempt *at, void *p)
{
	struct poll_args *a = p;

	return libc()->ppoll(a->fds, a->n, sleepwrap_attempt_ts(at, a->tmo, &a->cur), at->mask);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask)
{
	struct poll_args a = { .fds = fds, .n = n, .tmo = tmo };

	return sleepwrap_call(ppoll_attempt, &a, sleepwrap_ts_to_ns(tmo), mask);
}

/* _FORTIFY_SOURCE turns poll() and ppoll() into these, which call libc's. */
int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return poll(fds, n, timeout);
}

int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask,
		size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return ppoll(fds, n, tmo, mask);
}

struct select_args {
	int n;
	fd_set *rd, *wr, *ex;
	struct timeval *tv;
	struct timeval cur;
	const struct timespec *tmo;
	struct timespec cur_ts;
};

/* Linux's select() writes the time left back into tv, even on EINTR;
 * the sets are left alone on an error, so they can be passed again. */
static int select_attempt(const struct attempt *at, void *p)
{
	struct select_args *a = p;
	int r;

	if (!a->tv)
		return libc()->select(a->n, a->rd, a->wr, a->ex, NULL);
	if (!at->retry) {
		a->cur = *a->tv;
	} else if (at->left >= 0) {
		int64_t us = (at->left + 999) / 1000;

		a->cur = (struct timeval){ .tv_sec = us / 1000000, .tv_usec = us % 1000000 };
	}
	r = libc()->select(a->n, a->rd, a->wr, a->ex, &a->cur);
	*a->tv = a->cur;
	return r;
}

int select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	struct select_args a = { .n = n, .rd = rd, .wr = wr, .ex = ex, .tv = tv };

	return sleepwrap_call(select_attempt, &a, tv_to_ns(tv), NULL);
}

static int pselect_attempt(const struct attempt *at, void *p)
{
	struct select_args *a = p;

	return libc()->pselect(a->n, a->rd, a->wr, a->ex,
			       sleepwrap_attempt_ts(at, a->tmo, &a->cur_ts), at->mask);
}

int pselect(int n, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *tmo,
	    const sigset_t *mask)
{
	struct select_args a = { .n = n, .rd = rd, .wr = wr, .ex = ex, .tmo = tmo };

	return sleepwrap_call(pselect_attempt, &a, sleepwrap_ts_to_ns(tmo), mask);
}

struct epoll_args {
	int epfd;
	struct epoll_event *ev;
	int max;
	int timeout;
	const struct timespec *tmo;
	struct timespec cur;
};

static int epoll_attempt(const struct attempt *at, void *p)
{
	struct epoll_args *a = p;
	int timeout = attempt_ms(at, a->timeout);

	if (!at->mask)
		return libc()->epoll_wait(a->epfd, a->ev, a->max, timeout);
	return libc()->epoll_pwait(a->epfd, a->ev, a->max, timeout, at->mask);
}

int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	return epoll_pwait(epfd, ev, max, timeout, NULL);
}

int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	struct epoll_args a = { .epfd = epfd, .ev = ev, .max = max, .timeout = timeout };

	return sleepwrap_call(epoll_attempt, &a, ms_to_ns(timeout), mask);
}

static int epoll2_attempt(const struct attempt *at, void *p)
{
	struct epoll_args *a = p;

	return libc()->epoll_pwait2(a->epfd, a->ev, a->max,
				    sleepwrap_attempt_ts(at, a->tmo, &a->cur), at->mask);
}

int epoll_pwait2(int epfd, struct epoll_event *ev, int max, const struct timespec *tmo,
		 const sigset_t *mask)
{
	struct epoll_args a = { .epfd = epfd, .ev = ev, .max = max, .tmo = tmo };

	if (!libc()->epoll_pwait2) {
		errno = ENOSYS;
		return -1;
	}
	return sleepwrap_call(epoll2_attempt, &a, sleepwrap_ts_to_ns(tmo), mask);
}
