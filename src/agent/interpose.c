/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The program's view of its signals, and of the system calls a checkpoint
 * interrupts.
 *
 * The checkpoint signal (CR_SIGNUM, BLCR's SIGRTMAX) must stay deliverable
 * and keep the agent's handler whatever the program does, yet the program
 * must see what it asked for.  So libc's calls that set dispositions and
 * masks are interposed (libcr.map exports them):
 *  - sigaction() and friends record the program's disposition for CR_SIGNUM
 *    here and never install it; interpose_forward() honours it for every
 *    CR_SIGNUM that is not a checkpoint request;
 *  - sigprocmask() and pthread_sigmask() never block CR_SIGNUM for real; a
 *    per-thread flag keeps the program's wish, reported back in the old set,
 *    and its own CR_SIGNUM waits in a per-thread slot while "blocked";
 *  - masks handed to sigsuspend, ppoll, pselect, epoll_pwait(2), signalfd
 *    and the sigwait family lose CR_SIGNUM on the way to the kernel.
 *
 * A checkpoint interrupts a blocking call: the handler runs, and Linux
 * returns EINTR for what it cannot restart (nanosleep, poll, select,
 * epoll_wait, sigsuspend, ... even with SA_RESTART: signal(7)); after a
 * restart the interrupted frame holds EINTR as well.  The sleeping calls
 * are interposed and call again, with the time that is left, when an EINTR
 * was the agent's alone: the checkpoint generation (or the count of
 * CR_SIGNUMs this thread swallowed) moved during the call, and no handler
 * of the program ran in this thread.  The program's handlers are counted by
 * a trampoline that every handler installed through sigaction() goes
 * through; handlers installed around libc (raw rt_sigaction) are not seen.
 * Time left is "the process's own time": CLOCK_MONOTONIC minus the time the
 * process did not exist between a checkpoint and its restart.
 *
 * Functions marked async-signal-safe run in signal handlers: they touch only
 * initial-exec TLS, static memory and raw system calls.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "agent.h"
#include "../common/sys.h"

#define NSEC_PER_SEC 1000000000LL
/* glibc's own signals (SIGCANCEL, SIGSETXID): never blocked for the program */
#define GLIBC_SIG_MASK ((1ULL << (32 - 1)) | (1ULL << (33 - 1)))
#define CR_BIT (1ULL << (CR_SIGNUM - 1))

extern void __chk_fail(void) __attribute__((noreturn));

/* libc's functions, resolved once (dlsym is not async-signal-safe). */
static struct {
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	int (*sigprocmask)(int, const sigset_t *, sigset_t *);
	int (*pthread_sigmask)(int, const sigset_t *, sigset_t *);
	int (*sigpending)(sigset_t *);
	int (*sigsuspend)(const sigset_t *);
	int (*sigtimedwait)(const sigset_t *, siginfo_t *, const struct timespec *);
	int (*signalfd)(int, const sigset_t *, int);
	int (*pause)(void);
	int (*nanosleep)(const struct timespec *, struct timespec *);
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
} real;
static int interpose_ready;

/* The program's dispositions as it set them; [CR_SIGNUM] is only here. */
static struct sigaction interpose_acts[CR_SIGNUM + 1];

/* Per thread: the program has CR_SIGNUM blocked; one of its own arrived
 * meanwhile (a one-deep queue, with its siginfo); how many of the program's
 * handlers ran; how many CR_SIGNUMs the agent kept from the program.
 * Initial-exec TLS: a signal handler reads it without calling into ld.so,
 * which may allocate for dynamic TLS. */
static __thread __attribute__((tls_model("initial-exec"))) int t_blocked;
static __thread __attribute__((tls_model("initial-exec"))) int t_pending;
static __thread __attribute__((tls_model("initial-exec"))) siginfo_t t_pending_si;
static __thread __attribute__((tls_model("initial-exec"))) unsigned long t_handler_runs;
static __thread __attribute__((tls_model("initial-exec"))) unsigned long t_swallowed;

