/* tcpflow: TCP and UDP over loopback with bytes in flight both ways.
 *
 * usage: tcpflow self|tree 4|6 SIZE READY
 *
 * A TCP listener on the loopback address (127.0.0.1 or ::1, any port).  A
 * client connects and is accepted; each end sends SIZE bytes of its own
 * stream (as much as the buffers take without blocking) that the other
 * does not read.  A second client sends "bye" and shuts its sending down.
 * Two more clients connect and are not accepted.  Two UDP sockets are
 * connected to each other.  With "tree" a child holds the clients and one
 * UDP socket.  After ready and SIGUSR1: each end of the connection sends
 * SIZE bytes more and reads what the other sent, every byte of its stream
 * in order, no gap and no repeat, and nothing more; the addresses are the
 * same; the server reads "bye" and the end of the stream; the listener
 * accepts the two clients that waited, in the order they connected, each
 * carrying a byte, and nothing more (their order is checked without
 * "tree", where one process knows both); the UDP sockets trade datagrams.
 * The parent prints PASS when its side and its child's are right.
 */
#include "wl.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* One end of a byte stream: what it sends and what it must receive. */
struct end {
	int fd, role;
	size_t sent, to_send;
	size_t got;
	int shut, eof;
	struct sockaddr_storage self, peer;
};

static int tree, family, lsn, u[2];
static struct sockaddr_storage lsn_addr;
static struct end srv = { .role = 0 }, cli = { .role = 1 };
static int half_srv, half_cli, waiting[2];
static uint16_t waiting_port[2];
static size_t size;

static uint8_t stream_byte(int role, size_t i)
{
	return (uint8_t)(((uint32_t)i * 2654435761u) >> 24) ^ (uint8_t)(role * 0x5b) ^
	       (uint8_t)(i >> 16);
}

static socklen_t loopback(struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET) {
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(struct sockaddr_in);
	}
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sizeof(struct sockaddr_in6);
}

static uint16_t port_of(int fd, int peer)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&ss, &l) < 0)
		return 0;
	return ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					 ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void names(int fd, struct sockaddr_storage *self, struct sockaddr_storage *peer)
{
	socklen_t l = sizeof(*self);

	memset(self, 0, sizeof(*self));
	memset(peer, 0, sizeof(*peer));
	if (getsockname(fd, (struct sockaddr *)self, &l) < 0)
		wl_die("getsockname: %s", strerror(errno));
	l = sizeof(*peer);
	if (getpeername(fd, (struct sockaddr *)peer, &l) < 0)
		wl_die("getpeername: %s", strerror(errno));
}

static int same_names(const struct end *e)
{
	struct sockaddr_storage self, peer;

	names(e->fd, &self, &peer);
	return !memcmp(&self, &e->self, sizeof(self)) && !memcmp(&peer, &e->peer, sizeof(peer));
}

static int sock(int type)
{
	int fd = socket(family, type, 0);

	if (fd < 0)
		wl_die("socket: %s", strerror(errno));
	return fd;
}

static int connect_listener(void)
{
	int fd = sock(SOCK_STREAM);

	if (connect(fd, (struct sockaddr *)&lsn_addr, sizeof(lsn_addr)) < 0)
		wl_die("connect: %s", strerror(errno));
	return fd;
}

/* Sends e's stream up to to_send, as far as the buffers take it without
 * blocking when nonblock. */
static const char *send_more(struct end *e, int nonblock)
{
	uint8_t buf[65536];

	while (e->sent < e->to_send) {
		size_t n = e->to_send - e->sent < sizeof(buf) ? e->to_send - e->sent : sizeof(buf);
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			buf[i] = stream_byte(e->role, e->sent + i);
		w = send(e->fd, buf, n, MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0));
		if (w < 0 && errno == EAGAIN && nonblock)
			return NULL;
		if (w <= 0)
			return "a send fails";
		e->sent += w;
	}
	return NULL;
}

/* Reads into e what came; every byte is the next of the peer's stream. */
static const char *recv_more(struct end *e)
{
	uint8_t buf[65536];
	ssize_t n = recv(e->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN ? NULL : "a receive fails";
	if (n == 0) {
		e->eof = 1;
		return NULL;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] != stream_byte(!e->role, e->got + i))
			return "a byte of the stream is wrong (a gap or a repeat)";
	e->got += n;
	return NULL;
}

/*
 * Ends (one or both of the connection) send size bytes more and shut
 * their sending down; each reads its peer's stream to its end.  A byte
 * lost or repeated anywhere before the end breaks the stream's pattern.
 */
