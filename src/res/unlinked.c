/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regular files that had no name at the checkpoint, open or mapped: saved
 * whole (IMG_FILE_DATA, once per file, whatever its size, as BLCR did;
 * one with holes without them, its data as extents), and made again at restart as one new file without a name that backs
 * every descriptor and every mapping of it.  files.c and memory.c write
 * the records that refer to it and ask here for its content and, at
 * restart, for the new file.
 *
 * The new file is an O_TMPFILE in the directory the file was in (after
 * --relocate): on the same filesystem, it takes the same open flags
 * (O_DIRECT) and counts against the same space as the original did; when
 * that directory is gone or its filesystem has no O_TMPFILE, a memfd.
 * See docs/design-notes.md.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "res.h"
#include "common/util.h"

/* len bytes of fd from off into the record being written. */
static int copy_content(struct dump_ctx *ctx, int fd, uint64_t off, uint64_t len,
			const char *what)
{
	uint64_t end = off + len;

	while (off < end) {
		size_t want = end - off < ctx->buf_len ? end - off : ctx->buf_len;
		ssize_t n = pread(fd, ctx->buf, want, off);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return log_errno(n < 0 ? -errno : -EIO, "cannot read the unlinked file %s",
					 what);
		r = img_record_data(ctx->w, ctx->buf, n);
		if (r)
			return r;
		log_progress_add(&ctx->shared->progress, n);
		off += n;
	}
	return 0;
}

/*
 * Where fd, of size bytes, holds data (SEEK_DATA to SEEK_HOLE), into
 * *ret (malloc'd); returns how many extents, and their bytes in *ret_bytes.
 * A filesystem that cannot tell shows one extent of it all.
 */
static uint64_t data_extents(int fd, uint64_t size, struct img_extent **ret, uint64_t *ret_bytes)
{
	uint64_t n = 0;
	off_t at = 0;

	*ret = NULL;
	*ret_bytes = 0;
	while ((uint64_t)at < size) {
		off_t data = lseek(fd, at, SEEK_DATA), hole;

		if (data < 0 || (uint64_t)data >= size)
			break;	/* ENXIO: holes to the end */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || (uint64_t)hole > size)
			hole = size;
		*ret = xrealloc(*ret, (n + 1) * sizeof(**ret));
		(*ret)[n++] = (struct img_extent){ .off = data, .len = hole - data };
		*ret_bytes += hole - data;
		at = hole;
	}
	return n;
}

/* The record of file d, open at fd: dense, or with its holes left out. */
static int write_file_data(struct dump_ctx *ctx, int fd, struct img_file_data *d,
			   const char *what)
{
	_cleanup_free_ struct img_extent *ext = NULL;
	uint64_t bytes, n = data_extents(fd, d->size, &ext, &bytes);
	bool sparse = bytes < d->size;
	int r;

	d->flags = sparse ? FILE_DATA_F_SPARSE : 0;
	r = img_record_begin(ctx->w, IMG_FILE_DATA, sizeof(*d) + (sparse ? sizeof(n) +
			     n * sizeof(*ext) + bytes : d->size), 0);
	if (!r)
		r = img_record_data(ctx->w, d, sizeof(*d));
	if (!r && !sparse)
		r = copy_content(ctx, fd, 0, d->size, what);
	if (!r && sparse)
		r = img_record_data(ctx->w, &n, sizeof(n));
	if (!r && sparse)
		r = img_record_data(ctx->w, ext, n * sizeof(*ext));
	for (uint64_t i = 0; !r && sparse && i < n; i++)
		r = copy_content(ctx, fd, ext[i].off, ext[i].len, what);
	return r ? r : img_record_end(ctx->w);
}

int unlinked_dump(struct dump_ctx *ctx, const char *link, const char *what, uint64_t *ret_id)
{
	struct dump_shared *sh = ctx->shared;
	_cleanup_close_ int fd = open(link, O_RDONLY | O_CLOEXEC);
	struct img_file_data d = { 0 };
	struct stat st;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return log_errno(-errno, "cannot open the unlinked file %s", what);
	/* saved whole, it would come back apart from its other names */
	if (st.st_nlink)
		return log_errno(-EOPNOTSUPP, "cannot save %s: it has another name", what);
	for (size_t i = 0; i < sh->n_unlinked; i++)
		if (sh->unlinked[i].dev == st.st_dev && sh->unlinked[i].ino == st.st_ino) {
			*ret_id = sh->unlinked[i].id;
			return 0;	/* saved with an earlier descriptor or mapping */
		}
	d = (struct img_file_data){ .id = sh->n_unlinked + 1, .size = st.st_size,
				    .mode = st.st_mode, .uid = st.st_uid, .gid = st.st_gid };
	log_debug("unlinked file %s: %llu bytes", what, (unsigned long long)d.size);
	r = write_file_data(ctx, fd, &d, what);
	if (r)
		return r;
	sh->unlinked = xrealloc(sh->unlinked, (sh->n_unlinked + 1) * sizeof(*sh->unlinked));
	sh->unlinked[sh->n_unlinked++] = (struct dump_unlinked){ .dev = st.st_dev,
								  .ino = st.st_ino, .id = d.id };
	*ret_id = d.id;
	return 0;
}

