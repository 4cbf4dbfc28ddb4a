/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POSIX message queues (mq_overview(7)) that descriptors of the request
 * hold: their names, attributes and messages (IMG_MQUEUE, once per queue,
 * after the IMG_FILE of its first descriptor, which files.c writes as
 * FILE_MQUEUE).  A queue cannot be peeked: the dump takes every message
 * and sends them back at once, in the order it took them (the highest
 * priority first, each priority in its order), while the processes are
 * parked.  cr_restart makes the queue again under its name (one that still
 * exists is emptied and refilled: it is the processes' own), or, for one
 * whose name was removed, under a temporary name removed at once; each
 * descriptor is a new open file description of it.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "res.h"
#include "common/util.h"

#define MQUEUE_MAGIC 0x19800202	/* the mqueue file system's (statfs) */

bool mqueue_is(const struct dump_fd *df)
{
	struct statfs sf;
	char link[64];

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)df->pid, df->fd);
	return S_ISREG(df->mode) && statfs(link, &sf) == 0 && sf.f_type == MQUEUE_MAGIC;
}

/* Every message of q, taken; *ret_n of them, highest priority first. */
static int take_all(mqd_t q, const struct mq_attr *a, struct img_mqueue_msg **ret_msgs,
		    char **ret_data, uint64_t *ret_len, uint32_t *ret_n)
{
	struct img_mqueue_msg *msgs = xcalloc(a->mq_curmsgs ? a->mq_curmsgs : 1, sizeof(*msgs));
	char *data = xmalloc(a->mq_curmsgs * a->mq_msgsize + 1);
	uint64_t len = 0;
	uint32_t n = 0;

	while (n < (uint32_t)a->mq_curmsgs) {
		unsigned int prio;
		ssize_t got = mq_receive(q, data + len, a->mq_msgsize, &prio);

		if (got < 0)
			break;
		msgs[n++] = (struct img_mqueue_msg){ .len = got, .prio = prio };
		len += got;
	}
	*ret_msgs = msgs;
	*ret_data = data;
	*ret_len = len;
	*ret_n = n;
	return n == (uint32_t)a->mq_curmsgs ? 0 : -errno;
}

static int give_back(mqd_t q, const struct img_mqueue_msg *msgs, const char *data, uint32_t n)
{
	for (uint32_t i = 0; i < n; data += msgs[i++].len)
		if (mq_send(q, data, msgs[i].len, msgs[i].prio) < 0)
			return -errno;
	return 0;
}

int mqueue_dump(struct dump_ctx *ctx, const struct dump_fd *df, const char *target)
{
	struct img_mqueue m = { .id = df->ino };
	_cleanup_free_ struct img_mqueue_msg *msgs = NULL;
	_cleanup_free_ char *data = NULL;
	struct mq_attr a;
	struct stat st;
	char link[64];
	size_t name_len = strlen(target);
	mqd_t q;
	int r;

	for (size_t i = 0; i < ctx->shared->n_mqueues; i++)
		if (ctx->shared->mqueues[i] == df->ino)
			return 0;	/* saved with an earlier descriptor */
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)df->pid, df->fd);
	q = open(link, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (q < 0 || fstat(q, &st) < 0 || mq_getattr(q, &a) < 0) {
		r = log_errno(-errno, "cannot open message queue %s of pid %d (fd %d)", target,
			      (int)df->pid, df->fd);
		if (q >= 0)
			close(q);
		return r;
	}
	r = take_all(q, &a, &msgs, &data, &m.data_len, &m.n_msgs);
	/* whatever was taken goes back, even after a failure */
	if (give_back(q, msgs, data, m.n_msgs) < 0)
		r = log_errno(-errno, "message queue %s of pid %d: %u messages taken could not "
			      "all be given back", target, (int)df->pid, m.n_msgs);
	else if (r)
		r = log_errno(r, "cannot read the messages of queue %s of pid %d", target,
			      (int)df->pid);
	close(q);
	if (r)
		return r;
	m.mode = st.st_mode & 07777;
	m.uid = st.st_uid;
	m.gid = st.st_gid;
	m.maxmsg = a.mq_maxmsg;
	m.msgsize = a.mq_msgsize;
	if (name_len > 10 && !strcmp(target + name_len - 10, " (deleted)")) {
		m.flags |= MQUEUE_F_UNLINKED;
		name_len -= 10;
	}
	m.name_len = name_len;
	ctx->shared->mqueues = xrealloc(ctx->shared->mqueues,
					(ctx->shared->n_mqueues + 1) * sizeof(*ctx->shared->mqueues));
	ctx->shared->mqueues[ctx->shared->n_mqueues++] = df->ino;

	const void *parts[] = { &m, msgs, target, data };
	size_t lens[] = { sizeof(m), m.n_msgs * sizeof(*msgs), m.name_len, m.data_len };
	return img_write_record(ctx->w, IMG_MQUEUE, parts, lens, 4);
}

