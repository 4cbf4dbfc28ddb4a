/* tracer: a process that traces another (PTRACE_SEIZE: the tracee runs on)
 * and has a child of its own.
 *
 * usage: tracer FIFO PID
 *
 * It seizes PID, forks a child that waits for SIGUSR1, and says "ready" on
 * FIFO.  As a debugger does, it passes every signal that stops the tracee
 * on to it.  On SIGUSR1 it lets PID go, ends its child and exits 0.
 */
#include "wl.h"

#include <sys/ptrace.h>
#include <sys/wait.h>

static volatile sig_atomic_t done;

static void on_usr1(int sig)
{
	(void)sig;
	done = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	pid_t tracee, kid;
	int st;

	if (argc != 3 || (tracee = atoi(argv[2])) <= 0)
		wl_die("usage: tracer FIFO PID");
	kid = fork();
	if (kid < 0)
		wl_die("fork: %s", strerror(errno));
	if (kid == 0) {
		wl_setup_usr1(1);
		wl_wait_usr1();
		return 0;
	}
	if (ptrace(PTRACE_SEIZE, tracee, NULL, NULL))
		wl_die("PTRACE_SEIZE %d: %s", (int)tracee, strerror(errno));
	/* no SA_RESTART: SIGUSR1 breaks the wait below */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		wl_die("sigaction: %s", strerror(errno));
	wl_ready(argv[1]);
	while (!done) {
		if (waitpid(tracee, &st, __WALL) < 0) {
			if (errno == ECHILD)
				break;	/* the tracee is gone */
			continue;	/* EINTR: SIGUSR1, or a checkpoint */
		}
		if (WIFSTOPPED(st))
			ptrace(PTRACE_CONT, tracee, NULL, (void *)(long)WSTOPSIG(st));
	}
	ptrace(PTRACE_DETACH, tracee, NULL, NULL);
	kill(kid, SIGUSR1);
	waitpid(kid, NULL, 0);
	return 0;
}
