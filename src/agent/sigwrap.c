/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The program's view of its signals.
 *
 * The checkpoint signal (CR_SIGNUM, BLCR's SIGRTMAX) must stay deliverable
 * and keep the agent's handler whatever the program does, yet the program
 * must see what it asked for.  So libc's calls that set dispositions and
 * masks are interposed (libcr.map exports them):
 *  - sigaction() and friends record the program's disposition for CR_SIGNUM
 *    here and never install it; sigwrap_forward() honours it for every
 *    CR_SIGNUM that is not a checkpoint request;
 *  - sigprocmask() and pthread_sigmask() never block CR_SIGNUM for real; a
 *    per-thread flag keeps the program's wish, reported back in the old set,
 *    and its own CR_SIGNUM waits in a per-thread slot while "blocked";
 *  - masks handed to signalfd here, and to sigsuspend, ppoll, pselect,
 *    epoll_pwait(2) and the sigwait family (sleepwrap.c) through
 *    sigwrap_mask_enter(), lose CR_SIGNUM on the way to the kernel.
 *
 * Every handler the program installs through sigaction() runs through a
 * trampoline that counts it, so that the sleeping calls of sleepwrap.c can
 * tell an EINTR of the program's from one of the agent's
 * (sigwrap_read_marks()).
 *
 * Functions marked async-signal-safe run in signal handlers: they touch only
 * initial-exec TLS, static memory and raw system calls.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/signalfd.h>
#include <ucontext.h>

#include "agent.h"
#include "../common/sys.h"

/* glibc's own signals (SIGCANCEL, SIGSETXID): never blocked for the program */
#define GLIBC_SIG_MASK ((1ULL << (32 - 1)) | (1ULL << (33 - 1)))

/* The program's dispositions as it set them; [CR_SIGNUM] is only here. */
static struct sigaction sigwrap_acts[CR_SIGNUM + 1];

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
static void sigwrap_die(int sig)
{
	struct sys_sigaction dfl = { .handler = (uint64_t)SIG_DFL }, old;
	uint64_t bit = 1ULL << (sig - 1);

	sys_rt_sigaction(sig, &dfl, &old);
	sys_tgkill(sys_getpid(), sys_gettid(), sig);
	sys_rt_sigprocmask(SIG_UNBLOCK, &bit, NULL);
	/* still here (a tracer discarded it): the agent keeps its handler */
	sys_rt_sigaction(sig, &old, NULL);
}

static void sigwrap_dispatch(siginfo_t *si, void *uc);

/* Outside a handler, the handler gets this point as its context; one that
 * setcontext()s to it comes back here once, and goes on. */
static void sigwrap_dispatch_here(siginfo_t *si)
{
	volatile bool resumed = false;
	ucontext_t here;

	getcontext(&here);
	if (resumed)
		return;
	resumed = true;
	sigwrap_dispatch(si, &here);
}

/* Delivers the program's CR_SIGNUM that waited while it was blocked, now
 * that it is not.  Async-signal-safe when uc is given. */
static void sigwrap_deliver_pending(void *uc)
{
	while (!__atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST) &&
	       __atomic_load_n(&t_pending, __ATOMIC_SEQ_CST)) {
		siginfo_t si = t_pending_si;

		if (!__atomic_exchange_n(&t_pending, 0, __ATOMIC_SEQ_CST))
			break;
		if (uc)
			sigwrap_dispatch(&si, uc);
		else
			sigwrap_dispatch_here(&si);
	}
}

/* Runs the program's handler for CR_SIGNUM as the kernel would: with its
 * sa_mask added to the interrupted mask, CR_SIGNUM "blocked" in its view
 * unless SA_NODEFER, SA_RESETHAND honoured.  CR_SIGNUM itself stays open,
 * so a checkpoint can still come in.  The handler is called with three
 * arguments whatever SA_SIGINFO says, as the x86_64 kernel does.  A handler
 * that leaves by siglongjmp() leaves CR_SIGNUM blocked in its view until
 * the program sets its mask again.  Async-signal-safe. */
