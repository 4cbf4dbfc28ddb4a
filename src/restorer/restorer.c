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
#include <linux/falloc.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/rseq.h>
#include <asm-generic/errno.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <linux/signal.h>

#include "restorer/plan.h"

/* Where ordinary mappings end on x86_64 with 4-level page tables. */
#define USER_TOP 0x7ffffffff000ULL
#define SIG_SETMASK 2
#define SS_DISABLE_FLAG 2	/* SS_DISABLE */
#define PRIO_PROCESS_WHICH 0	/* PRIO_PROCESS: with who 0, this thread */

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
	struct plan_error e = { .step = step, .err = (int32_t)err, .addr = addr,
				.pid = (int32_t)sys_getpid(), .saved_pid = p->saved_pid };

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

#define READ_CHUNK (32ULL << 20)

static void blob_read(const struct plan *p, const struct plan_run *run)
{
	uint64_t addr = run->addr, len = run->len, off = run->file_off;
	int release = run->flags & PLAN_RUN_RELEASE;

	/* Faulting the pages in one by one during the copy costs several
	 * times the copy itself; populating them first avoids the traps.
	 * Failure only costs speed (kernels before 5.14 lack it).  A copy to
	 * release goes a chunk at a time, each chunk's pages made just after
	 * the last one's copy was freed: they are then mostly the same
	 * memory, which a virtual machine's host need not provide afresh. */
	if (!release)
		sys_madvise(addr, len, MADV_POPULATE_WRITE);
	while (len) {
		/* in chunks, too, when cr_restart draws its progress line */
		uint64_t want = (release || p->report_reads) && len > READ_CHUNK ? READ_CHUNK : len;
		long n;

		if (release)
			sys_madvise(addr, want, MADV_POPULATE_WRITE);
		n = sys_pread(run->fd, (void *)addr, want, off);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			blob_fail(p, STEP_READ, n ? n : -EIO, addr);
		/* failure only costs memory: the copy is freed with the file */
		if (release)
			sys_fallocate(run->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
				      (uint64_t)n);
		if (p->report_reads)
			blob_report(p, STEP_READ_PROGRESS, 0, (uint64_t)n);
		addr += n;
		off += n;
		len -= n;
	}
}

/*
 * --lazy: the saved pages of a private anonymous area are mapped from the
 * context file, copy-on-write, and come in on first touch.  Not for a
 * stack (the file mapping would replace the lowest page of the area that
 * grows down, and the stack could no longer grow) nor for executable
 * memory (the context file's file system may be mounted noexec): those are
 * read, as without --lazy.
 */
static int blob_maps_lazily(const struct plan *p, const struct plan_area *a)
{
	return p->lazy && a->n_runs && (a->map_flags & MAP_PRIVATE) &&
	       (a->map_flags & MAP_ANONYMOUS) && !(a->map_flags & MAP_GROWSDOWN) &&
	       !(a->prot & PROT_EXEC);
}

static void blob_map_runs(const struct plan *p, const struct plan_area *a,
			  const struct plan_run *runs)
{
	for (uint64_t j = 0; j < a->n_runs; j++) {
		const struct plan_run *run = &runs[a->first_run + j];
		long r = sys_mmap(run->addr, run->len, a->prot, MAP_PRIVATE | MAP_FIXED, run->fd,
				  run->file_off);

		if (r < 0)
			blob_fail(p, STEP_MAP, r, run->addr);
	}
}

/*
 * The area's madvise() flags, before its pages come in: huge pages then
 * back it as they backed the original.  A kernel without transparent huge
 * pages refuses those two: the area is the same without.
 */
