/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory areas at restart (the dump is memory.c's): the checks (mapped
 * files unchanged, the same vDSO layout), and the part of the restorer's
 * plan that maps the areas again and reads their pages from the file, or
 * from the bases of an increment.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "res.h"
#include "proc/proc.h"
#include "common/util.h"

/*
 * Saved pages of a shared file map go back through the map, into the file,
 * only when the map is writable; a read-only one shows the file as it is.
 */
static bool area_restores_pages(const struct img_area *a)
{
	return !(a->flags & AREA_F_SHARED) || (a->prot & PROT_WRITE);
}

bool memory_file_saved(const struct img_area *a)
{
	return a->kind == AREA_FILE && a->n_pages == (a->end - a->start) / IMG_PAGE_SIZE;
}

static int area_open_flags(const struct img_area *a)
{
	return (a->flags & AREA_F_SHARED) && (a->prot & PROT_WRITE) ? O_RDWR : O_RDONLY;
}

/*
 * The descriptor of a mapped file, opened once for all areas and processes
 * (cr_restart's helper), after checking it is the file that was mapped;
 * messages name pid, the process that maps it.
 */
static int area_file(const struct image *img, const struct image_area *ia, int32_t pid,
		     struct rst_shared *sh)
{
	const struct img_area *a = ia->a;
	int flags = area_open_flags(a), fd = -1;
	/* the program writes such a file through its mapping, so its size and
	 * mtime after the checkpoint say nothing (BLCR checks neither): the file
	 * is the mapping's content, whatever it holds now */
	bool written = (a->flags & AREA_F_SHARED) && (a->prot & PROT_WRITE);
	struct stat st;

	if (a->flags & AREA_F_UNLINKED)
		return unlinked_file(img, a->object_id, sh);	/* saved whole */
	for (size_t i = 0; i < sh->n; i++)
		if (sh->objs[i].kind == SHARED_MAPFILE && sh->objs[i].acc == flags &&
		    !strcmp(sh->objs[i].path, ia->path))
			fd = sh->objs[i].helper;
	if (fd < 0) {
		struct rst_shared_fd *o;

		fd = helper_fd(sh, open(ia->path, flags | O_CLOEXEC));
		if (fd < 0)
			return log_errno(-errno, "cannot restore pid %d: cannot open mapped file %s",
					 pid, ia->path);
		o = shared_add(sh);
		o->kind = SHARED_MAPFILE;
		o->acc = flags;
		o->path = ia->path;
		o->pid = o->fd = -1;
		o->helper = fd;
	}
	if (written)
		return fd;
	if (fstat(fd, &st) < 0)
		return log_errno(-errno, "cannot restore pid %d: cannot stat mapped file %s", pid,
				 ia->path);
	if ((uint64_t)st.st_size != a->file_size || st.st_mtim.tv_sec != a->mtime_sec ||
	    st.st_mtim.tv_nsec != a->mtime_nsec) {
		log_error("cannot restore pid %d: mapped file %s changed since the checkpoint", pid,
			  ia->path);
		return -ESTALE;
	}
	return fd;
}

static int special_current(const char *name, uint64_t *ret_start, uint64_t *ret_len)
{
	struct vma *vmas;
	size_t n;
	int r = proc_parse_maps(getpid(), &vmas, &n);

	if (r)
		return r;
	r = -ENOENT;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(vmas[i].path, name)) {
			*ret_start = vmas[i].start;
			*ret_len = vmas[i].end - vmas[i].start;
			r = 0;
		}
	proc_free_maps(vmas, n);
	return r;
}

/* [vdso] and its kin are moved, not restored: this kernel must map them,
 * as large, and the plan has room for a few only. */
static int special_check(const struct image_process *p, const struct image_area *ia,
			 uint32_t *n_special)
{
	uint64_t start, len;

	if (++*n_special > PLAN_MAX_SPECIAL) {
		log_error("pid %d has more than %d special mappings", p->p->pid, PLAN_MAX_SPECIAL);
		return -EINVAL;
	}
	if (special_current(ia->path, &start, &len) || len != ia->a->end - ia->a->start) {
		log_error("%s of pid %d differs here: restart needs the same kernel", ia->path,
			  p->p->pid);
		return -EINVAL;
	}
	return 0;
}

