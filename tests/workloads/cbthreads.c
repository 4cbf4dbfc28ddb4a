/* cbthreads: where and in which order callbacks run, in a process with two
 * threads of its own (-lcr, -lpthread).
 *
 * usage: cbthreads FIFO [BLOCK-FIFO | --lock | --thread-only]
 *
 * The main thread and a worker each register a signal-context callback;
 * the main thread also registers a thread-context one and a hook for
 * every event.  Each callback notes the thread it ran in and its turn
 * (one counter for all), and what cr_checkpoint() returned.  With
 * BLOCK-FIFO, the thread-context callback first prints "blocked" and
 * reads a line from BLOCK-FIFO, and after a restart does so again once
 * cr_checkpoint() returned.  With --lock, the main thread holds a mutex
 * nearly all the time (taking it again 20 ms after each release), and the
 * thread-context callback takes that mutex too: it can only run while the
 * program's threads run on.  With --thread-only, the threads register no
 * signal-context callback (they are simply parked).  On each SIGUSR1 the main thread prints:
 *
 *   T=<where>:<turn>:<rc> M=<where>:<turn>:<rc> W=<where>:<turn>:<rc> hooks=<list>
 *
 * where is "lib" (a thread of libcr's), "main" or "worker"; the list of
 * hook events run since the last report is sorted by event number.
 */
#include "wl.h"

#include <pthread.h>
#include <stdbool.h>

#include <libcr.h>

/* Threads are told apart by pthread_self(), which a restart under new
 * tids (--no-restore-pid) keeps. */
struct seen {
	pthread_t thread;
	volatile int ran;
	volatile int turn, rc;
};

static struct seen seen_t, seen_m, seen_w;
static pthread_t main_thread, worker_thread;
static int turns;
static int hook_runs[CR_NUM_HOOKS];
static const char *block_fifo;
static bool lock_mode, thread_only;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int note(struct seen *s)
{
	s->thread = pthread_self();
	s->ran = 1;
	s->turn = __atomic_add_fetch(&turns, 1, __ATOMIC_SEQ_CST);
	s->rc = cr_checkpoint(0);
	return 0;
}

/* With BLOCK-FIFO: says "blocked" and waits for a line from it. */
static void block(void)
{
	char line[16];
	int fd;

	wl_out("blocked\n");
	fd = open(block_fifo, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, line, sizeof(line)) < 0)
			line[0] = 0;
		close(fd);
	}
}

static int on_thread(void *arg)
{
	int r;

	(void)arg;
	if (lock_mode) {
		pthread_mutex_lock(&lock);
		pthread_mutex_unlock(&lock);
	}
	if (block_fifo)
		block();
	r = note(&seen_t);
	if (block_fifo && seen_t.rc > 0)
		block();	/* and again after a restart */
	return r;
}

static int on_signal(void *arg)
{
	return note(arg);
}

static void on_hook(cr_hook_event_t event)
{
	__atomic_add_fetch(&hook_runs[event], 1, __ATOMIC_SEQ_CST);
}

static void *worker(void *ready)
{
	sigset_t all;

	/* the program's signals are the main thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	worker_thread = pthread_self();
	if (cr_init() < 0 ||
	    (!thread_only && cr_register_callback(on_signal, &seen_w, CR_SIGNAL_CONTEXT) < 0))
		wl_die("worker: cr_register_callback: %s", cr_strerror(errno));
	__atomic_store_n((int *)ready, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

static const char *where(const struct seen *s)
{
	return !s->ran ? "none" : pthread_equal(s->thread, main_thread) ? "main" :
	       pthread_equal(s->thread, worker_thread) ? "worker" : "lib";
}

int main(int argc, char **argv)
{
	pthread_t t;
	int ready = 0;

	if (argc < 2 || argc > 3)
		wl_die("usage: cbthreads FIFO [BLOCK-FIFO]");
	lock_mode = argc == 3 && !strcmp(argv[2], "--lock");
	thread_only = argc == 3 && !strcmp(argv[2], "--thread-only");
	block_fifo = argc == 3 && !lock_mode && !thread_only ? argv[2] : NULL;
	main_thread = pthread_self();
	if (cr_init() < 0)
		wl_die("cr_init: %s", strerror(errno));
	if (cr_register_callback(on_thread, NULL, CR_THREAD_CONTEXT) < 0 ||
	    (!thread_only && cr_register_callback(on_signal, &seen_m, CR_SIGNAL_CONTEXT) < 0))
		wl_die("cr_register_callback: %s", cr_strerror(errno));
	for (int e = 0; e < CR_NUM_HOOKS; e++)
		if (cr_register_hook(e, on_hook) == CR_HOOK_FN_ERROR)
			wl_die("cr_register_hook %d failed", e);
	if (pthread_create(&t, NULL, worker, &ready))
		wl_die("pthread_create failed");
	while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST))
		sched_yield();
	wl_setup_usr1(!lock_mode);
	wl_ready(argv[1]);
	for (;;) {
		char hooks[64] = "";
		size_t n = 0;

		wl_got_usr1 = 0;
		if (lock_mode) {
			while (!wl_got_usr1) {
				struct timespec held = { .tv_nsec = 20000000 };

				pthread_mutex_lock(&lock);
				nanosleep(&held, NULL);
				pthread_mutex_unlock(&lock);
			}
		} else {
			wl_wait_usr1();
		}
		for (int e = 0; e < CR_NUM_HOOKS; e++)
			for (int k = __atomic_exchange_n(&hook_runs[e], 0, __ATOMIC_SEQ_CST); k > 0; k--)
				n += snprintf(hooks + n, sizeof(hooks) - n, "%d", e);
		wl_out("T=%s:%d:%d M=%s:%d:%d W=%s:%d:%d hooks=%s\n",
		       where(&seen_t), seen_t.turn, seen_t.rc, where(&seen_m), seen_m.turn,
		       seen_m.rc, where(&seen_w), seen_w.turn, seen_w.rc, hooks);
		turns = 0;
		seen_t.ran = seen_m.ran = seen_w.ran = 0;
	}
}
