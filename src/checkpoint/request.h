/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One checkpoint request inside the dumper: the processes it covers
 * (scope.c), the talk with their agents (handshake.c), and the pass that
 * reads and writes them (dump.c) share this.
 */
#ifndef UCR_CHECKPOINT_REQUEST_H
#define UCR_CHECKPOINT_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "checkpoint.h"

struct target {
	pid_t pid;
	bool zombie;
	bool waiter;		/* cr_restart saved (its --omit-*): a zombie's
				 * record, for a process that waits again */
	int omit;		/* the waiter's --omit-* */
	bool leader_gone;	/* its main thread exited, others live on */
	bool omitted;		/* its libcr_omit answered "omit", or left out
				 * (--ptraced-skip, --ptracer-skip) */
	bool parked;		/* it answered "ready" */
	bool exited;		/* omitted: it was exiting; a zombie by the dump
				 * (its parent parked) is saved as one */
	bool stopped;		/* in a job-control stop: woken for the request,
				 * and stopped again by its agent after it */
	int sock;
	uint64_t state_addr;
	/* --cow: the holder of its memory (agent/hold.c), and our connection
	 * with it, whose end ends the holder */
	pid_t holder;
	int holder_sock;
};

struct request {
	const struct checkpoint_opts *o;
	struct target *t;
	size_t n;
	int listen_fd;
	uint32_t token;
	const char *dest;		/* the context file's path, as callbacks see it */
	struct timespec deadline;	/* of -t/--time, or none */
	int64_t parked_since;		/* log_phase_start() when the signals went out */
	bool resumed;			/* request_continue() was called */
	struct image *base;		/* --incremental: the base, loaded */
	char *base_path;		/* and its absolute path */
	int compress;			/* zstd's level, or 0: a plain file */
};

/* scope.c: adds the processes of scope/id to the request (never ourselves,
 * never one twice), parents before their children. */
int scope_resolve(struct request *rq, cr_scope_t scope, pid_t id);
bool scope_contains(const struct request *rq, pid_t pid);
/* Refuses, before anything is sent, a target that cannot take part (or
 * marks it omitted, as the ptrace options say). */
int scope_check_target(struct request *rq, struct target *t);

/* handshake.c: every agent parks (0), or none stays parked (-errno). */
int request_park(struct request *rq);
/* The dump is committed: each parked target gets o->signal, then "continue". */
void request_continue(struct request *rq);
/* --cow: each parked target makes a holder of its memory (t->holder), or
 * -errno; request_release ends them all. */
int request_hold(struct request *rq);
void request_release(struct request *rq);

#endif
