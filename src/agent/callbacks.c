/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Callbacks, their chains, and the threads that run them.
 *
 * A request is served by libcr's callback thread when there is one (a
 * thread-context callback was registered), else by the thread that took
 * the request, in its handler.  It runs, in this order:
 *  - the thread-context registrations, last registered first, while the
 *    program's threads run on, up to the last one's cr_checkpoint();
 *  - then the signal-context registrations of the serving thread (none
 *    for the callback thread), last registered first; the last one's
 *    cr_checkpoint() parks the other threads, and each of those runs its
 *    own signal-context registrations in its handler before it parks;
 *  - the checkpoint, once every thread is parked;
 *  - then every chain returns up from its cr_checkpoint() at once, and by
 *    default (cr_hold_ctrl) no thread goes back to the program before all
 *    callbacks of the process are done.
 *
 * A callback's cr_checkpoint() runs the rest of its chain, and the last
 * one's the step after (the checkpoint itself, or waiting for it); a
 * callback that returns without calling it is treated as if it called it
 * just before returning.  A chain's state lives on the stack of the thread
 * running it; a thread-local pointer finds it.  Everything reached from
 * the handler is async-signal-safe.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "agent.h"
#include "../common/sys.h"

#define AGENT_MAX_CALLBACKS 256
#define AGENT_TLS __thread __attribute__((tls_model("initial-exec")))

struct agent_callback {
	cr_callback_t func;	/* NULL: disabled by cr_replace_callback() */
	void *arg;
	int flags;		/* CR_THREAD_CONTEXT or CR_SIGNAL_CONTEXT */
	int tid;		/* registering thread, for signal context */
};

static struct agent_callback agent_cbs[AGENT_MAX_CALLBACKS];
static int agent_n_cbs;

/* One run of a chain, on the stack of the thread running it. */
struct chain {
	uint8_t idx[AGENT_MAX_CALLBACKS];	/* into agent_cbs */
	uint8_t called[AGENT_MAX_CALLBACKS];	/* its cr_checkpoint() ran */
	int len, pos;
	int level;			/* running callback, -1 none */
	int result;			/* what cr_checkpoint() returns */
	int fail_code;			/* a callback's refusal, CR_E* or its own */
	bool reached;			/* the innermost step ran */
	int (*innermost)(void *);
	void *innermost_arg;
};

static AGENT_TLS struct chain *cur_chain;
static AGENT_TLS int agent_thread_ready;	/* cr_init() ran: client id + 1 */
static AGENT_TLS int hold_thread = CR_HOLD_DFLT;
static AGENT_TLS int persist_count;
static int agent_next_client;
static int hold_init = CR_HOLD_BOTH, hold_uninit = CR_HOLD_BOTH;
static cr_hook_fn_t hooks[CR_NUM_HOOKS];

/* Threads whose chains have not finished since the checkpoint (futex). */
static int cb_running;

/* ---- registration ------------------------------------------------------------ */

static void block_all(uint64_t *old)
{
	uint64_t all = ~0ULL;

	/* raw: the program's sigprocmask (sigwrap.c) never blocks CR_SIGNUM */
	sys_rt_sigprocmask(SIG_BLOCK, &all, old);
}

static void unblock(const uint64_t *old)
{
	sys_rt_sigprocmask(SIG_SETMASK, old, NULL);
}

cr_client_id_t cr_init(void)
{
	if (!agent_thread_ready)
		agent_thread_ready = __atomic_add_fetch(&agent_next_client, 1, __ATOMIC_RELAXED);
	return agent_thread_ready - 1;
}

bool agent_thread_initialised(void)
{
	return agent_thread_ready != 0;
}

int agent_in_callback(void)
{
	return cur_chain && cur_chain->level >= 0;
}

int agent_checkpoint_called(void)
{
	return agent_in_callback() && cur_chain->called[cur_chain->level];
}

static int callback_thread_start(void);

/* Registrations change only in a thread that called cr_init(), outside
 * callbacks; false with errno set otherwise. */
static bool may_register(void)
{
	if (!agent_thread_ready) {
		errno = CR_ENOINIT;
		return false;
	}
	if (agent_in_callback()) {
		errno = EBUSY;
		return false;
	}
	return true;
}

