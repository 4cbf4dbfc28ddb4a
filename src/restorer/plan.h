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

#include "common/agent_abi.h"
#include "common/sys.h"
#include "image/format.h"

#define PLAN_MAX_SPECIAL 4
#define PLAN_NRLIMIT 16
#define PLAN_AUXV_WORDS (IMG_AUXV_MAX / 8)
#define BLOB_THREAD_STACK (16u << 10)	/* the blob's stack for each thread it creates */

struct plan_area {
	uint64_t start, end;
	uint32_t prot;		/* final PROT_* */
	uint32_t map_flags;	/* MAP_* for mmap, MAP_FIXED added by the blob */
	int32_t fd;		/* for file mappings, else -1 */
	uint32_t n_runs;
	uint64_t pgoff;
	uint64_t first_run;	/* index into the runs */
};

/* Saved pages: len bytes at addr come from file_off in the context file. */
struct plan_run {
	uint64_t addr, len, file_off;
};

/* [vdso], [vvar], [vvar_vclock]: moved from where the kernel put them. */
struct plan_special {
	uint64_t cur, saved, len;
};

struct plan_thread {
	int32_t tid;
	uint32_t rseq_len;
	uint64_t fsbase, gsbase, tid_address, robust_head, robust_len, rseq_addr;
	uint32_t rseq_sig;
	int32_t ss_flags;
	uint64_t ss_sp, ss_size;
	uint64_t resume;		/* its struct agent_jmpbuf */
	char comm[16];
	uint32_t sched_policy, sched_priority;
	int32_t nice;
	uint32_t affinity_len;		/* bytes */
	uint64_t affinity[16];
	uint64_t stack_top;		/* in the blob, for threads it creates */
};

struct plan_rlimit {
	uint64_t cur, max;
};

/* Written by the blob to status_fd when a step fails; then it exits. */
struct plan_error {
	uint32_t step;
	int32_t err;		/* -errno */
	uint64_t addr;
	int32_t pid;		/* of the process reporting */
	uint32_t pad;
};

enum plan_step {
	STEP_DONE = 0, STEP_UNMAP, STEP_SPECIAL, STEP_MAP, STEP_READ, STEP_PROTECT, STEP_MM,
	STEP_SIGACTION, STEP_THREAD, STEP_RSEQ, STEP_RLIMIT, STEP_CREDS, STEP_CLONE,
	STEP_CHILD,		/* before the blob, in cr_restart's code */
};

struct plan {
	uint64_t blob_start, blob_len;	/* the whole blob mapping */
	uint64_t scratch;		/* room inside it to move special maps through */
	int32_t ctx_fd;			/* the context file */
	int32_t status_fd;		/* pipe to cr_restart, closed on success */
	uint32_t helper_fd_base;	/* every fd >= this is the builder's */
	uint32_t n_areas, n_runs, n_special, n_rlimits;
	uint32_t pad;
	uint64_t areas_off, runs_off;	/* from the start of the plan */
	uint64_t threads_off;
	uint32_t n_threads, main_thread;
	int32_t threads_ready;		/* futex: created threads set up */
	uint32_t pad3;
	struct plan_special special[PLAN_MAX_SPECIAL];
	struct prctl_mm_map mm;		/* mm.auxv is set by the blob */
	uint64_t auxv[PLAN_AUXV_WORDS];
	char comm[16];
	struct sys_sigaction sigactions[UCR_NSIG];
	struct plan_rlimit rlimits[PLAN_NRLIMIT];
	/* credentials, set last (root restarting someone's process) */
	uint32_t set_creds;
	uint32_t uid[3], gid[3];	/* real, effective, saved */
	uint32_t n_groups;
	uint32_t groups[IMG_NGROUPS];
	uint32_t patch_tid;		/* new pid: write it at tid_address */
	uint32_t pad2;
	uint64_t trampoline;		/* agent_resume_thread(jmpbuf) */
	/* copied into the agent's struct agent_state.restart */
	uint64_t restart_info_addr;
	struct agent_restart_info restart;
};

#endif
