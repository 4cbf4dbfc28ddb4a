/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The coordinator: reads and checks the whole context file, checks every
 * precondition, and only then creates the process, with its original pid
 * (clone3 with set_tid).  It waits until the restorer reports that the
 * image is in place and the agent reports that its restart callbacks ran.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "restart.h"
#include "common/util.h"
#include "libcr.h"

#define RESTORED_TIMEOUT_MS 30000

static pid_t clone_with_pid(pid_t pid)
{
	struct clone_args args = { .exit_signal = SIGCHLD };

	if (pid > 0) {
		args.set_tid = (uint64_t)&pid;
		args.set_tid_size = 1;
	}
	return syscall(SYS_clone3, &args, sizeof(args));
}

static int restored_listen(uint32_t *ret_token)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, len;

	if (getrandom(ret_token, sizeof(*ret_token), 0) != sizeof(*ret_token))
		return log_errno(-errno, "cannot get a random token");
	len = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, UCR_SOCK_RSTRT "%d.%u",
		       (int)getpid(), *ret_token);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
			   offsetof(struct sockaddr_un, sun_path) + 1 + len) < 0 ||
	    listen(fd, 8) < 0) {
		int r = log_errno(-errno, "cannot create the restart socket");

		safe_close(fd);
		return r;
	}
	return fd;
}

static const char *const step_names[] = {
	[STEP_UNMAP] = "unmapping the old image", [STEP_SPECIAL] = "moving the vDSO",
	[STEP_MAP] = "mapping an area", [STEP_READ] = "reading pages",
	[STEP_PROTECT] = "protecting an area", [STEP_MM] = "setting the mm fields",
	[STEP_SIGACTION] = "setting a signal action", [STEP_THREAD] = "setting the thread",
	[STEP_RSEQ] = "registering rseq", [STEP_RLIMIT] = "setting a limit",
	[STEP_CREDS] = "setting the credentials", [STEP_CLONE] = "creating a thread",
	[STEP_CHILD] = "preparing the process",
};

/* The restorer's verdict: 0 once the image is in place. */
static int wait_restorer(int status_fd, pid_t pid)
{
	struct plan_error e;
	ssize_t n;

	do
		n = read(status_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(e) && e.step == STEP_DONE)
		return 0;
	if (n != (ssize_t)sizeof(e)) {
		log_error("the restored process %d died while its image was restored", (int)pid);
		return -EIO;
	}
	log_errno(e.err, "restore of pid %d failed %s at %#llx", (int)pid,
		  e.step < ARRAY_SIZE(step_names) && step_names[e.step] ? step_names[e.step] :
		  "in an unknown step", (unsigned long long)e.addr);
	return e.err < 0 ? e.err : -EIO;
}

/* Waits for the agent's "restored", or for the process to die first. */
static int wait_agent(int listen_fd, pid_t pid)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd[2] = { { .fd = listen_fd, .events = POLLIN },
				 { .fd = pidfd, .events = POLLIN } };
	struct ucr_msg m;
	int r, sock;

	do
		r = poll(pfd, pidfd >= 0 ? 2 : 1, RESTORED_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	safe_close(pidfd);
	if (r <= 0 || !(pfd[0].revents & POLLIN)) {
		log_error("the restored process %d did not report back", (int)pid);
		return -ETIMEDOUT;
	}
	sock = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0)
		return log_errno(-errno, "cannot accept the restored agent");
	r = recv(sock, &m, sizeof(m), 0);
	close(sock);
	if (r < (int)offsetof(struct ucr_msg, path) || m.type != UCR_MSG_RESTORED) {
		log_error("the restored process %d did not finish its restart", (int)pid);
		return -EIO;
	}
	return 0;
}

static int check_all(struct rst_ctx *ctx, const struct restart_opts *o)
{
	const struct image_process *p = ctx->proc;
	int r;

	r = image_header_check(ctx->img->hdr);
	if (!r)
		r = process_check(ctx->img, p, o->restore_pid);
	if (!r)
		r = files_check(p);
	if (!r)
		r = memory_check(ctx);
	if (r)
		return r;
	ctx->exe_fd = open(p->exe, O_RDONLY | O_CLOEXEC);
	if (ctx->exe_fd < 0)
		return log_errno(-errno, "cannot open the executable %s", p->exe);
	return 0;
}