cr_callback_id_t cr_register_callback(cr_callback_t func, void *arg, int flags)
{
	int ctx = flags & (CR_THREAD_CONTEXT | CR_SIGNAL_CONTEXT);
	uint64_t old;
	int id;

	if (!may_register())
		return -1;
	if (!func || (flags & ~ctx) || (ctx != CR_THREAD_CONTEXT && ctx != CR_SIGNAL_CONTEXT)) {
		errno = EINVAL;
		return -1;
	}
	if (ctx == CR_THREAD_CONTEXT && callback_thread_start() < 0)
		return -1;
	/* the handler never sees a half-written entry */
	block_all(&old);
	if (agent_n_cbs == AGENT_MAX_CALLBACKS) {
		unblock(&old);
		errno = ENOSPC;
		return -1;
	}
	id = agent_n_cbs;
	agent_cbs[id] = (struct agent_callback){
		.func = func, .arg = arg, .flags = ctx, .tid = (int)sys_gettid(),
	};
	agent_n_cbs++;
	unblock(&old);
	return id | ctx;
}

static int replace(struct agent_callback *cb, cr_callback_t func, void *arg)
{
	uint64_t old;

	block_all(&old);
	cb->func = func;
	cb->arg = arg;
	unblock(&old);
	return 0;
}

int cr_replace_callback(cr_callback_id_t id, cr_callback_t func, void *arg, int flags)
{
	int ctx = id & (CR_THREAD_CONTEXT | CR_SIGNAL_CONTEXT), i = id & ~ctx;

	if (!may_register())
		return -1;
	if (id < 0 || i >= agent_n_cbs || agent_cbs[i].flags != ctx || flags != ctx) {
		errno = EINVAL;
		return -1;
	}
	return replace(&agent_cbs[i], func, arg);
}

int cr_replace_self(cr_callback_t func, void *arg, int flags)
{
	struct agent_callback *cb;

	if (!agent_in_callback()) {
		errno = CR_ENOTCB;
		return -1;
	}
	cb = &agent_cbs[cur_chain->idx[cur_chain->level]];
	if (flags != cb->flags) {
		errno = EINVAL;
		return -1;
	}
	return replace(cb, func, arg);
}

/* ---- hooks, hold, persistence ------------------------------------------------ */

cr_hook_fn_t cr_register_hook(cr_hook_event_t event, cr_hook_fn_t hook)
{
	if (!agent_thread_ready) {
		errno = CR_ENOINIT;
		return CR_HOOK_FN_ERROR;
	}
	/* CR_HOOK_FN_ERROR is the error value, never a hook to call */
	if ((unsigned int)event >= CR_NUM_HOOKS || hook == CR_HOOK_FN_ERROR) {
		errno = EINVAL;
		return CR_HOOK_FN_ERROR;
	}
	return __atomic_exchange_n(&hooks[event], hook, __ATOMIC_ACQ_REL);
}

void agent_run_hook(enum agent_thread_kind kind, int result)
{
	cr_hook_event_t event;
	cr_hook_fn_t hook;

	if (result < 0)
		return;	/* no checkpoint was taken: nothing to continue from */
	event = (result > 0 ? CR_HOOK_RSTRT_SIGNAL_CONTEXT : CR_HOOK_CONT_SIGNAL_CONTEXT) +
		(kind == AGENT_THREAD_CALLBACKS ? CR_HOOK_CONT_THREAD_CONTEXT :
		 kind == AGENT_THREAD_SIGNAL ? CR_HOOK_CONT_SIGNAL_CONTEXT :
		 CR_HOOK_CONT_NO_CALLBACKS);
	hook = __atomic_load_n(&hooks[event], __ATOMIC_ACQUIRE);
	if (hook)
		hook(event);
}

