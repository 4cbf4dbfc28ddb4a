/* socket_callback: a program linked with -lcr that keeps a socket working
 * across checkpoints.
 *
 * A checkpoint does not save sockets: after a restart a connection is gone
 * (its descriptor is closed), and its other end may be too.  So the program
 * registers a callback that closes the connection before the checkpoint and
 * opens a new one after it, whether the process continues (cr_checkpoint()
 * returns 0) or was restarted (> 0).  Here the connection is a socket pair
 * inside the program, a client end and a server end exchanging a counter;
 * a real program would reconnect to its server the same way.
 *
 *   cc socket_callback.c -lcr -o socket_callback
 *   ./socket_callback 60 &
 *   cr_checkpoint $!              # the callback closes and reopens the pair
 *   kill $!
 *   cr_restart context.PID        # and again, after the restart
 *
 * usage: socket_callback [N]    (N rounds, one a second, default 60)
 */
#include <errno.h>
#include <libcr.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int sv[2] = { -1, -1 };	/* [0]: the client's end, [1]: the server's */
static int generation;		/* connections opened so far */

/* Print with write(2): the callback may run in a signal handler, where
 * stdio is not safe to use. */
__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
		return;	/* nowhere to report it */
}

static int open_connection(void)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	generation++;
	return 0;
}

static void close_connection(void)
{
	close(sv[0]);
	close(sv[1]);
	sv[0] = sv[1] = -1;
}

/* Runs at every checkpoint (CR_THREAD_CONTEXT: once per process). */
static int on_checkpoint(void *arg)
{
	int rc;

	(void)arg;
	close_connection();
	say("callback: closed connection %d before the checkpoint\n", generation);

	/* Everything before this call happens before the checkpoint is
	 * taken; everything after it, once the process continues or has
	 * been restarted. */
	rc = cr_checkpoint(CR_CHECKPOINT_READY);

	if (rc < 0)
		say("callback: the checkpoint failed: %s\n", cr_strerror(-rc));
	if (open_connection() != 0) {
		say("callback: cannot reopen the connection: %s\n", strerror(errno));
		return -1;
	}
	say("callback: %s, opened connection %d\n",
	    rc > 0 ? "restarted" : rc == 0 ? "continuing" : "checkpoint failed", generation);
	return 0;
}

static int io_all(int fd, int64_t *v, int out)
{
	size_t done = 0;

	while (done < sizeof(*v)) {
		ssize_t n = out ? write(fd, (char *)v + done, sizeof(*v) - done) :
				  read(fd, (char *)v + done, sizeof(*v) - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* The client sends the counter, the server answers with the next value. */
static int exchange(int64_t *counter)
{
	int64_t got;

	if (io_all(sv[0], counter, 1) || io_all(sv[1], &got, 0))
		return -1;
	got++;
	if (io_all(sv[1], &got, 1) || io_all(sv[0], counter, 0))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 60;
	cr_client_id_t id;
	int64_t counter = 0;

	/* Once per thread that uses libcr, before any other libcr call. */
	id = cr_init();
	if (id < 0) {
		fprintf(stderr, "cr_init failed: is libcr loaded?\n");
		return 1;
	}
	if (cr_register_callback(on_checkpoint, NULL, CR_THREAD_CONTEXT) < 0) {
		fprintf(stderr, "cr_register_callback: %s\n", cr_strerror(errno));
		return 1;
	}
	if (open_connection() != 0) {
		perror("socketpair");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < rounds; i++) {
		/* A critical section: a checkpoint requested meanwhile waits
		 * until cr_leave_cs(), so the callback never closes the
		 * connection between a question and its answer (nor while
		 * stdio is busy). */
		cr_enter_cs(id);
		if (exchange(&counter) != 0) {
			perror("exchange over connection");
			return 1;
		}
		printf("round %ld: counter %lld over connection %d\n", i, (long long)counter,
		       generation);
		cr_leave_cs(id);
		sleep(1);	/* a checkpoint does not shorten it */
	}
	close_connection();
	return 0;
}
