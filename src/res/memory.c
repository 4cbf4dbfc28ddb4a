/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory areas: their IMG_AREA and IMG_PAGES records, the checks a restart
 * needs (mapped files unchanged, the same vDSO layout), and the part of the
 * restorer's plan that maps them again.
 *
 * Which pages are saved: of anonymous memory, those ever touched (present
 * or swapped in /proc/PID/pagemap); of private file maps, only those the
 * process changed (anonymous copies), unless --save-private; of shared file
 * maps, none unless --save-shared: the file holds them.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "res.h"
#include "proc/proc.h"
#include "common/util.h"

#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_FILE (1ULL << 61)
#define PAGEMAP_BATCH 65536	/* entries read at once: 256 MiB of address space */

static bool is_special(const char *path)
{
	return !strcmp(path, "[vdso]") || !strcmp(path, "[vvar]") || !strcmp(path, "[vvar_vclock]");
}

/* Sorts a mapping into an area kind; -EOPNOTSUPP for what ucr cannot save. */
static int classify(const struct vma *v, struct img_area *a)
{
	const char *path = v->path;

	a->flags = v->shared ? AREA_F_SHARED : 0;
	if (!*path || !strncmp(path, "[anon:", 6)) {
		a->kind = v->shared ? AREA_SHARED_ANON : AREA_ANON;
	} else if (!strcmp(path, "[heap]")) {
		a->kind = AREA_ANON;
		a->flags |= AREA_F_HEAP;
	} else if (!strcmp(path, "[stack]")) {
		a->kind = AREA_ANON;
		a->flags |= AREA_F_GROWSDOWN;
	} else if (is_special(path)) {
		a->kind = AREA_VDSO;
	} else if (v->shared && (!strcmp(path, "/dev/zero (deleted)") ||
				 (!strncmp(path, "/memfd:", 7) && strstr(path, " (deleted)")))) {
		/* MAP_SHARED|MAP_ANONYMOUS, or a memfd: restored as a memfd */
		a->kind = AREA_SHARED_ANON;
		a->object_id = v->ino;
	} else if (path[0] == '/' && strncmp(path, "/memfd:", 7) && strncmp(path, "/SYSV", 5) &&
		   strcmp(path, "/dev/zero (deleted)")) {
		a->kind = AREA_FILE;
		if (strstr(path, " (deleted)"))
			a->flags |= AREA_F_UNLINKED;	/* its content is saved */
	} else {
		return -EOPNOTSUPP;
	}
	return 0;
}

static bool page_saved(const struct dump_ctx *ctx, const struct img_area *a, bool is_exe,
		       uint64_t pm)
{
	switch (a->kind) {
	case AREA_ANON:
		return pm & (PM_PRESENT | PM_SWAP);
	case AREA_SHARED_ANON:
		/* all of it: another process may have touched what this one did not */
		return !(a->flags & AREA_F_SHM_COPY);
	case AREA_FILE:
		if (a->flags & AREA_F_SHARED)
			return ctx->save_shared;
		/* a private copy of a file page is anonymous */
		return ctx->save_private || (ctx->save_exe && is_exe) || (pm & PM_SWAP) ||
		       ((pm & PM_PRESENT) && !(pm & PM_FILE));
	default:
		return false;
	}
}

/* The runs of saved pages of one area, from the pagemap. */
static int area_runs(struct dump_ctx *ctx, int pagemap_fd, struct img_area *a, bool is_exe,
		     struct img_run **ret_runs)
{
	uint64_t pages = (a->end - a->start) / IMG_PAGE_SIZE;
	_cleanup_free_ uint64_t *pm = NULL;
	struct img_run *runs = NULL;
	uint64_t n_runs = 0, cap = 0;

	a->n_pages = 0;
	if (a->kind == AREA_VDSO || (a->kind == AREA_FILE && (a->flags & AREA_F_SHARED) &&
				     !ctx->save_shared)) {
		*ret_runs = NULL;
		a->n_runs = 0;
		return 0;
	}
	pm = xmalloc(PAGEMAP_BATCH * sizeof(*pm));
	for (uint64_t base = 0; base < pages; base += PAGEMAP_BATCH) {
		uint64_t n = pages - base < PAGEMAP_BATCH ? pages - base : PAGEMAP_BATCH;
		uint64_t off = (a->start / IMG_PAGE_SIZE + base) * sizeof(*pm);
		int r = pread(pagemap_fd, pm, n * sizeof(*pm), off) == (ssize_t)(n * sizeof(*pm)) ?
			0 : -EIO;

		if (r) {
			free(runs);
			return r;
		}
		for (uint64_t i = 0; i < n; i++) {
			if (!page_saved(ctx, a, is_exe, pm[i]))
				continue;
			if (n_runs && runs[n_runs - 1].first + runs[n_runs - 1].n_pages == base + i) {
				runs[n_runs - 1].n_pages++;
			} else {
				if (n_runs == cap)
					runs = xrealloc(runs, (cap = cap ? cap * 2 : 16) * sizeof(*runs));
				runs[n_runs++] = (struct img_run){ .first = base + i, .n_pages = 1 };
			}
			a->n_pages++;
		}
	}
	a->n_runs = n_runs;
	*ret_runs = runs;
	return 0;
}

