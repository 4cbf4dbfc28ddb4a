/* pipe_counting: a parent and its child joined by a pipe.  The child
 * writes 0, 1, 2, ... into the pipe, one a second; the parent reads them and
 * prints them.  No libcr API: run it under cr_run (the child inherits it).
 *
 * cr_checkpoint saves the parent with its child (--tree, the default) and the
 * pipe between them with the bytes it holds; cr_restart brings back both
 * processes, with their pids, and the pipe.
 *
 *   cr_run ./pipe_counting 60 &
 *   cr_checkpoint $!; kill $!; cr_restart context.PID
 *
 * usage: pipe_counting [N]    (the child sends 0..N-1, default 60)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Each number is one 8-byte write: writes of up to PIPE_BUF bytes are never
 * split, so the reader always gets whole numbers. */
static int read_number(int fd, int64_t *v)
{
	size_t got = 0;

	while (got < sizeof(*v)) {
		ssize_t r = read(fd, (char *)v + got, sizeof(*v) - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : 0;
		got += (size_t)r;
	}
	return 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 60;
	int fds[2], status;
	int64_t v;
	pid_t child;

	if (pipe(fds) != 0) {
		perror("pipe");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		close(fds[0]);
		for (v = 0; v < n; v++) {
			if (write(fds[1], &v, sizeof(v)) != (ssize_t)sizeof(v)) {
				perror("child: write");
				_exit(1);
			}
			sleep(1);
		}
		_exit(0);	/* the parent then reads end of file */
	}
	close(fds[1]);
	while (read_number(fds[0], &v) > 0)
		printf("parent %d got %lld from child %d\n", (int)getpid(), (long long)v,
		       (int)child);
	if (waitpid(child, &status, 0) != child) {
		perror("waitpid");
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
