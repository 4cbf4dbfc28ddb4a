/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Open file descriptors: IMG_FILE records, the restart's checks, and their
 * reopening in the restored process.
 *
 * Regular files and directories are saved by reference: path, flags,
 * offset, and size and mtime to notice a change.  As in BLCR, a file open
 * for writing that grew after the checkpoint is truncated back to its
 * checkpoint size at restart.  A regular file that had no name is saved
 * whole, by unlinked.c.  A pipe or socket that leads outside, or a
 * standard descriptor that is a terminal, becomes cr_restart's own, as
 * BLCR gives it (files_inherit()).  /dev/null, /dev/zero, /dev/full,
 * /dev/random, /dev/urandom and /dev/tty (the controlling terminal too)
 * are reopened by name; other devices are closed, as in BLCR, and
 * cr_restart names each.  A pipe with both ends in the request gets its
 * bytes back (pipes.c), a UNIX socket whose peer is in it its queue
 * (sockets.c); eventfds, timerfds and signalfds are made again (events.c).
 * Other kinds are not restored and appear closed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <linux/kcmp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "res.h"
#include "proc/proc.h"
#include "common/util.h"

/* One descriptor of pid into the list (none when it was closed meanwhile:
 * a parked process does not do that). */
static int scan_fd(struct dump_shared *sh, pid_t pid, int fd)
{
	char link[96];
	struct dump_fd *df;
	struct stat st;
	uint64_t pos;
	int r;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
	if (stat(link, &st) < 0)
		return 0;
	sh->fds = xrealloc(sh->fds, (sh->n_fds + 1) * sizeof(*sh->fds));
	df = &sh->fds[sh->n_fds++];
	*df = (struct dump_fd){ .pid = pid, .fd = fd, .dev = st.st_dev, .ino = st.st_ino,
				.mode = st.st_mode };
	r = proc_parse_fdinfo(pid, fd, &pos, &df->flags);
	if (r)
		return log_errno(r, "cannot read fdinfo of fd %d of pid %d", fd, (int)pid);
	return 0;
}

static bool is_skipped(const int32_t *skip, size_t n_skip, int fd)
{
	for (size_t i = 0; i < n_skip; i++)
		if (skip[i] == fd)
			return true;
	return false;
}

/* Ascending within the process, so that an alias follows what it copies. */
static void sort_fds(struct dump_shared *sh, size_t first)
{
	for (size_t i = first + 1; i < sh->n_fds; i++)
		for (size_t j = i; j > first && sh->fds[j].fd < sh->fds[j - 1].fd; j--) {
			struct dump_fd t = sh->fds[j];

			sh->fds[j] = sh->fds[j - 1];
			sh->fds[j - 1] = t;
		}
}

/*
 * Every descriptor of every process in the request, gathered before any is
 * saved: whether a pipe leads outside, and which descriptors share an open
 * file description, depend on all of them.
 */
int files_scan(struct dump_shared *sh, pid_t pid, const int32_t *skip, size_t n_skip)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	size_t first = sh->n_fds;
	int r = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return log_errno(-errno, "cannot list the descriptors of pid %d", (int)pid);
	while (!r && (e = readdir(d))) {
		int fd;

		if (!parse_int(e->d_name, &fd) && !is_skipped(skip, n_skip, fd))
			r = scan_fd(sh, pid, fd);
	}
	closedir(d);
	sort_fds(sh, first);
	return r;
}

const struct dump_fd *files_share(const struct dump_shared *sh, const struct dump_fd *me)
{
	for (const struct dump_fd *o = sh->fds; o < me; o++)
		if (o->dev == me->dev && o->ino == me->ino &&
		    syscall(SYS_kcmp, o->pid, me->pid, KCMP_FILE, o->fd, me->fd) == 0)
			return o;
	return NULL;
}

/*
 * A file without a name (st_nlink 0) shows in /proc as its last path and
 * " (deleted)": the path is cut back to that name.  False for a file that
 * has a name, whatever it is called.
 */
static bool name_if_unlinked(char *target, const struct stat *st)
{
	static const char suffix[] = " (deleted)";
	size_t len = strlen(target);

	if (st->st_nlink || target[0] != '/' || len < sizeof(suffix) ||
	    strcmp(target + len - (sizeof(suffix) - 1), suffix))
		return false;
	target[len - (sizeof(suffix) - 1)] = 0;
	return true;
}

/*
 * A regular file without a name gets its content saved, before its record;
 * a memfd (an unlinked file too, "/memfd:NAME (deleted)"), a directory
 * without a name and a file that lost this name but has others are
 * refused.
 */
static int file_dump_unlinked(struct dump_ctx *ctx, const char *link, char *target,
			      const struct stat *st, struct img_file *f)
{
	if (!strstr(target, " (deleted)"))
		return 0;
	if (!S_ISREG(st->st_mode) || !strncmp(target, "/memfd:", 7) || !name_if_unlinked(target, st))
		return log_errno(-EOPNOTSUPP, "cannot save fd %d of pid %d: %s is unlinked", f->fd,
				 (int)ctx->pid, target);
	f->flags |= FILE_F_UNLINKED;
	return unlinked_dump(ctx, link, target, &f->object_id);
}

/* The name of a device of pid that is reopened at restart, or NULL: these
 * have no state a program could miss.  BLCR reopened them too (its
 * dev_null test writes to /dev/full after the restart), and the process's
 * controlling terminal as /dev/tty, the terminal of the restart; it also
 * reopened /dev/mem, /dev/kmem, /dev/port and /dev/kmsg, closed here: a
 * new open would not keep their position. */
