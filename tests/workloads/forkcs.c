/* forkcs: a fork() while another thread is inside a critical section.
 *
 * usage: forkcs FIFO
 *
 * A worker thread enters a critical section and stays in it; the main
 * thread forks.  The child (which has no such worker) says "ready" on FIFO
 * and waits for SIGUSR1, then prints "child cs=0" when cr_tryenter_cs()
 * enters at once (0) and exits.  The parent lets its worker leave and
 * waits for the child.
 */
#include "wl.h"

#include <pthread.h>
#include <sys/wait.h>

#include <libcr.h>

static int inside, leave;

static void *worker(void *unused)
{
	cr_client_id_t id = cr_init();

	(void)unused;
	if (id < 0 || cr_enter_cs(id))
		wl_die("worker: cr_enter_cs failed");
	__atomic_store_n(&inside, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&leave, __ATOMIC_SEQ_CST))
		sched_yield();
	cr_leave_cs(id);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	pid_t kid;
	int r;

	if (argc != 2)
		wl_die("usage: forkcs FIFO");
	if (cr_init() < 0 || pthread_create(&t, NULL, worker, NULL))
		wl_die("cannot start the worker");
	while (!__atomic_load_n(&inside, __ATOMIC_SEQ_CST))
		sched_yield();
	kid = fork();
	if (kid < 0)
		wl_die("fork: %s", strerror(errno));
	if (kid == 0) {
		wl_setup_usr1(1);
		wl_ready(argv[1]);
		wl_wait_usr1();
		r = cr_tryenter_cs(cr_init());
		wl_out("child cs=%d\n", r);
		return 0;
	}
	__atomic_store_n(&leave, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	while (waitpid(kid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}
