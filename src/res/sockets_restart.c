/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The restart of the sockets that sockets.c saved (IMG_SOCKET), made by
 * cr_restart before any process and taken by the new processes as pipes
 * are (files.c): listeners bound again at their names, connections made
 * again through them (connect and accept, so that the names stay), the
 * other connected sockets as socketpairs; each end with its options, its
 * queue sent back into it from the other end, and its shutdowns.  A queue
 * with descriptors in flight waits until the open files are made.
 */
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "res.h"
#include "common/util.h"

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
	int snd = 0, rcv = 0;
	socklen_t l = sizeof(int);

	setopt_int(sk, SO_SNDBUF, s->sndbuf / 2);
	setopt_int(sk, SO_RCVBUF, s->rcvbuf / 2);
	if (getsockopt(sk, SOL_SOCKET, SO_SNDBUF, &snd, &l) || snd != s->sndbuf ||
	    getsockopt(sk, SOL_SOCKET, SO_RCVBUF, &rcv, &l) || rcv != s->rcvbuf)
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

/* The queue of s back into it, sent in order from the other end, or from
 * any socket to its name (to NULL: from is connected to it). */
static int refill_to(const struct image *img, const struct image_socket *is, int from,
		     const struct sockaddr_un *to, socklen_t to_len)
{
	const uint8_t *data = img->map + is->data_off;

	for (uint32_t i = 0; i < is->s->n_msgs; i++) {
		size_t len = is->lens[i], done = 0;

		do {
			ssize_t n = sendto(from, data + done, len - done, MSG_DONTWAIT | MSG_NOSIGNAL,
					   (const struct sockaddr *)to, to ? to_len : 0);

			if (n < 0)
				return log_errno(-errno, "cannot refill socket %llu (message %u of %u)",
						 (unsigned long long)is->s->id, i + 1, is->s->n_msgs);
			done += n;
		} while (done < len && is->s->type == SOCK_STREAM);
		data += len;
	}
	return 0;
}

static int refill(const struct image *img, const struct image_socket *is, int from)
{
	return refill_to(img, is, from, NULL, 0);
}

static int end_shutdown(int sk, const struct img_socket *s)
{
	if ((s->shutdown & SOCK_SHUT_RD) && shutdown(sk, SHUT_RD) < 0)
		return -errno;
	if ((s->shutdown & SOCK_SHUT_WR) && shutdown(sk, SHUT_WR) < 0)
		return -errno;
	return 0;
}

int sockets_register(struct rst_shared *sh, uint64_t id, int *fd)
{
	struct rst_shared_fd *o = shared_add(sh);

	o->kind = SHARED_SOCKET;
	o->pid = o->fd = -1;
	o->id = id;
	o->helper = helper_fd(sh, TAKE_FD(*fd));
	return o->helper < 0 ? o->helper : 0;
}

/* A socket's name as bind() and connect() take it. */
static socklen_t listener_addr(const struct image_socket *l, struct sockaddr_un *sa)
{
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	memcpy(sa->sun_path, l->name, l->s->name_len);
	return offsetof(struct sockaddr_un, sun_path) + l->s->name_len;
}

/*
 * The socket file at a listener's path is the stale one of the process
 * that was checkpointed (or of an earlier restart) when nothing listens
 * there any more (connect says ECONNREFUSED): removed, so that bind can
 * make it again.  Anything else at the path is refused.
 */
static int clear_stale(const struct image_socket *l)
{
	struct sockaddr_un sa;
	socklen_t len = listener_addr(l, &sa);
	_cleanup_close_ int probe = -1;
	struct stat st;

	if (!sa.sun_path[0] || (lstat(sa.sun_path, &st) < 0 && errno == ENOENT))
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		log_error("cannot bind socket %llu again at %s: another file is there",
			  (unsigned long long)l->s->id, sa.sun_path);
		return -EADDRINUSE;
	}
	probe = socket(AF_UNIX, l->s->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (probe < 0)
		return log_errno(-errno, "cannot probe %s", sa.sun_path);
	if (connect(probe, (struct sockaddr *)&sa, len) == 0 || errno != ECONNREFUSED) {
		log_error("cannot bind socket %llu again at %s: another socket listens there",
			  (unsigned long long)l->s->id, sa.sun_path);
		return -EADDRINUSE;
	}
	return unlink(sa.sun_path) < 0 ? log_errno(-errno, "cannot remove the stale socket %s",
						   sa.sun_path) : 0;
}

