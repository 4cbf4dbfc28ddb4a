/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the agent (libcr, inside the target) shares with the dumper and the
 * restorer: the messages on the request socket and the state block that the
 * agent fills in target memory for the dumper to read with
 * process_vm_readv, and that the restorer patches after a restart.
 *
 * Both sides come from the same ucr install; the version fields still
 * make a mismatch a clear error rather than garbage.
 */
#ifndef UCR_AGENT_ABI_H
#define UCR_AGENT_ABI_H

#include <stdint.h>

#include "common/sys.h"		/* struct sys_sigaction */
#include "restorer/plan.h"	/* struct agent_restart_info */

#define UCR_PROTO_VERSION 2
#define UCR_STATE_MAGIC 0x75637241u /* "Arcu" */
#define UCR_STATE_VERSION 2
#define UCR_PATH_MAX PLAN_PATH_MAX
#define UCR_NSIG PLAN_NSIG
#define UCR_NRLIMIT PLAN_NRLIMIT
#define UCR_MAX_THREADS 1024	/* per process; the agent's records are static */
#define UCR_MAX_PRIVATE_FDS 64	/* the agent's own descriptors, never saved */

/* Abstract socket names: "\0ucr.ckpt.<requester pid>.<token>" for a
 * checkpoint request, "\0ucr.rstrt.<cr_restart pid>.<token>" for the
 * restored agent to report back to its cr_restart. */
#define UCR_SOCK_CKPT "ucr.ckpt."
#define UCR_SOCK_RSTRT "ucr.rstrt."

/* CR_SIGNUM in a raw signal mask, as /proc/PID/status shows it too */
#define CR_SIGNUM_BIT (1ULL << (CR_SIGNUM - 1))

/*
 * A checkpoint request is sigqueue(CR_SIGNUM) with this value: the token
 * in the low half (sival_int), the requester's pid in the high half.  The
 * kernel's si_pid says 0 for a requester outside the target's pid
 * namespace (a process restarted without privilege, checkpointed again by
 * its user from outside); the value still names the socket.
 */
static inline void *ucr_request_value(uint32_t pid, uint32_t token)
{
	return (void *)(((uint64_t)pid << 32) | token);
}

static inline uint32_t ucr_request_pid(uint32_t sender, const void *value)
{
	return sender ? sender : (uint32_t)((uint64_t)value >> 32);
}

/*
 * Writes the abstract name of prefix's socket of pid for token into path
 * (a sockaddr_un's sun_path, which has room for it: 32 bytes at most) and
 * returns its length, the leading NUL included; the address length is
 * offsetof(struct sockaddr_un, sun_path) plus that.  Without libc: the
 * agent builds it in its signal handler (async-signal-safe).
 */
static inline unsigned int ucr_sock_name(char *path, const char *prefix, uint32_t pid,
					 uint32_t token)
{
	uint32_t parts[2] = { pid, token };
	char *p = path;

	*p++ = 0;
	while (*prefix)
		*p++ = *prefix++;
	for (int i = 0; i < 2; i++) {
		char digits[10];
		int n = 0;
		uint32_t v = parts[i];

		do
			digits[n++] = '0' + v % 10;
		while (v /= 10);
		while (n)
			*p++ = digits[--n];
		if (i == 0)
			*p++ = '.';
	}
	return p - path;
}

/*
 * While its agent serves a request (from the signal until the callbacks
 * are over, after a restart too), a process holds a memfd named
 * UCR_BUSY_MEMFD "0." and the request's token (ucr_sock_name() without
 * its leading NUL): a dumper reads it in /proc/PID/fd, and answers EBUSY
 * at once when no thread of the process can take its signal.
 */
#define UCR_BUSY_MEMFD "ucr-busy."

/*
 * cr_restart, while it waits for the processes it restored, holds a memfd
 * named UCR_RESTARTER_MEMFD and its --omit-* choice, "maybe", "always" or
 * "never" (enum ucr_omit): it has no agent, and a dumper whose scope
 * reaches it reads the choice in /proc/PID/fd, as BLCR's cr_restart took
 * part in a checkpoint through its callback.
 */
#define UCR_RESTARTER_MEMFD "ucr-restarter."
enum ucr_omit { UCR_OMIT_MAYBE, UCR_OMIT_ALWAYS, UCR_OMIT_NEVER, UCR_N_OMIT };

static inline const char *ucr_omit_name(enum ucr_omit omit)
{
	return omit == UCR_OMIT_ALWAYS ? "always" : omit == UCR_OMIT_NEVER ? "never" : "maybe";
}

