/* churn: a process that forks, reaps, creates and joins threads without a
 * pause, for checkpoints to catch it in the middle of it.
 *
 * usage: churn FIFO
 *
 * It fills 4 MiB with a pattern, says ready, then loops: fork a child that
 * exits 7 at once and reap it (any other status is a failure), create a
 * thread that adds one to a counter and join it.  On SIGUSR1 it checks
 * the pattern and that every thread ran, and prints "PASS N" (N rounds)
 * or "FAIL: ..." and exits 0 or 1.
 */
#include "wl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/wait.h>

#define AREA (4u << 20)

static uint8_t *area;
static atomic_long ran;

static void *worker(void *arg)
{
	(void)arg;
	atomic_fetch_add(&ran, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	long rounds = 0;

	if (argc != 2)
		wl_die("usage: churn FIFO");
	wl_setup_usr1(0);
	area = malloc(AREA);
	if (!area)
		wl_die("malloc");
	for (uint32_t i = 0; i < AREA; i++)
		area[i] = (uint8_t)(i * 2654435761u >> 24);
	wl_ready(argv[1]);
	while (!wl_got_usr1) {
		pthread_t t;
		pid_t kid;
		int st;

		kid = fork();
		if (kid < 0)
			wl_die("fork: %s", strerror(errno));
		if (kid == 0)
			_exit(7);
		while (waitpid(kid, &st, 0) < 0)
			if (errno != EINTR)
				wl_die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 7) {
			wl_out("FAIL: child %d ended with status %#x\n", (int)kid, st);
			return 1;
		}
		if (pthread_create(&t, NULL, worker, NULL) || pthread_join(t, NULL))
			wl_die("pthread: %s", strerror(errno));
		rounds++;
	}
	for (uint32_t i = 0; i < AREA; i++)
		if (area[i] != (uint8_t)(i * 2654435761u >> 24)) {
			wl_out("FAIL: byte %u changed\n", i);
			return 1;
		}
	if (atomic_load(&ran) != rounds) {
		wl_out("FAIL: %ld threads ran in %ld rounds\n", atomic_load(&ran), rounds);
		return 1;
	}
	wl_out("PASS %ld\n", rounds);
	return 0;
}