static void sigwrap_run_handler(void (*h)(int, siginfo_t *, void *), siginfo_t *si, void *uc)
{
	struct sigaction *a = &sigwrap_acts[CR_SIGNUM];
	int flags = a->sa_flags;
	uint64_t mask, old;

	if (flags & SA_RESETHAND)
		__atomic_store_n(&a->sa_handler, SIG_DFL, __ATOMIC_RELAXED);
	mask = mask_word(&((ucontext_t *)uc)->uc_sigmask) | mask_word(&a->sa_mask);
	mask &= ~(CR_SIGNUM_BIT | GLIBC_SIG_MASK);
	if (!(flags & SA_NODEFER))
		__atomic_store_n(&t_blocked, 1, __ATOMIC_SEQ_CST);
	sys_rt_sigprocmask(SIG_SETMASK, &mask, &old);
	__atomic_add_fetch(&t_handler_runs, 1, __ATOMIC_SEQ_CST);
	h(CR_SIGNUM, si, uc);
	sys_rt_sigprocmask(SIG_SETMASK, &old, NULL);
	/* unblocked before: sigwrap_dispatch() came here only then */
	__atomic_store_n(&t_blocked, 0, __ATOMIC_SEQ_CST);
	sigwrap_deliver_pending(uc);
}

/* The program's disposition decides.  Async-signal-safe. */
static void sigwrap_dispatch(siginfo_t *si, void *uc)
{
	void (*h)(int) = __atomic_load_n(&sigwrap_acts[CR_SIGNUM].sa_handler, __ATOMIC_RELAXED);

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
		sigwrap_run_handler((void (*)(int, siginfo_t *, void *))(void (*)(void))h, si, uc);
		return;
	}
	/* A sigqueue() from another process is how requests come: one the
	 * agent could not serve (its requester gave up) must not kill a
	 * program that never asked for this signal. */
	if (si->si_code == SI_QUEUE && si->si_pid != (pid_t)sys_getpid()) {
		__atomic_add_fetch(&t_swallowed, 1, __ATOMIC_SEQ_CST);
		return;
	}
	sigwrap_die(CR_SIGNUM);
}

void sigwrap_forward(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	sigwrap_dispatch(si, uc);
}

/* ---- dispositions ---------------------------------------------------------- */

/* Every handler of the program runs through here, so that the sleeping
 * calls know when one ran in this thread.  The view of CR_SIGNUM follows
 * the handler's sa_mask, and comes back when it returns, as the kernel's
 * sigreturn gives back the mask.  Async-signal-safe. */
static void sigwrap_trampoline(int sig, siginfo_t *si, void *uc)
{
	struct sigaction *a = &sigwrap_acts[sig];
	void (*h)(int) = __atomic_load_n(&a->sa_handler, __ATOMIC_RELAXED);
	int view = __atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST);

	__atomic_add_fetch(&t_handler_runs, 1, __ATOMIC_SEQ_CST);
	if (!is_handler(h))
		return;		/* changed since the kernel chose us */
	if (mask_word(&a->sa_mask) & CR_SIGNUM_BIT)
		__atomic_store_n(&t_blocked, 1, __ATOMIC_SEQ_CST);
	((void (*)(int, siginfo_t *, void *))(void (*)(void))h)(sig, si, uc);
	__atomic_store_n(&t_blocked, view, __ATOMIC_SEQ_CST);
	sigwrap_deliver_pending(uc);
}

/* CR_SIGNUM: the program's wish is recorded, never installed. */
static int sigwrap_cr_sigaction(const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev = sigwrap_acts[CR_SIGNUM];

	if (act) {
		struct sigaction *a = &sigwrap_acts[CR_SIGNUM];

		/* the handler last: sigwrap_dispatch() reads it first */
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
static int sigwrap_other_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev = sigwrap_acts[sig], a, got;
	bool wrapped = false;

	if (act) {
		a = *act;
		sigdelset(&a.sa_mask, CR_SIGNUM);
		if (is_handler(act->sa_handler)) {
			/* recorded first: the kernel may pick the trampoline
			 * as soon as it is installed */
			sigwrap_acts[sig] = *act;
			a.sa_sigaction = sigwrap_trampoline;
			a.sa_flags |= SA_SIGINFO;
			wrapped = true;
		}
	}
	if (libc()->sigaction(sig, act ? &a : NULL, &got) < 0) {
		if (wrapped)
			sigwrap_acts[sig] = prev;
		return -1;
	}
	if (old)
		*old = got.sa_sigaction == sigwrap_trampoline ? prev : got;
	return 0;
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig == CR_SIGNUM)
		return sigwrap_cr_sigaction(act, old);
	if (sig < 1 || sig > CR_SIGNUM)
		return libc()->sigaction(sig, act, old);
	return sigwrap_other_sigaction(sig, act, old);
}

static __sighandler_t sigwrap_signal(int sig, __sighandler_t h, int flags)
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
	return sigwrap_signal(sig, h, SA_RESTART);
}

__sighandler_t bsd_signal(int sig, __sighandler_t h)
{
	return sigwrap_signal(sig, h, SA_RESTART);
}

