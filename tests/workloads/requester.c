/* requester: a program that asks libcr for a checkpoint of another
 * process, as a BLCR program would, and waits for it.
 *
 * usage: requester PID PATH
 *
 * It opens PATH, asks for a checkpoint of PID into it
 * (cr_request_checkpoint with cr_fd), prints "requested", then waits
 * (cr_wait_checkpoint) and prints "done rc=N errno=E".
 */
#include "wl.h"

#include <fcntl.h>
#include <libcr.h>

int main(int argc, char **argv)
{
	cr_checkpoint_args_t args;
	cr_checkpoint_handle_t handle;
	int fd, rc;

	if (argc != 3)
		wl_die("usage: requester PID PATH");
	if (cr_init() < 0)
		wl_die("cr_init: %s", strerror(errno));
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400);
	if (fd < 0)
		wl_die("open %s: %s", argv[2], strerror(errno));
	cr_initialize_checkpoint_args_t(&args);
	args.cr_scope = CR_SCOPE_PROC;
	args.cr_target = (pid_t)wl_atol(argv[1], "pid");
	args.cr_fd = fd;
	if (cr_request_checkpoint(&args, &handle) < 0)
		wl_die("cr_request_checkpoint: %s", strerror(errno));
	wl_out("requested\n");
	do
		rc = cr_wait_checkpoint(&handle, NULL);
	while (rc < 0 && errno == EINTR);
	wl_out("done rc=%d errno=%d\n", rc, rc < 0 ? errno : 0);
	return 0;
}
