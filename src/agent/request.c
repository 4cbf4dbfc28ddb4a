/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Requests made by the program itself: checkpoints (cr_request_checkpoint
 * and the calls that wait for, log and reap them) and restarts
 * (cr_request_restart and its counterparts).
 *
 * The dump is done by cr_checkpoint, run as a helper that is not part of
 * any scope: a grandchild of the caller (its parent exits at once, so it
 * is not in the caller's tree), in a session of its own (so it is not in
 * its group or session), started with clone() and a zero exit signal (so
 * that neither SIGCHLD nor the program's wait(-1) ever sees it).  Its
 * stderr is a pipe whose read end is the request's handle: the messages
 * arrive there, and its last line is the result.  The handle is left out
 * of the image; after a restart it reads as end of file and the request as
 * finished with CR_ERESTARTED.
 *
 * A restart runs the builder (src/restart, linked into libcr) in a fork of
 * the caller, which creates the roots as the caller's children; it is over
 * when cr_request_restart() returns, and its handle only keeps the result
 * and the messages.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "../common/sys.h"
#include "../common/util.h"
#include "../restart/restart.h"

/* What cr_checkpoint --libcr-request writes last on stderr. */
#define RESULT_TAG "\001ucr-result "

#define MAX_REQUESTS (UCR_MAX_PRIVATE_FDS - 1)	/* one for the request socket */

struct request {
	int fd;			/* the handle; -1: free slot */
	int done;		/* end of file seen */
	int restarted;		/* set by the agent in a restarted process */
	int result;		/* 0, or the errno of a failure */
	int value;		/* what a successful reap returns */
	char *log;		/* what the helper wrote, result line included */
	size_t log_len;
};

static struct request requests[MAX_REQUESTS] = {
	[0 ... MAX_REQUESTS - 1] = { .fd = -1 },	/* FREE */
};
static pthread_mutex_t requests_lock = PTHREAD_MUTEX_INITIALIZER;

int request_private_fds(int32_t *fds, int max)
{
	int n = 0;

	for (int i = 0; i < MAX_REQUESTS && n < max; i++)
		if (requests[i].fd >= 0)
			fds[n++] = requests[i].fd;
	return n;
}

/* In the restarted process, from the agent (async-signal-safe): the
 * handles were left out of the image; their numbers stay taken, by
 * /dev/null, and a request not over is over now: CR_ERESTARTED. */
void request_restarted(void)
{
	for (int i = 0; i < MAX_REQUESTS; i++) {
		struct request *rq = &requests[i];
		long null;

		if (rq->fd < 0)
			continue;
		null = sys_openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0) {
			sys_call3(__NR_dup3, null, rq->fd, O_CLOEXEC);
			sys_close(null);
		}
		if (!rq->done)
			__atomic_store_n(&rq->restarted, 1, __ATOMIC_RELEASE);
	}
}

static struct request *request_find(const unsigned long *handle)
{
	if (!handle)
		return NULL;
	for (int i = 0; i < MAX_REQUESTS; i++)
		if (requests[i].fd >= 0 && (unsigned long)requests[i].fd == *handle)
			return &requests[i];
	return NULL;
}

/* A free slot, reserved (fd RESERVED) until its handle exists. */
#define FREE (-1)
#define RESERVED (-2)

static struct request *request_alloc(void)
{
	struct request *found = NULL;

	pthread_mutex_lock(&requests_lock);
	for (int i = 0; i < MAX_REQUESTS && !found; i++)
		if (requests[i].fd == FREE)
			found = &requests[i];
	if (found)
		*found = (struct request){ .fd = RESERVED };
	pthread_mutex_unlock(&requests_lock);
	if (!found)
		errno = EAGAIN;
	return found;
}

static void request_free(struct request *rq)
{
	if (rq->fd >= 0)
		close(rq->fd);
	free(rq->log);
	pthread_mutex_lock(&requests_lock);
	*rq = (struct request){ .fd = FREE };
	pthread_mutex_unlock(&requests_lock);
}

/* The result line ends the log: parse it, and cut it off. */
static void request_finish(struct request *rq)
{
	char *tag = NULL;

	for (size_t i = 0; i < rq->log_len; i++)
		if (rq->log[i] == RESULT_TAG[0])
			tag = rq->log + i;
	rq->done = 1;
	if (__atomic_load_n(&rq->restarted, __ATOMIC_ACQUIRE)) {
		rq->result = CR_ERESTARTED;
		return;
	}
	if (!tag || strncmp(tag, RESULT_TAG, strlen(RESULT_TAG))) {
		rq->result = EIO;	/* the helper died without a word */
		return;
	}
	rq->result = atoi(tag + strlen(RESULT_TAG));
	rq->value = 1;
	rq->log_len = tag - rq->log;
	rq->log[rq->log_len] = 0;
}

