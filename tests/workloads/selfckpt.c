/* selfckpt: a program that checkpoints itself through libcr (-lcr).
 *
 * usage: selfckpt CONTEXT-FILE
 *        selfckpt CONTEXT-FILE|- PID
 *
 * It asks cr_request_checkpoint() for a checkpoint of itself into a
 * descriptor of CONTEXT-FILE, then reaps it with cr_poll_checkpoint_msg()
 * and prints one line, in the first run and again in a process restarted
 * from that file:
 *
 *   continue rc=1 fds=same status=IDLE value=4242
 *   restarted rc=-2 errno=CR_ERESTARTED fds=same status=IDLE value=4242
 *
 * fds compares /proc/self/fd before the request and after the reap (the
 * handle excepted); value is memory set before the checkpoint.  Any other
 * outcome prints "FAIL: ..." and exits 1.
 *
 * With PID, it asks instead for a checkpoint of the tree of PID, into
 * CONTEXT-FILE or, for "-", context.PID in its working directory
 * (CR_DEST_CWD), waits for it and prints "other rc=R" (R > 0: done).
 *
 *        selfckpt -l CONTEXT-FILE READY
 *
 * For make soak: says "ready" on READY, then checkpoints itself once per
 * SIGUSR1, each time into CONTEXT-FILE, and prints "continue N" or, in a
 * process restarted from it, "restarted N": N counts the checkpoints, in
 * memory, and the memory set before the first must still hold; else
 * "FAIL: ..." and exit 1.  It runs until killed.
 */
#include "wl.h"

#include <dirent.h>

#include <libcr.h>

static volatile int value;

/* The open descriptors as a string "0 1 2 ...", skipping `except'. */
static void list_fds(char *buf, size_t len, int except)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int dfd = d ? dirfd(d) : -1;
	size_t n = 0;
	int fds[256], nfds = 0;

	buf[0] = 0;
	if (!d)
		return;
	while ((e = readdir(d)) && nfds < 256) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dfd || fd == except)
			continue;
		fds[nfds++] = fd;
	}
	closedir(d);
	for (int i = 0; i < nfds; i++)	/* readdir order is the kernel's: sort */
		for (int j = i + 1; j < nfds; j++)
			if (fds[j] < fds[i]) {
				int t = fds[i];

				fds[i] = fds[j];
				fds[j] = t;
			}
	for (int i = 0; i < nfds && n < len; i++)
		n += snprintf(buf + n, len - n, "%d ", fds[i]);
}

static int other(const char *path, pid_t pid)
{
	cr_checkpoint_args_t args;
	cr_checkpoint_handle_t handle;
	char *msg = NULL;
	int rc;

	cr_initialize_checkpoint_args_t(&args);
	args.cr_scope = CR_SCOPE_TREE;
	args.cr_target = pid;
	args.cr_fd = strcmp(path, "-") ?
		     open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400) : CR_DEST_CWD;
	if (args.cr_fd == -1)
		wl_die("open %s: %s", path, strerror(errno));
	if (cr_request_checkpoint(&args, &handle) < 0)
		wl_die("cr_request_checkpoint: %s", cr_strerror(errno));
	rc = cr_poll_checkpoint_msg(&handle, NULL, &msg);
	wl_out("other rc=%d%s%s\n", rc, rc > 0 ? "" : " ", rc > 0 ? "" : msg ? msg : "");
	return rc > 0 ? 0 : 1;
}

/* One checkpoint of ourselves into path: 1 continued, 0 restarted. */
static int self_once(const char *path)
{
	cr_checkpoint_args_t args;
	cr_checkpoint_handle_t handle;
	char *msg = NULL;
	int rc, err;

	cr_initialize_checkpoint_args_t(&args);
	args.cr_scope = CR_SCOPE_PROC;
	args.cr_target = 0;
	args.cr_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400);
	if (args.cr_fd < 0)
		wl_die("open %s: %s", path, strerror(errno));
	if (cr_request_checkpoint(&args, &handle) < 0)
		wl_die("cr_request_checkpoint: %s", cr_strerror(errno));
	rc = cr_poll_checkpoint_msg(&handle, NULL, &msg);
	err = errno;
	close(args.cr_fd);	/* restarted: the file's descriptor, given back */
	if (rc > 0)
		return 1;
	if (rc == CR_POLL_CHKPT_ERR_POST && err == CR_ERESTARTED)
		return 0;
	wl_out("FAIL: rc=%d errno=%d (%s) log=%s\n", rc, err, cr_strerror(err), msg ? msg : "");
	exit(1);
}

static int loop(const char *path, const char *fifo)
{
	static unsigned char pattern[1 << 16];
	unsigned long sum = 0, n;

	close_range(3, ~0U, 0);
	if (cr_init() < 0)
		wl_die("cr_init: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(pattern); i++)
		sum += pattern[i] = (unsigned char)(i * 131 + 7);
	wl_setup_usr1(1);
	wl_ready(fifo);
	for (n = 1;; n++) {
		unsigned long now = 0;
		int continued;

		wl_wait_usr1();
		wl_got_usr1 = 0;
		continued = self_once(path);
		for (size_t i = 0; i < sizeof(pattern); i++)
			now += pattern[i];
		if (now != sum) {
			wl_out("FAIL: memory changed after checkpoint %lu\n", n);
			exit(1);
		}
		wl_out("%s %lu\n", continued ? "continue" : "restarted", n);
	}
}

int main(int argc, char **argv)
{
	cr_checkpoint_args_t args;
	cr_checkpoint_handle_t handle;
	char before[1024], after[1024], *msg = NULL;
	int fd, rc, err;

	if (argc == 4 && !strcmp(argv[1], "-l"))
		return loop(argv[2], argv[3]);
	if (argc == 3)
		return other(argv[1], atoi(argv[2]));
	if (argc != 2)
		wl_die("usage: selfckpt CONTEXT-FILE [PID]");
	/* only what we open: a pipe inherited from the harness would be one
	 * that a restart cannot give back */
	close_range(3, ~0U, 0);
	if (cr_init() < 0)
		wl_die("cr_init: %s", strerror(errno));
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400);
	if (fd < 0)
		wl_die("open %s: %s", argv[1], strerror(errno));
	value = 4242;
	list_fds(before, sizeof(before), -1);
	cr_initialize_checkpoint_args_t(&args);
	args.cr_scope = CR_SCOPE_PROC;
	args.cr_target = 0;
	args.cr_fd = fd;
	if (cr_request_checkpoint(&args, &handle) < 0)
		wl_die("cr_request_checkpoint: %s", cr_strerror(errno));
	rc = cr_poll_checkpoint_msg(&handle, NULL, &msg);
	err = errno;
	list_fds(after, sizeof(after), (int)handle);
	if (rc > 0) {
		wl_out("continue rc=%d fds=%s status=%s value=%d\n", rc,
		       strcmp(before, after) ? after : "same",
		       cr_status() == CR_STATE_IDLE ? "IDLE" : "BUSY", value);
		return 0;
	}
	if (rc == CR_POLL_CHKPT_ERR_POST && err == CR_ERESTARTED) {
		wl_out("restarted rc=%d errno=CR_ERESTARTED fds=%s status=%s value=%d\n", rc,
		       strcmp(before, after) ? after : "same",
		       cr_status() == CR_STATE_IDLE ? "IDLE" : "BUSY", value);
		return 0;
	}
	wl_out("FAIL: rc=%d errno=%d (%s) log=%s\n", rc, err, cr_strerror(err), msg ? msg : "");
	return 1;
}
