/* dgserver: a UNIX datagram server and its clients, not socketpairs.
 *
 * usage: dgserver self|tree PATH READY
 *
 * A datagram socket bound at PATH, not connected; client 1, unnamed,
 * connected to it, sent "a1" and "a2"; client 2, bound at an abstract
 * name and connected to it, sent "b1"; the server sent "r1" to client 2's
 * name; and a stream socket never connected.  With "tree" a child holds
 * the clients (and gets SIGUSR1 from its parent once the server has read
 * its queue).  After ready and
 * SIGUSR1: client 1 sends "a3"; the server reads a1, a2, b1, a3 and sends
 * "r2" to client 2, which reads r1 and r2; the names are as they were.
 * The parent prints PASS when its side and its child's are right.
 */
#include "wl.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static struct sockaddr_un srv_addr, c2_addr;
static socklen_t srv_len, c2_len;
static int srv, c1, c2, unconnected;

static int dgram(const struct sockaddr_un *bind_to, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (fd < 0 || (bind_to && bind(fd, (const struct sockaddr *)bind_to, len)))
		wl_die("socket: %s", strerror(errno));
	return fd;
}

static void clients(void)
{
	c1 = dgram(NULL, 0);
	c2 = dgram(&c2_addr, c2_len);
	if (connect(c1, (struct sockaddr *)&srv_addr, srv_len) ||
	    connect(c2, (struct sockaddr *)&srv_addr, srv_len) || send(c1, "a1", 2, 0) != 2 ||
	    send(c1, "a2", 2, 0) != 2 || send(c2, "b1", 2, 0) != 2)
		wl_die("clients: %s", strerror(errno));
}

static const char *msg(int fd, const char *want, int flags)
{
	char buf[8];
	ssize_t n;

	do
		n = recv(fd, buf, sizeof(buf), flags);
	while (n < 0 && errno == EINTR);
	return n == 2 && !memcmp(buf, want, 2) ? NULL : "a datagram is lost or out of order";
}

/* The server's side: once it has read its queue, client 1 sends a3 (ours,
 * or the child's when it gets SIGUSR1, kid). */
static const char *server_check(pid_t kid)
{
	static const char *const want[] = { "a1", "a2", "b1" };
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	char buf[8];
	int type = 0;

	for (int i = 0; i < 3; i++)
		if (msg(srv, want[i], MSG_DONTWAIT))
			return "the server's queue is not a1, a2, b1";
	if (recv(srv, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN)
		return "the server got a datagram more";
	if (kid)
		kill(kid, SIGUSR1);
	else if (send(c1, "a3", 2, 0) != 2)
		return "client 1 cannot send";
	if (msg(srv, "a3", 0))
		return "the server does not get client 1's datagram after the restart";
	if (sendto(srv, "r2", 2, 0, (struct sockaddr *)&c2_addr, c2_len) != 2)
		return "the server cannot send to client 2's name";
	if (getsockname(srv, (struct sockaddr *)&sa, &len) || strcmp(sa.sun_path, srv_addr.sun_path))
		return "the server lost its name";
	len = sizeof(type);
	if (getsockopt(unconnected, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_STREAM)
		return "the stream socket never connected is gone";
	return NULL;
}

static const char *client_check(void)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);

	if (msg(c2, "r1", MSG_DONTWAIT) || msg(c2, "r2", 0))
		return "client 2 does not get r1, then r2";
	if (getpeername(c1, (struct sockaddr *)&sa, &len) || strcmp(sa.sun_path, srv_addr.sun_path))
		return "client 1 is not connected to the server's name";
	len = sizeof(sa);
	if (getsockname(c2, (struct sockaddr *)&sa, &len) || len != c2_len ||
	    memcmp(sa.sun_path, c2_addr.sun_path, c2_len - offsetof(struct sockaddr_un, sun_path)))
		return "client 2 lost its name";
	return NULL;
}

/* The child's side: client 1 sends a3 when the server lets it. */
static const char *child_check(void)
{
	return send(c1, "a3", 2, 0) == 2 ? client_check() : "client 1 cannot send";
}

int main(int argc, char **argv)
{
	int tree, st;
	const char *why;
	pid_t kid;

	if (argc != 4 || (strcmp(argv[1], "self") && strcmp(argv[1], "tree")))
		wl_die("usage: dgserver self|tree PATH READY");
	tree = !strcmp(argv[1], "tree");
	wl_setup_usr1(1);
	unlink(argv[2]);
	srv_addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
	snprintf(srv_addr.sun_path, sizeof(srv_addr.sun_path), "%s", argv[2]);
	srv_len = offsetof(struct sockaddr_un, sun_path) + strlen(srv_addr.sun_path) + 1;
	c2_addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
	c2_len = offsetof(struct sockaddr_un, sun_path) + 1 +
		 snprintf(c2_addr.sun_path + 1, sizeof(c2_addr.sun_path) - 1, "ucr-dgc-%d",
			  (int)getpid());
	srv = dgram(&srv_addr, srv_len);
	unconnected = socket(AF_UNIX, SOCK_STREAM, 0);
	kid = wl_clients(tree, clients, child_check);
	if (sendto(srv, "r1", 2, 0, (struct sockaddr *)&c2_addr, c2_len) != 2)
		wl_die("sendto: %s", strerror(errno));
	wl_ready(argv[3]);
	wl_wait_usr1();
	why = server_check(kid);
	if (why && kid)
		kill(kid, SIGKILL);	/* it may wait for what the server did not send */
	if (!why && !tree)
		why = client_check();
	if (kid && (waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st)))
		why = why ? why : "the child failed";
	wl_report(why);
	return 0;
}
