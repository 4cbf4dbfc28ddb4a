/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * BLCR's binary interface, as libcr.h and blcr_common.h declare it: the
 * value of every constant, and the size and member offsets of every public
 * struct on x86_64, against the numbers of BLCR 0.8's headers (TAP).  A
 * program built against BLCR's headers relies on each of them.
 */
#include <stddef.h>
#include <stdio.h>

#include "libcr.h"

static int n_test, n_failed;

static void is(long long got, long long want, const char *what)
{
	printf("%sok %d - %s = %lld\n", got == want ? "" : "not ", ++n_test, what, want);
	if (got != want) {
		printf("# got %lld\n", got);
		n_failed++;
	}
}

/* one line each, so that a wrong value names itself */
#define VALUE(name, want) is((long long)(name), want, #name)
#define SIZE(type, want) is((long long)sizeof(type), want, "sizeof(" #type ")")
#define OFFSET(type, member, want) is((long long)offsetof(type, member), want, \
				      "offsetof(" #type ", " #member ")")

int main(void)
{
	printf("1..67\n");
	VALUE(CR_SIGNUM, 64);
	VALUE(CR_MIN_ERRCODE, 2353);
	VALUE(CR_ETEMPFAIL, 2354);
	VALUE(CR_EPERMFAIL, 2355);
	VALUE(CR_ENOSUPPORT, 2356);
	VALUE(CR_EVERSION, 2357);
	VALUE(CR_EOMITTED, 2358);
	VALUE(CR_EBADARCH, 2359);
	VALUE(CR_EPTRACED, 2360);
	VALUE(CR_EPTRACER, 2361);
	VALUE(CR_ERSTRTABRT, 2362);
	VALUE(CR_ERESTARTED, 2363);
	VALUE(CR_ENOTCB, 2364);
	VALUE(CR_ENOINIT, 2365);
	VALUE(CR_MAX_ERRCODE, 2366);
	VALUE(cr_format_vmadump, 0);
	VALUE(CR_SCOPE_PROC, 0);
	VALUE(CR_SCOPE_PGRP, 1);
	VALUE(CR_SCOPE_SESS, 2);
	VALUE(CR_SCOPE_TREE, 3);
	VALUE(CR_CHECKPOINT_READY, 0);
	VALUE(CR_CHECKPOINT_TEMP_FAILURE, 1);
	VALUE(CR_CHECKPOINT_PERM_FAILURE, 2);
	VALUE(CR_CHECKPOINT_OMIT, 4);
	VALUE(CR_CHECKPOINT_TEMP_FAILURE_CODE(5), 1 | 5 << 16);
	VALUE(CR_CHECKPOINT_PERM_FAILURE_CODE(5), 2 | 5 << 16);
	VALUE(CR_CHECKPOINT_ABORT_MASK, 7);
	VALUE(CR_DEST_CWD, -4096);
	VALUE(CR_CHKPT_PROHIBIT_SELF, 0x1);
	VALUE(CR_CHKPT_PTRACED_ALLOW, 0x2);
	VALUE(CR_CHKPT_PTRACED_SKIP, 0x4);
	VALUE(CR_CHKPT_PTRACER_SKIP, 0x8);
	VALUE(CR_CHKPT_ASYNC_ERR, 0x10);
	VALUE(CR_CHKPT_DUMP_EXEC, 0x200);
	VALUE(CR_CHKPT_DUMP_PRIVATE, 0x400);
	VALUE(CR_CHKPT_DUMP_SHARED, 0x800);
	VALUE(CR_CHKPT_DUMP_ALL, 0xe00);
	VALUE(CR_MAX_RSTRT_RELOC, 16);
	VALUE(CR_RSTRT_ASYNC_ERR, 0x1);
	VALUE(CR_RSTRT_RESTORE_PID, 0x2);
	VALUE(CR_RSTRT_RESTORE_PGID, 0x4);
	VALUE(CR_RSTRT_RESTORE_SID, 0x8);
	VALUE(CR_HOLD_READ, -1);
	VALUE(CR_HOLD_NONE, 0);
	VALUE(CR_HOLD_CONT, 1);
	VALUE(CR_HOLD_RSTRT, 2);
	VALUE(CR_HOLD_BOTH, 3);
	VALUE(CR_HOLD_DFLT, 4);
	VALUE(CR_CHECKPOINT_ARGS_VERSION, 1);
	VALUE(CR_RESTART_ARGS_VERSION, 1);
	VALUE(CR_MAX_CALLBACKS, 0x1FFFFFF);
	VALUE(CR_THREAD_CONTEXT, 0x4000000);
	VALUE(CR_SIGNAL_CONTEXT, 0x2000000);
	VALUE(CR_ID_CALLBACK, -1);
	VALUE(CR_STATE_IDLE, 0);
	VALUE(CR_STATE_PENDING, 1);
	VALUE(CR_STATE_ACTIVE, 2);
	VALUE(CR_NUM_HOOKS, 6);
	SIZE(cr_checkpoint_args_t, 28);
	OFFSET(cr_checkpoint_args_t, cr_scope, 4);
	OFFSET(cr_checkpoint_args_t, cr_flags, 24);
	SIZE(cr_restart_args_t, 24);
	OFFSET(cr_restart_args_t, cr_relocate, 16);
	SIZE(struct cr_checkpoint_info, 32);
	OFFSET(struct cr_checkpoint_info, scope, 24);
	SIZE(struct cr_restart_info, 16);
	VALUE(CR_RSTRT_RELOCATE_SIZE(3), 56);
	return n_failed ? 1 : 0;
}
