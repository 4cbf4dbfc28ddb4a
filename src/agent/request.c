/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The handles of the program's own requests, checkpoints and restarts
 * alike: the table of them, reading what their helpers write, and the
 * calls that wait for, log and reap them.  Starting the helpers is
 * request_checkpoint.c's and request_restart.c's.
 *
 * A handle is the read end of a pipe from the helper (a command of ucr),
 * which writes its messages there and, last, its result line
 * (common/request_abi.h).  Handles are left out of the image; after a
 * restart one reads as end of file and its request as finished with
 * CR_ERESTARTED.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "request.h"
#include "../common/request_abi.h"
#include "../common/sys.h"

#define MAX_REQUESTS (UCR_MAX_PRIVATE_FDS - 1)	/* one for the request socket */

/* A slot's fd: free, or reserved until its handle exists. */
#define FREE (-1)
#define RESERVED (-2)

static struct request requests[MAX_REQUESTS] = {
	[0 ... MAX_REQUESTS - 1] = { .fd = FREE },
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
			sys_dup3(null, rq->fd, O_CLOEXEC);
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

struct request *request_alloc(void)
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

void request_free(struct request *rq)
{
	if (rq->fd >= 0)
		close(rq->fd);
	free(rq->log);
	pthread_mutex_lock(&requests_lock);
	*rq = (struct request){ .fd = FREE };
	pthread_mutex_unlock(&requests_lock);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The helper's last words, cut from the log: the result line, and the
 * roots a failed restart killed, which are our children to reap. */
static void request_finish(struct request *rq)
{
	bool have_result = false;
	size_t kept = 0;

	rq->done = 1;
	for (size_t at = 0; at < rq->log_len;) {
		char *line = rq->log + at, *nl = memchr(line, '\n', rq->log_len - at);
		size_t len = nl ? (size_t)(nl - line) + 1 : rq->log_len - at;

		at += len;
		if (starts_with(line, UCR_KILLED_TAG)) {
			pid_t pid = atoi(line + strlen(UCR_KILLED_TAG));

			while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		} else if (starts_with(line, UCR_RESULT_TAG)) {
			have_result = sscanf(line + strlen(UCR_RESULT_TAG), "%d %d", &rq->result,
					     &rq->value) == 2;
		} else {
			memmove(rq->log + kept, line, len);
			kept += len;
		}
	}
	rq->log_len = kept;
	if (rq->log)
		rq->log[kept] = 0;
	if (__atomic_load_n(&rq->restarted, __ATOMIC_ACQUIRE))
		rq->result = CR_ERESTARTED;
	else if (!have_result)
		rq->result = EIO;	/* the helper died without a word */
}

static int ms_left(const struct timespec *end)
{
	struct timespec now;
	long left;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left = (end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
	return left < 0 ? 0 : (int)left;
}

/* One read from the helper into the log; 1 more may come, 0 end of file,
 * -errno. */
static int request_read(struct request *rq)
{
	char buf[4096], *log;
	ssize_t n = read(rq->fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	log = realloc(rq->log, rq->log_len + n + 1);
	if (!log)
		return -ENOMEM;
	memcpy(log + rq->log_len, buf, n);
	rq->log = log;
	rq->log_len += n;
	rq->log[rq->log_len] = 0;
	return 1;
}

int request_drain(struct request *rq, int timeout_ms)
{
	struct timespec end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (timeout_ms % 1000) * 1000000L;
	while (!rq->done) {
		struct pollfd pfd = { .fd = rq->fd, .events = POLLIN };
		char *tag;
		int r = poll(&pfd, 1, timeout_ms < 0 ? -1 : ms_left(&end));

		if (r < 0 && errno == EINTR)
			continue;	/* a checkpoint (maybe of ourselves) or a signal */
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		r = request_read(rq);
		if (r < 0 && r != -ENOMEM)
			r = 0;		/* the pipe is gone: as at its end */
		if (r < 0)
			return r;
		/* the result line is the end: a copy of the pipe that a fork
		 * elsewhere in the program holds may keep end of file away */
		tag = rq->log ? strstr(rq->log, UCR_RESULT_TAG) : NULL;
		if (!r || (tag && strchr(tag, '\n')))
			request_finish(rq);
	}
	return 1;
}

int request_refused(int err, bool async, unsigned long *handle)
{
	struct request *rq;
	int p[2];

	if (!async) {
		errno = err;
		return -1;
	}
	rq = request_alloc();
	if (!rq)
		return -1;
	if (pipe2(p, O_CLOEXEC)) {
		request_free(rq);
		return -1;
	}
	close(p[1]);	/* reads as end of file, polls as ready */
	*rq = (struct request){ .fd = p[0], .done = 1, .result = err };
	*handle = p[0];
	return 0;
}

/* ---- the helpers' command lines ---------------------------------------------- */

void helper_cmd_init(struct helper_cmd *c, const char *name)
{
	Dl_info info;
	char *slash;

	*c = (struct helper_cmd){ 0 };
	snprintf(c->path, sizeof(c->path), "%s", name);
	c->argv[c->argc++] = c->path;
	if (!dladdr((void *)helper_cmd_init, &info) || !info.dli_fname ||
	    !(slash = strrchr(info.dli_fname, '/')))
		return;
	snprintf(c->path, sizeof(c->path), "%.*s/../bin/%s", (int)(slash - info.dli_fname),
		 info.dli_fname, name);
	if (access(c->path, X_OK))
		snprintf(c->path, sizeof(c->path), "%s", name);
}

void helper_cmd_add(struct helper_cmd *c, const char *fmt, ...)
{
	va_list ap;
	char *arg;

	if (c->argc >= HELPER_MAX_ARGS) {
		c->oom = true;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&arg, fmt, ap) < 0)
		c->oom = true;
	else
		c->argv[c->argc++] = arg;
	va_end(ap);
}

void helper_cmd_free(struct helper_cmd *c)
{
	for (int i = 1; i < c->argc; i++)
		free(c->argv[i]);
	c->argc = 0;
}

void helper_cmd_exec(const struct helper_cmd *c, int fd)
{
	static const char what[] = "libcr: cannot run ";
	char fail[] = UCR_RESULT_TAG "0000 0\n";

	execvp(c->path, c->argv);
	/* errno into the result line, by hand: async-signal-safe */
	for (int i = 3, e = errno; i >= 0; i--, e /= 10)
		fail[strlen(UCR_RESULT_TAG) + i] = '0' + e % 10;
	if (write(fd, what, sizeof(what) - 1) < 0 || write(fd, c->path, strlen(c->path)) < 0 ||
	    write(fd, "\n", 1) < 0 || write(fd, fail, sizeof(fail) - 1) < 0)
		_exit(127);
	_exit(127);
}

pid_t helper_fork(int exit_signal)
{
	return syscall(SYS_clone, (unsigned long)exit_signal, 0UL, 0UL, 0UL, 0UL);
}

/* ---- waiting, logging, reaping -------------------------------------------- */

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

/* ---- pipes for the helpers ------------------------------------------------ */

/* fd, moved above the standard descriptors (which a helper may replace, or
 * make its restored processes' own, and which a program may have closed);
 * -1 on failure, fd closed. */
static int above_stdio(int fd)
{
	int moved;

	if (fd > STDERR_FILENO)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return moved;
}

int pipe_above_stdio(int p[2])
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
