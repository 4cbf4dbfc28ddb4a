/* Helpers shared by the end-to-end workloads (header only: every .c in this
 * directory is its own program).
 *
 * A workload builds its state, says "ready" on a FIFO given on its command
 * line and closes it (so no FIFO is open when the harness checkpoints it),
 * then waits for SIGUSR1, checks its state and prints "PASS" or
 * "FAIL: <what differs>" on stdout, exiting 0 or 1.  Setup errors print
 * "FAIL: setup: ..." and exit 2.
 *
 * Output goes through write(2) on a stack buffer, never stdio: stdio would
 * malloc a buffer (moving brk under the memory workload's feet) and keep
 * unflushed data in memory across a kill.
 */
#ifndef UCR_TESTS_WL_H
#define UCR_TESTS_WL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t wl_got_usr1;

static void wl_on_usr1(int sig)
{
	(void)sig;
	wl_got_usr1 = 1;
}

/* write(2) all of buf, retrying on EINTR and short writes. */
static inline int wl_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static inline void wl_vprint(int fd, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	(void)wl_write_all(fd, buf, (size_t)n);
}

__attribute__((format(printf, 1, 2)))
static inline void wl_out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wl_vprint(STDOUT_FILENO, fmt, ap);
	va_end(ap);
}

/* The result of a check: PASS, or FAIL and why (why NULL: it passed). */
static inline void wl_report(const char *why)
{
	if (why)
		wl_out("FAIL: %s\n", why);
	else
		wl_out("PASS\n");
}

/* A setup error: the workload could not build its state. */
__attribute__((format(printf, 1, 2), noreturn))
static inline void wl_die(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wl_out("FAIL: setup: %s\n", msg);
	_exit(2);
}

/* Install the SIGUSR1 handler.  With block set, SIGUSR1 is blocked and only
 * let in by wl_wait_usr1()'s sigsuspend, so a signal sent at any time after
 * "ready" is neither lost nor fatal. */
static inline void wl_setup_usr1(int block)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wl_on_usr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		wl_die("sigaction SIGUSR1: %s", strerror(errno));
	if (!block)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		wl_die("sigprocmask: %s", strerror(errno));
}

/* Wait for SIGUSR1 (blocked by wl_setup_usr1(1)); no lost wake-up: the
 * flag is tested with the signal blocked and sigsuspend unblocks it
 * atomically.  A checkpoint interrupts sigsuspend (EINTR): loop. */
static inline void wl_wait_usr1(void)
{
	sigset_t mask;

	if (sigprocmask(SIG_BLOCK, NULL, &mask) != 0)
		wl_die("sigprocmask: %s", strerror(errno));
	sigdelset(&mask, SIGUSR1);
	while (!wl_got_usr1)
		sigsuspend(&mask);
}

/* Say "ready" on the FIFO and close it.  Blocks until the harness reads. */
static inline void wl_ready(const char *fifo)
{
	int fd;

	if (!fifo)
		return;
	do
		fd = open(fifo, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		wl_die("open %s: %s", fifo, strerror(errno));
	if (wl_write_all(fd, "ready\n", 6) != 0)
		wl_die("write %s: %s", fifo, strerror(errno));
	close(fd);
}

static inline void wl_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	/* EINTR (SIGUSR1, a checkpoint) just ends this step early. */
	nanosleep(&ts, NULL);
}

static inline long wl_atol(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < 0)
		wl_die("bad %s: %s", what, s);
	return v;
}

/* After a fork(): the child says its set-up is done and the parent waits
 * for that (kid: fork()'s return); sync is a pipe made before the fork. */
static inline void wl_fork_sync(int sync[2], pid_t kid)
{
	char byte = 0;

	if (kid == 0 && write(sync[1], &byte, 1) != 1)
		wl_die("write: %s", strerror(errno));
	close(sync[1]);
	if (kid && read(sync[0], &byte, 1) != 1)
		wl_die("the child did not start");
	close(sync[0]);
}

/*
 * The clients' side of a server workload (socklisten, dgserver): with
 * tree, in a child made now, which builds its part (setup) before the
 * parent goes on, waits for SIGUSR1, checks (check), says FAIL if need be
 * and exits; without, setup runs here.  The parent's: the child's pid, 0
 * without tree.
 */
static inline pid_t wl_clients(int tree, void (*setup)(void), const char *(*check)(void))
{
	int sync[2];
	pid_t kid = 0;
	const char *why;

	if (tree && pipe(sync))
		wl_die("pipe: %s", strerror(errno));
	if (tree && (kid = fork()) < 0)
		wl_die("fork: %s", strerror(errno));
	if (kid == 0)
		setup();
	if (!tree)
		return 0;
	wl_fork_sync(sync, kid);
	if (kid)
		return kid;
	wl_wait_usr1();
	why = check();
	if (why)
		wl_out("FAIL: child: %s\n", why);
	_exit(why ? 1 : 0);
}

#endif
