/* unsaved: a process holding a pidfd, which ucr does not save.
 *
 * usage: unsaved FIFO
 *
 * It opens a pidfd of itself, says ready on FIFO, waits for SIGUSR1 and
 * exits 0.
 */
#include "wl.h"

#include <sys/syscall.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		wl_die("usage: unsaved FIFO");
	wl_setup_usr1(1);
	if (syscall(SYS_pidfd_open, getpid(), 0) < 0)
		wl_die("pidfd_open: %s", strerror(errno));
	wl_ready(argv[1]);
	wl_wait_usr1();
	return 0;
}
