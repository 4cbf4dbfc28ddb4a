/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The program's view of the checkpoint signal.  For now: libc's sigaction
 * installs the agent's handler, and a CR_SIGNUM that is not a request is
 * dropped (the program cannot have a disposition of its own for it yet).
 */
#include "agent.h"

void interpose_forward(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
}

int interpose_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return sigaction(sig, act, old);
}
