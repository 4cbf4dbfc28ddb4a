/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Open file descriptors: IMG_FILE records, the restart's checks, and their
 * reopening in the restored process.
 *
 * Regular files and directories are saved by reference: path, flags,
 * offset, and size and mtime to notice a change.  As in BLCR, a file open
 * for writing that grew after the checkpoint is truncated back to its
 * checkpoint size at restart.  A standard descriptor that is a terminal, a
 * pipe or a socket leads outside: it becomes cr_restart's own.  Character
 * devices are reopened by path.  Other kinds (pipes and sockets on other
 * numbers) are not restored yet and appear closed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <linux/kcmp.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "res.h"
#include "common/util.h"

static int fdinfo_parse(pid_t pid, int fd, uint64_t *ret_pos, uint32_t *ret_flags)
{
	char path[64];
	_cleanup_free_ char *buf = NULL;
	unsigned long long pos;
	unsigned int flags;
	char *p;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	r = read_file(path, &buf, NULL);
	if (r)
		return r;
	p = strstr(buf, "pos:");
	if (!p || sscanf(p, "pos: %llu", &pos) != 1)
		return -EINVAL;
	p = strstr(buf, "flags:");
	if (!p || sscanf(p, "flags: %o", &flags) != 1)
		return -EINVAL;
	*ret_pos = pos;
	*ret_flags = flags;
	return 0;
}

/*
 * The lowest fd before this one that shares its open file description
 * (dup, or inherited across fork): restored as an alias, one offset.
 */
static int file_dup_of(pid_t pid, int fd, const int *seen, size_t n_seen)
{
	for (size_t i = 0; i < n_seen; i++)
		if (syscall(SYS_kcmp, pid, pid, KCMP_FILE, seen[i], fd) == 0)
			return seen[i];
	return -1;
}

static int file_dump(struct dump_ctx *ctx, int fd, const int *seen, size_t n_seen)
{
	char link[64], target[UCR_PATH_MAX];
	struct img_file f = { .fd = fd, .dup_of = file_dup_of(ctx->pid, fd, seen, n_seen) };
	struct stat st;
	uint32_t flags;
	ssize_t n;
	int r;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)ctx->pid, fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0 || stat(link, &st) < 0)
		return errno == ENOENT ? 0 : log_errno(-errno, "cannot inspect fd %d of pid %d", fd,
							(int)ctx->pid);
	target[n] = 0;
	r = fdinfo_parse(ctx->pid, fd, &f.pos, &flags);
	if (r)
		return log_errno(r, "cannot read fdinfo of fd %d of pid %d", fd, (int)ctx->pid);
	f.fd_flags = flags & O_CLOEXEC ? FD_CLOEXEC : 0;
	f.open_flags = flags & ~(O_CLOEXEC | O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
	f.mode = st.st_mode;
	f.size = st.st_size;
	f.mtime_sec = st.st_mtim.tv_sec;
	f.mtime_nsec = st.st_mtim.tv_nsec;

	if ((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) && target[0] == '/') {
		if (strstr(target, " (deleted)"))
			return log_errno(-EOPNOTSUPP, "cannot save fd %d of pid %d: %s is unlinked",
					 fd, (int)ctx->pid, target);
		f.kind = FILE_REGULAR;
	} else if (fd <= STDERR_FILENO) {
		f.kind = FILE_INHERIT;
	} else if (S_ISCHR(st.st_mode) && target[0] == '/') {
		f.kind = FILE_REGULAR;
	} else {
		log_warn("fd %d of pid %d (%s) is not saved: it will be closed after restart", fd,
			 (int)ctx->pid, target);
		f.kind = FILE_CLOSED;
	}
	f.path_len = strlen(target);
	log_debug("fd %d: %s", fd, target);

	const void *parts[] = { &f, target };
	size_t lens[] = { sizeof(f), f.path_len };
	return img_write_record(ctx->w, IMG_FILE, parts, lens, 2);
}

