/* backtoback: self-checkpoints back to back, as BLCR's cr_tryenter_cs
 * makes them; none may be refused as busy.
 *
 * usage: backtoback N
 *
 * A thread asks for a checkpoint of its own process (to /dev/null) and
 * reaps it, N times in a row, while a thread-context callback counts the
 * checkpoints.  A request made after the previous one was reaped is a new
 * one: the agent must not still count itself inside the old one.  To
 * widen the moment where it did (the callback thread, which serves every
 * request, finishing it after it released the other threads), the whole
 * process runs on one CPU, the callback thread at nice 19, and a thread of
 * the program spins whenever it is not parked: once released, it takes the
 * CPU from the callback thread for a while.
 *
 * It prints "requests N refused R callbacks C" and exits 0 when R is 0
 * and C is N, else prints "FAIL: ..." first and exits 1.
 */
#include "wl.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <libcr.h>

static int cb_runs;
static volatile int stop;

static int on_checkpoint(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&cb_runs, 1, __ATOMIC_SEQ_CST);
	return cr_checkpoint(CR_CHECKPOINT_READY) < 0;
}

/* libcr's callback thread, found by its name; 0 if there is none */
static pid_t callback_thread(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	pid_t tid = 0;

	while (d && !tid && (e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "libcr-callbacks\n"))
			tid = atoi(e->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return tid;
}

static void *spin(void *arg)
{
	(void)arg;
	while (!stop)
		;
	return NULL;
}

int main(int argc, char **argv)
{
	cpu_set_t one;
	pthread_t spinner;
	int n, refused = 0, cpu = sched_getcpu();
	pid_t cbt;

	if (argc != 2 || (n = atoi(argv[1])) < 1)
		wl_die("usage: backtoback N");
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	/* before any thread: they all inherit it */
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		wl_die("sched_setaffinity: %s", strerror(errno));
	if (cr_init() < 0)
		wl_die("cr_init: %s", strerror(errno));
	if (cr_register_callback(on_checkpoint, NULL, CR_THREAD_CONTEXT) < 0)
		wl_die("cr_register_callback: %s", strerror(errno));
	cbt = callback_thread();
	if (!cbt)
		wl_die("no libcr-callbacks thread");
	if (setpriority(PRIO_PROCESS, cbt, 19) < 0)
		wl_die("setpriority %d 19: %s", (int)cbt, strerror(errno));
	if (pthread_create(&spinner, NULL, spin, NULL))
		wl_die("pthread_create failed");
	for (int i = 0; i < n; i++) {
		cr_checkpoint_args_t args;
		cr_checkpoint_handle_t handle;
		int rc;

		cr_initialize_checkpoint_args_t(&args);
		args.cr_scope = CR_SCOPE_PROC;
		args.cr_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (args.cr_fd < 0)
			wl_die("open /dev/null: %s", strerror(errno));
		if (cr_request_checkpoint(&args, &handle) < 0)
			wl_die("cr_request_checkpoint: %s", cr_strerror(errno));
		do
			rc = cr_poll_checkpoint(&handle, NULL);
		while (rc < 0 && errno == EINTR);
		if (rc <= 0) {
			if (!refused)
				wl_out("FAIL: request %d: %s\n", i + 1, cr_strerror(errno));
			refused++;
		}
		close(args.cr_fd);
	}
	stop = 1;
	pthread_join(spinner, NULL);
	if (!refused && cb_runs != n)
		wl_out("FAIL: %d callbacks for %d checkpoints\n", cb_runs, n);
	wl_out("requests %d refused %d callbacks %d\n", n, refused, cb_runs);
	return refused || cb_runs != n;
}
