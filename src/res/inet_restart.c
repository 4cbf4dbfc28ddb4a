/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The restart of the TCP and UDP sockets that inet.c saved (IMG_INET),
 * made by cr_restart before any process, as sockets_restart.c makes UNIX
 * ones.  A TCP connection is made again in repair mode (TCP_REPAIR, which
 * needs CAP_NET_ADMIN over the network namespace: root, or the namespace
 * of an unprivileged restart, restart/userns.c): both ends at their
 * addresses, established without a handshake, with sequence numbers that
 * agree with each other, each receive queue filled as it was and followed
 * by what its peer had not sent yet; then out of repair, the shutdowns
 * done again.
 * Binding in repair mode also takes the addresses from the connections
 * of the checkpointed processes still closing (TIME_WAIT).
 */
#include <arpa/inet.h>
#include <poll.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include "res.h"
#include "common/util.h"

/* The largest piece of a receive queue given in one repair-mode send. */
#define REPAIR_CHUNK (256u << 10)
/* How long a client not accepted yet may take to connect again. */
#define INET_CONNECT_WAIT_MS 2000

static socklen_t saved_addr(const struct img_inet *s, bool peer, struct sockaddr_storage *ss)
{
	const uint8_t *a = peer ? s->peer_addr : s->local_addr;
	uint16_t port = peer ? s->peer_port : s->local_port;

	memset(ss, 0, sizeof(*ss));
	if (s->family == AF_INET) {
		struct sockaddr_in *in = (void *)ss;

		in->sin_family = AF_INET;
		in->sin_port = port;
		memcpy(&in->sin_addr, a, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (void *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = port;
	memcpy(&in6->sin6_addr, a, 16);
	return sizeof(*in6);
}

static int tcp_opt(int sk, int opt, int v)
{
	return setsockopt(sk, IPPROTO_TCP, opt, &v, sizeof(v)) < 0 ? -errno : 0;
}

/* Whether the restart may use repair mode, which the messages explain. */
static int repair_on(int sk, const struct img_inet *s)
{
	int r = tcp_opt(sk, TCP_REPAIR, 1);

	if (r == -EPERM)
		log_error("cannot restore TCP socket %llu: TCP repair mode needs CAP_NET_ADMIN "
			  "(restart as root)", (unsigned long long)s->id);
	else if (r)
		log_errno(r, "cannot put TCP socket %llu in repair mode", (unsigned long long)s->id);
	return r;
}

/* A new socket of s's kind, before bind: buffers first, so that the queue
 * fits as it did (getsockopt reads twice what setsockopt was given). */
static int inet_socket(const struct img_inet *s)
{
	int sk = socket(s->family, s->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

	if (sk < 0)
		return log_errno(-errno, "cannot create socket %llu", (unsigned long long)s->id);
	setsockopt(sk, SOL_SOCKET, SO_SNDBUF, &(int){ s->sndbuf / 2 }, sizeof(int));
	setsockopt(sk, SOL_SOCKET, SO_RCVBUF, &(int){ s->rcvbuf / 2 }, sizeof(int));
	if ((s->flags & INET_F_V6ONLY) &&
	    setsockopt(sk, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) {
		safe_close(sk);
		return log_errno(-errno, "cannot make socket %llu IPv6 only",
				 (unsigned long long)s->id);
	}
	return sk;
}

/*
 * s bound at its address again.  TCP binds in repair mode where it may:
 * the connections that the checkpointed processes left closing hold the
 * ports without SO_REUSEADDR.  A connection's end stays in repair mode.
 */
static int inet_bind(int sk, const struct img_inet *s, bool repair, bool stay)
{
	struct sockaddr_storage ss;
	socklen_t len = saved_addr(s, false, &ss);
	char name[64];
	int r;

	if (!s->local_port && s->state == INET_STATE_UNCONNECTED)
		return 0;	/* never bound */
	if (repair) {
		r = repair_on(sk, s);
		if (r)
			return r;
	}
	r = bind(sk, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
	if (r)
		log_errno(r, "cannot bind socket %llu again at %s", (unsigned long long)s->id,
			  image_inet_name(s, false, name, sizeof(name)));
	if (repair && !stay)
		tcp_opt(sk, TCP_REPAIR, TCP_REPAIR_OFF);
	return r;
}

/* The options a program can read back, once it is made. */
static int inet_options(int sk, const struct img_inet *s)
{
	struct timeval rcv = { s->rcvtimeo_us / 1000000, s->rcvtimeo_us % 1000000 };
	struct timeval snd = { s->sndtimeo_us / 1000000, s->sndtimeo_us % 1000000 };
	struct linger lg = { 1, s->linger_s };
	int reuse = !!(s->flags & INET_F_REUSEADDR), reuseport = !!(s->flags & INET_F_REUSEPORT);
	int keep = !!(s->flags & INET_F_KEEPALIVE), r = 0;

	if (setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(int)) < 0 ||
	    (reuseport && setsockopt(sk, SOL_SOCKET, SO_REUSEPORT, &reuseport, sizeof(int)) < 0) ||
	    setsockopt(sk, SOL_SOCKET, SO_KEEPALIVE, &keep, sizeof(int)) < 0 ||
	    setsockopt(sk, SOL_SOCKET, SO_RCVLOWAT, &s->rcvlowat, sizeof(int)) < 0 ||
	    setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv)) < 0 ||
	    setsockopt(sk, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd)) < 0 ||
	    ((s->flags & INET_F_LINGER) && setsockopt(sk, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0))
		r = -errno;
	if (!r && s->type == SOCK_STREAM && (s->flags & INET_F_NODELAY))
		r = tcp_opt(sk, TCP_NODELAY, 1);
	return r ? log_errno(r, "cannot set the options of socket %llu", (unsigned long long)s->id)
		 : 0;
}

static int register_inet(struct rst_shared *sh, const struct img_inet *s, int *sk)
{
	int r = inet_options(*sk, s);

	return r ? r : sockets_register(sh, s->id, sk);
}

/*
 * The connections in TIME_WAIT at s's port, which the checkpointed
 * processes left when they were killed: a listener without SO_REUSEADDR
 * cannot listen beside them.  Destroyed (SOCK_DESTROY, as ss -K does:
 * CAP_NET_ADMIN), as the port's own remnants; 0 when none was.
 */
static int clear_time_wait(const struct img_inet *s)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = s->family, .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states = 1u << TCP_TIME_WAIT },
	};
	static const uint8_t any[16];
	union { char buf[32768]; struct nlmsghdr align; } resp;
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), found = 0;
	int killer = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	bool done = false;

	if (nl < 0 || killer < 0 || send(nl, &req, sizeof(req), 0) < 0)
		done = true;
	while (!done) {
		ssize_t n = recv(nl, resp.buf, sizeof(resp), 0);

		if (n <= 0)
			break;
		for (struct nlmsghdr *h = &resp.align; NLMSG_OK(h, (size_t)n) && !done;
		     h = NLMSG_NEXT(h, n)) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) {
				done = true;	/* NLMSG_DONE, or an error */
				break;
			}
			if (m->id.idiag_sport != s->local_port ||
			    (memcmp(s->local_addr, any, 16) &&
			     memcmp(m->id.idiag_src, s->local_addr, s->family == AF_INET ? 4 : 16)))
				continue;
			req.h.nlmsg_type = SOCK_DESTROY;
			req.h.nlmsg_flags = NLM_F_REQUEST;
			req.r.id = m->id;
			found += send(killer, &req, sizeof(req), 0) == sizeof(req);
		}
	}
	safe_close(nl);
	safe_close(killer);
	return found;
}

