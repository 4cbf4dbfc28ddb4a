/* seqgen: writes 0, 1, 2, ... one per line to stdout, one every millisecond,
 * until stdout breaks.  (The producer of a pipeline.) */
#include "wl.h"

int main(void)
{
	for (long n = 0;; n++) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "%ld\n", n);

		if (wl_write_all(STDOUT_FILENO, buf, len))
			return 0;
		wl_sleep_ms(1);
	}
}
