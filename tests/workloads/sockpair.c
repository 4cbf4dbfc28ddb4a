/* sockpair: UNIX socketpairs with messages queued both ways.
 *
 * usage: sockpair self|tree READY
 *
 * Five socketpairs: stream, datagram and seqpacket with messages queued in
 * each direction (a datagram of no bytes among them), a stream one end of
 * which wrote and then shut its sending down, and a stream one end of which
 * wrote and was closed.  End 0 of each pair gets options (buffer sizes,
 * SO_PASSCRED, a receive timeout).  With "self" one process holds both ends
 * of each pair; with "tree" the parent holds the ends 0 and its child the
 * ends 1.  After ready and SIGUSR1, each side sends a word more, then reads
 * everything the other sent, in order, with its boundaries, and nothing
 * else, and checks its options and the shutdowns; the parent (which passes
 * SIGUSR1 on to its child) prints PASS when its side and its child's are
 * right.
 */
#include "wl.h"

#include <sys/socket.h>
#include <sys/wait.h>

enum { P_STREAM, P_DGRAM, P_SEQ, P_SHUT, P_DEAD, N_PAIRS };

static int sv[N_PAIRS][2];
static const size_t dgram_sizes[] = { 1, 100, 0, 3000, 70000 };
static const size_t seq_sizes[] = { 10, 200, 5000 };
static int opts_before[4];
static char stream_expect[2][4096];
static size_t stream_len[2];

static void fill_bytes(char *buf, size_t len, int role, int k)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(role * 101 + k * 7 + i);
}

static void send_all(int fd, const void *buf, size_t len)
{
	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		wl_die("send %zu bytes: %s", len, strerror(errno));
}