/* ---- restart -------------------------------------------------------------- */

/* The name the file had, from the first record that refers to it: its
 * directory is where the new one goes. */
static const char *former_name(const struct image *img, uint64_t id)
{
	for (size_t i = 0; i < img->n_procs; i++) {
		const struct image_process *p = &img->procs[i];

		for (size_t j = 0; j < p->n_files; j++)
			if (p->files[j].f->kind == FILE_REGULAR &&
			    (p->files[j].f->flags & FILE_F_UNLINKED) && p->files[j].f->object_id == id)
				return p->files[j].path;
		for (size_t j = 0; j < p->n_areas; j++)
			if ((p->areas[j].a->flags & AREA_F_UNLINKED) && p->areas[j].a->object_id == id)
				return p->areas[j].path;
	}
	return NULL;
}

/* A new file without a name, read-write, in the directory of name. */
static int unlinked_create(const char *name)
{
	_cleanup_free_ char *dir = xstrndup(name, strrchr(name, '/') - name);
	int fd = open(*dir ? dir : "/", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	log_warn("cannot make %s (deleted) again in its directory (%s): it is kept in memory",
		 name, strerror(errno));
	fd = memfd_create("ucr-unlinked", MFD_CLOEXEC);
	return fd < 0 ? log_errno(-errno, "cannot make %s (deleted) again", name) : fd;
}

/*
 * Each open file description the processes had on file id, a new one on
 * the new file (fd, reopened through /proc, where its access mode and
 * status flags are its own), at its offset; before the file gets its
 * mode, which may forbid what the processes opened it for.
 */
static int unlinked_descriptions(const struct image *img, uint64_t id, int fd,
				 struct rst_shared *sh)
{
	char link[64];

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	for (size_t i = 0; i < img->n_procs; i++)
		for (size_t j = 0; j < img->procs[i].n_files; j++) {
			const struct img_file *f = img->procs[i].files[j].f;
			struct rst_shared_fd *o;
			int ofd;

			if (f->kind != FILE_REGULAR || !(f->flags & FILE_F_UNLINKED) ||
			    f->object_id != id || f->share_pid >= 0)
				continue;
			/* Without O_NOFOLLOW, which shm_open() uses: the
			 * link in /proc is a symbolic link (ELOOP with it),
			 * and the flag does nothing after the open. */
			ofd = open(link, (f->open_flags & ~O_NOFOLLOW) | O_NOCTTY | O_CLOEXEC);
			if (ofd < 0 || lseek(ofd, f->pos, SEEK_SET) < 0) {
				safe_close(ofd);
				return log_errno(-errno, "cannot restore fd %d of pid %d on %s (deleted)",
						 f->fd, img->procs[i].p->pid,
						 img->procs[i].files[j].path);
			}
			o = shared_add(sh);
			o->kind = SHARED_OFD;
			o->pid = img->procs[i].p->pid;
			o->fd = f->fd;
			o->helper = helper_fd(sh, ofd);
			if (o->helper < 0)
				return o->helper;
		}
	return 0;
}

/* The new file filled with the saved content, its holes holes again; its
 * mode and, for root, its owner. */
static int unlinked_fill(const struct image *img, const struct image_file_data *fd_data, int fd,
			 const char *name)
{
	const struct img_file_data *d = fd_data->d;
	uint64_t at = fd_data->data_off;
	int r = 0;

	if (!(d->flags & FILE_DATA_F_SPARSE))
		r = write_full(fd, img->map + at, d->size);
	else if (ftruncate(fd, d->size) < 0)
		r = -errno;
	for (uint64_t i = 0; !r && i < fd_data->n_extents; i++) {
		const struct img_extent *e = &fd_data->extents[i];

		r = lseek(fd, e->off, SEEK_SET) < 0 ? -errno : write_full(fd, img->map + at, e->len);
		at += e->len;
	}
	if (r)
		return log_errno(r, "cannot write %s (deleted) again", name);
	if (geteuid() == 0 && fchown(fd, d->uid, d->gid) < 0)
		log_warn("cannot give %s (deleted) its owner back: %s", name, strerror(errno));
	return 0;
}

int unlinked_file(const struct image *img, uint64_t id, struct rst_shared *sh)
{
	const struct rst_shared_fd *o = shared_find(sh, SHARED_UNLINKED, -1, -1, id, 0);
	const struct image_file_data *data = image_find_file_data(img, id);
	const char *name = former_name(img, id);
	struct rst_shared_fd *n;
	int fd, r;

	if (o)
		return o->helper;
	fd = unlinked_create(name);
	if (fd < 0)
		return fd;
	r = unlinked_fill(img, data, fd, name);
	if (!r)
		r = unlinked_descriptions(img, id, fd, sh);
	if (!r && fchmod(fd, data->d->mode & 07777) < 0)
		r = log_errno(-errno, "cannot give %s (deleted) its mode back", name);
	if (r) {
		close(fd);
		return r;
	}
	n = shared_add(sh);
	n->kind = SHARED_UNLINKED;
	n->pid = n->fd = -1;
	n->id = id;
	n->helper = helper_fd(sh, fd);
	return n->helper;
}
