/* unsaved: a process holding an inotify instance, which ucr does not save.
 *
 * usage: unsaved FIFO
 *
 * It opens an inotify instance, says ready on FIFO, waits for SIGUSR1 and
 * exits 0.
 */
#include "wl.h"

#include <sys/inotify.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		wl_die("usage: unsaved FIFO");
	wl_setup_usr1(1);
	if (inotify_init1(IN_CLOEXEC) < 0)
		wl_die("inotify_init1: %s", strerror(errno));
	wl_ready(argv[1]);
	wl_wait_usr1();
	return 0;
}
