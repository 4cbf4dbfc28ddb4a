/* callbacks: a program linked with -lcr that takes part in checkpoints.
 *
 * usage: callbacks FIFO [--fork]
 *
 * It registers one thread-context and one signal-context callback.  Each
 * records what it sees: cr_get_checkpoint_info() before its cr_checkpoint(),
 * the value cr_checkpoint() returns, and cr_get_restart_info() after a
 * restart.  On every SIGUSR1 it prints one line about the checkpoints since
 * the last report and forgets them:
 *
 *   order=TS t_runs=1 s_runs=1 t_rc=0 s_rc=0 dest=PATH requester=PID
 *   status=IDLE src=PATH restarter=PID
 *
 * (src and restarter only after a restart, "-" otherwise).  It runs until
 * killed.
 *
 * With --fork, the process forks once its callbacks are registered and the
 * child does all of the above but the registration: it first prints
 *
 *   child before cr_init: status=-1 errno=CR_ENOINIT
 *
 * (what cr_status() gave), calls cr_init() again, and says ready; the
 * parent waits for it.  Its reports then show which callbacks ran in it.
 */
#include "wl.h"

#include <sys/wait.h>

#include <libcr.h>

struct seen {
	int runs;
	int rc;
};

/* Written from the callbacks (signal context): plain static memory. */
static struct seen seen_thread, seen_signal;
static char order[8];
static int n_order;
static char dest[4096];
static pid_t requester;
static char src[4096];
static pid_t restarter;

static void copy(char *to, const char *from, size_t len)
{
	size_t i = 0;

	for (; from && from[i] && i < len - 1; i++)
		to[i] = from[i];
	to[i] = 0;
}

static int callback(struct seen *s, char tag)
{
	const struct cr_checkpoint_info *ci = cr_get_checkpoint_info();

	s->runs++;
	if (n_order < (int)sizeof(order) - 1)
		order[n_order++] = tag;
	if (ci) {
		copy(dest, ci->dest, sizeof(dest));
		requester = ci->requester;
	}
	s->rc = cr_checkpoint(0);
	if (s->rc > 0) {
		const struct cr_restart_info *ri = cr_get_restart_info();

		if (ri) {
			copy(src, ri->src, sizeof(src));
			restarter = ri->requester;
		}
	}
	return 0;
}

static int on_thread(void *arg)
{
	(void)arg;
	return callback(&seen_thread, 'T');
}

static int on_signal(void *arg)
{
	(void)arg;
	return callback(&seen_signal, 'S');
}

static void report(void)
{
	wl_out("order=%s t_runs=%d s_runs=%d t_rc=%d s_rc=%d dest=%s requester=%d status=%s "
	       "src=%s restarter=%d\n", order, seen_thread.runs, seen_signal.runs,
	       seen_thread.rc, seen_signal.rc, dest[0] ? dest : "-", (int)requester,
	       cr_status() == CR_STATE_IDLE ? "IDLE" : "BUSY", src[0] ? src : "-",
	       (int)restarter);
	memset(&seen_thread, 0, sizeof(seen_thread));
	memset(&seen_signal, 0, sizeof(seen_signal));
	memset(order, 0, sizeof(order));
	n_order = 0;
	dest[0] = src[0] = 0;
	requester = restarter = 0;
}

/* --fork: the parent waits for its child; the child goes on. */
static void fork_child(void)
{
	pid_t kid = fork();
	int status;

	if (kid < 0)
		wl_die("fork: %s", strerror(errno));
	if (kid > 0) {
		while (waitpid(kid, &status, 0) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	errno = 0;
	status = cr_status();
	wl_out("child before cr_init: status=%d errno=%s\n", status,
	       errno == CR_ENOINIT ? "CR_ENOINIT" : strerror(errno));
	if (cr_init() < 0)
		wl_die("cr_init in the child failed");
}

int main(int argc, char **argv)
{
	if (argc != 2 && (argc != 3 || strcmp(argv[2], "--fork")))
		wl_die("usage: callbacks FIFO [--fork]");
	wl_setup_usr1(1);
	if (cr_init() < 0)
		wl_die("cr_init failed");
	if (cr_register_callback(on_thread, NULL, CR_THREAD_CONTEXT) < 0 ||
	    cr_register_callback(on_signal, NULL, CR_SIGNAL_CONTEXT) < 0)
		wl_die("cr_register_callback: %s", cr_strerror(errno));
	if (argc == 3)
		fork_child();
	wl_ready(argv[1]);
	for (;;) {
		wl_wait_usr1();
		wl_got_usr1 = 0;
		report();
	}
}
