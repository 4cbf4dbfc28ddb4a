/* evfd: a process holding an eventfd, which ucr does not save.
 *
 * usage: evfd FIFO
 *
 * It opens an eventfd, says ready on FIFO, waits for SIGUSR1 and exits 0.
 */
#include "wl.h"

#include <sys/eventfd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		wl_die("usage: evfd FIFO");
	wl_setup_usr1(1);
	if (eventfd(0, EFD_CLOEXEC) < 0)
		wl_die("eventfd: %s", strerror(errno));
	wl_ready(argv[1]);
	wl_wait_usr1();
	return 0;
}
