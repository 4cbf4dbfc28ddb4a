/* sigq: queues a signal with a value, as a checkpoint request does.
 *
 * usage: sigq SIGNAL VALUE PID...
 *
 * sigqueue(3) of SIGNAL (a number) with VALUE to each PID; exits 1 if one
 * could not be sent (it may have ended meanwhile), 0 otherwise.
 */
#include "wl.h"

int main(int argc, char **argv)
{
	union sigval value;
	int sig, rc = 0;

	if (argc < 4)
		wl_die("usage: sigq SIGNAL VALUE PID...");
	sig = (int)wl_atol(argv[1], "signal");
	value.sival_int = (int)wl_atol(argv[2], "value");
	for (int i = 3; i < argc; i++)
		if (sigqueue((pid_t)wl_atol(argv[i], "pid"), sig, value) < 0)
			rc = 1;
	return rc;
}
