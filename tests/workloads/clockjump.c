/* clockjump: the largest step CLOCK_MONOTONIC takes between two of its
 * readings 10 ms apart.
 *
 * usage: clockjump FIFO
 *
 * It reads CLOCK_MONOTONIC every 10 ms and keeps the largest difference
 * between two readings in a row; after 20 readings it says ready.  On
 * SIGUSR1 it prints "maxstep_ms=N" and exits 0.  A restart in which the
 * clock goes on from where it was shows a step of about 10 ms; one in which
 * the clock jumped shows the time the process was gone.
 */
#include "wl.h"

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	long long last, max = 0;

	if (argc != 2)
		wl_die("usage: clockjump FIFO");
	wl_setup_usr1(0);
	last = mono_ms();
	for (int n = 0; !wl_got_usr1; n++) {
		long long now;

		wl_sleep_ms(10);
		now = mono_ms();
		if (now - last > max)
			max = now - last;
		last = now;
		if (n == 20)
			wl_ready(argv[1]);
	}
	wl_out("maxstep_ms=%lld\n", max);
	return 0;
}
