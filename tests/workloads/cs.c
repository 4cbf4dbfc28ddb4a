/* cs: a checkpoint waits for a critical section.
 *
 * usage: cs FIFO CONTEXT_FILE
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
 */
#include "wl.h"

#include <libcr.h>
#include <pthread.h>

static void *try_enter(void *arg)
{
	cr_client_id_t id = cr_init();

	*(int *)arg = cr_tryenter_cs(id);
	if (*(int *)arg == 0)
		cr_leave_cs(id);
	return NULL;
}

int main(int argc, char **argv)
{
	cr_client_id_t id;
	pthread_t t;
	int r = -1;

	if (argc != 3)
		wl_die("usage: cs FIFO CONTEXT_FILE");
	wl_setup_usr1(1);
	id = cr_init();
	if (id < 0 || cr_enter_cs(id))
		wl_die("cr_init or cr_enter_cs failed");
	wl_ready(argv[1]);
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
