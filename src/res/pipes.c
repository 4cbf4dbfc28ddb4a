/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pipes and FIFOs whose both ends are in the request: the bytes that sit
 * in them are saved (IMG_PIPE, once per pipe, right after the IMG_FILE of
 * its first end, which files.c writes) and put back at restart, in a new
 * pipe (or the FIFO, opened again) that cr_restart makes before any
 * process.  A pipe that leads outside is not this file's: see files.c.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>

#include "res.h"
#include "common/util.h"

/* A pipe both of whose ends are in the request is restored with its bytes. */
bool pipes_inside(const struct dump_shared *sh, const struct dump_fd *me)
{
	bool reader = false, writer = false;

	for (size_t i = 0; i < sh->n_fds; i++) {
		const struct dump_fd *o = &sh->fds[i];

		if (o->dev != me->dev || o->ino != me->ino)
			continue;
		if ((o->flags & O_ACCMODE) != O_WRONLY)
			reader = true;
		if ((o->flags & O_ACCMODE) != O_RDONLY)
			writer = true;
	}
	return reader && writer;
}

/*
 * The bytes sitting in a pipe, without taking them: a new read end opened
 * through /proc, tee()d into a pipe of our own, read from there.
 */
int pipes_dump_data(struct dump_ctx *ctx, const struct dump_fd *df)
{
	char link[96];
	struct img_pipe ip = { .id = df->ino };
	_cleanup_close_ int rd = -1;
	int tmp[2] = { -1, -1 }, avail = 0, r = 0;
	_cleanup_free_ char *data = NULL;

	for (size_t i = 0; i < ctx->shared->n_pipes; i++)
		if (ctx->shared->pipes[i] == df->ino)
			return 0;	/* saved with an earlier end */
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)df->pid, df->fd);
	rd = open(link, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rd < 0)
		return log_errno(-errno, "cannot open pipe fd %d of pid %d", df->fd, (int)df->pid);
	r = fcntl(rd, F_GETPIPE_SZ);
	if (r < 0)
		return log_errno(-errno, "cannot get the size of pipe fd %d of pid %d", df->fd,
				 (int)df->pid);
	ip.capacity = r;
	r = 0;
	if (ioctl(rd, FIONREAD, &avail) < 0)
		return log_errno(-errno, "cannot size pipe fd %d of pid %d", df->fd, (int)df->pid);
	data = xmalloc(avail ? avail : 1);
	if (avail) {
		ssize_t n = -1;

		/* our pipe holds as much as theirs, so one tee takes all there is */
		if (pipe2(tmp, O_CLOEXEC | O_NONBLOCK) == 0 &&
		    fcntl(tmp[1], F_SETPIPE_SZ, ip.capacity) >= 0)
			n = tee(rd, tmp[1], avail, SPLICE_F_NONBLOCK);
		if (n != avail || read_full(tmp[0], data, avail) < 0)
			r = n < 0 ? -errno : -EIO;
		safe_close(tmp[0]);
		safe_close(tmp[1]);
		if (r)
			return log_errno(r, "cannot tee pipe fd %d of pid %d", df->fd, (int)df->pid);
	}
	ip.len = avail;
	ctx->shared->pipes = xrealloc(ctx->shared->pipes,
				      (ctx->shared->n_pipes + 1) * sizeof(*ctx->shared->pipes));
	ctx->shared->pipes[ctx->shared->n_pipes++] = df->ino;
	log_debug("pipe %llu: %d bytes", (unsigned long long)df->ino, avail);

	const void *parts[] = { &ip, data };
	size_t lens[] = { sizeof(ip), (size_t)avail };
	return img_write_record(ctx->w, IMG_PIPE, parts, lens, 2);
}

/* A pipe with its bytes back in it; a FIFO is opened by its path. */
static int pipe_prepare(const struct image *img, const struct image_pipe *ip, const char *fifo,
			struct rst_shared *sh)
{
	int rw[2] = { -1, -1 }, holder = -1, r = 0;

	if (fifo) {
		/* one read-write open holds the FIFO so that neither end blocks */
		holder = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		rw[0] = holder < 0 ? -1 : open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		rw[1] = rw[0] < 0 ? -1 : open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (rw[1] < 0)
			r = log_errno(-errno, "cannot open the FIFO %s", fifo);
	} else if (pipe2(rw, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = log_errno(-errno, "cannot create a pipe for pipe %llu",
			      (unsigned long long)ip->p->id);
	}
	if (!r && ip->p->capacity && fcntl(rw[1], F_SETPIPE_SZ, ip->p->capacity) < 0)
		log_warn("cannot give pipe %llu its size of %u bytes",
			 (unsigned long long)ip->p->id, ip->p->capacity);
	if (!r && ip->p->len &&
	    write(rw[1], img->map + ip->data_off, ip->p->len) != (ssize_t)ip->p->len)
		r = log_errno(-errno, "cannot refill pipe %llu", (unsigned long long)ip->p->id);
	for (int end = 0; !r && end < 2; end++) {
		struct rst_shared_fd *o = shared_add(sh);

		o->kind = SHARED_PIPE;
		o->pid = o->fd = -1;
		o->id = ip->p->id;
		o->acc = end ? O_WRONLY : O_RDONLY;
		o->helper = helper_fd(sh, TAKE_FD(rw[end]));
		if (o->helper < 0)
			r = o->helper;
	}
	if (!r && holder >= 0) {
		struct rst_shared_fd *o = shared_add(sh);

		o->kind = SHARED_PIPE;
		o->pid = o->fd = -1;
		o->id = ip->p->id;
		o->acc = O_RDWR;
		o->helper = helper_fd(sh, TAKE_FD(holder));
	}
	safe_close(rw[0]);
	safe_close(rw[1]);
	safe_close(holder);
	return r;
}

static int pipes_prepare(const struct image *img, struct rst_shared *sh)
{
	int r = 0;

	for (size_t i = 0; !r && i < img->n_pipes; i++) {
		const char *fifo = NULL;

		for (size_t j = 0; j < img->n_procs; j++)
			for (size_t k = 0; k < img->procs[j].n_files; k++) {
				const struct image_file *f = &img->procs[j].files[k];

				if (f->f->kind == FILE_PIPE && f->f->pipe_id == img->pipes[i].p->id &&
				    f->path[0] == '/')
					fifo = f->path;
			}
		r = pipe_prepare(img, &img->pipes[i], fifo, sh);
	}
	return r;
}

const struct res_ops pipes_ops = {
	.name = "pipes",
	.prepare = pipes_prepare,
};
