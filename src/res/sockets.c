/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dump of sockets.  A UNIX socket of the request is saved with its
 * options, its shutdown state and the messages in its receive queue
 * (IMG_SOCKET, right after the IMG_FILE of its first descriptor, which
 * files.c writes): one listening at a path or an abstract name, one
 * connected whose peer is in the request too (a socketpair within a
 * process or across the tree, or both ends of a connection), or was
 * closed, and a client that a listener of the request has not accepted
 * yet.  sockets_restart.c makes them again.  TCP and UDP sockets are
 * inet.c's.  Any other socket leads outside: it keeps BLCR's rule (FILE_INHERIT, see files.c), with a
 * warning naming it, or fails the checkpoint under --sockets=refuse.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <linux/sockios.h>

#include "res.h"
#include "common/util.h"

/* What sock_diag tells of one UNIX socket. */
struct unix_info {
	uint32_t type, state, shutdown;
	uint64_t peer;		/* its inode, 0 for none (or closed) */
	uint32_t name_len;
	char name[SOCK_NAME_MAX];
	uint32_t backlog;	/* a listener's */
	uint32_t n_icons;	/* a listener's clients not accepted yet, in order */
	uint32_t icons[256];
};

/*
 * One UNIX socket by its inode, through NETLINK_SOCK_DIAG (unix_diag(7)):
 * the peer's inode is known nowhere else.  -ENOENT for an inode that is no
 * UNIX socket of our network namespace.
 */
static int unix_diag(uint64_t ino, struct unix_info *ret)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST },
		.r = { .sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_ino = (uint32_t)ino,
		       .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN |
				     UDIAG_SHOW_ICONS,
		       .udiag_cookie = { ~0u, ~0u } },
	};
	union { char buf[8192]; struct nlmsghdr align; } resp;
	const struct unix_diag_msg *m;
	int left, r;

	if (ino > UINT32_MAX)
		return -ENOENT;
	r = sockets_diag(&req, sizeof(req), &resp, sizeof(resp), sizeof(*m), (const void **)&m, &left);
	if (r)
		return r;
	*ret = (struct unix_info){ .type = m->udiag_type, .state = m->udiag_state };
	for (const struct rtattr *a = (const void *)(m + 1); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		size_t len = RTA_PAYLOAD(a);

		if (a->rta_type == UNIX_DIAG_NAME && len <= sizeof(ret->name)) {
			memcpy(ret->name, RTA_DATA(a), len);
			/* a path comes with the NUL that bind() added */
			ret->name_len = len && ret->name[0] ? strnlen(ret->name, len) : len;
		} else if (a->rta_type == UNIX_DIAG_PEER && len >= 4) {
			ret->peer = *(const uint32_t *)RTA_DATA(a);
		} else if (a->rta_type == UNIX_DIAG_SHUTDOWN && len >= 1) {
			ret->shutdown = *(const uint8_t *)RTA_DATA(a);
		} else if (a->rta_type == UNIX_DIAG_RQLEN && len >= sizeof(struct unix_diag_rqlen)) {
			ret->backlog = ((const struct unix_diag_rqlen *)RTA_DATA(a))->udiag_wqueue;
		} else if (a->rta_type == UNIX_DIAG_ICONS) {
			ret->n_icons = len / 4 < ARRAY_SIZE(ret->icons) ? len / 4 :
				       ARRAY_SIZE(ret->icons);
			memcpy(ret->icons, RTA_DATA(a), ret->n_icons * 4);
		}
	}
	return 0;
}

/* A socket of the request: a descriptor in some process of it. */
static bool in_request(const struct dump_shared *sh, const struct dump_fd *me, uint64_t ino)
{
	for (size_t i = 0; i < sh->n_fds; i++)
		if (sh->fds[i].ino == ino && sh->fds[i].dev == me->dev && S_ISSOCK(sh->fds[i].mode))
			return true;
	return false;
}

/* A name that can be bound again: none, an absolute path or an abstract
 * name (a relative path was relative to a directory we do not know). */
static bool name_ok(const struct unix_info *u)
{
	return !u->name_len || !u->name[0] || u->name[0] == '/';
}

static bool listener_ok(const struct unix_info *u)
{
	return u->state == TCP_LISTEN && u->type != SOCK_DGRAM && u->name_len && name_ok(u);
}

/*
 * Not connected: a stream or seqpacket socket in TCP_CLOSE, or a datagram
 * socket with a name and no peer (the kernel shows datagram sockets as
 * TCP_ESTABLISHED; an unnamed one without a peer is taken as one whose
 * peer was closed, which is how it can hold a queue).
 */
