/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parking every thread of the process while the dumper reads it.
 *
 * The thread serving the request (the leader) sends the checkpoint signal to
 * every other thread (rt_tgsigqueueinfo, tgkill with a value); a thread that
 * gets it from its own process while a request is open parks: it runs its
 * signal-context callbacks, saves its record (what only it can see) and its
 * resume point, and waits on a futex.  The leader re-reads /proc/self/task
 * until every thread it finds has parked.  After "continue", or after a
 * restart once every thread is back in the agent, the leader releases them
 * all at once.
 *
 * Everything here runs in the checkpoint signal handler: raw system calls
 * from sys.h and static memory only.
 */
#include <asm/prctl.h>
#include <cpuid.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/prctl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/rseq.h>

#include "agent.h"
#include "../common/sys.h"

#define PARK_TIMEOUT_NS (10 * 1000000000LL)
/* Park signals are queued with PARK_TAG | serial in their value: one that
 * arrives after its request ended (a thread that had the signal blocked
 * past the time-out) is recognised and dropped, instead of reaching the
 * program's disposition for the signal.  A program's own sigqueue() of
 * this signal to itself with such a value would be dropped too. */
#define PARK_TAG 0x75630000	/* "uc" */
#define PARK_TAG_MASK 0xffff0000

static int park_open;		/* a request is parking threads */
static int park_serial;
static int park_gen;		/* futex: moves to release parked threads */
static int park_n_records;	/* thread records in use */
static int park_n_parked;	/* futex: threads parked */
static int park_n_resumed;	/* futex: restored threads back in the agent */
static int park_signalled[UCR_MAX_THREADS];
static int park_n_signalled;
/* A thread's first refusal while parking ends the request (0: none). */
static int park_fail;

static void futex_wake(int *addr)
{
	sys_futex(addr, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
}

/* Waits while *addr == val, at most ns (0: no limit). */
static void futex_wait(int *addr, int val, int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

	sys_futex(addr, FUTEX_WAIT_PRIVATE, val, ns ? &ts : NULL);
}

/* ---- a thread's FPU state ------------------------------------------------------
 *
 * Each thread record has an XSAVE area of its own, outside the state block
 * the dumper reads (it is saved with the rest of memory).  An area holds
 * the legacy region, the header and every component of XCR0 up to AVX-512
 * and PKRU in the standard format; a component that would end past it (a
 * future one), and those the kernel enables per process on first use
 * (XFD: AMX tiles), are left out of the mask.
 */
#define PARK_FPU_AREA 4096
#define XSAVE_XFD_CAPABLE 0x4	/* CPUID.(0xd, i).ECX bit 2 */

static struct {
	unsigned char bytes[PARK_FPU_AREA];
} park_fpu[UCR_MAX_THREADS] __attribute__((aligned(64)));

/* The XSAVE components to save, 0 for FXSAVE (a CPU or kernel without
 * XSAVE).  CPUID and XGETBV are unprivileged: async-signal-safe. */
static uint64_t park_fpu_mask(void)
{
	static uint64_t mask;
	static bool known;
	unsigned int a, b, c, d, lo, hi;
	uint64_t xcr0, m = 0;

	if (__atomic_load_n(&known, __ATOMIC_ACQUIRE))
		return mask;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE)) {
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = (uint64_t)hi << 32 | lo;
		m = xcr0 & 3;	/* x87 and SSE: the legacy region */
		for (unsigned int i = 2; i < 63; i++) {
			if (!(xcr0 >> i & 1) || !__get_cpuid_count(0xd, i, &a, &b, &c, &d))
				continue;
			if (!(c & XSAVE_XFD_CAPABLE) && (uint64_t)a + b <= PARK_FPU_AREA)
				m |= 1ULL << i;
		}
	}
	mask = m;	/* every thread computes the same */
	__atomic_store_n(&known, true, __ATOMIC_RELEASE);
	return mask;
}