static const char *flow(struct end **ends, int n)
{
	const char *why = NULL;
	int busy = 1;

	for (int i = 0; i < n; i++) {
		ends[i]->to_send = ends[i]->sent + size;
		if (!same_names(ends[i]))
			return "the connection's addresses changed";
	}
	while (!why && busy) {
		struct pollfd p[2];

		busy = 0;
		for (int i = 0; i < n; i++) {
			struct end *e = ends[i];

			if (e->sent == e->to_send && !e->shut) {
				shutdown(e->fd, SHUT_WR);
				e->shut = 1;
			}
			p[i] = (struct pollfd){ .fd = e->fd,
						.events = (e->shut ? 0 : POLLOUT) | (e->eof ? 0 : POLLIN) };
			busy |= p[i].events != 0;
		}
		if (busy && poll(p, n, 10000) <= 0)
			why = "the stream stalls";
		for (int i = 0; !why && busy && i < n; i++) {
			if (p[i].revents & POLLOUT)
				why = send_more(ends[i], 1);
			if (!why && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				why = recv_more(ends[i]);
		}
	}
	for (int i = 0; !why && i < n; i++)
		if (ends[i]->got < size)
			why = "the stream ended early";
	return why;
}

/* A datagram from one UDP socket (from, when not -1) to the other (to). */
static const char *udp_trade(int from, int to)
{
	char buf[16];

	if (from >= 0 && send(from, "datagram", 8, 0) != 8)
		return "a UDP send fails";
	if (to >= 0)
		fcntl(to, F_SETFL, 0);
	if (to >= 0 && (recv(to, buf, sizeof(buf), 0) != 8 || memcmp(buf, "datagram", 8)))
		return "a UDP datagram is lost";
	return NULL;
}

/* The clients' side, made in the child with "tree". */
static void clients(void)
{
	if (tree) {	/* the parent's */
		close(u[0]);
		close(lsn);
	}
	cli.fd = connect_listener();
	half_cli = connect_listener();
	for (int i = 0; i < 2; i++) {
		waiting[i] = connect_listener();
		waiting_port[i] = port_of(waiting[i], 0);
	}
	if (send(half_cli, "bye", 3, 0) != 3 || shutdown(half_cli, SHUT_WR) < 0)
		wl_die("shutdown: %s", strerror(errno));
	names(cli.fd, &cli.self, &cli.peer);
	cli.to_send = size;
	if (send_more(&cli, 1))
		wl_die("send: %s", strerror(errno));
}

/* Without "tree", the server's check did the rest. */
static const char *client_check(void)
{
	struct end *ends[] = { &cli };
	const char *why = tree ? flow(ends, 1) : NULL;

	for (int i = 0; !why && tree && i < 2; i++)
		if (send(waiting[i], "w", 1, MSG_NOSIGNAL) != 1)
			why = "a client that waited cannot send";
	/* with "tree", the parent's datagram first, then ours back */
	if (!why && tree)
		why = udp_trade(-1, u[1]);
	return why ? why : udp_trade(u[1], tree ? -1 : u[0]);
}

static const char *server_check(void)
{
	struct end *ends[] = { &srv, &cli };
	const char *why = flow(ends, tree ? 1 : 2);
	char buf[8];

	if (!why && (recv(half_srv, buf, sizeof(buf), MSG_WAITALL) != 3 || memcmp(buf, "bye", 3)))
		why = "the half-closed connection lost its bytes or its end";
	for (int i = 0; !why && !tree && i < 2; i++)
		if (send(waiting[i], "w", 1, MSG_NOSIGNAL) != 1)
			why = "a client that waited cannot send";
	for (int i = 0; !why && i < 2; i++) {
		int fd = accept(lsn, NULL, NULL);

		if (fd < 0)
			why = "a client that waited cannot be accepted";
		else if (!tree && port_of(fd, 1) != waiting_port[i])
			why = "the clients that waited are accepted out of order";
		else if (recv(fd, buf, 1, 0) != 1)
			why = "a client that waited carries nothing";
	}
	fcntl(lsn, F_SETFL, O_NONBLOCK);
	if (!why && (accept(lsn, NULL, NULL) >= 0 || errno != EAGAIN))
		why = "a connection more than waited";
	if (!why)
		close(connect_listener());
	return why ? why : udp_trade(u[0], tree ? -1 : u[1]);
}

/* Two UDP sockets on the loopback address, connected to each other. */
static void udp_pair(void)
{
	struct sockaddr_storage ss[2];

	for (int i = 0; i < 2; i++) {
		socklen_t l = loopback(&ss[i]);

		u[i] = sock(SOCK_DGRAM);
		if (bind(u[i], (struct sockaddr *)&ss[i], l) < 0 ||
		    getsockname(u[i], (struct sockaddr *)&ss[i], &l) < 0)
			wl_die("bind: %s", strerror(errno));
	}
	for (int i = 0; i < 2; i++)
		if (connect(u[i], (struct sockaddr *)&ss[!i], sizeof(ss[!i])) < 0)
			wl_die("connect: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	socklen_t l;
	int st, one = 1;
	const char *why;
	pid_t kid;

	if (argc != 5 || (strcmp(argv[1], "self") && strcmp(argv[1], "tree")) ||
	    (strcmp(argv[2], "4") && strcmp(argv[2], "6")))
		wl_die("usage: tcpflow self|tree 4|6 SIZE READY");
	tree = !strcmp(argv[1], "tree");
	family = !strcmp(argv[2], "4") ? AF_INET : AF_INET6;
	size = (size_t)wl_atol(argv[3], "size");
	wl_setup_usr1(1);
	lsn = sock(SOCK_STREAM);
	l = loopback(&lsn_addr);
	setsockopt(lsn, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lsn, (struct sockaddr *)&lsn_addr, l) < 0 || listen(lsn, 8) < 0 ||
	    getsockname(lsn, (struct sockaddr *)&lsn_addr, &l) < 0)
		wl_die("listen: %s", strerror(errno));
	udp_pair();
	kid = wl_clients(tree, clients, client_check);
	if (kid)
		close(u[1]);
	srv.fd = accept(lsn, NULL, NULL);
	half_srv = accept(lsn, NULL, NULL);
	if (srv.fd < 0 || half_srv < 0)
		wl_die("accept: %s", strerror(errno));
	setsockopt(srv.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	names(srv.fd, &srv.self, &srv.peer);
	srv.to_send = size;
	if (send_more(&srv, 1))
		wl_die("send: %s", strerror(errno));
	wl_ready(argv[4]);
	wl_wait_usr1();
	if (kid)
		kill(kid, SIGUSR1);
	why = server_check();
	if (!why && !tree)
		why = client_check();
	if (!why && tree)
		why = udp_trade(-1, u[0]);
	if (kid && (waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st)))
		why = why ? why : "the child failed";
	wl_report(why);
	return 0;
}
