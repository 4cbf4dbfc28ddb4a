/* pipeseq: a parent writes a sequence into a pipe faster than its child
 * reads it.
 *
 * usage: pipeseq FIFO
 *
 * The parent writes "0\n", "1\n", ... into a pipe as fast as the pipe
 * takes them (it is full most of the time); its child reads them one at a
 * time, 1 ms apart, checks each is the next number, and prints
 * "at N" to stdout every 1000 numbers.  Once the child has read 1000
 * numbers and the pipe is full, the parent says ready.  A gap or a repeat
 * makes the child print "FAIL: ..." and exit 1.  On SIGUSR1 the child
 * prints "PASS" and exits 0; the parent then ends on the broken pipe.
 */
#include "wl.h"

#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

static void child(int rd)
{
	char buf[32];
	long want = 0;
	size_t len = 0;

	for (;;) {
		char c;
		ssize_t n = read(rd, &c, 1);

		if (wl_got_usr1) {
			wl_out("PASS\n");
			_exit(0);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			wl_out("FAIL: the pipe ended at %ld\n", want);
			_exit(1);
		}
		if (c != '\n') {
			if (len < sizeof(buf) - 1)
				buf[len++] = c;
			continue;
		}
		buf[len] = 0;
		len = 0;
		if (atol(buf) != want) {
			wl_out("FAIL: expected %ld, read %s\n", want, buf);
			_exit(1);
		}
		if (++want % 1000 == 0) {
			wl_out("at %ld\n", want);
			wl_sleep_ms(1);
		}
	}
}

int main(int argc, char **argv)
{
	int fds[2];
	long n = 0;
	pid_t pid;
	bool said = false;

	if (argc != 2)
		wl_die("usage: pipeseq FIFO");
	if (pipe(fds))
		wl_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		wl_die("fork: %s", strerror(errno));
	if (pid == 0) {
		struct sigaction sa;

		close(fds[1]);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = wl_on_usr1;	/* no SA_RESTART: it ends the read */
		sigaction(SIGUSR1, &sa, NULL);
		child(fds[0]);
	}
	close(fds[0]);
	signal(SIGPIPE, SIG_DFL);
	for (;;) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "%ld\n", n++), queued = 0;

		if (wl_write_all(fds[1], buf, len))
			break;
		if (!said && n > 20000 && ioctl(fds[1], FIONREAD, &queued) == 0 && queued > 32768) {
			wl_ready(argv[1]);
			said = true;
		}
	}
	waitpid(pid, NULL, 0);
	return 0;
}