static const char *reopened_device(dev_t rdev, pid_t pid)
{
	static const struct {
		unsigned int major, minor;
		const char *path;
	} devices[] = {
		{ 1, 3, "/dev/null" }, { 1, 5, "/dev/zero" }, { 1, 7, "/dev/full" },
		{ 1, 8, "/dev/random" }, { 1, 9, "/dev/urandom" }, { 5, 0, "/dev/tty" },
	};
	struct proc_stat ps;

	for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
		if (major(rdev) == devices[i].major && minor(rdev) == devices[i].minor)
			return devices[i].path;
	return proc_parse_stat(pid, &ps) == 0 && ps.tty && ps.tty == rdev ? "/dev/tty" : NULL;
}

static int file_dump(struct dump_ctx *ctx, const struct dump_fd *df)
{
	char link[96], target[UCR_PATH_MAX];
	const struct dump_fd *share = files_share(ctx->shared, df);
	struct img_file f = { .fd = df->fd,
			      .share_pid = share ? process_seen_pid(ctx->shared, share->pid) : -1,
			      .share_fd = share ? share->fd : -1 };
	const char *device;
	struct stat st;
	uint32_t flags;
	ssize_t n;
	int r;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)df->pid, df->fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0 || stat(link, &st) < 0)
		return log_errno(-errno, "cannot inspect fd %d of pid %d", df->fd, (int)df->pid);
	target[n] = 0;
	r = proc_parse_fdinfo(df->pid, df->fd, &f.pos, &flags);
	if (r)
		return log_errno(r, "cannot read fdinfo of fd %d of pid %d", df->fd, (int)df->pid);
	f.fd_flags = flags & O_CLOEXEC ? FD_CLOEXEC : 0;
	f.open_flags = flags & ~(O_CLOEXEC | O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
	/* a file made with O_TMPFILE keeps it (and its O_DIRECTORY) in its
	 * flags; opening the file again with them would make another */
	if (S_ISREG(st.st_mode))
		f.open_flags &= ~O_TMPFILE;
	f.mode = st.st_mode;
	f.size = st.st_size;
	f.mtime_sec = st.st_mtim.tv_sec;
	f.mtime_nsec = st.st_mtim.tv_nsec;

	if (S_ISREG(st.st_mode) && st.st_dev == ctx->shared->out_dev &&
	    st.st_ino == ctx->shared->out_ino) {
		f.kind = FILE_CONTEXT;	/* its size is the dump's, not the program's */
	} else if (mqueue_is(df)) {
		f.kind = FILE_MQUEUE;
		f.object_id = st.st_ino;
	} else if ((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) && target[0] == '/') {
		f.kind = FILE_REGULAR;
		r = file_dump_unlinked(ctx, link, target, &st, &f);
		if (r)
			return r;
	} else if (S_ISFIFO(st.st_mode) && pipes_inside(ctx->shared, df)) {
		f.kind = FILE_PIPE;
		f.object_id = st.st_ino;
		if (name_if_unlinked(target, &st))
			f.flags |= FILE_F_UNLINKED;
	} else if (events_is_event(target)) {
		f.kind = FILE_EVENT;	/* its id: its first descriptor's place, from 1 */
		f.object_id = (share ? share : df) - ctx->shared->fds + 1;
	} else if (S_ISSOCK(st.st_mode)) {
		r = sockets_kind(ctx, df);
		if (r < 0)
			return r;
		f.kind = r;	/* FILE_INHERIT when it leads outside */
		f.object_id = r == FILE_SOCKET ? st.st_ino : 0;
	} else if (df->fd <= STDERR_FILENO ||
		   (S_ISFIFO(st.st_mode) && target[0] != '/')) {
		f.kind = FILE_INHERIT;	/* leads outside: files_inherit() */
	} else if (S_ISCHR(st.st_mode) && (device = reopened_device(st.st_rdev, df->pid))) {
		f.kind = FILE_REGULAR;	/* by its name, wherever its node was */
		snprintf(target, sizeof(target), "%s", device);
	} else {
		log_warn("fd %d of pid %d (%s) is not saved: it will be closed after restart",
			 df->fd, (int)df->pid, target);
		f.kind = FILE_CLOSED;
	}
	f.path_len = strlen(target);
	log_debug("fd %d: %s", df->fd, target);

	const void *parts[] = { &f, target };
	size_t lens[] = { sizeof(f), f.path_len };
	r = img_write_record(ctx->w, IMG_FILE, parts, lens, 2);
	if (!r && f.kind == FILE_PIPE)
		r = pipes_dump_data(ctx, df);
	if (!r && f.kind == FILE_SOCKET && !share)	/* a socket has one description */
		r = sockets_dump_data(ctx, df);
	if (!r && f.kind == FILE_EVENT && !share)
		r = events_dump(ctx, df, target, f.object_id);
	if (!r && f.kind == FILE_MQUEUE)
		r = mqueue_dump(ctx, df, target);
	return r;
}

static int files_dump(struct dump_ctx *ctx)
{
	int r = 0;

	for (size_t i = 0; !r && i < ctx->shared->n_fds; i++)
		if (ctx->shared->fds[i].pid == ctx->pid)
			r = file_dump(ctx, &ctx->shared->fds[i]);
	return r;
}

/* ---- restart -------------------------------------------------------------- */

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

static int files_check(struct rst_ctx *ctx, struct rst_shared *sh)
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
static int files_commit(const struct image_process *p)
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

static int files_prepare(const struct image *img, struct rst_shared *sh)
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
static int files_restore(const struct rst_ctx *ctx, const struct rst_shared *sh)
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

const struct res_ops files_ops = {
	.name = "files",
	.dump = files_dump,
	.check = files_check,
	.prepare = files_prepare,
	.commit = files_commit,
	.restore = files_restore,
};