static int listener_prepare(const struct image_socket *l, struct rst_shared *sh)
{
	struct sockaddr_un sa;
	socklen_t len = listener_addr(l, &sa);
	int fd = socket(AF_UNIX, l->s->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), r;

	if (fd < 0)
		return log_errno(-errno, "cannot create socket %llu", (unsigned long long)l->s->id);
	r = clear_stale(l);
	if (!r && (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, l->s->backlog) < 0))
		r = log_errno(-errno, "cannot listen again at %s%.*s", sa.sun_path[0] ? "" : "@",
			      (int)l->s->name_len - !sa.sun_path[0], sa.sun_path + !sa.sun_path[0]);
	if (!r) {
		set_buffers(fd, l->s);
		r = set_options(fd, l->s);
	}
	if (!r)
		r = sockets_register(sh, l->s->id, &fd);
	safe_close(fd);
	return r;
}

/*
 * A socket that was not connected, bound again at its name (the stale
 * socket file removed), or a datagram socket connected to a server's name,
 * bound at its own first if it had one; its datagrams sent back to its
 * name, from a socket of ours, or from the server it is connected to.
 */
static int named_prepare(const struct image *img, const struct image_socket *is,
			 struct rst_shared *sh)
{
	const struct img_socket *s = is->s;
	const struct image_socket *server = s->peer ? image_find_socket(img, s->peer) : NULL;
	struct sockaddr_un sa, peer;
	socklen_t len = listener_addr(is, &sa), peer_len = server ? listener_addr(server, &peer) : 0;
	int fd = socket(AF_UNIX, s->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), from = -1, r = 0;

	if (fd < 0)
		return log_errno(-errno, "cannot create socket %llu", (unsigned long long)s->id);
	if (s->name_len && !(r = clear_stale(is)) && bind(fd, (struct sockaddr *)&sa, len) < 0)
		r = log_errno(-errno, "cannot bind socket %llu again", (unsigned long long)s->id);
	if (!r && server && connect(fd, (struct sockaddr *)&peer, peer_len) < 0)
		r = log_errno(-errno, "cannot connect socket %llu to socket %llu again",
			      (unsigned long long)s->id, (unsigned long long)s->peer);
	if (!r)
		set_buffers(fd, s);
	if (!r && s->n_msgs) {
		const struct rst_shared_fd *o = server ?
			shared_find(sh, SHARED_SOCKET, -1, -1, server->s->id, 0) : NULL;

		from = o ? fcntl(o->helper, F_DUPFD_CLOEXEC, 0) :
		       socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		r = from < 0 ? log_errno(-errno, "cannot refill socket %llu", (unsigned long long)s->id) :
		    refill_to(img, is, from, &sa, len);
	}
	if (!r && end_shutdown(fd, s) < 0)
		r = log_errno(-errno, "cannot shut socket %llu down", (unsigned long long)s->id);
	if (!r)
		r = set_options(fd, s);
	if (!r)
		r = sockets_register(sh, s->id, &fd);
	safe_close(from);
	safe_close(fd);
	return r;
}

/* A new connection to the listener of s: the client's end, nonblocking. */
static int connect_listener(const struct image *img, const struct img_socket *s)
{
	const struct image_socket *l = image_find_socket(img, s->listener);
	struct sockaddr_un sa;
	socklen_t len = listener_addr(l, &sa);
	int fd = socket(AF_UNIX, s->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len) < 0) {
		log_errno(-errno, "cannot connect socket %llu to its listener %llu again",
			  (unsigned long long)s->id, (unsigned long long)s->listener);
		safe_close(fd);
		return -EIO;
	}
	return fd;
}

/*
 * The two ends of a connection: through its listener when it was accepted
 * from one (the names come back with it), else a socketpair.  sv[0] is
 * a's end.
 */