/* ---- libc's functions ----------------------------------------------------- */

/* The next definition after libcr's, else libc's own: when libcr comes
 * after libc in the lookup order (a dependency of a preloaded library),
 * RTLD_NEXT finds nothing. */
static void *interpose_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	void *libc;

	if (p)
		return p;
	libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	if (!libc)
		return NULL;
	p = dlsym(libc, name);
	dlclose(libc);
	return p;
}

/* Idempotent: racing callers store the same values. */
static void interpose_resolve(void)
{
	real.sigaction = interpose_sym("sigaction");
	real.sigprocmask = interpose_sym("sigprocmask");
	real.pthread_sigmask = interpose_sym("pthread_sigmask");
	real.sigpending = interpose_sym("sigpending");
	real.sigsuspend = interpose_sym("sigsuspend");
	real.sigtimedwait = interpose_sym("sigtimedwait");
	real.signalfd = interpose_sym("signalfd");
	real.pause = interpose_sym("pause");
	real.nanosleep = interpose_sym("nanosleep");
	real.clock_nanosleep = interpose_sym("clock_nanosleep");
	real.poll = interpose_sym("poll");
	real.ppoll = interpose_sym("ppoll");
	real.select = interpose_sym("select");
	real.pselect = interpose_sym("pselect");
	real.epoll_wait = interpose_sym("epoll_wait");
	real.epoll_pwait = interpose_sym("epoll_pwait");
	real.epoll_pwait2 = interpose_sym("epoll_pwait2");
	__atomic_store_n(&interpose_ready, 1, __ATOMIC_RELEASE);
}

/* Another library's constructor may call a wrapper before ours ran. */
static inline void interpose_init(void)
{
	if (!__atomic_load_n(&interpose_ready, __ATOMIC_ACQUIRE))
		interpose_resolve();
}

__attribute__((constructor)) static void interpose_load(void)
{
	interpose_init();
}

int interpose_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	interpose_init();
	return real.sigaction(sig, act, old);
}

/* ---- the program's CR_SIGNUM ------------------------------------------------ */

static uint64_t mask_word(const sigset_t *set)
{
	uint64_t w;

	memcpy(&w, set, sizeof(w));	/* signals 1..64: the kernel's sigset */
	return w;
}

static bool is_handler(void (*h)(int))
{
	return h != SIG_DFL && h != SIG_IGN && h != SIG_ERR;
}

/* The default action of a real-time signal: terminate, by that signal.
 * Async-signal-safe. */
static void interpose_die(int sig)
{
	struct sys_sigaction dfl = { .handler = (uint64_t)SIG_DFL }, old;
	uint64_t bit = 1ULL << (sig - 1);

	sys_rt_sigaction(sig, &dfl, &old);
	sys_tgkill(sys_getpid(), sys_gettid(), sig);
	sys_rt_sigprocmask(SIG_UNBLOCK, &bit, NULL);
	/* still here (a tracer discarded it): the agent keeps its handler */
	sys_rt_sigaction(sig, &old, NULL);
}

static void interpose_dispatch(siginfo_t *si, void *uc);

/* Outside a handler, the handler gets this point as its context; one that
 * setcontext()s to it comes back here once, and goes on. */
static void interpose_dispatch_here(siginfo_t *si)
{
	volatile bool resumed = false;
	ucontext_t here;

	getcontext(&here);
	if (resumed)
		return;
	resumed = true;
	interpose_dispatch(si, &here);
}

/* Delivers the program's CR_SIGNUM that waited while it was blocked, now
 * that it is not.  Async-signal-safe when uc is given. */
static void interpose_deliver_pending(void *uc)
{
	while (!__atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST) &&
	       __atomic_load_n(&t_pending, __ATOMIC_SEQ_CST)) {
		siginfo_t si = t_pending_si;

		if (!__atomic_exchange_n(&t_pending, 0, __ATOMIC_SEQ_CST))
			break;
		if (uc)
			interpose_dispatch(&si, uc);
		else
			interpose_dispatch_here(&si);
	}
}

