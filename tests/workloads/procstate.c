/* procstate: process state that a restart must give back.
 *
 * usage: procstate FIFO DIR
 *
 * It enters DIR, sets umask 027, lowers its RLIMIT_NOFILE soft limit to
 * 123, installs a handler for SIGUSR2 (with SA_RESTART and SIGINT in its
 * mask), ignores SIGHUP, blocks SIGWINCH, and notes its /proc/self/exe,
 * cmdline and comm.  On SIGUSR1 it checks all of it, raises SIGUSR2 (the
 * handler must run), and prints PASS or FAIL naming what differs.
 */
#include "wl.h"

#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>

static char want_cwd[PATH_MAX], want_exe[PATH_MAX], want_cmdline[4096], want_comm[64];
static size_t want_cmdline_len;
static volatile sig_atomic_t usr2_runs;

static void on_usr2(int sig)
{
	(void)sig;
	usr2_runs++;
}

static size_t read_proc(const char *name, char *buf, size_t len)
{
	int fd = open(name, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	buf[n] = 0;
	return (size_t)n;
}

static void note(void)
{
	ssize_t n;

	if (!getcwd(want_cwd, sizeof(want_cwd)))
		wl_die("getcwd: %s", strerror(errno));
	n = readlink("/proc/self/exe", want_exe, sizeof(want_exe) - 1);
	want_exe[n > 0 ? n : 0] = 0;
	want_cmdline_len = read_proc("/proc/self/cmdline", want_cmdline, sizeof(want_cmdline));
	read_proc("/proc/self/comm", want_comm, sizeof(want_comm));
}

static int fail(const char *what)
{
	wl_out("FAIL: %s\n", what);
	return 1;
}

static int check(void)
{
	char buf[PATH_MAX], cmdline[4096], comm[64];
	struct rlimit rl;
	struct sigaction sa;
	sigset_t mask;
	mode_t um = umask(0);
	size_t len;
	ssize_t n;

	umask(um);
	if (um != 027)
		return fail("umask");
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur != 123)
		return fail("RLIMIT_NOFILE soft limit");
	if (!getcwd(buf, sizeof(buf)) || strcmp(buf, want_cwd))
		return fail("cwd");
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	if (strcmp(buf, want_exe))
		return fail("/proc/self/exe");
	len = read_proc("/proc/self/cmdline", cmdline, sizeof(cmdline));
	if (len != want_cmdline_len || memcmp(cmdline, want_cmdline, len))
		return fail("/proc/self/cmdline");
	read_proc("/proc/self/comm", comm, sizeof(comm));
	if (strcmp(comm, want_comm))
		return fail("/proc/self/comm");
	if (sigaction(SIGUSR2, NULL, &sa) || sa.sa_handler != on_usr2 ||
	    !(sa.sa_flags & SA_RESTART) || !sigismember(&sa.sa_mask, SIGINT))
		return fail("SIGUSR2 disposition");
	if (sigaction(SIGHUP, NULL, &sa) || sa.sa_handler != SIG_IGN)
		return fail("SIGHUP ignored");
	if (sigprocmask(SIG_BLOCK, NULL, &mask) || !sigismember(&mask, SIGWINCH) ||
	    sigismember(&mask, SIGTERM))
		return fail("signal mask");
	raise(SIGUSR2);
	if (usr2_runs != 1)
		return fail("SIGUSR2 handler did not run");
	wl_out("PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct rlimit rl;
	sigset_t set;

	if (argc != 3)
		wl_die("usage: procstate FIFO DIR");
	wl_setup_usr1(1);
	if (chdir(argv[2]))
		wl_die("chdir %s: %s", argv[2], strerror(errno));
	umask(027);
	if (getrlimit(RLIMIT_NOFILE, &rl))
		wl_die("getrlimit: %s", strerror(errno));
	rl.rlim_cur = 123;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		wl_die("setrlimit: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	note();
	wl_ready(argv[1]);
	wl_wait_usr1();
	return check();
}
