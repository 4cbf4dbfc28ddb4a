/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One file per kind of resource, each with its dump (writing records) and
 * its restart side (checking preconditions, planning, restoring).
 */
#ifndef UCR_RES_H
#define UCR_RES_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/agent_abi.h"
#include "image/image.h"
#include "restorer/plan.h"

struct dump_ctx {
	pid_t pid;
	int mem_fd;			/* /proc/PID/mem: reads what is not readable */
	struct img_writer *w;
	uint64_t state_addr;		/* the agent's struct agent_state */
	struct agent_state state;
	bool save_exe;			/* whole private maps of the executable (--save-exe) */
	bool save_private;		/* whole private file maps (--save-private) */
	char exe[UCR_PATH_MAX];		/* /proc/PID/exe, for --save-exe */
	bool save_shared;		/* shared file maps' contents (--save-shared) */
	char *buf;			/* page buffer */
	size_t buf_len;
};

/* The restart of one process. */
struct rst_ctx {
	const struct image *img;
	const struct image_process *proc;
	int ctx_fd;
	int *area_fds;			/* per area: its file, or -1 */
	int exe_fd;
	unsigned int helper_fd_base;	/* fds from here up are the builder's */
};

int process_dump(struct dump_ctx *ctx);
int process_check(const struct image *img, const struct image_process *p, bool restore_pid);
int process_plan(struct rst_ctx *ctx, struct plan *plan);
void process_restore_in_child(const struct image_process *p);

int memory_dump(struct dump_ctx *ctx);
int memory_check(struct rst_ctx *ctx);
/* Fills the areas, runs and special maps of plan; returns its size. */
size_t memory_plan_size(const struct image_process *p);
int memory_plan(struct rst_ctx *ctx, struct plan *plan);
/* Area i maps the same file, the same way, as area i - 1: one descriptor. */
bool memory_same_file(const struct image_process *p, size_t i);

int files_dump(struct dump_ctx *ctx);
int files_check(const struct image_process *p);
int files_truncate(const struct image_process *p);
int files_restore_in_child(const struct image_process *p);
int files_max_fd(const struct image_process *p);

#endif
