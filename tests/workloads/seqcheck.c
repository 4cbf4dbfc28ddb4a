/* seqcheck: reads 0, 1, 2, ... one per line from stdin and checks each is
 * the next; writes "at N" to stdout every 100 numbers.  A gap or a repeat
 * prints "FAIL: ..." and exits 1; end of input exits 0.  (The consumer of
 * a pipeline.) */
#include "wl.h"

int main(void)
{
	char buf[4096], line[32];
	size_t len = 0;
	long want = 0;
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			wl_die("read: %s", strerror(errno));
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = buf[i];
				continue;
			}
			line[len] = 0;
			len = 0;
			if (atol(line) != want) {
				wl_out("FAIL: expected %ld, read %s\n", want, line);
				return 1;
			}
			if (++want % 100 == 0)
				wl_out("at %ld\n", want);
		}
	}
	return 0;
}