/* Before agent_save_context(): where the thread's FPU state goes. */
static void park_prepare_resume(struct agent_thread *t)
{
	t->resume.fpu = (uint64_t)&park_fpu[t - agent_state.threads];
	t->resume.fpu_mask = park_fpu_mask();
}

/* ---- a thread's record ------------------------------------------------------ */

/* What only this thread can see, for the restorer to set again. */
static void park_save_thread(struct agent_thread *t)
{
	stack_t ss;

	t->tid = sys_gettid();
	park_prepare_resume(t);
	sys_prctl(PR_GET_PDEATHSIG, (unsigned long)&t->pdeathsig, 0, 0, 0);
	t->timer_slack = sys_prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	t->keepcaps = (int32_t)sys_prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
	t->tsc = 0;
	sys_prctl(PR_GET_TSC, (unsigned long)&t->tsc, 0, 0, 0);
	if (sys_sigaltstack(NULL, &ss) == 0) {
		t->ss_sp = (uint64_t)ss.ss_sp;
		t->ss_size = ss.ss_size;
		t->ss_flags = ss.ss_flags;
	}
	sys_arch_prctl(ARCH_GET_FS, (unsigned long)&t->fsbase);
	sys_arch_prctl(ARCH_GET_GS, (unsigned long)&t->gsbase);
	sys_prctl(PR_GET_TID_ADDRESS, (unsigned long)&t->tid_address, 0, 0, 0);
	sys_get_robust_list(0, (unsigned long *)&t->robust_head, (size_t *)&t->robust_len);
	/* glibc registers one rseq area per thread at a fixed offset from the
	 * thread pointer; __rseq_size is 0 when it did not */
	t->rseq_addr = 0;
	t->rseq_len = 0;
	if (__rseq_size) {
		t->rseq_addr = (uint64_t)((char *)__builtin_thread_pointer() + __rseq_offset);
		/* the kernel takes the original 32-byte layout at least */
		t->rseq_len = __rseq_size < 32 ? 32 : __rseq_size;
		t->rseq_sig = RSEQ_SIG;
	}
}

/* After a restart, in each thread: what the restorer did not set, and
 * its new tid where it has one (cr_restart --no-restore-pid). */
static void park_restore_thread(const struct agent_thread *t)
{
	int tid = (int)sys_gettid();

	if (tid != t->tid)
		agent_callbacks_retid(t->tid, tid);
	sys_prctl(PR_SET_PDEATHSIG, t->pdeathsig, 0, 0, 0);
	if (t->timer_slack > 0)
		sys_prctl(PR_SET_TIMERSLACK, t->timer_slack, 0, 0, 0);
	/* After the credentials, which the blob set: the keep-caps bit is
	 * in the thread's cred, cleared by cr_restart's own execve(), and it
	 * decides what the program's next setuid() keeps (prctl(2)). */
	if (t->keepcaps >= 0)
		sys_prctl(PR_SET_KEEPCAPS, t->keepcaps ? 1 : 0, 0, 0, 0);
	/* Last: with PR_TSC_SIGSEGV, the vDSO's clocks fault in this thread,
	 * as they did in it before the checkpoint. */
	if (t->tsc == PR_TSC_ENABLE || t->tsc == PR_TSC_SIGSEGV)
		sys_prctl(PR_SET_TSC, t->tsc, 0, 0, 0);
}

/* ---- the leader --------------------------------------------------------------- */

static bool park_was_signalled(int tid)
{
	for (int i = 0; i < park_n_signalled; i++)
		if (park_signalled[i] == tid)
			return true;
	return false;
}

