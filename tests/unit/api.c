/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcr's API outside any checkpoint (TAP): misuse gets the documented
 * error, never a crash or a hang; argument defaults; spinlocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libcr.h"

static int n_test, n_failed;

static void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n_test, what);
	if (!cond)
		n_failed++;
}

static int callback(void *arg)
{
	(void)arg;
	return 0;
}

static void hook(cr_hook_event_t event)
{
	(void)event;
}

int main(void)
{
	cr_checkpoint_args_t ca;
	cr_restart_args_t ra;
	cr_spinlock_t lock = CR_SPINLOCK_INITIALIZER;
	cr_client_id_t id;
	int r;

	printf("1..52\n");
	errno = 0;
	r = cr_register_callback(callback, NULL, CR_SIGNAL_CONTEXT);
	ok(r == -1 && errno == CR_ENOINIT, "cr_register_callback before cr_init: CR_ENOINIT");
	errno = 0;
	ok(cr_register_hook(CR_HOOK_CONT_NO_CALLBACKS, hook) == CR_HOOK_FN_ERROR &&
	   errno == CR_ENOINIT, "cr_register_hook before cr_init: CR_HOOK_FN_ERROR, CR_ENOINIT");
	errno = 0;
	ok(cr_hold_ctrl(CR_HOLD_SCOPE_INIT, CR_HOLD_READ) == -1 && errno == CR_ENOINIT,
	   "cr_hold_ctrl before cr_init: CR_ENOINIT");
	errno = 0;
	ok(cr_inc_persist() == -1 && errno == CR_ENOINIT, "cr_inc_persist before cr_init: CR_ENOINIT");
	errno = 0;
	ok(cr_dec_persist() == -1 && errno == CR_ENOINIT, "cr_dec_persist before cr_init: CR_ENOINIT");
	errno = 0;
	ok(cr_status() == -1 && errno == CR_ENOINIT, "cr_status before cr_init: CR_ENOINIT");
	errno = 0;
	ok(cr_enter_cs(0) == -1 && errno == CR_ENOINIT, "cr_enter_cs before cr_init: CR_ENOINIT");
	errno = 0;
	ok(cr_leave_cs(0) == -1 && errno == CR_ENOINIT, "cr_leave_cs before cr_init: CR_ENOINIT");
	errno = 0;
	ok(cr_tryenter_cs(0) == -1 && errno == CR_ENOINIT,
	   "cr_tryenter_cs before cr_init: CR_ENOINIT");
	errno = 0;
	ok(cr_replace_callback(0, callback, NULL, CR_SIGNAL_CONTEXT) == -1 && errno == CR_ENOINIT,
	   "cr_replace_callback before cr_init: CR_ENOINIT");
	id = cr_init();
	ok(id >= 0, "cr_init gives a client id");
	ok(cr_checkpoint(0) == -CR_ENOTCB, "cr_checkpoint outside a callback: -CR_ENOTCB");
	ok(cr_get_checkpoint_info() == NULL, "cr_get_checkpoint_info outside a callback: NULL");
	ok(cr_get_restart_info() == NULL, "cr_get_restart_info outside a callback: NULL");
	ok(cr_status() == CR_STATE_IDLE, "cr_status: idle");
	errno = 0;
	r = cr_register_callback(callback, NULL, CR_SIGNAL_CONTEXT | CR_THREAD_CONTEXT);
	ok(r == -1 && errno == EINVAL, "a callback with both contexts: EINVAL");
	errno = 0;
	r = cr_register_callback(callback, NULL, 0);
	ok(r == -1 && errno == EINVAL, "a callback with neither context: EINVAL");
	r = cr_register_callback(callback, NULL, CR_THREAD_CONTEXT);
	ok(r >= 0 && (r & CR_THREAD_CONTEXT), "a thread-context callback registers");
	errno = 0;
	ok(cr_leave_cs(id) == -1 && errno == EINVAL, "cr_leave_cs without cr_enter_cs: EINVAL");
	ok(cr_tryenter_cs(id) == 0 && cr_leave_cs(id) == 0, "cr_tryenter_cs when idle enters");
	ok(cr_enter_cs(CR_ID_CALLBACK) == 0 && cr_leave_cs(CR_ID_CALLBACK) == 0,
	   "CR_ID_CALLBACK sections are no-ops");
	ok(strcmp(cr_strerror(CR_ETEMPFAIL), strerror(CR_ETEMPFAIL)) != 0 &&
	   strcmp(cr_strerror(EPERM), strerror(EPERM)) == 0,
	   "cr_strerror knows CR_E* codes and passes others to strerror");
	ok(cr_initialize_checkpoint_args_t(&ca) == 0 && ca.cr_scope == (cr_scope_t)-1 &&
	   ca.cr_fd == -1 && ca.cr_target == 0 && ca.cr_signal == 0 && ca.cr_timeout == 0 &&
	   ca.cr_flags == 0, "checkpoint arguments: BLCR's defaults");
	errno = 0;
	ok(cri_init_checkpoint_args_t(99, &ca) == -1 && errno == EINVAL,
	   "checkpoint arguments of an unknown version: EINVAL");
	ok(cr_initialize_restart_args_t(&ra) == 0 && ra.cr_fd == -1 &&
	   ra.cr_flags == CR_RSTRT_RESTORE_PID && ra.cr_relocate == NULL,
	   "restart arguments: BLCR's defaults");
	ok(cr_spinlock_trylock(&lock) != 0, "a free spinlock is taken");
	ok(cr_spinlock_trylock(&lock) == 0, "a held spinlock is not");
	cr_spinlock_unlock(&lock);
	cr_spinlock_lock(&lock);
	ok(cr_spinlock_trylock(&lock) == 0, "cr_spinlock_lock takes it");
	cr_spinlock_unlock(&lock);
	cr_spinlock_init(&lock);
	ok(cr_spinlock_trylock(&lock) != 0, "unlocked and initialised, it is free again");

	/* requests that cannot start */
	cr_checkpoint_handle_t h;
	pid_t gone = fork();

	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	cr_initialize_checkpoint_args_t(&ca);
	ca.cr_scope = CR_SCOPE_PROC;
	ca.cr_fd = 99;
	close(99);
	errno = 0;
	ok(cr_request_checkpoint(&ca, &h) == -1 && errno == EBADF,
	   "a request to a closed descriptor: EBADF");
	ca.cr_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ca.cr_target = gone;
	errno = 0;
	ok(cr_request_checkpoint(&ca, &h) == -1 && errno == ESRCH,
	   "a request for a pid that does not exist: ESRCH");
	ca.cr_scope = (cr_scope_t)7;
	errno = 0;
	ok(cr_request_checkpoint(&ca, &h) == -1 && errno == EINVAL, "an unknown scope: EINVAL");
	ca.cr_scope = CR_SCOPE_PROC;
	ca.cr_target = 0;
	ca.cr_flags = CR_CHKPT_PROHIBIT_SELF;
	errno = 0;
	ok(cr_request_checkpoint(&ca, &h) == -1 && errno == EDEADLK,
	   "CR_CHKPT_PROHIBIT_SELF and ourselves in scope: EDEADLK");
	ca.cr_target = gone;
	ca.cr_flags = CR_CHKPT_ASYNC_ERR;
	ok(cr_request_checkpoint(&ca, &h) == 0, "with CR_CHKPT_ASYNC_ERR the request starts");
	errno = 0;
	ok(cr_reap_checkpoint(&h) == -1 && errno == ESRCH, "and its reap reports ESRCH");
	errno = 0;
	ok(cr_reap_checkpoint(&h) == -1 && errno == EINVAL, "reaping a handle twice: EINVAL");
	errno = 0;
	ok(cr_poll_checkpoint(&h, NULL) == CR_POLL_CHKPT_ERR_PRE && errno == EINVAL,
	   "polling a reaped handle: CR_POLL_CHKPT_ERR_PRE, EINVAL");
	errno = 0;
	ok(cr_forward_checkpoint(CR_SCOPE_PROC, getpid()) == -1 && errno == CR_ENOTCB,
	   "cr_forward_checkpoint outside a callback: CR_ENOTCB");
	errno = 0;
	ok(cr_replace_self(callback, NULL, CR_SIGNAL_CONTEXT) == -1 && errno == CR_ENOTCB,
	   "cr_replace_self outside a callback: CR_ENOTCB");
	close(ca.cr_fd);

	/* hooks, hold, persistence, replacement */
	ok(cr_register_hook(CR_HOOK_CONT_NO_CALLBACKS, hook) == NULL &&
	   cr_register_hook(CR_HOOK_CONT_NO_CALLBACKS, NULL) == hook,
	   "cr_register_hook returns the previous hook");
	errno = 0;
	ok(cr_register_hook(CR_NUM_HOOKS, hook) == CR_HOOK_FN_ERROR && errno == EINVAL,
	   "cr_register_hook of an unknown event: CR_HOOK_FN_ERROR, EINVAL");
	errno = 0;
	ok(cr_register_hook((cr_hook_event_t)-1, NULL) == CR_HOOK_FN_ERROR && errno == EINVAL,
	   "cr_register_hook of event -1: CR_HOOK_FN_ERROR, EINVAL");
	errno = 0;
	ok(cr_register_hook(CR_HOOK_CONT_NO_CALLBACKS, CR_HOOK_FN_ERROR) == CR_HOOK_FN_ERROR &&
	   errno == EINVAL, "cr_register_hook of CR_HOOK_FN_ERROR itself: EINVAL");
	ok(cr_register_hook(CR_HOOK_CONT_NO_CALLBACKS, NULL) == NULL,
	   "and nothing was stored");
	ok(cr_hold_ctrl(CR_HOLD_SCOPE_INIT, CR_HOLD_READ) == CR_HOLD_BOTH &&
	   cr_hold_ctrl(CR_HOLD_SCOPE_UNINIT, CR_HOLD_READ) == CR_HOLD_BOTH &&
	   cr_hold_ctrl(CR_HOLD_SCOPE_THREAD, CR_HOLD_READ) == CR_HOLD_DFLT,
	   "hold defaults: both paths held, the thread defers to the process");
	ok(cr_hold_ctrl(CR_HOLD_SCOPE_UNINIT, CR_HOLD_NONE) == CR_HOLD_BOTH &&
	   cr_hold_ctrl(CR_HOLD_SCOPE_UNINIT, CR_HOLD_BOTH) == CR_HOLD_NONE,
	   "cr_hold_ctrl sets and returns the previous setting");
	errno = 0;
	ok(cr_hold_ctrl(CR_HOLD_SCOPE_INIT, CR_HOLD_DFLT) == -1 && errno == EINVAL,
	   "CR_HOLD_DFLT outside the thread scope: EINVAL");
	errno = 0;
	ok(cr_hold_ctrl(9, CR_HOLD_READ) == -1 && errno == EINVAL, "an unknown hold scope: EINVAL");
	ok(cr_inc_persist() == 0 && cr_inc_persist() == 1 && cr_dec_persist() == 2 &&
	   cr_dec_persist() == 1, "cr_inc_persist and cr_dec_persist return the count before");
	errno = 0;
	ok(cr_dec_persist() == -1 && errno == ERANGE, "cr_dec_persist below zero: ERANGE");
	r = cr_register_callback(callback, NULL, CR_SIGNAL_CONTEXT);
	ok(cr_replace_callback(r, callback, &id, CR_SIGNAL_CONTEXT) == 0,
	   "cr_replace_callback of a registration");
	errno = 0;
	ok(cr_replace_callback(r, callback, NULL, CR_THREAD_CONTEXT) == -1 && errno == EINVAL,
	   "cr_replace_callback with the other context: EINVAL");
	return n_failed ? 1 : 0;
}
