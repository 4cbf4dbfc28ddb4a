/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cr_request_checkpoint() and BLCR's shortcuts to it, and forwarding from
 * a callback.
 *
 * The dump is done by cr_checkpoint, run as a helper that is not part of
 * any scope: a grandchild of the caller (its parent exits at once, so it
 * is not in the caller's tree), in a session of its own (so it is not in
 * its group or session), started with clone() and a zero exit signal (so
 * that neither SIGCHLD nor the program's wait(-1) ever sees it).  Its
 * stderr is the request's pipe (request.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "request.h"
#include "../common/request_abi.h"

/* Is the caller among the processes a request of scope/target names?  A
 * tree includes us when target is one of our ancestors. */
static int caller_in_scope(cr_scope_t scope, pid_t target)
{
	pid_t pid = getpid();

	switch (scope) {
	case CR_SCOPE_PROC:
		return target == pid;
	case CR_SCOPE_PGRP:
		return target == getpgrp();
	case CR_SCOPE_SESS:
		return target == getsid(0);
	case CR_SCOPE_TREE:
		while (pid > 1) {
			char path[64], buf[512], *close_paren;
			FILE *f;
			int ppid = 0;

			if (pid == target)
				return 1;
			snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
			f = fopen(path, "re");
			if (!f)
				return 0;
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = 0;
			fclose(f);
			close_paren = strrchr(buf, ')');
			if (!close_paren || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
				return 0;
			pid = ppid;
		}
		return 0;
	}
	return 0;
}

static int check_args(const cr_checkpoint_args_t *a, pid_t *ret_target)
{
	const unsigned int known = CR_CHKPT_PROHIBIT_SELF | CR_CHKPT_PTRACED_ALLOW |
		CR_CHKPT_PTRACED_SKIP | CR_CHKPT_PTRACER_SKIP | CR_CHKPT_ASYNC_ERR |
		CR_CHKPT_DUMP_ALL;
	pid_t target = a->cr_target;

	if ((unsigned int)a->cr_scope > CR_SCOPE_TREE || (a->cr_flags & ~known) ||
	    a->cr_signal < 0 || a->cr_signal > UCR_NSIG)
		return EINVAL;
	if (a->cr_fd != CR_DEST_CWD) {
		int fl = a->cr_fd < 0 ? -1 : fcntl(a->cr_fd, F_GETFL);

		if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
			return EBADF;
	}
	if (target < 0)
		return EINVAL;
	if (!target)
		target = a->cr_scope == CR_SCOPE_PGRP ? getpgrp() :
			 a->cr_scope == CR_SCOPE_SESS ? getsid(0) : getpid();
	if (a->cr_scope != CR_SCOPE_SESS && kill(a->cr_scope == CR_SCOPE_PGRP ? -target : target, 0))
		return errno;
	if ((a->cr_flags & CR_CHKPT_PROHIBIT_SELF) && caller_in_scope(a->cr_scope, target))
		return EDEADLK;
	*ret_target = target;
	return 0;
}

static void checkpoint_cmd_build(struct helper_cmd *c, const cr_checkpoint_args_t *a,
				 pid_t target, int out_fd)
{
	static const char *const scope_opt[] = {
		[CR_SCOPE_PROC] = "--pid", [CR_SCOPE_PGRP] = "--pgid",
		[CR_SCOPE_SESS] = "--sid", [CR_SCOPE_TREE] = "--tree",
	};
	static const struct { unsigned int flag; const char *opt; } flag_opts[] = {
		{ CR_CHKPT_PROHIBIT_SELF, "--libcr-prohibit-self" },	/* for forwards */
		{ CR_CHKPT_PTRACED_ALLOW, "--ptraced-allow" },
		{ CR_CHKPT_PTRACED_SKIP, "--ptraced-skip" },
		{ CR_CHKPT_PTRACER_SKIP, "--ptracer-skip" },
		{ CR_CHKPT_DUMP_EXEC, "--save-exe" },
		{ CR_CHKPT_DUMP_PRIVATE, "--save-private" },
		{ CR_CHKPT_DUMP_SHARED, "--save-shared" },
	};

	helper_cmd_init(c, "cr_checkpoint");
	helper_cmd_add(c, "--" UCR_REQUEST_OPTION "=%d", (int)getpid());
	helper_cmd_add(c, "%s", scope_opt[a->cr_scope]);
	if (out_fd >= 0)
		helper_cmd_add(c, "--fd=%d", out_fd);
	if (a->cr_signal)
		helper_cmd_add(c, "--signal=%d", a->cr_signal);
	if (a->cr_timeout)
		helper_cmd_add(c, "--time=%u", a->cr_timeout);
	for (size_t i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++)
		if (a->cr_flags & flag_opts[i].flag)
			helper_cmd_add(c, "%s", flag_opts[i].opt);
	helper_cmd_add(c, "%d", (int)target);
}

/* The grandchild: wait until the caller has reaped our parent (so that no
 * zombie of ours is in its tree), leave its group and session, exec. */
static __attribute__((noreturn)) void helper_exec(const struct helper_cmd *c, int log_fd,
						  int go_fd, int go_write_fd, int out_fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t none;
	char byte;

	close(go_write_fd);	/* the caller's copy is the one that counts */
	while (read(go_fd, &byte, 1) < 0 && errno == EINTR)
		;
	setsid();
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	dup2(log_fd, STDERR_FILENO);
	if (out_fd >= 0)
		fcntl(out_fd, F_SETFD, 0);
	/* the helper starts with nothing blocked, whatever the caller had */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	helper_cmd_exec(c, STDERR_FILENO);
}

/*
 * Starts the helper of request rq.  Its handle (the log pipe's read end) is
 * in rq before the helper may start: a checkpoint of ourselves must find it
 * to leave it out.  0 or -errno.
 */
static int helper_start(struct request *rq, const cr_checkpoint_args_t *a, pid_t target)
{
	struct helper_cmd *c = malloc(sizeof(*c));
	int log_pipe[2], go_pipe[2], out_fd = -1, status, r = -ENOMEM;
	pid_t mid;

	if (!c)
		return -ENOMEM;
	if (a->cr_fd != CR_DEST_CWD) {
		out_fd = fcntl(a->cr_fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		if (out_fd < 0) {
			free(c);
			return -errno;
		}
	}
	checkpoint_cmd_build(c, a, target, out_fd);
	if (c->oom)
		goto out;
	r = pipe_above_stdio(log_pipe);
	if (r)
		goto out;
	r = pipe_above_stdio(go_pipe);
	if (r) {
		close(log_pipe[0]);
		close(log_pipe[1]);
		goto out;
	}
	__atomic_store_n(&rq->fd, log_pipe[0], __ATOMIC_RELEASE);
	mid = helper_fork(0);
	if (mid == 0) {
		if (helper_fork(SIGCHLD) == 0)
			helper_exec(c, log_pipe[1], go_pipe[0], go_pipe[1], out_fd);
		_exit(0);
	}
	if (mid < 0)
		r = -errno;
	else
		while (waitpid(mid, &status, __WCLONE) < 0 && errno == EINTR)
			;
	close(go_pipe[0]);
	close(go_pipe[1]);	/* the helper may go on */
	close(log_pipe[1]);
out:
	if (out_fd >= 0)
		close(out_fd);
	helper_cmd_free(c);
	free(c);
	return r;
}

/* Until the request has reached us and waits for the section we are in,
 * or has ended before (it failed, or another request is being served). */
static void request_wait_pending(struct request *rq)
{
	while (!agent_cs_wait_pending(20))
		if (request_drain(rq, 0) != 0)
			return;
}

int cr_request_checkpoint(cr_checkpoint_args_t *args, cr_checkpoint_handle_t *handle)
{
	struct request *rq;
	pid_t target = 0;
	int err, r;

	if (!args || !handle || args->cr_version != CR_CHECKPOINT_ARGS_VERSION) {
		errno = EINVAL;
		return -1;
	}
	err = check_args(args, &target);
	if (!err && agent_in_callback() && caller_in_scope(args->cr_scope, target))
		err = EBUSY;	/* a checkpoint of ourselves from our own callback */
	if (err)
		return request_refused(err, args->cr_flags & CR_CHKPT_ASYNC_ERR, handle);
	rq = request_alloc();
	if (!rq)
		return -1;
	r = helper_start(rq, args, target);
	if (r < 0) {
		request_free(rq);
		errno = -r;
		return -1;
	}
	*handle = rq->fd;
	/* As in BLCR, a request that includes the caller returns once the
	 * caller has been checkpointed (or restarted from that checkpoint);
	 * from inside a critical section, once it is pending: the last
	 * cr_leave_cs() runs it. */
	if (caller_in_scope(args->cr_scope, target)) {
		if (agent_cs_inside())
			request_wait_pending(rq);
		else
			request_drain(rq, -1);
	}
	return 0;
}
/* ---- BLCR's deprecated shortcuts: checkpoint ourselves and wait ------------ */

void cr_request_fd(int fd)
{
	cr_checkpoint_args_t a;
	cr_checkpoint_handle_t h;

	cr_initialize_checkpoint_args_t(&a);
	a.cr_scope = CR_SCOPE_PROC;
	a.cr_fd = fd;
	if (cr_request_checkpoint(&a, &h) == 0)
		cr_poll_checkpoint(&h, NULL);
}

void cr_request_file(const char *filename)
{
	int fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400);

	if (fd < 0)
		return;
	cr_request_fd(fd);
	close(fd);
}

void cr_request(void)
{
	cr_request_fd(CR_DEST_CWD);
}

int cr_forward_checkpoint(cr_scope_t scope, pid_t target)
{
	int r;

	if (!agent_in_callback() || agent_checkpoint_called()) {
		errno = CR_ENOTCB;
		return -1;
	}
	if ((unsigned int)scope > CR_SCOPE_TREE || target < 0) {
		errno = EINVAL;
		return -1;
	}
	r = agent_forward(scope, target ? target : getpid());
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}
