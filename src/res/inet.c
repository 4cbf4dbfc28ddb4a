/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dump of TCP and UDP sockets (IMG_INET), beside sockets.c's UNIX
 * ones: a socket not connected (maybe bound), a TCP listener, a TCP
 * connection whose other end is a socket of the request too (or was
 * closed), and a client that a listener of the request has not accepted
 * yet.  Both ends of a connection are in the request, so its sequence
 * numbers are nobody else's business: the restart chooses new ones
 * (inet_restart.c).  What is saved is what the programs can see: the
 * addresses, the options, the bytes queued each way.
 */
#include <arpa/inet.h>
#include <string.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "res.h"
#include "common/util.h"

/* How long sent bytes may wait for their acknowledgement (a delayed ACK
 * on loopback takes up to 40 ms) before the checkpoint gives up. */
#define INET_ACK_WAIT_MS 1000

/* What a socket of the request says of itself. */
struct inet_probe {
	int family, type, protocol;
	bool listening;
	struct sockaddr_storage local, peer;	/* peer's family AF_UNSPEC: none */
	struct tcp_info ti;			/* TCP */
};

static int inet_probe(int sk, struct inet_probe *p)
{
	socklen_t l = sizeof(int);
	int acc = 0;

	*p = (struct inet_probe){ 0 };
	if (getsockopt(sk, SOL_SOCKET, SO_DOMAIN, &p->family, &l) < 0 ||
	    (p->family != AF_INET && p->family != AF_INET6))
		return -EAFNOSUPPORT;
	l = sizeof(int);
	if (getsockopt(sk, SOL_SOCKET, SO_TYPE, &p->type, &l) < 0 ||
	    getsockopt(sk, SOL_SOCKET, SO_PROTOCOL, &p->protocol, &l) < 0 ||
	    getsockopt(sk, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0)
		return -errno;
	if (!((p->type == SOCK_STREAM && p->protocol == IPPROTO_TCP) ||
	      (p->type == SOCK_DGRAM && p->protocol == IPPROTO_UDP)))
		return -EPROTONOSUPPORT;
	p->listening = acc;
	l = sizeof(p->local);
	if (getsockname(sk, (struct sockaddr *)&p->local, &l) < 0)
		return -errno;
	l = sizeof(p->peer);
	if (getpeername(sk, (struct sockaddr *)&p->peer, &l) < 0)
		p->peer.ss_family = AF_UNSPEC;
	l = sizeof(p->ti);
	if (p->protocol == IPPROTO_TCP && getsockopt(sk, IPPROTO_TCP, TCP_INFO, &p->ti, &l) < 0)
		return -errno;
	return 0;
}

/* An address's bytes (16, an IPv4 one in the first 4) and its port. */
static uint16_t addr_split(const struct sockaddr_storage *ss, uint8_t addr[16])
{
	const struct sockaddr_in *in = (const void *)ss;
	const struct sockaddr_in6 *in6 = (const void *)ss;

	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		memcpy(addr, &in->sin_addr, 4);
		return in->sin_port;
	}
	if (ss->ss_family == AF_INET6) {
		memcpy(addr, &in6->sin6_addr, 16);
		return in6->sin6_port;
	}
	return 0;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	uint8_t x[16], y[16];

	return a->ss_family == b->ss_family && addr_split(a, x) == addr_split(b, y) &&
	       !memcmp(x, y, 16);
}

/* Whether a listener at l takes connections to a (the same port, and its
 * address or the wildcard). */
static bool listens_at(const struct sockaddr_storage *l, const struct sockaddr_storage *a)
{
	static const uint8_t any[16];
	uint8_t x[16], y[16];

	return l->ss_family == a->ss_family && addr_split(l, x) == addr_split(a, y) &&
	       (!memcmp(x, y, 16) || !memcmp(x, any, 16));
}

/* What sock_diag says of the TCP socket whose local and remote addresses
 * are src and dst: its state, its inode (0 for one without a descriptor:
 * in a listener's queue, or closed), its receive queue and shutdowns. */
