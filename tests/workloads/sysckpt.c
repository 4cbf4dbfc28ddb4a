/* sysckpt: a program that checkpoints itself with system(), as BLCR's
 * save_aux does.
 *
 * usage: sysckpt COMMAND...
 *
 * It runs system("exec COMMAND... PID") with its own pid appended, prints
 *
 *   system: exited=1 status=0
 *
 * (what the returned wait status says), then waits for SIGUSR1 and exits
 * 0.  A process restarted from that checkpoint returns from the same
 * system() and prints the line again: the shell's child it waits for is
 * cr_checkpoint, which must be found again, exited 0.
 */
#include "wl.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	char cmd[8192];
	size_t len = 0;
	int st;

	if (argc < 2)
		wl_die("usage: sysckpt COMMAND...");
	wl_setup_usr1(1);
	len += snprintf(cmd, sizeof(cmd), "exec");
	for (int i = 1; i < argc && len < sizeof(cmd); i++)
		len += snprintf(cmd + len, sizeof(cmd) - len, " %s", argv[i]);
	if (len + 16 >= sizeof(cmd))
		wl_die("command too long");
	snprintf(cmd + len, sizeof(cmd) - len, " %d", (int)getpid());
	st = system(cmd);
	if (st == -1)
		wl_out("system: -1 errno=%s\n", strerror(errno));
	else
		wl_out("system: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));
	wl_wait_usr1();
	return 0;
}
