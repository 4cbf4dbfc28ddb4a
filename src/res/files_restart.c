/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Open file descriptors at a restart (files.c saves them): the checks
 * that each saved file is still the one the process had, the truncation
 * of files written since the checkpoint, the open file descriptions that
 * processes share, and the reopening of each descriptor in the restored
 * process.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "res.h"
#include "common/util.h"

static bool is_writer(const struct img_file *f)
{
	return (f->open_flags & O_ACCMODE) != O_RDONLY;
}

/*
 * The file at a saved path is still the one fd of pid had open: checked
 * before any process exists, and again on what each open gave, since the
 * file may be replaced in between.
 */
static int file_same(const struct img_file *f, const struct stat *st, int32_t pid, const char *path)
{
	if ((st->st_mode & S_IFMT) != (f->mode & S_IFMT)) {
		log_error("cannot restore fd %d of pid %d: %s is no longer the same kind of file",
			  f->fd, pid, path);
		return -ESTALE;
	}
	if (!S_ISREG(st->st_mode))
		return 0;
	if (is_writer(f) && (uint64_t)st->st_size < f->size) {
		log_error("cannot restore fd %d of pid %d: %s is shorter than at the checkpoint",
			  f->fd, pid, path);
		return -ESTALE;
	}
	if (!is_writer(f) && ((uint64_t)st->st_size != f->size ||
			      st->st_mtim.tv_sec != f->mtime_sec ||
			      st->st_mtim.tv_nsec != f->mtime_nsec)) {
		log_error("cannot restore fd %d of pid %d: %s changed since the checkpoint", f->fd,
			  pid, path);
		return -ESTALE;
	}
	return 0;
}

/* The same check on a descriptor just opened for fd of pid. */
static int file_opened_same(int nfd, const struct img_file *f, int32_t pid, const char *path)
{
	struct stat st;

	if (fstat(nfd, &st) < 0)
		return log_errno(-errno, "cannot restore fd %d of pid %d: %s", f->fd, pid, path);
	return file_same(f, &st, pid, path);
}

int files_check(struct rst_ctx *ctx, struct rst_shared *sh)
{
	const struct image_process *p = ctx->proc;
	int32_t pid = p->p->pid;

	(void)sh;
	for (size_t i = 0; i < p->n_files; i++) {
		const struct img_file *f = p->files[i].f;
		const char *path = p->files[i].path;
		struct stat st;
		int r;

		if (f->kind != FILE_REGULAR || (f->flags & FILE_F_UNLINKED))
			continue;	/* saved whole: nothing to check */
		if (stat(path, &st) < 0)
			return log_errno(-errno, "cannot restore fd %d of pid %d: %s", f->fd, pid, path);
		if ((st.st_mode & S_IFMT) == (f->mode & S_IFMT) &&
		    access(path, is_writer(f) ? ((f->open_flags & O_ACCMODE) == O_WRONLY ? W_OK :
						 R_OK | W_OK) : R_OK) < 0)
			return log_errno(-errno, "cannot restore fd %d of pid %d: %s", f->fd, pid, path);
		r = file_same(f, &st, pid, path);
		if (r)
			return r;
	}
	return 0;
}

/*
 * What was written after the checkpoint goes, as in BLCR.  A device that
 * is not reopened is named, at the level shown by default: BLCR closed it
 * without a word, and the program may fail later for want of it.
 */
int files_commit(const struct image_process *p)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const struct img_file *f = p->files[i].f;

		if (f->kind == FILE_CLOSED && (S_ISCHR(f->mode) || S_ISBLK(f->mode)))
			log_msg(LOG_ERROR, "warning: fd %d of pid %d (%s) is closed after the "
				"restart: of the devices, only /dev/null, /dev/zero, /dev/full, "
				"/dev/random, /dev/urandom and /dev/tty are reopened", f->fd, p->p->pid,
				p->files[i].path);
		if (f->kind == FILE_REGULAR && S_ISREG(f->mode) && is_writer(f) &&
		    !(f->flags & FILE_F_UNLINKED) &&
		    truncate(p->files[i].path, f->size) < 0)
			return log_errno(-errno, "cannot truncate %s back to its checkpoint size",
					 p->files[i].path);
	}
	return 0;
}

int files_max_fd(const struct image_process *p)
{
	int max = STDERR_FILENO;

	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i].f->fd > max)
			max = p->files[i].f->fd;
	return max;
}

/*
 * An open file description that processes share, or any of a pipe's:
 * opened once, here.  A pipe's descriptions are its own, each with its
 * status flags, as O_NONBLOCK on one end and not on another.
 */
/* The files cr_restart made itself, which each open file description
 * takes a descriptor of. */
static bool made_by_coordinator(const struct img_file *f)
{
	return f->kind == FILE_PIPE || f->kind == FILE_SOCKET || f->kind == FILE_EVENT ||
	       f->kind == FILE_MQUEUE;
}