/* Signals the threads not signalled yet; the number of new ones, or -errno. */
static int park_signal_new_threads(int self)
{
	static char buf[4096];
	int pid = sys_getpid(), found = 0;
	long fd = sys_openat(AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return fd;
	while ((n = sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (void *)(buf + off);
			int tid = 0;

			off += d->d_reclen;
			for (const char *c = d->d_name; *c >= '0' && *c <= '9'; c++)
				tid = tid * 10 + (*c - '0');
			if (tid <= 0 || tid == self || park_was_signalled(tid))
				continue;
			if (park_n_signalled == UCR_MAX_THREADS) {
				sys_close(fd);
				return -E2BIG;
			}
			siginfo_t si = {
				.si_signo = CR_SIGNUM, .si_code = SI_QUEUE,
			};

			si.si_pid = pid;
			si.si_uid = sys_geteuid();
			si.si_value.sival_int = PARK_TAG | (park_serial & 0xffff);
			if (sys_rt_tgsigqueueinfo(pid, tid, CR_SIGNUM, &si) == 0) {
				park_signalled[park_n_signalled++] = tid;
				found++;
			}
		}
	}
	sys_close(fd);
	return n < 0 ? (int)n : found;
}

/* Signalled threads that still exist (one that exited will never park). */
static int park_live_signalled(void)
{
	int pid = sys_getpid(), live = 0;

	for (int i = 0; i < park_n_signalled; i++)
		if (sys_tgkill(pid, park_signalled[i], 0) == 0)
			live++;
	return live;
}

static int park_others(void)
{
	int64_t deadline = agent_monotonic_ns() + PARK_TIMEOUT_NS;
	int self = sys_gettid(), r;

	do {
		r = park_signal_new_threads(self);
		if (r < 0)
			return r;
		for (;;) {
			int parked = __atomic_load_n(&park_n_parked, __ATOMIC_ACQUIRE);

			if (parked >= park_live_signalled())
				break;
			if (agent_monotonic_ns() > deadline)
				return -ETIMEDOUT;	/* a thread blocks the signal? */
			futex_wait(&park_n_parked, parked, 100000000LL);
		}
	} while (r > 0);	/* until a pass finds no new thread */
	return __atomic_load_n(&park_n_records, __ATOMIC_ACQUIRE) > UCR_MAX_THREADS ? -E2BIG : 0;
}

int park_all(void)
{
	struct agent_thread *t = &agent_state.threads[0];

	park_n_records = 1;
	park_n_parked = park_n_resumed = park_n_signalled = 0;
	park_fail = 0;
	t->leader = 1;
	park_save_thread(t);
	__atomic_add_fetch(&park_serial, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&park_open, 1, __ATOMIC_RELEASE);
	if (park_others() < 0)
		return -CR_ETEMPFAIL;
	if (__atomic_load_n(&park_fail, __ATOMIC_ACQUIRE))
		return -park_fail;	/* a thread's callback refused */
	/* the leader's own and the process's pending signals */
	procstate_save_pending(0, false);
	procstate_save_pending(-1, true);
	agent_state.n_threads = park_n_records;
	return 0;
}

void park_close(void)
{
	__atomic_store_n(&park_open, 0, __ATOMIC_RELEASE);
}

void park_release(void)
{
	/* the leader's own and the process's pending signals, queued again */
	procstate_restore_pending(0, false);
	procstate_restore_pending(-1, true);
	park_close();
	__atomic_add_fetch(&park_gen, 1, __ATOMIC_RELEASE);
	futex_wake(&park_gen);
}

void park_restarted(void)
{
	int want = (int)agent_state.n_threads - 1, now;

	park_restore_thread(&agent_state.threads[0]);
	while ((now = __atomic_load_n(&park_n_resumed, __ATOMIC_ACQUIRE)) < want)
		futex_wait(&park_n_resumed, now, 0);
}

/* ---- the end of the checkpoint, for the threads waiting in their chains -------- */

static int park_over_gen;		/* futex */
static int park_over_result;

void park_checkpoint_over(int result)
{
	__atomic_store_n(&park_over_result, result, __ATOMIC_RELEASE);
	__atomic_add_fetch(&park_over_gen, 1, __ATOMIC_RELEASE);
	futex_wake(&park_over_gen);
}

static int park_wait_checkpoint_over(int gen)
{
	while (__atomic_load_n(&park_over_gen, __ATOMIC_ACQUIRE) == gen)
		futex_wait(&park_over_gen, gen, 0);
	return __atomic_load_n(&park_over_result, __ATOMIC_ACQUIRE);
}

/* ---- the other threads ------------------------------------------------------------ */

struct park {
	struct agent_thread *t;
	int over_gen;
	int serial;		/* the request it parks for */
};

/* Counts the calling thread as parked, if its request still runs. */
static bool park_count_parked(int serial)
{
	if ((__atomic_load_n(&park_serial, __ATOMIC_ACQUIRE) & 0xffff) != serial)
		return false;	/* it timed out on us: the next one is not ours */
	__atomic_add_fetch(&park_n_parked, 1, __ATOMIC_RELEASE);
	futex_wake(&park_n_parked);
	return true;
}

/* The innermost step of a parking thread: parked until the checkpoint is
 * over; 0 continue, 1 restarted, < 0 failed. */
static int park_here(void *arg)
{
	struct park *p = arg;

	if (!p->t || agent_save_context(&p->t->resume) == 0) {
		if (!park_count_parked(p->serial))
			return -CR_ETEMPFAIL;
	} else {
		/* restarted: off the restorer's stack, tell the leader */
		park_restore_thread(p->t);
		__atomic_add_fetch(&park_n_resumed, 1, __ATOMIC_RELEASE);
		futex_wake(&park_n_resumed);
	}
	return park_wait_checkpoint_over(p->over_gen);
}

/*
 * A thread other than the leader, in its handler: runs its signal-context
 * callbacks, parks, and after the checkpoint waits (unless cr_hold_ctrl()
 * says otherwise) until every callback of the process is done.
 */
static void park_thread(int serial)
{
	int idx = __atomic_fetch_add(&park_n_records, 1, __ATOMIC_ACQ_REL);
	int gen = __atomic_load_n(&park_gen, __ATOMIC_ACQUIRE);
	struct park p = {
		.t = idx < UCR_MAX_THREADS ? &agent_state.threads[idx] : NULL,
		.over_gen = __atomic_load_n(&park_over_gen, __ATOMIC_ACQUIRE),
		.serial = serial,
	};
	enum agent_thread_kind kind;
	int fail, r;

	if (p.t) {
		p.t->leader = 0;
		park_save_thread(p.t);
		procstate_save_pending(idx, false);
	}
	r = agent_thread_callbacks(park_here, &p, &fail, &kind);
	if (fail) {
		/* refused before parking: counts as parked, and ends it all */
		int none = 0;

		if ((__atomic_load_n(&park_serial, __ATOMIC_ACQUIRE) & 0xffff) == serial)
			__atomic_compare_exchange_n(&park_fail, &none, fail, false,
						    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		r = park_count_parked(serial) ? park_wait_checkpoint_over(p.over_gen) : -fail;
	}
	agent_run_hook(kind, r);
	if (agent_thread_held(r > 0))
		while (__atomic_load_n(&park_gen, __ATOMIC_ACQUIRE) == gen)
			futex_wait(&park_gen, gen, 0);
	if (p.t)
		procstate_restore_pending(idx, false);
}

bool park_on_signal(const siginfo_t *si)
{
	int serial;

	if (si->si_code != SI_QUEUE || si->si_pid != sys_getpid() ||
	    ((unsigned int)si->si_value.sival_int & PARK_TAG_MASK) != PARK_TAG)
		return false;
	serial = si->si_value.sival_int & 0xffff;
	if (__atomic_load_n(&park_open, __ATOMIC_ACQUIRE) &&
	    serial == (__atomic_load_n(&park_serial, __ATOMIC_ACQUIRE) & 0xffff))
		park_thread(serial);
	return true;
}