/* ---- restart ----------------------------------------------------------------- */

/*
 * The queue of iq, with its saved messages only: made under its name, or
 * taken there and emptied (with the same attributes); or, one whose name
 * was removed, made under a name of ours, removed at once.
 */
static int queue_make(const struct image_mqueue *iq, char *name)
{
	const struct img_mqueue *m = iq->m;
	struct mq_attr want = { .mq_maxmsg = m->maxmsg, .mq_msgsize = m->msgsize }, a;
	static unsigned int serial;
	mqd_t q;

	if (m->flags & MQUEUE_F_UNLINKED) {
		snprintf(name, MQUEUE_NAME_MAX + 1, "/ucr-mq.%d.%u", (int)getpid(), serial++);
		q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC, m->mode, &want);
		if (q >= 0)
			mq_unlink(name);
	} else {
		memcpy(name, iq->name, m->name_len);
		name[m->name_len] = 0;
		q = mq_open(name, O_RDWR | O_CREAT | O_NONBLOCK | O_CLOEXEC, m->mode, &want);
	}
	if (q < 0)
		return -errno;
	/* a queue made now has the umask's mode, and root's owner */
	fchmod(q, m->mode);
	if (geteuid() == 0)
		fchown(q, m->uid, m->gid);
	if (mq_getattr(q, &a) < 0 || a.mq_maxmsg != m->maxmsg || a.mq_msgsize != m->msgsize) {
		close(q);
		return -EEXIST;
	}
	while (a.mq_curmsgs-- > 0) {
		_cleanup_free_ char *drop = xmalloc(a.mq_msgsize);

		if (mq_receive(q, drop, a.mq_msgsize, NULL) < 0)
			break;
	}
	return q;
}

static int mqueue_prepare(const struct image *img, struct rst_shared *sh)
{
	for (size_t i = 0; i < img->n_mqueues; i++) {
		const struct image_mqueue *iq = &img->mqueues[i];
		char name[MQUEUE_NAME_MAX + 1];
		struct rst_shared_fd *o;
		int q = queue_make(iq, name), r;

		if (q == -EEXIST)
			return log_errno(q, "cannot restore message queue %s: one of that name is "
					 "there with other attributes", name);
		if (q < 0)
			return log_errno(q, "cannot make message queue %s again", name);
		r = give_back(q, iq->msgs, (const char *)img->map + iq->data_off, iq->m->n_msgs);
		if (r) {
			close(q);
			return log_errno(r, "cannot refill message queue %s", name);
		}
		o = shared_add(sh);
		o->kind = SHARED_MQUEUE;
		o->pid = o->fd = -1;
		o->id = iq->m->id;
		o->helper = helper_fd(sh, q);
		if (o->helper < 0)
			return o->helper;
	}
	return 0;
}

int mqueue_open_description(const struct rst_shared *sh, const struct img_file *f)
{
	const struct rst_shared_fd *o = shared_find(sh, SHARED_MQUEUE, -1, -1, f->object_id, 0);
	char link[64];
	int fd;

	if (!o)
		return -ENOENT;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", o->helper);
	fd = open(link, (f->open_flags & O_ACCMODE) | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

const struct res_ops mqueue_ops = {
	.name = "mqueue",
	.prepare = mqueue_prepare,
};