static void ctx_release(struct rst_ctx *ctx)
{
	for (size_t i = 0; ctx->area_fds && i < ctx->proc->n_areas; i++)
		if (ctx->area_fds[i] >= 0 && !memory_same_file(ctx->proc, i))
			close(ctx->area_fds[i]);
	free(ctx->area_fds);
	safe_close(ctx->exe_fd);
}

static pid_t restart_image(struct image *img, const struct restart_opts *o, const char *src)
{
	struct rst_ctx ctx = { .img = img, .proc = &img->procs[0], .ctx_fd = img->fd,
			       .exe_fd = -1 };
	struct agent_restart_info info = { .requester = getpid() };
	int pipefd[2] = { -1, -1 }, gofd[2] = { -1, -1 }, listen_fd = -1, r;
	pid_t pid = -1;

	if (img->n_procs != 1) {
		log_error("the context file holds %zu processes: not supported yet", img->n_procs);
		return -EOPNOTSUPP;
	}
	snprintf(info.src, sizeof(info.src), "%s", src);
	r = check_all(&ctx, o);
	if (r)
		goto out;
	listen_fd = r = restored_listen(&info.token);
	if (r < 0)
		goto out;
	if (pipe2(pipefd, O_CLOEXEC) < 0 || pipe2(gofd, O_CLOEXEC) < 0) {
		r = log_errno(-errno, "cannot create a pipe");
		goto out;
	}
	fflush(NULL);
	pid = clone_with_pid(o->restore_pid ? ctx.proc->p->pid : 0);
	if (pid < 0) {
		r = -errno;
		if (r == -EEXIST)
			log_error("pid %d is in use: cannot restore it (try --no-restore-pid)",
				  ctx.proc->p->pid);
		else
			log_errno(r, "cannot create process %d%s", ctx.proc->p->pid,
				  r == -EPERM ? " (try --no-restore-pid)" : "");
		goto out;
	}
	if (pid == 0) {
		struct child_args a = { .ctx = &ctx, .status_fd = pipefd[1], .go_fd = gofd[0],
					.restart = &info, .new_pid = !o->restore_pid };

		close(pipefd[0]);
		close(gofd[1]);
		child_main(&a);
	}
	pipefd[1] = safe_close(pipefd[1]);
	gofd[0] = safe_close(gofd[0]);
	/* Every check passed and the process exists: from here on the
	 * restart changes things.  A file written after the checkpoint goes
	 * back to its size then, before the process runs again. */
	r = files_truncate(ctx.proc);
	if (r || write(gofd[1], "", 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		r = r ? r : -EIO;
		goto out;
	}
	r = wait_restorer(pipefd[0], pid);
	if (!r)
		r = wait_agent(listen_fd, pid);
	if (r) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (o->signal)
		kill(pid, o->signal);
	r = pid;
out:
	safe_close(pipefd[0]);
	safe_close(pipefd[1]);
	safe_close(gofd[0]);
	safe_close(gofd[1]);
	safe_close(listen_fd);
	ctx_release(&ctx);
	return r;
}

pid_t restart_run(const struct restart_opts *o)
{
	_cleanup_close_ int fd = -1;
	struct image *img = NULL;
	char err[512], src[UCR_PATH_MAX], link[64];
	const char *name = o->path ? o->path : "the descriptor";
	ssize_t n;
	pid_t r;

	fd = o->fd >= 0 ? fcntl(o->fd, F_DUPFD_CLOEXEC, 3) : open(o->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return log_errno(-errno, "cannot open %s", name);
	/* the path the restored process sees in cr_get_restart_info() */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, src, sizeof(src) - 1);
	src[n > 0 ? n : 0] = 0;
	r = image_load(fd, &img, err, sizeof(err));
	if (r) {
		log_error("cannot restart from %s: %s", name, err);
		return r;
	}
	r = restart_image(img, o, src);
	image_free(img);
	return r;
}
