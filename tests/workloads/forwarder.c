/* forwarder: a callback that forwards the checkpoint to another process.
 *
 * usage: forwarder FIFO OTHER-PID | forwarder FIFO --tree
 *
 * Its signal-context callback calls cr_forward_checkpoint(CR_SCOPE_PROC,
 * OTHER-PID) before cr_checkpoint(), and remembers what both returned.
 * With --tree it first forks a child, which forks a grandchild (both wait
 * for signals for ever), and forwards CR_SCOPE_TREE of itself instead,
 * as BLCR's cr_restart does.  It
 * says "ready" on FIFO, then on each SIGUSR1 prints
 *
 *   forward=0 errno=0 rc=R
 *
 * about the last checkpoint (R is 0 on continue, > 0 after a restart) and
 * "forward=-1 errno=E ..." when the forward failed.
 */
#include "wl.h"

#include <libcr.h>

static pid_t other;
static cr_scope_t scope = CR_SCOPE_PROC;
static volatile int forward_rc = 99, forward_errno, ckpt_rc = 99;

static int on_checkpoint(void *arg)
{
	(void)arg;
	forward_rc = cr_forward_checkpoint(scope, other);
	forward_errno = forward_rc ? errno : 0;
	ckpt_rc = cr_checkpoint(0);
	return 0;
}

/* A child and a grandchild that wait for ever (the harness kills them). */
static void spawn_descendants(void)
{
	int sync[2];

	for (int depth = 0; depth < 2; depth++) {
		pid_t kid;

		if (pipe(sync) != 0 || (kid = fork()) < 0)
			wl_die("pipe, fork: %s", strerror(errno));
		if (kid) {
			wl_fork_sync(sync, kid);
			if (depth == 0)
				return;
			for (;;)
				pause();
		}
		wl_fork_sync(sync, 0);
	}
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[2], "--tree")) {
		scope = CR_SCOPE_TREE;
		other = getpid();
		spawn_descendants();
	} else if (argc != 3 || (other = atoi(argv[2])) <= 0) {
		wl_die("usage: forwarder FIFO OTHER-PID | forwarder FIFO --tree");
	}
	if (cr_init() < 0)
		wl_die("cr_init: %s", strerror(errno));
	if (cr_register_callback(on_checkpoint, NULL, CR_SIGNAL_CONTEXT) < 0)
		wl_die("cr_register_callback: %s", cr_strerror(errno));
	wl_setup_usr1(1);
	wl_ready(argv[1]);
	for (;;) {
		wl_got_usr1 = 0;
		wl_wait_usr1();
		wl_out("forward=%d errno=%d rc=%d\n", forward_rc, forward_errno, ckpt_rc);
	}
}