int memory_check(struct rst_ctx *ctx, struct rst_shared *sh)
{
	const struct image_process *p = ctx->proc;
	uint32_t n_special = 0;

	ctx->area_fds = xmalloc(p->n_areas * sizeof(int));
	for (size_t i = 0; i < p->n_areas; i++)
		ctx->area_fds[i] = -1;
	for (size_t i = 0; i < p->n_areas; i++) {
		const struct image_area *ia = &p->areas[i];
		int r = 0;

		if (ia->a->kind == AREA_VDSO)
			r = special_check(p, ia, &n_special);
		else if (ia->a->kind == AREA_SYSV_SHM)
			r = sysv_attachment_check(p, i);
		else if (memory_file_saved(ia->a) && !(ia->a->flags & AREA_F_SHARED))
			continue;	/* anonymous memory now: the file is not needed */
		else if (memory_file_saved(ia->a) || ia->a->kind == AREA_SHARED_ANON)
			r = ctx->area_fds[i] = shm_fd(ctx->img, ia, sh);
		else if (ia->a->kind == AREA_FILE)
			r = ctx->area_fds[i] = area_file(ctx->img, ia, ctx->proc->p->pid, sh);
		if (r < 0)
			return r;
	}
	return 0;
}

int memory_saved_read(const struct image *img, const struct image_process *p, uint64_t addr,
		      void *buf, size_t len)
{
	const struct image *src;
	uint64_t off, pages;
	int r;

	if ((addr + len - 1) / IMG_PAGE_SIZE != addr / IMG_PAGE_SIZE)
		return -EINVAL;
	r = image_find_page(img, p->p->pid, addr & ~(uint64_t)(IMG_PAGE_SIZE - 1), &src, &off,
			    &pages);
	if (r)
		return r;
	off += addr % IMG_PAGE_SIZE;
	return pread(src->fd, buf, len, off) == (ssize_t)len ? 0 : -EIO;
}

/* A run's PLAN_RUN_* flags, of pages in file src: its pages are released
 * as they are read when src is our copy in memory of a compressed file or
 * a stream (chain_check_start then checks them before the restorers
 * read). */
static uint32_t run_flags(const struct image *src)
{
	return src->stream_fd >= 0 ? PLAN_RUN_RELEASE : 0;
}

/* The plan's runs for a run of the base: one per run of the file of the
 * chain that holds its pages; into pr, unless NULL.  Their number, or
 * -errno. */
static long base_runs(const struct image *img, const struct image_process *p,
		      const struct img_area *a, const struct img_run *run, struct plan_run *pr)
{
	uint64_t addr = a->start + run->first * IMG_PAGE_SIZE;
	uint64_t end = addr + (run->n_pages & ~IMG_RUN_BASE) * IMG_PAGE_SIZE;
	long n = 0;

	while (addr < end) {
		const struct image *src;
		uint64_t off, pages;
		int r = img->base_img ? image_find_page(img->base_img, p->p->pid, addr, &src, &off,
							 &pages) : -ENOENT;

		if (r)
			return log_errno(r, "page %#llx of pid %d is not in its base",
					 (unsigned long long)addr, p->p->pid);
		if (pages > (end - addr) / IMG_PAGE_SIZE)
			pages = (end - addr) / IMG_PAGE_SIZE;
		if (pr)
			pr[n] = (struct plan_run){ .addr = addr, .len = pages * IMG_PAGE_SIZE,
						   .file_off = off, .fd = src->rst_fd,
						   .flags = run_flags(src) };
		n++;
		addr += pages * IMG_PAGE_SIZE;
	}
	return n;
}

