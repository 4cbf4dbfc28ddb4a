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

/* What the dump of one process needs to know of the others. */
struct dump_fd {
	pid_t pid;
	int fd;
	uint64_t dev, ino;
	uint32_t mode;
	uint32_t flags;		/* open flags, from fdinfo */
};

struct dump_shared {
	struct dump_fd *fds;	/* every descriptor of every process, in file order */
	size_t n_fds;
	uint64_t *pipes;	/* pipes whose bytes are saved */
	size_t n_pipes;
	uint64_t *shms;		/* shared memory objects whose pages are saved */
	size_t n_shms;
	dev_t out_dev;		/* the context file being written */
	ino_t out_ino;
};

struct dump_ctx {
	struct dump_shared *shared;
	bool zombie;
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

#include "shared.h"

/* The restart of one process. */
struct rst_ctx {
	const struct image *img;
	const struct image_process *proc;
	int ctx_fd;
	int *area_fds;			/* per area: its file, or -1 */
	int exe_fd;
};

int process_dump(struct dump_ctx *ctx);
int process_dump_zombie(struct dump_ctx *ctx);
int process_check(const struct image *img, const struct image_process *p, bool restore_pid);
int process_plan(struct rst_ctx *ctx, struct plan *plan);
void process_restore_in_child(const struct image_process *p);

/* The agent's thread records must be the threads the kernel shows. */
int threads_verify(struct dump_ctx *ctx);
int threads_dump(struct dump_ctx *ctx);
int threads_plan(struct rst_ctx *ctx, struct plan *plan);

int signals_dump(struct dump_ctx *ctx);
int signals_plan(struct rst_ctx *ctx, struct plan *plan);

int memory_dump(struct dump_ctx *ctx);
int memory_check(struct rst_ctx *ctx, struct rst_shared *sh);
/* Bytes the areas and runs of p take in a plan. */
size_t memory_plan_size(const struct image_process *p);
/* Fills the areas, runs and special maps of plan. */
int memory_plan(struct rst_ctx *ctx, struct plan *plan);

int files_scan(struct dump_shared *sh, pid_t pid, const int32_t *skip, size_t n_skip);
int files_dump(struct dump_ctx *ctx);
int files_check(const struct image_process *p);
int files_truncate(const struct image_process *p);
int files_prepare(const struct image *img, struct rst_shared *sh);
int files_restore_in_child(const struct image_process *p, const struct rst_shared *sh);
int files_max_fd(const struct image_process *p);

/* A pipe with both its ends in the request, whose bytes are saved. */
bool pipes_inside(const struct dump_shared *sh, const struct dump_fd *me);
/* Its IMG_PIPE record, once per pipe (after the IMG_FILE of an end). */
int pipes_dump_data(struct dump_ctx *ctx, const struct dump_fd *df);
int pipes_prepare(const struct image *img, struct rst_shared *sh);

#endif
