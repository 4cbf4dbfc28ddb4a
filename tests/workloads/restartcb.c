/* restartcb: a program whose restart callback execs, or takes its time.
 *
 * usage: restartcb FIFO exec|slow|hold
 *
 * It registers one signal-context callback.  After a restart, with "exec"
 * the callback execs /bin/true at once, as LAM's mpirun did, so the
 * restarted process exits 0 from inside its callback; with "slow" it
 * prints "callback begins", takes 300 ms, and prints "callback ends".
 * When the process continues after a checkpoint, the callback does
 * nothing.  With "hold" the callback takes 3 s before its
 * cr_checkpoint(), then prints "callback rc=N" (what it returned).  It
 * says ready on FIFO, then waits for SIGUSR1 and exits 0.
 */
#include "wl.h"

#include <libcr.h>

static const char *mode;

static int callback(void *arg)
{
	int rc;

	(void)arg;
	if (!strcmp(mode, "hold"))
		wl_sleep_ms(3000);
	rc = cr_checkpoint(CR_CHECKPOINT_READY);
	if (!strcmp(mode, "hold"))
		wl_out("callback rc=%d\n", rc);
	if (rc <= 0)
		return 0;	/* continuing */
	if (strcmp(mode, "slow")) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	wl_out("callback begins\n");
	wl_sleep_ms(300);
	wl_out("callback ends\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "exec") && strcmp(argv[2], "slow") &&
			  strcmp(argv[2], "hold")))
		wl_die("usage: restartcb FIFO exec|slow|hold");
	mode = argv[2];
	wl_setup_usr1(1);
	if (cr_init() < 0)
		wl_die("cr_init: %s", strerror(errno));
	if (cr_register_callback(callback, NULL, CR_SIGNAL_CONTEXT) < 0)
		wl_die("cr_register_callback: %s", strerror(errno));
	wl_ready(argv[1]);
	wl_wait_usr1();
	return 0;
}
