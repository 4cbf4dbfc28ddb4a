/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cr_checkpoint --incremental=BASE: the pages of an area that BASE holds
 * already, the same, are not written again.  Every context file keeps the
 * hash of each saved page (IMG_PAGE_HASHES); a page of the process is
 * the base's when the base saved a page at the same address of the same
 * process with the same hash.  A restart reads those pages from the base,
 * or from the base's base (image/read_area.c, image_find_page).
 *
 * The hashes are XXH3-64: two different pages with one hash would make the
 * restart read the base's page for the new one.  For one pair of pages the
 * odds are 2^-64; the file's checksums do not cover that case.
 */
#include <xxhash.h>

#include "res.h"
#include "common/util.h"

/* Walks the base's saved pages of one process in address order. */
struct base_cursor {
	const struct image_process *p;
	size_t area;
	uint64_t run;
	uint64_t before;	/* saved pages of the area before that run */
};

static uint64_t run_pages(const struct img_run *run)
{
	return run->n_pages & ~IMG_RUN_BASE;
}

/* The hash the base has for the page at addr, which never goes backward. */
static bool base_hash_at(struct base_cursor *c, uint64_t addr, uint64_t *ret)
{
	const struct image_area *ia;
	uint64_t index;

	while (c->area < c->p->n_areas && c->p->areas[c->area].a->end <= addr) {
		c->area++;
		c->run = c->before = 0;
	}
	if (c->area == c->p->n_areas)
		return false;
	ia = &c->p->areas[c->area];
	if (addr < ia->a->start || !ia->hashes)
		return false;
	index = (addr - ia->a->start) / IMG_PAGE_SIZE;
	while (c->run < ia->a->n_runs &&
	       ia->runs[c->run].first + run_pages(&ia->runs[c->run]) <= index)
		c->before += run_pages(&ia->runs[c->run++]);
	if (c->run == ia->a->n_runs || index < ia->runs[c->run].first)
		return false;
	*ret = ia->hashes[c->before + index - ia->runs[c->run].first];
	return true;
}

/* Page `index' of the area, the base's or not, after the ones before. */
static void runs_push(struct img_run **runs, uint64_t *n, uint64_t *cap, uint64_t index,
		      bool in_base)
{
	struct img_run *last = *n ? &(*runs)[*n - 1] : NULL;
	uint64_t flag = in_base ? IMG_RUN_BASE : 0;

	if (last && (last->n_pages & IMG_RUN_BASE) == flag &&
	    last->first + run_pages(last) == index) {
		last->n_pages++;
		return;
	}
	if (*n == *cap)
		*runs = xrealloc(*runs, (*cap = *cap ? *cap * 2 : 16) * sizeof(**runs));
	(*runs)[(*n)++] = (struct img_run){ .first = index, .n_pages = 1 | flag };
}

int increment_split(struct dump_ctx *ctx, struct img_area *a, struct img_run **runs,
		    uint64_t **ret_hashes, uint64_t *ret_n_base)
{
	struct base_cursor c = { .p = ctx->base };
	uint64_t *hashes = xmalloc(a->n_pages * sizeof(*hashes)), at = 0, n_base = 0;
	struct img_run *out = NULL;
	uint64_t n_out = 0, cap = 0;

	for (uint64_t i = 0; i < a->n_runs; i++) {
		uint64_t index = (*runs)[i].first, left = (*runs)[i].n_pages * IMG_PAGE_SIZE;
		uint64_t addr = a->start + index * IMG_PAGE_SIZE;

		while (left) {
			size_t n = left < ctx->buf_len ? left : ctx->buf_len;
			int r = memory_read(ctx, a, addr, ctx->buf, n);

			if (r) {
				free(hashes);
				free(out);
				return log_errno(r, "cannot read memory %#llx-%#llx of pid %d",
						 (unsigned long long)addr,
						 (unsigned long long)(addr + n), (int)ctx->pid);
			}
			for (size_t k = 0; k < n; k += IMG_PAGE_SIZE, index++) {
				uint64_t h = XXH3_64bits(ctx->buf + k, IMG_PAGE_SIZE), bh;
				bool same = base_hash_at(&c, addr + k, &bh) && bh == h;

				hashes[at++] = h;
				n_base += same;
				runs_push(&out, &n_out, &cap, index, same);
			}
			addr += n;
			left -= n;
		}
	}
	free(*runs);
	*runs = out;
	a->n_runs = n_out;
	a->n_pages -= n_base;
	*ret_hashes = hashes;
	*ret_n_base = n_base;
	return 0;
}

int increment_check_base(const struct image *base, const char *path)
{
	for (size_t i = 0; i < base->n_procs; i++) {
		const struct image_process *p = &base->procs[i];

		for (size_t j = 0; j < p->n_areas; j++) {
			const struct image_area *ia = &p->areas[j];
			const uint8_t *page = base->map + ia->data_off;
			uint64_t at = 0;

			for (uint64_t r = 0; r < ia->a->n_runs; r++) {
				const struct img_run *run = &ia->runs[r];

				for (uint64_t k = 0; k < run_pages(run); k++, at++) {
					if (run->n_pages & IMG_RUN_BASE)
						continue;
					if (XXH3_64bits(page, IMG_PAGE_SIZE) != ia->hashes[at]) {
						log_error("cannot use %s as a base: the hash of page "
							  "%#llx of pid %d is not its page's", path,
							  (unsigned long long)(ia->a->start +
							  (run->first + k) * IMG_PAGE_SIZE), p->p->pid);
						return -EBADMSG;
					}
					page += IMG_PAGE_SIZE;
				}
			}
		}
	}
	return 0;
}
