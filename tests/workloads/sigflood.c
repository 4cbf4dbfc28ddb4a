/* sigflood: many pending signals, and many POSIX timers.
 *
 * usage: sigflood FIFO COUNT [TIMERS]
 *
 * It blocks SIGRTMIN, queues COUNT of them to itself (values 0 .. COUNT-1),
 * creates TIMERS POSIX timers (armed an hour ahead, no signal), says
 * "ready" on FIFO, and on SIGUSR1 takes the signals with sigtimedwait and
 * prints "got N in order" (or "out of order"), then exits.
 */
#include "wl.h"

int main(int argc, char **argv)
{
	sigset_t rt;
	siginfo_t si;
	long count;
	int n = 0, in_order = 1;

	if (argc != 3 && argc != 4)
		wl_die("usage: sigflood FIFO COUNT [TIMERS]");
	count = wl_atol(argv[2], "count");
	for (long i = argc == 4 ? wl_atol(argv[3], "timers") : 0; i > 0; i--) {
		struct sigevent none = { .sigev_notify = SIGEV_NONE };
		struct itimerspec hour = { .it_value = { .tv_sec = 3600 } };
		timer_t t;

		if (timer_create(CLOCK_MONOTONIC, &none, &t) || timer_settime(t, 0, &hour, NULL))
			wl_die("timer: %s", strerror(errno));
	}
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	if (sigprocmask(SIG_BLOCK, &rt, NULL))
		wl_die("sigprocmask: %s", strerror(errno));
	for (long i = 0; i < count; i++)
		if (sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = (int)i }))
			wl_die("sigqueue %ld: %s", i, strerror(errno));
	wl_setup_usr1(1);
	wl_ready(argv[1]);
	wl_wait_usr1();
	for (struct timespec zero = { 0, 0 }; sigtimedwait(&rt, &si, &zero) == SIGRTMIN; n++)
		in_order &= si.si_value.sival_int == n;
	wl_out("got %d %s\n", n, in_order ? "in order" : "out of order");
	return 0;
}
