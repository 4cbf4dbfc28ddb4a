/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory areas at a checkpoint: their IMG_AREA, IMG_PAGES and
 * IMG_PAGE_HASHES records (memory_restart.c restores them; increment.c
 * leaves to the base what it holds).
 *
 * Which pages are saved: of anonymous memory, those ever touched (present
 * or swapped, not the shared zero page: proc/pagemap.c); of private file
 * maps, only those the process changed (anonymous copies), unless
 * --save-private; of shared file maps, none unless --save-shared: the file
 * holds them.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <xxhash.h>

#include "res.h"
#include "proc/proc.h"
#include "common/util.h"
#include "image/frames.h"


static bool is_special(const char *path)
{
	return !strcmp(path, "[vdso]") || !strcmp(path, "[vvar]") || !strcmp(path, "[vvar_vclock]");
}

/* The madvise() flags the area keeps: proc's, the blob's and the file's
 * are the same bits. */
_Static_assert(VMA_HUGEPAGE == PLAN_ADV_HUGEPAGE && VMA_NOHUGEPAGE == PLAN_ADV_NOHUGEPAGE &&
	       VMA_DONTDUMP == PLAN_ADV_DONTDUMP && VMA_DONTFORK == PLAN_ADV_DONTFORK &&
	       VMA_WIPEONFORK == PLAN_ADV_WIPEONFORK, "madvise flags");

static uint32_t area_advice(uint32_t vma_advice)
{
	return (vma_advice << AREA_F_ADVICE_SHIFT) & AREA_F_ADVICE;
}

