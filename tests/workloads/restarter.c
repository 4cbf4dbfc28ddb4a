/* restarter: restarts a context file through libcr (-lcr), in its own
 * process, as BLCR's cr_restart does on top of the same call.
 *
 * usage: restarter [-n ROUNDS] CONTEXT-FILE
 *
 * It calls cr_request_restart() (default arguments: original pids) and
 * cr_poll_restart_msg(), prints "restored root=PID", then waits for that
 * root, which must be its own child, and prints "root exited STATUS".  A
 * failed restart prints "failed errno=NAME msg=MESSAGES" and exits 1.
 *
 * With -n, it restarts the file ROUNDS times in a row, each time asking
 * for SIGUSR1 to be sent to the root once it runs (cr_signal), and prints
 * "round I root=PID exited STATUS" once each root is reaped.
 *
 * With -w FIFO it restarts nothing: it says ready on FIFO, waits for
 * SIGUSR1 and exits 0, a process of this executable to checkpoint, for a
 * restarter to restart a copy of its own executable.
 */
#include "wl.h"

#include <sys/wait.h>

#include <libcr.h>

/* One restart of fd, and the root's end; its exit status (128 + signal),
 * or exit 1 on a failed restart. */
static int restart_once(int fd, int signal, pid_t *ret_root)
{
	cr_restart_args_t args;
	cr_restart_handle_t handle;
	char *msg = NULL;
	int rc, status;

	cr_initialize_restart_args_t(&args);
	args.cr_fd = fd;
	args.cr_signal = signal;
	if (cr_request_restart(&args, &handle) < 0)
		wl_die("cr_request_restart: %s", cr_strerror(errno));
	rc = cr_poll_restart_msg(&handle, NULL, &msg);
	if (rc <= 0) {
		int err = errno;

		wl_out("failed rc=%d errno=%s msg=%s", rc, err == ESTALE ? "ESTALE" : cr_strerror(err),
		       msg ? msg : "(none)\n");
		exit(1);
	}
	/* the reap gave the restored root's pid */
	*ret_root = rc;
	if (!signal)
		wl_out("restored root=%d\n", rc);
	while (waitpid(*ret_root, &status, 0) < 0)
		if (errno != EINTR)
			wl_die("waitpid %d: %s", rc, strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	long rounds = 0;
	pid_t root;
	int fd, opt;

	while ((opt = getopt(argc, argv, "n:w:")) != -1) {
		if (opt == 'w') {
			wl_setup_usr1(1);
			wl_ready(optarg);
			wl_wait_usr1();
			return 0;
		}
		if (opt != 'n')
			wl_die("usage: restarter [-n ROUNDS] CONTEXT-FILE | -w FIFO");
		rounds = wl_atol(optarg, "rounds");
	}
	if (optind != argc - 1)
		wl_die("usage: restarter [-n ROUNDS] CONTEXT-FILE");
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		wl_die("open %s: %s", argv[optind], strerror(errno));
	if (!rounds) {
		int status = restart_once(fd, 0, &root);

		wl_out("root exited %d\n", status);
		return 0;
	}
	for (long i = 0; i < rounds; i++) {
		int status;

		if (lseek(fd, 0, SEEK_SET) < 0)
			wl_die("lseek: %s", strerror(errno));
		status = restart_once(fd, SIGUSR1, &root);
		wl_out("round %ld root=%d exited %d\n", i, (int)root, status);
	}
	return 0;
}
