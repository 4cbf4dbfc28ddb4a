/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A UNIX socket's receive queue, read without taking it (sockets.c saves
 * it): peeked with SO_PEEK_OFF, message by message, the descriptors in
 * flight noted as the descriptors of the request that have their files.
 */
#include <string.h>
#include <sys/socket.h>

#include "res.h"
#include "common/util.h"

/*
 * Descriptors in flight came to us with a peek: each is noted as the
 * descriptor of the request with the same open file description, and
 * closed; how many, or -EXDEV when one has none (or did not all come).
 */
static int peek_rights(const struct dump_shared *sh, const struct msghdr *mh,
		       struct sock_queue *q)
{
	int found = mh->msg_flags & MSG_CTRUNC ? -EXDEV : 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			struct img_socket_right right = { .msg = UINT32_MAX };
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (found >= 0 && sockets_right_of(sh, fd, &right) == 0) {
				q->rights = xrealloc(q->rights, (q->n_rights + 1) * sizeof(*q->rights));
				q->rights[q->n_rights++] = right;
				found++;
			} else {
				found = -EXDEV;
			}
			close(fd);
		}
	}
	return found;
}

/* One message (or a piece of the stream) past what was peeked already;
 * 0 at the end of the queue. */
static int peek_one(const struct dump_shared *sh, int sk, uint32_t type, uint32_t shutdown,
		    struct sock_queue *q, size_t *ret_len, int *ret_rights)
{
	bool stream = type == SOCK_STREAM;
	union { char buf[CMSG_SPACE(sizeof(int) * SOCK_RIGHTS_MAX)]; struct cmsghdr align; } ctl;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int off = q->len;
	size_t had = q->n_rights;
	ssize_t n;

	for (;;) {
		q->n_rights = had;	/* a datagram peeked again brings them again */
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
		*ret_rights = peek_rights(sh, &mh, q);
		if (*ret_rights < 0)
			return -EXDEV;
		/* 0 is the end of a stream, or a datagram of no bytes; after
		 * a shutdown of reading it is also the end of a datagram queue */
		if (n == 0 && (stream || (shutdown & SOCK_SHUT_RD))) {
			q->n_rights = had;
			return 0;
		}
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

/* A piece of the queue, of n bytes, into q, with the rights the peek
 * brought: a stream's joins the one before. */
static void add_piece(struct sock_queue *q, bool stream, size_t n, int rights)
{
	if (stream && q->n) {
		q->lens[q->n - 1] += n;
	} else {
		q->lens = xrealloc(q->lens, (q->n + 1) * sizeof(*q->lens));
		q->lens[q->n++] = n;
	}
	for (int i = 0; i < rights; i++)
		q->rights[q->n_rights - 1 - i].msg = q->n - 1;
	q->len += n;
}

/*
 * The messages in a socket's receive queue, without taking them: peeked
 * with SO_PEEK_OFF, which walks past what was peeked (socket(7)), and put
 * back as it was, whatever happens, so that the target goes on unharmed.
 */
int sockets_queue_peek(const struct dump_shared *sh, int sk, uint32_t type, uint32_t shutdown,
		       int peek_off, struct sock_queue *q)
{
	int zero = 0, rights = 0, r;
	size_t n = 0;

	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)) < 0)
		return -errno;
	while ((r = peek_one(sh, sk, type, shutdown, q, &n, &rights)) > 0) {
		/* a peek of a stream does not tell where the bytes that
		 * carried descriptors begin, which the restart would need */
		if (type == SOCK_STREAM && rights) {
			r = -EPROTONOSUPPORT;
			break;
		}
		add_piece(q, type == SOCK_STREAM, n, rights);
	}
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &peek_off, sizeof(peek_off)) < 0 && !r)
		r = -errno;
	return r;
}

