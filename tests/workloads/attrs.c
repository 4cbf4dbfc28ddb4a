/* attrs: per-thread and per-process attributes a restart must give back.
 *
 * usage: attrs FIFO
 *
 * A second thread names itself "attrs-worker", lowers its priority to nice
 * 7, runs as SCHED_BATCH and only on CPU 0, and makes the time stamp
 * counter fault in itself (PR_SET_TSC).  The process sets its parent
 * death signal to SIGHUP, its timer slack to 123456 ns, its keep-caps bit,
 * makes itself a child subreaper, and notes its uid and gid.  On SIGUSR1
 * the main thread checks all of it (the worker's through /proc and
 * sched_getscheduler, its TSC setting by asking it) and prints PASS or
 * FAIL naming what differs.
 */
#include "wl.h"

#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static pid_t worker_tid;
static int worker_asked, worker_tsc = -1;	/* under mutex */
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static uid_t start_uid;
static gid_t start_gid;

static void *worker(void *arg)
{
	struct sched_param sp = { 0 };
	cpu_set_t cpus;

	(void)arg;
	prctl(PR_SET_NAME, "attrs-worker");
	setpriority(PRIO_PROCESS, 0, 7);
	sched_setscheduler(0, SCHED_BATCH, &sp);
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
	pthread_mutex_lock(&mutex);
	worker_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&cond);
	for (;;) {
		pthread_cond_wait(&cond, &mutex);
		if (worker_asked && worker_tsc < 0) {
			int tsc = 0;

			prctl(PR_GET_TSC, &tsc);
			worker_tsc = tsc;
			pthread_cond_broadcast(&cond);
		}
	}
	return NULL;
}

static int fail(const char *what)
{
	wl_out("FAIL: %s\n", what);
	return 1;
}

static int check(void)
{
	char path[64], comm[32] = "";
	cpu_set_t cpus;
	int fd, sig = 0, subreaper = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", worker_tid);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, comm, sizeof(comm) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0 || strcmp(comm, "attrs-worker\n"))
		return fail("the worker's name");
	errno = 0;
	if (getpriority(PRIO_PROCESS, worker_tid) != 7)
		return fail("the worker's nice value");
	if (sched_getscheduler(worker_tid) != SCHED_BATCH)
		return fail("the worker's scheduling policy");
	if (sched_getaffinity(worker_tid, sizeof(cpus), &cpus) || CPU_COUNT(&cpus) != 1 ||
	    !CPU_ISSET(0, &cpus))
		return fail("the worker's CPU affinity");
	if (prctl(PR_GET_PDEATHSIG, &sig) || sig != SIGHUP)
		return fail("the parent death signal");
	if (prctl(PR_GET_TIMERSLACK) != 123456)
		return fail("the timer slack");
	if (prctl(PR_GET_KEEPCAPS) != 1)
		return fail("the keep-caps bit");
	pthread_mutex_lock(&mutex);
	worker_asked = 1;
	pthread_cond_broadcast(&cond);
	while (worker_tsc < 0)
		pthread_cond_wait(&cond, &mutex);
	pthread_mutex_unlock(&mutex);
	if (worker_tsc != PR_TSC_SIGSEGV)
		return fail("the worker's PR_SET_TSC setting");
	if (prctl(PR_GET_CHILD_SUBREAPER, &subreaper) || subreaper != 1)
		return fail("the child subreaper flag");
	if (getuid() != start_uid || geteuid() != start_uid || getgid() != start_gid)
		return fail("the credentials");
	wl_out("PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc != 2)
		wl_die("usage: attrs FIFO");
	wl_setup_usr1(1);
	start_uid = getuid();
	start_gid = getgid();
	prctl(PR_SET_PDEATHSIG, SIGHUP);
	prctl(PR_SET_TIMERSLACK, 123456);
	prctl(PR_SET_KEEPCAPS, 1);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (pthread_create(&t, NULL, worker, NULL))
		wl_die("pthread_create");
	pthread_mutex_lock(&mutex);
	while (!worker_tid)
		pthread_cond_wait(&cond, &mutex);
	pthread_mutex_unlock(&mutex);
	wl_ready(argv[1]);
	wl_wait_usr1();
	return check();
}