__sighandler_t sysv_signal(int sig, __sighandler_t h)
{
	return sigwrap_signal(sig, h, SA_RESETHAND | SA_NODEFER);
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
static void sigwrap_view_update(int how, const sigset_t *set)
{
	int member = sigismember(set, CR_SIGNUM) == 1;

	if (how == SIG_SETMASK)
		__atomic_store_n(&t_blocked, member, __ATOMIC_SEQ_CST);
	else if (member)
		__atomic_store_n(&t_blocked, how == SIG_BLOCK, __ATOMIC_SEQ_CST);
	sigwrap_deliver_pending(NULL);
}

static void sigwrap_view_report(sigset_t *set, int blocked)
{
	if (blocked)
		sigaddset(set, CR_SIGNUM);
	else
		sigdelset(set, CR_SIGNUM);
}

/* Both: returns 0 or an errno value (pthread_sigmask's convention). */
static int sigwrap_sigmask(bool pthread, int how, const sigset_t *set, sigset_t *old)
{
	int was = __atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST);
	sigset_t copy, got;
	int r;

	if (set) {
		copy = *set;
		sigdelset(&copy, CR_SIGNUM);
	}
	if (pthread)
		r = libc()->pthread_sigmask(how, set ? &copy : NULL, &got);
	else
		r = libc()->sigprocmask(how, set ? &copy : NULL, &got) < 0 ? errno : 0;
	if (r)
		return r;
	if (old) {
		*old = got;
		sigwrap_view_report(old, was);
	}
	if (set)
		sigwrap_view_update(how, set);
	return 0;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	int r = sigwrap_sigmask(false, how, set, old);
	if (r) {
		errno = r;
		return -1;
	}
	return 0;
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	return sigwrap_sigmask(true, how, set, old);
}

static int sigwrap_hold(int sig, int how)
{
	sigset_t set;

	sigemptyset(&set);
	if (sigaddset(&set, sig) < 0)
		return -1;
	return sigprocmask(how, &set, NULL);
}

int sighold(int sig)
{
	return sigwrap_hold(sig, SIG_BLOCK);
}

int sigrelse(int sig)
{
	return sigwrap_hold(sig, SIG_UNBLOCK);
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
	if (libc()->sigpending(set) < 0)
		return -1;
	/* a request in flight is none of the program's business */
	sigwrap_view_report(set, __atomic_load_n(&t_pending, __ATOMIC_SEQ_CST));
	return 0;
}

int signalfd(int fd, const sigset_t *mask, int flags)
{
	sigset_t copy;

	copy = *mask;
	sigdelset(&copy, CR_SIGNUM);
	return libc()->signalfd(fd, &copy, flags);
}

/* A call that sets the mask while it waits: the kernel gets the mask
 * without CR_SIGNUM, the view follows the mask until sigwrap_mask_leave().
 * False when the mask lets in a CR_SIGNUM of the program's that waited: it
 * is delivered now and the call must return EINTR, as it would have. */
bool sigwrap_mask_enter(const sigset_t *mask, sigset_t *ret_kmask, int *ret_view)
{
	*ret_view = __atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST);
	if (!mask)
		return true;
	*ret_kmask = *mask;
	sigdelset(ret_kmask, CR_SIGNUM);
	__atomic_store_n(&t_blocked, sigismember(mask, CR_SIGNUM) == 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&t_blocked, __ATOMIC_SEQ_CST) ||
	    !__atomic_load_n(&t_pending, __ATOMIC_SEQ_CST))
		return true;
	sigwrap_deliver_pending(NULL);
	__atomic_store_n(&t_blocked, *ret_view, __ATOMIC_SEQ_CST);
	return false;
}

void sigwrap_mask_leave(const sigset_t *mask, int view)
{
	if (!mask)
		return;
	__atomic_store_n(&t_blocked, view, __ATOMIC_SEQ_CST);
	sigwrap_deliver_pending(NULL);
}

/* The program's own CR_SIGNUM, waiting while blocked, if it waits for it. */
bool sigwrap_take_pending(const sigset_t *set, siginfo_t *info)
{
	siginfo_t si = t_pending_si;

	if (sigismember(set, CR_SIGNUM) != 1 || !__atomic_exchange_n(&t_pending, 0, __ATOMIC_SEQ_CST))
		return false;
	if (info)
		*info = si;
	return true;
}

/* What tells whose signal interrupted a call of this thread. */
void sigwrap_read_marks(struct sigwrap_marks *ret)
{
	ret->handler_runs = __atomic_load_n(&t_handler_runs, __ATOMIC_SEQ_CST);
	ret->swallowed = __atomic_load_n(&t_swallowed, __ATOMIC_SEQ_CST);
}
