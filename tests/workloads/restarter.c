/* restarter: restarts a context file through libcr (-lcr), in its own
 * process, as BLCR's cr_restart does on top of the same call.
 *
 * usage: restarter CONTEXT-FILE
 *
 * It calls cr_request_restart() (default arguments: original pids) and
 * cr_poll_restart_msg(), prints "restored root=PID", then waits for that
 * root, which must be its own child, and prints "root exited STATUS".  A
 * failed restart prints "failed errno=NAME msg=MESSAGES" and exits 1.
 */
#include "wl.h"

#include <sys/wait.h>

#include <libcr.h>

int main(int argc, char **argv)
{
	cr_restart_args_t args;
	cr_restart_handle_t handle;
	char *msg = NULL;
	int fd, rc, status;
	pid_t root;

	if (argc != 2)
		wl_die("usage: restarter CONTEXT-FILE");
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		wl_die("open %s: %s", argv[1], strerror(errno));
	cr_initialize_restart_args_t(&args);
	args.cr_fd = fd;
	if (cr_request_restart(&args, &handle) < 0)
		wl_die("cr_request_restart: %s", cr_strerror(errno));
	rc = cr_poll_restart_msg(&handle, NULL, &msg);
	if (rc <= 0) {
		int err = errno;

		wl_out("failed rc=%d errno=%s msg=%s", rc, err == ESTALE ? "ESTALE" : cr_strerror(err),
		       msg ? msg : "(none)\n");
		return 1;
	}
	/* the reap gave the restored root's pid */
	root = rc;
	close(fd);
	wl_out("restored root=%d\n", (int)root);
	while (waitpid(root, &status, 0) < 0)
		if (errno != EINTR)
			wl_die("waitpid %d: %s", (int)root, strerror(errno));
	wl_out("root exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
