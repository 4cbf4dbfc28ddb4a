/* devices: descriptors on character devices, checked after continue and
 * restart.
 *
 * usage: devices DEVICE... FIFO
 *
 * Each DEVICE is opened read-write, the first at fd 3, the next at 4, and
 * so on.  After "ready" on FIFO, each SIGUSR1 makes it use every one of
 * those descriptors that is open (a write to /dev/null, a read of a zero
 * byte from /dev/zero, a read of a byte from any other) and print one
 * line, PASS or FAIL naming the descriptor that failed.  Which ones are
 * open is for the harness to see in /proc.
 */
#include "wl.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

static const char *use(int fd)
{
	static char why[128];
	struct stat st;
	char c = 1;

	if (fstat(fd, &st) < 0)
		return NULL;	/* closed: the harness's to judge */
	if (st.st_rdev == makedev(1, 3) ? write(fd, &c, 1) == 1 :
	    read(fd, &c, 1) == 1 && (st.st_rdev != makedev(1, 5) || c == 0))
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

		if (fd != i + 2)
			wl_die("open %s: %s (fd %d)", argv[i], strerror(errno), fd);
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