static bool unconnected(const struct unix_info *u)
{
	return u->type == SOCK_DGRAM ? !u->peer && u->name_len : u->state == TCP_CLOSE;
}

/* A datagram socket connected to a bound one of the request that is not
 * connected: a server's clients, which connect to its name again. */
static bool to_server(const struct unix_info *u, const struct unix_info *peer)
{
	return u->type == SOCK_DGRAM && peer->type == SOCK_DGRAM && unconnected(peer) &&
	       name_ok(peer);
}

/*
 * The listener of the request that a connection belongs to: the one at
 * name (an accepted end has its listener's name), or the one whose queue
 * holds client (its place there in *ret_pos); 0 for none.
 */
static uint64_t find_listener(const struct dump_shared *sh, const struct dump_fd *me,
			      uint32_t type, const struct unix_info *by_name, uint64_t client,
			      uint32_t *ret_pos)
{
	struct unix_info l;

	for (size_t i = 0; i < sh->n_fds; i++) {
		const struct dump_fd *o = &sh->fds[i];

		if (o->dev != me->dev || !S_ISSOCK(o->mode) || unix_diag(o->ino, &l) ||
		    !listener_ok(&l) || l.type != type)
			continue;
		if (by_name && by_name->name_len == l.name_len &&
		    !memcmp(by_name->name, l.name, l.name_len))
			return o->ino;
		for (uint32_t k = 0; client && k < l.n_icons; k++)
			if (l.icons[k] == client) {
				*ret_pos = k;
				return o->ino;
			}
	}
	return 0;
}

/* A UNIX socket's name as messages show it: @ for an abstract one. */
static void unix_name(const struct unix_info *u, char *buf, size_t len)
{
	if (!u->name_len)
		snprintf(buf, len, "an unnamed UNIX socket");
	else if (u->name[0])
		snprintf(buf, len, "%.*s", (int)u->name_len, u->name);
	else
		snprintf(buf, len, "@%.*s", (int)u->name_len - 1, u->name + 1);
}

static void inet_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_in *in = (const void *)ss;
	const struct sockaddr_in6 *in6 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(in->sin_port));
	} else {
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	}
}

/* What a socket that is not saved leads to, for the message that says so. */
static void describe_outside(const struct dump_fd *df, const struct unix_info *u, bool is_unix,
			     char *buf, size_t len)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof(ss);
	struct unix_info peer;
	char name[160];
	int fd, type = 0;

	if (is_unix) {
		if (u->state == TCP_LISTEN) {
			unix_name(u, name, sizeof(name));
			snprintf(buf, len, "a UNIX socket listening at %s", name);
		} else if (u->peer && unix_diag(u->peer, &peer) == 0) {
			unix_name(&peer, name, sizeof(name));
			snprintf(buf, len, "a UNIX socket connected to %s (inode %llu)", name,
				 (unsigned long long)u->peer);
		} else {
			snprintf(buf, len, "an unconnected UNIX socket");
		}
		return;
	}
	snprintf(buf, len, "a socket");
	fd = sockets_target_fd(df->pid, df->fd);
	if (fd < 0)
		return;
	sl = sizeof(type);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl);
	sl = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
		inet_name(&ss, name, sizeof(name));
		snprintf(buf, len, "a %s socket connected to %s", type == SOCK_STREAM ? "TCP" : "UDP",
			 name);
	} else if (sl = sizeof(ss), getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
		   (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
		inet_name(&ss, name, sizeof(name));
		snprintf(buf, len, "a %s socket at %s", type == SOCK_STREAM ? "TCP" : "UDP", name);
	} else {
		snprintf(buf, len, "a socket of family %d", (int)ss.ss_family);
	}
	close(fd);
}

/*
 * A connected stream or seqpacket socket without a peer: its connection
 * is still in a listener's queue (no socket of its own until accepted),
 * unless the peer was closed, which shut it down both ways.
 */
static bool is_pending(const struct unix_info *u)
{
	return u->state == TCP_ESTABLISHED && !u->peer && u->type != SOCK_DGRAM &&
	       u->shutdown != (SOCK_SHUT_RD | SOCK_SHUT_WR);
}

/* A UNIX socket of a kind we restore: not connected (maybe bound), a
 * listener, or connected with its peer in the request and connected to it
 * (or a datagram server's client), or closed, or waiting in the queue of
 * a listener of the request. */
