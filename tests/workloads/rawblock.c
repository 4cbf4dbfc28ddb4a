/* rawblock: a thread that blocks the checkpoint signal behind libcr's back.
 *
 * usage: rawblock FIFO
 *
 * A worker thread blocks signal 64 with the raw rt_sigprocmask system call
 * (which libcr's wrappers do not see), then the process says "ready".  A
 * checkpoint then cannot park that thread and fails once it gives up.  On
 * SIGUSR1 the worker unblocks 64 (a park signal left pending arrives then)
 * and the main thread prints "unblocked"; on the next SIGUSR1, "alive".
 */
#include "wl.h"

#include <pthread.h>
#include <sys/syscall.h>

static volatile int release;

static void *worker(void *ready)
{
	unsigned long long cr = 1ULL << (64 - 1);
	struct timespec tick = { .tv_nsec = 5000000 };

	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &cr, NULL, 8))
		wl_die("rt_sigprocmask: %s", strerror(errno));
	__atomic_store_n((int *)ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&release, __ATOMIC_SEQ_CST))
		nanosleep(&tick, NULL);
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &cr, NULL, 8);
	__atomic_store_n(&release, 2, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int ready = 0;

	if (argc != 2)
		wl_die("usage: rawblock FIFO");
	wl_setup_usr1(1);
	if (pthread_create(&t, NULL, worker, &ready))
		wl_die("pthread_create failed");
	while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST))
		sched_yield();
	wl_ready(argv[1]);
	wl_wait_usr1();
	__atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&release, __ATOMIC_SEQ_CST) != 2)
		sched_yield();
	wl_out("unblocked\n");
	wl_got_usr1 = 0;
	for (;;) {
		wl_wait_usr1();
		wl_got_usr1 = 0;
		wl_out("alive\n");
	}
}
