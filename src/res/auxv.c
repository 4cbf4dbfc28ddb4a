/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The auxiliary vector (/proc/PID/auxv): saved raw in IMG_AUXV and handed
 * back with PR_SET_MM_MAP by the blob, so that getauxval() in the restored
 * process answers as before (AT_RANDOM, AT_SYSINFO_EHDR, AT_HWCAP...).
 */
#include <string.h>

#include "res.h"
#include "common/util.h"

static int auxv_dump(struct dump_ctx *ctx)
{
	char path[64];
	_cleanup_free_ char *auxv = NULL;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)ctx->pid);
	r = read_file(path, &auxv, &len);
	if (r)
		return log_errno(r, "cannot read %s", path);
	/* the file ends with AT_NULL; keep whole pairs only */
	len -= len % 16;

	const void *parts[] = { auxv };
	size_t lens[] = { len };
	return img_write_record(ctx->w, IMG_AUXV, parts, lens, 1);
}

static int auxv_plan(struct rst_ctx *ctx, struct plan *plan)
{
	const struct image_process *proc = ctx->proc;

	if (proc->auxv_len > sizeof(plan->auxv))
		return -E2BIG;
	memcpy(plan->auxv, proc->auxv, proc->auxv_len);
	plan->mm.auxv_size = proc->auxv_len;
	return 0;
}

const struct res_ops auxv_ops = {
	.name = "auxv",
	.dump = auxv_dump,
	.plan = auxv_plan,
};
