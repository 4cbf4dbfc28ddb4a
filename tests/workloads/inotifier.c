/* inotifier: an inotify instance watching directories.
 *
 * usage: inotifier DIR READY
 *
 * It makes DIR/a, DIR/b and DIR/c, and watches a (IN_CREATE), b, c
 * (IN_DELETE | IN_ONESHOT) and DIR itself, then removes b's watch: the
 * descriptors are 1, 3 and 4, with 2 gone.  After ready and SIGUSR1: the
 * watches of a, c and DIR are there with their descriptors (adding one
 * again gives its descriptor back), b has none (it gets a new one), a file
 * made in a comes as one event of a's watch, and nothing else came; it
 * prints PASS or FAIL.
 */
#include "wl.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>

static int fd, wd[4];
static char dirs[4][4096];

static const char *check(void)
{
	union { char buf[4096]; struct inotify_event ev; } u;
	char path[4200];
	ssize_t n;

	if (inotify_add_watch(fd, dirs[0], IN_CREATE | IN_MASK_ADD) != wd[0] ||
	    inotify_add_watch(fd, dirs[2], IN_DELETE | IN_MASK_ADD) != wd[2] ||
	    inotify_add_watch(fd, dirs[3], IN_CREATE | IN_MASK_ADD) != wd[3])
		return "a watch lost its descriptor";
	if (inotify_add_watch(fd, dirs[1], IN_CREATE) <= wd[3])
		return "the removed watch is back";
	snprintf(path, sizeof(path), "%s/x", dirs[0]);
	close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	n = read(fd, u.buf, sizeof(u.buf));
	if (n < (ssize_t)sizeof(u.ev) || u.ev.wd != wd[0] || !(u.ev.mask & IN_CREATE) ||
	    strcmp(u.ev.name, "x"))
		return "the file made in a watched directory is not its watch's event";
	if (n != (ssize_t)(sizeof(u.ev) + u.ev.len))
		return "more events came than one";
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (read(fd, u.buf, sizeof(u.buf)) >= 0 || errno != EAGAIN)
		return "more events came than one";
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "a", "b", "c" };
	char buf[4096];

	if (argc != 3)
		wl_die("usage: inotifier DIR READY");
	wl_setup_usr1(1);
	for (int i = 0; i < 3; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "%s/%s", argv[1], names[i]);
		if (mkdir(dirs[i], 0700) < 0 && errno != EEXIST)
			wl_die("mkdir %s: %s", dirs[i], strerror(errno));
	}
	snprintf(dirs[3], sizeof(dirs[3]), "%s", argv[1]);
	fd = inotify_init1(IN_CLOEXEC);
	wd[0] = inotify_add_watch(fd, dirs[0], IN_CREATE);
	wd[1] = inotify_add_watch(fd, dirs[1], IN_CREATE | IN_DELETE);
	wd[2] = inotify_add_watch(fd, dirs[2], IN_DELETE | IN_ONESHOT);
	wd[3] = inotify_add_watch(fd, dirs[3], IN_CREATE);
	if (fd < 0 || wd[0] < 0 || wd[1] < 0 || wd[2] < 0 || wd[3] < 0 ||
	    inotify_rm_watch(fd, wd[1]) < 0)
		wl_die("inotify: %s", strerror(errno));
	if (read(fd, buf, sizeof(buf)) <= 0)	/* b's IN_IGNORED */
		wl_die("read: %s", strerror(errno));
	wl_ready(argv[2]);
	wl_wait_usr1();
	wl_report(check());
	return 0;
}
