/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Faults injected into a restart, for the tests only: compiled in with
 * UCR_FAULTS (make's build of $(B)/tests/cr_restart-faults), never in the
 * cr_restart that is installed or packaged, where these are empty.  The
 * environment names one fault (docs/design-notes.md):
 *
 *   UCR_FAULT=area:PID:N    the restorer of saved pid PID fails to map its
 *                           area N (from 0), as mmap would (ENOMEM)
 *   UCR_FAULT=thread:PID:N  it fails to create its thread N (EAGAIN)
 *   UCR_FAULT=pause:POINT   cr_restart waits at POINT (checked, created,
 *                           go, restored; checker: its page checker before
 *                           it checks) on the FIFO UCR_FAULT_FIFO: it
 *                           opens it to write POINT, then to read until
 *                           the test closes it again
 */
#ifndef UCR_FAULTS_H
#define UCR_FAULTS_H

#include <stdint.h>

#include "restorer/plan.h"

#ifdef UCR_FAULTS
void fault_pause(const char *point);
void fault_plan(int32_t pid, struct plan *plan);
#else
static inline void fault_pause(const char *point)
{
	(void)point;
}

static inline void fault_plan(int32_t pid, struct plan *plan)
{
	(void)pid;
	(void)plan;
}
#endif

#endif