static int int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int files_dump(struct dump_ctx *ctx)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	_cleanup_free_ int *fds = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)ctx->pid);
	d = opendir(path);
	if (!d)
		return log_errno(-errno, "cannot list the descriptors of pid %d", (int)ctx->pid);
	while ((e = readdir(d))) {
		int fd;

		if (parse_int(e->d_name, &fd) || fd == ctx->state.sock_fd)
			continue;
		if (n == cap)
			fds = xrealloc(fds, (cap = cap ? 2 * cap : 64) * sizeof(*fds));
		fds[n++] = fd;
	}
	closedir(d);
	/* ascending, so that an alias always follows the fd it copies */
	qsort(fds, n, sizeof(*fds), int_cmp);
	for (size_t i = 0; !r && i < n; i++)
		r = file_dump(ctx, fds[i], fds, i);
	return r;
}

/* ---- restart -------------------------------------------------------------- */

static bool is_writer(const struct img_file *f)
{
	return (f->open_flags & O_ACCMODE) != O_RDONLY;
}

int files_check(const struct image_process *p)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const struct img_file *f = p->files[i].f;
		const char *path = p->files[i].path;
		struct stat st;

		if (f->kind != FILE_REGULAR)
			continue;
		if (stat(path, &st) < 0)
			return log_errno(-errno, "cannot restore fd %d: %s", f->fd, path);
		if ((st.st_mode & S_IFMT) != (f->mode & S_IFMT)) {
			log_error("cannot restore fd %d: %s is no longer the same kind of file",
				  f->fd, path);
			return -ESTALE;
		}
		if (access(path, is_writer(f) ? ((f->open_flags & O_ACCMODE) == O_WRONLY ? W_OK :
						 R_OK | W_OK) : R_OK) < 0)
			return log_errno(-errno, "cannot restore fd %d: %s", f->fd, path);
		if (!S_ISREG(st.st_mode))
			continue;
		if (is_writer(f) && (uint64_t)st.st_size < f->size) {
			log_error("cannot restore fd %d: %s is shorter than at the checkpoint", f->fd,
				  path);
			return -ESTALE;
		}
		if (!is_writer(f) && ((uint64_t)st.st_size != f->size ||
				      st.st_mtim.tv_sec != f->mtime_sec ||
				      st.st_mtim.tv_nsec != f->mtime_nsec)) {
			log_error("cannot restore fd %d: %s changed since the checkpoint", f->fd, path);
			return -ESTALE;
		}
	}
	return 0;
}

/* What was written after the checkpoint goes, as in BLCR. */
int files_truncate(const struct image_process *p)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const struct img_file *f = p->files[i].f;

		if (f->kind == FILE_REGULAR && S_ISREG(f->mode) && is_writer(f) &&
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

static const struct img_file *file_at(const struct image_process *p, int fd, const char **path)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i].f->fd == fd) {
			*path = p->files[i].path;
			return p->files[i].f;
		}
	return NULL;
}

/*
 * In the new process, before the blob: every fd below the helpers is
 * either reopened at its number or closed; inherited standard descriptors
 * stay.  The builder's own descriptors were moved above the saved ones.
 */
int files_restore_in_child(const struct image_process *p)
{
	int max = files_max_fd(p);

	for (int fd = 0; fd <= max; fd++) {
		const char *path = NULL;
		const struct img_file *f = file_at(p, fd, &path);
		int nfd;

		if (!f || f->kind == FILE_CLOSED) {
			close(fd);
			continue;
		}
		if (f->kind == FILE_INHERIT)
			continue;
		if (f->dup_of >= 0) {
			if (dup3(f->dup_of, fd, O_CLOEXEC) < 0)
				return log_errno(-errno, "cannot restore fd %d as a copy of fd %d", fd,
						 f->dup_of);
			if (fcntl(fd, F_SETFD, f->fd_flags) < 0)
				return log_errno(-errno, "cannot set the flags of fd %d", fd);
			continue;
		}
		nfd = open(path, f->open_flags | O_NOCTTY | O_CLOEXEC);
		if (nfd < 0)
			return log_errno(-errno, "cannot reopen fd %d: %s", fd, path);
		if (nfd != fd) {
			if (dup3(nfd, fd, O_CLOEXEC) < 0)
				return log_errno(-errno, "cannot move fd %d", fd);
			close(nfd);
		}
		if (S_ISREG(f->mode) && lseek(fd, f->pos, SEEK_SET) < 0)
			return log_errno(-errno, "cannot seek fd %d to %llu", fd,
					 (unsigned long long)f->pos);
		if (fcntl(fd, F_SETFD, f->fd_flags) < 0)
			return log_errno(-errno, "cannot set the flags of fd %d", fd);
	}
	return 0;
}
