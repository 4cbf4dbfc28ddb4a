/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The restorer blob: freestanding, position-independent code that replaces
 * the whole memory of the process it runs in with the saved image, then
 * jumps into the agent of that image.  It has no libc and no globals; all it
 * knows comes in the plan (plan.h), which lives in the blob's own mapping
 * next to its stack.
 *
 * On failure it writes a struct plan_error to the status pipe and exits:
 * cr_restart reports it, and no half-restored process runs on.
 */
#include <asm/prctl.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/rseq.h>
#include <asm-generic/errno.h>

#include "restorer/plan.h"

/* Where ordinary mappings end on x86_64 with 4-level page tables. */
#define USER_TOP 0x7ffffffff000ULL
#define SIG_SETMASK 2

/* gcc may emit calls to these for struct copies even when freestanding. */
void *memcpy(void *dst, const void *src, unsigned long n)
{
	char *d = dst;
	const char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, unsigned long n)
{
	char *d = dst;

	while (n--)
		*d++ = (char)c;
	return dst;
}

static void blob_report(const struct plan *p, uint32_t step, long err, uint64_t addr)
{
	struct plan_error e = { .step = step, .err = (int32_t)err, .addr = addr };

	sys_write(p->status_fd, &e, sizeof(e));
}

static __attribute__((noreturn)) void blob_fail(const struct plan *p, uint32_t step, long err,
						 uint64_t addr)
{
	blob_report(p, step, err, addr);
	for (;;)
		sys_exit_group(127);
}

/* Unmaps everything but the blob and the special mappings. */
static void blob_unmap_old(const struct plan *p)
{
	uint64_t keep_start[PLAN_MAX_SPECIAL + 1], keep_end[PLAN_MAX_SPECIAL + 1];
	uint32_t n = 0;
	uint64_t at = 0;

	keep_start[n] = p->blob_start;
	keep_end[n++] = p->blob_start + p->blob_len;
	for (uint32_t i = 0; i < p->n_special; i++) {
		keep_start[n] = p->special[i].cur;
		keep_end[n++] = p->special[i].cur + p->special[i].len;
	}
	/* insertion sort: a handful of entries */
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && keep_start[j] < keep_start[j - 1]; j--) {
			uint64_t s = keep_start[j], e = keep_end[j];

			keep_start[j] = keep_start[j - 1];
			keep_end[j] = keep_end[j - 1];
			keep_start[j - 1] = s;
			keep_end[j - 1] = e;
		}
	for (uint32_t i = 0; i <= n; i++) {
		uint64_t end = i < n ? keep_start[i] : USER_TOP;
		long r;

		if (end > at) {
			r = sys_munmap(at, end - at);
			if (r < 0)
				blob_fail(p, STEP_UNMAP, r, at);
		}
		if (i < n)
			at = keep_end[i];
	}
}

/*
 * Moves [vdso] and friends to their saved addresses.  Code in the image
 * holds pointers into the vDSO, and the vDSO finds its data at a fixed
 * distance, so all of them move, through the scratch room first: a saved
 * address may overlap where another one is now.
 */
static void blob_move_special(const struct plan *p)
{
	uint64_t at = p->scratch;
	long r;

	for (uint32_t i = 0; i < p->n_special; i++) {
		const struct plan_special *s = &p->special[i];

		r = sys_mremap(s->cur, s->len, s->len, MREMAP_MAYMOVE | MREMAP_FIXED, at);
		if (r < 0)
			blob_fail(p, STEP_SPECIAL, r, s->cur);
		at += s->len;
	}
	at = p->scratch;
	for (uint32_t i = 0; i < p->n_special; i++) {
		const struct plan_special *s = &p->special[i];

		r = sys_mremap(at, s->len, s->len, MREMAP_MAYMOVE | MREMAP_FIXED, s->saved);
		if (r < 0)
			blob_fail(p, STEP_SPECIAL, r, s->saved);
		at += s->len;
	}
}

static void blob_read(const struct plan *p, uint64_t addr, uint64_t len, uint64_t off)
{
	/* Faulting the pages in one by one during the copy costs several
	 * times the copy itself; populating the run first avoids the traps.
	 * Failure only costs speed (kernels before 5.14 lack it). */
	sys_madvise(addr, len, MADV_POPULATE_WRITE);
	while (len) {
		long n = sys_pread(p->ctx_fd, (void *)addr, len, off);

		if (n == -EINTR)
			continue;
		if (n <= 0)
			blob_fail(p, STEP_READ, n ? n : -EIO, addr);
		addr += n;
		off += n;
		len -= n;
	}
}

