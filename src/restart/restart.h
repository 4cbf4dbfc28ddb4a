/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The builder: cr_restart's core, callable from a program too. */
#ifndef UCR_RESTART_H
#define UCR_RESTART_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "res/res.h"

struct restart_opts {
	const char *path;	/* the context file, or NULL with fd */
	int fd;			/* >= 0: read from this descriptor */
	bool restore_pid;
	int signal;		/* sent to the restored root once it runs, 0 none */
};

/*
 * Restores the processes of a context file as children of the caller.
 * Returns the pid of the restored root (> 0), or a negative errno after one
 * message on stderr; then no process was left behind.
 */
pid_t restart_run(const struct restart_opts *o);

/* child.c: the new process's side, before and into the blob. */
struct child_args {
	struct rst_ctx *ctx;
	int status_fd;
	int go_fd;		/* a byte arrives when the builder is ready */
	const struct agent_restart_info *restart;
	bool new_pid;
};
__attribute__((noreturn)) void child_main(const struct child_args *a);

#endif