/* Reads what the helper wrote, at most until timeout_ms (-1 forever).
 * 1 done, 0 not yet, -errno on a failure to wait. */
static int request_drain(struct request *rq, int timeout_ms)
{
	struct timespec end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (timeout_ms % 1000) * 1000000L;
	while (!rq->done) {
		struct pollfd pfd = { .fd = rq->fd, .events = POLLIN };
		char buf[4096], *tag;
		ssize_t n;
		int r, left = -1;

		if (timeout_ms >= 0) {
			struct timespec now;

			clock_gettime(CLOCK_MONOTONIC, &now);
			left = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
			if (left < 0)
				left = 0;
		}
		r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;	/* a checkpoint (maybe of ourselves) or a signal */
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		n = read(rq->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			request_finish(rq);
			break;
		}
		char *log = realloc(rq->log, rq->log_len + n + 1);

		if (!log)
			return -ENOMEM;
		memcpy(log + rq->log_len, buf, n);
		rq->log = log;
		rq->log_len += n;
		rq->log[rq->log_len] = 0;
		/* the result line is the end: a copy of the pipe that a fork
		 * elsewhere in the program holds may keep end of file away */
		tag = strstr(rq->log, RESULT_TAG);
		if (tag && strchr(tag, '\n'))
			request_finish(rq);
	}
	return 1;
}

/* ---- starting the helper ---------------------------------------------------- */

/* cr_checkpoint beside this library (PREFIX/lib/libcr.so.0 and
 * PREFIX/bin/cr_checkpoint, as in the build tree), else from the PATH. */
static void helper_path(char *buf, size_t len)
{
	Dl_info info;
	char *slash;

	snprintf(buf, len, "cr_checkpoint");
	if (!dladdr((void *)helper_path, &info) || !info.dli_fname ||
	    !(slash = strrchr(info.dli_fname, '/')))
		return;
	snprintf(buf, len, "%.*s/../bin/cr_checkpoint", (int)(slash - info.dli_fname),
		 info.dli_fname);
	if (access(buf, X_OK))
		snprintf(buf, len, "cr_checkpoint");
}

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

/* The helper's command line, built before the fork: after it, in a
 * multithreaded program, only async-signal-safe calls may run. */
struct helper_cmd {
	char path[UCR_PATH_MAX];
	char opts[8][32];
	char *argv[16];
};

static void helper_cmd_build(struct helper_cmd *c, const cr_checkpoint_args_t *a, pid_t target,
			     int out_fd)
{
	static const char *const scope_opt[] = {
		[CR_SCOPE_PROC] = "--pid", [CR_SCOPE_PGRP] = "--pgid",
		[CR_SCOPE_SESS] = "--sid", [CR_SCOPE_TREE] = "--tree",
	};
	int n = 0, k = 0;

	helper_path(c->path, sizeof(c->path));
	c->argv[n++] = c->path;
	c->argv[n++] = (char *)scope_opt[a->cr_scope];
	snprintf(c->opts[k], sizeof(c->opts[k]), "--libcr-request=%d", (int)getpid());
	c->argv[n++] = c->opts[k++];
	if (out_fd >= 0) {
		snprintf(c->opts[k], sizeof(c->opts[k]), "--fd=%d", out_fd);
		c->argv[n++] = c->opts[k++];
	}
	if (a->cr_signal) {
		snprintf(c->opts[k], sizeof(c->opts[k]), "--signal=%d", a->cr_signal);
		c->argv[n++] = c->opts[k++];
	}
	if (a->cr_timeout) {
		snprintf(c->opts[k], sizeof(c->opts[k]), "--time=%u", a->cr_timeout);
		c->argv[n++] = c->opts[k++];
	}
	if (a->cr_flags & CR_CHKPT_PROHIBIT_SELF)
		c->argv[n++] = "--libcr-prohibit-self";	/* for forwards */
	if (a->cr_flags & CR_CHKPT_PTRACED_ALLOW)
		c->argv[n++] = "--ptraced-allow";
	if (a->cr_flags & CR_CHKPT_PTRACED_SKIP)
		c->argv[n++] = "--ptraced-skip";
	if (a->cr_flags & CR_CHKPT_PTRACER_SKIP)
		c->argv[n++] = "--ptracer-skip";
	if (a->cr_flags & CR_CHKPT_DUMP_EXEC)
		c->argv[n++] = "--save-exe";
	if (a->cr_flags & CR_CHKPT_DUMP_PRIVATE)
		c->argv[n++] = "--save-private";
	if (a->cr_flags & CR_CHKPT_DUMP_SHARED)
		c->argv[n++] = "--save-shared";
	snprintf(c->opts[k], sizeof(c->opts[k]), "%d", (int)target);
	c->argv[n++] = c->opts[k++];
	c->argv[n] = NULL;
}

