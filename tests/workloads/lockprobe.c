/* lockprobe: another process's view of the locks on a file, or a lock of
 * its own held until SIGUSR1.
 *
 * usage: lockprobe fcntl|ofd FILE START LEN
 *        lockprobe flock FILE
 *        lockprobe hold-fcntl|hold-flock FILE START LEN FIFO
 *
 * fcntl and ofd ask F_GETLK and F_OFD_GETLK, on a new descriptor, whether
 * a write lock on LEN bytes from START could be taken, and print what
 * conflicts: "write PID", "read PID" (PID -1 for an open file description
 * lock) or "none".  flock tries flock(LOCK_EX | LOCK_NB) and prints
 * "locked" or "free".  hold-fcntl takes an fcntl write lock on the range,
 * hold-flock a flock shared lock on FILE; then it says "ready" on FIFO and
 * holds the lock until SIGUSR1.
 */
#include "wl.h"

#include <sys/file.h>

int main(int argc, char **argv)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	const char *how = argc > 2 ? argv[1] : "";
	int fd;

	if (argc < 3)
		wl_die("usage: lockprobe fcntl|ofd|flock|hold-fcntl|hold-flock FILE ...");
	wl_setup_usr1(1);
	fd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		wl_die("open %s: %s", argv[2], strerror(errno));
	if (argc > 4) {
		fl.l_start = wl_atol(argv[3], "start");
		fl.l_len = wl_atol(argv[4], "length");
	}
	if (!strcmp(how, "flock") && argc == 3) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			wl_out("free\n");
		else if (errno == EWOULDBLOCK)
			wl_out("locked\n");
		else
			wl_die("flock %s: %s", argv[2], strerror(errno));
		return 0;
	}
	if ((!strcmp(how, "fcntl") || !strcmp(how, "ofd")) && argc == 5) {
		if (fcntl(fd, how[0] == 'f' ? F_GETLK : F_OFD_GETLK, &fl) < 0)
			wl_die("%s %s: %s", how, argv[2], strerror(errno));
		if (fl.l_type == F_UNLCK)
			wl_out("none\n");
		else
			wl_out("%s %d\n", fl.l_type == F_WRLCK ? "write" : "read", (int)fl.l_pid);
		return 0;
	}
	if (!strcmp(how, "hold-fcntl") && argc == 6) {
		if (fcntl(fd, F_SETLK, &fl) < 0)
			wl_die("lock %s: %s", argv[2], strerror(errno));
	} else if (!strcmp(how, "hold-flock") && argc == 4) {
		if (flock(fd, LOCK_SH | LOCK_NB) < 0)
			wl_die("flock %s: %s", argv[2], strerror(errno));
	} else {
		wl_die("bad arguments for %s", how);
	}
	wl_ready(argv[argc - 1]);
	wl_wait_usr1();
	return 0;
}