size_t memory_plan_size(const struct image *img, const struct image_process *p)
{
	size_t size = 0;

	for (size_t i = 0; i < p->n_areas; i++) {
		const struct image_area *ia = &p->areas[i];

		size += sizeof(struct plan_area);
		for (uint64_t j = 0; j < ia->a->n_runs; j++) {
			long n = ia->runs[j].n_pages & IMG_RUN_BASE ?
				 base_runs(img, p, ia->a, &ia->runs[j], NULL) : 1;

			size += (n > 0 ? n : 0) * sizeof(struct plan_run);
		}
	}
	return size;
}

int memory_plan(struct rst_ctx *ctx, struct plan *plan)
{
	const struct image_process *p = ctx->proc;
	struct plan_area *pa = (void *)((char *)plan + plan->areas_off);
	struct plan_run *pr = (void *)((char *)plan + plan->runs_off);

	for (size_t i = 0; i < p->n_areas; i++) {
		const struct img_area *a = p->areas[i].a;
		uint64_t off = p->areas[i].data_off;

		if (a->kind == AREA_VDSO) {
			struct plan_special *s = &plan->special[plan->n_special++];
			int r;

			s->saved = a->start;
			r = special_current(p->areas[i].path, &s->cur, &s->len);
			if (r)
				return log_errno(r, "cannot find %s in pid %d", p->areas[i].path,
						 p->p->pid);
			continue;
		}
		pa[plan->n_areas] = (struct plan_area){
			.start = a->start, .end = a->end, .prot = a->prot, .fd = -1,
			.advice = (a->flags & AREA_F_ADVICE) >> AREA_F_ADVICE_SHIFT,
			.first_run = plan->n_runs, .pgoff = a->pgoff,
			.n_runs = area_restores_pages(a) ? a->n_runs : 0, .shmid = -1,
		};
		struct plan_area *cur = &pa[plan->n_areas++];
		switch (a->kind) {
		case AREA_ANON:
			cur->map_flags = MAP_PRIVATE | MAP_ANONYMOUS;
			if (a->flags & AREA_F_GROWSDOWN)
				cur->map_flags |= MAP_GROWSDOWN;
			cur->pgoff = 0;
			break;
		case AREA_SHARED_ANON:
			/* the memfd holds the pages, from whichever process saved them */
			cur->map_flags = MAP_SHARED;
			cur->fd = ctx->area_fds[i];
			cur->n_runs = 0;
			break;
		case AREA_SYSV_SHM:
			/* attached by the blob: sysv_restart.c made the segment */
			cur->shmid = (int32_t)a->object_id;
			cur->shm_size = a->pgoff ? 0 : sysv_segment_size(ctx->img, cur->shmid);
			break;
		case AREA_FILE:
			if (memory_file_saved(a)) {
				/* its pages are all here: anonymous memory, private or
				 * shared (shm.c's memfd holds the shared ones) */
				cur->map_flags = a->flags & AREA_F_SHARED ? MAP_SHARED :
						 MAP_PRIVATE | MAP_ANONYMOUS;
				cur->fd = ctx->area_fds[i];
				cur->n_runs = a->flags & AREA_F_SHARED ? 0 : a->n_runs;
				cur->pgoff = a->flags & AREA_F_SHARED ? a->pgoff : 0;
				break;
			}
			cur->map_flags = a->flags & AREA_F_SHARED ? MAP_SHARED : MAP_PRIVATE;
			cur->fd = ctx->area_fds[i];
			break;
		}
		uint64_t first_run = plan->n_runs;

		for (uint64_t j = 0; j < cur->n_runs; j++) {
			const struct img_run *run = &p->areas[i].runs[j];
			long n;

			if (run->n_pages & IMG_RUN_BASE) {
				n = base_runs(ctx->img, p, a, run, pr + plan->n_runs);
				if (n < 0)
					return (int)n;
				plan->n_runs += n;
				continue;
			}
			pr[plan->n_runs++] = (struct plan_run){
				.addr = a->start + run->first * IMG_PAGE_SIZE,
				.len = run->n_pages * IMG_PAGE_SIZE,
				.file_off = off, .fd = ctx->img->rst_fd,
				.flags = run_flags(ctx->img),
			};
			off += run->n_pages * IMG_PAGE_SIZE;
		}
		cur->n_runs = plan->n_runs - first_run;
	}
	return 0;
}

