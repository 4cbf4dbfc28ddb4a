/* events: eventfds, timerfds and a signalfd, checked after a restart.
 *
 * usage: events READY
 *
 * An eventfd at 42 (close-on-exec) with a dup of it, a semaphore eventfd
 * at 5 (O_NONBLOCK), a timerfd armed for 30 s every 7 s, one that ticks
 * every 20 ms, one disarmed, and a signalfd for SIGUSR2 and SIGWINCH
 * (O_NONBLOCK), both blocked; it says ready once the ticking one has
 * expired (not read).  After ready and SIGUSR1 it checks each:
 * the counters, the dup sharing one counter, the semaphore's five reads,
 * the timers' intervals and time left, that the ticking one ticks (and
 * ticks again once read), and a
 * SIGUSR2 read from the signalfd; then prints PASS or FAIL.
 */
#include "wl.h"

#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

static int ev, ev_dup, sem, slow, fast, off, sfd;

static int64_t ts_ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int timer(int64_t value_ms, int64_t interval_ms)
{
	struct itimerspec its = { { interval_ms / 1000, interval_ms % 1000 * 1000000 },
				  { value_ms / 1000, value_ms % 1000 * 1000000 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);

	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL))
		wl_die("timerfd: %s", strerror(errno));
	return fd;
}

static const char *check_eventfds(void)
{
	uint64_t v = 0, three = 3;

	if (read(ev, &v, 8) != 8 || v != 42)
		return "the eventfd lost its count";
	if (write(ev_dup, &three, 8) != 8 || read(ev, &v, 8) != 8 || v != 3)
		return "the eventfd and its dup do not share one counter";
	if (!(fcntl(ev, F_GETFD) & FD_CLOEXEC))
		return "the eventfd lost close-on-exec";
	for (int i = 0; i < 5; i++)
		if (read(sem, &v, 8) != 8 || v != 1)
			return "the semaphore eventfd does not count down by one";
	if (read(sem, &v, 8) >= 0 || errno != EAGAIN)
		return "the semaphore eventfd counts more than 5, or blocks";
	return NULL;
}

static const char *check_timers(void)
{
	struct itimerspec its;
	uint64_t ticks = 0;

	if (timerfd_gettime(slow, &its) || ts_ns(its.it_interval) != 7000000000LL ||
	    ts_ns(its.it_value) <= 0 || ts_ns(its.it_value) > 30000000000LL)
		return "the 30 s timer lost its interval or its time left";
	if (timerfd_gettime(fast, &its) || ts_ns(its.it_interval) != 20000000)
		return "the 20 ms timer lost its interval";
	if (read(fast, &ticks, 8) != 8 || !ticks)
		return "the 20 ms timer does not tick";
	/* and goes on ticking once what it had was read */
	if (poll(&(struct pollfd){ .fd = fast, .events = POLLIN }, 1, 5000) != 1)
		return "the 20 ms timer stops ticking";
	if (read(fast, &ticks, 8) != 8 || !ticks)
		return "the 20 ms timer ticks no more";
	if (timerfd_gettime(off, &its) || ts_ns(its.it_value) || ts_ns(its.it_interval))
		return "the disarmed timer is armed";
	return NULL;
}

static const char *check_signalfd(void)
{
	struct signalfd_siginfo si;

	raise(SIGUSR2);
	if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGUSR2)
		return "the signalfd does not read SIGUSR2";
	if (read(sfd, &si, sizeof(si)) >= 0 || errno != EAGAIN)
		return "the signalfd reads a signal more, or blocks";
	raise(SIGWINCH);
	if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGWINCH)
		return "the signalfd lost SIGWINCH from its mask";
	return NULL;
}

int main(int argc, char **argv)
{
	sigset_t mask;
	const char *why;

	if (argc != 2)
		wl_die("usage: events READY");
	wl_setup_usr1(1);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		wl_die("sigprocmask: %s", strerror(errno));
	ev = eventfd(42, EFD_CLOEXEC);
	ev_dup = dup(ev);
	sem = eventfd(5, EFD_SEMAPHORE | EFD_NONBLOCK);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK);
	if (ev < 0 || ev_dup < 0 || sem < 0 || sfd < 0)
		wl_die("eventfd, signalfd: %s", strerror(errno));
	slow = timer(30000, 7000);
	fast = timer(20, 20);
	off = timer(0, 0);
	/* the ticking one expired and not read when saved: the kernel then
	 * shows it with no time left */
	if (poll(&(struct pollfd){ .fd = fast, .events = POLLIN }, 1, 5000) != 1)
		wl_die("the 20 ms timer does not expire");
	wl_ready(argv[1]);
	wl_wait_usr1();
	why = check_eventfds();
	if (!why)
		why = check_timers();
	if (!why)
		why = check_signalfd();
	wl_report(why);
	return 0;
}