static pid_t raw_fork(int exit_signal)
{
	return syscall(SYS_clone, (unsigned long)exit_signal, 0UL, 0UL, 0UL, 0UL);
}

/* The grandchild: wait until the caller has reaped our parent (so that no
 * zombie of ours is in its tree), leave its group and session, exec. */
static __attribute__((noreturn)) void helper_exec(struct helper_cmd *c, int log_fd, int go_fd,
						  int go_write_fd, int out_fd)
{
	char byte, fail[] = RESULT_TAG "0000\n";
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t none;

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
	execvp(c->path, c->argv);
	/* errno into the result line, by hand: async-signal-safe */
	for (int i = 3, e = errno; i >= 0; i--, e /= 10)
		fail[strlen(RESULT_TAG) + i] = '0' + e % 10;
	if (write(STDERR_FILENO, "libcr: cannot run cr_checkpoint\n", 32) < 0 ||
	    write(STDERR_FILENO, fail, sizeof(fail) - 1) < 0)
		_exit(127);
	_exit(127);
}

/* fd, moved above the standard descriptors (which the helper replaces,
 * and which a program may have closed); -1 on failure, fd closed. */
static int above_stdio(int fd)
{
	int moved;

	if (fd > STDERR_FILENO)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return moved;
}

static int pipe_above_stdio(int p[2])
{
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	p[0] = above_stdio(p[0]);
	p[1] = above_stdio(p[1]);
	if (p[0] >= 0 && p[1] >= 0)
		return 0;
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	return -EMFILE;
}

/*
 * Starts the helper of request rq.  Its handle (the log pipe's read end) is
 * in rq before the helper may start: a checkpoint of ourselves must find it
 * to leave it out.  0 or -errno.
 */
static int helper_start(struct request *rq, const cr_checkpoint_args_t *a, pid_t target)
{
	struct helper_cmd *c = malloc(sizeof(*c));
	int log_pipe[2], go_pipe[2], out_fd = -1, status, r;
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
	helper_cmd_build(c, a, target, out_fd);
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
	mid = raw_fork(0);
	if (mid == 0) {
		if (raw_fork(SIGCHLD) == 0)
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
	free(c);
	return r;
}

/* A handle for a request already over: failed before it started
 * (CR_*_ASYNC_ERR) or done at once (a restart); it takes over log. */
static int request_done_handle(int err, int value, char *log, size_t log_len,
			       unsigned long *handle)
{
	int p[2];
	struct request *rq;

	rq = request_alloc();
	if (!rq) {
		free(log);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC)) {
		free(log);
		request_free(rq);
		return -1;
	}
	close(p[1]);	/* reads as end of file, polls as ready */
	rq->fd = p[0];
	rq->done = 1;
	rq->result = err;
	rq->value = value;
	rq->log = log;
	rq->log_len = log_len;
	*handle = p[0];
	return 0;
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
	if (!err && agent_cs_inside() && caller_in_scope(args->cr_scope, target))
		err = EDEADLK;	/* it would wait for the section we are in */
	if (err) {
		if (args->cr_flags & CR_CHKPT_ASYNC_ERR)
			return request_done_handle(err, 0, NULL, 0, handle);
		errno = err;
		return -1;
	}
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
	 * caller has been checkpointed (or restarted from that checkpoint). */
	if (caller_in_scope(args->cr_scope, target))
		request_drain(rq, -1);
	return 0;
}

static int timeval_ms(const struct timeval *tv)
{
	if (!tv)
		return -1;
	if (tv->tv_sec < 0 || tv->tv_usec < 0)
		return -2;
	return tv->tv_sec > 1000000 ? 1000000000 : (int)(tv->tv_sec * 1000 + tv->tv_usec / 1000);
}

