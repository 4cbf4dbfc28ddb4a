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
#include <sys/stat.h>

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
	struct stat st;
	int tmp[2] = { -1, -1 }, avail = 0, r = 0;
	_cleanup_free_ char *data = NULL;

	for (size_t i = 0; i < ctx->shared->n_pipes; i++)
		if (ctx->shared->pipes[i] == df->ino)
			return 0;	/* saved with an earlier end */
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)df->pid, df->fd);
	rd = open(link, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rd < 0 || fstat(rd, &st) < 0)
		return log_errno(-errno, "cannot open pipe fd %d of pid %d", df->fd, (int)df->pid);
	ip.uid = st.st_uid;
	ip.gid = st.st_gid;
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

/* The names one FIFO of the file had, each once: the descriptors of a
 * FIFO opened through hard links show different paths.  Past 8 names the
 * others are not linked again (the descriptors still share one FIFO). */
struct fifo_names {
	const char *paths[8];
	size_t n;
	bool unlinked;		/* it had none at the checkpoint */
	uint32_t mode;
	uint32_t uid, gid;	/* its owner */
};

static void fifo_names(const struct image *img, uint64_t id, struct fifo_names *ret)
{
	*ret = (struct fifo_names){ 0 };
	for (size_t j = 0; j < img->n_procs; j++)
		for (size_t k = 0; k < img->procs[j].n_files; k++) {
			const struct image_file *imf = &img->procs[j].files[k];
			bool seen = false;

			if (imf->f->kind != FILE_PIPE || imf->f->object_id != id || imf->path[0] != '/')
				continue;
			ret->unlinked |= imf->f->flags & FILE_F_UNLINKED;
			ret->mode = imf->f->mode;
			for (size_t i = 0; i < ret->n; i++)
				seen |= !strcmp(ret->paths[i], imf->path);
			if (!seen && ret->n < ARRAY_SIZE(ret->paths))
				ret->paths[ret->n++] = imf->path;
		}
}

/* A new FIFO at path with its saved permissions (chmod: the umask does
 * not apply to them) and, when root restarts, its owner, as an unlinked
 * file gets its own. */
static int fifo_make(const char *path, const struct fifo_names *nm)
{
	if (mknod(path, S_IFIFO | 0600, 0) < 0)
		return -errno;
	if (geteuid() == 0 && chown(path, nm->uid, nm->gid) < 0)
		log_warn("cannot give the FIFO %s its owner back: %s", path, strerror(errno));
	if (chmod(path, nm->mode & 07777) < 0) {
		int r = -errno;

		unlink(path);
		return r;
	}
	return 0;
}

/*
 * A FIFO that had no name at the checkpoint is made under a temporary name
 * in the directory it was in (or /tmp when that is gone), to be opened and
 * unlinked at once, as BLCR does: nothing else finds it by a name.
 */
static int fifo_make_unlinked(const struct fifo_names *nm, char **ret_path)
{
	const char *old = nm->paths[0];
	_cleanup_free_ char *dir = xstrndup(old, strrchr(old, '/') - old);
	const char *dirs[] = { *dir ? dir : "/", "/tmp" };
	static unsigned int serial;
	int r = -ENOENT;

	for (size_t d = 0; r == -ENOENT && d < ARRAY_SIZE(dirs); d++)
		do {
			free(*ret_path);
			if (asprintf(ret_path, "%s/.ucr-fifo.%d.%u", dirs[d], (int)getpid(),
				     serial++) < 0) {
				*ret_path = NULL;
				return log_errno(-ENOMEM, "cannot name a FIFO for %s", old);
			}
			r = fifo_make(*ret_path, nm);
		} while (r == -EEXIST);
	return r ? log_errno(r, "cannot make a FIFO in place of %s (deleted)", old) : 0;
}

/*
 * A FIFO with names: the first of them that is a FIFO is the one; when
 * none exists any more, the FIFO is made again at the first with its saved
 * mode.  Each name that is gone is linked to it, so that the names of one
 * FIFO stay one FIFO.
 */
static int fifo_find_named(const struct fifo_names *nm, const char **ret_path)
{
	const char *base = NULL;
	struct stat st;
	int r;

	for (size_t i = 0; i < nm->n; i++) {
		if (stat(nm->paths[i], &st) < 0)
			continue;
		if (!S_ISFIFO(st.st_mode)) {
			log_error("cannot restore the FIFO %s: it is no longer a FIFO", nm->paths[i]);
			return -ESTALE;
		}
		if (!base)
			base = nm->paths[i];
	}
	if (!base) {
		base = nm->paths[0];
		r = fifo_make(base, nm);
		if (r)
			return log_errno(r, "cannot make the FIFO %s again", base);
	}
	for (size_t i = 0; i < nm->n; i++)
		if (stat(nm->paths[i], &st) < 0 && link(base, nm->paths[i]) < 0)
			return log_errno(-errno, "cannot link the FIFO %s to %s again", nm->paths[i],
					 base);
	*ret_path = base;
	return 0;
}

/* Both ends of a FIFO, and one read-write open that holds it so that
 * neither end blocks. */
static int fifo_open(const struct fifo_names *nm, int *ret_holder, int rw[2])
{
	_cleanup_free_ char *made = NULL;
	const char *path = NULL;
	int r = nm->unlinked ? fifo_make_unlinked(nm, &made) : fifo_find_named(nm, &path);

	if (r)
		return r;
	if (made)
		path = made;
	*ret_holder = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	rw[0] = *ret_holder < 0 ? -1 : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	rw[1] = rw[0] < 0 ? -1 : open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	r = rw[1] < 0 ? log_errno(-errno, "cannot open the FIFO %s", path) : 0;
	if (made)
		unlink(made);
	return r;
}

/* A pipe with its bytes back in it; a FIFO is found or made by its path. */
static int pipe_prepare(const struct image *img, const struct image_pipe *ip,
			struct rst_shared *sh)
{
	int rw[2] = { -1, -1 }, holder = -1, r = 0;
	struct fifo_names names;

	fifo_names(img, ip->p->id, &names);
	names.uid = ip->p->uid;
	names.gid = ip->p->gid;
	if (names.n)
		r = fifo_open(&names, &holder, rw);
	else if (pipe2(rw, O_CLOEXEC | O_NONBLOCK) < 0)
		r = log_errno(-errno, "cannot create a pipe for pipe %llu",
			      (unsigned long long)ip->p->id);
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

int pipes_open_description(const struct rst_shared *sh, const struct img_file *f)
{
	int acc = f->open_flags & O_ACCMODE;
	const struct rst_shared_fd *o = shared_find(sh, SHARED_PIPE, -1, -1, f->object_id, acc);
	char link[64];
	int fd;

	if (!o)
		return -ENOENT;
	/* both ends are held by helpers: neither open waits for the other */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", o->helper);
	fd = open(link, acc | O_NONBLOCK | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int pipes_prepare(const struct image *img, struct rst_shared *sh)
{
	int r = 0;

	for (size_t i = 0; !r && i < img->n_pipes; i++)
		r = pipe_prepare(img, &img->pipes[i], sh);
	return r;
}

const struct res_ops pipes_ops = {
	.name = "pipes",
	.prepare = pipes_prepare,
};