static void blob_advise(const struct plan *p, const struct plan_area *a)
{
	static const struct { uint32_t flag; int advice; } advices[] = {
		{ PLAN_ADV_HUGEPAGE, MADV_HUGEPAGE }, { PLAN_ADV_NOHUGEPAGE, MADV_NOHUGEPAGE },
		{ PLAN_ADV_DONTDUMP, MADV_DONTDUMP }, { PLAN_ADV_DONTFORK, MADV_DONTFORK },
		{ PLAN_ADV_WIPEONFORK, MADV_WIPEONFORK },
	};

	for (uint32_t i = 0; i < sizeof(advices) / sizeof(advices[0]); i++) {
		long r;

		if (!(a->advice & advices[i].flag))
			continue;
		r = sys_madvise(a->start, a->end - a->start, advices[i].advice);
		if (r < 0 && !(r == -EINVAL && advices[i].flag & (PLAN_ADV_HUGEPAGE |
								   PLAN_ADV_NOHUGEPAGE)))
			blob_fail(p, STEP_MAP, r, a->start);
	}
}

/*
 * A test build's injected failure (restart/faults.h): step fails at area
 * or thread index, with the error the real call would give, and goes the
 * way a real failure goes.  Not in the blob that is installed.
 */
static long blob_fault(const struct plan *p, uint32_t step, uint32_t index, long err)
{
#ifdef UCR_FAULTS
	if (p->fault_step == step && p->fault_index == index)
		return err;
#else
	(void)p, (void)step, (void)index, (void)err;
#endif
	return 0;
}

/* Whether b is a piece of the attachment that a starts (mprotect splits
 * one attachment in pieces). */
static int same_attachment(const struct plan_area *a, const struct plan_area *b)
{
	return b->shmid == a->shmid && b->start - b->pgoff == a->start - a->pgoff;
}

/*
 * SysV shared memory: the first piece of an attachment (pgoff 0, shm_size
 * set) attaches the whole segment at its address, as shmat() did, less
 * what lies past its last piece; the attachment's other pieces are in it
 * already, and what lay between two of them is unmapped.  Read-write if
 * the segment lets this process write it, as the program's shmat() may
 * have asked; each piece then gets its own protection.
 */
static void blob_attach_sysv(const struct plan *p, const struct plan_area *areas, uint32_t i)
{
	const struct plan_area *a = &areas[i], *prev = i ? &areas[i - 1] : 0;
	int exec = a->prot & PROT_EXEC ? SYS_SHM_EXEC : 0;
	uint64_t kept = a->end;
	long r = 0;

	if (a->shm_size) {
		r = sys_shmat(a->shmid, a->start, SYS_SHM_REMAP | exec);
		if (r == -EACCES)
			r = sys_shmat(a->shmid, a->start, SYS_SHM_REMAP | SYS_SHM_RDONLY | exec);
		if (r >= 0 && r != (long)a->start)
			r = -EADDRNOTAVAIL;
		for (uint32_t j = i + 1; j < p->n_areas; j++)
			if (same_attachment(a, &areas[j]) && areas[j].end > kept)
				kept = areas[j].end;
		if (r >= 0 && kept < a->start + a->shm_size)
			r = sys_munmap(kept, a->start + a->shm_size - kept);
	} else if (prev && same_attachment(a, prev) && prev->end < a->start) {
		r = sys_munmap(prev->end, a->start - prev->end);
	}
	if (r >= 0)
		r = sys_mprotect(a->start, a->end - a->start, a->prot);
	if (r < 0)
		blob_fail(p, STEP_MAP, r, a->start);
}

