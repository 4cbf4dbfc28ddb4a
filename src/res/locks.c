/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The locks the processes hold on their files: fcntl record locks, open
 * file description locks and flock locks.  The dump reads them from the
 * "lock:" lines of /proc/PID/fdinfo, which show, under a descriptor, the
 * locks of its open file description that the process owns (its record
 * locks) or that the description owns (the others); each is one IMG_LOCK
 * record (image/format.h says under which descriptor).
 *
 * At restart, before any process exists, nobody may hold a record lock
 * that conflicts with one to take again; a flock lock cannot be tested
 * without taking it, so the blob finds that conflict.  Each new process
 * takes its locks in the blob, last (restorer.c: blob_take_locks()), once
 * cr_restart's helpers are closed: closing any descriptor of a file drops
 * the process's record locks on it.  A lock that cannot be taken fails the
 * restart, and every process of it is killed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "res.h"
#include "common/util.h"

_Static_assert(sizeof(struct plan_flock) == sizeof(struct flock) &&
	       offsetof(struct plan_flock, start) == offsetof(struct flock, l_start) &&
	       offsetof(struct plan_flock, len) == offsetof(struct flock, l_len) &&
	       offsetof(struct plan_flock, pid) == offsetof(struct flock, l_pid), "plan_flock");

/* ---- dump ----------------------------------------------------------------- */

/* A record lock already saved for this process: the same lock shows under
 * every descriptor of the open file description it was taken through. */
struct seen_lock {
	char file[64];		/* dev:ino, as the kernel writes it */
	uint64_t start, len;
};

/*
 * One "lock:" line, as fs/locks.c writes it:
 *	lock:	1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF
 *	lock:	2: OFDLCK ADVISORY  READ  -1 08:01:5678 100 199
 *	lock:	3: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF
 * into l (but its fd) and file.  0; 1 for a lease, which is not saved;
 * -EINVAL for a line it cannot read.
 */
static int parse_lock(const char *line, struct img_lock *l, char file[64])
{
	char kind[16], adv[16], type[16], end[24], *tail;
	unsigned long long start, last;
	long long pid;

	if (sscanf(line, "lock: %*d: %15s %15s %15s %lld %63s %llu %23s", kind, adv, type, &pid,
		   file, &start, end) != 7)
		return -EINVAL;
	*l = (struct img_lock){ .start = start };
	if (!strcmp(kind, "POSIX"))
		l->kind = LOCK_KIND_POSIX;
	else if (!strcmp(kind, "OFDLCK"))
		l->kind = LOCK_KIND_OFD;
	else if (!strcmp(kind, "FLOCK"))
		l->kind = LOCK_KIND_FLOCK;
	else
		return 1;
	l->type = !strcmp(type, "WRITE") ? LOCK_TYPE_WRITE : !strcmp(type, "READ") ? LOCK_TYPE_READ : 0;
	if (!l->type || start > INT64_MAX)
		return -EINVAL;
	if (l->kind == LOCK_KIND_FLOCK) {
		l->start = 0;
		return 0;
	}
	if (!strcmp(end, "EOF"))
		return 0;
	errno = 0;
	last = strtoull(end, &tail, 10);
	if (errno || *tail || last < start || last > INT64_MAX)
		return -EINVAL;
	l->len = last - start + 1;
	return 0;
}

/* Only what files.c reopens by path can have its locks taken again. */
static bool reopened_by_path(const struct dump_ctx *ctx, const struct dump_fd *df)
{
	char link[96], target[2];

	if ((!S_ISREG(df->mode) && !S_ISDIR(df->mode)) ||
	    (df->dev == ctx->shared->out_dev && df->ino == ctx->shared->out_ino))
		return false;
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)df->pid, df->fd);
	return readlink(link, target, sizeof(target)) > 0 && target[0] == '/';
}

static bool seen_before(struct seen_lock **seen, size_t *n_seen, const char *file,
			const struct img_lock *l)
{
	for (size_t i = 0; i < *n_seen; i++)
		if (!strcmp((*seen)[i].file, file) && (*seen)[i].start == l->start &&
		    (*seen)[i].len == l->len)
			return true;
	*seen = xrealloc(*seen, (*n_seen + 1) * sizeof(**seen));
	snprintf((*seen)[*n_seen].file, sizeof((*seen)[*n_seen].file), "%s", file);
	(*seen)[*n_seen].start = l->start;
	(*seen)[(*n_seen)++].len = l->len;
	return false;
}

