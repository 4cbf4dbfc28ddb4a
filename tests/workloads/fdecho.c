/* fdecho: a process whose descriptors 5 to 8 are pipes to a process
 * outside its checkpoint.
 *
 * usage: fdecho FIFO
 *
 * It forks a holder child for the other ends of four pipes, and keeps
 * read ends at 5 and 7 and write ends at 6 and 8; the holder waits for
 * SIGUSR1 and exits 0.  It says ready, and on SIGUSR1 copies what it reads on 5
 * to 6, each line as "5: LINE", then what it reads on 7 to 8 as "7: LINE",
 * each until end of file (or an error, said on stderr), and exits 0.
 * Checkpointed with --pid, it holds four descriptors that lead outside.
 * It prints "holder PID" first on stdout.
 */
#include "wl.h"

static void copy(int from, int to)
{
	char buf[4096], line[4200];
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "read %d: %s\n", from, strerror(errno));
			return;
		}
		for (char *p = buf, *end = buf + n; p < end;) {
			char *nl = memchr(p, '\n', end - p);
			int len = nl ? (int)(nl - p) : (int)(end - p);
			int m = snprintf(line, sizeof(line), "%d: %.*s\n", from, len, p);

			if (wl_write_all(to, line, (size_t)m) != 0)
				fprintf(stderr, "write %d: %s\n", to, strerror(errno));
			p += len + 1;
		}
	}
}

int main(int argc, char **argv)
{
	/* ours: the read end of pipes 0 and 2, the write end of 1 and 3 */
	int pipes[4][2], mine[4];
	pid_t holder;

	if (argc != 2)
		wl_die("usage: fdecho FIFO");
	wl_setup_usr1(1);
	for (int i = 0; i < 4; i++)
		if (pipe(pipes[i]))
			wl_die("pipe: %s", strerror(errno));
	holder = fork();
	if (holder < 0)
		wl_die("fork: %s", strerror(errno));
	if (holder == 0) {
		wl_wait_usr1();
		_exit(0);
	}
	/* above every number the pipes may have had, then in place */
	for (int i = 0; i < 4; i++) {
		mine[i] = fcntl(pipes[i][i % 2], F_DUPFD, 20);
		if (mine[i] < 0 || close(pipes[i][0]) || close(pipes[i][1]))
			wl_die("fcntl: %s", strerror(errno));
	}
	for (int i = 0; i < 4; i++)
		if (dup2(mine[i], 5 + i) < 0 || close(mine[i]))
			wl_die("dup2: %s", strerror(errno));
	wl_out("holder %d\n", (int)holder);
	wl_ready(argv[1]);
	wl_wait_usr1();
	copy(5, 6);
	copy(7, 8);
	return 0;
}
