/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cr_checkpoint --cow: a copy-on-write holder of the parked process's
 * memory, which the dumper reads while the process runs on.
 *
 * The parked process forks a child (fork makes the whole memory
 * copy-on-write: it costs the copy of the page tables, not of the pages).
 * The child shares that memory (CLONE_VM) with a process of its own, the
 * holder, and exits at once; it is reaped here, so that the holder is no
 * child the program knows of: the child reaper of the namespace reaps it
 * when it ends.  The holder closes every descriptor, connects to the
 * dumper, and waits until the dumper closes the connection, having read
 * the memory, or dies.  Neither writes the memory the dumper reads: both
 * run on stacks of their own, static ones whose contents nobody needs.
 * Async-signal-safe: it runs in the checkpoint signal's handler.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <sys/wait.h>

#include "agent.h"

#define HOLD_STACK (16u << 10)

static char hold_child_stack[HOLD_STACK] __attribute__((aligned(16)));
static char hold_holder_stack[HOLD_STACK] __attribute__((aligned(16)));
static struct ucr_msg hold_msg;		/* the holder's */
static int hold_report[2];		/* the child writes the holder's pid, or -errno */
static uint32_t hold_requester, hold_token;

static __attribute__((noreturn)) void hold_wait(long unused)
{
	long fd;

	(void)unused;
	sys_close_range(0, ~0U, 0);
	fd = agent_connect(UCR_SOCK_CKPT, hold_requester, hold_token);
	if (fd >= 0 && agent_send_in(&hold_msg, (int)fd, UCR_MSG_HOLDER, sys_getpid(), 0, 0) == 0)
		while (sys_recvfrom((int)fd, &hold_msg, sizeof(hold_msg), 0) > 0)
			;
	for (;;)
		sys_exit_group(0);
}

static __attribute__((noreturn)) void hold_fork(long unused)
{
	long pid = agent_clone_on(CLONE_VM | SIGCHLD, hold_holder_stack + HOLD_STACK, hold_wait, 0);

	(void)unused;
	sys_write(hold_report[1], &pid, sizeof(pid));
	for (;;)
		sys_exit_group(0);
}

int agent_hold(uint32_t requester, uint32_t token)
{
	long child, pid = -EIO;
	int status;

	hold_requester = requester;
	hold_token = token;
	child = sys_pipe2(hold_report, O_CLOEXEC);
	if (child < 0)
		return (int)child;
	/* exit signal 0: no SIGCHLD reaches the program, and only a wait
	 * with __WALL, this one, sees the child */
	child = agent_clone_on(0, hold_child_stack + HOLD_STACK, hold_fork, 0);
	sys_close(hold_report[1]);
	if (child < 0) {
		pid = child;
	} else {
		if (sys_read(hold_report[0], &pid, sizeof(pid)) != sizeof(pid))
			pid = -EIO;
		while (sys_wait4((int)child, &status, __WALL) == -EINTR)
			;
	}
	sys_close(hold_report[0]);
	return pid < 0 ? (int)pid : 0;
}