int cr_wait_checkpoint(cr_checkpoint_handle_t *handle, struct timeval *timeout)
{
	struct request *rq = request_find(handle);
	int ms = timeval_ms(timeout), r;

	if (!rq || ms == -2) {
		errno = EINVAL;
		return -1;
	}
	r = request_drain(rq, ms);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	if (r && timeout)
		*timeout = (struct timeval){ 0 };
	return r;
}

int cr_log_checkpoint(cr_checkpoint_handle_t *handle, unsigned int len, char *msg)
{
	struct request *rq = request_find(handle);

	if (!rq || (len && !msg)) {
		errno = EINVAL;
		return -1;
	}
	request_drain(rq, 0);
	if (len) {
		size_t n = rq->log_len < len - 1 ? rq->log_len : len - 1;

		memcpy(msg, rq->log ? rq->log : "", n);
		msg[n] = 0;
	}
	return rq->log_len ? (int)rq->log_len + 1 : 0;
}

int cr_reap_checkpoint(cr_checkpoint_handle_t *handle)
{
	struct request *rq = request_find(handle);
	int result, value;

	if (!rq) {
		errno = EINVAL;
		return -1;
	}
	request_drain(rq, 0);
	if (!rq->done) {
		errno = EAGAIN;
		return -1;
	}
	result = rq->result;
	value = rq->value;
	request_free(rq);
	if (result) {
		errno = result;
		return -1;
	}
	return value;
}

/* Wait, log, reap: 0 not done, the reap's value when done, or err_* . */
static int request_poll(unsigned long *handle, struct timeval *timeout, char **msg_p)
{
	int r = cr_wait_checkpoint(handle, timeout);

	if (msg_p)
		*msg_p = NULL;
	if (r <= 0)
		return r < 0 ? CR_POLL_CHKPT_ERR_PRE : 0;
	if (msg_p) {
		int len = cr_log_checkpoint(handle, 0, NULL);

		if (len < 0)
			return CR_POLL_CHKPT_ERR_LOG;
		if (len > 0) {
			*msg_p = malloc(len);
			if (!*msg_p || cr_log_checkpoint(handle, len, *msg_p) < 0)
				return CR_POLL_CHKPT_ERR_LOG;
		}
	}
	r = cr_reap_checkpoint(handle);
	return r < 0 ? CR_POLL_CHKPT_ERR_POST : r;
}

int cr_poll_checkpoint_msg(cr_checkpoint_handle_t *handle, struct timeval *timeout, char **msg_p)
{
	int r = request_poll(handle, timeout, msg_p);

	return r > 0 ? 1 : r;
}

