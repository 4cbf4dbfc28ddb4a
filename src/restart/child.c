/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The new process, from clone3 to the jump into the restorer blob.  While
 * it still runs cr_restart's code it puts the descriptors at their numbers,
 * enters the working directory, and lays out the blob: code, plan and
 * stack in one mapping at an address that neither the saved image nor the
 * current one uses.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rseq.h>

#include "restart.h"
#include "proc/proc.h"
#include "common/util.h"

#define BLOB_STACK (64u << 10)
#define PAGE 4096ul
/* Look for room above the usual low mappings (program, brk heap). */
#define HOLE_FLOOR (1ULL << 32)
#define HOLE_CEILING 0x7ffffffff000ULL

extern const char restorer_blob[], restorer_blob_end[];

static __attribute__((noreturn)) void child_fail(int status_fd, int err)
{
	struct plan_error e = { .step = STEP_CHILD, .err = err };

	if (write(status_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

struct range {
	uint64_t start, end;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* A hole of len bytes free in both the saved layout and the current one. */
static uint64_t find_hole(const struct image_process *p, uint64_t len)
{
	struct vma *vmas;
	size_t n_vmas, n = 0;
	struct range *r;
	uint64_t at = HOLE_FLOOR;

	if (proc_parse_maps(getpid(), &vmas, &n_vmas))
		return 0;
	r = xmalloc((n_vmas + p->n_areas) * sizeof(*r));
	for (size_t i = 0; i < n_vmas; i++)
		r[n++] = (struct range){ vmas[i].start, vmas[i].end };
	for (size_t i = 0; i < p->n_areas; i++)
		r[n++] = (struct range){ p->areas[i].a->start, p->areas[i].a->end };
	proc_free_maps(vmas, n_vmas);
	qsort(r, n, sizeof(*r), range_cmp);
	for (size_t i = 0; i < n && at + len <= HOLE_CEILING; i++) {
		if (r[i].end <= at)
			continue;
		if (r[i].start >= at + len)
			break;
		at = ALIGN_UP(r[i].end, PAGE);
	}
	free(r);
	return at + len <= HOLE_CEILING ? at : 0;
}

/* Moves every descriptor the builder needs above all the saved ones. */
static int move_helpers(struct rst_ctx *ctx, int *status_fd)
{
	const struct image_process *p = ctx->proc;
	int base = files_max_fd(p) + 1, highest = 0;

	for (size_t i = 0; i < p->n_areas; i++)
		if (ctx->area_fds[i] > highest)
			highest = ctx->area_fds[i];
	if (ctx->ctx_fd > highest)
		highest = ctx->ctx_fd;
	if (ctx->exe_fd > highest)
		highest = ctx->exe_fd;
	if (*status_fd > highest)
		highest = *status_fd;
	if (highest + 1 > base)
		base = highest + 1;
	ctx->helper_fd_base = base;
#define MOVE(fd) do { if ((fd) >= 0 && ((fd) = fcntl((fd), F_DUPFD, base)) < 0) return -errno; } while (0)
	MOVE(ctx->ctx_fd);
	MOVE(ctx->exe_fd);
	MOVE(*status_fd);
	for (size_t i = 0; i < p->n_areas; i++) {
		if (memory_same_file(p, i)) {
			ctx->area_fds[i] = ctx->area_fds[i - 1];
			continue;
		}
		MOVE(ctx->area_fds[i]);
	}
#undef MOVE
	return 0;
}

static __attribute__((noreturn)) void jump_to_blob(uint64_t entry, uint64_t stack_top,
						    struct plan *plan)
{
	/* glibc registered an rseq area in this (old) image: the kernel
	 * would write to it after the blob unmaps it */
	if (__rseq_size)
		sys_rseq((unsigned long)__builtin_thread_pointer() + __rseq_offset,
			__rseq_size < 32 ? 32 : __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "jmp *%1"
			 :
			 : "r"(stack_top), "r"(entry), "D"(plan)
			 : "memory");
	__builtin_unreachable();
}

void child_main(const struct child_args *a)
{
	struct rst_ctx *ctx = a->ctx;
	const struct image_process *p = ctx->proc;
	int status_fd = a->status_fd, r;
	uint64_t code_len = ALIGN_UP((uint64_t)(restorer_blob_end - restorer_blob), PAGE);
	uint64_t plan_len = ALIGN_UP(sizeof(struct plan) + memory_plan_size(p) +
				     p->n_threads * sizeof(struct plan_thread), PAGE);
	uint64_t stacks_len = p->n_threads * (uint64_t)BLOB_THREAD_STACK;
	uint64_t scratch_len = 0, total, hole;
	struct plan *plan;
	sigset_t all;
	char go;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (read(a->go_fd, &go, 1) != 1)
		_exit(127);	/* the builder gave up: nothing to report */
	close(a->go_fd);
	r = move_helpers(ctx, &status_fd);
	if (r)
		child_fail(status_fd, log_errno(r, "cannot move descriptors"));
	r = files_restore_in_child(p);
	if (r)
		child_fail(status_fd, r);
	if (ctx->helper_fd_base > (unsigned int)files_max_fd(p) + 1)
		close_range(files_max_fd(p) + 1, ctx->helper_fd_base - 1, 0);
	process_restore_in_child(p);

	for (size_t i = 0; i < p->n_areas; i++)
		if (p->areas[i].a->kind == AREA_VDSO)
			scratch_len += p->areas[i].a->end - p->areas[i].a->start;
	total = code_len + plan_len + BLOB_STACK + stacks_len + scratch_len;
	hole = find_hole(p, total);
	if (!hole)
		child_fail(status_fd, log_errno(-ENOMEM, "no room for the restorer"));
	if (mmap((void *)hole, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)hole)
		child_fail(status_fd, log_errno(-errno, "cannot map the restorer"));
	memcpy((void *)hole, restorer_blob, restorer_blob_end - restorer_blob);
	if (mprotect((void *)hole, code_len, PROT_READ | PROT_EXEC) < 0)
		child_fail(status_fd, -errno);

	plan = (struct plan *)(hole + code_len);
	plan->blob_start = hole;
	plan->blob_len = total;
	plan->scratch = hole + code_len + plan_len + BLOB_STACK + stacks_len;
	plan->ctx_fd = ctx->ctx_fd;
	plan->status_fd = status_fd;
	plan->helper_fd_base = ctx->helper_fd_base;
	plan->threads_off = sizeof(*plan);
	plan->areas_off = plan->threads_off + p->n_threads * sizeof(struct plan_thread);
	plan->runs_off = plan->areas_off + p->n_areas * sizeof(struct plan_area);
	plan->restart = *a->restart;
	plan->patch_tid = a->new_pid;
	r = process_plan(ctx, plan);
	if (!r)
		r = memory_plan(ctx, plan);
	if (r)
		child_fail(status_fd, log_errno(r, "cannot plan the restore"));
	for (size_t i = 0; i < p->n_threads; i++) {
		struct plan_thread *t = (void *)((char *)plan + plan->threads_off);

		t[i].stack_top = hole + code_len + plan_len + BLOB_STACK + (i + 1) * BLOB_THREAD_STACK;
	}
	/* as after a call: the return address slot keeps the ABI's alignment */
	jump_to_blob(hole, hole + code_len + plan_len + BLOB_STACK - 8, plan);
}