static int dump_fd_locks(struct dump_ctx *ctx, const struct dump_fd *df, struct seen_lock **seen,
			 size_t *n_seen)
{
	_cleanup_free_ char *buf = NULL;
	char path[64], file[64], *save = NULL;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)df->pid, df->fd);
	r = read_file(path, &buf, NULL);
	if (r)
		return log_errno(r, "cannot read the locks of fd %d of pid %d", df->fd, (int)df->pid);
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct img_lock l;
		const void *parts[] = { &l };
		size_t lens[] = { sizeof(l) };

		if (strncmp(line, "lock:", 5))
			continue;
		r = parse_lock(line, &l, file);
		if (r < 0) {
			log_error("cannot read a lock of fd %d of pid %d: \"%s\"", df->fd,
				  (int)df->pid, line);
			return r;
		}
		if (r > 0) {
			log_warn("fd %d of pid %d holds a lease, which is not saved", df->fd,
				 (int)df->pid);
			continue;
		}
		/* a record lock once per process, another once per description */
		if (l.kind == LOCK_KIND_POSIX ? seen_before(seen, n_seen, file, &l) :
		    files_share(ctx->shared, df) != NULL)
			continue;
		l.fd = df->fd;
		r = img_write_record(ctx->w, IMG_LOCK, parts, lens, 1);
		if (r)
			return r;
	}
	return 0;
}

static int locks_dump(struct dump_ctx *ctx)
{
	_cleanup_free_ struct seen_lock *seen = NULL;
	size_t n_seen = 0;
	int r = 0;

	for (size_t i = 0; !r && i < ctx->shared->n_fds; i++) {
		const struct dump_fd *df = &ctx->shared->fds[i];

		if (df->pid == ctx->pid && reopened_by_path(ctx, df))
			r = dump_fd_locks(ctx, df, &seen, &n_seen);
	}
	return r;
}

/* ---- restart -------------------------------------------------------------- */

static int lock_conflict(const struct image_process *p, const struct img_lock *l, int err)
{
	char what[96];

	image_lock_describe(l, what, sizeof(what));
	log_error("cannot restore pid %d: %s on %s (fd %d) conflicts with a lock another "
		  "process holds now", p->p->pid, what, image_find_file(p, l->fd)->path, l->fd);
	return err;
}

static int locks_check(struct rst_ctx *ctx, struct rst_shared *sh)
{
	const struct image_process *p = ctx->proc;

	(void)sh;
	for (size_t i = 0; i < p->n_locks; i++) {
		const struct img_lock *l = p->locks[i];
		const struct image_file *imf = image_find_file(p, l->fd);
		struct flock fl = { .l_type = l->type == LOCK_TYPE_WRITE ? F_WRLCK : F_RDLCK,
				    .l_whence = SEEK_SET, .l_start = (off_t)l->start,
				    .l_len = (off_t)l->len };
		int fd, r;

		/* a file saved whole is new: nobody else has it */
		if (l->kind == LOCK_KIND_FLOCK || (imf->f->flags & FILE_F_UNLINKED))
			continue;
		/* one that cannot be read: the blob will tell */
		fd = open(imf->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* what our own new description would conflict with: anybody's */
		r = fcntl(fd, F_OFD_GETLK, &fl);
		close(fd);
		if (r == 0 && fl.l_type != F_UNLCK)
			return lock_conflict(p, l, -EAGAIN);
	}
	return 0;
}

static int locks_plan(struct rst_ctx *ctx, struct plan *plan)
{
	const struct image_process *p = ctx->proc;
	struct plan_lock *pl = (void *)((char *)plan + plan->locks_off);
	uint64_t proc_index = (uint64_t)(p - ctx->img->procs);

	plan->n_locks = p->n_locks;
	for (size_t i = 0; i < p->n_locks; i++) {
		const struct img_lock *l = p->locks[i];
		bool write = l->type == LOCK_TYPE_WRITE;

		pl[i] = (struct plan_lock){ .fd = l->fd, .id = proc_index << 32 | i };
		if (l->kind == LOCK_KIND_FLOCK) {
			pl[i].op = (write ? LOCK_EX : LOCK_SH) | LOCK_NB;
			continue;
		}
		pl[i].cmd = l->kind == LOCK_KIND_POSIX ? F_SETLK : F_OFD_SETLK;
		pl[i].fl = (struct plan_flock){ .type = write ? F_WRLCK : F_RDLCK,
						.whence = SEEK_SET, .start = (int64_t)l->start,
						.len = (int64_t)l->len };
	}
	return 0;
}

int locks_failed(const struct image *img, uint64_t id, int err)
{
	uint64_t pi = id >> 32, li = (uint32_t)id;
	const struct image_process *p = pi < img->n_procs ? &img->procs[pi] : NULL;
	const struct img_lock *l = p && li < p->n_locks ? p->locks[li] : NULL;
	char what[96];

	if (!l)
		return log_errno(err, "a restored process could not take a lock again");
	if (err == -EAGAIN || err == -EACCES)
		return lock_conflict(p, l, err);
	image_lock_describe(l, what, sizeof(what));
	return log_errno(err, "cannot restore pid %d: cannot take %s on %s (fd %d) again",
			 p->p->pid, what, image_find_file(p, l->fd)->path, l->fd);
}

const struct res_ops locks_ops = {
	.name = "locks",
	.dump = locks_dump,
	.check = locks_check,
	.plan = locks_plan,
};
