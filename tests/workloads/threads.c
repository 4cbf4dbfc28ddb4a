/* threads: worker threads with thread-local counters, a shared mutex and a
 * condition variable.
 *
 * usage: threads [-n THREADS] FIFO
 *
 * Each worker notes its tid, then loops: under the mutex it bumps its
 * thread-local counter, publishes it, broadcasts, and waits on the
 * condition variable for at most 1 ms.  Once every worker has counted, the
 * program says ready.  On SIGUSR1 it checks that every worker advances
 * again, that gettid() in every worker still names the tid it started with,
 * then stops them and joins them all, each returning its index: PASS or
 * FAIL naming the difference.  (Restored under a new pid, the tids are new
 * too: then only joining is checked.)
 */
#include "wl.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>

#define MAX_WORKERS 1000

struct worker {
	pthread_t thread;
	pid_t tid;		/* gettid() at its start */
	long count;		/* copy of its thread-local counter */
	int bad_tid;		/* gettid() once differed from tid */
};

static struct worker workers[MAX_WORKERS];
static int n_workers = 8;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stop;
static pid_t start_pid;
static __thread long my_count;

static void *work(void *arg)
{
	struct worker *w = arg;
	struct timespec ts;

	pthread_mutex_lock(&mutex);
	w->tid = (pid_t)syscall(SYS_gettid);
	while (!stop) {
		my_count++;
		w->count = my_count;
		if ((pid_t)syscall(SYS_gettid) != w->tid && getpid() == start_pid)
			w->bad_tid = 1;
		pthread_cond_broadcast(&cond);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&cond, &mutex, &ts);
	}
	pthread_mutex_unlock(&mutex);
	return (void *)(intptr_t)(w - workers);
}

/* Under the mutex: wait until every worker's count passes base[i]. */
static int all_advance(const long *base)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	for (int i = 0; i < n_workers; i++)
		while (workers[i].count <= base[i])
			if (pthread_cond_timedwait(&cond, &mutex, &ts))
				return i;
	return -1;
}

int main(int argc, char **argv)
{
	static long base[MAX_WORKERS];
	int c, stuck;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			n_workers = (int)wl_atol(optarg, "-n");
	if (optind != argc - 1 || n_workers < 1 || n_workers > MAX_WORKERS)
		wl_die("usage: threads [-n THREADS] FIFO");
	wl_setup_usr1(1);	/* the workers inherit SIGUSR1 blocked */
	start_pid = getpid();
	for (int i = 0; i < n_workers; i++)
		if (pthread_create(&workers[i].thread, NULL, work, &workers[i]))
			wl_die("pthread_create %d", i);
	pthread_mutex_lock(&mutex);
	stuck = all_advance(base);
	pthread_mutex_unlock(&mutex);
	if (stuck >= 0)
		wl_die("worker %d never ran", stuck);
	wl_ready(argv[optind]);
	wl_wait_usr1();

	pthread_mutex_lock(&mutex);
	for (int i = 0; i < n_workers; i++)
		base[i] = workers[i].count;
	stuck = all_advance(base);
	stop = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&mutex);
	if (stuck >= 0) {
		wl_out("FAIL: worker %d (tid %d) does not advance\n", stuck, workers[stuck].tid);
		return 1;
	}
	for (int i = 0; i < n_workers; i++) {
		void *ret;

		if (pthread_join(workers[i].thread, &ret) || (intptr_t)ret != i) {
			wl_out("FAIL: joining worker %d\n", i);
			return 1;
		}
		if (workers[i].bad_tid) {
			wl_out("FAIL: worker %d's gettid() changed from %d\n", i, workers[i].tid);
			return 1;
		}
	}
	wl_out("PASS\n");
	return 0;
}
