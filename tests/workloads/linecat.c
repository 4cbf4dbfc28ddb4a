/* linecat: copies its stdin to stdout, "got: LINE" for each line, and exits
 * 0 at the end of its input. */
#include "wl.h"

int main(void)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		for (char *p = buf, *end = buf + n; p < end;) {
			char *nl = memchr(p, '\n', end - p);
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

			wl_out("got: %.*s\n", (int)len, p);
			p += len + 1;
		}
	}
	return 0;
}
