/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one structure cr_restart hands to the restorer blob: everything the
 * blob does, computed in advance.  The plan and its arrays sit in the blob's
 * own mapping; arrays are found by offset from the plan's start.
 */
#ifndef UCR_PLAN_H
#define UCR_PLAN_H

#include <stdint.h>
#include <linux/prctl.h>

#include "common/sys.h"

#define PLAN_MAX_SPECIAL 4
#define PLAN_NRLIMIT 16
#define PLAN_NSIG 64
#define PLAN_NGROUPS 32
#define PLAN_PATH_MAX 4096
#define PLAN_AUXV_WORDS 128	/* 1024 bytes: IMG_AUXV_MAX */
#define BLOB_THREAD_STACK (16u << 10)	/* the blob's stack for each thread it creates */

/*
 * One thread: the payload of an IMG_THREAD record of the context file
 * (docs/FORMAT.md), which the blob takes as it is.  It is defined here,
 * not in image/format.h, because the blob may include nothing else;
 * format.h refers to it.  The thread whose tid is the pid is the main one.
 */
/*
 * The kernel state of a thread that only the thread reads (the agent, as
 * it parks) and the blob gives back: one list of fields, that starts both
 * the agent's record (struct agent_thread) and the file's, so that the
 * dumper moves it with one copy.
 */
#define THREAD_KERNEL_STATE \
	int32_t tid; \
	uint32_t rseq_len; \
	uint64_t fsbase, gsbase; \
	uint64_t tid_address;		/* PR_GET_TID_ADDRESS */ \
	uint64_t robust_head, robust_len; \
	uint64_t rseq_addr; \
	uint32_t rseq_sig; \
	int32_t ss_flags;		/* sigaltstack */ \
	uint64_t ss_sp, ss_size
#define THREAD_KERNEL_STATE_LEN 80

struct img_thread {
	THREAD_KERNEL_STATE;
	uint64_t resume;	/* address of the thread's struct agent_jmpbuf */
	char comm[16];
	uint32_t sched_policy;	/* SCHED_*, with SCHED_RESET_ON_FORK */
	uint32_t sched_priority;
	int32_t nice;
	uint32_t n_cpus;	/* bits of the affinity mask that follow */
	uint64_t affinity[16];	/* CPUs 0..1023 */
};
_Static_assert(sizeof(struct img_thread) == 248, "img_thread");
_Static_assert(offsetof(struct img_thread, resume) == THREAD_KERNEL_STATE_LEN, "thread state");
_Static_assert(offsetof(struct img_thread, ss_sp) == 64 &&
	       offsetof(struct img_thread, resume) == 80 &&
	       offsetof(struct img_thread, comm) == 88 &&
	       offsetof(struct img_thread, n_cpus) == 116 &&
	       offsetof(struct img_thread, affinity) == 120, "img_thread layout");

/*
 * Filled in by the blob, in the restored agent's state block, before it
 * jumps back into the agent (common/agent_abi.h places it there).
 */
struct agent_restart_info {
	int32_t requester;	/* pid of cr_restart (of its socket) */
	uint32_t token;
	int32_t caller;		/* what cr_get_restart_info() says, if not that:
				 * the program whose cr_request_restart() ran it */
	int32_t post_signal;	/* raised once the restart callbacks ended:
				 * cr_restart's --stop, -S..., or SIGSTOP for
				 * a process stopped at the checkpoint; or 0 */
	uint64_t blob_start, blob_len;	/* the restorer, for the agent to unmap */
	/* restarted with --lazy: the context file whose pages are mapped
	 * (st_dev, st_ino), which a later checkpoint saves as the process's
	 * own memory; 0, 0 otherwise */
	uint64_t lazy_dev, lazy_ino;
	char src[PLAN_PATH_MAX];	/* the context file restarted from */
};

/* madvise() advice the blob gives an area before its pages come in */
#define PLAN_ADV_HUGEPAGE 0x1
#define PLAN_ADV_NOHUGEPAGE 0x2
#define PLAN_ADV_DONTDUMP 0x4
#define PLAN_ADV_DONTFORK 0x8
#define PLAN_ADV_WIPEONFORK 0x10
#define PLAN_ADV_ALL 0x1f

struct plan_area {
	uint64_t start, end;
	uint32_t prot;		/* final PROT_* */
	uint32_t map_flags;	/* MAP_* for mmap, MAP_FIXED added by the blob */
	int32_t fd;		/* for file mappings, else -1 */
	uint32_t n_runs;
	uint64_t pgoff;
	uint64_t first_run;	/* index into the runs */
	uint32_t advice;	/* PLAN_ADV_* */
	/* SysV shared memory: the segment attached (shmat) instead of
	 * mmap, its pgoff bytes on at start; else -1 */
	int32_t shmid;
	uint64_t shm_size;	/* the segment's, rounded up to pages */
};

