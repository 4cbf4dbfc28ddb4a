/* tempfail: a parent and a child linked with -lcr; the child's callback
 * refuses every checkpoint with a temporary failure.
 *
 * usage: tempfail FIFO [--perm]
 *
 * Each callback prints what its cr_checkpoint() returned:
 *
 *   parent rc=-2354
 *   child rc=-2354
 *
 * (-CR_ETEMPFAIL both: the child refused, the parent's checkpoint was
 * cancelled).  Both then go on running until killed.
 *
 * With --perm the child refuses with CR_CHECKPOINT_PERM_FAILURE instead,
 * whose cr_checkpoint() must not return (every process of the request is
 * killed): a line "child rc=..." says it did.
 */
#include "wl.h"

#include <libcr.h>

static const char *who = "parent";
static int flags = CR_CHECKPOINT_READY;

static int on_checkpoint(void *arg)
{
	(void)arg;
	wl_out("%s rc=%d\n", who, cr_checkpoint(flags));
	return 0;
}

int main(int argc, char **argv)
{
	pid_t kid;
	int sync[2];

	if (argc != 2 && (argc != 3 || strcmp(argv[2], "--perm")))
		wl_die("usage: tempfail FIFO [--perm]");
	if (pipe2(sync, O_CLOEXEC))
		wl_die("pipe: %s", strerror(errno));
	kid = fork();
	if (kid < 0)
		wl_die("fork: %s", strerror(errno));
	if (kid == 0) {
		who = "child";
		flags = argc == 3 ? CR_CHECKPOINT_PERM_FAILURE : CR_CHECKPOINT_TEMP_FAILURE;
	}
	if (cr_init() < 0)
		wl_die("cr_init: %s", strerror(errno));
	if (cr_register_callback(on_checkpoint, NULL, CR_SIGNAL_CONTEXT) < 0)
		wl_die("cr_register_callback: %s", cr_strerror(errno));
	/* "ready" only once the child has registered too */
	wl_fork_sync(sync, kid);
	if (kid)
		wl_ready(argv[1]);
	for (;;)
		pause();
}
