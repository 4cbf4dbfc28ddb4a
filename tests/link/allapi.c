/* allapi: uses every function and every macro that the installed libcr.h
 * (with blcr_common.h) declares.
 *
 * tests/e2e/24-link-forms.t builds it against the installed headers and
 * library alone, with -Wall -Werror: a function that is declared but not in
 * libcr.so fails the link, a prototype that changed fails the build.
 *
 * Run, it calls only what is harmless outside a checkpoint (set-up, the
 * argument initialisers, spinlocks, critical sections, status and error
 * texts) and prints "ok", or "FAIL: ..." and exits 1.  The requests,
 * hooks and the rest are in allapi_every_call(), linked but never run.
 */
#include <libcr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void allapi_every_call(void);

static int callback(void *arg)
{
	const struct cr_checkpoint_info *ci = cr_get_checkpoint_info();
	const struct cr_restart_info *ri;
	int rc;

	(void)arg;
	cr_enter_cs(CR_ID_CALLBACK);
	cr_leave_cs(CR_ID_CALLBACK);
	if (ci && ci->scope == CR_SCOPE_TREE)
		cr_forward_checkpoint(CR_SCOPE_PROC, ci->target);
	cr_replace_self(callback, NULL, CR_SIGNAL_CONTEXT);
	rc = cr_checkpoint(ci ? CR_CHECKPOINT_READY : CR_CHECKPOINT_TEMP_FAILURE_CODE(1));
	ri = cr_get_restart_info();
	return rc > 0 && ri && ri->src ? 0 : rc;
}

static void hook(cr_hook_event_t event)
{
	(void)event;
}

/* Linked, never run: these start checkpoints and restarts for real. */
void allapi_every_call(void)
{
	cr_checkpoint_args_t ca;
	cr_restart_args_t ra;
	cr_checkpoint_handle_t ch;
	cr_restart_handle_t rh;
	struct timeval tv = { 1, 0 };
	struct cr_rstrt_relocate *reloc;
	char buf[256], *msg = NULL;
	cr_callback_id_t cb;

	cb = cr_register_callback(callback, NULL, CR_THREAD_CONTEXT);
	cr_replace_callback(cb, callback, NULL, CR_THREAD_CONTEXT);
	if (cr_register_hook(CR_HOOK_CONT_SIGNAL_CONTEXT, hook) == CR_HOOK_FN_ERROR)
		return;
	cr_hold_ctrl(CR_HOLD_SCOPE_INIT, CR_HOLD_BOTH);
	cr_hold_ctrl(CR_HOLD_SCOPE_THREAD, CR_HOLD_DFLT);
	cr_hold_ctrl(CR_HOLD_SCOPE_UNINIT, CR_HOLD_NONE | CR_HOLD_CONT | CR_HOLD_RSTRT);
	cr_inc_persist();
	cr_dec_persist();

	cr_initialize_checkpoint_args_t(&ca);
	ca.cr_scope = CR_SCOPE_PGRP;
	ca.cr_fd = CR_DEST_CWD;
	ca.cr_flags = CR_CHKPT_PROHIBIT_SELF | CR_CHKPT_PTRACED_ALLOW | CR_CHKPT_PTRACED_SKIP |
		      CR_CHKPT_PTRACER_SKIP | CR_CHKPT_ASYNC_ERR | CR_CHKPT_DUMP_ALL |
		      CR_CHKPT_DUMP_EXEC | CR_CHKPT_DUMP_PRIVATE | CR_CHKPT_DUMP_SHARED;
	if (cr_request_checkpoint(&ca, &ch) == 0) {
		cr_wait_checkpoint(&ch, &tv);
		cr_log_checkpoint(&ch, sizeof(buf), buf);
		cr_reap_checkpoint(&ch);
	}
	ca.cr_scope = CR_SCOPE_SESS;
	if (cr_request_checkpoint(&ca, &ch) == 0 &&
	    cr_poll_checkpoint_msg(&ch, NULL, &msg) == CR_POLL_CHKPT_ERR_PRE)
		cr_poll_checkpoint(&ch, &tv);
	free(msg);
	msg = NULL;
	if (CR_POLL_CHKPT_ERR_POST == CR_POLL_CHKPT_ERR_LOG)
		return;

	cr_initialize_restart_args_t(&ra);
	reloc = malloc(CR_RSTRT_RELOCATE_SIZE(CR_MAX_RSTRT_RELOC));
	if (!reloc)
		return;
	reloc->count = 0;
	ra.cr_fd = 0;
	ra.cr_relocate = reloc;
	ra.cr_flags = CR_RSTRT_ASYNC_ERR | CR_RSTRT_RESTORE_PID | CR_RSTRT_RESTORE_PGID |
		      CR_RSTRT_RESTORE_SID;
	if (cr_request_restart(&ra, &rh) == 0) {
		cr_wait_restart(&rh, &tv);
		cr_log_restart(&rh, sizeof(buf), buf);
		cr_reap_restart(&rh);
	}
	if (cr_request_restart(&ra, &rh) == 0 &&
	    cr_poll_restart_msg(&rh, &tv, &msg) == CR_POLL_RSTRT_ERR_PRE)
		cr_poll_restart(&rh, NULL);
	free(msg);
	free(reloc);
	if (CR_POLL_RSTRT_ERR_POST == CR_POLL_RSTRT_ERR_LOG)
		return;

	cr_request();
	cr_request_file("context.allapi");
	cr_request_fd(1);
}

