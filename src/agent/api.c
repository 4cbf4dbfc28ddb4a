/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The informational part of BLCR's libcr API. */
#include <errno.h>
#include <string.h>

#include "agent.h"

/* `-u cr_link_me' forces libcr into a link; `nm app' shows it. */
int cr_link_me;

int cr_status(void)
{
	if (!agent_thread_initialised()) {
		errno = CR_ENOINIT;
		return -1;
	}
	return agent_req.active ? CR_STATE_ACTIVE :
	       agent_cs_pending() ? CR_STATE_PENDING : CR_STATE_IDLE;
}

const struct cr_checkpoint_info *cr_get_checkpoint_info(void)
{
	if (!agent_req.active || !agent_in_callback() || agent_checkpoint_called())
		return NULL;
	return &agent_req.ckpt_info;
}

const struct cr_restart_info *cr_get_restart_info(void)
{
	if (!agent_req.active || !agent_req.restarted || !agent_in_callback())
		return NULL;
	return &agent_req.rstrt_info;
}

static const char *const cr_error_text[] = {
#define CR_ERROR_DEF(name, text) [name - CR_MIN_ERRCODE - 1] = text,
#include "blcr_errcodes.h"
#undef CR_ERROR_DEF
};

int cri_init_checkpoint_args_t(cr_version_t version, cr_checkpoint_args_t *args)
{
	if (version != CR_CHECKPOINT_ARGS_VERSION || !args) {
		errno = EINVAL;
		return -1;
	}
	/* scope and fd are invalid on purpose: the caller must choose them */
	*args = (cr_checkpoint_args_t){
		.cr_version = version, .cr_scope = (cr_scope_t)-1, .cr_target = 0, .cr_fd = -1,
	};
	return 0;
}

int cri_init_restart_args_t(cr_version_t version, cr_restart_args_t *args)
{
	if (version != CR_RESTART_ARGS_VERSION || !args) {
		errno = EINVAL;
		return -1;
	}
	*args = (cr_restart_args_t){
		.cr_version = version, .cr_fd = -1, .cr_flags = CR_RSTRT_RESTORE_PID,
	};
	return 0;
}

/* Spinlocks a signal handler may take too: no syscalls, no waiting list. */
void cr_spinlock_init(cr_spinlock_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

int cr_spinlock_trylock(cr_spinlock_t *lock)
{
	return !__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE);
}

void cr_spinlock_lock(cr_spinlock_t *lock)
{
	while (!cr_spinlock_trylock(lock))
		while (__atomic_load_n(lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

void cr_spinlock_unlock(cr_spinlock_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

const char *cr_strerror(int errnum)
{
	if (errnum > CR_MIN_ERRCODE && errnum < CR_MAX_ERRCODE)
		return cr_error_text[errnum - CR_MIN_ERRCODE - 1];
	return strerror(errnum);
}

/* Referenced by libcr_link.a, so that -u ..._link_me keeps this library. */
int ucr_cr_anchor;
