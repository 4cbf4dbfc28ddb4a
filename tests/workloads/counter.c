/* counter: append 0, 1, 2, ... to FILE, one number per line, every
 * INTERVAL ms, with one write(2) per line.
 *
 * usage: counter [-w] [-i MS] [-r FIFO] [-n N] FILE
 *   -w        open FILE O_WRONLY|O_TRUNC and write at the file offset
 *             (default: O_APPEND, keeping what FILE already holds)
 *   -i MS     interval between numbers (default 10)
 *   -r FIFO   say "ready" on FIFO once N numbers are written (default 10)
 *
 * On SIGUSR1 it reads FILE back by path and checks that, from the offset
 * where it started, FILE holds exactly "0\n" .. "(n-1)\n" for the n numbers
 * it has written: PASS (exit 0) or FAIL (exit 1).
 */
#include "wl.h"

#include <getopt.h>
#include <sys/stat.h>

struct counter {
	const char *path;
	off_t start;		/* size of FILE when we opened it */
	long n;			/* numbers written so far */
};

static int check_file(const struct counter *c)
{
	char buf[65536], want[32];
	size_t have = 0, wlen = 0, wpos = 0;
	long next = 0;
	ssize_t r;
	int fd = open(c->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		wl_out("FAIL: open %s: %s\n", c->path, strerror(errno));
		return 1;
	}
	if (lseek(fd, c->start, SEEK_SET) != c->start) {
		wl_out("FAIL: %s is shorter than its start offset %lld\n",
		       c->path, (long long)c->start);
		close(fd);
		return 1;
	}
	/* Stream-compare FILE against the expected text "0\n1\n...". */
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++, have++) {
			if (wpos == wlen) {
				if (next == c->n) {
					wl_out("FAIL: %s has data after %ld numbers, at byte %zu\n",
					       c->path, c->n, have);
					close(fd);
					return 1;
				}
				wlen = (size_t)snprintf(want, sizeof(want), "%ld\n", next++);
				wpos = 0;
			}
			if (buf[i] != want[wpos++]) {
				wl_out("FAIL: %s differs at byte %zu, in number %ld of %ld\n",
				       c->path, have, next - 1, c->n);
				close(fd);
				return 1;
			}
		}
	}
	close(fd);
	if (r < 0) {
		wl_out("FAIL: read %s: %s\n", c->path, strerror(errno));
		return 1;
	}
	if (next != c->n || wpos != wlen) {
		wl_out("FAIL: %s ends after %ld numbers, %ld were written\n",
		       c->path, next - (wpos != wlen), c->n);
		return 1;
	}
	wl_out("PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct counter c = { 0 };
	const char *fifo = NULL;
	long interval = 10, ready_after = 10;
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
	int opt, fd;
	struct stat st;

	while ((opt = getopt(argc, argv, "wi:r:n:")) != -1) {
		switch (opt) {
		case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC; break;
		case 'i': interval = wl_atol(optarg, "interval"); break;
		case 'r': fifo = optarg; break;
		case 'n': ready_after = wl_atol(optarg, "count"); break;
		default: wl_die("usage: counter [-w] [-i MS] [-r FIFO] [-n N] FILE");
		}
	}
	if (optind != argc - 1)
		wl_die("usage: counter [-w] [-i MS] [-r FIFO] [-n N] FILE");
	c.path = argv[optind];

	wl_setup_usr1(0);
	fd = open(c.path, flags, 0644);
	if (fd < 0 || fstat(fd, &st) != 0)
		wl_die("open %s: %s", c.path, strerror(errno));
	c.start = st.st_size;

	while (!wl_got_usr1) {
		char line[32];
		int len = snprintf(line, sizeof(line), "%ld\n", c.n);

		if (wl_write_all(fd, line, (size_t)len) != 0)
			wl_die("write %s: %s", c.path, strerror(errno));
		c.n++;
		if (fifo && c.n == ready_after)
			wl_ready(fifo);
		wl_sleep_ms(interval);
	}
	close(fd);
	return check_file(&c);
}