/* Copies len bytes at addr of the target into the buffer. */
static int read_target(struct dump_ctx *ctx, const struct img_area *a, uint64_t addr, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (a->prot & PROT_READ) {
			struct iovec local = { ctx->buf + done, len - done };
			struct iovec remote = { (void *)(addr + done), len - done };

			n = process_vm_readv(ctx->pid, &local, 1, &remote, 1, 0);
		} else {
			/* /proc/PID/mem reads what the protection hides */
			n = pread(ctx->mem_fd, ctx->buf + done, len - done, addr + done);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

static int area_write_pages(struct dump_ctx *ctx, const struct img_area *a,
			    const struct img_run *runs)
{
	uint64_t len = a->n_pages * IMG_PAGE_SIZE;
	int r = img_record_begin(ctx->w, IMG_PAGES, len, 1);

	for (uint64_t i = 0; !r && i < a->n_runs; i++) {
		uint64_t addr = a->start + runs[i].first * IMG_PAGE_SIZE;
		uint64_t left = runs[i].n_pages * IMG_PAGE_SIZE;

		while (!r && left) {
			size_t n = left < ctx->buf_len ? left : ctx->buf_len;

			r = read_target(ctx, a, addr, n);
			if (r) {
				log_errno(r, "cannot read memory %#llx-%#llx of pid %d",
					  (unsigned long long)addr, (unsigned long long)(addr + n),
					  (int)ctx->pid);
				break;
			}
			r = img_record_data(ctx->w, ctx->buf, n);
			log_progress_add(&ctx->shared->progress, n);
			addr += n;
			left -= n;
		}
	}
	return r ? r : img_record_end(ctx->w);
}

/* Whether the pages of shared object id are saved already; notes it if not. */
static bool shm_seen(struct dump_shared *sh, uint64_t id)
{
	for (size_t i = 0; i < sh->n_shms; i++)
		if (sh->shms[i] == id)
			return true;
	sh->shms = xrealloc(sh->shms, (sh->n_shms + 1) * sizeof(*sh->shms));
	sh->shms[sh->n_shms++] = id;
	return false;
}

/*
 * A mapping of a file without a name: its content saved by unlinked.c, read
 * through /proc/PID/map_files (which needs CAP_CHECKPOINT_RESTORE), or else
 * through a descriptor of the same file that a process of the request
 * holds; ret_name is its path without " (deleted)".
 */
static int area_dump_unlinked(struct dump_ctx *ctx, const struct vma *v, struct img_area *a,
			      char ret_name[UCR_PATH_MAX])
{
	const char *cut = strstr(v->path, " (deleted)");
	char link[96];
	int fd;

	snprintf(ret_name, UCR_PATH_MAX, "%.*s", (int)(cut - v->path), v->path);
	snprintf(link, sizeof(link), "/proc/%d/map_files/%llx-%llx", (int)ctx->pid,
		 (unsigned long long)v->start, (unsigned long long)v->end);
	fd = open(link, O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; fd < 0 && i < ctx->shared->n_fds; i++) {
		const struct dump_fd *df = &ctx->shared->fds[i];

		if (df->ino == v->ino && S_ISREG(df->mode)) {
			snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)df->pid, df->fd);
			break;
		}
	}
	safe_close(fd);
	return unlinked_dump(ctx, link, v->path, &a->object_id);
}