static int listen_again(int sk, const struct img_inet *s)
{
	char name[64];

	if (listen(sk, s->backlog) == 0 ||
	    (errno == EADDRINUSE && clear_time_wait(s) && listen(sk, s->backlog) == 0))
		return 0;
	return log_errno(-errno, "cannot listen again at %s",
			 image_inet_name(s, false, name, sizeof(name)));
}

/* A listener, or a socket not connected (a UDP one connected to its
 * peer's address). */
static int plain_prepare(const struct img_inet *s, struct rst_shared *sh)
{
	struct sockaddr_storage peer;
	socklen_t len = saved_addr(s, true, &peer);
	int sk = inet_socket(s), r;
	char name[64];

	if (sk < 0)
		return sk;
	r = inet_bind(sk, s, s->type == SOCK_STREAM, false);
	/* listen() takes the port again (the options set SO_REUSEADDR as it
	 * was, after) */
	if (!r && s->state == INET_STATE_LISTEN)
		setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (!r && s->state == INET_STATE_LISTEN)
		r = listen_again(sk, s);
	if (!r && s->state == INET_STATE_CONNECTED &&
	    connect(sk, (struct sockaddr *)&peer, len) < 0)
		r = log_errno(-errno, "cannot connect UDP socket %llu to %s again",
			      (unsigned long long)s->id, image_inet_name(s, true, name, sizeof(name)));
	if (!r)
		r = register_inet(sh, s, &sk);
	safe_close(sk);
	return r;
}

/* Up to ms milliseconds for sk to be ready for events. */
static int wait_ready(int sk, short events, int ms)
{
	struct pollfd p = { .fd = sk, .events = events };
	int r = poll(&p, 1, ms);

	return r < 0 ? -errno : r ? 0 : -ETIMEDOUT;
}