/* Sorts a mapping into an area kind; -EOPNOTSUPP for what ucr cannot save. */
static int classify(const struct vma *v, struct img_area *a)
{
	const char *path = v->path;

	a->flags = (v->shared ? AREA_F_SHARED : 0) | area_advice(v->advice);
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
	} else if (v->shared && !strncmp(path, "/SYSV", 5)) {
		/* SysV shared memory (shmat): its inode is the shmid; its pages
		 * are saved once, with the segment (sysv.c) */
		a->kind = AREA_SYSV_SHM;
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

/*
 * The runs of saved pages of one area: every page of it (whole), none, or
 * those the process has of its own (proc/pagemap.c).
 */
static int area_runs(struct dump_ctx *ctx, int pagemap_fd, struct img_area *a, bool whole,
		     struct img_run **ret_runs)
{
	uint64_t pages = (a->end - a->start) / IMG_PAGE_SIZE, n_runs = 0;
	bool shared = a->flags & AREA_F_SHARED;

	*ret_runs = NULL;
	a->n_pages = a->n_runs = 0;
	if (a->kind == AREA_VDSO || a->kind == AREA_SYSV_SHM ||
	    (a->kind == AREA_FILE && shared && !ctx->save_shared) ||
	    (a->flags & AREA_F_SHM_COPY))
		return 0;
	/* all of shared memory: another process may have touched what
	 * this one did not */
	if (whole || a->kind == AREA_SHARED_ANON ||
	    (a->kind == AREA_FILE && (shared || ctx->save_private))) {
		*ret_runs = xmalloc(sizeof(**ret_runs));
		**ret_runs = (struct img_run){ .first = 0, .n_pages = pages };
		a->n_runs = 1;
		a->n_pages = pages;
		return 0;
	}
	int r = pagemap_runs(pagemap_fd, a->start, pages,
			     a->kind == AREA_ANON ? PAGEMAP_TOUCHED : PAGEMAP_COPIED, ret_runs,
			     &n_runs, &a->n_pages);

	a->n_runs = n_runs;
	return r;
}

int memory_read(const struct dump_ctx *ctx, const struct img_area *a, uint64_t addr, char *buf,
		size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (a->prot & PROT_READ) {
			struct iovec local = { buf + done, len - done };
			struct iovec remote = { (void *)(addr + done), len - done };

			n = process_vm_readv(ctx->mem_pid, &local, 1, &remote, 1, 0);
		} else {
			/* /proc/PID/mem reads what the protection hides */
			n = pread(ctx->mem_fd, buf + done, len - done, addr + done);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

/*
 * IMG_PAGES of the area's own runs, and IMG_PAGE_HASHES of all its saved
 * pages: hashes holds those of the base's runs (increment.c), or NULL when
 * it has none, and gets the others as the pages go by.
 */
static int area_write_pages(struct dump_ctx *ctx, const struct img_area *a,
			    const struct img_run *runs, uint64_t *hashes, uint64_t n_base)
{
	uint64_t len = a->n_pages * IMG_PAGE_SIZE;
	_cleanup_free_ uint64_t *own = hashes ? NULL : xmalloc(a->n_pages * sizeof(*own));
	struct page_reader *pr = NULL;
	int r = a->n_pages ? img_record_begin(ctx->w, IMG_PAGES, len, 1) : 0;

	if (!r && a->n_pages)
		r = page_reader_start(&pr, ctx, a, runs, own);
	while (!r && pr) {
		const void *data;
		size_t n;

		r = page_reader_next(pr, &data, &n);
		if (r || !n)
			break;
		r = img_record_put(ctx->w, data, n);	/* summed by the reader */
		log_progress_add(&ctx->shared->progress, n);
	}
	page_reader_end(pr);
	if (!r && a->n_pages)
		r = img_record_end(ctx->w);
	if (!r) {
		const void *parts[] = { hashes ? hashes : own };
		size_t lens[] = { (a->n_pages + n_base) * sizeof(*own) };

		r = img_write_record(ctx->w, IMG_PAGE_HASHES, parts, lens, 1);
	}
	return r;
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
	snprintf(link, sizeof(link), "/proc/%d/map_files/%llx-%llx", (int)ctx->mem_pid,
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

/*
 * Pages of the context file that a --lazy restart mapped into the process
 * (restorer.c): its own memory, of which the file holds what it has not
 * touched since; the file may be gone from its path.
 */
static bool lazy_mapped(const struct dump_ctx *ctx, const struct vma *v)
{
	const struct agent_restart_info *ri = &ctx->state.restart;

	return ri->lazy_ino && !v->shared && v->ino == ri->lazy_ino && v->dev == ri->lazy_dev;
}

static int area_dump(struct dump_ctx *ctx, int pagemap_fd, const struct vma *v)
{
	struct img_area a = { .start = v->start, .end = v->end, .prot = v->prot,
			      .pgoff = v->pgoff };
	_cleanup_free_ struct img_run *runs = NULL;
	_cleanup_free_ uint64_t *hashes = NULL;	/* with a base: of every saved page */
	uint64_t n_base = 0;
	char unlinked[UCR_PATH_MAX];
	const char *path = v->path;
	bool whole = false;	/* every page saved, touched or not */
	struct stat st;
	int r;

	if (!strcmp(v->path, "[vsyscall]"))
		return 0;	/* the kernel's, at a fixed address */
	if (classify(v, &a) < 0)
		return log_errno(-EOPNOTSUPP, "cannot save mapping %#llx-%#llx '%s' of pid %d",
				 (unsigned long long)v->start, (unsigned long long)v->end, v->path,
				 (int)ctx->pid);
	if (a.kind == AREA_FILE && lazy_mapped(ctx, v)) {
		a = (struct img_area){ .start = v->start, .end = v->end, .prot = v->prot,
				       .kind = AREA_ANON, .flags = area_advice(v->advice) };
		whole = true;
	} else if (a.kind == AREA_FILE && ctx->save_exe && !strcmp(v->path, ctx->exe)) {
		whole = true;
	}
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
	r = area_runs(ctx, pagemap_fd, &a, whole, &runs);
	if (r)
		return log_errno(r, "cannot read the page map of pid %d", (int)ctx->pid);
	if (ctx->base && a.n_pages && (a.kind == AREA_ANON ||
				       (a.kind == AREA_FILE && !(a.flags & AREA_F_SHARED)))) {
		r = increment_split(ctx, &a, &runs, &hashes, &n_base);
		if (r)
			return r;
	}
	log_debug("area %#llx-%#llx %s: %llu pages", (unsigned long long)a.start,
		  (unsigned long long)a.end, v->path, (unsigned long long)a.n_pages);

	const void *parts[] = { &a, runs, path };
	size_t lens[] = { sizeof(a), a.n_runs * sizeof(*runs), a.path_len };
	r = img_write_record(ctx->w, IMG_AREA, parts, lens, 3);
	if (!r && a.n_pages + n_base)
		r = area_write_pages(ctx, &a, runs, hashes, n_base);
	return r;
}

static int memory_dump(struct dump_ctx *ctx)
{
	struct vma *vmas;
	size_t n;
	char path[64];
	_cleanup_close_ int pagemap_fd = -1;
	int r;

	r = proc_parse_smaps(ctx->mem_pid, &vmas, &n);
	if (r)
		return log_errno(r, "cannot read the memory map of pid %d", (int)ctx->pid);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)ctx->mem_pid);
	pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pagemap_fd < 0)
		r = log_errno(-errno, "cannot open %s", path);
	for (size_t i = 0; !r && i < n; i++)
		r = area_dump(ctx, pagemap_fd, &vmas[i]);
	proc_free_maps(vmas, n);
	return r;
}

/* The touched pages of one private anonymous area (memory_compresses). */
struct sample_area {
	pid_t pid;
	uint64_t start, n_runs, n_pages;
	struct img_run *runs;
};

static size_t sample_areas(pid_t pid, struct sample_area **areas, size_t n, uint64_t *total)
{
	_cleanup_close_ int pagemap_fd = -1;
	struct vma *vmas;
	size_t n_vmas;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pagemap_fd < 0 || proc_parse_maps(pid, &vmas, &n_vmas))
		return n;
	for (size_t i = 0; i < n_vmas; i++) {
		struct img_area a = { 0 };
		struct sample_area sa = { .pid = pid, .start = vmas[i].start };

		if (classify(&vmas[i], &a) || a.kind != AREA_ANON || !(vmas[i].prot & PROT_READ) ||
		    pagemap_runs(pagemap_fd, vmas[i].start, (vmas[i].end - vmas[i].start) /
				 IMG_PAGE_SIZE, PAGEMAP_TOUCHED, &sa.runs, &sa.n_runs, &sa.n_pages))
			continue;
		*areas = xrealloc(*areas, (n + 1) * sizeof(**areas));
		(*areas)[n++] = sa;
		*total += sa.n_pages;
	}
	proc_free_maps(vmas, n_vmas);
	return n;
}

/* SAMPLE_PIECES pieces of SAMPLE_PAGES pages each, spread evenly over the
 * pages touched */
#define SAMPLE_PIECES 64
#define SAMPLE_PAGES 4

/*
 * Whether the memory of the processes compresses: a sample of their
 * private anonymous memory, pieces spread evenly over the pages they
 * touched, compressed at level.  Data already compressed, encrypted or
 * random does not; --compress then writes a plain file, which reads back
 * at the speed of one without --compress, where raw frames would cost a
 * copy both ways (frames.c).  A few milliseconds for a process of
 * gigabytes: the maps, the page maps, and 1 MiB compressed.
 */
bool memory_compresses(const pid_t *pids, size_t n_pids, int level)
{
	struct sample_area *areas = NULL;
	size_t n = 0, got = 0;
	uint64_t total = 0;
	char *buf;
	bool r;

	for (size_t i = 0; i < n_pids; i++)
		n = sample_areas(pids[i], &areas, n, &total);
	if (total < SAMPLE_PIECES * SAMPLE_PAGES) {
		r = true;	/* too little to matter, or to sample */
		goto out;
	}
	buf = xmalloc(SAMPLE_PIECES * SAMPLE_PAGES * IMG_PAGE_SIZE);
	for (uint64_t k = 0, at = 0, seen = 0, a = 0; k < SAMPLE_PIECES; k++) {
		uint64_t want = k * (total / SAMPLE_PIECES);

		/* the run of the want'th page touched; seen: pages before it */
		for (; a < n; a++, at = 0) {
			for (; at < areas[a].n_runs; at++) {
				uint64_t run_pages = areas[a].runs[at].n_pages;

				if (want < seen + run_pages)
					break;
				seen += run_pages;
			}
			if (at < areas[a].n_runs)
				break;
		}
		if (a == n)
			break;

		const struct img_run *run = &areas[a].runs[at];
		uint64_t first = run->first + (want - seen), left = run->first + run->n_pages - first;
		size_t len = (left < SAMPLE_PAGES ? left : SAMPLE_PAGES) * IMG_PAGE_SIZE;
		struct iovec local = { buf + got, len };
		struct iovec remote = { (void *)(areas[a].start + first * IMG_PAGE_SIZE), len };
		ssize_t read = process_vm_readv(areas[a].pid, &local, 1, &remote, 1, 0);

		got += read > 0 ? (size_t)read : 0;
	}
	r = !got || img_frames_compressible(buf, got, level);
	log_debug("a sample of %zu KiB of memory %s", got >> 10,
		  r ? "compresses" : "does not compress");
	free(buf);
out:
	for (size_t i = 0; i < n; i++)
		free(areas[i].runs);
	free(areas);
	return r;
}

/*
 * A fork's copy of the memory, which --cow reads while the process runs
 * on, lacks what fork does not copy (MADV_DONTFORK, MADV_WIPEONFORK), and
 * its shared memory is the process's own, not a copy: pages written after
 * the process resumes would be in the file.
 */
bool memory_cow_ok(pid_t pid, bool save_shared, char *why, size_t why_len)
{
	struct vma *vmas;
	size_t n;
	int r = proc_parse_smaps(pid, &vmas, &n);

	if (r) {
		snprintf(why, why_len, "cannot read the memory map of pid %d", (int)pid);
		return false;
	}
	for (size_t i = 0; !r && i < n; i++) {
		struct img_area a = { 0 };

		if (vmas[i].advice & (VMA_DONTFORK | VMA_WIPEONFORK)) {
			snprintf(why, why_len, "pid %d has memory at %#llx that fork does not copy",
				 (int)pid, (unsigned long long)vmas[i].start);
			r = 1;
		} else if (classify(&vmas[i], &a) == 0 &&
			   (a.kind == AREA_SHARED_ANON || a.kind == AREA_SYSV_SHM ||
			    (a.kind == AREA_FILE && vmas[i].shared && save_shared &&
			     (vmas[i].prot & PROT_WRITE)))) {
			snprintf(why, why_len, "pid %d shares memory at %#llx", (int)pid,
				 (unsigned long long)vmas[i].start);
			r = 1;
		}
	}
	proc_free_maps(vmas, n);
	return !r;
}

const struct res_ops memory_ops = {
	.name = "memory",
	.cow_later = true,
	.dump = memory_dump,
	.check = memory_check,	/* memory_restart.c */
	.plan = memory_plan,
};
