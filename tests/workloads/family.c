/* family: a parent and its child share memory, a mutex and a file offset;
 * another child has exited and waits to be reaped.
 *
 * usage: family FIFO FILE
 *
 * FILE holds fixed 4-byte records "000\n", "001\n", ...; it is opened
 * before the fork, so parent and child share one offset.  The parent maps
 * a shared anonymous page holding a process-shared mutex and a counter;
 * the worker child increments the counter under the mutex every
 * millisecond and answers the parent's requests through the page.  A
 * second child exits at once with status 42 and is not reaped.  Before
 * saying ready, parent and child each read one record.  On SIGUSR1 the
 * parent checks that the counter still moves, that the child sees a mark
 * it sets, that reads by parent, child, parent continue the records in
 * order (one shared offset), and that the exited child is reaped with 42.
 */
#include "wl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

struct shared {
	pthread_mutex_t mutex;
	long counter;
	long mark, ack;		/* parent sets mark, child copies it to ack */
	int read_request;	/* parent asks the child to read one record */
	int child_record;	/* what it read */
	int quit;
};

static struct shared *sh;
static int file;

static int read_record(void)
{
	char rec[4];

	if (read(file, rec, 4) != 4)
		return -1;
	return atoi(rec);
}

static void worker(void)
{
	for (;;) {
		pthread_mutex_lock(&sh->mutex);
		sh->counter++;
		sh->ack = sh->mark;
		if (sh->read_request) {
			sh->child_record = read_record();
			sh->read_request = 0;
		}
		if (sh->quit) {
			pthread_mutex_unlock(&sh->mutex);
			_exit(0);
		}
		pthread_mutex_unlock(&sh->mutex);
		wl_sleep_ms(1);
	}
}

/* Asks the child for one record; waits for it (bounded). */
static int child_reads(void)
{
	pthread_mutex_lock(&sh->mutex);
	sh->read_request = 1;
	pthread_mutex_unlock(&sh->mutex);
	for (int i = 0; i < 5000; i++) {
		int done;

		pthread_mutex_lock(&sh->mutex);
		done = !sh->read_request;
		pthread_mutex_unlock(&sh->mutex);
		if (done)
			return sh->child_record;
		wl_sleep_ms(1);
	}
	return -2;
}

static long counter(void)
{
	long c;

	pthread_mutex_lock(&sh->mutex);
	c = sh->counter;
	pthread_mutex_unlock(&sh->mutex);
	return c;
}

static int check(pid_t dead)
{
	long c0 = counter(), acked = 0;
	int a, b, c, st;

	for (int i = 0; i < 5000 && counter() < c0 + 20; i++)
		wl_sleep_ms(1);
	if (counter() < c0 + 20) {
		wl_out("FAIL: the child no longer moves the shared counter\n");
		return 1;
	}
	pthread_mutex_lock(&sh->mutex);
	sh->mark = 1234567;
	pthread_mutex_unlock(&sh->mutex);
	for (int i = 0; i < 5000 && acked != 1234567; i++) {
		pthread_mutex_lock(&sh->mutex);
		acked = sh->ack;
		pthread_mutex_unlock(&sh->mutex);
		wl_sleep_ms(1);
	}
	if (acked != 1234567) {
		wl_out("FAIL: the child does not see the parent's writes\n");
		return 1;
	}
	a = read_record();
	b = child_reads();
	c = read_record();
	if (a != 2 || b != 3 || c != 4) {
		wl_out("FAIL: records %d, %d, %d instead of 2, 3, 4: the offset is not shared\n",
		       a, b, c);
		return 1;
	}
	if (waitpid(dead, &st, WNOHANG) != dead || !WIFEXITED(st) || WEXITSTATUS(st) != 42) {
		wl_out("FAIL: the exited child is not reaped with status 42\n");
		return 1;
	}
	wl_out("PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	pthread_mutexattr_t attr;
	pid_t dead, kid;
	int a, b, st;

	if (argc != 3)
		wl_die("usage: family FIFO FILE");
	wl_setup_usr1(1);
	file = open(argv[2], O_RDONLY);
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (file < 0 || sh == MAP_FAILED)
		wl_die("setup: %s", strerror(errno));
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sh->mutex, &attr);
	dead = fork();
	if (dead == 0)
		_exit(42);
	kid = fork();
	if (kid == 0)
		worker();
	/* the exited child's end is known before we go on */
	while (waitid(P_PID, dead, (siginfo_t[1]){}, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	a = read_record();
	b = child_reads();
	if (a != 0 || b != 1)
		wl_die("records %d, %d instead of 0, 1", a, b);
	wl_ready(argv[1]);
	wl_wait_usr1();
	st = check(dead);
	pthread_mutex_lock(&sh->mutex);
	sh->quit = 1;
	pthread_mutex_unlock(&sh->mutex);
	waitpid(kid, NULL, 0);
	return st;
}