static int area_dump(struct dump_ctx *ctx, int pagemap_fd, const struct vma *v)
{
	struct img_area a = { .start = v->start, .end = v->end, .prot = v->prot,
			      .pgoff = v->pgoff };
	_cleanup_free_ struct img_run *runs = NULL;
	char unlinked[UCR_PATH_MAX];
	const char *path = v->path;
	struct stat st;
	int r;

	if (!strcmp(v->path, "[vsyscall]"))
		return 0;	/* the kernel's, at a fixed address */
	if (classify(v, &a) < 0)
		return log_errno(-EOPNOTSUPP, "cannot save mapping %#llx-%#llx '%s' of pid %d",
				 (unsigned long long)v->start, (unsigned long long)v->end, v->path,
				 (int)ctx->pid);
	if (a.flags & AREA_F_UNLINKED) {
		r = area_dump_unlinked(ctx, v, &a, unlinked);
		if (r)
			return r;
		path = unlinked;
	} else if (a.kind == AREA_FILE) {
		if (stat(v->path, &st) < 0)
			return log_errno(-errno, "cannot stat mapped file %s", v->path);
		a.file_size = st.st_size;
		a.mtime_sec = st.st_mtim.tv_sec;
		a.mtime_nsec = st.st_mtim.tv_nsec;
	}
	if (a.kind == AREA_FILE || a.kind == AREA_VDSO)
		a.path_len = strlen(path);
	if (a.kind == AREA_SHARED_ANON && shm_seen(ctx->shared, a.object_id))
		a.flags |= AREA_F_SHM_COPY;	/* its pages are saved once, already */
	r = area_runs(ctx, pagemap_fd, &a, a.kind == AREA_FILE && !strcmp(v->path, ctx->exe),
		      &runs);
	if (r)
		return log_errno(r, "cannot read the page map of pid %d", (int)ctx->pid);
	log_debug("area %#llx-%#llx %s: %llu pages", (unsigned long long)a.start,
		  (unsigned long long)a.end, v->path, (unsigned long long)a.n_pages);

	const void *parts[] = { &a, runs, path };
	size_t lens[] = { sizeof(a), a.n_runs * sizeof(*runs), a.path_len };
	r = img_write_record(ctx->w, IMG_AREA, parts, lens, 3);
	if (!r && a.n_pages)
		r = area_write_pages(ctx, &a, runs);
	return r;
}

static int memory_dump(struct dump_ctx *ctx)
{
	struct vma *vmas;
	size_t n;
	char path[64];
	_cleanup_close_ int pagemap_fd = -1;
	int r;

	r = proc_parse_maps(ctx->pid, &vmas, &n);
	if (r)
		return log_errno(r, "cannot read the memory map of pid %d", (int)ctx->pid);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)ctx->pid);
	pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pagemap_fd < 0)
		r = log_errno(-errno, "cannot open %s", path);
	for (size_t i = 0; !r && i < n; i++)
		r = area_dump(ctx, pagemap_fd, &vmas[i]);
	proc_free_maps(vmas, n);
	return r;
}

/* ---- restart -------------------------------------------------------------- */

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

static int memory_check(struct rst_ctx *ctx, struct rst_shared *sh)
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
	uint64_t page = addr / IMG_PAGE_SIZE;

	if ((addr + len - 1) / IMG_PAGE_SIZE != page)
		return -EINVAL;
	for (size_t k = 0; k < p->n_areas; k++) {
		const struct image_area *a = &p->areas[k];
		uint64_t index = page - a->a->start / IMG_PAGE_SIZE, before = 0;

		if (addr < a->a->start || addr >= a->a->end)
			continue;
		for (uint64_t r = 0; r < a->a->n_runs; r++) {
			const struct img_run *run = &a->runs[r];

			if (index >= run->first && index < run->first + run->n_pages) {
				off_t off = a->data_off + (before + index - run->first) * IMG_PAGE_SIZE +
					    addr % IMG_PAGE_SIZE;

				return pread(img->fd, buf, len, off) == (ssize_t)len ? 0 :
				       -EIO;
			}
			before += run->n_pages;
		}
		return -EFAULT;
	}
	return -EFAULT;
}

size_t memory_plan_size(const struct image_process *p)
{
	size_t size = 0;

	for (size_t i = 0; i < p->n_areas; i++)
		size += sizeof(struct plan_area) + p->areas[i].a->n_runs * sizeof(struct plan_run);
	return size;
}

static int memory_plan(struct rst_ctx *ctx, struct plan *plan)
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
			.first_run = plan->n_runs, .pgoff = a->pgoff,
			.n_runs = area_restores_pages(a) ? a->n_runs : 0,
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
		for (uint64_t j = 0; j < cur->n_runs; j++) {
			const struct img_run *run = &p->areas[i].runs[j];

			pr[plan->n_runs++] = (struct plan_run){
				.addr = a->start + run->first * IMG_PAGE_SIZE,
				.len = run->n_pages * IMG_PAGE_SIZE,
				.file_off = off,
			};
			off += run->n_pages * IMG_PAGE_SIZE;
		}
	}
	return 0;
}

const struct res_ops memory_ops = {
	.name = "memory",
	.dump = memory_dump,
	.check = memory_check,
	.plan = memory_plan,
};