/* A client its listener had not accepted: connected again (a real
 * handshake, through the listener made before), left in its queue. */
static int pending_prepare(const struct img_inet *s, struct rst_shared *sh)
{
	struct sockaddr_storage peer;
	socklen_t len = saved_addr(s, true, &peer);
	int sk = inet_socket(s), err = 0, r;
	socklen_t el = sizeof(err);
	char name[64];

	if (sk < 0)
		return sk;
	r = inet_bind(sk, s, true, false);
	if (!r && connect(sk, (struct sockaddr *)&peer, len) < 0 && errno != EINPROGRESS)
		r = -errno;
	if (!r)
		r = wait_ready(sk, POLLOUT, INET_CONNECT_WAIT_MS);
	if (!r && getsockopt(sk, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err)
		r = -err;
	if (r)
		log_errno(r, "cannot connect TCP socket %llu to its listener at %s again",
			  (unsigned long long)s->id, image_inet_name(s, true, name, sizeof(name)));
	if (!r && (s->shutdown & SOCK_SHUT_WR) && shutdown(sk, SHUT_WR) < 0)
		r = log_errno(-errno, "cannot shut socket %llu down", (unsigned long long)s->id);
	if (!r)
		r = register_inet(sh, s, &sk);
	safe_close(sk);
	return r;
}

/* The sequence numbers of one end: any that agree with its peer's. */
static uint32_t seq_base(const struct img_inet *s)
{
	return (uint32_t)(s->id * 2654435761u) | 1;
}

/*
 * One end of a connection in repair mode, established with its peer at
 * the addresses it had: it sends from seq_base(s) past what the peer's
 * queue holds of it, and receives from the peer's base.  p is the peer's
 * record, or the one that stands for a closed peer.
 */
static int repair_end(const struct img_inet *s, const struct img_inet *p, int *ret)
{
	struct tcp_repair_opt opts[4];
	struct sockaddr_storage peer;
	socklen_t len = saved_addr(s, true, &peer);
	int sk = inet_socket(s), n = 0, r;
	char name[64];

	if (sk < 0)
		return sk;
	r = inet_bind(sk, s, true, true);
	if (r) {
		safe_close(sk);
		return r;
	}
	r = tcp_opt(sk, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE);
	if (!r)
		r = tcp_opt(sk, TCP_QUEUE_SEQ,
			    seq_base(s) + (uint32_t)(p->recv_len + s->unsent_len));
	if (!r)
		r = tcp_opt(sk, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE);
	if (!r)
		r = tcp_opt(sk, TCP_QUEUE_SEQ, seq_base(p));
	if (!r && connect(sk, (struct sockaddr *)&peer, len) < 0)
		r = -errno;
	opts[n++] = (struct tcp_repair_opt){ TCPOPT_MAXSEG, s->mss ? s->mss : 536 };
	if (s->tcp_options & TCPI_OPT_WSCALE)
		opts[n++] = (struct tcp_repair_opt){ TCPOPT_WINDOW,
						     s->snd_wscale | (uint32_t)s->rcv_wscale << 16 };
	if (s->tcp_options & TCPI_OPT_SACK)
		opts[n++] = (struct tcp_repair_opt){ TCPOPT_SACK_PERMITTED, 0 };
	if (s->tcp_options & TCPI_OPT_TIMESTAMPS)
		opts[n++] = (struct tcp_repair_opt){ TCPOPT_TIMESTAMP, 0 };
	if (!r && setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_OPTIONS, opts, n * sizeof(*opts)) < 0)
		r = -errno;
	if (r) {
		safe_close(sk);
		return log_errno(r, "cannot connect TCP socket %llu to %s again",
				 (unsigned long long)s->id, image_inet_name(s, true, name, sizeof(name)));
	}
	*ret = sk;
	return 0;
}

static int send_all(int sk, const uint8_t *data, uint64_t len)
{
	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < REPAIR_CHUNK ? len - done : REPAIR_CHUNK;
		ssize_t w = send(sk, data + done, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		done += w;
	}
	return 0;
}

/*
 * The receive queue of e back, in repair mode, as if its peer had sent
 * it, and after it what the peer had not sent yet (the peer is made as
 * having sent it, and its window is full): the buffer is made large
 * enough for the time of it, then given its saved size.
 */
