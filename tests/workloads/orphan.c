/* orphan: a process group whose second process is an orphan.
 *
 * usage: orphan FIFO
 *
 * The leader makes a group of its own and forks a child that forks the
 * orphan and ends, so that the orphan's parent is the child reaper.  The
 * leader prints "orphan PID" and says ready.  On SIGUSR1 the orphan prints
 * "orphan ppid=N" with its parent's pid, and the leader "leader done";
 * each exits 0.
 */
#include "wl.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	int sync[2];
	pid_t kid, orphan = 0;

	if (argc != 2)
		wl_die("usage: orphan FIFO");
	wl_setup_usr1(1);
	if (setpgid(0, 0) != 0 || pipe(sync) != 0)
		wl_die("setpgid, pipe: %s", strerror(errno));
	kid = fork();
	if (kid < 0)
		wl_die("fork: %s", strerror(errno));
	if (kid == 0) {
		pid_t o = fork();

		if (o == 0) {
			o = getpid();
			if (write(sync[1], &o, sizeof(o)) != sizeof(o))
				_exit(2);
			close(sync[0]);
			close(sync[1]);
			wl_wait_usr1();
			wl_out("orphan ppid=%d\n", (int)getppid());
			return 0;
		}
		_exit(o < 0 ? 2 : 0);
	}
	close(sync[1]);
	if (waitpid(kid, NULL, 0) != kid || read(sync[0], &orphan, sizeof(orphan)) != sizeof(orphan))
		wl_die("the orphan did not start");
	close(sync[0]);
	wl_out("orphan %d\n", (int)orphan);
	wl_ready(argv[1]);
	wl_wait_usr1();
	wl_out("leader done\n");
	return 0;
}