/* Runs the program's handler for CR_SIGNUM as the kernel would: with its
 * sa_mask added to the interrupted mask, CR_SIGNUM "blocked" in its view
 * unless SA_NODEFER, SA_RESETHAND honoured.  CR_SIGNUM itself stays open,
 * so a checkpoint can still come in.  The handler is called with three
 * arguments whatever SA_SIGINFO says, as the x86_64 kernel does.  A handler
 * that leaves by siglongjmp() leaves CR_SIGNUM blocked in its view until
 * the program sets its mask again.  Async-signal-safe. */
static void interpose_run_handler(void (*h)(int, siginfo_t *, void *), siginfo_t *si, void *uc)
{
	struct sigaction *a = &interpose_acts[CR_SIGNUM];
	int flags = a->sa_flags;
	uint64_t mask, old;

	if (flags & SA_RESETHAND)
		__atomic_store_n(&a->sa_handler, SIG_DFL, __ATOMIC_RELAXED);
	mask = mask_word(&((ucontext_t *)uc)->uc_sigmask) | mask_word(&a->sa_mask);
	mask &= ~(CR_BIT | GLIBC_SIG_MASK);
	if (!(flags & SA_NODEFER))
		__atomic_store_n(&t_blocked, 1, __ATOMIC_SEQ_CST);
	sys_rt_sigprocmask(SIG_SETMASK, &mask, &old);
	__atomic_add_fetch(&t_handler_runs, 1, __ATOMIC_SEQ_CST);
	h(CR_SIGNUM, si, uc);
	sys_rt_sigprocmask(SIG_SETMASK, &old, NULL);
	/* unblocked before: interpose_dispatch() came here only then */
	__atomic_store_n(&t_blocked, 0, __ATOMIC_SEQ_CST);
	interpose_deliver_pending(uc);
}

/* The program's disposition decides.  Async-signal-safe. */
static void interpose_dispatch(siginfo_t *si, void *uc)
{
	void (*h)(int) = __atomic_load_n(&interpose_acts[CR_SIGNUM].sa_handler, __ATOMIC_RELAXED);

	if (h == SIG_IGN) {
		__atomic_add_fetch(&t_swallowed, 1, __ATOMIC_SEQ_CST);
		return;
	}
	if (__atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST)) {
		t_pending_si = *si;
		__atomic_store_n(&t_pending, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&t_swallowed, 1, __ATOMIC_SEQ_CST);
		return;
	}
	if (h != SIG_DFL) {
		interpose_run_handler((void (*)(int, siginfo_t *, void *))(void (*)(void))h, si, uc);
		return;
	}
	/* A sigqueue() from another process is how requests come: one the
	 * agent could not serve (its requester gave up) must not kill a
	 * program that never asked for this signal. */
	if (si->si_code == SI_QUEUE && si->si_pid != (pid_t)sys_getpid()) {
		__atomic_add_fetch(&t_swallowed, 1, __ATOMIC_SEQ_CST);
		return;
	}
	interpose_die(CR_SIGNUM);
}

void interpose_forward(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	interpose_dispatch(si, uc);
}

/* ---- dispositions ---------------------------------------------------------- */

/* Every handler of the program runs through here, so that the sleeping
 * calls know when one ran in this thread.  The view of CR_SIGNUM follows
 * the handler's sa_mask, and comes back when it returns, as the kernel's
 * sigreturn gives back the mask.  Async-signal-safe. */
static void interpose_trampoline(int sig, siginfo_t *si, void *uc)
{
	struct sigaction *a = &interpose_acts[sig];
	void (*h)(int) = __atomic_load_n(&a->sa_handler, __ATOMIC_RELAXED);
	int view = __atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST);

	__atomic_add_fetch(&t_handler_runs, 1, __ATOMIC_SEQ_CST);
	if (!is_handler(h))
		return;		/* changed since the kernel chose us */
	if (mask_word(&a->sa_mask) & CR_BIT)
		__atomic_store_n(&t_blocked, 1, __ATOMIC_SEQ_CST);
	((void (*)(int, siginfo_t *, void *))(void (*)(void))h)(sig, si, uc);
	__atomic_store_n(&t_blocked, view, __ATOMIC_SEQ_CST);
	interpose_deliver_pending(uc);
}

