/* reader: copy a text file to stdout line by line, slowly, each line
 * prefixed with its number ("1: ", "2: ", ...) counted in memory.
 *
 * usage: reader [-i MS] [-n N] INPUT FIFO
 *   -i MS  pause between lines (default 10)
 *   -n N   say "ready" on FIFO after N lines (default 50)
 *
 * INPUT is read with read(2) one byte at a time, so the kernel's file offset
 * is exactly the reader's position: after a restart it must continue at the
 * right line.  Each line goes out with one write(2).  At end of file it
 * exits 0; the harness compares its output with INPUT numbered.  The
 * numbers make a lost offset show: without them, a reader restarted at
 * the start of INPUT and of its output would write the same bytes again.
 */
#include "wl.h"

#include <getopt.h>

/* Read one line (up to size bytes) with read(2) one byte at a time.
 * Returns its length; sets *eof at end of file. */
static size_t read_line(int fd, const char *path, char *buf, size_t size, int *eof)
{
	size_t len = 0;
	ssize_t r;
	char c;

	*eof = 0;
	while (len < size) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			wl_die("read %s: %s", path, strerror(errno));
		if (r == 0) {
			*eof = 1;
			break;
		}
		buf[len++] = c;
		if (c == '\n')
			break;
	}
	return len;
}

int main(int argc, char **argv)
{
	long interval = 10, ready_after = 50, lines = 0;
	char out[32 + 4096];
	int opt, fd, eof = 0;

	while ((opt = getopt(argc, argv, "i:n:")) != -1) {
		switch (opt) {
		case 'i': interval = wl_atol(optarg, "interval"); break;
		case 'n': ready_after = wl_atol(optarg, "count"); break;
		default: wl_die("usage: reader [-i MS] [-n N] INPUT FIFO");
		}
	}
	if (optind != argc - 2)
		wl_die("usage: reader [-i MS] [-n N] INPUT FIFO");
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		wl_die("open %s: %s", argv[optind], strerror(errno));

	while (!eof) {
		int n = snprintf(out, 32, "%ld: ", lines + 1);
		size_t len = read_line(fd, argv[optind], out + n, sizeof(out) - 32, &eof);

		if (len == 0)
			break;
		if (wl_write_all(STDOUT_FILENO, out, (size_t)n + len) != 0)
			wl_die("write stdout: %s", strerror(errno));
		if (++lines == ready_after)
			wl_ready(argv[optind + 1]);
		wl_sleep_ms(interval);
	}
	close(fd);
	return 0;
}
