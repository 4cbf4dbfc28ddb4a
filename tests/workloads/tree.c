/* tree: a tree of processes.
 *
 * usage: tree FIFO WIDTH1 WIDTH2
 *
 * The root forks WIDTH1 children and each of them WIDTH2 children (so
 * 1 + WIDTH1 + WIDTH1 * WIDTH2 processes).  Each counts itself in a shared
 * anonymous page once it runs; when all have, the root says ready.  Every
 * process then waits for SIGUSR1 and exits 0 on it.
 */
#include "wl.h"

#include <stdatomic.h>
#include <sys/mman.h>

static atomic_int *started;

static void node(int children)
{
	for (int i = 0; i < children; i++) {
		pid_t pid = fork();

		if (pid < 0)
			wl_die("fork: %s", strerror(errno));
		if (pid == 0) {
			atomic_fetch_add(started, 1);
			wl_wait_usr1();
			_exit(0);
		}
	}
}

int main(int argc, char **argv)
{
	int w1, w2, total;

	if (argc != 4)
		wl_die("usage: tree FIFO WIDTH1 WIDTH2");
	w1 = (int)wl_atol(argv[2], "WIDTH1");
	w2 = (int)wl_atol(argv[3], "WIDTH2");
	total = w1 + w1 * w2;
	started = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (started == MAP_FAILED)
		wl_die("mmap: %s", strerror(errno));
	wl_setup_usr1(1);
	for (int i = 0; i < w1; i++) {
		pid_t pid = fork();

		if (pid < 0)
			wl_die("fork: %s", strerror(errno));
		if (pid == 0) {
			node(w2);
			atomic_fetch_add(started, 1);
			wl_wait_usr1();
			_exit(0);
		}
	}
	for (int i = 0; i < 10000 && atomic_load(started) < total; i++)
		wl_sleep_ms(1);
	if (atomic_load(started) < total)
		wl_die("only %d of %d processes started", atomic_load(started), total);
	wl_ready(argv[1]);
	wl_wait_usr1();
	return 0;
}