struct tcp_diag {
	uint8_t state, shutdown;
	uint32_t ino, rqueue;
};

static int tcp_diag(const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
		    struct tcp_diag *ret)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST },
		.r = { .sdiag_family = src->ss_family, .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states = ~0u,
		       .id = { .idiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE } } },
	};
	union { char buf[4096]; struct nlmsghdr align; } resp;
	const struct inet_diag_msg *m;
	uint8_t a[16];
	int left, r;

	req.r.id.idiag_sport = addr_split(src, a);
	memcpy(req.r.id.idiag_src, a, 16);
	req.r.id.idiag_dport = addr_split(dst, a);
	memcpy(req.r.id.idiag_dst, a, 16);
	r = sockets_diag(&req, sizeof(req), &resp, sizeof(resp), sizeof(*m), (const void **)&m, &left);
	if (r)
		return r;
	*ret = (struct tcp_diag){ .state = m->idiag_state, .ino = m->idiag_inode,
				  .rqueue = m->idiag_rqueue };
	for (const struct rtattr *at = (const void *)(m + 1); RTA_OK(at, left);
	     at = RTA_NEXT(at, left))
		if (at->rta_type == INET_DIAG_SHUTDOWN && RTA_PAYLOAD(at) >= 1)
			ret->shutdown = *(const uint8_t *)RTA_DATA(at);
	return 0;
}

/*
 * Another TCP or UDP socket of the request that match() takes, probed;
 * its descriptor in *ret_df.  Its inode alone is not enough: a socket in
 * a listener's queue has none.
 */
static bool find_in_request(const struct dump_shared *sh, const struct dump_fd *me,
			    bool (*match)(const struct inet_probe *, const struct inet_probe *),
			    const struct inet_probe *mine, const struct dump_fd **ret_df)
{
	for (size_t i = 0; i < sh->n_fds; i++) {
		const struct dump_fd *o = &sh->fds[i];
		struct inet_probe p;
		int sk;

		if (!S_ISSOCK(o->mode) || o->dev != me->dev || o->ino == me->ino)
			continue;
		sk = sockets_target_fd(o->pid, o->fd);
		if (sk < 0)
			continue;
		if (inet_probe(sk, &p) == 0 && match(mine, &p)) {
			close(sk);
			*ret_df = o;
			return true;
		}
		close(sk);
	}
	return false;
}

static bool is_listener_of(const struct inet_probe *client, const struct inet_probe *l)
{
	return l->protocol == IPPROTO_TCP && l->listening && listens_at(&l->local, &client->peer);
}

static bool is_udp_peer(const struct inet_probe *me, const struct inet_probe *o)
{
	return o->protocol == IPPROTO_UDP && same_addr(&o->local, &me->peer);
}

/* How a TCP socket that is not a listener stands (INET_STATE_*, or 0 when
 * it leads outside): connected to its peer (id, 0 when closed) or, a
 * client not accepted yet, to its listener. */
struct tcp_link {
	uint64_t peer, listener;
	struct tcp_diag self, other;
};

static int ioctl_int(int sk, unsigned long req)
{
	int v = 0;

	return ioctl(sk, req, &v) < 0 ? -errno : v;
}

/* A state a connection passes through for as long as an acknowledgement
 * takes: its FIN sent and not acknowledged. */
static bool closing(uint8_t state)
{
	return state == TCP_FIN_WAIT1 || state == TCP_CLOSING || state == TCP_LAST_ACK;
}

/*
 * The two ends of a connection as they stand once every byte (and FIN)
 * sent is acknowledged, which the parked processes do not delay: a
 * delayed ACK takes up to 40 ms on loopback.  Bounded; -ETIMEDOUT.
 */