static void blob_map_areas(const struct plan *p)
{
	const struct plan_area *areas = (const void *)((const char *)p + p->areas_off);
	const struct plan_run *runs = (const void *)((const char *)p + p->runs_off);

	for (uint32_t i = 0; i < p->n_areas; i++) {
		const struct plan_area *a = &areas[i];
		uint64_t len = a->end - a->start;
		/* pages are written in before the final protection is set */
		uint32_t prot = a->n_runs ? a->prot | PROT_WRITE : a->prot;
		long r;

		r = sys_mmap(a->start, len, prot, a->map_flags | MAP_FIXED, a->fd, a->pgoff);
		if (r < 0)
			blob_fail(p, STEP_MAP, r, a->start);
		for (uint64_t j = 0; j < a->n_runs; j++) {
			const struct plan_run *run = &runs[a->first_run + j];

			blob_read(p, run->addr, run->len, run->file_off);
		}
		if (prot != a->prot) {
			r = sys_mprotect(a->start, len, a->prot);
			if (r < 0)
				blob_fail(p, STEP_PROTECT, r, a->start);
		}
	}
}

static void blob_set_process(struct plan *p)
{
	long r;

	p->mm.auxv = (__u64 *)p->auxv;
	r = sys_prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&p->mm, sizeof(p->mm), 0);
	if (r < 0)
		blob_fail(p, STEP_MM, r, 0);
	sys_prctl(PR_SET_NAME, (unsigned long)p->comm, 0, 0, 0);
	for (int sig = 1; sig <= UCR_NSIG; sig++) {
		if (sig == 9 || sig == 19)	/* SIGKILL, SIGSTOP */
			continue;
		r = sys_rt_sigaction(sig, &p->sigactions[sig - 1], 0);
		if (r < 0)
			blob_fail(p, STEP_SIGACTION, r, sig);
	}
	for (uint32_t i = 0; i < p->n_rlimits; i++) {
		r = sys_prlimit(0, i, &p->rlimits[i], 0);
		if (r < 0)
			blob_fail(p, STEP_RLIMIT, r, i);
	}
}

static void blob_set_thread(const struct plan *p)
{
	long r;

	r = sys_arch_prctl(ARCH_SET_FS, p->fsbase);
	if (r >= 0)
		r = sys_arch_prctl(ARCH_SET_GS, p->gsbase);
	if (r < 0)
		blob_fail(p, STEP_THREAD, r, p->fsbase);
	sys_set_tid_address(p->tid_address);
	/* under a new pid, the thread's own record of its tid (glibc keeps
	 * it where the tid address points) must say the new one */
	if (p->patch_tid && p->tid_address)
		*(int32_t *)p->tid_address = (int32_t)sys_gettid();
	if (p->robust_head)
		sys_set_robust_list(p->robust_head, p->robust_len);
	if (p->rseq_addr) {
		r = sys_rseq(p->rseq_addr, p->rseq_len, 0, p->rseq_sig);
		if (r < 0)
			blob_fail(p, STEP_RSEQ, r, p->rseq_addr);
	}
}

/* Last: giving up root ends what the restore itself needed it for. */
static void blob_set_creds(const struct plan *p)
{
	long r;

	if (!p->set_creds)
		return;
	r = sys_setgroups(p->n_groups, p->groups);
	if (r >= 0)
		r = sys_setresgid(p->gid[0], p->gid[1], p->gid[2]);
	if (r >= 0)
		r = sys_setresuid(p->uid[0], p->uid[1], p->uid[2]);
	if (r < 0)
		blob_fail(p, STEP_CREDS, r, 0);
	/* a change of credentials made the process non-dumpable, which would
	 * keep its own user from checkpointing it again */
	sys_prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

__attribute__((section(".text.entry"), noreturn, used)) void restorer_main(struct plan *p)
{
	uint64_t all = ~0ULL;

	blob_unmap_old(p);
	blob_move_special(p);
	blob_map_areas(p);
	blob_set_process(p);
	blob_set_thread(p);
	memcpy((void *)p->restart_info_addr, &p->restart, sizeof(p->restart));
	blob_set_creds(p);
	/* The handler the thread resumes in runs with every signal blocked;
	 * its rt_sigreturn gives the program its own mask back. */
	sys_rt_sigprocmask(SIG_SETMASK, &all, 0);
	blob_report(p, STEP_DONE, 0, 0);
	sys_close_range(p->helper_fd_base, ~0U, 0);
	/* agent_resume_trampoline(blob, len, jmpbuf) unmaps us and resumes */
	__asm__ volatile("jmp *%3"
			 :
			 : "D"(p->blob_start), "S"(p->blob_len), "d"(p->resume), "r"(p->trampoline)
			 : "memory");
	__builtin_unreachable();
}
