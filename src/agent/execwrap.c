/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The exec family.  An execve() resets the agent's handler of CR_SIGNUM to
 * the default, which kills: a checkpoint request that arrives during the
 * call, after the old image can no longer take it and before the new
 * image's agent installed its handler, would end the process.  So each
 * exec blocks CR_SIGNUM for real around the call.  A request that comes
 * meanwhile stays pending through the execve, and the new image's agent
 * unblocks it once its handler is in place (agent_load), then serves it;
 * when the exec fails, the old mask comes back and the request is served
 * here.  An image without the agent (a static program, an environment
 * without LD_PRELOAD) keeps the signal blocked: the checkpoint times out,
 * the process lives.
 *
 * The guard is raw system calls on the stack: a vfork() child, which
 * shares the parent's memory, may exec through it.
 */
#include <stdarg.h>
#include <unistd.h>

#include "agent.h"
#include "exec_args.h"
#include "../common/sys.h"

static uint64_t exec_guard(void)
{
	uint64_t block = CR_SIGNUM_BIT, old = 0;

	sys_rt_sigprocmask(SIG_BLOCK, &block, &old);
	return old;
}

/* After a failed exec; errno is the exec's. */
static void exec_unguard(uint64_t old)
{
	sys_rt_sigprocmask(SIG_SETMASK, &old, NULL);
}

#define GUARDED(call) \
	do { \
		uint64_t old_ = exec_guard(); \
		int rc_ = (call); \
		exec_unguard(old_); \
		return rc_; \
	} while (0)

int execve(const char *path, char *const argv[], char *const envp[])
{
	GUARDED(libc()->execve(path, argv, envp));
}

int execv(const char *path, char *const argv[])
{
	GUARDED(libc()->execv(path, argv));
}

int execvp(const char *file, char *const argv[])
{
	GUARDED(libc()->execvp(file, argv));
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	GUARDED(libc()->execvpe(file, argv, envp));
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	GUARDED(libc()->fexecve(fd, argv, envp));
}

int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	GUARDED(libc()->execveat(dirfd, path, argv, envp, flags));
}

EXEC_LIST_FORMS
