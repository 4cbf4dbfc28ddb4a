/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Critical sections (cr_enter_cs, cr_leave_cs, cr_tryenter_cs): a request
 * that arrives while any thread is inside one waits until the last one
 * ends, and the thread that ends it serves the request.  Entering while a
 * request waits or runs blocks until it is over (tryenter says busy).
 * Sections nest per thread; inside a callback (CR_ID_CALLBACK) they are
 * nothing.  All of it is lock-free: the handler may interrupt any of it.
 */
#include <errno.h>
#include <linux/futex.h>

#include "agent.h"
#include "../common/sys.h"

enum { CS_IDLE, CS_PENDING, CS_SERVING };

static int cs_count;	/* threads inside a section */
static int cs_state;	/* futex: CS_* */
static __thread __attribute__((tls_model("initial-exec"))) int cs_depth;

/* In the handler (async-signal-safe). */
bool agent_cs_defer(void)
{
	__atomic_store_n(&cs_state, CS_PENDING, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cs_count, __ATOMIC_SEQ_CST) > 0) {
		/* a self-request made inside a section waits for this */
		sys_futex(&cs_state, FUTEX_WAKE_PRIVATE, INT32_MAX, 0);
		return true;
	}
	/* nobody inside: serve now, unless a leaving thread took it meanwhile */
	int pending = CS_PENDING;

	return !__atomic_compare_exchange_n(&cs_state, &pending, CS_SERVING, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

void agent_cs_done(void)
{
	__atomic_store_n(&cs_state, CS_IDLE, __ATOMIC_SEQ_CST);
	sys_futex(&cs_state, FUTEX_WAKE_PRIVATE, INT32_MAX, 0);
}

/* In a child of fork(): no section is held.  The threads that held one
 * did not follow, and the forking thread starts uninitialised (it could
 * not leave its own), as under BLCR. */
void agent_cs_after_fork(void)
{
	cs_depth = 0;
	cs_count = 0;
	cs_state = CS_IDLE;
}

bool agent_cs_inside(void)
{
	return cs_depth > 0;
}

bool agent_cs_pending(void)
{
	return __atomic_load_n(&cs_state, __ATOMIC_SEQ_CST) == CS_PENDING;
}

bool agent_cs_wait_pending(int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
	int st = __atomic_load_n(&cs_state, __ATOMIC_SEQ_CST);

	if (st == CS_IDLE)
		sys_futex(&cs_state, FUTEX_WAIT_PRIVATE, st, &ts);
	return agent_cs_pending();
}

/* One thread fewer inside; the last one serves a waiting request. */
static void cs_out(void)
{
	int pending = CS_PENDING;

	if (__atomic_sub_fetch(&cs_count, 1, __ATOMIC_SEQ_CST) == 0 &&
	    __atomic_compare_exchange_n(&cs_state, &pending, CS_SERVING, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		agent_serve_taken();
}

/* One thread more inside, unless a request waits or runs: then 1. */
static int cs_in(void)
{
	__atomic_add_fetch(&cs_count, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cs_state, __ATOMIC_SEQ_CST) == CS_IDLE)
		return 0;
	cs_out();
	return 1;
}

/* CR_ENOINIT before cr_init() in this thread; EINVAL for a bad id. */
static int cs_check_id(cr_client_id_t id)
{
	if (!agent_thread_initialised()) {
		errno = CR_ENOINIT;
		return -1;
	}
	if (id >= 0 || id == CR_ID_CALLBACK)
		return 0;
	errno = EINVAL;
	return -1;
}

int cr_enter_cs(cr_client_id_t id)
{
	if (cs_check_id(id))
		return -1;
	if (id == CR_ID_CALLBACK)
		return 0;
	if (cs_depth++ > 0)
		return 0;
	while (cs_in()) {
		int st;

		while ((st = __atomic_load_n(&cs_state, __ATOMIC_SEQ_CST)) != CS_IDLE)
			sys_futex(&cs_state, FUTEX_WAIT_PRIVATE, st, 0);
	}
	return 0;
}

int cr_tryenter_cs(cr_client_id_t id)
{
	if (cs_check_id(id))
		return -1;
	if (id == CR_ID_CALLBACK)
		return 0;
	if (cs_depth > 0 || !cs_in()) {
		cs_depth++;
		return 0;
	}
	return 1;	/* a checkpoint is pending or running: not entered */
}

int cr_leave_cs(cr_client_id_t id)
{
	if (cs_check_id(id))
		return -1;
	if (id == CR_ID_CALLBACK)
		return 0;
	if (cs_depth <= 0) {
		errno = EINVAL;	/* not inside one */
		return -1;
	}
	if (--cs_depth == 0)
		cs_out();
	return 0;
}
