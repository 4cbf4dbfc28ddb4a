/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sockets.  A connected UNIX socket whose peer is in the request too (a
 * socketpair within a process or across the tree, or both ends of a
 * connection) is saved with its options, its shutdown state and the
 * messages in its receive queue (IMG_SOCKET, right after the IMG_FILE of
 * its first descriptor, which files.c writes), and made again at restart
 * as a socketpair by cr_restart before any process, refilled from the
 * other end.  Any other socket leads outside: it keeps BLCR's rule
 * (FILE_INHERIT, see files.c), with a warning naming it, or fails the
 * checkpoint under --sockets=refuse.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "res.h"
#include "common/util.h"

/* What sock_diag tells of one UNIX socket. */
struct unix_info {
	uint32_t type, state, shutdown;
	uint64_t peer;		/* its inode, 0 for none (or closed) */
	uint32_t name_len;
	char name[SOCK_NAME_MAX];
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
		       .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER,
		       .udiag_cookie = { ~0u, ~0u } },
	};
	union { char buf[4096]; struct nlmsghdr align; } resp;
	_cleanup_close_ int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	const struct nlmsghdr *h = &resp.align;
	const struct unix_diag_msg *m;
	ssize_t n;

	if (nl < 0)
		return -errno;
	if (ino > UINT32_MAX)
		return -ENOENT;
	if (send(nl, &req, sizeof(req), 0) < 0 || (n = recv(nl, resp.buf, sizeof(resp), 0)) < 0)
		return -errno;
	if (!NLMSG_OK(h, (size_t)n))
		return -EBADMSG;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error : -EBADMSG;
	}
	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EBADMSG;
	m = NLMSG_DATA(h);
	*ret = (struct unix_info){ .type = m->udiag_type, .state = m->udiag_state };
	int left = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	for (const struct rtattr *a = (const void *)(m + 1); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		size_t len = RTA_PAYLOAD(a);

		if (a->rta_type == UNIX_DIAG_NAME && len <= sizeof(ret->name)) {
			memcpy(ret->name, RTA_DATA(a), len);
			ret->name_len = len;
		} else if (a->rta_type == UNIX_DIAG_PEER && len >= 4) {
			ret->peer = *(const uint32_t *)RTA_DATA(a);
		} else if (a->rta_type == UNIX_DIAG_SHUTDOWN && len >= 1) {
			ret->shutdown = *(const uint8_t *)RTA_DATA(a);
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

/* A duplicate of fd of pid, the same open file description (pidfd_getfd(2),
 * which needs the access that reading its memory needs). */
static int target_fd(pid_t pid, int fd)
{
	_cleanup_close_ int pidfd = syscall(SYS_pidfd_open, pid, 0);
	int r;

	if (pidfd < 0)
		return -errno;
	r = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	return r < 0 ? -errno : r;
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
	fd = target_fd(df->pid, df->fd);
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

/* A connected UNIX socket of a kind we restore, whose peer is in the
 * request and connected to it, or was closed. */
static bool unix_inside(const struct dump_shared *sh, const struct dump_fd *df,
			const struct unix_info *u)
{
	struct unix_info peer;

	if (u->state != TCP_ESTABLISHED ||
	    (u->type != SOCK_STREAM && u->type != SOCK_DGRAM && u->type != SOCK_SEQPACKET))
		return false;
	if (!u->peer)
		return true;
	return in_request(sh, df, u->peer) && unix_diag(u->peer, &peer) == 0 &&
	       peer.peer == df->ino && peer.type == u->type;
}

int sockets_kind(struct dump_ctx *ctx, const struct dump_fd *df)
{
	struct unix_info u;
	bool is_unix = unix_diag(df->ino, &u) == 0;
	char what[320];

	if (is_unix && unix_inside(ctx->shared, df, &u))
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

/* ---- the receive queue ------------------------------------------------------- */

struct sock_queue {
	uint32_t *lens;
	size_t n;
	char *data;
	size_t len, cap;
};

/* Descriptors in flight came to us with a peek: closed, and refused. */
static int peek_rights(const struct msghdr *mh)
{
	int found = mh->msg_flags & MSG_CTRUNC ? -EOPNOTSUPP : 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
		found = -EOPNOTSUPP;
	}
	return found;
}

/* One message (or a piece of the stream) past what was peeked already;
 * 0 at the end of the queue. */
static int peek_one(int sk, const struct unix_info *u, struct sock_queue *q, size_t *ret_len)
{
	bool stream = u->type == SOCK_STREAM;
	union { char buf[CMSG_SPACE(sizeof(int) * 253)]; struct cmsghdr align; } ctl;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int off = q->len;
	ssize_t n;

	for (;;) {
		if (q->cap - q->len < 65536) {
			q->cap = q->cap * 2 + 65536;
			q->data = xrealloc(q->data, q->cap);
		}
		iov = (struct iovec){ q->data + q->len, q->cap - q->len };
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(sk, &mh, MSG_PEEK | MSG_DONTWAIT | (stream ? 0 : MSG_TRUNC));
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (peek_rights(&mh))
			return -EXDEV;
		/* 0 is the end of a stream, or a datagram of no bytes; after
		 * a shutdown of reading it is also the end of a datagram queue */
		if (n == 0 && (stream || (u->shutdown & SOCK_SHUT_RD)))
			return 0;
		if (stream || (size_t)n <= iov.iov_len)
			break;
		/* a datagram larger than the room: peeked again, whole, from
		 * where it starts (the peek moved the offset by what it copied) */
		if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)) < 0)
			return -errno;
		q->cap = q->len + n + 65536;
		q->data = xrealloc(q->data, q->cap);
	}
	if ((uint64_t)q->len + n > SOCK_DATA_MAX)
		return -EFBIG;
	*ret_len = n;
	return 1;
}

