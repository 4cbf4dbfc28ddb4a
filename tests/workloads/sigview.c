/* sigview: the program's own view of the checkpoint signal (64, SIGRTMAX)
 * and of the calls a checkpoint interrupts.
 *
 * usage: sigview MODE FIFO
 *   blockall  blocks every signal with sigprocmask(SIG_BLOCK, all) and
 *             takes SIGUSR1 and SIGUSR2 with sigwaitinfo; checks that its
 *             mask, as sigprocmask and pthread_sigmask report it, still
 *             holds every one of them, signal 64 included
 *   handler   installs its own SA_SIGINFO handler for 64 (SA_RESTART, SIGINT
 *             in its sa_mask); checks that sigaction(64) reports it, that its
 *             raise(64) and sigqueue(64) run it with the right siginfo and
 *             mask, and that a 64 raised while blocked waits in sigpending
 *             and runs when unblocked
 *   ignore    sets SIG_IGN for 64; checks that sigaction(64) reports it and
 *             that its raise(64) and sigqueue(64) do nothing
 *   default   sets a handler for 64, then SIG_DFL again; checks that
 *             sigaction(64) reports SIG_DFL and that a child it forks dies
 *             of its own raise(64), as the default action says
 *   sleep     says ready, then sleep(3): prints PASS when it returned 0
 *             after at least 3 s (CLOCK_MONOTONIC), then exits
 *   poll      says ready, then poll() for input on stdin (an idle pipe the
 *             harness holds open) with a 2 s timeout: PASS when it returned
 *             0 after at least 2 s, then exits
 *   suspend   says ready, then sigsuspend() with an empty mask, and exits
 *   pause     says ready, then pause(), and exits; both print "PASS <call>
 *             ended with EINTR" when the call returned -1 with EINTR (as a
 *             checkpoint makes it, under BLCR), else FAIL and exit 1
 *
 * blockall and handler check once before saying ready (first line), then
 * on each SIGUSR2 (one more line; it goes on waiting) and on SIGUSR1 (a
 * last line; it exits).  handler waits in sigsuspend.  Each line is PASS or FAIL: <what differs>.  sleep
 * and poll print "PASS <what> in <ms> ms" or FAIL: ..., with the elapsed
 * time for the harness.
 */
#include "wl.h"

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/wait.h>

#define SIG_CR 64

static volatile sig_atomic_t wl_got_usr2;

static void on_usr2(int sig)
{
	(void)sig;
	wl_got_usr2 = 1;
}

/* ---- checks --------------------------------------------------------------- */

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wl_out("FAIL: %s\n", msg);
	return 1;
}

/* The kernel's mask of this thread (SigBlk): the truth below the view. */
static unsigned long long proc_sigblk(void)
{
	char buf[4096], *p;
	int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strstr(buf, "SigBlk:");
	return p ? strtoull(p + 7, NULL, 16) : 0;
}

static int check_blockall(void)
{
	const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD,
			     SIGRTMIN, SIGRTMAX - 1, SIG_CR };
	sigset_t m, pm;

	if (sigprocmask(SIG_BLOCK, NULL, &m) != 0)
		return fail("sigprocmask: %s", strerror(errno));
	if (pthread_sigmask(SIG_BLOCK, NULL, &pm) != 0)
		return fail("pthread_sigmask failed");
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigismember(&m, sigs[i]) != 1)
			return fail("sigprocmask does not show signal %d blocked", sigs[i]);
		if (sigismember(&pm, sigs[i]) != 1)
			return fail("pthread_sigmask does not show signal %d blocked", sigs[i]);
	}
	/* under cr_run: blocked in the program's view only, or no checkpoint
	 * could reach the process */
	if (proc_sigblk() & (1ULL << (SIG_CR - 1)))
		return fail("the kernel has signal 64 blocked");
	wl_out("PASS\n");
	return 0;
}

static volatile sig_atomic_t rt_runs, rt_code, rt_value, rt_signo, rt_mask_ok;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	sigset_t cur;

	(void)uc;
	rt_runs++;
	rt_signo = sig == SIG_CR && si->si_signo == SIG_CR ? SIG_CR : -1;
	rt_code = si->si_code;
	rt_value = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
	/* as the kernel would: sa_mask and the signal itself held */
	rt_mask_ok = sigprocmask(SIG_BLOCK, NULL, &cur) == 0 && sigismember(&cur, SIGINT) == 1 &&
		     sigismember(&cur, SIG_CR) == 1;
}

