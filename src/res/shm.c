/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared memory at restart: one memfd per object that processes map
 * shared, made and filled by cr_restart before any process exists, from
 * the saved pages of every area of it in every process (each page at its
 * pgoff in the object), and mapped MAP_SHARED by all of them.  An object
 * is shared anonymous memory or a memfd (AREA_SHARED_ANON, by object_id),
 * or a file mapped shared whose every page was saved (--save-shared; by
 * path): that file is not opened, and its memory is shared as it was,
 * not written back to the file.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "res.h"
#include "common/util.h"

static bool same_object(const struct image_area *x, const struct image_area *y)
{
	if (x->a->kind == AREA_SHARED_ANON)
		return y->a->kind == AREA_SHARED_ANON && y->a->object_id == x->a->object_id;
	return memory_file_saved(y->a) && (y->a->flags & AREA_F_SHARED) &&
	       !strcmp(x->path, y->path);
}

static const struct rst_shared_fd *shm_find(const struct rst_shared *sh,
					    const struct image_area *ia)
{
	for (size_t i = 0; i < sh->n; i++) {
		const struct rst_shared_fd *o = &sh->objs[i];

		if (o->kind != SHARED_SHM)
			continue;
		if (ia->a->kind == AREA_SHARED_ANON ? !o->path && o->id == ia->a->object_id :
		    o->path && !strcmp(o->path, ia->path))
			return o;
	}
	return NULL;
}

/* The saved runs of one area into the object's memfd, at its pgoff. */
static int shm_fill(const struct image *img, const struct image_area *ia, int fd)
{
	uint64_t off = ia->data_off;

	for (uint64_t k = 0; k < ia->a->n_runs; k++) {
		uint64_t len = ia->runs[k].n_pages * IMG_PAGE_SIZE;
		uint64_t at = ia->a->pgoff + ia->runs[k].first * IMG_PAGE_SIZE;

		if (pwrite(fd, img->map + off, len, at) != (ssize_t)len)
			return log_errno(-errno, "cannot fill the shared memory of %#llx-%#llx at %llu",
					 (unsigned long long)ia->a->start,
					 (unsigned long long)ia->a->end, (unsigned long long)at);
		off += len;
	}
	return 0;
}

int shm_fd(const struct image *img, const struct image_area *key, struct rst_shared *sh)
{
	const struct rst_shared_fd *found = shm_find(sh, key);
	struct rst_shared_fd *o;
	uint64_t size = 0;
	_cleanup_close_ int fd = -1;
	int r = 0;

	if (found)
		return found->helper;
	fd = memfd_create("ucr-shm", MFD_CLOEXEC);
	if (fd < 0)
		return log_errno(-errno, "cannot create a memfd for shared memory");
	for (size_t i = 0; i < img->n_procs; i++)
		for (size_t j = 0; j < img->procs[i].n_areas; j++) {
			const struct image_area *ia = &img->procs[i].areas[j];

			if (same_object(key, ia) && ia->a->pgoff + (ia->a->end - ia->a->start) > size)
				size = ia->a->pgoff + (ia->a->end - ia->a->start);
		}
	if (ftruncate(fd, size) < 0)
		r = log_errno(-errno, "cannot size shared memory to %llu bytes",
			      (unsigned long long)size);
	for (size_t i = 0; !r && i < img->n_procs; i++)
		for (size_t j = 0; !r && j < img->procs[i].n_areas; j++)
			if (same_object(key, &img->procs[i].areas[j]))
				r = shm_fill(img, &img->procs[i].areas[j], fd);
	if (r)
		return r;
	o = shared_add(sh);
	o->kind = SHARED_SHM;
	o->id = key->a->kind == AREA_SHARED_ANON ? key->a->object_id : 0;
	o->path = key->a->kind == AREA_SHARED_ANON ? NULL : key->path;
	o->pid = o->fd = -1;
	o->helper = helper_fd(sh, TAKE_FD(fd));
	return o->helper;
}