/*
 * The messages in a socket's receive queue, without taking them: peeked
 * with SO_PEEK_OFF, which walks past what was peeked (socket(7)), and put
 * back as it was, whatever happens, so that the target goes on unharmed.
 */
static int queue_peek(int sk, const struct unix_info *u, int peek_off, struct sock_queue *q)
{
	int zero = 0, r;
	size_t n = 0;

	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)) < 0)
		return -errno;
	while ((r = peek_one(sk, u, q, &n)) > 0) {
		if (u->type == SOCK_STREAM && q->n) {
			q->lens[0] += n;
		} else {
			q->lens = xrealloc(q->lens, (q->n + 1) * sizeof(*q->lens));
			q->lens[q->n++] = n;
		}
		q->len += n;
	}
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &peek_off, sizeof(peek_off)) < 0 && !r)
		r = -errno;
	return r;
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

int sockets_dump_data(struct dump_ctx *ctx, const struct dump_fd *df)
{
	struct img_socket s = { .id = df->ino, .state = SOCK_STATE_CONNECTED };
	struct sock_queue q = { 0 };
	_cleanup_close_ int sk = -1;
	struct unix_info u;
	int r = unix_diag(df->ino, &u);

	if (r)
		return log_errno(r, "cannot inspect socket fd %d of pid %d", df->fd, (int)df->pid);
	sk = target_fd(df->pid, df->fd);
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
	r = queue_peek(sk, &u, s.peek_off, &q);
	if (r == -EXDEV)
		log_error("cannot checkpoint socket fd %d of pid %d: descriptors in flight "
			  "(SCM_RIGHTS) are not saved", df->fd, (int)df->pid);
	else if (r)
		log_errno(r, "cannot read the queue of socket fd %d of pid %d", df->fd, (int)df->pid);
	s.n_msgs = q.n;
	s.data_len = q.len;
	log_debug("socket %llu: %zu messages, %zu bytes", (unsigned long long)s.id, q.n, q.len);

	const void *parts[] = { &s, q.lens, u.name, q.data };
	size_t lens[] = { sizeof(s), q.n * sizeof(*q.lens), u.name_len, q.len };
	if (!r)
		r = img_write_record(ctx->w, IMG_SOCKET, parts, lens, 4);
	free(q.lens);
	free(q.data);
	return r;
}

/* ---- restart ----------------------------------------------------------------- */

