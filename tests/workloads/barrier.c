/* barrier: the callbacks of a parent and its child talk to each other
 * before their checkpoint, and cr_checkpoint() waits for both.
 *
 * usage: barrier FIFO
 *
 * Each registers a signal-context callback.  The parent's writes "ping" to
 * the child through a pipe and waits for "pong"; the child's waits for
 * "ping" and answers.  Both then count themselves in shared memory and
 * call cr_checkpoint(); what each finds in the count after it returns (2:
 * the other had reached the barrier too) and its return value go to
 * stdout on SIGUSR1 (the parent's line, then the child's):
 *
 *   parent talked=1 count=2 rc=0
 *   child talked=1 count=2 rc=0
 *
 * If the callbacks of one request did not run at the same time, they
 * would wait for each other for ever.
 */
#include "wl.h"

#include <stdbool.h>
#include <sys/mman.h>

#include <libcr.h>

static int to_child[2], to_parent[2];
static int *arrived;
static const char *who = "parent";
static volatile int talked, count, rc;

static int on_checkpoint(void *arg)
{
	char buf[4];
	bool parent = arg != NULL;

	if (parent) {
		talked = write(to_child[1], "ping", 4) == 4 && read(to_parent[0], buf, 4) == 4 &&
			 !memcmp(buf, "pong", 4);
	} else {
		talked = read(to_child[0], buf, 4) == 4 && !memcmp(buf, "ping", 4) &&
			 write(to_parent[1], "pong", 4) == 4;
	}
	__atomic_add_fetch(arrived, 1, __ATOMIC_SEQ_CST);
	rc = cr_checkpoint(0);
	count = __atomic_load_n(arrived, __ATOMIC_SEQ_CST);
	return 0;
}

int main(int argc, char **argv)
{
	pid_t kid;
	int sync[2];

	if (argc != 2)
		wl_die("usage: barrier FIFO");
	arrived = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (arrived == MAP_FAILED || pipe2(to_child, O_CLOEXEC) || pipe2(to_parent, O_CLOEXEC) ||
	    pipe2(sync, O_CLOEXEC))
		wl_die("setup: %s", strerror(errno));
	wl_setup_usr1(1);
	kid = fork();
	if (kid < 0)
		wl_die("fork: %s", strerror(errno));
	if (kid == 0)
		who = "child";
	if (cr_init() < 0 ||
	    cr_register_callback(on_checkpoint, kid ? (void *)1 : NULL, CR_SIGNAL_CONTEXT) < 0)
		wl_die("cr_register_callback: %s", cr_strerror(errno));
	wl_fork_sync(sync, kid);
	if (kid)
		wl_ready(argv[1]);
	for (;;) {
		wl_got_usr1 = 0;
		wl_wait_usr1();
		if (!kid)
			__atomic_store_n(arrived, 0, __ATOMIC_SEQ_CST);	/* both counted */
		wl_out("%s talked=%d count=%d rc=%d\n", who, talked, count, rc);
		if (kid)
			kill(kid, SIGUSR1);	/* the child's line after ours */
	}
}
