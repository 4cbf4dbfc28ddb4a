/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cr_request_restart(): runs `cr_restart --libcr-request=FD' as a direct
 * child of the caller, which creates the roots with CLONE_PARENT, so that
 * they are the caller's children as BLCR promises, and exits once they
 * run.  The restart is over when cr_request_restart() returns; its handle
 * keeps the result and the messages (request.c).
 *
 * The builder runs in a process of its own, never in the caller's: in
 * libcr, its calls to sigprocmask() and poll() would be the agent's own
 * wrappers, and every program would carry its code and libraries.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "request.h"
#include "../common/request_abi.h"
#include "../common/sys.h"

/* Every pair must be two absolute paths. */
static bool relocation_invalid(const struct cr_rstrt_relocate *r)
{
	for (unsigned int i = 0; i < r->count; i++)
		if (!r->path[i].oldpath || !r->path[i].newpath || r->path[i].oldpath[0] != '/' ||
		    r->path[i].newpath[0] != '/')
			return true;
	return false;
}

static int check_args(const cr_restart_args_t *a)
{
	const unsigned int known = CR_RSTRT_ASYNC_ERR | CR_RSTRT_RESTORE_PID |
		CR_RSTRT_RESTORE_PGID | CR_RSTRT_RESTORE_SID;
	int fl = a->cr_fd < 0 ? -1 : fcntl(a->cr_fd, F_GETFL);

	if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY)
		return EBADF;
	if ((a->cr_flags & ~known) || a->cr_signal < 0 || a->cr_signal > UCR_NSIG)
		return EINVAL;
	if (a->cr_relocate && (a->cr_relocate->count > CR_MAX_RSTRT_RELOC ||
			       relocation_invalid(a->cr_relocate)))
		return EINVAL;
	return 0;
}

/* path with a backslash before each character of special, for --relocate
 * (cr_restart splits OLD=NEW at the first '=' no backslash escapes). */
static char *escaped(const char *path, const char *special)
{
	char *out = malloc(2 * strlen(path) + 1), *o = out;

	if (!out)
		return NULL;
	for (const char *c = path; *c; c++) {
		if (strchr(special, *c))
			*o++ = '\\';
		*o++ = *c;
	}
	*o = 0;
	return out;
}

/* UCR_RESTART_LAZY=1 in the caller's environment: cr_restart --lazy */
static bool lazy_asked(void)
{
	const char *v = getenv("UCR_RESTART_LAZY");

	return v && !strcmp(v, "1");
}

static void restart_cmd_build(struct helper_cmd *c, const cr_restart_args_t *a, int report_fd)
{
	const struct cr_rstrt_relocate *reloc = a->cr_relocate;

	helper_cmd_init(c, "cr_restart");
	helper_cmd_add(c, "--" UCR_REQUEST_OPTION "=%d", report_fd);
	helper_cmd_add(c, "--fd=%d", a->cr_fd);
	helper_cmd_add(c, "%s", a->cr_flags & CR_RSTRT_RESTORE_PID ? "--restore-pid" :
								    "--no-restore-pid");
	if (a->cr_flags & CR_RSTRT_RESTORE_PGID)
		helper_cmd_add(c, "--restore-pgid");
	if (a->cr_flags & CR_RSTRT_RESTORE_SID)
		helper_cmd_add(c, "--restore-sid");
	if (a->cr_signal)
		helper_cmd_add(c, "--signal=%d", a->cr_signal);
	/* BLCR's flags have no room for it: libcr(3) documents the variable */
	if (lazy_asked())
		helper_cmd_add(c, "--lazy");
	for (unsigned int i = 0; reloc && i < reloc->count; i++) {
		char *from = escaped(reloc->path[i].oldpath, "\\="),
		     *to = escaped(reloc->path[i].newpath, "\\");

		if (from && to)
			helper_cmd_add(c, "--relocate=%s=%s", from, to);
		else
			c->oom = true;
		free(from);
		free(to);
	}
}

/*
 * The child, which execs cr_restart at once.  It was born with every
 * signal blocked (see restart_start); the checkpoint signal becomes
 * ignored, which drops one pending (a request meant for the caller) and
 * outlives the exec.  Async-signal-safe.
 */
static __attribute__((noreturn)) void restart_exec(const struct helper_cmd *c, int report_fd,
						   int ctx_fd)
{
	struct sys_sigaction ignore = { .handler = (unsigned long)SIG_IGN };

	sys_rt_sigaction(CR_SIGNUM, &ignore, NULL);
	fcntl(report_fd, F_SETFD, 0);
	fcntl(ctx_fd, F_SETFD, 0);
	helper_cmd_exec(c, report_fd);
}

/* Starts cr_restart for rq, whose handle is the report pipe's read end
 * from before the fork (a checkpoint of ourselves meanwhile leaves it out
 * of the image); the helper's pid, or -errno. */
static pid_t restart_start(struct request *rq, const cr_restart_args_t *a)
{
	int report[2], r = pipe_above_stdio(report);
	struct helper_cmd *c;
	uint64_t all = ~0ULL, old;
	pid_t pid = -ENOMEM;

	if (r)
		return r;
	__atomic_store_n(&rq->fd, report[0], __ATOMIC_RELEASE);
	c = malloc(sizeof(*c));
	if (!c)
		goto out;
	restart_cmd_build(c, a, report[1]);
	if (!c->oom) {
		/* blocked from before the fork: no handler of the program or
		 * of the agent may run in the child before its exec */
		sys_rt_sigprocmask(SIG_SETMASK, &all, &old);
		pid = helper_fork(SIGCHLD);
		if (pid == 0)
			restart_exec(c, report[1], a->cr_fd);
		if (pid < 0)
			pid = -errno;
		sys_rt_sigprocmask(SIG_SETMASK, &old, NULL);
	}
	helper_cmd_free(c);
	free(c);
out:
	close(report[1]);
	return pid;
}

int cr_request_restart(cr_restart_args_t *args, cr_restart_handle_t *handle)
{
	struct request *rq;
	pid_t helper;
	int err;

	if (!args || !handle || args->cr_version != CR_RESTART_ARGS_VERSION) {
		errno = EINVAL;
		return -1;
	}
	err = check_args(args);
	if (err)
		return request_refused(err, args->cr_flags & CR_RSTRT_ASYNC_ERR, handle);
	rq = request_alloc();
	if (!rq)
		return -1;
	helper = restart_start(rq, args);
	if (helper < 0) {
		request_free(rq);
		errno = -helper;
		return -1;
	}
	/* over when cr_restart has said how it ended (a restored process may
	 * hold a copy of the pipe, so that end of file would not come) */
	request_drain(rq, -1);
	while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
		;
	*handle = rq->fd;
	return 0;
}
