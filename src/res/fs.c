/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The process's place in the file system: its working directory and its
 * umask.  Both are fields of the process record (process.c reads them);
 * here the restart checks the directory can be entered and the new
 * process enters it, after its descriptors are back (files.c), because a
 * path that --relocate made relative is relative to cr_restart's cwd.
 */
#include <sys/stat.h>

#include "res.h"
#include "common/util.h"

static int fs_check(struct rst_ctx *ctx, struct rst_shared *sh)
{
	(void)sh;
	if (access(ctx->proc->cwd, X_OK) < 0)
		return log_errno(-errno, "cannot enter the working directory %s", ctx->proc->cwd);
	return 0;
}

static int fs_restore(const struct rst_ctx *ctx, const struct rst_shared *sh)
{
	(void)sh;
	umask(ctx->proc->p->umask);
	if (chdir(ctx->proc->cwd) < 0)
		log_errno(-errno, "cannot enter %s", ctx->proc->cwd);
	return 0;
}

const struct res_ops fs_ops = {
	.name = "fs",
	.check = fs_check,
	.restore = fs_restore,
};