enum ucr_msg_type {
	UCR_MSG_HELLO = 1,	/* agent -> dumper: pid, state block address */
	UCR_MSG_REQUEST,	/* dumper -> agent: destination, scope, signal;
				 * addr 1: stopped, to stop again when served */
	UCR_MSG_READY,		/* agent -> dumper: parked, state block is valid */
	UCR_MSG_FAIL,		/* agent -> dumper: a callback refused (code) */
	UCR_MSG_CONTINUE,	/* dumper -> agent: checkpoint written, resume;
				 * code: a signal to raise once served, or 0 */
	UCR_MSG_ABORT,		/* dumper -> agent: checkpoint failed, resume */
	UCR_MSG_RESTORED,	/* agent -> cr_restart: image back, before the callbacks */
	UCR_MSG_FORWARD,	/* agent -> dumper: add scope (code) of pid to the request */
	UCR_MSG_FORWARDED,	/* dumper -> agent: 0 or the -errno of a FORWARD */
	UCR_MSG_BUSY,		/* agent -> dumper: in another checkpoint, not served */
	/* cr_checkpoint --cow (agent/hold.c) */
	UCR_MSG_HOLD,		/* dumper -> parked agent: make a holder of the memory */
	UCR_MSG_HELD,		/* agent -> dumper: 0, the holder connects; or -errno */
	UCR_MSG_HOLDER,		/* holder -> dumper, on a connection of its own */
};

struct ucr_msg {
	uint32_t type;
	uint32_t version;
	int32_t pid;		/* sender; REQUEST, FORWARD: the target */
	int32_t code;		/* FAIL: the CR_E* error; REQUEST, FORWARD: scope;
				 * FORWARDED: 0 or -errno */
	uint64_t addr;		/* HELLO/READY: address of struct agent_state;
				 * FAIL: the CR_CHECKPOINT_* kind of a callback's
				 * refusal, 0 when the agent itself failed */
	int32_t signal;		/* REQUEST: signal sent after the checkpoint */
	int32_t requester;	/* REQUEST: who asked (the program, through libcr) */
	uint32_t path_len;
	char path[UCR_PATH_MAX];	/* REQUEST: context file path */
};

/*
 * A thread's resume point: what a setjmp keeps, and the thread's whole
 * FPU state where it parked.  The interrupted state of the thread (every
 * register, the FPU area, the signal mask) is in the kernel's signal
 * frame on its stack and comes back with rt_sigreturn; but a callback
 * parks inside its cr_checkpoint() call, and what it holds across that
 * call (BLCR's math test keeps a value on the x87 stack) is only in the
 * registers.
 */
struct agent_jmpbuf {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
	uint64_t fpu;		/* address of the XSAVE area, 64-byte aligned */
	uint64_t fpu_mask;	/* XSAVE components saved there; 0: FXSAVE */
};

/* Per-thread state only the thread itself can read. */
struct agent_thread {
	THREAD_KERNEL_STATE;	/* as the file keeps it (restorer/plan.h) */
	uint32_t leader;	/* the thread that served the request */
	int32_t pdeathsig;	/* prctl settings that are per thread */
	int64_t timer_slack;
	int32_t keepcaps;	/* PR_GET_KEEPCAPS */
	int32_t tsc;		/* PR_GET_TSC: PR_TSC_ENABLE or PR_TSC_SIGSEGV */
	struct agent_jmpbuf resume;
};
_Static_assert(offsetof(struct agent_thread, leader) == THREAD_KERNEL_STATE_LEN,
	       "agent_thread starts with the thread's kernel state");

struct agent_state {
	uint32_t magic;
	uint32_t version;
	uint64_t trampoline;	/* agent_resume_thread() in this process */
	uint64_t brk;		/* current program break (not in /proc) */
	int64_t parked_at_ns;	/* CLOCK_MONOTONIC when the process parked */
	uint32_t n_threads;
	/* the request socket and the handles of libcr's own requests: not
	 * part of the image */
	uint32_t n_private_fds;
	int32_t private_fds[UCR_MAX_PRIVATE_FDS];
	struct sys_sigaction sigactions[UCR_NSIG];	/* index sig - 1 */
	/* read by the process itself: prlimit() on another user's process
	 * needs CAP_SYS_RESOURCE, which root may lack */
	struct plan_rlimit rlimits[UCR_NRLIMIT];
	struct agent_restart_info restart;
	struct agent_thread threads[UCR_MAX_THREADS];
};

#endif