static int refill_recv(const struct image *img, int sk, const struct image_inet *e,
		       const struct image_inet *p)
{
	uint64_t unsent = p ? p->s->unsent_len : 0;
	int room = (int)((e->s->recv_len + unsent) * 2 + (1u << 20)), r;

	if (!e->s->recv_len && !unsent)
		return 0;
	setsockopt(sk, SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof(room));
	r = send_all(sk, img->map + e->data_off, e->s->recv_len);
	if (!r && unsent)
		r = send_all(sk, img->map + p->data_off + p->s->recv_len, unsent);
	setsockopt(sk, SOL_SOCKET, SO_RCVBUF, &(int){ e->s->rcvbuf / 2 }, sizeof(int));
	return r ? log_errno(r, "cannot refill TCP socket %llu", (unsigned long long)e->s->id) : 0;
}

/* The record that stands for the closed peer of s: at its peer address,
 * connected back, nothing queued. */
static struct img_inet closed_peer(const struct img_inet *s)
{
	struct img_inet p = *s;

	p.id = ~s->id;
	memcpy(p.local_addr, s->peer_addr, 16);
	memcpy(p.peer_addr, s->local_addr, 16);
	p.local_port = s->peer_port;
	p.peer_port = s->local_port;
	p.snd_wscale = s->rcv_wscale;
	p.rcv_wscale = s->snd_wscale;
	p.recv_len = p.unsent_len = 0;
	p.flags = 0;
	return p;
}

/* A shutdown s did itself; one that its peer's FIN made is the peer's. */
static int end_shutdown(int sk, const struct img_inet *s, const struct img_inet *p)
{
	if ((s->shutdown & SOCK_SHUT_WR) && shutdown(sk, SHUT_WR) < 0)
		return -errno;
	if ((s->shutdown & SOCK_SHUT_RD) && p && !(p->shutdown & SOCK_SHUT_WR) &&
	    shutdown(sk, SHUT_RD) < 0)
		return -errno;
	return 0;
}

/*
 * A connection and its two ends, or one end whose peer was closed (an end
 * made for the peer is closed once the connection stands: its FIN is the
 * one the end had received).
 */
static int connection_prepare(const struct image *img, const struct image_inet *a,
			      struct rst_shared *sh)
{
	const struct image_inet *b = a->s->peer ? image_find_inet(img, a->s->peer) : NULL;
	struct img_inet stand_in = closed_peer(a->s);
	const struct img_inet *ends[2] = { a->s, b ? b->s : &stand_in };
	const struct image_inet *iends[2] = { a, b };
	int sk[2] = { -1, -1 }, r = 0;

	for (int i = 0; !r && i < 2; i++)
		r = repair_end(ends[i], ends[!i], &sk[i]);
	for (int i = 0; !r && i < 2; i++)
		if (iends[i])
			r = refill_recv(img, sk[i], iends[i], iends[!i]);
	for (int i = 0; !r && i < 2; i++)
		if (tcp_opt(sk[i], TCP_REPAIR_QUEUE, TCP_NO_QUEUE) ||
		    tcp_opt(sk[i], TCP_REPAIR, TCP_REPAIR_OFF))
			r = log_errno(-errno, "cannot take TCP socket %llu out of repair mode",
				      (unsigned long long)ends[i]->id);
	for (int i = 0; !r && i < 2; i++)
		if (iends[i] && end_shutdown(sk[i], ends[i], b ? ends[!i] : NULL) < 0)
			r = log_errno(-errno, "cannot shut socket %llu down",
				      (unsigned long long)ends[i]->id);
	for (int i = 0; !r && i < 2; i++)
		if (iends[i])
			r = register_inet(sh, ends[i], &sk[i]);
	safe_close(sk[0]);
	safe_close(sk[1]);
	return r;
}

/* Listeners and sockets not connected first; then the connections, which
 * bind in repair mode beside the listeners; then the clients the
 * listeners had not accepted, connected through them. */
static int inet_prepare(const struct image *img, struct rst_shared *sh)
{
	int r = 0;

	for (size_t i = 0; !r && i < img->n_inet; i++) {
		const struct img_inet *s = img->inet[i].s;

		if (s->state != INET_STATE_CONNECTED || s->type == SOCK_DGRAM)
			r = plain_prepare(s, sh);
	}
	for (size_t i = 0; !r && i < img->n_inet; i++) {
		const struct img_inet *s = img->inet[i].s;

		if (s->state == INET_STATE_CONNECTED && s->type == SOCK_STREAM &&
		    !(s->flags & INET_F_PENDING) && !shared_find(sh, SHARED_SOCKET, -1, -1, s->id, 0))
			r = connection_prepare(img, &img->inet[i], sh);
	}
	for (size_t i = 0; !r && i < img->n_inet; i++)
		if (img->inet[i].s->flags & INET_F_PENDING)
			r = pending_prepare(img->inet[i].s, sh);
	return r;
}

const struct res_ops inet_ops = {
	.name = "inet",
	.prepare = inet_prepare,
};
