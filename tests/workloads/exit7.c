/* exit7: say "ready" on FIFO, wait for SIGUSR1, exit with status 7.
 *
 * usage: exit7 [-c CODE] FIFO      (-c: exit with CODE instead of 7)
 *
 * Used to check that cr_restart exits with its restored child's status.
 */
#include "wl.h"

#include <getopt.h>

int main(int argc, char **argv)
{
	long code = 7;
	int opt;

	while ((opt = getopt(argc, argv, "c:")) != -1) {
		switch (opt) {
		case 'c': code = wl_atol(optarg, "exit code"); break;
		default: wl_die("usage: exit7 [-c CODE] FIFO");
		}
	}
	if (optind != argc - 1 || code > 255)
		wl_die("usage: exit7 [-c CODE] FIFO");
	wl_setup_usr1(1);
	wl_ready(argv[optind]);
	wl_wait_usr1();
	return (int)code;
}
