/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reader's part for memory: an IMG_AREA record, its runs of saved
 * pages, and the records that follow it, checked as reader.c checks every
 * record (the file is untrusted).
 */
#include <stdio.h>
#include <string.h>

#include "read.h"
#include "common/util.h"

void read_defer_pages(struct reader *r, const struct rec_view *v)
{
	struct image *img = r->img;

	img->unchecked = xrealloc(img->unchecked, (img->n_unchecked + 1) * sizeof(*img->unchecked));
	img->unchecked[img->n_unchecked++] = (struct image_span){
		.off = v->off, .len = v->payload_off - v->off + v->len };
}

int image_check_pages(const struct image *img, char *err, size_t err_len)
{
	for (size_t i = 0; i < img->n_unchecked; i++) {
		const struct image_span *s = &img->unchecked[i];
		uint64_t sum;

		memcpy(&sum, img->map + s->off + s->len, sizeof(sum));
		if (XXH3_64bits(img->map + s->off, s->len) != sum) {
			snprintf(err, err_len, "checksum mismatch in record at offset %llu (tag %u): "
				 "the file is damaged", (unsigned long long)s->off, IMG_PAGES);
			return -EBADMSG;
		}
	}
	return 0;
}

/* An area may take pages from the base when it is private memory. */
static bool may_use_base(const struct reader *r, const struct img_area *a)
{
	return r->img->base && (a->kind == AREA_ANON ||
				(a->kind == AREA_FILE && !(a->flags & AREA_F_SHARED)));
}

/* The runs: ascending, disjoint, within the area; those of the base only
 * where may_use_base.  The pages of each kind in *own, *base. */
static int check_runs(struct reader *r, const struct img_area *a, const struct img_run *runs,
		      uint64_t *own, uint64_t *base)
{
	uint64_t pages = (a->end - a->start) / IMG_PAGE_SIZE, next = 0;

	*own = *base = 0;
	for (uint64_t i = 0; i < a->n_runs; i++) {
		bool from_base = runs[i].n_pages & IMG_RUN_BASE;
		uint64_t n = runs[i].n_pages & ~IMG_RUN_BASE;

		if (runs[i].first < next || runs[i].first > pages || n == 0 ||
		    n > pages - runs[i].first || (from_base && !may_use_base(r, a)))
			return read_fail(r, "area %#llx-%#llx: page run %llu is invalid",
					 (unsigned long long)a->start, (unsigned long long)a->end,
					 (unsigned long long)i);
		next = runs[i].first + n;
		*(from_base ? base : own) += n;
	}
	if (*own != a->n_pages)
		return read_fail(r, "area %#llx-%#llx: page count mismatch",
				 (unsigned long long)a->start, (unsigned long long)a->end);
	return 0;
}

/* The pages' records: IMG_PAGES of its own, then IMG_PAGE_HASHES of all. */
static int read_pages(struct reader *r, struct image_area *ia)
{
	const struct img_area *a = ia->a;
	uint64_t all = a->n_pages + ia->n_base_pages;
	struct rec_view pv;
	int ret;

	if (a->n_pages) {
		ret = read_expect(r, &pv, IMG_PAGES, 0);
		if (ret)
			return ret;
		if (pv.len != a->n_pages * IMG_PAGE_SIZE || pv.payload_off % IMG_PAGE_SIZE)
			return read_fail(r, "page data at offset %llu does not match its area",
					 (unsigned long long)pv.off);
		ia->data_off = pv.payload_off;
	}
	if (!all)
		return 0;
	ret = read_expect(r, &pv, IMG_PAGE_HASHES, 0);
	if (ret)
		return ret;
	if (pv.len != all * sizeof(uint64_t))
		return read_fail(r, "page hashes at offset %llu do not match their area",
				 (unsigned long long)pv.off);
	ia->hashes = (const void *)pv.payload;
	return 0;
}