#define FAIL(...) do { printf("FAIL: " __VA_ARGS__); putchar('\n'); exit(1); } while (0)

int main(void)
{
	/* the constants that a program tests or prints */
	static const long constants[] = {
		CR_CHECKPOINT_ARGS_VERSION, CR_RESTART_ARGS_VERSION, CR_MAX_CALLBACKS,
		CR_SIGNAL_CONTEXT, CR_SIGNUM, CR_RELEASE_MAJOR, CR_RELEASE_MINOR,
		CR_RELEASE_PATCH, LIBCR_MAJOR, LIBCR_MINOR, LIBCR_PATCH,
		CR_CHECKPOINT_ABORT_MASK, CR_CHECKPOINT_PERM_FAILURE_CODE(2), CR_HOLD_READ,
	};
	cr_spinlock_t lock = CR_SPINLOCK_INITIALIZER;
	cr_checkpoint_args_t ca;
	cr_restart_args_t ra;
	cr_client_id_t id;

	if (constants[0] != 1 || !*CR_RELEASE_VERSION || !*LIBCR_VERSION)
		FAIL("constants");
	id = cr_init();
	if (id < 0)
		FAIL("cr_init returned %d", (int)id);
	if (cr_status() != CR_STATE_IDLE)
		FAIL("cr_status is not CR_STATE_IDLE");
	if (cr_get_checkpoint_info() || cr_get_restart_info())
		FAIL("checkpoint or restart info outside a callback");
	if (cr_initialize_checkpoint_args_t(&ca) != 0 || ca.cr_version != CR_CHECKPOINT_ARGS_VERSION)
		FAIL("cr_initialize_checkpoint_args_t");
	if (cr_initialize_restart_args_t(&ra) != 0 || ra.cr_version != CR_RESTART_ARGS_VERSION)
		FAIL("cr_initialize_restart_args_t");

	cr_spinlock_init(&lock);
	cr_spinlock_lock(&lock);
	if (cr_spinlock_trylock(&lock))
		FAIL("cr_spinlock_trylock took a held lock");
	cr_spinlock_unlock(&lock);
	if (!cr_spinlock_trylock(&lock))
		FAIL("cr_spinlock_trylock failed on a free lock");
	cr_spinlock_unlock(&lock);

	if (cr_enter_cs(id) != 0 || cr_leave_cs(id) != 0)
		FAIL("cr_enter_cs / cr_leave_cs");
	if (cr_tryenter_cs(id) != 0 || cr_leave_cs(id) != 0)
		FAIL("cr_tryenter_cs / cr_leave_cs");

	for (int e = CR_MIN_ERRCODE + 1; e < CR_MAX_ERRCODE; e++)
		if (!cr_strerror(e) || !*cr_strerror(e))
			FAIL("no text for error %d", e);
	if (!cr_strerror(CR_ETEMPFAIL) || !cr_strerror(CR_ENOINIT))
		FAIL("cr_strerror");
	puts("ok");
	return 0;
}
