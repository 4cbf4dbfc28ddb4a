/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Callbacks and their chain.  A request runs the thread-context
 * registrations, last registered first, then the signal-context ones of
 * the thread serving the request, last registered first.  A callback's
 * cr_checkpoint() runs the rest of the chain, and the last one's takes the
 * checkpoint itself; a callback that returns without calling it is treated
 * as if it called it just before returning.
 *
 * The walking skeleton runs thread-context callbacks in the signal handler
 * too (a dedicated libcr thread comes with multithreading support).
 */
#include <errno.h>
#include <signal.h>

#include "agent.h"
#include "../common/sys.h"

#define AGENT_MAX_CALLBACKS 256

struct agent_callback {
	cr_callback_t func;
	void *arg;
	int flags;		/* CR_THREAD_CONTEXT or CR_SIGNAL_CONTEXT */
	int tid;		/* registering thread, for signal context */
};

static struct agent_callback agent_cbs[AGENT_MAX_CALLBACKS];
static int agent_n_cbs;

/* The chain of the request being served. */
static int chain[AGENT_MAX_CALLBACKS];
static int chain_len;
static int chain_pos;
static int chain_level = -1;			/* running callback, -1 none */
static char chain_called[AGENT_MAX_CALLBACKS];	/* its cr_checkpoint() ran */
static int chain_result;
static int chain_fail_code;

static __thread int agent_thread_ready;
static int agent_next_client;

cr_client_id_t cr_init(void)
{
	if (!agent_thread_ready)
		agent_thread_ready = __atomic_add_fetch(&agent_next_client, 1, __ATOMIC_RELAXED);
	return agent_thread_ready - 1;
}

int agent_in_callback(void)
{
	return chain_level >= 0;
}

int agent_checkpoint_called(void)
{
	return chain_level >= 0 && chain_called[chain_level];
}

cr_callback_id_t cr_register_callback(cr_callback_t func, void *arg, int flags)
{
	int ctx = flags & (CR_THREAD_CONTEXT | CR_SIGNAL_CONTEXT);
	int id;

	if (!agent_thread_ready) {
		errno = CR_ENOINIT;
		return -1;
	}
	if (agent_in_callback()) {
		errno = EBUSY;
		return -1;
	}
	if (!func || (flags & ~ctx) || (ctx != CR_THREAD_CONTEXT && ctx != CR_SIGNAL_CONTEXT)) {
		errno = EINVAL;
		return -1;
	}
	/* Block the checkpoint signal while the table grows, so that the
	 * handler never sees a half-written entry. */
	uint64_t all = ~0ULL, old;

	/* raw: the program's sigprocmask (interpose.c) never blocks it */
	sys_rt_sigprocmask(SIG_BLOCK, &all, &old);
	if (agent_n_cbs == AGENT_MAX_CALLBACKS) {
		sys_rt_sigprocmask(SIG_SETMASK, &old, NULL);
		errno = ENOSPC;
		return -1;
	}
	id = agent_n_cbs;
	agent_cbs[id] = (struct agent_callback){
		.func = func, .arg = arg, .flags = ctx, .tid = (int)sys_gettid(),
	};
	agent_n_cbs++;
	sys_rt_sigprocmask(SIG_SETMASK, &old, NULL);
	return id | ctx;
}

static int chain_next(void);

/* The rest of the chain after the callback at `level' (async-signal-safe). */
static int chain_continue(int level)
{
	chain_called[level] = 1;
	return chain_next();
}

static int chain_next(void)
{
	int level, saved_level = chain_level, ret;
	struct agent_callback *cb;

	if (chain_pos == chain_len) {
		chain_result = agent_take_checkpoint();
		return chain_result;
	}
	level = chain_pos++;
	cb = &agent_cbs[chain[level]];
	chain_called[level] = 0;
	chain_level = level;
	ret = cb->func(cb->arg);
	chain_level = saved_level;
	if (!chain_called[level]) {
		if (ret) {
			/* a callback returning non-zero before the checkpoint */
			chain_called[level] = 1;
			chain_fail_code = CR_EPERMFAIL;
			chain_result = -CR_EPERMFAIL;
		} else {
			chain_continue(level);
		}
	}
	return chain_result;
}

int cr_checkpoint(int flags)
{
	int level = chain_level, code;

	if (level < 0 || chain_called[level])
		return -CR_ENOTCB;
	if (flags & CR_CHECKPOINT_ABORT_MASK) {
		chain_called[level] = 1;
		code = (unsigned int)flags >> 16;
		if (!code)
			code = flags & CR_CHECKPOINT_OMIT ? CR_EOMITTED :
			       flags & CR_CHECKPOINT_PERM_FAILURE ? CR_EPERMFAIL : CR_ETEMPFAIL;
		chain_fail_code = code;
		chain_result = -code;
		return chain_result;
	}
	return chain_continue(level);
}

int agent_run_callbacks(int *ret_fail_code)
{
	int tid = (int)sys_gettid();

	chain_len = 0;
	for (int ctx = 0; ctx < 2; ctx++) {
		int want = ctx == 0 ? CR_THREAD_CONTEXT : CR_SIGNAL_CONTEXT;

		for (int i = agent_n_cbs - 1; i >= 0; i--)
			if (agent_cbs[i].flags == want && (want == CR_THREAD_CONTEXT ||
							   agent_cbs[i].tid == tid))
				chain[chain_len++] = i;
	}
	chain_pos = 0;
	chain_fail_code = 0;
	chain_result = 0;
	chain_next();
	*ret_fail_code = chain_fail_code;
	return chain_result;
}
