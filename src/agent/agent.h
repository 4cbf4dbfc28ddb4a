/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internals of the agent (libcr) shared by its files; nothing exported. */
#ifndef UCR_AGENT_H
#define UCR_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/agent_abi.h"
#include "libcr.h"

#define AGENT_HIDDEN __attribute__((visibility("hidden")))

/* resume.S */
AGENT_HIDDEN int agent_save_context(struct agent_jmpbuf *jb) __attribute__((returns_twice));
AGENT_HIDDEN void agent_resume_thread(const struct agent_jmpbuf *jb) __attribute__((noreturn));

/* agent.c: the request being served */
struct agent_request {
	int active;
	int restarted;
	struct cr_checkpoint_info ckpt_info;
	char dest[UCR_PATH_MAX];
	struct cr_restart_info rstrt_info;
};
AGENT_HIDDEN extern struct agent_request agent_req;
/* Parks the calling thread for the dumper; 0 continue, 1 restart, -CR_E*. */
AGENT_HIDDEN int agent_take_checkpoint(void);

/* agent.c, for the wrappers of interpose.c: a counter that moves each time
 * a checkpoint parks the process (continue or restart), and the time the
 * process spent not existing (between its checkpoint and its restart). */
AGENT_HIDDEN unsigned long agent_checkpoint_generation(void);
AGENT_HIDDEN int64_t agent_downtime_ns(void);

/* interpose.c: the program's own view of the checkpoint signal. */
#include <signal.h>
/* Delivers a CR_SIGNUM that was not a checkpoint request as the program's
 * own disposition for it says (async-signal-safe). */
AGENT_HIDDEN void interpose_forward(int sig, siginfo_t *si, void *uc);
/* libc's sigaction, which the program's calls do not reach for CR_SIGNUM */
AGENT_HIDDEN int interpose_real_sigaction(int sig, const struct sigaction *act,
					  struct sigaction *old);

/* cs.c: critical sections.  In the handler, agent_cs_defer() says whether
 * the request must wait for sections to end (the last cr_leave_cs() then
 * calls agent_serve_deferred()); agent_cs_done() ends the request. */
AGENT_HIDDEN bool agent_cs_defer(void);
AGENT_HIDDEN void agent_cs_done(void);
AGENT_HIDDEN bool agent_cs_pending(void);
AGENT_HIDDEN void agent_serve_deferred(void);

/* procstate.c: pending signals, timers and prctl settings */
#include <stdbool.h>
AGENT_HIDDEN void procstate_reset(void);
AGENT_HIDDEN void procstate_save_pending(int record, bool shared);
AGENT_HIDDEN void procstate_restore_pending(int record, bool shared);
AGENT_HIDDEN void procstate_save(void);
AGENT_HIDDEN void procstate_restore(void);

/* callbacks.c: runs the chain, innermost is agent_take_checkpoint().  On a
 * callback's refusal, *ret_fail_code is the CR_E* (or user) code. */
AGENT_HIDDEN int agent_run_callbacks(int *ret_fail_code);
AGENT_HIDDEN int agent_in_callback(void);
AGENT_HIDDEN int agent_checkpoint_called(void);

#endif
