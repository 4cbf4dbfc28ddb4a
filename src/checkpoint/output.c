/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context file on disk.  By default it is written as an unnamed
 * O_TMPFILE in the target directory, synced, given a temporary name and
 * renamed over the final one: a dumper that dies leaves nothing behind, and
 * a reader never sees half a file.  It is created 0400, as BLCR does: it
 * holds the process's memory.
 */
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "common/util.h"

#define CONTEXT_MODE 0400

static char *dir_of(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);

	return copy ? strdup(dirname(copy)) : NULL;
}

static int fsync_dir(const char *path)
{
	_cleanup_free_ char *dir = dir_of(path);
	_cleanup_close_ int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

int output_open(struct output *out, const struct checkpoint_opts *o, pid_t pid)
{
	_cleanup_free_ char *dir = NULL;
	char name[64];

	memset(out, 0, sizeof(*out));
	out->o = o;
	out->fd = -1;
	if (o->fd >= 0) {
		out->fd = o->fd;
		return 0;
	}
	if (o->path) {
		out->path = strdup(o->path);
	} else {
		snprintf(name, sizeof(name), "context.%d", (int)pid);
		out->path = strdup(name);
	}
	if (o->policy == OUT_NOCLOBBER && access(out->path, F_OK) == 0) {
		log_error("%s exists (--noclobber)", out->path);
		return -EEXIST;
	}
	if (o->policy == OUT_CLOBBER) {
		out->fd = open(out->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, CONTEXT_MODE);
		if (out->fd < 0 && errno == EACCES && unlink(out->path) == 0)
			out->fd = open(out->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				       CONTEXT_MODE);
		return out->fd < 0 ? log_errno(-errno, "cannot create %s", out->path) : 0;
	}
	dir = dir_of(out->path);
	out->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, CONTEXT_MODE);
	if (out->fd >= 0) {
		out->linkable = true;
		return 0;
	}
	/* file systems without O_TMPFILE: a visible temporary name */
	if (asprintf(&out->tmp_path, "%s/.%s.tmpXXXXXX", dir, basename(out->path)) < 0)
		return -ENOMEM;
	out->fd = mkostemp(out->tmp_path, O_CLOEXEC);
	if (out->fd < 0 || fchmod(out->fd, CONTEXT_MODE) < 0) {
		int r = log_errno(-errno, "cannot create a file in %s", dir);

		output_abort(out);
		return r;
	}
	return 0;
}

static int backup_existing(struct output *out)
{
	_cleanup_free_ char *name = NULL;

	if (access(out->path, F_OK) < 0)
		return 0;
	if (out->o->backup) {
		name = strdup(out->o->backup);
	} else {
		for (int i = 1;; i++) {
			free(name);
			if (asprintf(&name, "%s.~%d~", out->path, i) < 0)
				return -ENOMEM;
			if (access(name, F_OK) < 0)
				break;
		}
	}
	if (rename(out->path, name) < 0)
		return log_errno(-errno, "cannot rename %s to %s", out->path, name);
	return 0;
}

int output_commit(struct output *out)
{
	const struct checkpoint_opts *o = out->o;
	char proc_path[64];
	int r;

	if (!out->path)
		return 0;	/* --fd: the caller owns it */
	if (o->sync && fsync(out->fd) < 0)
		return log_errno(-errno, "cannot sync %s", out->path);
	if (out->linkable) {
		if (asprintf(&out->tmp_path, "%s.tmp%d", out->path, (int)getpid()) < 0)
			return -ENOMEM;
		snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", out->fd);
		unlink(out->tmp_path);
		if (linkat(AT_FDCWD, proc_path, AT_FDCWD, o->policy == OUT_NOCLOBBER ?
			   out->path : out->tmp_path, AT_SYMLINK_FOLLOW) < 0) {
			r = log_errno(-errno, "cannot create %s", out->path);
			free(out->tmp_path);
			out->tmp_path = NULL;
			return r;
		}
		if (o->policy == OUT_NOCLOBBER) {
			free(out->tmp_path);
			out->tmp_path = NULL;
		}
	} else if (o->policy == OUT_NOCLOBBER) {
		if (link(out->tmp_path, out->path) < 0)
			return log_errno(-errno, "cannot create %s", out->path);
		unlink(out->tmp_path);
		free(out->tmp_path);
		out->tmp_path = NULL;
	}
	if (out->tmp_path) {
		if (o->policy == OUT_BACKUP && (r = backup_existing(out)))
			return r;
		if (rename(out->tmp_path, out->path) < 0)
			return log_errno(-errno, "cannot rename %s to %s", out->tmp_path, out->path);
		free(out->tmp_path);
		out->tmp_path = NULL;
	}
	if (o->sync && (r = fsync_dir(out->path)))
		return log_errno(r, "cannot sync the directory of %s", out->path);
	out->fd = safe_close(out->fd);
	free(out->path);
	out->path = NULL;
	return 0;
}

/* Leaves no file: the O_TMPFILE vanishes with its fd, a named one is removed. */
void output_abort(struct output *out)
{
	if (out->tmp_path)
		unlink(out->tmp_path);
	else if (out->path && out->o->policy == OUT_CLOBBER && out->fd >= 0)
		unlink(out->path);
	if (out->path)
		out->fd = safe_close(out->fd);
	free(out->tmp_path);
	free(out->path);
	out->tmp_path = out->path = NULL;
}