static void get_opts(int *v)
{
	static const int which[] = { SO_SNDBUF, SO_RCVBUF };
	socklen_t l = sizeof(int);
	struct timeval tv;

	for (int i = 0; i < 2; i++)
		if (getsockopt(sv[P_STREAM][0], SOL_SOCKET, which[i], &v[i], &l) < 0)
			wl_die("getsockopt: %s", strerror(errno));
	getsockopt(sv[P_DGRAM][0], SOL_SOCKET, SO_PASSCRED, &v[2], &l);
	l = sizeof(tv);
	getsockopt(sv[P_SEQ][0], SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
	v[3] = tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The bytes each side writes into the stream, which the other expects. */
static void stream_bytes(void)
{
	for (int role = 0; role < 2; role++)
		for (int i = 0; i < 200; i++)
			stream_len[role] += snprintf(stream_expect[role] + stream_len[role],
						     sizeof(stream_expect[role]) - stream_len[role],
						     "R%d:%d;", role, i);
}

/* What one side queues for the other before the checkpoint. */
static void fill(int role)
{
	static char big[70000];
	int one = 1, snd = 100000, rcv = 50000;
	struct timeval tv = { 7, 500000 };

	send_all(sv[P_STREAM][role], stream_expect[role], stream_len[role]);
	for (size_t j = 0; j < sizeof(dgram_sizes) / sizeof(*dgram_sizes); j++) {
		fill_bytes(big, dgram_sizes[j], role, j);
		send_all(sv[P_DGRAM][role], big, dgram_sizes[j]);
	}
	for (size_t j = 0; j < sizeof(seq_sizes) / sizeof(*seq_sizes); j++) {
		fill_bytes(big, seq_sizes[j], role, j + 10);
		send_all(sv[P_SEQ][role], big, seq_sizes[j]);
	}
	if (role)
		return;
	if (setsockopt(sv[P_STREAM][0], SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)) ||
	    setsockopt(sv[P_STREAM][0], SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) ||
	    setsockopt(sv[P_DGRAM][0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
	    setsockopt(sv[P_SEQ][0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		wl_die("setsockopt: %s", strerror(errno));
	get_opts(opts_before);
	send_all(sv[P_SHUT][0], "bye", 3);
	if (shutdown(sv[P_SHUT][0], SHUT_WR))
		wl_die("shutdown: %s", strerror(errno));
	send_all(sv[P_DEAD][0], "last", 4);
	close(sv[P_DEAD][0]);
}

/* After the restart: what one side sends before either reads. */
static void send_after(int role)
{
	send_all(sv[P_STREAM][role], role ? "after-1" : "after-0", 7);
	if (role)
		send_all(sv[P_SHUT][1], "ok", 2);
}

static const char *read_exact(int fd, char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return "a stream ended early";
		done += n;
	}
	return NULL;
}

/* Each message of sizes, whole, then nothing more (or the end, which a
 * seqpacket socket reads when the child with its peer is gone). */
static const char *read_msgs(int fd, const size_t *sizes, size_t n, int from, int k0)
{
	ssize_t r;

	static char got[80000], want[80000];

	for (size_t j = 0; j < n; j++) {
		r = recv(fd, got, sizeof(got), MSG_DONTWAIT);
		fill_bytes(want, sizes[j], from, j + k0);
		if (r != (ssize_t)sizes[j] || memcmp(got, want, sizes[j]))
			return "a message is lost, cut or changed";
	}
	r = recv(fd, got, sizeof(got), MSG_DONTWAIT);
	if (r > 0 || (r == 0 && sizes != seq_sizes) || (r < 0 && errno != EAGAIN))
		return "a message more than was sent";
	return NULL;
}

static const char *check(int role)
{
	int other = !role, now[4];
	char buf[4096];
	const char *why;

	why = read_exact(sv[P_STREAM][role], buf, stream_len[other]);
	if (!why && memcmp(buf, stream_expect[other], stream_len[other]))
		why = "the stream's bytes differ";
	if (!why && (read_exact(sv[P_STREAM][role], buf, 7) ||
		     memcmp(buf, other ? "after-1" : "after-0", 7)))
		why = "the stream does not go on after the restart";
	if (!why)
		why = read_msgs(sv[P_DGRAM][role], dgram_sizes, 5, other, 0);
	if (!why)
		why = read_msgs(sv[P_SEQ][role], seq_sizes, 3, other, 10);
	if (why || role == 1) {
		if (!why && (read_exact(sv[P_SHUT][1], buf, 3) || memcmp(buf, "bye", 3) ||
			     recv(sv[P_SHUT][1], buf, 1, 0) != 0))
			why = "the shut-down stream does not end after its bytes";
		if (!why && (read_exact(sv[P_DEAD][1], buf, 4) || memcmp(buf, "last", 4) ||
			     recv(sv[P_DEAD][1], buf, 1, 0) != 0))
			why = "the stream of a closed peer does not end after its bytes";
		return why;
	}
	get_opts(now);
	if (memcmp(now, opts_before, sizeof(now)))
		return "the options differ (buffers, SO_PASSCRED or SO_RCVTIMEO)";
	if (read_exact(sv[P_SHUT][0], buf, 2) || memcmp(buf, "ok", 2))
		return "the end that shut its sending down does not receive";
	if (send(sv[P_SHUT][0], "x", 1, MSG_NOSIGNAL) >= 0 || errno != EPIPE)
		return "the end that shut its sending down can send";
	return NULL;
}

int main(int argc, char **argv)
{
	static const int types[N_PAIRS] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET,
					    SOCK_STREAM, SOCK_STREAM };
	int sync[2], st;
	const char *why;
	pid_t kid;

	if (argc != 3 || (strcmp(argv[1], "self") && strcmp(argv[1], "tree")))
		wl_die("usage: sockpair self|tree READY");
	wl_setup_usr1(1);
	stream_bytes();
	for (int k = 0; k < N_PAIRS; k++)
		if (socketpair(AF_UNIX, types[k], 0, sv[k]))
			wl_die("socketpair: %s", strerror(errno));
	if (!strcmp(argv[1], "self")) {
		fill(0);
		fill(1);
		wl_ready(argv[2]);
		wl_wait_usr1();
		send_after(0);
		send_after(1);
		why = check(1);
		wl_report(why ? why : check(0));
		return 0;
	}
	if (pipe(sync))
		wl_die("pipe: %s", strerror(errno));
	kid = fork();
	if (kid < 0)
		wl_die("fork: %s", strerror(errno));
	for (int k = 0; k < N_PAIRS; k++)
		close(sv[k][kid ? 1 : 0]);
	fill(kid ? 0 : 1);
	wl_fork_sync(sync, kid);
	if (kid == 0) {
		wl_wait_usr1();
		send_after(1);
		why = check(1);
		if (why)
			wl_out("FAIL: child: %s\n", why);
		_exit(why ? 1 : 0);
	}
	wl_ready(argv[2]);
	wl_wait_usr1();
	kill(kid, SIGUSR1);
	send_after(0);
	why = check(0);
	if (waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st))
		why = why ? why : "the child failed";
	wl_report(why);
	return 0;
}
