/* reader: copy a text file to stdout line by line, slowly.
 *
 * usage: reader [-i MS] [-n N] INPUT FIFO
 *   -i MS  pause between lines (default 10)
 *   -n N   say "ready" on FIFO after N lines (default 50)
 *
 * INPUT is read with read(2) one byte at a time, so the kernel's file offset
 * is exactly the reader's position: after a restart it must continue at the
 * right line.  Each line goes out with one write(2).  At end of file it
 * exits 0; the harness compares its output with INPUT.
 */
#include "wl.h"

#include <getopt.h>

int main(int argc, char **argv)
{
	long interval = 10, ready_after = 50, lines = 0;
	char line[4096];
	size_t len = 0;
	int opt, fd;
	ssize_t r;
	char c;

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

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			wl_die("read %s: %s", argv[optind], strerror(errno));
		if (r == 1) {
			line[len++] = c;
			if (c != '\n' && len < sizeof(line))
				continue;
		}
		if (len == 0)
			break;		/* end of file */
		if (wl_write_all(STDOUT_FILENO, line, len) != 0)
			wl_die("write stdout: %s", strerror(errno));
		len = 0;
		if (++lines == ready_after)
			wl_ready(argv[optind + 1]);
		if (r == 0)
			break;
		wl_sleep_ms(interval);
	}
	close(fd);
	return 0;
}
