/* robust: a robust mutex whose owner dies.
 *
 * usage: robust FIFO
 *
 * A thread locks a robust mutex and waits to be told to end; the program says
 * ready.  On SIGUSR1 it tells the thread to exit without unlocking, joins
 * it, and locks the mutex: the kernel, walking the dead thread's robust
 * list, must report EOWNERDEAD.  PASS or FAIL.
 */
#include "wl.h"

#include <pthread.h>

static pthread_mutex_t mutex;
static pthread_mutex_t talk = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int locked, end;

static void *owner(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mutex);
	pthread_mutex_lock(&talk);
	locked = 1;
	pthread_cond_broadcast(&cond);
	while (!end)
		pthread_cond_wait(&cond, &talk);
	pthread_mutex_unlock(&talk);
	return NULL;	/* exits holding the robust mutex */
}

int main(int argc, char **argv)
{
	pthread_mutexattr_t attr;
	pthread_t t;
	struct timespec ts;
	int r;

	if (argc != 2)
		wl_die("usage: robust FIFO");
	wl_setup_usr1(1);
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&mutex, &attr);
	if (pthread_create(&t, NULL, owner, NULL))
		wl_die("pthread_create");
	pthread_mutex_lock(&talk);
	while (!locked)
		pthread_cond_wait(&cond, &talk);
	pthread_mutex_unlock(&talk);
	wl_ready(argv[1]);
	wl_wait_usr1();
	pthread_mutex_lock(&talk);
	end = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&talk);
	if (pthread_join(t, NULL))
		wl_die("joining the owner");
	/* bounded: without the robust list the dead owner holds it forever */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	r = pthread_mutex_timedlock(&mutex, &ts);
	if (r != EOWNERDEAD) {
		wl_out("FAIL: locking the dead owner's mutex gave %d (%s)\n", r, strerror(r));
		return 1;
	}
	wl_out("PASS\n");
	return 0;
}