static void install_rt(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	if (sigaction(SIG_CR, &sa, NULL) != 0)
		wl_die("sigaction %d: %s", SIG_CR, strerror(errno));
}

/* One delivery: the handler ran once more, with this si_code (and value). */
static int check_delivery(const char *how, int runs0, int code, int value)
{
	if (rt_runs != runs0 + 1)
		return fail("%s: the handler ran %d times, not once", how, rt_runs - runs0);
	if (rt_signo != SIG_CR || rt_code != code || rt_value != value)
		return fail("%s: the handler saw signo %d, si_code %d, value %d", how,
			    (int)rt_signo, (int)rt_code, (int)rt_value);
	if (!rt_mask_ok)
		return fail("%s: the handler ran without SIGINT and 64 in its mask", how);
	return 0;
}

static int check_handler(void)
{
	struct sigaction old;
	sigset_t set, pend;
	int runs0;

	if (sigaction(SIG_CR, NULL, &old) != 0)
		return fail("sigaction(64) query: %s", strerror(errno));
	if (old.sa_sigaction != on_rt || !(old.sa_flags & SA_SIGINFO) ||
	    !(old.sa_flags & SA_RESTART) || sigismember(&old.sa_mask, SIGINT) != 1)
		return fail("sigaction(64) does not report the program's handler");

	runs0 = rt_runs;
	raise(SIG_CR);
	if (check_delivery("raise(64)", runs0, SI_TKILL, -1))
		return 1;
	runs0 = rt_runs;
	if (sigqueue(getpid(), SIG_CR, (union sigval){ .sival_int = 4242 }) != 0)
		return fail("sigqueue: %s", strerror(errno));
	if (check_delivery("sigqueue(64)", runs0, SI_QUEUE, 4242))
		return 1;

	/* blocked: waits, shows in sigpending, runs when let in */
	sigemptyset(&set);
	sigaddset(&set, SIG_CR);
	runs0 = rt_runs;
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIG_CR);
	if (rt_runs != runs0)
		return fail("raise(64) while blocked ran the handler");
	if (sigpending(&pend) != 0 || sigismember(&pend, SIG_CR) != 1)
		return fail("raise(64) while blocked is not in sigpending");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (check_delivery("unblocking a pending 64", runs0, SI_TKILL, -1))
		return 1;
	if (sigpending(&pend) != 0 || sigismember(&pend, SIG_CR) == 1)
		return fail("64 still pending after its delivery");
	wl_out("PASS\n");
	return 0;
}

/* SIG_IGN or SIG_DFL set by the program: what sigaction(64) must report. */
static void (*disposition)(int);

static int check_disposition(void)
{
	struct sigaction old;
	int status;
	pid_t kid;

	if (sigaction(SIG_CR, NULL, &old) != 0)
		return fail("sigaction(64) query: %s", strerror(errno));
	if (old.sa_handler != disposition)
		return fail("sigaction(64) reports %p, not the program's %s", (void *)old.sa_handler,
			    disposition == SIG_IGN ? "SIG_IGN" : "SIG_DFL");
	if (disposition == SIG_IGN) {
		/* ignored: nothing happens, the process lives on */
		if (raise(SIG_CR) != 0 ||
		    sigqueue(getpid(), SIG_CR, (union sigval){ .sival_int = 1 }) != 0)
			return fail("raise(64) or sigqueue(64) failed: %s", strerror(errno));
		wl_out("PASS\n");
		return 0;
	}
	kid = fork();
	if (kid < 0)
		return fail("fork: %s", strerror(errno));
	if (kid == 0) {
		raise(SIG_CR);
		_exit(0);
	}
	if (waitpid(kid, &status, 0) != kid)
		return fail("waitpid: %s", strerror(errno));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIG_CR)
		return fail("a child's raise(64) under SIG_DFL did not kill it (status %#x)", status);
	wl_out("PASS\n");
	return 0;
}

static void set_disposition(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_CR, &sa, NULL) != 0)
		wl_die("sigaction %d: %s", SIG_CR, strerror(errno));
	disposition = handler;
}

/* ---- modes ---------------------------------------------------------------- */