/* What a process takes for a socket's first descriptor (files.c). */
int sockets_open_description(const struct rst_shared *sh, const struct img_file *f)
{
	const struct rst_shared_fd *o = shared_find(sh, SHARED_SOCKET, -1, -1, f->object_id, 0);
	int fd;

	if (!o)
		return -ENOENT;
	fd = fcntl(o->helper, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

static int setopt_int(int sk, int opt, int v)
{
	return setsockopt(sk, SOL_SOCKET, opt, &v, sizeof(v)) < 0 ? -errno : 0;
}

static int setopt_time(int sk, int opt, int64_t us)
{
	struct timeval tv = { us / 1000000, us % 1000000 };

	return setsockopt(sk, SOL_SOCKET, opt, &tv, sizeof(tv)) < 0 ? -errno : 0;
}

/* The buffer sizes first, so that the queue fits as it did: getsockopt
 * reads twice what setsockopt was given (socket(7)). */
static void set_buffers(int sk, const struct img_socket *s)
{
	int32_t now = 0;

	setopt_int(sk, SO_SNDBUF, s->sndbuf / 2);
	setopt_int(sk, SO_RCVBUF, s->rcvbuf / 2);
	if (sockopt_int(sk, SO_SNDBUF, &now) || now != s->sndbuf ||
	    sockopt_int(sk, SO_RCVBUF, &now) || now != s->rcvbuf)
		log_warn("cannot give socket %llu its buffer sizes (%d and %d bytes): "
			 "net.core.wmem_max or rmem_max is smaller here", (unsigned long long)s->id,
			 s->sndbuf, s->rcvbuf);
}

/* The rest, once the queue is back: a receive low mark or a peek offset
 * set before would have changed how it was filled. */
static int set_options(int sk, const struct img_socket *s)
{
	int r = setopt_int(sk, SO_PASSCRED, !!(s->flags & SOCK_F_PASSCRED));

	if (!r && (s->flags & SOCK_F_PASSSEC))
		r = setopt_int(sk, SO_PASSSEC, 1);
	if (!r)
		r = setopt_int(sk, SO_PEEK_OFF, s->peek_off);
	if (!r)
		r = setopt_int(sk, SO_RCVLOWAT, s->rcvlowat);
	if (!r)
		r = setopt_time(sk, SO_RCVTIMEO, s->rcvtimeo_us);
	if (!r)
		r = setopt_time(sk, SO_SNDTIMEO, s->sndtimeo_us);
	return r ? log_errno(r, "cannot set the options of socket %llu", (unsigned long long)s->id)
		 : 0;
}

/* The queue of s back into it, sent in order from the other end. */
static int refill(const struct image *img, const struct image_socket *is, int from)
{
	const uint8_t *data = img->map + is->data_off;

	for (uint32_t i = 0; i < is->s->n_msgs; i++) {
		size_t len = is->lens[i], done = 0;

		do {
			ssize_t n = send(from, data + done, len - done, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (n < 0)
				return log_errno(-errno, "cannot refill socket %llu (message %u of %u)",
						 (unsigned long long)is->s->id, i + 1, is->s->n_msgs);
			done += n;
		} while (done < len && is->s->type == SOCK_STREAM);
		data += len;
	}
	return 0;
}

static int end_shutdown(int sk, const struct img_socket *s)
{
	if ((s->shutdown & SOCK_SHUT_RD) && shutdown(sk, SHUT_RD) < 0)
		return -errno;
	if ((s->shutdown & SOCK_SHUT_WR) && shutdown(sk, SHUT_WR) < 0)
		return -errno;
	return 0;
}

static int register_end(struct rst_shared *sh, uint64_t id, int *fd)
{
	struct rst_shared_fd *o = shared_add(sh);

	o->kind = SHARED_SOCKET;
	o->pid = o->fd = -1;
	o->id = id;
	o->helper = helper_fd(sh, TAKE_FD(*fd));
	return o->helper < 0 ? o->helper : 0;
}

/*
 * A socket and its peer as a new socketpair, each end with its options and
 * its queue; for a socket whose peer was closed, the other end of the pair
 * stands in for the peer, and is closed once it has refilled the queue.
 */
static int pair_prepare(const struct image *img, const struct image_socket *a,
			struct rst_shared *sh)
{
	const struct image_socket *b = a->s->peer ? image_find_socket(img, a->s->peer) : NULL;
	const struct image_socket *ends[2] = { a, b };
	int sv[2] = { -1, -1 }, r = 0;

	if (socketpair(AF_UNIX, a->s->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		return log_errno(-errno, "cannot create a socketpair for socket %llu",
				 (unsigned long long)a->s->id);
	for (int i = 0; i < 2; i++)
		if (ends[i])
			set_buffers(sv[i], ends[i]->s);
	if (!b)	/* the closed peer's buffer held a's queue */
		setopt_int(sv[1], SO_SNDBUF, a->s->data_len + a->s->n_msgs * 1024 + 65536);
	for (int i = 0; !r && i < 2; i++)
		if (ends[i])
			r = refill(img, ends[i], sv[!i]);
	for (int i = 0; !r && i < 2; i++)
		if (ends[i] && end_shutdown(sv[i], ends[i]->s) < 0)
			r = log_errno(-errno, "cannot shut socket %llu down",
				      (unsigned long long)ends[i]->s->id);
	for (int i = 0; !r && i < 2; i++)
		if (ends[i])
			r = set_options(sv[i], ends[i]->s);
	for (int i = 0; !r && i < 2; i++)
		if (ends[i])
			r = register_end(sh, ends[i]->s->id, &sv[i]);
	safe_close(sv[0]);
	safe_close(sv[1]);
	return r;
}

static int sockets_prepare(const struct image *img, struct rst_shared *sh)
{
	int r = 0;

	for (size_t i = 0; !r && i < img->n_sockets; i++)
		if (!shared_find(sh, SHARED_SOCKET, -1, -1, img->sockets[i].s->id, 0))
			r = pair_prepare(img, &img->sockets[i], sh);
	return r;
}

const struct res_ops sockets_ops = {
	.name = "sockets",
	.prepare = sockets_prepare,
};