int cr_hold_ctrl(int scope, int flags)
{
	int *var = scope == CR_HOLD_SCOPE_THREAD ? &hold_thread :
		   scope == CR_HOLD_SCOPE_INIT ? &hold_init :
		   scope == CR_HOLD_SCOPE_UNINIT ? &hold_uninit : NULL;
	int max = scope == CR_HOLD_SCOPE_THREAD ? CR_HOLD_DFLT : CR_HOLD_BOTH;

	if (!agent_thread_ready) {
		errno = CR_ENOINIT;
		return -1;
	}
	if (!var || flags < CR_HOLD_READ || flags > max) {
		errno = EINVAL;
		return -1;
	}
	if (flags == CR_HOLD_READ)
		return __atomic_load_n(var, __ATOMIC_ACQUIRE);
	return __atomic_exchange_n(var, flags, __ATOMIC_ACQ_REL);
}

bool agent_thread_held(bool restarted)
{
	int flags = !agent_thread_ready ? hold_uninit :
		    hold_thread != CR_HOLD_DFLT ? hold_thread : hold_init;

	return flags & (restarted ? CR_HOLD_RSTRT : CR_HOLD_CONT);
}

/* libcr's per-thread state is static and outlives every thread; the count
 * is kept for the caller's bookkeeping, as BLCR's was.  Both return the
 * count before the call, and ERANGE where it would overflow. */
int cr_inc_persist(void)
{
	if (!agent_thread_ready) {
		errno = CR_ENOINIT;
		return -1;
	}
	if (persist_count == INT_MAX) {
		errno = ERANGE;
		return -1;
	}
	return persist_count++;
}

int cr_dec_persist(void)
{
	if (!agent_thread_ready) {
		errno = CR_ENOINIT;
		return -1;
	}
	if (!persist_count) {
		errno = ERANGE;
		return -1;
	}
	return persist_count--;
}

/* ---- chains --------------------------------------------------------------------- */

static int chain_next(struct chain *c);

/* The first refusal of a request says how it ends (a permanent failure
 * kills, an omission leaves the process out, ...); one flag of the mask. */