/* CR_SIGNUM: the program's wish is recorded, never installed. */
static int interpose_cr_sigaction(const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev = interpose_acts[CR_SIGNUM];

	if (act) {
		struct sigaction *a = &interpose_acts[CR_SIGNUM];

		/* the handler last: interpose_dispatch() reads it first */
		a->sa_flags = act->sa_flags;
		a->sa_mask = act->sa_mask;
		a->sa_restorer = act->sa_restorer;
		__atomic_store_n(&a->sa_handler, act->sa_handler, __ATOMIC_RELEASE);
	}
	if (old)
		*old = prev;
	return 0;
}

/* Another signal: installed for real, a handler through the trampoline,
 * and no mask may hold CR_SIGNUM back. */
static int interpose_other_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev = interpose_acts[sig], a, got;
	bool wrapped = false;

	if (act) {
		a = *act;
		sigdelset(&a.sa_mask, CR_SIGNUM);
		if (is_handler(act->sa_handler)) {
			/* recorded first: the kernel may pick the trampoline
			 * as soon as it is installed */
			interpose_acts[sig] = *act;
			a.sa_sigaction = interpose_trampoline;
			a.sa_flags |= SA_SIGINFO;
			wrapped = true;
		}
	}
	if (real.sigaction(sig, act ? &a : NULL, &got) < 0) {
		if (wrapped)
			interpose_acts[sig] = prev;
		return -1;
	}
	if (old)
		*old = got.sa_sigaction == interpose_trampoline ? prev : got;
	return 0;
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	interpose_init();
	if (sig == CR_SIGNUM)
		return interpose_cr_sigaction(act, old);
	if (sig < 1 || sig > CR_SIGNUM)
		return real.sigaction(sig, act, old);
	return interpose_other_sigaction(sig, act, old);
}

static __sighandler_t interpose_signal(int sig, __sighandler_t h, int flags)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (!(flags & SA_NODEFER) && sig >= 1 && sig <= CR_SIGNUM)
		sigaddset(&sa.sa_mask, sig);
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* glibc's signal() has BSD semantics: SA_RESTART, the signal held while its
 * handler runs. */
__sighandler_t signal(int sig, __sighandler_t h)
{
	return interpose_signal(sig, h, SA_RESTART);
}

__sighandler_t bsd_signal(int sig, __sighandler_t h)
{
	return interpose_signal(sig, h, SA_RESTART);
}

__sighandler_t sysv_signal(int sig, __sighandler_t h)
{
	return interpose_signal(sig, h, SA_RESETHAND | SA_NODEFER);
}

int siginterrupt(int sig, int interrupt)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, &sa) < 0)
		return -1;
	if (interrupt)
		sa.sa_flags &= ~SA_RESTART;
	else
		sa.sa_flags |= SA_RESTART;
	return sigaction(sig, &sa, NULL);
}