static bool unix_inside(const struct dump_shared *sh, const struct dump_fd *df,
			const struct unix_info *u)
{
	struct unix_info peer;
	uint32_t pos;

	if (u->type != SOCK_STREAM && u->type != SOCK_DGRAM && u->type != SOCK_SEQPACKET)
		return false;
	if (u->state == TCP_LISTEN)
		return listener_ok(u);
	if (unconnected(u))
		return name_ok(u);
	if (u->state != TCP_ESTABLISHED)
		return false;
	if (is_pending(u))
		return find_listener(sh, df, u->type, NULL, df->ino, &pos) != 0;
	if (!u->peer)
		return true;
	return in_request(sh, df, u->peer) && unix_diag(u->peer, &peer) == 0 &&
	       ((peer.peer == df->ino && peer.type == u->type) || to_server(u, &peer));
}

int sockets_kind(struct dump_ctx *ctx, const struct dump_fd *df)
{
	struct unix_info u;
	bool is_unix = unix_diag(df->ino, &u) == 0;
	char what[320];

	if (is_unix ? unix_inside(ctx->shared, df, &u) : inet_inside(ctx->shared, df))
		return FILE_SOCKET;
	describe_outside(df, &u, is_unix, what, sizeof(what));
	if (ctx->shared->sockets_refuse) {
		log_error("cannot checkpoint fd %d of pid %d: %s leads outside the checkpoint "
			  "(--sockets=refuse)", df->fd, (int)df->pid, what);
		return -EOPNOTSUPP;
	}
	log_warn("fd %d of pid %d, %s, leads outside the checkpoint: after restart it is "
		 "cr_restart's fd %d, or closed", df->fd, (int)df->pid, what, df->fd);
	return FILE_INHERIT;
}

static int sockopt_int(int sk, int opt, int32_t *ret)
{
	int v = 0;
	socklen_t l = sizeof(v);

	if (getsockopt(sk, SOL_SOCKET, opt, &v, &l) < 0)
		return -errno;
	*ret = v;
	return 0;
}

static int sockopt_time(int sk, int opt, int64_t *ret)
{
	struct timeval tv;
	socklen_t l = sizeof(tv);

	if (getsockopt(sk, SOL_SOCKET, opt, &tv, &l) < 0)
		return -errno;
	*ret = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	return 0;
}

/* The options a program can read back. */
static int sock_options(int sk, struct img_socket *s)
{
	int32_t cred = 0, sec = 0;
	int r = sockopt_int(sk, SO_SNDBUF, &s->sndbuf);

	if (!r)
		r = sockopt_int(sk, SO_RCVBUF, &s->rcvbuf);
	if (!r)
		r = sockopt_int(sk, SO_PEEK_OFF, &s->peek_off);
	if (!r)
		r = sockopt_int(sk, SO_RCVLOWAT, &s->rcvlowat);
	if (!r)
		r = sockopt_int(sk, SO_PASSCRED, &cred);
	if (!r)
		r = sockopt_int(sk, SO_PASSSEC, &sec);
	if (!r)
		r = sockopt_time(sk, SO_RCVTIMEO, &s->rcvtimeo_us);
	if (!r)
		r = sockopt_time(sk, SO_SNDTIMEO, &s->sndtimeo_us);
	s->flags = (cred ? SOCK_F_PASSCRED : 0) | (sec ? SOCK_F_PASSSEC : 0);
	return r;
}

/*
 * How a socket of the request came to be: listening, accepted from a
 * listener of the request or connected to it (then the restart connects
 * through it again), or waiting in its queue.  A client not accepted yet
 * that sent bytes is refused: they sit in a socket that no descriptor
 * holds, where nothing can read them without accepting it.
 */
static int sock_origin(struct dump_ctx *ctx, const struct dump_fd *df, int sk,
		       const struct unix_info *u, struct img_socket *s)
{
	struct unix_info peer;
	int outq = 0;

	if (u->state == TCP_LISTEN) {
		s->state = SOCK_STATE_LISTEN;
		s->backlog = u->backlog;
	} else if (unconnected(u)) {
		s->state = SOCK_STATE_UNCONNECTED;
	} else if (u->peer && unix_diag(u->peer, &peer) == 0 && to_server(u, &peer)) {
		s->flags |= SOCK_F_TO_NAME;
	} else if (is_pending(u)) {
		s->listener = find_listener(ctx->shared, df, u->type, NULL, df->ino, &s->queue_pos);
		s->flags |= SOCK_F_PENDING;
		if (ioctl(sk, SIOCOUTQ, &outq) < 0 || outq) {
			log_error("cannot checkpoint socket fd %d of pid %d: it sent bytes on a "
				  "connection that its listener has not accepted yet", df->fd,
				  (int)df->pid);
			return -EOPNOTSUPP;
		}
	} else if (u->peer && u->name_len &&
		   (s->listener = find_listener(ctx->shared, df, u->type, u, 0, NULL))) {
		s->flags |= SOCK_F_ACCEPTED;
	} else if (u->peer && unix_diag(u->peer, &peer) == 0 && peer.name_len) {
		s->listener = find_listener(ctx->shared, df, u->type, &peer, 0, NULL);
	}
	return 0;
}

