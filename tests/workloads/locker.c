/* locker: a process and its child holding every kind of lock, checked
 * after continue and restart.
 *
 * usage: locker DATA FLOCKED FIFO
 *
 * DATA and FLOCKED are created (or truncated) and filled with 1000 bytes.
 * The parent holds, on DATA, through fd a (O_RDWR): an fcntl write lock
 * on bytes 0-99 and an fcntl read lock on bytes 200-299; through fd b, a
 * second open file description of DATA (O_RDWR): an open file description
 * write lock on bytes 400-499; and on FLOCKED, through fd c, a flock
 * exclusive lock.  Its child, forked once these are taken (so that it
 * shares a, b and c with the parent), holds an fcntl write lock of its own
 * on bytes 600-699 of DATA through its copy of a.  After "ready" on FIFO,
 * each SIGUSR1 makes the parent check, through new descriptors of its own
 * (new open file descriptions, which the locks conflict with), that each
 * lock is held by its owner, and print one line, PASS or FAIL naming the
 * lock that is missing (a child of it checks: the parent closing a
 * descriptor of DATA would drop its record locks).  The child waits for the parent to end.
 */
#include "wl.h"

#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static void lock_or_die(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	if (fcntl(fd, cmd, &fl) < 0)
		wl_die("lock %lld+%lld: %s", (long long)start, (long long)len, strerror(errno));
}

static int open_or_die(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	char buf[1000];

	if (fd < 0)
		wl_die("open %s: %s", path, strerror(errno));
	memset(buf, 'x', sizeof(buf));
	if (wl_write_all(fd, buf, sizeof(buf)))
		wl_die("write %s: %s", path, strerror(errno));
	return fd;
}

/* What a new open file description of path sees of bytes start+len: the
 * conflicting lock's type and pid; NULL when it is held as expected. */
static const char *held(const char *path, off_t start, off_t len, short type, pid_t pid)
{
	static char why[160];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start,
			    .l_len = len };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fcntl(fd, F_OFD_GETLK, &fl) < 0) {
		snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
	} else if (fl.l_type != type || fl.l_pid != pid) {
		snprintf(why, sizeof(why), "bytes %lld+%lld: lock type %d of pid %d, expected "
			 "type %d of pid %d", (long long)start, (long long)len, fl.l_type,
			 (int)fl.l_pid, type, (int)pid);
	} else {
		why[0] = 0;
	}
	if (fd >= 0)
		close(fd);
	return why[0] ? why : NULL;
}

static const char *check_locks(const char *data, const char *flocked, pid_t owner, pid_t kid)
{
	const char *why;
	int fd;

	if ((why = held(data, 0, 100, F_WRLCK, owner)) ||
	    (why = held(data, 200, 100, F_RDLCK, owner)) ||
	    (why = held(data, 400, 100, F_WRLCK, -1)) ||
	    (why = held(data, 600, 100, F_WRLCK, kid)))
		return why;
	fd = open(flocked, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "cannot open the flock file";
	if (flock(fd, LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK)
		why = "the flock lock is not held";
	close(fd);
	return why;
}

/* Checked by a child: closing a descriptor of DATA here would drop the
 * process's record locks on it. */
static void check(const char *data, const char *flocked, pid_t kid)
{
	pid_t me = getpid(), checker;
	char why[256] = "";
	int p[2];
	ssize_t n;

	if (pipe(p) < 0 || (checker = fork()) < 0)
		wl_die("pipe or fork: %s", strerror(errno));
	if (checker == 0) {
		const char *w = check_locks(data, flocked, me, kid);

		_exit(w && wl_write_all(p[1], w, strlen(w)) ? 1 : 0);
	}
	close(p[1]);
	n = read(p[0], why, sizeof(why) - 1);
	close(p[0]);
	waitpid(checker, NULL, 0);
	wl_report(n > 0 ? why : NULL);
}

int main(int argc, char **argv)
{
	int a, b, c, sync[2];
	pid_t kid;

	if (argc != 4)
		wl_die("usage: locker DATA FLOCKED FIFO");
	wl_setup_usr1(1);
	a = open_or_die(argv[1]);
	b = open(argv[1], O_RDWR | O_CLOEXEC);
	c = open_or_die(argv[2]);
	if (b < 0)
		wl_die("open %s: %s", argv[1], strerror(errno));
	lock_or_die(a, F_SETLK, F_WRLCK, 0, 100);
	lock_or_die(a, F_SETLK, F_RDLCK, 200, 100);
	lock_or_die(b, F_OFD_SETLK, F_WRLCK, 400, 100);
	if (flock(c, LOCK_EX | LOCK_NB) < 0)
		wl_die("flock %s: %s", argv[2], strerror(errno));
	if (pipe(sync) < 0)
		wl_die("pipe: %s", strerror(errno));
	kid = fork();
	if (kid < 0)
		wl_die("fork: %s", strerror(errno));
	if (kid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		lock_or_die(a, F_SETLK, F_WRLCK, 600, 100);
		wl_fork_sync(sync, kid);
		for (;;)
			pause();
	}
	wl_fork_sync(sync, kid);
	wl_ready(argv[3]);
	for (;;) {
		wl_wait_usr1();
		wl_got_usr1 = 0;
		check(argv[1], argv[2], kid);
	}
}