int read_area(struct reader *r, struct image_process *proc, const struct rec_view *v)
{
	const struct img_area *a = (const void *)v->payload;
	struct image_area *ia;
	uint64_t pages, runs_len, own, base;
	int ret;

	if (v->len < sizeof(*a))
		return read_fail(r, "area record at offset %llu is too short",
			    (unsigned long long)v->off);
	if (a->start >= a->end || a->end > USER_ADDR_MAX || a->start % IMG_PAGE_SIZE ||
	    a->end % IMG_PAGE_SIZE || a->prot & ~7u || (a->flags & ~AREA_F_KNOWN) ||
	    a->kind < AREA_ANON ||
	    a->kind > AREA_SYSV_SHM || a->pgoff % IMG_PAGE_SIZE)
		return read_fail(r, "area record at offset %llu is invalid", (unsigned long long)v->off);
	if (proc->n_areas && proc->areas[proc->n_areas - 1].a->end > a->start)
		return read_fail(r, "area %#llx-%#llx overlaps or is out of order",
			    (unsigned long long)a->start, (unsigned long long)a->end);
	pages = (a->end - a->start) / IMG_PAGE_SIZE;
	if (a->n_runs > pages || a->n_pages > pages)
		return read_fail(r, "area record at offset %llu: too many runs", (unsigned long long)v->off);
	runs_len = a->n_runs * sizeof(struct img_run);
	if (runs_len > v->len - sizeof(*a))
		return read_fail(r, "area record at offset %llu: runs out of bounds",
			    (unsigned long long)v->off);
	const struct img_run *runs = (const void *)(v->payload + sizeof(*a));
	ret = check_runs(r, a, runs, &own, &base);
	if (ret)
		return ret;

	proc->areas = xrealloc(proc->areas, (proc->n_areas + 1) * sizeof(*proc->areas));
	ia = &proc->areas[proc->n_areas];
	memset(ia, 0, sizeof(*ia));
	ia->a = a;
	ia->runs = runs;
	ia->n_base_pages = base;
	proc->n_areas++;
	ret = read_string(r, v, sizeof(*a) + runs_len, a->path_len, &ia->path);
	if (ret)
		return ret;
	/* its pages are its segment's (IMG_SYSV_SHM), checked once all are read */
	if (a->kind == AREA_SYSV_SHM && (a->n_runs || a->path_len || !(a->flags & AREA_F_SHARED) ||
					 a->object_id > INT32_MAX))
		return read_fail(r, "area %#llx-%#llx is invalid SysV shared memory",
			    (unsigned long long)a->start, (unsigned long long)a->end);
	if (a->kind == AREA_FILE && !a->path_len)
		return read_fail(r, "file area %#llx-%#llx has no path", (unsigned long long)a->start,
			    (unsigned long long)a->end);
	/* an unlinked file is made again in the directory of its path */
	if ((a->flags & AREA_F_UNLINKED) && (a->kind != AREA_FILE || ia->path[0] != '/'))
		return read_fail(r, "area %#llx-%#llx is an invalid unlinked file",
			    (unsigned long long)a->start, (unsigned long long)a->end);
	return read_pages(r, ia);
}

int image_find_page(const struct image *img, int32_t pid, uint64_t addr,
		    const struct image **ret_img, uint64_t *ret_off, uint64_t *ret_pages)
{
	const struct image_process *p = image_find_process(img, pid);
	uint64_t page = addr / IMG_PAGE_SIZE;

	for (size_t k = 0; p && k < p->n_areas; k++) {
		const struct image_area *ia = &p->areas[k];
		uint64_t index = page - ia->a->start / IMG_PAGE_SIZE, before = 0;

		if (addr < ia->a->start || addr >= ia->a->end)
			continue;
		for (uint64_t r = 0; r < ia->a->n_runs; r++) {
			const struct img_run *run = &ia->runs[r];
			uint64_t n = run->n_pages & ~IMG_RUN_BASE;

			if (index < run->first || index >= run->first + n) {
				before += run->n_pages & IMG_RUN_BASE ? 0 : n;
				continue;
			}
			if (run->n_pages & IMG_RUN_BASE) {
				int r = img->base_img ? image_find_page(img->base_img, pid, addr,
									 ret_img, ret_off, ret_pages) :
							-ENOENT;

				/* the base's run may go on where this file's does not */
				if (!r && *ret_pages > run->first + n - index)
					*ret_pages = run->first + n - index;
				return r;
			}
			*ret_img = img;
			*ret_off = ia->data_off + (before + index - run->first) * IMG_PAGE_SIZE;
			*ret_pages = run->first + n - index;
			return 0;
		}
		return -EFAULT;
	}
	return -EFAULT;
}