static void blob_map_areas(const struct plan *p)
{
	const struct plan_area *areas = (const void *)((const char *)p + p->areas_off);
	const struct plan_run *runs = (const void *)((const char *)p + p->runs_off);

	for (uint32_t i = 0; i < p->n_areas; i++) {
		const struct plan_area *a = &areas[i];
		uint64_t len = a->end - a->start;
		int lazy = blob_maps_lazily(p, a);
		/* pages are written in before the final protection is set */
		uint32_t prot = a->n_runs && !lazy ? a->prot | PROT_WRITE : a->prot;
		long r;

		r = blob_fault(p, STEP_MAP, i, -ENOMEM);
		if (!r && a->shmid >= 0) {
			blob_attach_sysv(p, areas, i);	/* its pages are the segment's */
			blob_advise(p, a);
			continue;
		}
		if (!r)
			r = sys_mmap(a->start, len, prot, a->map_flags | MAP_FIXED, a->fd, a->pgoff);
		if (r < 0)
			blob_fail(p, STEP_MAP, r, a->start);
		blob_advise(p, a);
		if (lazy) {
			blob_map_runs(p, a, runs);
			continue;
		}
		for (uint64_t j = 0; j < a->n_runs; j++) {
			const struct plan_run *run = &runs[a->first_run + j];

			blob_read(p, run);
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
	for (int sig = 1; sig <= PLAN_NSIG; sig++) {
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

/* In the restart's own user namespace the process was born with every
 * capability there (which creating its threads with their tids needed):
 * it keeps none, as the user who restarts it has none. */
static void blob_drop_caps(const struct plan *p)
{
	const uint32_t none[2] = { 0, 0 };
	long r;

	if (!p->drop_caps)
		return;
	r = sys_capset(none, none, none);
	if (r < 0)
		blob_fail(p, STEP_CREDS, r, 0);
}

/* A thread's own kernel state, in the thread itself. */
static void blob_set_thread(const struct plan *p, const struct plan_thread *pt)
{
	const struct img_thread *t = &pt->rec;
	struct { uint64_t sp; int32_t flags; uint32_t pad; uint64_t size; } ss = {
		t->ss_sp, t->ss_flags, 0, t->ss_size,
	};
	struct { int32_t priority; } param = { (int32_t)t->sched_priority };
	long r;

	r = sys_arch_prctl(ARCH_SET_FS, t->fsbase);
	if (r >= 0)
		r = sys_arch_prctl(ARCH_SET_GS, t->gsbase);
	if (r < 0)
		blob_fail(p, STEP_THREAD, r, t->fsbase);
	sys_set_tid_address(t->tid_address);
	/* under a new pid, the thread's own record of its tid (glibc keeps
	 * it where the tid address points) must say the new one */
	if (p->patch_tid && t->tid_address)
		*(int32_t *)t->tid_address = (int32_t)sys_gettid();
	if (t->robust_head)
		sys_set_robust_list(t->robust_head, t->robust_len);
	if (t->rseq_addr) {
		r = sys_rseq(t->rseq_addr, t->rseq_len, 0, t->rseq_sig);
		if (r < 0)
			blob_fail(p, STEP_RSEQ, r, t->rseq_addr);
	}
	if (!(ss.flags & SS_DISABLE_FLAG))
		sys_sigaltstack(&ss, 0);
	sys_prctl(PR_SET_NAME, (unsigned long)t->comm, 0, 0, 0);
	/* Scheduling is the restarting user's to give: where the kernel
	 * refuses (a real-time policy without privilege, a CPU that this
	 * machine lacks), the thread keeps what it has. */
	sys_sched_setscheduler(0, t->sched_policy, &param);
	sys_setpriority(PRIO_PROCESS_WHICH, 0, t->nice);
	sys_sched_setaffinity(0, sizeof(t->affinity), t->affinity);
	blob_set_creds(p);
	blob_drop_caps(p);
}

static __attribute__((noreturn)) void blob_resume(const struct plan *p,
						  const struct plan_thread *t)
{
	uint64_t all = ~0ULL;

	/* The handler the thread resumes in runs with every signal blocked;
	 * its rt_sigreturn gives the program its own mask back. */
	sys_rt_sigprocmask(SIG_SETMASK, &all, 0);
	/* agent_resume_thread(jmpbuf) "returns" 1 from where it parked */
	__asm__ volatile("jmp *%1" : : "D"(t->rec.resume), "r"(p->trampoline) : "memory");
	__builtin_unreachable();
}

/*
 * blob_clone3(args, size, fn, plan, thread): clone3, and in the new thread
 * fn(plan, thread) on the stack that args gives.  The syscall keeps rdx, r8
 * and r9 (it clobbers rcx and r11), and the child starts with the parent's
 * registers, so fn and its arguments survive into it.
 */
long blob_clone3(void *args, unsigned long size, void *fn, const void *plan,
		 const void *thread);
__asm__(".text\n"
	".type blob_clone3, @function\n"
	"blob_clone3:\n"
	"	mov %rcx, %r9\n"
	"	mov $435, %eax\n"	/* __NR_clone3 */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	mov %r9, %rdi\n"
	"	mov %r8, %rsi\n"
	"	call *%rdx\n"
	"	ud2\n"
	"1:	ret\n"
	".size blob_clone3, .-blob_clone3\n");

/* The first code of a thread the blob creates, on its blob stack. */
static __attribute__((noreturn, used)) void blob_thread_main(struct plan *p,
							     const struct plan_thread *t)
{
	blob_set_thread(p, t);
	__atomic_add_fetch(&p->threads_ready, 1, __ATOMIC_RELEASE);
	sys_futex(&p->threads_ready, FUTEX_WAKE, 1, 0);
	blob_resume(p, t);
}

/* Every thread but the main one, with its tid (unless under a new pid). */
static void blob_create_threads(struct plan *p)
{
	struct plan_thread *threads = (void *)((char *)p + p->threads_off);
	int want = (int)p->n_threads - 1, now;
	uint32_t n_made = 0;

	for (uint32_t i = 0; i < p->n_threads; i++) {
		struct plan_thread *t = &threads[i];
		int32_t tid = t->rec.tid;
		struct clone_args args = {
			.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
				 CLONE_SYSVSEM,
			.stack = t->stack_top - BLOB_THREAD_STACK,
			.stack_size = BLOB_THREAD_STACK,
			.set_tid = p->patch_tid ? 0 : (uint64_t)&tid,
			.set_tid_size = p->patch_tid ? 0 : 1,
		};
		long r;

		if (i == p->main_thread)
			continue;
		r = blob_fault(p, STEP_CLONE, n_made++, -EAGAIN);
		if (!r)
			r = blob_clone3(&args, sizeof(args), (void *)blob_thread_main, p, t);
		if (r < 0)
			blob_fail(p, STEP_CLONE, r, tid);
	}
	/* before the helpers' descriptors close and the main thread leaves */
	while ((now = __atomic_load_n(&p->threads_ready, __ATOMIC_ACQUIRE)) < want)
		sys_futex(&p->threads_ready, FUTEX_WAIT, now, 0);
}

/*
 * The locks the process held, taken once nothing of cr_restart's is open
 * but the status pipe: closing any descriptor of a file drops the
 * process's record locks on it, and the helpers hold descriptors of its
 * files.  The other threads wait in the agent meanwhile.
 */
static void blob_take_locks(const struct plan *p)
{
	const struct plan_lock *l = (const void *)((const char *)p + p->locks_off);
	uint32_t status = (uint32_t)p->status_fd;

	if (status > p->helper_fd_base)
		sys_close_range(p->helper_fd_base, status - 1, 0);
	sys_close_range(status < p->helper_fd_base ? p->helper_fd_base : status + 1, ~0U, 0);
	for (uint32_t i = 0; i < p->n_locks; i++) {
		long r = l[i].cmd ? sys_fcntl(l[i].fd, (int)l[i].cmd, &l[i].fl) :
			 sys_flock(l[i].fd, (int)l[i].op);

		if (r < 0)
			blob_fail(p, STEP_LOCK, r, l[i].id);
	}
}

__attribute__((section(".text.entry"), noreturn, used)) void restorer_main(struct plan *p)
{
	const struct plan_thread *threads = (const void *)((char *)p + p->threads_off);

	blob_unmap_old(p);
	blob_move_special(p);
	blob_map_areas(p);
	blob_set_process(p);
	p->restart.blob_start = p->blob_start;
	p->restart.blob_len = p->blob_len;
	memcpy((void *)p->restart_info_addr, &p->restart, sizeof(p->restart));
	blob_create_threads(p);
	blob_set_thread(p, &threads[p->main_thread]);
	blob_take_locks(p);
	blob_report(p, STEP_DONE, 0, 0);
	sys_close_range(p->helper_fd_base, ~0U, 0);	/* the status pipe */
	/* the agent unmaps the blob once every thread has left it */
	blob_resume(p, &threads[p->main_thread]);
}