/* Saved pages: len bytes at addr come from file_off in the file fd (the
 * context file, or a base of it). */
struct plan_run {
	uint64_t addr, len, file_off;
	int32_t fd;
	uint32_t flags;		/* PLAN_RUN_* */
};

/* fd is cr_restart's copy of the file in memory (decompressed, or read
 * from a stream), which nothing reads again: the blob frees each piece
 * of it once read, and the process's pages take the memory it held. */
#define PLAN_RUN_RELEASE 0x1

/* [vdso], [vvar], [vvar_vclock]: moved from where the kernel put them. */
struct plan_special {
	uint64_t cur, saved, len;
};

struct plan_thread {
	struct img_thread rec;		/* as saved */
	uint64_t stack_top;		/* in the blob, for threads it creates */
};

/* A resource limit, as the agent reads it, the file keeps it and the blob
 * sets it (struct rlimit's layout). */
struct plan_rlimit {
	uint64_t cur, max;
};

/* The kernel's struct flock, as fcntl(2) takes it on x86_64. */
struct plan_flock {
	int16_t type, whence;
	uint32_t pad;
	int64_t start, len;
	int32_t pid;
	uint32_t pad2;
};

/* A lock the process takes again, last: fcntl(fd, cmd, &fl), or with cmd
 * 0 flock(fd, op).  On failure the blob reports id (STEP_LOCK). */
struct plan_lock {
	int32_t fd;
	uint32_t cmd;
	uint32_t op;
	uint32_t pad;
	uint64_t id;
	struct plan_flock fl;
};

/* Written by the blob to status_fd when a step fails (then it exits),
 * when it is done, and with report_reads each time it read a chunk of
 * pages (STEP_READ_PROGRESS, addr: how many bytes). */
struct plan_error {
	uint32_t step;
	int32_t err;		/* -errno */
	uint64_t addr;
	int32_t pid;		/* of the process reporting */
	int32_t saved_pid;	/* its pid in the file (another under new pids) */
};

enum plan_step {
	STEP_DONE = 0, STEP_UNMAP, STEP_SPECIAL, STEP_MAP, STEP_READ, STEP_PROTECT, STEP_MM,
	STEP_SIGACTION, STEP_THREAD, STEP_RSEQ, STEP_RLIMIT, STEP_CREDS, STEP_CLONE,
	STEP_CHILD,		/* before the blob, in cr_restart's code */
	STEP_READ_PROGRESS,	/* not a verdict: bytes read, for progress */
	STEP_LOCK,		/* taking a lock again; addr: the plan_lock's id */
};

struct plan {
	uint64_t blob_start, blob_len;	/* the whole blob mapping */
	uint64_t scratch;		/* room inside it to move special maps through */
	int32_t status_fd;		/* pipe to cr_restart, closed on success */
	uint32_t helper_fd_base;	/* every fd >= this is the builder's */
	uint32_t n_areas, n_runs, n_special, n_rlimits;
	uint32_t report_reads;		/* STEP_READ_PROGRESS reports for cr_restart's line */
	uint32_t lazy;			/* map saved private pages from their file (--lazy) */
	uint64_t areas_off, runs_off;	/* from the start of the plan */
	uint64_t threads_off;
	uint64_t locks_off;		/* n_locks struct plan_lock */
	uint32_t n_locks, pad_locks;
	uint32_t n_threads, main_thread;
	int32_t threads_ready;		/* futex: created threads set up */
	/* a test build's fault (restart/faults.h): step fault_step fails at
	 * area or thread fault_index; STEP_DONE (0) for none */
	uint32_t fault_step, fault_index;
	int32_t saved_pid;		/* the process's pid in the file */
	struct plan_special special[PLAN_MAX_SPECIAL];
	struct prctl_mm_map mm;		/* mm.auxv is set by the blob */
	uint64_t auxv[PLAN_AUXV_WORDS];
	char comm[16];
	struct sys_sigaction sigactions[PLAN_NSIG];	/* IMG_SIGACTS */
	struct plan_rlimit rlimits[PLAN_NRLIMIT];
	/* credentials, set last (root restarting someone's process) */
	uint32_t set_creds;
	uint32_t uid[3], gid[3];	/* real, effective, saved */
	uint32_t n_groups;
	uint32_t groups[PLAN_NGROUPS];
	uint32_t patch_tid;		/* new pid: write it at tid_address */
	uint32_t drop_caps;		/* in the restart's own user namespace */
	uint64_t trampoline;		/* agent_resume_thread(jmpbuf) */
	/* copied into the agent's struct agent_state.restart */
	uint64_t restart_info_addr;
	struct agent_restart_info restart;
};

#endif
