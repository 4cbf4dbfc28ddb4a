/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which pages of a mapping a process has of its own, from
 * /proc/PID/pagemap: with the PAGEMAP_SCAN ioctl (Linux 6.7), which walks
 * the page tables and returns ranges, so that a large mapping never
 * touched costs next to nothing; else by reading the 8-byte entry of every
 * page.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "proc.h"
#include "image/format.h"
#include "common/util.h"

/* Linux 6.7's <linux/fs.h>; Debian 12's headers predate it. */
#define PAGE_IS_FILE (1ULL << 2)
#define PAGE_IS_PRESENT (1ULL << 3)
#define PAGE_IS_SWAPPED (1ULL << 4)
#define PAGE_IS_PFNZERO (1ULL << 5)

struct pm_scan_region {
	uint64_t start, end, categories;
};

struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};

#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)

#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_FILE (1ULL << 61)
#define PAGEMAP_BATCH 65536	/* entries read at once: 256 MiB of address space */
#define SCAN_REGIONS 4096	/* ranges returned at once */

struct runs {
	struct img_run *v;
	uint64_t n, cap, pages;
};

/* Pages first.. first + n - 1 of the mapping are the process's own. */
static void runs_add(struct runs *r, uint64_t first, uint64_t n)
{
	struct img_run *last = r->n ? &r->v[r->n - 1] : NULL;

	if (last && last->first + last->n_pages == first) {
		last->n_pages += n;
	} else {
		if (r->n == r->cap)
			r->v = xrealloc(r->v, (r->cap = r->cap ? r->cap * 2 : 16) * sizeof(*r->v));
		r->v[r->n++] = (struct img_run){ .first = first, .n_pages = n };
	}
	r->pages += n;
}

/* Whether a page of these PAGE_IS_* categories is the process's own. */
static bool own_page(enum pagemap_want want, uint64_t cat)
{
	if (cat & PAGE_IS_SWAPPED)
		return true;
	if (!(cat & PAGE_IS_PRESENT))
		return false;
	/* the shared zero page reads as zeros in a fresh mapping too; a file
	 * page is the file's, its private copy the process's */
	return want == PAGEMAP_TOUCHED ? !(cat & PAGE_IS_PFNZERO) : !(cat & PAGE_IS_FILE);
}

/* 0, or -ENOTTY when the kernel has no PAGEMAP_SCAN. */
static int scan_runs(int fd, uint64_t start, uint64_t n_pages, enum pagemap_want want,
		     struct runs *r)
{
	_cleanup_free_ struct pm_scan_region *regs = xmalloc(SCAN_REGIONS * sizeof(*regs));
	struct pm_scan_arg arg = {
		.size = sizeof(arg), .start = start, .end = start + n_pages * IMG_PAGE_SIZE,
		.vec = (uintptr_t)regs, .vec_len = SCAN_REGIONS,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE | PAGE_IS_PFNZERO,
	};

	while (arg.start < arg.end) {
		long n = ioctl(fd, PAGEMAP_SCAN, &arg);

		if (n < 0)
			return errno == EINVAL || errno == ENOTTY ? -ENOTTY : -errno;
		for (long i = 0; i < n; i++)
			if (own_page(want, regs[i].categories))
				runs_add(r, (regs[i].start - start) / IMG_PAGE_SIZE,
					 (regs[i].end - regs[i].start) / IMG_PAGE_SIZE);
		if (arg.walk_end <= arg.start)
			return -EIO;
		arg.start = arg.walk_end;
	}
	return 0;
}

static int read_runs(int fd, uint64_t start, uint64_t n_pages, enum pagemap_want want,
		     struct runs *r)
{
	_cleanup_free_ uint64_t *pm = xmalloc(PAGEMAP_BATCH * sizeof(*pm));

	for (uint64_t base = 0; base < n_pages; base += PAGEMAP_BATCH) {
		uint64_t n = n_pages - base < PAGEMAP_BATCH ? n_pages - base : PAGEMAP_BATCH;
		uint64_t off = (start / IMG_PAGE_SIZE + base) * sizeof(*pm);

		if (pread(fd, pm, n * sizeof(*pm), off) != (ssize_t)(n * sizeof(*pm)))
			return -EIO;
		for (uint64_t i = 0; i < n; i++) {
			uint64_t cat = (pm[i] & PM_PRESENT ? PAGE_IS_PRESENT : 0) |
				       (pm[i] & PM_SWAP ? PAGE_IS_SWAPPED : 0) |
				       (pm[i] & PM_FILE ? PAGE_IS_FILE : 0);

			if (own_page(want, cat))
				runs_add(r, base + i, 1);
		}
	}
	return 0;
}

int pagemap_runs(int fd, uint64_t start, uint64_t n_pages, enum pagemap_want want,
		 struct img_run **ret_runs, uint64_t *ret_n_runs, uint64_t *ret_n_pages)
{
	static bool no_scan;	/* the kernel said so once */
	struct runs r = { 0 };
	int ret = -ENOTTY;

	if (!no_scan) {
		ret = scan_runs(fd, start, n_pages, want, &r);
		no_scan = ret == -ENOTTY;
	}
	if (ret == -ENOTTY) {
		free(r.v);
		r = (struct runs){ 0 };
		ret = read_runs(fd, start, n_pages, want, &r);
	}
	if (ret) {
		free(r.v);
		return ret;
	}
	*ret_runs = r.v;
	*ret_n_runs = r.n;
	*ret_n_pages = r.pages;
	return 0;
}