int cr_poll_checkpoint(cr_checkpoint_handle_t *handle, struct timeval *timeout)
{
	return cr_poll_checkpoint_msg(handle, timeout, NULL);
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

/* ---- restarts --------------------------------------------------------------- */

/* Set in the thread that forks cr_request_restart()'s helper: that child
 * must stay single-threaded (the fork handler starts no callback thread
 * in it).  Thread-local: another thread's fork() meanwhile is not ours. */
__thread __attribute__((tls_model("initial-exec"))) int request_forking_helper;

/*
 * Runs the builder in a fork()ed copy of the caller: fork() leaves malloc
 * and stdio usable in the child of a multithreaded program, which the
 * builder needs, and the roots it creates with CLONE_PARENT are the
 * caller's children all the same.  The messages go to a memfd for
 * cr_log_restart().  The root's pid, or -errno.
 */
static pid_t restart_in_helper(struct restart_opts *o, char **ret_log, size_t *ret_len)
{
	int mfd = memfd_create("libcr-restart-log", MFD_CLOEXEC), report[2];
	int32_t msg[2];		/* { 0, pid killed } ..., then { 1, result } */
	pid_t helper, r = -EIO;
	off_t len;

	*ret_log = NULL;
	*ret_len = 0;
	if (mfd < 0)
		return -errno;
	if (pipe2(report, O_CLOEXEC)) {
		close(mfd);
		return -errno;
	}
	request_forking_helper = 1;
	helper = fork();
	request_forking_helper = 0;
	if (helper == 0) {
		log_init("libcr");
		log_set_fd(mfd);
		o->roots_to_parent = true;
		o->killed_fd = report[1];
		o->caller = getppid();
		msg[0] = 1;
		msg[1] = restart_run(o);
		_exit(write(report[1], msg, sizeof(msg)) == sizeof(msg) ? 0 : 1);
	}
	close(report[1]);
	if (helper < 0) {
		r = -errno;
	} else {
		ssize_t n;

		while ((n = read(report[0], msg, sizeof(msg))) == sizeof(msg) ||
		       (n < 0 && errno == EINTR)) {
			if (n < 0)
				continue;
			if (msg[0] == 1) {
				r = msg[1];
				break;
			}
			/* a root it killed is ours to reap */
			while (waitpid(msg[1], NULL, 0) < 0 && errno == EINTR)
				;
		}
		while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
			;
	}
	close(report[0]);
	len = lseek(mfd, 0, SEEK_END);
	if (len > 0 && (*ret_log = malloc(len + 1))) {
		ssize_t n = pread(mfd, *ret_log, len, 0);

		*ret_len = n > 0 ? (size_t)n : 0;
		(*ret_log)[*ret_len] = 0;
	}
	close(mfd);
	return r;
}

/* Every pair must be two absolute paths. */
static bool relocation_invalid(const struct cr_rstrt_relocate *r)
{
	for (unsigned int i = 0; i < r->count; i++)
		if (!r->path[i].oldpath || !r->path[i].newpath || r->path[i].oldpath[0] != '/' ||
		    r->path[i].newpath[0] != '/')
			return true;
	return false;
}

int cr_request_restart(cr_restart_args_t *args, cr_restart_handle_t *handle)
{
	const unsigned int known = CR_RSTRT_ASYNC_ERR | CR_RSTRT_RESTORE_PID |
		CR_RSTRT_RESTORE_PGID | CR_RSTRT_RESTORE_SID;
	struct restart_opts o;
	char *log = NULL;
	size_t log_len = 0;
	int err = 0, fl;
	pid_t r;

	if (!args || !handle || args->cr_version != CR_RESTART_ARGS_VERSION) {
		errno = EINVAL;
		return -1;
	}
	fl = args->cr_fd < 0 ? -1 : fcntl(args->cr_fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY)
		err = EBADF;
	else if ((args->cr_flags & ~known) || args->cr_signal < 0 || args->cr_signal > UCR_NSIG)
		err = EINVAL;
	else if (args->cr_relocate && (args->cr_relocate->count > CR_MAX_RSTRT_RELOC ||
					relocation_invalid(args->cr_relocate)))
		err = EINVAL;
	if (!err) {
		struct restart_reloc relocs[CR_MAX_RSTRT_RELOC];
		size_t n_relocs = args->cr_relocate ? args->cr_relocate->count : 0;

		for (size_t i = 0; i < n_relocs; i++)
			relocs[i] = (struct restart_reloc){
				.from = args->cr_relocate->path[i].oldpath,
				.to = args->cr_relocate->path[i].newpath,
			};
		o = (struct restart_opts){
			.relocs = relocs,
			.n_relocs = n_relocs,
			.fd = args->cr_fd,
			.restore_pid = args->cr_flags & CR_RSTRT_RESTORE_PID,
			.restore_pgid = args->cr_flags & CR_RSTRT_RESTORE_PGID,
			.restore_sid = args->cr_flags & CR_RSTRT_RESTORE_SID,
			.signal = args->cr_signal,
		};
		r = restart_in_helper(&o, &log, &log_len);
		if (r > 0)
			return request_done_handle(0, r, log, log_len, handle);
		err = -r;
		/* late errors always come with messages: report them at reap */
		return request_done_handle(err, 0, log, log_len, handle);
	}
	if (args->cr_flags & CR_RSTRT_ASYNC_ERR)
		return request_done_handle(err, 0, NULL, 0, handle);
	errno = err;
	return -1;
}

/* A restart is over once requested: the rest is the checkpoint calls'. */
int cr_wait_restart(cr_restart_handle_t *handle, struct timeval *timeout)
{
	return cr_wait_checkpoint(handle, timeout);
}

int cr_log_restart(cr_restart_handle_t *handle, unsigned int len, char *msg)
{
	return cr_log_checkpoint(handle, len, msg);
}

int cr_reap_restart(cr_restart_handle_t *handle)
{
	return cr_reap_checkpoint(handle);
}

/* As BLCR's: done, it returns the restored root's pid. */
int cr_poll_restart_msg(cr_restart_handle_t *handle, struct timeval *timeout, char **msg_p)
{
	return request_poll(handle, timeout, msg_p);
}

int cr_poll_restart(cr_restart_handle_t *handle, struct timeval *timeout)
{
	return request_poll(handle, timeout, NULL);
}
