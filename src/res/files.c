/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Open file descriptors at a checkpoint: IMG_FILE records (the restart's
 * checks and the reopening: files_restart.c).
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

const struct res_ops files_ops = {
	.name = "files",
	.dump = files_dump,
	.check = files_check,
	.prepare = files_prepare,
	.commit = files_commit,
	.restore = files_restore,
};
