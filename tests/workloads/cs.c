/* cs: a checkpoint waits for a critical section.
 *
 * usage: cs FIFO CONTEXT_FILE [--self]
 *
 * Linked with -lcr.  It enters a critical section and says ready, then
 * watches cr_status() until a checkpoint is pending; it prints "pending"
 * (with "nofile" while CONTEXT_FILE does not exist yet),
 * has another thread, outside any section, try cr_tryenter_cs(), which must
 * refuse ("busy"), and leaves the section, which lets the checkpoint happen
 * in that very call; then it prints "left" and the status, checks that a
 * second cr_leave_cs() is refused with EINVAL, and waits for SIGUSR1 to
 * exit 0.  After a restart it goes on from
 * its cr_leave_cs() as after a checkpoint that continued.
 *
 * With --self, it registers a thread-context callback and, inside the
 * section, asks cr_request_checkpoint() for a checkpoint of itself into
 * CONTEXT_FILE: the call must return at once with the request pending.
 * It prints "pending cb=N" (N: the runs of the callback so far), "busy" as
 * above, then leaves the section (the checkpoint runs), reaps the request
 * and prints "reaped cb=N rc=1" (the reap gave > 0), or, restarted from
 * that file, "reaped cb=N rc=-2 errno=CR_ERESTARTED" (-2 is
 * CR_POLL_CHKPT_ERR_POST); then it waits for SIGUSR1.
 */
#include "wl.h"

#include <libcr.h>
#include <pthread.h>

static int cb_runs;

static int on_thread(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&cb_runs, 1, __ATOMIC_SEQ_CST);
	return cr_checkpoint(0) < 0;
}

static void *try_enter(void *arg)
{
	cr_client_id_t id = cr_init();

	*(int *)arg = cr_tryenter_cs(id);
	if (*(int *)arg == 0)
		cr_leave_cs(id);
	return NULL;
}

/* --self: a request for ourselves from inside the section */
static int self(cr_client_id_t id, const char *path)
{
	cr_checkpoint_args_t args;
	cr_checkpoint_handle_t handle;
	pthread_t t;
	int r = -1, status;

	if (cr_register_callback(on_thread, NULL, CR_THREAD_CONTEXT) < 0)
		wl_die("cr_register_callback: %s", cr_strerror(errno));
	cr_initialize_checkpoint_args_t(&args);
	args.cr_scope = CR_SCOPE_PROC;
	args.cr_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (args.cr_fd < 0)
		wl_die("open %s: %s", path, strerror(errno));
	if (cr_request_checkpoint(&args, &handle) < 0) {
		wl_out("FAIL: cr_request_checkpoint: %s\n", cr_strerror(errno));
		return 1;
	}
	status = cr_status();
	wl_out("%s cb=%d\n", status == CR_STATE_PENDING ? "pending" : "not pending",
	       __atomic_load_n(&cb_runs, __ATOMIC_SEQ_CST));
	if (pthread_create(&t, NULL, try_enter, &r) || pthread_join(t, NULL))
		wl_die("pthread_create");
	wl_out("%s\n", r > 0 ? "busy" : "entered");
	if (cr_leave_cs(id))
		wl_die("cr_leave_cs: %s", strerror(errno));
	r = cr_poll_checkpoint(&handle, NULL);
	wl_out("reaped cb=%d rc=%d%s\n", __atomic_load_n(&cb_runs, __ATOMIC_SEQ_CST), r > 0 ? 1 : r,
	       r < 0 && errno == CR_ERESTARTED ? " errno=CR_ERESTARTED" : "");
	wl_wait_usr1();
	return 0;
}

int main(int argc, char **argv)
{
	cr_client_id_t id;
	pthread_t t;
	int r = -1;

	if (argc != 3 && (argc != 4 || strcmp(argv[3], "--self")))
		wl_die("usage: cs FIFO CONTEXT_FILE [--self]");
	wl_setup_usr1(1);
	id = cr_init();
	if (id < 0 || cr_enter_cs(id))
		wl_die("cr_init or cr_enter_cs failed");
	wl_ready(argv[1]);
	if (argc == 4)
		return self(id, argv[2]);
	for (int i = 0; cr_status() != CR_STATE_PENDING; i++) {
		if (i > 60000)
			wl_die("no checkpoint came");
		wl_sleep_ms(1);
	}
	wl_out("pending%s\n", access(argv[2], F_OK) ? " nofile" : "");
	if (pthread_create(&t, NULL, try_enter, &r) || pthread_join(t, NULL))
		wl_die("pthread_create");
	wl_out("%s\n", r > 0 ? "busy" : "entered");
	if (cr_leave_cs(id))
		wl_die("cr_leave_cs: %s", strerror(errno));
	wl_out("left %s\n", cr_status() == CR_STATE_IDLE ? "idle" : "not idle");
	if (cr_leave_cs(id) == 0 || errno != EINVAL)
		wl_out("FAIL: leaving twice did not give EINVAL\n");
	wl_wait_usr1();
	return 0;
}