int sockets_dump_data(struct dump_ctx *ctx, const struct dump_fd *df)
{
	struct img_socket s = { .id = df->ino, .state = SOCK_STATE_CONNECTED };
	struct sock_queue q = { 0 };
	_cleanup_close_ int sk = -1;
	struct unix_info u;
	int r = unix_diag(df->ino, &u);

	if (r == -ENOENT)
		return inet_dump_data(ctx, df);
	if (r)
		return log_errno(r, "cannot inspect socket fd %d of pid %d", df->fd, (int)df->pid);
	sk = sockets_target_fd(df->pid, df->fd);
	if (sk < 0)
		return log_errno(sk, "cannot take socket fd %d of pid %d", df->fd, (int)df->pid);
	s.peer = u.peer;
	s.type = u.type;
	s.shutdown = u.shutdown & (SOCK_SHUT_RD | SOCK_SHUT_WR);
	s.name_len = u.name_len;
	r = sock_options(sk, &s);
	if (r)
		return log_errno(r, "cannot read the options of socket fd %d of pid %d", df->fd,
				 (int)df->pid);
	r = sock_origin(ctx, df, sk, &u, &s);
	if (r)
		return r;
	/* a listener's queue holds connections, not messages; a stream
	 * socket that is not connected has none (recv says EINVAL) */
	r = u.state == TCP_LISTEN || (unconnected(&u) && u.type != SOCK_DGRAM) ? 0 :
	    sockets_queue_peek(ctx->shared, sk, u.type, u.shutdown, s.peek_off, &q);
	if (r == -EXDEV)
		log_error("cannot checkpoint socket fd %d of pid %d: a descriptor in flight "
			  "(SCM_RIGHTS) is not the open file of a process of the checkpoint",
			  df->fd, (int)df->pid);
	else if (r == -EPROTONOSUPPORT)
		log_error("cannot checkpoint socket fd %d of pid %d: descriptors in flight "
			  "(SCM_RIGHTS) are saved in datagram and seqpacket sockets, not in a "
			  "stream", df->fd, (int)df->pid);
	/* they go back from the peer, after every other socket is made */
	if (!r && q.n_rights && (!s.peer || s.state != SOCK_STATE_CONNECTED ||
				 (s.flags & (SOCK_F_TO_NAME | SOCK_F_PENDING)))) {
		log_error("cannot checkpoint socket fd %d of pid %d: descriptors in flight "
			  "(SCM_RIGHTS) are saved only between two sockets of the checkpoint",
			  df->fd, (int)df->pid);
		r = -EOPNOTSUPP;
	}
	else if (r)
		log_errno(r, "cannot read the queue of socket fd %d of pid %d", df->fd, (int)df->pid);
	/* datagrams go back to a name: without one they could not (the
	 * reader refuses such a record) */
	if (!r && q.n && !u.name_len &&
	    (s.state == SOCK_STATE_UNCONNECTED || (s.flags & SOCK_F_TO_NAME))) {
		log_error("cannot checkpoint socket fd %d of pid %d: datagrams wait in it and it "
			  "has no name to send them back to", df->fd, (int)df->pid);
		r = -EOPNOTSUPP;
	}
	s.n_msgs = q.n;
	s.data_len = q.len;
	log_debug("socket %llu: %zu messages, %zu bytes", (unsigned long long)s.id, q.n, q.len);

	const void *parts[] = { &s, q.lens, u.name, q.data };
	size_t lens[] = { sizeof(s), q.n * sizeof(*q.lens), u.name_len, q.len };
	if (!r)
		r = img_write_record(ctx->w, IMG_SOCKET, parts, lens, 4);
	if (!r && q.n_rights) {
		struct img_socket_rights h = { .socket = s.id, .n = q.n_rights };
		const void *rparts[] = { &h, q.rights };
		size_t rlens[] = { sizeof(h), q.n_rights * sizeof(*q.rights) };

		r = img_write_record(ctx->w, IMG_SOCKET_RIGHTS, rparts, rlens, 2);
	}
	free(q.lens);
	free(q.data);
	free(q.rights);
	return r;
}
