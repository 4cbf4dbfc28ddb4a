/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The protocol between libcr's requests and the commands that serve them.
 *
 * cr_request_checkpoint() runs `cr_checkpoint --libcr-request=PID ...'
 * (PID: the requester) with its stderr a pipe to libcr; cr_request_restart()
 * runs `cr_restart --libcr-request=FD ...' with FD a pipe to libcr (its
 * stderr stays the caller's, for the restored processes that inherit it).
 * Either writes its messages there, then, last, one result line:
 *
 *	"\001ucr-result ERR VALUE\n"
 *
 * ERR is 0 or the positive errno of the failure (BLCR's CR_E* codes
 * included), VALUE what a successful reap returns: 1 for a checkpoint, the
 * restored root's pid for a restart.  A restart that fails after it created
 * roots (the caller's children, by CLONE_PARENT) kills them and names each,
 * before the result, for the caller to reap:
 *
 *	"\001ucr-killed PID\n"
 */
#ifndef UCR_REQUEST_ABI_H
#define UCR_REQUEST_ABI_H

#include <stdio.h>

#define UCR_REQUEST_OPTION "libcr-request"
#define UCR_RESULT_TAG "\001ucr-result "
#define UCR_KILLED_TAG "\001ucr-killed "

static inline void request_write_result(int fd, int err, int value)
{
	dprintf(fd, UCR_RESULT_TAG "%d %d\n", err, value);
}

static inline void request_write_killed(int fd, int pid)
{
	dprintf(fd, UCR_KILLED_TAG "%d\n", pid);
}

#endif