/* The next SIGUSR1 or SIGUSR2: taken with sigwaitinfo (as a program that
 * blocks everything does), or caught in sigsuspend. */
static int next_usr(bool sigwait)
{
	sigset_t mask;
	int sig;

	if (sigwait) {
		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR1);
		sigaddset(&mask, SIGUSR2);
		do
			sig = sigwaitinfo(&mask, NULL);
		while (sig < 0 && errno == EINTR);
		if (sig < 0)
			wl_die("sigwaitinfo: %s", strerror(errno));
		return sig;
	}
	if (sigprocmask(SIG_BLOCK, NULL, &mask) != 0)
		wl_die("sigprocmask: %s", strerror(errno));
	sigdelset(&mask, SIGUSR1);
	sigdelset(&mask, SIGUSR2);
	while (!wl_got_usr1 && !wl_got_usr2)
		sigsuspend(&mask);
	sig = wl_got_usr1 ? SIGUSR1 : SIGUSR2;
	wl_got_usr2 = 0;
	return sig;
}

/* Checks, then again on every SIGUSR2 until SIGUSR1. */
static int serve_checks(int (*check)(void), const char *fifo, bool sigwait)
{
	struct sigaction sa;
	int bad;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL) != 0)
		wl_die("sigaction SIGUSR2: %s", strerror(errno));
	bad = check();
	wl_ready(fifo);
	while (next_usr(sigwait) == SIGUSR2)
		bad |= check();
	return bad | check();
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int do_sleep(const char *fifo)
{
	int64_t t0, ms;
	unsigned int left;

	wl_ready(fifo);
	t0 = now_ms();
	left = sleep(3);
	ms = now_ms() - t0;
	if (left != 0 || ms < 3000)
		return fail("sleep(3) returned %u after %lld ms", left, (long long)ms);
	wl_out("PASS slept 3 s in %lld ms\n", (long long)ms);
	return 0;
}

static int do_poll(const char *fifo)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	int64_t t0, ms;
	int r, e;

	wl_ready(fifo);
	t0 = now_ms();
	r = poll(&pfd, 1, 2000);
	e = errno;
	ms = now_ms() - t0;
	if (r != 0 || ms < 2000)
		return fail("poll(2000 ms) returned %d (%s, revents %#x) after %lld ms", r,
			    r < 0 ? strerror(e) : "-", (unsigned int)pfd.revents, (long long)ms);
	wl_out("PASS polled 2 s in %lld ms\n", (long long)ms);
	return 0;
}

static int do_suspend(const char *fifo, bool use_pause)
{
	const char *what = use_pause ? "pause()" : "sigsuspend()";
	sigset_t none;
	int r, e;

	sigemptyset(&none);
	wl_ready(fifo);
	r = use_pause ? pause() : sigsuspend(&none);
	e = errno;
	if (r != -1 || e != EINTR)
		return fail("%s returned %d (%s)", what, r, strerror(e));
	wl_out("PASS %s ended with EINTR\n", what);
	return 0;
}

int main(int argc, char **argv)
{
	sigset_t all;

	if (argc != 3)
		wl_die("usage: sigview blockall|handler|ignore|default|sleep|poll|suspend|pause FIFO");
	wl_setup_usr1(1);
	if (!strcmp(argv[1], "blockall")) {
		sigfillset(&all);
		if (sigprocmask(SIG_BLOCK, &all, NULL) != 0)
			wl_die("sigprocmask: %s", strerror(errno));
		return serve_checks(check_blockall, argv[2], true);
	}
	if (!strcmp(argv[1], "handler")) {
		install_rt();
		return serve_checks(check_handler, argv[2], false);
	}
	if (!strcmp(argv[1], "ignore")) {
		set_disposition(SIG_IGN);
		return serve_checks(check_disposition, argv[2], false);
	}
	if (!strcmp(argv[1], "default")) {
		install_rt();
		set_disposition(SIG_DFL);
		return serve_checks(check_disposition, argv[2], false);
	}
	if (!strcmp(argv[1], "sleep"))
		return do_sleep(argv[2]);
	if (!strcmp(argv[1], "poll"))
		return do_poll(argv[2]);
	if (!strcmp(argv[1], "suspend") || !strcmp(argv[1], "pause"))
		return do_suspend(argv[2], !strcmp(argv[1], "pause"));
	wl_die("unknown mode %s", argv[1]);
}
