/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The informational part of BLCR's libcr API. */
#include <string.h>

#include "agent.h"

/* `-u cr_link_me' forces libcr into a link; `nm app' shows it. */
int cr_link_me;

int cr_status(void)
{
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

const char *cr_strerror(int errnum)
{
	if (errnum > CR_MIN_ERRCODE && errnum < CR_MAX_ERRCODE)
		return cr_error_text[errnum - CR_MIN_ERRCODE - 1];
	return strerror(errnum);
}

/* Referenced by libcr_link.a, so that -u ..._link_me keeps this library. */
int ucr_cr_anchor;
