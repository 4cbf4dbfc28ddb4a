/* epolloop: an epoll loop over a pipe, a socket, an eventfd, a signalfd
 * and a timerfd.
 *
 * usage: epolloop READY
 *
 * A byte waits in the pipe and one in the socketpair, the eventfd holds
 * 7, the timerfd ticks every 100 ms, SIGUSR2 is blocked and read through
 * the signalfd.  After ready and SIGUSR1 it waits in epoll_wait until each
 * has been ready once, each with the data it was added with (and the
 * signalfd after a raise of SIGUSR2), reads each and checks what it reads;
 * then prints PASS or FAIL.
 */
#include "wl.h"

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

enum { D_PIPE = 1, D_SOCK, D_EVENT, D_SIGNAL, D_TIMER, N_D };

static int fds[N_D], ep;

/* What one ready descriptor holds. */
static const char *take(int d)
{
	struct signalfd_siginfo si;
	uint64_t v = 0;
	char c = 0;

	switch (d) {
	case D_PIPE:
		return read(fds[d], &c, 1) == 1 && c == 'x' ? NULL : "the pipe lost its byte";
	case D_SOCK:
		return recv(fds[d], &c, 1, 0) == 1 && c == 'y' ? NULL : "the socket lost its byte";
	case D_EVENT:
		return read(fds[d], &v, 8) == 8 && v == 7 ? NULL : "the eventfd lost its count";
	case D_TIMER:
		return read(fds[d], &v, 8) == 8 && v ? NULL : "the timer does not tick";
	case D_SIGNAL:
		return read(fds[d], &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGUSR2 ?
		       NULL : "the signalfd did not read SIGUSR2";
	}
	return "epoll gave data it was not given";
}

static const char *loop(void)
{
	int seen = 0, want = (1 << D_PIPE) | (1 << D_SOCK) | (1 << D_EVENT) | (1 << D_TIMER);
	struct itimerspec its;

	while (seen != want) {
		struct epoll_event ev[8];
		int n = epoll_wait(ep, ev, 8, 5000);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return "epoll_wait does not see every descriptor ready";
		for (int i = 0; i < n; i++) {
			const char *why;

			if (ev[i].data.u64 >= N_D || ev[i].data.u64 == D_SIGNAL)
				return "epoll gave data it was not given, or a signal not sent";
			why = take(ev[i].data.u64);
			if (why)
				return why;
			seen |= 1 << ev[i].data.u64;
		}
	}
	if (timerfd_gettime(fds[D_TIMER], &its) || its.it_interval.tv_nsec != 100000000)
		return "the timer lost its interval";
	raise(SIGUSR2);
	{
		struct epoll_event ev;

		if (epoll_wait(ep, &ev, 1, 5000) != 1 || ev.data.u64 != D_SIGNAL)
			return "epoll does not see the signalfd ready";
	}
	return take(D_SIGNAL);
}

int main(int argc, char **argv)
{
	struct itimerspec its = { { 0, 100000000 }, { 0, 100000000 } };
	int p[2], s[2];
	uint64_t seven = 7;
	sigset_t mask;

	if (argc != 2)
		wl_die("usage: epolloop READY");
	wl_setup_usr1(1);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) || pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, s))
		wl_die("setup: %s", strerror(errno));
	fds[D_PIPE] = p[0];
	fds[D_SOCK] = s[0];
	fds[D_EVENT] = eventfd(0, 0);
	fds[D_SIGNAL] = signalfd(-1, &mask, 0);
	fds[D_TIMER] = timerfd_create(CLOCK_MONOTONIC, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (fds[D_EVENT] < 0 || fds[D_SIGNAL] < 0 || fds[D_TIMER] < 0 || ep < 0 ||
	    timerfd_settime(fds[D_TIMER], 0, &its, NULL))
		wl_die("setup: %s", strerror(errno));
	for (int d = D_PIPE; d < N_D; d++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = d };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[d], &ev))
			wl_die("epoll_ctl: %s", strerror(errno));
	}
	if (write(p[1], "x", 1) != 1 || send(s[1], "y", 1, 0) != 1 ||
	    write(fds[D_EVENT], &seven, 8) != 8)
		wl_die("setup: %s", strerror(errno));
	wl_ready(argv[1]);
	wl_wait_usr1();
	wl_report(loop());
	return 0;
}
