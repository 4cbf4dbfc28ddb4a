/* pthread_counting: several threads count together, one second apart,
 * under a mutex.  No libcr API: run it under cr_run.  A checkpoint saves
 * every thread, and the mutex with its state; after a restart each thread
 * goes on from where it was.
 *
 *   cr_run ./pthread_counting 4 20 &
 *   cr_checkpoint $!; kill $!; cr_restart context.PID
 *
 * usage: pthread_counting [THREADS [COUNTS]]    (default 4 threads, 20 each)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;		/* counts of all threads, under lock */
static long per_thread = 20;

static void *count(void *arg)
{
	long id = (long)arg;

	for (long i = 0; i < per_thread; i++) {
		pthread_mutex_lock(&lock);
		total++;
		printf("thread %ld: count %ld, total %ld\n", id, i, total);
		pthread_mutex_unlock(&lock);
		sleep(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 4;
	pthread_t tid[MAX_THREADS];
	int err;

	if (argc > 2)
		per_thread = strtol(argv[2], NULL, 10);
	if (n < 1 || n > MAX_THREADS) {
		fprintf(stderr, "usage: pthread_counting [THREADS (1..%d) [COUNTS]]\n",
			MAX_THREADS);
		return 2;
	}
	/* line-buffered: nothing waits in memory between two counts */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < n; i++) {
		err = pthread_create(&tid[i], NULL, count, (void *)i);
		if (err) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (long i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	printf("total %ld (expected %ld)\n", total, n * per_thread);
	return total == n * per_thread ? 0 : 1;
}