static int tcp_settle(int sk, const struct inet_probe *p, struct tcp_link *link)
{
	for (int ms = 0; ms < INET_ACK_WAIT_MS; ms++) {
		int outq = ioctl_int(sk, SIOCOUTQ), unsent = ioctl_int(sk, SIOCOUTQNSD), r;

		if (outq < 0 || unsent < 0)
			return outq < 0 ? outq : unsent;
		r = tcp_diag(&p->local, &p->peer, &link->self);
		if (!r)
			r = tcp_diag(&p->peer, &p->local, &link->other);
		if (r && r != -ENOENT)
			return r;
		/* a peer on another host: nothing of it to wait for */
		if (r == -ENOENT && link->self.state == TCP_ESTABLISHED)
			return 0;
		if (outq == unsent && !closing(link->self.state) &&
		    (r == -ENOENT || !closing(link->other.state)))
			return r == -ENOENT ? 0 : 1;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	return -ETIMEDOUT;
}

static int tcp_linked(const struct dump_shared *sh, const struct dump_fd *df, int sk,
		      const struct inet_probe *p, struct tcp_link *ret)
{
	const struct dump_fd *l;
	int r;

	*ret = (struct tcp_link){ 0 };
	if (p->ti.tcpi_state == TCP_CLOSE)
		return INET_STATE_UNCONNECTED;
	r = tcp_settle(sk, p, ret);
	if (r < 0)
		return r == -ETIMEDOUT ? 0 : r;
	if (ret->self.state != TCP_ESTABLISHED && ret->self.state != TCP_CLOSE_WAIT &&
	    ret->self.state != TCP_FIN_WAIT2)
		return 0;
	if (!r)		/* the peer is gone altogether */
		return ret->self.state == TCP_CLOSE_WAIT ? INET_STATE_CONNECTED : 0;
	if (ret->other.ino) {
		for (size_t i = 0; i < sh->n_fds; i++)
			if (sh->fds[i].ino == ret->other.ino && sh->fds[i].dev == df->dev &&
			    S_ISSOCK(sh->fds[i].mode)) {
				ret->peer = ret->other.ino;
				return INET_STATE_CONNECTED;
			}
		return 0;
	}
	/* a socket without a descriptor: in a listener's queue, or closed */
	if (ret->other.state == TCP_ESTABLISHED && ret->self.state == TCP_ESTABLISHED &&
	    find_in_request(sh, df, is_listener_of, p, &l)) {
		ret->listener = l->ino;
		return INET_STATE_CONNECTED;
	}
	return ret->self.state == TCP_CLOSE_WAIT ? INET_STATE_CONNECTED : 0;
}

bool inet_inside(const struct dump_shared *sh, const struct dump_fd *df)
{
	struct inet_probe p;
	struct tcp_link link;
	const struct dump_fd *o;
	_cleanup_close_ int sk = sockets_target_fd(df->pid, df->fd);

	if (sk < 0 || inet_probe(sk, &p))
		return false;
	if (p.protocol == IPPROTO_UDP)
		return p.peer.ss_family == AF_UNSPEC || find_in_request(sh, df, is_udp_peer, &p, &o);
	if (p.listening)
		return true;
	return tcp_linked(sh, df, sk, &p, &link) > 0;
}

/* ---- the record --------------------------------------------------------------- */

static int int_opt(int sk, int level, int opt)
{
	int v = 0;
	socklen_t l = sizeof(v);

	return getsockopt(sk, level, opt, &v, &l) < 0 ? -1 : v;
}

static int64_t time_opt(int sk, int opt)
{
	struct timeval tv = { 0 };
	socklen_t l = sizeof(tv);

	getsockopt(sk, SOL_SOCKET, opt, &tv, &l);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* The options a program can read back. */
static void inet_options(int sk, const struct inet_probe *p, struct img_inet *s)
{
	struct linger lg = { 0 };
	socklen_t l = sizeof(lg);

	s->sndbuf = int_opt(sk, SOL_SOCKET, SO_SNDBUF);
	s->rcvbuf = int_opt(sk, SOL_SOCKET, SO_RCVBUF);
	s->rcvlowat = int_opt(sk, SOL_SOCKET, SO_RCVLOWAT);
	s->rcvtimeo_us = time_opt(sk, SO_RCVTIMEO);
	s->sndtimeo_us = time_opt(sk, SO_SNDTIMEO);
	s->flags |= (int_opt(sk, SOL_SOCKET, SO_REUSEADDR) > 0 ? INET_F_REUSEADDR : 0) |
		    (int_opt(sk, SOL_SOCKET, SO_REUSEPORT) > 0 ? INET_F_REUSEPORT : 0) |
		    (int_opt(sk, SOL_SOCKET, SO_KEEPALIVE) > 0 ? INET_F_KEEPALIVE : 0);
	if (p->protocol == IPPROTO_TCP && int_opt(sk, IPPROTO_TCP, TCP_NODELAY) > 0)
		s->flags |= INET_F_NODELAY;
	if (p->family == AF_INET6 && int_opt(sk, IPPROTO_IPV6, IPV6_V6ONLY) > 0)
		s->flags |= INET_F_V6ONLY;
	if (getsockopt(sk, SOL_SOCKET, SO_LINGER, &lg, &l) == 0 && lg.l_onoff) {
		s->flags |= INET_F_LINGER;
		s->linger_s = lg.l_linger;
	}
}

/* len bytes of the queue that the socket's repair mode (or none) shows,
 * peeked into a new buffer. */
static int peek_queue(int sk, size_t len, char **ret)
{
	ssize_t n;

	*ret = NULL;
	if (!len)
		return 0;
	if (len > SOCK_DATA_MAX)
		return -EFBIG;
	*ret = xmalloc(len);
	n = recv(sk, *ret, len, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EAGAIN;
}

/*
 * The bytes the socket has not sent yet, which only its repair mode shows
 * (and only to CAP_NET_ADMIN): taken and left again, the socket otherwise
 * untouched (leaving repair mode forgets SO_REUSEADDR, given back).
 */
static int peek_unsent(int sk, const struct dump_fd *df, size_t len, bool reuse, char **ret)
{
	int on = 1, off = TCP_REPAIR_OFF, q = TCP_SEND_QUEUE, none = TCP_NO_QUEUE, r;

	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)) < 0) {
		r = -errno;
		if (r == -EPERM)
			log_error("cannot checkpoint TCP socket fd %d of pid %d: %zu bytes wait in it "
				  "to be sent, which only CAP_NET_ADMIN can read", df->fd,
				  (int)df->pid, len);
		return r == -EPERM ? -EOPNOTSUPP : r;
	}
	r = setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) < 0 ? -errno :
	    peek_queue(sk, len, ret);
	setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_QUEUE, &none, sizeof(none));
	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off)) < 0 && !r)
		r = -errno;
	if (reuse)
		setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	return r;
}