static int ofd_prepare(const struct image_file *first, int32_t pid, struct rst_shared *sh)
{
	const struct img_file *f = first->f;
	struct rst_shared_fd *o;
	int fd;

	if (shared_find(sh, SHARED_OFD, pid, f->fd, 0, 0))
		return 0;
	if (made_by_coordinator(f)) {
		/* a pipe's end, a socket, an event object, a message queue */
		fd = f->kind == FILE_PIPE ? pipes_open_description(sh, f) :
		     f->kind == FILE_MQUEUE ? mqueue_open_description(sh, f) :
		     shared_dup(sh, f->kind == FILE_SOCKET ? SHARED_SOCKET : SHARED_EVENT,
				f->object_id);
		if (fd < 0)
			return log_errno(fd, "cannot open fd %d of pid %d on its %s", f->fd, pid,
					 f->kind == FILE_PIPE ? "pipe" : f->kind == FILE_SOCKET ?
					 "socket" : f->kind == FILE_MQUEUE ? "message queue" :
					 "event object");
	} else if (f->kind == FILE_REGULAR) {
		fd = open(first->path, f->open_flags | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return log_errno(-errno, "cannot reopen fd %d of pid %d: %s", f->fd, pid,
					 first->path);
		if (file_opened_same(fd, f, pid, first->path)) {
			close(fd);
			return -ESTALE;
		}
	} else {
		return 0;	/* inherited or closed: nothing to share */
	}
	if (S_ISREG(f->mode) && lseek(fd, f->pos, SEEK_SET) < 0) {
		close(fd);
		return log_errno(-errno, "cannot seek %s", first->path);
	}
	o = shared_add(sh);
	o->kind = SHARED_OFD;
	o->pid = pid;
	o->fd = f->fd;
	o->helper = helper_fd(sh, fd);
	return o->helper < 0 ? o->helper : 0;
}

int files_share_ofd(const struct image *img, int32_t pid, int32_t fd, struct rst_shared *sh)
{
	const struct image_process *p = image_find_process(img, pid);
	const struct image_file *imf = p ? image_find_file(p, fd) : NULL;
	const struct rst_shared_fd *o;
	int r;

	if (imf && imf->f->share_pid >= 0) {	/* the first descriptor of its description */
		pid = imf->f->share_pid;
		fd = imf->f->share_fd;
		imf = (p = image_find_process(img, pid)) ? image_find_file(p, fd) : NULL;
	}
	r = imf ? ofd_prepare(imf, pid, sh) : -ENOENT;
	o = r ? NULL : shared_find(sh, SHARED_OFD, pid, fd, 0, 0);
	if (!r && !o)
		r = log_errno(-EOPNOTSUPP, "cannot send fd %d of pid %d in flight again: it is not "
			      "a file cr_restart opens", fd, pid);
	return r ? r : o->helper;
}

int files_prepare(const struct image *img, struct rst_shared *sh)
{
	int r = 0;

	for (size_t j = 0; !r && j < img->n_procs; j++) {
		const struct image_process *p = &img->procs[j];

		for (size_t k = 0; !r && k < p->n_files; k++) {
			const struct img_file *f = p->files[k].f;
			const struct image_process *q;

			if (made_by_coordinator(f) && f->share_pid < 0)
				r = ofd_prepare(&p->files[k], p->p->pid, sh);
			/* it opens every open file description of the file */
			if (!r && f->kind == FILE_REGULAR && (f->flags & FILE_F_UNLINKED)) {
				int helper = unlinked_file(img, f->object_id, sh);

				r = helper < 0 ? helper : 0;
			}
			if (r || f->share_pid < 0 || f->share_pid == p->p->pid)
				continue;
			q = image_find_process(img, f->share_pid);
			r = ofd_prepare(image_find_file(q, f->share_fd), f->share_pid, sh);
		}
	}
	return r;
}

/* Puts a helper's open file description at fd of pid, with its flags. */
static int place(int helper, const struct img_file *f, int fd, int32_t pid)
{
	if (dup3(helper, fd, O_CLOEXEC) < 0)
		return log_errno(-errno, "cannot restore fd %d of pid %d from helper fd %d", fd, pid,
				 helper);
	if (fcntl(fd, F_SETFD, f->fd_flags) < 0 ||
	    fcntl(fd, F_SETFL, f->open_flags & (O_NONBLOCK | O_APPEND | O_ASYNC)) < 0)
		return log_errno(-errno, "cannot set the flags of fd %d of pid %d", fd, pid);
	return 0;
}

/* A descriptor just opened (nfd, closed here) to the number it had. */
static int move_fd(int nfd, int fd, const char *path, int32_t pid)
{
	int r = 0;

	if (nfd == fd)
		return 0;
	if (dup3(nfd, fd, O_CLOEXEC) < 0)
		r = log_errno(-errno, "cannot move %s to fd %d of pid %d", path, fd, pid);
	close(nfd);
	return r;
}

static int reopen(const struct image_file *imf, int fd, int32_t pid)
{
	const struct img_file *f = imf->f;
	int nfd = open(imf->path, f->open_flags | O_NOCTTY | O_CLOEXEC), r;

	if (nfd < 0)
		return log_errno(-errno, "cannot reopen fd %d of pid %d: %s", fd, pid, imf->path);
	r = file_opened_same(nfd, f, pid, imf->path);
	if (r) {
		close(nfd);
		return r;
	}
	r = move_fd(nfd, fd, imf->path, pid);
	if (r)
		return r;
	if (S_ISREG(f->mode) && lseek(fd, f->pos, SEEK_SET) < 0)
		return log_errno(-errno, "cannot seek fd %d of pid %d (%s) to %llu", fd, pid,
				 imf->path, (unsigned long long)f->pos);
	if (fcntl(fd, F_SETFD, f->fd_flags) < 0)
		return log_errno(-errno, "cannot set the flags of fd %d of pid %d", fd, pid);
	return 0;
}

/* The context file may have moved since (restarted from a copy): the
 * descriptor then stays taken, by /dev/null, rather than vanish. */
static int reopen_context(const struct image_file *imf, int fd, int32_t pid)
{
	const char *path = imf->path;
	int nfd = open(path, (imf->f->open_flags & ~O_TRUNC) | O_NOCTTY | O_CLOEXEC), r;

	if (nfd < 0)
		nfd = open(path = "/dev/null", O_RDWR | O_CLOEXEC);
	if (nfd < 0)
		return log_errno(-errno, "cannot restore fd %d of pid %d (%s, or /dev/null)", fd,
				 pid, imf->path);
	r = move_fd(nfd, fd, path, pid);
	if (r)
		return r;
	lseek(fd, imf->f->pos, SEEK_SET);	/* /dev/null: no offset to keep */
	return fcntl(fd, F_SETFD, imf->f->fd_flags) < 0 ?
	       log_errno(-errno, "cannot set the flags of fd %d of pid %d", fd, pid) : 0;
}

/*
 * A descriptor that led outside the checkpoint (a pipe, a socket, a
 * terminal on 0 to 2) becomes, as under BLCR, cr_restart's own descriptor
 * of that number when it has one that survives exec (the new process
 * holds a copy of cr_restart's table; its close-on-exec ones are
 * cr_restart's internals), else a copy of cr_restart's standard input
 * for a read end or its standard output for a write end, else nothing.
 * Done before anything is reopened over 0 and 1.
 */
static void files_inherit(const struct image_process *p, int max)
{
	for (int fd = 0; fd <= max; fd++) {
		const struct image_file *imf = image_find_file(p, fd);
		int flags = fcntl(fd, F_GETFD), mode, from;

		if (!imf || imf->f->kind != FILE_INHERIT || (flags >= 0 && !(flags & FD_CLOEXEC)))
			continue;
		mode = imf->f->open_flags & O_ACCMODE;
		from = mode == O_RDONLY ? STDIN_FILENO : mode == O_WRONLY ? STDOUT_FILENO : -1;
		if (from < 0 || from == fd || dup2(from, fd) < 0)
			close(fd);
	}
}

/*
 * In the new process, before the blob: every fd below the helpers is
 * reopened, taken from a helper, copied from an earlier fd, or closed;
 * the ones that led outside are cr_restart's (files_inherit()).
 */
int files_restore(const struct rst_ctx *ctx, const struct rst_shared *sh)
{
	const struct image_process *p = ctx->proc;
	int32_t pid = p->p->pid;
	int max = files_max_fd(p), r = 0;

	files_inherit(p, max);

	for (int fd = 0; !r && fd <= max; fd++) {
		const struct image_file *imf = image_find_file(p, fd);
		const struct img_file *f = imf ? imf->f : NULL;
		const struct rst_shared_fd *o;

		if (!f || f->kind == FILE_CLOSED) {
			close(fd);
			continue;
		}
		if (f->kind == FILE_INHERIT)
			continue;
		if (f->kind == FILE_CONTEXT) {
			r = reopen_context(imf, fd, pid);
			continue;
		}
		if (f->share_pid == pid) {
			r = dup3(f->share_fd, fd, O_CLOEXEC) < 0 || fcntl(fd, F_SETFD, f->fd_flags) < 0 ?
			    log_errno(-errno, "cannot restore fd %d of pid %d as a copy of fd %d", fd,
				      pid, f->share_fd) : 0;
			continue;
		}
		o = f->share_pid >= 0 ? shared_find(sh, SHARED_OFD, f->share_pid, f->share_fd, 0, 0) :
			shared_find(sh, SHARED_OFD, pid, fd, 0, 0);
		r = o ? place(o->helper, f, fd, pid) : reopen(imf, fd, pid);
	}
	return r;
}
