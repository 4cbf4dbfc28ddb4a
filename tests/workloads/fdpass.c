/* fdpass: descriptors in flight (SCM_RIGHTS) in UNIX socket queues.
 *
 * usage: fdpass self|tree|closed|stream FILE READY
 *
 * A seqpacket socketpair (with "stream", a stream one) and a datagram one.  The sender opens FILE (moving
 * its offset to 5) and a pipe, then sends on the stream "hdr", then "A"
 * carrying FILE's descriptor and the pipe's write end, then "tail", and
 * on the datagram pair "D" carrying the pipe's read end; nothing is read.
 * The sender keeps its copies (with "closed" it closes them, so that the
 * descriptors live only in flight).  With "tree" a child is the sender.
 * After ready and SIGUSR1 the receiver reads "hdr", then "A" with two
 * descriptors, then "tail", then "D" with one: the file's offset is 5 and
 * shared with the sender's (it moves it), the pipe carries "ping" from its
 * write end to its read end; it prints PASS or FAIL.
 */
#include "wl.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int st[2], dg[2];
static const char *path;
static int closed;

static void send_fds(int sk, const char *word, const int *fds, int n)
{
	union { char buf[CMSG_SPACE(sizeof(int) * 2)]; struct cmsghdr c; } ctl;
	struct iovec iov = { (void *)word, strlen(word) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = CMSG_SPACE(n * sizeof(int)) };

	ctl.c = (struct cmsghdr){ .cmsg_len = CMSG_LEN(n * sizeof(int)), .cmsg_level = SOL_SOCKET,
				  .cmsg_type = SCM_RIGHTS };
	memcpy(CMSG_DATA(&ctl.c), fds, n * sizeof(int));
	if (sendmsg(sk, &mh, 0) != (ssize_t)iov.iov_len)
		wl_die("sendmsg: %s", strerror(errno));
}

/* The sender's side. */
static void sender(void)
{
	int file = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600), p[2], fds[2];

	if (file < 0 || pipe(p) || write(file, "0123456789", 10) != 10 ||
	    lseek(file, 5, SEEK_SET) != 5)
		wl_die("setup: %s", strerror(errno));
	if (send(st[1], "hdr", 3, 0) != 3)
		wl_die("send: %s", strerror(errno));
	fds[0] = file;
	fds[1] = p[1];
	send_fds(st[1], "A", fds, 2);
	if (send(st[1], "tail", 4, 0) != 4)
		wl_die("send: %s", strerror(errno));
	send_fds(dg[1], "D", &p[0], 1);
	if (closed) {
		close(file);
		close(p[0]);
		close(p[1]);
	}
}

/* A message of want's length, which must be want, with n descriptors. */
static const char *take(int sk, const char *want, int *fds, int n)
{
	union { char buf[CMSG_SPACE(sizeof(int) * 4)]; struct cmsghdr c; } ctl;
	char buf[16];
	struct iovec iov = { buf, strlen(want) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t got = recvmsg(sk, &mh, MSG_DONTWAIT);

	if (got != (ssize_t)strlen(want) || memcmp(buf, want, got))
		return "a message of the queue is lost or changed";
	c = CMSG_FIRSTHDR(&mh);
	if (!n)
		return c ? "descriptors came with a message that carried none" : NULL;
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(n * sizeof(int)))
		return "the descriptors in flight are lost";
	memcpy(fds, CMSG_DATA(c), n * sizeof(int));
	return NULL;
}

static const char *receiver(void)
{
	int a[2], d[1];
	const char *why = take(st[0], "hdr", NULL, 0);
	struct stat fs, ps;
	char buf[8];

	if (!why)
		why = take(st[0], "A", a, 2);
	if (!why)
		why = take(st[0], "tail", NULL, 0);
	if (!why)
		why = take(dg[0], "D", d, 1);
	if (!why && (fstat(a[0], &fs) || stat(path, &ps) || fs.st_ino != ps.st_ino))
		why = "the file in flight is another file";
	if (!why && lseek(a[0], 0, SEEK_CUR) != 5)
		why = "the file in flight lost its offset";
	if (!why && (write(a[1], "ping", 4) != 4 || read(d[0], buf, 4) != 4 || memcmp(buf, "ping", 4)))
		why = "the pipe in flight does not carry bytes";
	return why;
}

static const char *no_check(void)
{
	return NULL;
}

int main(int argc, char **argv)
{
	int tree, stt;
	const char *why;
	pid_t kid;

	if (argc != 4 || (strcmp(argv[1], "self") && strcmp(argv[1], "tree") &&
			  strcmp(argv[1], "closed") && strcmp(argv[1], "stream")))
		wl_die("usage: fdpass self|tree|closed|stream FILE READY");
	tree = !strcmp(argv[1], "tree");
	closed = !strcmp(argv[1], "closed");
	path = argv[2];
	wl_setup_usr1(1);
	if (socketpair(AF_UNIX, strcmp(argv[1], "stream") ? SOCK_SEQPACKET : SOCK_STREAM, 0, st) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, dg))
		wl_die("socketpair: %s", strerror(errno));
	kid = wl_clients(tree, sender, no_check);
	wl_ready(argv[3]);
	wl_wait_usr1();
	if (kid)
		kill(kid, SIGUSR1);
	why = receiver();
	if (kid && (waitpid(kid, &stt, 0) != kid || !WIFEXITED(stt) || WEXITSTATUS(stt)))
		why = why ? why : "the child failed";
	wl_report(why);
	return 0;
}