static int make_ends(const struct image *img, const struct image_socket *a,
		     const struct image_socket *b, const struct rst_shared *sh, int sv[2])
{
	bool a_accepted = a->s->flags & SOCK_F_ACCEPTED;
	const struct rst_shared_fd *l;

	if (!b || !a->s->listener) {
		if (socketpair(AF_UNIX, a->s->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0)
			return 0;
		return log_errno(-errno, "cannot create a socketpair for socket %llu",
				 (unsigned long long)a->s->id);
	}
	l = shared_find(sh, SHARED_SOCKET, -1, -1, a->s->listener, 0);
	/* the client's end is sv[0] when a is the client */
	sv[a_accepted] = connect_listener(img, a_accepted ? b->s : a->s);
	if (sv[a_accepted] < 0)
		return sv[a_accepted];
	sv[!a_accepted] = accept4(l->helper, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (sv[!a_accepted] < 0)
		return log_errno(-errno, "cannot accept socket %llu again",
				 (unsigned long long)(a_accepted ? a : b)->s->id);
	return 0;
}

/*
 * A socket and its peer, each end with its options and its queue; for a
 * socket whose peer was closed, the other end of the pair stands in for
 * the peer, and is closed once it has refilled the queue.
 */
/* The end of a connection whose queue holds descriptors in flight, or
 * whose peer's does: it is finished by rights_prepare(), once the files
 * are made. */
static bool deferred(const struct image *img, const struct image_socket *is)
{
	const struct image_socket *peer = is->s->peer ? image_find_socket(img, is->s->peer) : NULL;

	return is->n_rights || (peer && peer->n_rights);
}

/* Its shutdowns, then its other options: once its queue is back. */
static int end_finish(int sk, const struct img_socket *s)
{
	if (end_shutdown(sk, s) < 0)
		return log_errno(-errno, "cannot shut socket %llu down", (unsigned long long)s->id);
	return set_options(sk, s);
}

static int pair_prepare(const struct image *img, const struct image_socket *a,
			struct rst_shared *sh)
{
	const struct image_socket *b = a->s->peer ? image_find_socket(img, a->s->peer) : NULL;
	const struct image_socket *ends[2] = { a, b };
	int sv[2] = { -1, -1 }, r = make_ends(img, a, b, sh, sv);
	bool later = deferred(img, a);

	for (int i = 0; !r && i < 2; i++)
		if (ends[i])
			set_buffers(sv[i], ends[i]->s);
	if (!r && !b)	/* the closed peer's buffer held a's queue */
		setopt_int(sv[1], SO_SNDBUF, a->s->data_len + a->s->n_msgs * 1024 + 65536);
	for (int i = 0; !r && i < 2; i++)
		if (ends[i] && !ends[i]->n_rights)
			r = refill(img, ends[i], sv[!i]);
	for (int i = 0; !r && !later && i < 2; i++)
		if (ends[i])
			r = end_finish(sv[i], ends[i]->s);
	for (int i = 0; !r && i < 2; i++)
		if (ends[i])
			r = sockets_register(sh, ends[i]->s->id, &sv[i]);
	safe_close(sv[0]);
	safe_close(sv[1]);
	return r;
}

/* A client the listener had not accepted: connected again, left in the
 * listener's queue for the program to accept. */
static int pending_prepare(const struct image *img, const struct image_socket *c,
			   struct rst_shared *sh)
{
	int fd = connect_listener(img, c->s), r;

	if (fd < 0)
		return fd;
	set_buffers(fd, c->s);
	r = end_shutdown(fd, c->s) < 0 ?
	    log_errno(-errno, "cannot shut socket %llu down", (unsigned long long)c->s->id) : 0;
	if (!r)
		r = set_options(fd, c->s);
	if (!r)
		r = sockets_register(sh, c->s->id, &fd);
	safe_close(fd);
	return r;
}

/* The clients each listener had not accepted, in the order of its queue. */
static int pending_all(const struct image *img, struct rst_shared *sh)
{
	int r = 0;

	for (uint32_t pos = 0, more = 1; !r && more; pos++) {
		more = 0;
		for (size_t i = 0; !r && i < img->n_sockets; i++) {
			const struct img_socket *s = img->sockets[i].s;

			if (!(s->flags & SOCK_F_PENDING) || s->queue_pos < pos)
				continue;
			more = 1;
			if (s->queue_pos == pos)
				r = pending_prepare(img, &img->sockets[i], sh);
		}
	}
	return r;
}

/* Sockets not connected (a datagram server) and listeners first, then
 * the clients of the servers, the connections accepted from listeners,
 * then the ones they had not accepted, which stay behind those in their
 * queue. */
static int sockets_prepare(const struct image *img, struct rst_shared *sh)
{
	int r = 0;

	for (size_t i = 0; !r && i < img->n_sockets; i++)
		if (img->sockets[i].s->state == SOCK_STATE_LISTEN)
			r = listener_prepare(&img->sockets[i], sh);
		else if (img->sockets[i].s->state == SOCK_STATE_UNCONNECTED)
			r = named_prepare(img, &img->sockets[i], sh);
	for (size_t i = 0; !r && i < img->n_sockets; i++) {
		const struct img_socket *s = img->sockets[i].s;

		if (s->flags & SOCK_F_TO_NAME)
			r = named_prepare(img, &img->sockets[i], sh);
		else if (s->state == SOCK_STATE_CONNECTED && !(s->flags & SOCK_F_PENDING) &&
			 !shared_find(sh, SHARED_SOCKET, -1, -1, s->id, 0))
			r = pair_prepare(img, &img->sockets[i], sh);
	}
	return r ? r : pending_all(img, sh);
}

/*
 * The queue of a socket with descriptors in flight, sent again from its
 * peer, each message with the open file descriptions it carried (made by
 * files_share_ofd() if nothing else needed them).
 */
static int refill_rights(const struct image *img, const struct image_socket *is,
			 struct rst_shared *sh)
{
	/* the helper's number: files_share_ofd() grows the registry */
	int from = shared_find(sh, SHARED_SOCKET, -1, -1, is->s->peer, 0)->helper;
	const uint8_t *data = img->map + is->data_off;
	uint32_t k = 0;

	for (uint32_t i = 0; i < is->s->n_msgs; data += is->lens[i++]) {
		union { char buf[CMSG_SPACE(sizeof(int) * SOCK_RIGHTS_MAX)]; struct cmsghdr c; } ctl;
		struct iovec iov = { (void *)data, is->lens[i] };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		int fds[SOCK_RIGHTS_MAX], n = 0;
		ssize_t sent;

		for (; k < is->n_rights && is->rights[k].msg == i; k++) {
			fds[n] = files_share_ofd(img, is->rights[k].pid, is->rights[k].fd, sh);
			if (fds[n++] < 0)
				return fds[n - 1];
		}
		if (n) {
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
			ctl.c = (struct cmsghdr){ .cmsg_len = CMSG_LEN(n * sizeof(int)),
						  .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS };
			memcpy(CMSG_DATA(&ctl.c), fds, n * sizeof(int));
		}
		sent = sendmsg(from, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent >= 0 && (size_t)sent < iov.iov_len && is->s->type == SOCK_STREAM)
			sent = send(from, data + sent, iov.iov_len - sent,
				    MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : (ssize_t)iov.iov_len;
		if (sent < 0 || (size_t)sent != iov.iov_len)
			return log_errno(sent < 0 ? -errno : -EIO, "cannot refill socket %llu "
					 "(message %u of %u, with descriptors in flight)",
					 (unsigned long long)is->s->id, i + 1, is->s->n_msgs);
	}
	return 0;
}

/* The connections that wait for descriptors in flight: their queues, then
 * their shutdowns and options. */
static int rights_prepare(const struct image *img, struct rst_shared *sh)
{
	int r = 0;

	for (size_t i = 0; !r && i < img->n_sockets; i++)
		if (img->sockets[i].n_rights)
			r = refill_rights(img, &img->sockets[i], sh);
	for (size_t i = 0; !r && i < img->n_sockets; i++) {
		const struct image_socket *is = &img->sockets[i];
		const struct rst_shared_fd *o;

		if (!deferred(img, is))
			continue;
		o = shared_find(sh, SHARED_SOCKET, -1, -1, is->s->id, 0);
		r = end_finish(o->helper, is->s);
	}
	return r;
}

const struct res_ops sockets_ops = {
	.name = "sockets",
	.prepare = sockets_prepare,
};

/* After "files": the descriptors in flight are open files of theirs. */
const struct res_ops socket_rights_ops = {
	.name = "socket_rights",
	.prepare = rights_prepare,
};