int sigignore(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* ---- masks ------------------------------------------------------------------ */

/* The program's view of CR_SIGNUM after a successful mask change. */
static void interpose_view_update(int how, const sigset_t *set)
{
	int member = sigismember(set, CR_SIGNUM) == 1;

	if (how == SIG_SETMASK)
		__atomic_store_n(&t_blocked, member, __ATOMIC_SEQ_CST);
	else if (member)
		__atomic_store_n(&t_blocked, how == SIG_BLOCK, __ATOMIC_SEQ_CST);
	interpose_deliver_pending(NULL);
}

static void interpose_view_report(sigset_t *set, int blocked)
{
	if (blocked)
		sigaddset(set, CR_SIGNUM);
	else
		sigdelset(set, CR_SIGNUM);
}

/* Both: returns 0 or an errno value (pthread_sigmask's convention). */
static int interpose_sigmask(bool pthread, int how, const sigset_t *set, sigset_t *old)
{
	int was = __atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST);
	sigset_t copy, got;
	int r;

	if (set) {
		copy = *set;
		sigdelset(&copy, CR_SIGNUM);
	}
	if (pthread)
		r = real.pthread_sigmask(how, set ? &copy : NULL, &got);
	else
		r = real.sigprocmask(how, set ? &copy : NULL, &got) < 0 ? errno : 0;
	if (r)
		return r;
	if (old) {
		*old = got;
		interpose_view_report(old, was);
	}
	if (set)
		interpose_view_update(how, set);
	return 0;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	int r;

	interpose_init();
	r = interpose_sigmask(false, how, set, old);
	if (r) {
		errno = r;
		return -1;
	}
	return 0;
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	interpose_init();
	return interpose_sigmask(true, how, set, old);
}

static int interpose_hold(int sig, int how)
{
	sigset_t set;

	sigemptyset(&set);
	if (sigaddset(&set, sig) < 0)
		return -1;
	return sigprocmask(how, &set, NULL);
}

int sighold(int sig)
{
	return interpose_hold(sig, SIG_BLOCK);
}

int sigrelse(int sig)
{
	return interpose_hold(sig, SIG_UNBLOCK);
}

/* System V's sigset(): SIG_HOLD blocks; anything else sets the disposition
 * and unblocks.  Returns SIG_HOLD when the signal was blocked. */
__sighandler_t sigset(int sig, __sighandler_t disp)
{
	struct sigaction sa, old;
	sigset_t set, oset;

	sigemptyset(&set);
	if (sigaddset(&set, sig) < 0)
		return SIG_ERR;
	if (disp == SIG_HOLD) {
		if (sigprocmask(SIG_BLOCK, &set, &oset) < 0 || sigaction(sig, NULL, &old) < 0)
			return SIG_ERR;
		return sigismember(&oset, sig) ? SIG_HOLD : old.sa_handler;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = disp;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old) < 0 || sigprocmask(SIG_UNBLOCK, &set, &oset) < 0)
		return SIG_ERR;
	return sigismember(&oset, sig) ? SIG_HOLD : old.sa_handler;
}

int sigpending(sigset_t *set)
{
	interpose_init();
	if (real.sigpending(set) < 0)
		return -1;
	/* a request in flight is none of the program's business */
	interpose_view_report(set, __atomic_load_n(&t_pending, __ATOMIC_SEQ_CST));
	return 0;
}

int signalfd(int fd, const sigset_t *mask, int flags)
{
	sigset_t copy;

	interpose_init();
	copy = *mask;
	sigdelset(&copy, CR_SIGNUM);
	return real.signalfd(fd, &copy, flags);
}

/* A call that sets the mask while it waits: the kernel gets the mask
 * without CR_SIGNUM, the view follows the mask until interpose_mask_leave().
 * False when the mask lets in a CR_SIGNUM of the program's that waited: it
 * is delivered now and the call must return EINTR, as it would have. */
static bool interpose_mask_enter(const sigset_t *mask, sigset_t *copy, int *ret_view)
{
	*ret_view = __atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST);
	if (!mask)
		return true;
	*copy = *mask;
	sigdelset(copy, CR_SIGNUM);
	__atomic_store_n(&t_blocked, sigismember(mask, CR_SIGNUM) == 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST) ||
	    !__atomic_load_n(&t_pending, __ATOMIC_SEQ_CST))
		return true;
	interpose_deliver_pending(NULL);
	__atomic_store_n(&t_blocked, *ret_view, __ATOMIC_SEQ_CST);
	return false;
}

static void interpose_mask_leave(const sigset_t *mask, int view)
{
	if (!mask)
		return;
	__atomic_store_n(&t_blocked, view, __ATOMIC_SEQ_CST);
	interpose_deliver_pending(NULL);
}

