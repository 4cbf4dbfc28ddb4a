/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signals: the dispositions, which the agent reads for the dumper (it
 * interposes sigaction, so it knows what the program set), saved in
 * IMG_SIGACTS and set again by the blob.  Pending signals and the mask
 * need nothing here: each thread's mask is in the kernel's signal frame on
 * its stack, saved with the memory, and the agent keeps the signals that
 * were pending and raises them again after a restart.
 */
#include <string.h>

#include "res.h"

static int signals_dump(struct dump_ctx *ctx)
{
	const void *parts[] = { ctx->state.sigactions };
	size_t lens[] = { sizeof(ctx->state.sigactions) };

	return img_write_record(ctx->w, IMG_SIGACTS, parts, lens, 1);
}

static int signals_plan(struct rst_ctx *ctx, struct plan *plan)
{
	memcpy(plan->sigactions, ctx->proc->sigacts, sizeof(plan->sigactions));
	return 0;
}

const struct res_ops signals_ops = {
	.name = "signals",
	.dump = signals_dump,
	.plan = signals_plan,
};
