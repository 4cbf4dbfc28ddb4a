/* sigtimers: pending signals, timers and the alternate signal stack.
 *
 * usage: sigtimers FIFO
 *
 * Before saying ready it queues SIGRTMIN+2 with the value 4242 and raises
 * SIGINT, both blocked, so they stay pending; arms ITIMER_REAL every
 * 100 ms (SIGALRM) and a POSIX timer on CLOCK_MONOTONIC every 50 ms
 * (SIGRTMIN+3), both counted by handlers; and installs an alternate signal
 * stack with a SA_ONSTACK handler for SIGUSR2.  On SIGUSR1 it checks that
 * both timers keep firing at their rate, that its timer_t still answers
 * timer_gettime() with its 50 ms interval, that the two pending signals
 * are there (the real-time one with its value), and that the SIGUSR2
 * handler runs on the alternate stack: PASS or FAIL naming what differs.
 */
#include "wl.h"

#include <stdint.h>
#include <sys/time.h>

#define ALTSTACK_SIZE (64 * 1024)

static volatile sig_atomic_t alarms, timer_ticks, usr2_on_altstack = -1;
static char altstack[ALTSTACK_SIZE];
static timer_t timer;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void on_timer(int sig)
{
	(void)sig;
	timer_ticks++;
}

static void on_usr2(int sig)
{
	char here;

	(void)sig;
	usr2_on_altstack = &here >= altstack && &here < altstack + ALTSTACK_SIZE;
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		wl_die("sigaction %d: %s", sig, strerror(errno));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	wl_out("FAIL: %s\n", what);
	return 1;
}

static int check(void)
{
	sigset_t wait_mask, set;
	struct itimerspec spec;
	siginfo_t info;
	struct timespec zero = { 0, 0 };
	int a0 = alarms, t0 = timer_ticks;
	double start = now();

	/* one second of timer signals, waited for in sigsuspend */
	sigprocmask(SIG_BLOCK, NULL, &wait_mask);
	sigdelset(&wait_mask, SIGALRM);
	sigdelset(&wait_mask, SIGRTMIN + 3);
	while (now() - start < 1.0)
		sigsuspend(&wait_mask);
	if (alarms - a0 < 7 || alarms - a0 > 13)
		return fail("ITIMER_REAL does not fire every 100 ms");
	if (timer_ticks - t0 < 15 || timer_ticks - t0 > 25)
		return fail("the POSIX timer does not fire every 50 ms");
	if (timer_gettime(timer, &spec) || spec.it_interval.tv_nsec != 50000000)
		return fail("timer_gettime on the program's timer_t");

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 2);
	if (sigtimedwait(&set, &info, &zero) != SIGRTMIN + 2)
		return fail("the queued real-time signal is not pending");
	if (info.si_code != SI_QUEUE || info.si_value.sival_int != 4242)
		return fail("the queued real-time signal lost its value");
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	if (sigtimedwait(&set, &info, &zero) != SIGINT)
		return fail("the raised SIGINT is not pending");

	raise(SIGUSR2);
	if (usr2_on_altstack != 1)
		return fail("the SIGUSR2 handler did not run on the alternate stack");
	wl_out("PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct itimerval itv = { { 0, 100000 }, { 0, 100000 } };
	struct itimerspec its = { { 0, 50000000 }, { 0, 50000000 } };
	struct sigevent sev;
	union sigval val = { .sival_int = 4242 };
	stack_t ss = { .ss_sp = altstack, .ss_size = ALTSTACK_SIZE };
	sigset_t set;

	if (argc != 2)
		wl_die("usage: sigtimers FIFO");
	wl_setup_usr1(1);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 2);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (sigqueue(getpid(), SIGRTMIN + 2, val) || raise(SIGINT))
		wl_die("queueing signals: %s", strerror(errno));

	handle(SIGALRM, on_alarm, SA_RESTART);
	handle(SIGRTMIN + 3, on_timer, SA_RESTART);
	if (sigaltstack(&ss, NULL))
		wl_die("sigaltstack: %s", strerror(errno));
	handle(SIGUSR2, on_usr2, SA_ONSTACK);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN + 3;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) || timer_settime(timer, 0, &its, NULL) ||
	    setitimer(ITIMER_REAL, &itv, NULL))
		wl_die("timers: %s", strerror(errno));
	wl_ready(argv[1]);
	wl_wait_usr1();
	return check();
}