/* ---- EINTR that only the agent caused -------------------------------------- */

struct interpose_wait {
	unsigned long gen;		/* agent_checkpoint_generation() at the start */
	unsigned long runs;		/* t_handler_runs at the start */
	unsigned long swallowed;	/* t_swallowed at the start */
	int64_t timeout;		/* ns, or -1 for none */
	int64_t deadline;		/* in the process's own time */
	int64_t left;			/* ns, set by interpose_again(); -1: no timeout */
};

/* CLOCK_MONOTONIC without the time the process was checkpointed away. */
static int64_t interpose_own_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec - agent_downtime_ns();
}

static void interpose_wait_begin(struct interpose_wait *w, int64_t timeout)
{
	w->gen = agent_checkpoint_generation();
	w->runs = __atomic_load_n(&t_handler_runs, __ATOMIC_SEQ_CST);
	w->swallowed = __atomic_load_n(&t_swallowed, __ATOMIC_SEQ_CST);
	w->timeout = timeout;
	w->deadline = timeout >= 0 ? interpose_own_now() + timeout : -1;
	w->left = timeout;
}

/* After an EINTR: true when the agent alone caused it (a checkpoint, or a
 * CR_SIGNUM the program ignores or holds), and no handler of the program
 * ran in this thread; then w->left is the time still to wait (0 and up, no
 * more than the whole timeout), or -1 when there is no timeout. */
static bool interpose_again(struct interpose_wait *w)
{
	if (__atomic_load_n(&t_handler_runs, __ATOMIC_SEQ_CST) != w->runs)
		return false;
	if (agent_checkpoint_generation() == w->gen &&
	    __atomic_load_n(&t_swallowed, __ATOMIC_SEQ_CST) == w->swallowed)
		return false;
	if (w->timeout < 0)
		return true;
	w->left = w->deadline - interpose_own_now();
	if (w->left < 0)
		w->left = 0;
	if (w->left > w->timeout)
		w->left = w->timeout;	/* the clock went backwards */
	return true;
}

/* Timeouts in ns, -1 for none; a huge one is as good as none. */
static int64_t ts_to_ns(const struct timespec *ts)
{
	if (!ts)
		return -1;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= NSEC_PER_SEC)
		return -1;	/* the kernel says EINVAL, never EINTR */
	if (ts->tv_sec >= INT64_MAX / NSEC_PER_SEC / 2)
		return INT64_MAX / 2;
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
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

/* ---- sleeping ---------------------------------------------------------------- */

static bool is_cpu_clock(clockid_t clk)
{
	return clk < 0 || clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID;
}

/* Returns 0 or an errno value, like clock_nanosleep(). */
static int interpose_sleep(clockid_t clk, int flags, const struct timespec *req,
			   struct timespec *rem)
{
	bool own_time = !(flags & TIMER_ABSTIME) && !is_cpu_clock(clk);
	struct timespec cur, krem;
	struct interpose_wait w;
	int r;

	if (!req)
		return real.clock_nanosleep(clk, flags, req, rem);
	cur = *req;
	interpose_wait_begin(&w, own_time ? ts_to_ns(req) : -1);
	for (;;) {
		r = real.clock_nanosleep(clk, flags, &cur, &krem);
		if (r != EINTR)
			return r;
		if (!interpose_again(&w)) {
			if (rem && !(flags & TIMER_ABSTIME))
				*rem = krem;
			return r;
		}
		if (own_time) {
			if (w.left == 0)
				return 0;
			cur = ns_to_ts(w.left);
		} else if (!(flags & TIMER_ABSTIME)) {
			cur = krem;	/* a CPU clock stood still meanwhile */
		}
	}
}

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
	interpose_init();
	return interpose_sleep(clk, flags, req, rem);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	int r;

	interpose_init();
	r = interpose_sleep(CLOCK_MONOTONIC, 0, req, rem);
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
	int saved = errno;

	interpose_init();
	if (interpose_sleep(CLOCK_MONOTONIC, 0, &ts, &rem))
		return (unsigned int)rem.tv_sec;	/* whole seconds not slept, as glibc */
	errno = saved;
	return 0;
}