/* A TCP connection's queues and what its ends agreed on. */
static int tcp_connection(int sk, const struct dump_fd *df, const struct inet_probe *p,
			  struct img_inet *s, char **recvq, char **unsent)
{
	/* tcp_settle() saw every byte sent acknowledged: the peer's queue
	 * holds them; what is left was not sent yet */
	int inq, left = ioctl_int(sk, SIOCOUTQNSD), r;

	if (left < 0 || ioctl_int(sk, SIOCOUTQ) != left) {
		log_error("cannot checkpoint TCP socket fd %d of pid %d: bytes it sent are not "
			  "acknowledged", df->fd, (int)df->pid);
		return -EOPNOTSUPP;
	}
	inq = ioctl_int(sk, SIOCINQ);
	if (inq < 0)
		return log_errno(inq, "cannot read the queue of TCP socket fd %d of pid %d", df->fd,
				 (int)df->pid);
	r = peek_queue(sk, inq, recvq);
	if (r)
		return log_errno(r, "cannot read the queue of TCP socket fd %d of pid %d", df->fd,
				 (int)df->pid);
	s->recv_len = inq;
	if (left) {
		r = peek_unsent(sk, df, left, s->flags & INET_F_REUSEADDR, unsent);
		if (r)
			return r == -EOPNOTSUPP ? r :
			       log_errno(r, "cannot read what TCP socket fd %d of pid %d has to send",
					 df->fd, (int)df->pid);
		s->unsent_len = left;
	}
	s->mss = p->ti.tcpi_snd_mss;
	s->snd_wscale = p->ti.tcpi_snd_wscale;
	s->rcv_wscale = p->ti.tcpi_rcv_wscale;
	s->tcp_options = p->ti.tcpi_options & INET_TCPI_OPTS_KNOWN;
	return 0;
}

