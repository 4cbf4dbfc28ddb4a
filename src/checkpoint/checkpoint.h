/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The dumper: cr_checkpoint's core, callable from a program too. */
#ifndef UCR_CHECKPOINT_H
#define UCR_CHECKPOINT_H

#include <stdbool.h>
#include <sys/types.h>

#include "blcr_common.h"

enum output_policy { OUT_ATOMIC, OUT_BACKUP, OUT_CLOBBER, OUT_NOCLOBBER };

struct checkpoint_opts {
	pid_t target;
	cr_scope_t scope;
	const char *path;		/* NULL: context.PID in the cwd */
	int fd;				/* >= 0: write there (--fd) */
	enum output_policy policy;
	const char *backup;		/* --backup=NAME, or NULL for FILE.~N~ */
	int signal;			/* sent after the checkpoint, 0 none */
	bool sync;
	unsigned int timeout;		/* seconds, 0 forever */
	bool ptraced_allow;
	bool ptraced_skip, ptracer_skip;	/* leave such processes out */
	bool save_exe, save_private, save_shared;
	int compress;			/* zstd level, 0 for none (--compress) */
	bool cow;			/* run on while the memory is written (--cow) */
	const char *base;		/* --incremental=BASE, or NULL */
	bool sockets_refuse;		/* --sockets=refuse */
	pid_t requester;		/* a program's libcr asked (0: this command) */
	bool prohibit_self;		/* forwarding may not add the requester */
};

/* 0, or a negative errno / -CR_E* code, after one message on stderr. */
int checkpoint_run(const struct checkpoint_opts *o);

/* output.c: where the context file goes, atomically by default. */
struct output {
	int fd;
	char *path;			/* final name, NULL for --fd */
	char *tmp_path;			/* fallback temporary name, if any */
	bool linkable;			/* fd is an O_TMPFILE */
	const struct checkpoint_opts *o;
};
int output_open(struct output *out, const struct checkpoint_opts *o, pid_t pid);
int output_commit(struct output *out);
void output_abort(struct output *out);

#endif