int usleep(useconds_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };
	int r;

	interpose_init();
	r = interpose_sleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	if (r) {
		errno = r;
		return -1;
	}
	return 0;
}

int pause(void)
{
	struct interpose_wait w;
	int saved = errno, r;

	interpose_init();
	interpose_wait_begin(&w, -1);
	do {
		errno = saved;
		r = real.pause();
	} while (r < 0 && errno == EINTR && interpose_again(&w));
	return r;
}

int sigsuspend(const sigset_t *mask)
{
	struct interpose_wait w;
	sigset_t copy;
	int saved = errno, view, r;

	interpose_init();
	if (!interpose_mask_enter(mask, &copy, &view)) {
		errno = EINTR;
		return -1;
	}
	interpose_wait_begin(&w, -1);
	do {
		errno = saved;
		r = real.sigsuspend(&copy);
	} while (r < 0 && errno == EINTR && interpose_again(&w));
	interpose_mask_leave(mask, view);
	return r;
}

/* The program's own CR_SIGNUM, waiting while blocked, if it waits for it. */
static bool interpose_take_pending(const sigset_t *set, siginfo_t *info)
{
	siginfo_t si = t_pending_si;

	if (sigismember(set, CR_SIGNUM) != 1 || !__atomic_exchange_n(&t_pending, 0, __ATOMIC_SEQ_CST))
		return false;
	if (info)
		*info = si;
	return true;
}

/* The kernel must never wait for CR_SIGNUM: it would take a request off the
 * queue before the agent's handler saw it. */
static int interpose_sigwait(const sigset_t *set, siginfo_t *info, const struct timespec *tmo)
{
	struct interpose_wait w;
	struct timespec cur;
	sigset_t copy;
	int saved = errno, r;

	if (!set)
		return real.sigtimedwait(set, info, tmo);
	if (interpose_take_pending(set, info))
		return CR_SIGNUM;
	copy = *set;
	sigdelset(&copy, CR_SIGNUM);
	if (tmo)
		cur = *tmo;
	interpose_wait_begin(&w, ts_to_ns(tmo));
	for (;;) {
		r = real.sigtimedwait(&copy, info, tmo ? &cur : NULL);
		if (r >= 0 || errno != EINTR)
			return r;
		if (interpose_take_pending(set, info)) {
			errno = saved;
			return CR_SIGNUM;
		}
		if (!interpose_again(&w))
			return r;
		if (tmo)
			cur = ns_to_ts(w.left);
		errno = saved;
	}
}

int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *tmo)
{
	interpose_init();
	return interpose_sigwait(set, info, tmo);
}

int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	interpose_init();
	return interpose_sigwait(set, info, NULL);
}

