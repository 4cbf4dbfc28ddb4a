/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an inotify instance watches.  The instance is an event object
 * (events.c: its IMG_EVENT, made by cr_restart with the others); its
 * watches, read from /proc/PID/fdinfo, follow the record, each with the
 * path of the inode it watches, which fdinfo gives as a file handle:
 * opened with open_by_handle_at(2) (CAP_DAC_READ_SEARCH), its path read
 * back.  The restart adds them again with their watch descriptors, which
 * the program holds.  Events queued at the checkpoint, and those of the
 * downtime, are lost.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "res.h"
#include "common/util.h"

/* Where a file system of the target is mounted: its mount point, opened
 * for open_by_handle_at (not O_PATH, which it refuses). */
static int mount_of(pid_t pid, unsigned int sdev)
{
	_cleanup_free_ char *info = NULL;
	char path[64], *line, *save = NULL;
	/* the kernel's dev_t: 12 bits of major above 20 of minor */
	unsigned int maj = sdev >> 20, min = sdev & 0xfffff;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	if (read_file(path, &info, &len))
		return -errno;
	for (line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int a, b;
		char mnt[4096];

		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &a, &b, mnt) == 3 && a == maj &&
		    b == min) {
			snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
			_cleanup_close_ int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			int fd = root < 0 ? -1 :
				 openat(root, mnt[1] ? mnt + 1 : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			return fd < 0 ? -errno : fd;
		}
	}
	return -ENOENT;
}

/* The path of the inode one watch names, by its file handle. */
static int watch_path(pid_t pid, unsigned int sdev, unsigned int type, const char *hex,
		      unsigned int bytes, char *buf, size_t len)
{
	union { struct file_handle fh; char raw[sizeof(struct file_handle) + MAX_HANDLE_SZ]; } h;
	_cleanup_close_ int mnt = -1, fd = -1;
	char link[64];
	ssize_t n;

	if (bytes > MAX_HANDLE_SZ)
		return -EINVAL;
	h.fh.handle_bytes = bytes;
	h.fh.handle_type = type;
	for (unsigned int i = 0; i < bytes; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &h.fh.f_handle[i]) != 1)
			return -EINVAL;
	mnt = mount_of(pid, sdev);
	if (mnt < 0)
		return mnt;
	fd = open_by_handle_at(mnt, &h.fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return buf[0] == '/' && !strstr(buf, " (deleted)") ? (int)n : -ESTALE;
}

/* One watch as fdinfo lists it (in no particular order). */
struct watch {
	struct img_inotify_watch w;
	char *path;
};

static int by_wd(const void *a, const void *b)
{
	const struct watch *x = a, *y = b;

	return (x->w.wd > y->w.wd) - (x->w.wd < y->w.wd);
}

int inotify_parse(const struct dump_fd *df, const char *info, void **ret, size_t *ret_len,
		  uint64_t *ret_n)
{
	struct watch *ws = NULL;
	size_t n = 0, len = 0;
	char *out;
	int r = 0;

	for (const char *p = strstr(info, "inotify wd:"); p && !r;
	     p = strstr(p + 1, "\ninotify wd:")) {
		unsigned int wd, sdev, mask, ignored, bytes, type;
		char hex[2 * MAX_HANDLE_SZ + 1], path[UCR_PATH_MAX];
		int plen;

		if (sscanf(p + (*p == '\n'), "inotify wd:%x ino:%*x sdev:%x mask:%x ignored_mask:%x "
			   "fhandle-bytes:%x fhandle-type:%x f_handle:%256s", &wd, &sdev, &mask,
			   &ignored, &bytes, &type, hex) != 7) {
			r = -EINVAL;
			break;
		}
		plen = watch_path(df->pid, sdev, type, hex, bytes, path, sizeof(path));
		if (plen < 0) {
			log_error("cannot checkpoint inotify fd %d of pid %d: the path of its watch %u "
				  "cannot be found (%s)", df->fd, (int)df->pid, wd,
				  plen == -EPERM ? "that needs CAP_DAC_READ_SEARCH" :
				  plen == -ESTALE ? "the file is deleted" : strerror(-plen));
			r = -ESTALE;
			break;
		}
		ws = xrealloc(ws, (n + 1) * sizeof(*ws));
		ws[n++] = (struct watch){ { .wd = wd, .mask = mask, .path_len = plen },
					  xstrndup(path, plen) };
		len += sizeof(struct img_inotify_watch) + plen;
	}
	/* in the order of their descriptors, which the restart gives in turn;
	 * then their paths, in that order */
	qsort(ws, n, sizeof(*ws), by_wd);
	out = xmalloc(len ? len : 1);
	for (size_t i = 0, off = n * sizeof(struct img_inotify_watch); i < n; i++) {
		memcpy(out + i * sizeof(ws[i].w), &ws[i].w, sizeof(ws[i].w));
		memcpy(out + off, ws[i].path, ws[i].w.path_len);
		off += ws[i].w.path_len;
		free(ws[i].path);
	}
	free(ws);
	if (r) {
		free(out);
		return r;
	}
	*ret = out;
	*ret_len = len;
	*ret_n = n;
	return 0;
}

/*
 * A new inotify instance with e's watches, each at its descriptor: the
 * kernel gives each new watch the descriptor after the last one it gave,
 * so one added early is removed and added again until it gets its own.
 */
int inotify_make(const struct img_event *e)
{
	const struct img_inotify_watch *w = (const void *)(e + 1);
	const char *path = (const char *)(w + e->count);
	int fd = inotify_init1(IN_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	for (uint64_t i = 0; !r && i < e->count; path += w[i++].path_len) {
		_cleanup_free_ char *p = xstrndup(path, w[i].path_len);
		int wd = inotify_add_watch(fd, p, w[i].mask);

		while (wd > 0 && wd < w[i].wd && inotify_rm_watch(fd, wd) == 0)
			wd = inotify_add_watch(fd, p, w[i].mask);
		if (wd < 0)
			r = log_errno(-errno, "cannot watch %s again (inotify %llu)", p,
				      (unsigned long long)e->id);
		else if (wd != w[i].wd)
			r = log_errno(-EBUSY, "cannot give the watch of %s its descriptor %d again "
				      "(inotify %llu)", p, w[i].wd, (unsigned long long)e->id);
	}
	/* the watches removed on the way each queued an IN_IGNORED */
	if (!r && fcntl(fd, F_SETFL, O_NONBLOCK) == 0) {
		char buf[4096];

		while (read(fd, buf, sizeof(buf)) > 0)
			;
		fcntl(fd, F_SETFL, 0);
	}
	if (r)
		safe_close(fd);
	return r ? r : fd;
}