static void note_refusal(int kind)
{
	int none = 0;

	kind = kind & CR_CHECKPOINT_PERM_FAILURE ? CR_CHECKPOINT_PERM_FAILURE :
	       kind & CR_CHECKPOINT_TEMP_FAILURE ? CR_CHECKPOINT_TEMP_FAILURE : CR_CHECKPOINT_OMIT;
	__atomic_compare_exchange_n(&agent_req.fail_kind, &none, kind, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
}

/* The rest of the chain after the callback at `level'. */
static int chain_continue(struct chain *c, int level)
{
	c->called[level] = 1;
	return chain_next(c);
}

static int chain_next(struct chain *c)
{
	int level, saved_level = c->level, ret;
	struct agent_callback *cb;

	while (c->pos < c->len && !agent_cbs[c->idx[c->pos]].func)
		c->pos++;	/* disabled meanwhile */
	if (c->pos == c->len) {
		c->reached = true;
		c->result = c->innermost(c->innermost_arg);
		return c->result;
	}
	level = c->pos++;
	cb = &agent_cbs[c->idx[level]];
	c->called[level] = 0;
	c->level = level;
	ret = cb->func(cb->arg);
	c->level = saved_level;
	if (!c->called[level]) {
		if (ret) {
			/* a callback returning non-zero before the checkpoint */
			c->called[level] = 1;
			c->fail_code = CR_EPERMFAIL;
			c->result = -CR_EPERMFAIL;
			note_refusal(CR_CHECKPOINT_PERM_FAILURE);
		} else {
			chain_continue(c, level);
		}
	}
	return c->result;
}

int cr_checkpoint(int flags)
{
	struct chain *c = cur_chain;
	int level, code;

	if (!c || (level = c->level) < 0 || c->called[level])
		return -CR_ENOTCB;
	if (flags & CR_CHECKPOINT_ABORT_MASK) {
		c->called[level] = 1;
		code = (unsigned int)flags >> 16;
		if (!code)
			code = flags & CR_CHECKPOINT_OMIT ? CR_EOMITTED :
			       flags & CR_CHECKPOINT_PERM_FAILURE ? CR_EPERMFAIL : CR_ETEMPFAIL;
		c->fail_code = code;
		c->result = -code;
		note_refusal(flags & CR_CHECKPOINT_ABORT_MASK);
		if (flags & CR_CHECKPOINT_PERM_FAILURE)
			agent_fail_permanently(code);	/* as BLCR: killed, no return */
		return c->result;
	}
	return chain_continue(c, level);
}

/*
 * Runs the registrations of context ctx (of thread tid for signal context)
 * with innermost as the step after the last one.  Returns the chain's
 * result; *fail_code is a callback's refusal, or 0.
 */
static int chain_run(int ctx, int tid, int (*innermost)(void *), void *arg, int *fail_code)
{
	struct chain c = { .level = -1, .innermost = innermost, .innermost_arg = arg };
	struct chain *outer = cur_chain;

	for (int i = agent_n_cbs - 1; i >= 0; i--)
		if (agent_cbs[i].flags == ctx && agent_cbs[i].func &&
		    (ctx == CR_THREAD_CONTEXT || agent_cbs[i].tid == tid))
			c.idx[c.len++] = (uint8_t)i;
	cur_chain = &c;
	chain_next(&c);
	cur_chain = outer;
	*fail_code = c.fail_code;
	if (!c.reached && !c.fail_code)
		*fail_code = CR_EPERMFAIL;
	return c.result;
}

static bool has_callbacks(int ctx, int tid)
{
	for (int i = 0; i < agent_n_cbs; i++)
		if (agent_cbs[i].flags == ctx && agent_cbs[i].func &&
		    (ctx == CR_THREAD_CONTEXT || agent_cbs[i].tid == tid))
			return true;
	return false;
}

/* ---- the callback thread ---------------------------------------------------------
 *
 * Once a thread-context callback is registered, libcr's callback thread
 * serves every request: the handler (or the thread leaving the last
 * critical section) only takes the request and hands it over with
 * CBT_SERVE, and returns to the program.  The callback thread then runs
 * the thread-context callbacks while the program's threads run on (they
 * may hold locks a callback needs), and parks those threads itself.  A
 * process forked from the program has no such thread: there the handler
 * serves as it does without thread-context callbacks.
 */
enum { CBT_IDLE, CBT_SERVE };

static int cbt_state;		/* futex */
static int cbt_tid;
static int cbt_pid;		/* the process it runs (and waits) in */
static int cbt_started_pid;	/* the process it was started in */

static void futex_wait(int *addr, int val)
{
	sys_futex(addr, FUTEX_WAIT_PRIVATE, val, NULL);
}

static void futex_wake(int *addr)
{
	sys_futex(addr, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
}

static void *cbt_main(void *unused)
{
	/* only the checkpoint signal comes here */
	uint64_t mask = ~CR_SIGNUM_BIT;
	int now;

	(void)unused;
	sys_rt_sigprocmask(SIG_SETMASK, &mask, NULL);
	cr_init();
	__atomic_store_n(&cbt_tid, (int)sys_gettid(), __ATOMIC_RELEASE);
	__atomic_store_n(&cbt_pid, (int)sys_getpid(), __ATOMIC_RELEASE);
	for (;;) {
		while ((now = __atomic_load_n(&cbt_state, __ATOMIC_ACQUIRE)) != CBT_SERVE)
			futex_wait(&cbt_state, now);
		/* idle again before serving: the next request may come (and be
		 * handed over) the moment this one ends; until then agent_busy
		 * turns others away */
		__atomic_store_n(&cbt_state, CBT_IDLE, __ATOMIC_RELEASE);
		agent_serve_now();
	}
	return NULL;
}

static pthread_mutex_t cbt_start_lock = PTHREAD_MUTEX_INITIALIZER;

static int callback_thread_start(void)
{
	pthread_attr_t attr;
	pthread_t thread;
	int pid = (int)sys_getpid(), r = 0;

	pthread_mutex_lock(&cbt_start_lock);
	if (cbt_started_pid != pid) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		r = pthread_create(&thread, &attr, cbt_main, NULL);
		pthread_attr_destroy(&attr);
		if (r == 0) {
			pthread_setname_np(thread, "libcr-callbacks");
			cbt_started_pid = pid;
		}
	}
	pthread_mutex_unlock(&cbt_start_lock);
	if (r) {
		errno = r;
		return -1;
	}
	return 0;
}

/*
 * As under BLCR, the child of a fork() starts afresh: no registrations
 * (the parent's callbacks are not its own), no callback thread until it
 * registers a thread-context callback, and its one thread needs cr_init()
 * again.  Hooks and the process-wide hold settings stay.
 */
void agent_callbacks_after_fork(void)
{
	/* a thread that did not follow may have held it */
	pthread_mutex_init(&cbt_start_lock, NULL);
	cb_running = 0;
	cbt_state = CBT_IDLE;
	memset(agent_cbs, 0, sizeof(agent_cbs));
	agent_n_cbs = 0;
	agent_thread_ready = 0;
	hold_thread = CR_HOLD_DFLT;
	persist_count = 0;
}

void agent_callbacks_retid(int old_tid, int new_tid)
{
	for (int i = 0; i < agent_n_cbs; i++)
		if (agent_cbs[i].tid == old_tid)
			agent_cbs[i].tid = new_tid;
	if (cbt_tid == old_tid)
		cbt_tid = new_tid;
}

void agent_callbacks_repid(int old_pid, int new_pid)
{
	if (cbt_pid == old_pid)
		cbt_pid = new_pid;
	if (cbt_started_pid == old_pid)
		cbt_started_pid = new_pid;
}

static bool agent_is_callback_thread(void)
{
	return __atomic_load_n(&cbt_pid, __ATOMIC_ACQUIRE) == (int)sys_getpid() &&
	       __atomic_load_n(&cbt_tid, __ATOMIC_ACQUIRE) == (int)sys_gettid();
}

bool agent_delegate(void)
{
	if (__atomic_load_n(&cbt_pid, __ATOMIC_ACQUIRE) != (int)sys_getpid())
		return false;
	__atomic_store_n(&cbt_state, CBT_SERVE, __ATOMIC_RELEASE);
	futex_wake(&cbt_state);
	return true;
}

/* ---- a request -------------------------------------------------------------------- */

/* The serving thread's innermost step: the checkpoint itself. */
static int serve_checkpoint(void *unused)
{
	int r = agent_take_checkpoint();

	(void)unused;
	park_checkpoint_over(r);
	return r;
}

/* After the thread-context chain, the serving thread's own signal chain. */
static int serve_signal_chain(void *unused)
{
	int fail = 0, r, tid = (int)sys_gettid();

	(void)unused;
	r = chain_run(CR_SIGNAL_CONTEXT, tid, serve_checkpoint, NULL, &fail);
	if (fail)
		r = -fail;
	return r;
}

int agent_run_callbacks(int *ret_fail_code)
{
	int tid = (int)sys_gettid(), fail = 0, r, n;
	bool own = has_callbacks(CR_SIGNAL_CONTEXT, tid);

	if (has_callbacks(CR_THREAD_CONTEXT, 0))
		r = chain_run(CR_THREAD_CONTEXT, 0, serve_signal_chain, NULL, &fail);
	else
		r = chain_run(CR_SIGNAL_CONTEXT, tid, serve_checkpoint, NULL, &fail);
	agent_run_hook(agent_is_callback_thread() ? AGENT_THREAD_CALLBACKS :
		       own ? AGENT_THREAD_SIGNAL : AGENT_THREAD_PLAIN, r);
	/* the other threads' chains finish before anyone is released */
	while ((n = __atomic_load_n(&cb_running, __ATOMIC_ACQUIRE)) > 0)
		futex_wait(&cb_running, n);
	*ret_fail_code = fail;
	if (r < 0 && !fail)
		*ret_fail_code = -r;
	return r;
}

int agent_thread_callbacks(int (*park)(void *), void *arg, int *fail_code,
			   enum agent_thread_kind *kind)
{
	int tid = (int)sys_gettid(), r;

	*fail_code = 0;
	if (!has_callbacks(CR_SIGNAL_CONTEXT, tid)) {
		*kind = AGENT_THREAD_PLAIN;
		return park(arg);
	}
	*kind = AGENT_THREAD_SIGNAL;
	__atomic_add_fetch(&cb_running, 1, __ATOMIC_ACQ_REL);
	r = chain_run(CR_SIGNAL_CONTEXT, tid, park, arg, fail_code);
	if (__atomic_sub_fetch(&cb_running, 1, __ATOMIC_ACQ_REL) == 0)
		futex_wake(&cb_running);
	return r;
}
