/* omitparent: a parent whose child leaves itself out of checkpoints.
 *
 * usage: omitparent FIFO CR_RUN EXIT7
 *
 * It starts "CR_RUN --omit EXIT7 FIFO.child" as its child, waits for the
 * child's "ready", says "ready" on FIFO, and on each SIGUSR1 prints what
 * waitpid(child, WNOHANG) tells:
 *
 *   child running          (still there)
 *   child gone ECHILD      (not our child any more: omitted at a restart)
 *   child exited N
 */
#include "wl.h"

#include <sys/stat.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	char child_fifo[4096];
	pid_t kid;
	int fd;
	char buf[16];

	if (argc != 4)
		wl_die("usage: omitparent FIFO CR_RUN EXIT7");
	snprintf(child_fifo, sizeof(child_fifo), "%s.child", argv[1]);
	if (mkfifo(child_fifo, 0600) && errno != EEXIST)
		wl_die("mkfifo %s: %s", child_fifo, strerror(errno));
	kid = fork();
	if (kid < 0)
		wl_die("fork: %s", strerror(errno));
	if (kid == 0) {
		execl(argv[2], argv[2], "--omit", argv[3], child_fifo, (char *)NULL);
		wl_die("exec %s: %s", argv[2], strerror(errno));
	}
	fd = open(child_fifo, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		wl_die("the child did not start");
	close(fd);
	wl_setup_usr1(1);
	wl_ready(argv[1]);
	for (;;) {
		int status;
		pid_t r;

		wl_got_usr1 = 0;
		wl_wait_usr1();
		r = waitpid(kid, &status, WNOHANG);
		if (r == 0)
			wl_out("child running\n");
		else if (r < 0)
			wl_out("child gone %s\n", errno == ECHILD ? "ECHILD" : strerror(errno));
		else
			wl_out("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
}
