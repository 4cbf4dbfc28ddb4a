/* devices: descriptors on character devices, checked after continue and
 * restart.
 *
 * usage: devices DEVICE... FIFO
 *
 * Each DEVICE is opened read-write, the first at fd 3, the next at 4, and
 * so on (over what was there).  After "ready" on FIFO, each SIGUSR1 makes it use every one of
 * those descriptors that is open (a write to /dev/null, a read of a zero
 * byte from /dev/zero, a write to /dev/full that fails with ENOSPC, a read
 * of a byte from /dev/random and /dev/urandom; any other device is left
 * alone) and print one line, PASS or FAIL naming the descriptor that
 * failed.  Which ones are open is for the harness to see in /proc.
 */
#include "wl.h"

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const char *use(int fd)
{
	static char why[128];
	struct stat st;
	char c = 1;
	bool works;

	if (fstat(fd, &st) < 0)
		return NULL;	/* closed: the harness's to judge */
	if (st.st_rdev == makedev(1, 3))
		works = write(fd, &c, 1) == 1;
	else if (st.st_rdev == makedev(1, 5))
		works = read(fd, &c, 1) == 1 && c == 0;
	else if (st.st_rdev == makedev(1, 7))
		works = write(fd, &c, 1) < 0 && errno == ENOSPC;
	else if (st.st_rdev == makedev(1, 8) || st.st_rdev == makedev(1, 9))
		works = read(fd, &c, 1) == 1;
	else
		return NULL;	/* another device: not for us to read */
	if (works)
		return NULL;
	snprintf(why, sizeof(why), "fd %d (device %u:%u) does not work", fd, major(st.st_rdev),
		 minor(st.st_rdev));
	return why;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		wl_die("usage: devices DEVICE... FIFO");
	wl_setup_usr1(1);
	for (int i = 1; i < argc - 1; i++) {
		int fd = open(argv[i], O_RDWR);

		/* on its number, whatever the harness left open there */
		if (fd < 0 || (fd != i + 2 && (dup2(fd, i + 2) < 0 || close(fd) < 0)))
			wl_die("open %s at fd %d: %s", argv[i], i + 2, strerror(errno));
	}
	wl_ready(argv[argc - 1]);
	for (;;) {
		const char *why = NULL;

		wl_wait_usr1();
		wl_got_usr1 = 0;
		for (int fd = 3; fd < argc + 1 && !why; fd++)
			why = use(fd);
		wl_report(why);
	}
}