/* The kind and links of a TCP socket of the request. */
static int tcp_state(struct dump_ctx *ctx, const struct dump_fd *df, int sk,
		     const struct inet_probe *p, struct img_inet *s, char **recvq, char **unsent)
{
	struct tcp_link link;
	int r;

	if (p->listening) {
		s->state = INET_STATE_LISTEN;
		s->backlog = p->ti.tcpi_sacked;	/* a listener's: its backlog */
		return 0;
	}
	r = tcp_linked(ctx->shared, df, sk, p, &link);
	if (r <= 0)
		return log_errno(r ? r : -ESTALE, "cannot checkpoint TCP socket fd %d of pid %d: "
				 "it changed while being saved", df->fd, (int)df->pid);
	s->state = r;
	if (r == INET_STATE_UNCONNECTED)
		return 0;
	s->shutdown = link.self.shutdown & (SOCK_SHUT_RD | SOCK_SHUT_WR);
	if (link.listener) {
		s->flags |= INET_F_PENDING;
		s->listener = link.listener;
		if (link.other.rqueue || ioctl_int(sk, SIOCOUTQ)) {
			log_error("cannot checkpoint TCP socket fd %d of pid %d: it sent bytes on a "
				  "connection that its listener has not accepted yet", df->fd,
				  (int)df->pid);
			return -EOPNOTSUPP;
		}
		return 0;
	}
	s->peer = link.peer;
	return tcp_connection(sk, df, p, s, recvq, unsent);
}

int inet_dump_data(struct dump_ctx *ctx, const struct dump_fd *df)
{
	struct img_inet s = { .id = df->ino };
	_cleanup_close_ int sk = sockets_target_fd(df->pid, df->fd);
	_cleanup_free_ char *recvq = NULL, *unsent = NULL;
	struct inet_probe p;
	int r;

	if (sk < 0)
		return log_errno(sk, "cannot take socket fd %d of pid %d", df->fd, (int)df->pid);
	r = inet_probe(sk, &p);
	if (r)
		return log_errno(r, "cannot inspect socket fd %d of pid %d", df->fd, (int)df->pid);
	s.family = p.family;
	s.type = p.type;
	s.local_port = addr_split(&p.local, s.local_addr);
	s.peer_port = addr_split(&p.peer, s.peer_addr);
	inet_options(sk, &p, &s);
	if (p.protocol == IPPROTO_TCP) {
		r = tcp_state(ctx, df, sk, &p, &s, &recvq, &unsent);
	} else {
		s.state = p.peer.ss_family == AF_UNSPEC ? INET_STATE_UNCONNECTED :
			  INET_STATE_CONNECTED;
		if (ioctl_int(sk, SIOCINQ) != 0) {
			log_error("cannot checkpoint UDP socket fd %d of pid %d: datagrams wait in "
				  "it, which ucr does not save", df->fd, (int)df->pid);
			r = -EOPNOTSUPP;
		}
	}
	if (r)
		return r;
	log_debug("%s socket %llu: state %u, %llu bytes queued, %llu to send",
		  p.protocol == IPPROTO_TCP ? "TCP" : "UDP", (unsigned long long)s.id, s.state,
		  (unsigned long long)s.recv_len, (unsigned long long)s.unsent_len);

	const void *parts[] = { &s, recvq, unsent };
	size_t lens[] = { sizeof(s), s.recv_len, s.unsent_len };
	return img_write_record(ctx->w, IMG_INET, parts, lens, 3);
}
