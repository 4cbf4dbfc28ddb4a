/* socklisten: UNIX listeners with connections accepted and not accepted.
 *
 * usage: socklisten self|tree PATH READY
 *
 * A stream listener at PATH and a seqpacket one at an abstract name.  A
 * client connects to PATH and is accepted, and each end queues a word for
 * the other; two more clients connect to PATH and are not accepted; one
 * connects to the abstract name and is not accepted.  With "tree" a child
 * holds the clients (and gets SIGUSR1 from its parent).  After ready and
 * SIGUSR1: the accepted end and its client read their words and see the
 * names (getsockname, getpeername: PATH); the listeners accept the clients
 * that waited, in the order they connected, with nothing more waiting;
 * each carries a word; new clients connect to both listeners.  The parent
 * prints PASS when its side and its child's are right.
 */
#include "wl.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static struct sockaddr_un at_path, at_abstract;
static socklen_t path_len, abstract_len;
static int lpath, lseq, served;		/* the listeners, the accepted end */
static int client, waiting[3];		/* the clients */

static void name(struct sockaddr_un *sa, socklen_t *len, const char *path, int abstract)
{
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (abstract)
		snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "ucr-socklisten-%d",
			 (int)getpid());
	else
		snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path);
	*len = offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path + abstract) + abstract;
}

static int listen_at(int type, const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, type, 0);

	if (fd < 0 || bind(fd, (const struct sockaddr *)sa, len) || listen(fd, 8))
		wl_die("listen: %s", strerror(errno));
	return fd;
}

static int connect_to(int type, const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, type, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, len))
		wl_die("connect: %s", strerror(errno));
	return fd;
}

static void clients(void)
{
	client = connect_to(SOCK_STREAM, &at_path, path_len);
	if (send(client, "hello-c", 7, 0) != 7)
		wl_die("send: %s", strerror(errno));
	waiting[0] = connect_to(SOCK_STREAM, &at_path, path_len);
	waiting[1] = connect_to(SOCK_STREAM, &at_path, path_len);
	waiting[2] = connect_to(SOCK_SEQPACKET, &at_abstract, abstract_len);
}

static const char *word(int fd, const char *want)
{
	char buf[16];
	size_t len = strlen(want), done = 0;

	while (done < len) {
		ssize_t n = recv(fd, buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return "a connection ended early";
		done += n;
	}
	return memcmp(buf, want, len) ? "a word differs" : NULL;
}

static int same_name(int fd, int peer)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&sa, &len))
		return 0;
	return len >= path_len && !strcmp(sa.sun_path, at_path.sun_path);
}

/* The listeners' side: the accepted end, then the ones that waited. */
static const char *server_check(void)
{
	static const char *const words[3] = { "to-0", "to-1", "to-2" };
	int fds[3];
	const char *why = word(served, "hello-c");

	if (!why && !same_name(served, 0))
		why = "the accepted end lost its name";
	for (int i = 0; !why && i < 3; i++) {
		fds[i] = accept(i < 2 ? lpath : lseq, NULL, NULL);
		if (fds[i] < 0 || send(fds[i], words[i], 4, 0) != 4)
			why = "a connection that waited cannot be accepted";
	}
	fcntl(lpath, F_SETFL, O_NONBLOCK);
	fcntl(lseq, F_SETFL, O_NONBLOCK);
	if (!why && (accept(lpath, NULL, NULL) >= 0 || errno != EAGAIN ||
		     accept(lseq, NULL, NULL) >= 0 || errno != EAGAIN))
		why = "a connection more than waited";
	fcntl(lpath, F_SETFL, 0);
	fcntl(lseq, F_SETFL, 0);
	if (!why) {
		close(connect_to(SOCK_STREAM, &at_path, path_len));
		close(connect_to(SOCK_SEQPACKET, &at_abstract, abstract_len));
	}
	return why;
}

/* The clients' side. */
static const char *client_check(void)
{
	static const char *const words[3] = { "to-0", "to-1", "to-2" };
	const char *why = word(client, "hello-s");

	if (!why && !same_name(client, 1))
		why = "the client lost its peer's name";
	for (int i = 0; !why && i < 3; i++)
		why = word(waiting[i], words[i]);
	return why;
}

int main(int argc, char **argv)
{
	int tree, st;
	const char *why;
	pid_t kid;

	if (argc != 4 || (strcmp(argv[1], "self") && strcmp(argv[1], "tree")))
		wl_die("usage: socklisten self|tree PATH READY");
	tree = !strcmp(argv[1], "tree");
	wl_setup_usr1(1);
	unlink(argv[2]);
	name(&at_path, &path_len, argv[2], 0);
	name(&at_abstract, &abstract_len, NULL, 1);
	lpath = listen_at(SOCK_STREAM, &at_path, path_len);
	lseq = listen_at(SOCK_SEQPACKET, &at_abstract, abstract_len);
	kid = wl_clients(tree, clients, client_check);
	served = accept(lpath, NULL, NULL);
	if (served < 0 || send(served, "hello-s", 7, 0) != 7)
		wl_die("accept: %s", strerror(errno));
	wl_ready(argv[3]);
	wl_wait_usr1();
	if (kid)
		kill(kid, SIGUSR1);
	why = server_check();
	if (!why && !tree)
		why = client_check();
	if (kid && (waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st)))
		why = why ? why : "the child failed";
	wl_report(why);
	return 0;
}
