/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The program's own requests (request.c, request_checkpoint.c,
 * request_restart.c): each runs one of ucr's commands as a helper, whose
 * messages and result (common/request_abi.h) arrive on a pipe whose read
 * end is the request's handle.
 */
#ifndef UCR_AGENT_REQUEST_H
#define UCR_AGENT_REQUEST_H

#include <stddef.h>

#include "agent.h"

struct request {
	int fd;			/* the handle; -1: free slot */
	int done;		/* the result line, or end of file, seen */
	int restarted;		/* set by the agent in a restarted process */
	int result;		/* 0, or the errno of a failure */
	int value;		/* what a successful reap returns */
	char *log;		/* what the helper wrote, result line cut off */
	size_t log_len;
};

AGENT_HIDDEN struct request *request_alloc(void);
AGENT_HIDDEN void request_free(struct request *rq);
/* Reads what the helper writes, at most until timeout_ms (-1 forever).
 * 1 done, 0 not yet, -errno on a failure to wait. */
AGENT_HIDDEN int request_drain(struct request *rq, int timeout_ms);
/* A request refused with err before any helper ran: -1 and errno, or, if
 * async (CR_*_ASYNC_ERR), 0 and a handle whose reap fails with err. */
AGENT_HIDDEN int request_refused(int err, bool async, unsigned long *handle);

/*
 * A helper's command line, built before the fork: after it, in a
 * multithreaded program, only async-signal-safe calls may run.
 */
#define HELPER_MAX_ARGS (24 + CR_MAX_RSTRT_RELOC)
struct helper_cmd {
	char path[UCR_PATH_MAX];
	char *argv[HELPER_MAX_ARGS + 1];	/* argv[1...]: malloc()ed */
	int argc;
	bool oom;
};

/* Starts c for the command of ucr named name, the one beside this library
 * (PREFIX/lib/libcr.so.0 and PREFIX/bin/NAME), else the PATH's. */
AGENT_HIDDEN void helper_cmd_init(struct helper_cmd *c, const char *name);
AGENT_HIDDEN void helper_cmd_add(struct helper_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
AGENT_HIDDEN void helper_cmd_free(struct helper_cmd *c);
/* Execs c; on failure writes the result line with its errno to fd and
 * exits 127.  Async-signal-safe. */
AGENT_HIDDEN __attribute__((noreturn)) void helper_cmd_exec(const struct helper_cmd *c, int fd);

/* A close-on-exec pipe, both ends above the standard descriptors; 0 or
 * -errno. */
AGENT_HIDDEN int pipe_above_stdio(int p[2]);

/* A process of ours, sharing nothing but our memory's copy: clone() with
 * no atfork handler (they may take locks), to exec at once. */
AGENT_HIDDEN pid_t helper_fork(int exit_signal);

#endif