/* glibc's sigwait() reaches sigtimedwait inside libc, past us. */
int sigwait(const sigset_t *set, int *sig)
{
	int saved = errno, r;

	interpose_init();
	do
		r = interpose_sigwait(set, NULL, NULL);
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

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct interpose_wait w;
	int saved = errno, r;

	interpose_init();
	interpose_wait_begin(&w, timeout < 0 ? -1 : timeout * 1000000LL);
	for (;;) {
		r = real.poll(fds, n, timeout);
		if (r >= 0 || errno != EINTR || !interpose_again(&w))
			return r;
		if (timeout >= 0)
			timeout = ns_to_ms(w.left);
		errno = saved;
	}
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask)
{
	struct interpose_wait w;
	struct timespec cur;
	sigset_t copy;
	int saved = errno, view, r;

	interpose_init();
	if (!interpose_mask_enter(mask, &copy, &view)) {
		errno = EINTR;
		return -1;
	}
	if (tmo)
		cur = *tmo;
	interpose_wait_begin(&w, ts_to_ns(tmo));
	for (;;) {
		r = real.ppoll(fds, n, tmo ? &cur : NULL, mask ? &copy : NULL);
		if (r >= 0 || errno != EINTR || !interpose_again(&w))
			break;
		if (tmo)
			cur = ns_to_ts(w.left);
		errno = saved;
	}
	interpose_mask_leave(mask, view);
	return r;
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

/* Linux's select() writes the time left back into tv, even on EINTR;
 * the sets are left alone on an error, so they can be passed again. */
int select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	struct interpose_wait w;
	struct timeval cur;
	int64_t timeout = -1;
	int saved = errno, r;

	interpose_init();
	if (tv) {
		cur = *tv;
		if (tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000)
			timeout = tv->tv_sec >= INT64_MAX / NSEC_PER_SEC / 2 ? INT64_MAX / 2 :
				  tv->tv_sec * NSEC_PER_SEC + tv->tv_usec * 1000LL;
	}
	interpose_wait_begin(&w, timeout);
	for (;;) {
		r = real.select(n, rd, wr, ex, tv ? &cur : NULL);
		if (tv)
			*tv = cur;
		if (r >= 0 || errno != EINTR || !interpose_again(&w))
			return r;
		if (tv && w.left >= 0) {
			int64_t us = (w.left + 999) / 1000;

			cur = (struct timeval){ .tv_sec = us / 1000000, .tv_usec = us % 1000000 };
		}
		errno = saved;
	}
}

int pselect(int n, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *tmo,
	    const sigset_t *mask)
{
	struct interpose_wait w;
	struct timespec cur;
	sigset_t copy;
	int saved = errno, view, r;

	interpose_init();
	if (!interpose_mask_enter(mask, &copy, &view)) {
		errno = EINTR;
		return -1;
	}
	if (tmo)
		cur = *tmo;
	interpose_wait_begin(&w, ts_to_ns(tmo));
	for (;;) {
		r = real.pselect(n, rd, wr, ex, tmo ? &cur : NULL, mask ? &copy : NULL);
		if (r >= 0 || errno != EINTR || !interpose_again(&w))
			break;
		if (tmo)
			cur = ns_to_ts(w.left);
		errno = saved;
	}
	interpose_mask_leave(mask, view);
	return r;
}

int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	return epoll_pwait(epfd, ev, max, timeout, NULL);
}

int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	struct interpose_wait w;
	sigset_t copy;
	int saved = errno, view, r;

	interpose_init();
	if (!interpose_mask_enter(mask, &copy, &view)) {
		errno = EINTR;
		return -1;
	}
	interpose_wait_begin(&w, timeout < 0 ? -1 : timeout * 1000000LL);
	for (;;) {
		r = mask ? real.epoll_pwait(epfd, ev, max, timeout, &copy) :
			   real.epoll_wait(epfd, ev, max, timeout);
		if (r >= 0 || errno != EINTR || !interpose_again(&w))
			break;
		if (timeout >= 0)
			timeout = ns_to_ms(w.left);
		errno = saved;
	}
	interpose_mask_leave(mask, view);
	return r;
}

int epoll_pwait2(int epfd, struct epoll_event *ev, int max, const struct timespec *tmo,
		 const sigset_t *mask)
{
	struct interpose_wait w;
	struct timespec cur;
	sigset_t copy;
	int saved = errno, view, r;

	interpose_init();
	if (!real.epoll_pwait2) {
		errno = ENOSYS;
		return -1;
	}
	if (!interpose_mask_enter(mask, &copy, &view)) {
		errno = EINTR;
		return -1;
	}
	if (tmo)
		cur = *tmo;
	interpose_wait_begin(&w, ts_to_ns(tmo));
	for (;;) {
		r = real.epoll_pwait2(epfd, ev, max, tmo ? &cur : NULL, mask ? &copy : NULL);
		if (r >= 0 || errno != EINTR || !interpose_again(&w))
			break;
		if (tmo)
			cur = ns_to_ts(w.left);
		errno = saved;
	}
	interpose_mask_leave(mask, view);
	return r;
}
