/* fifopair: two processes talk through a named FIFO.
 *
 * usage: fifopair READY FIFO
 *
 * The parent opens FIFO for writing and writes "0\n" .. "199\n"; its child
 * opens it for reading, reads 20 lines and says ready, so that 180 lines
 * sit unread in the FIFO.  On SIGUSR1 the child reads the 180 others,
 * checks each is the next number, prints PASS or FAIL and exits; the
 * parent waits for SIGUSR1 too and then for its child.
 */
#include "wl.h"

#include <sys/wait.h>

static int read_line(int fd, char *line, size_t size)
{
	size_t len = 0;

	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (c == '\n')
			break;
		if (len < size - 1)
			line[len++] = c;
	}
	line[len] = 0;
	return 0;
}

static int child(const char *ready, const char *fifo)
{
	char line[32];
	int fd = open(fifo, O_RDONLY);

	if (fd < 0)
		wl_die("open %s: %s", fifo, strerror(errno));
	for (int i = 0; i < 200; i++) {
		if (read_line(fd, line, sizeof(line)) || atoi(line) != i) {
			wl_out("FAIL: line %d is '%s'\n", i, line);
			return 1;
		}
		if (i == 19) {
			wl_ready(ready);
			wl_wait_usr1();
		}
	}
	wl_out("PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	pid_t kid;
	int fd, st;

	if (argc != 3)
		wl_die("usage: fifopair READY FIFO");
	wl_setup_usr1(1);
	kid = fork();
	if (kid == 0)
		_exit(child(argv[1], argv[2]));
	fd = open(argv[2], O_WRONLY);
	if (fd < 0)
		wl_die("open %s: %s", argv[2], strerror(errno));
	for (int i = 0; i < 200; i++) {
		char buf[16];

		if (wl_write_all(fd, buf, snprintf(buf, sizeof(buf), "%d\n", i)))
			wl_die("write: %s", strerror(errno));
	}
	wl_wait_usr1();
	waitpid(kid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
