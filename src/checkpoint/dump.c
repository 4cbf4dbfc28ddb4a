/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dump pass: check the target can be checkpointed, ask its agent to
 * park (over an abstract socket named from a random token), read the
 * parked process, write the context file, commit it, then let the target
 * continue.  Any failure after the agent answered sends "abort" (or just
 * closes the socket, which the agent reads the same way), so the target
 * never stays parked and the file never appears half-written.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>

#include "checkpoint.h"
#include "proc/proc.h"
#include "res/res.h"
#include "common/util.h"
#include "libcr.h"

#define HANDSHAKE_TIMEOUT_MS 10000
#define PAGE_BUFFER (1u << 20)

struct request {
	const struct checkpoint_opts *o;
	pid_t pid;
	int listen_fd;
	int sock;
	uint32_t token;
	struct timespec deadline;	/* of -t/--time, or none */
};

static int remaining_ms(const struct request *rq, int cap)
{
	struct timespec now;
	long ms;

	if (!rq->o->timeout)
		return cap;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (rq->deadline.tv_sec - now.tv_sec) * 1000 +
	     (rq->deadline.tv_nsec - now.tv_nsec) / 1000000;
	if (ms < 0)
		ms = 0;
	return cap < 0 || ms < cap ? (int)ms : cap;
}

static int wait_readable(struct request *rq, int fd, int cap_ms, const char *what)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&pfd, 1, remaining_ms(rq, cap_ms));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return log_errno(-errno, "cannot wait for pid %d", (int)rq->pid);
	if (r == 0) {
		log_error("timed out waiting for %s of pid %d", what, (int)rq->pid);
		return -ETIMEDOUT;
	}
	return 0;
}

/* The pid of a process that pid traces, or 0. */
static pid_t traced_by(pid_t pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		struct proc_status st;
		int other;

		if (parse_int(e->d_name, &other) || other == pid)
			continue;
		if (proc_parse_status(other, &st) == 0 && st.tracer == pid)
			found = other;
	}
	closedir(d);
	return found;
}

/* Refuses, before anything is sent, a target that cannot take part. */
static int check_target(struct request *rq)
{
	struct proc_status st;
	struct vma *vmas;
	size_t n;
	bool has_agent = false;
	pid_t *kids;
	size_t n_kids;
	int r, threads;
	pid_t tracee;

	r = proc_parse_status(rq->pid, &st);
	if (r == -ENOENT) {
		log_error("no process %d", (int)rq->pid);
		return -ESRCH;
	}
	if (r)
		return log_errno(r, "cannot read the status of pid %d", (int)rq->pid);
	if (st.tracer && !rq->o->ptraced_allow) {
		log_error("pid %d is being traced by pid %d", (int)rq->pid, (int)st.tracer);
		return -CR_EPTRACED;
	}
	if ((tracee = traced_by(rq->pid))) {
		log_error("pid %d is tracing pid %d", (int)rq->pid, (int)tracee);
		return -CR_EPTRACER;
	}
	r = proc_parse_maps(rq->pid, &vmas, &n);
	if (r)
		return log_errno(r, "cannot read the memory map of pid %d", (int)rq->pid);
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(vmas[i].path, '/');

		if (base && !strncmp(base, "/libcr.so", 9))
			has_agent = true;
	}
	proc_free_maps(vmas, n);
	if (!has_agent || !(st.sig_caught & (1ULL << (CR_SIGNUM - 1)))) {
		log_error("pid %d is not checkpointable: libcr is not loaded in it "
			  "(start it with cr_run, or link it with -lcr)", (int)rq->pid);
		return -CR_ENOSUPPORT;
	}
	threads = proc_count_threads(rq->pid);
	if (threads > UCR_MAX_THREADS) {
		log_error("pid %d has %d threads: ucr saves at most %d", (int)rq->pid, threads,
			  UCR_MAX_THREADS);
		return -EOPNOTSUPP;
	}
	if (rq->o->scope == CR_SCOPE_PGRP || rq->o->scope == CR_SCOPE_SESS) {
		log_error("process groups and sessions are not supported yet");
		return -EOPNOTSUPP;
	}
	if (rq->o->scope == CR_SCOPE_TREE && proc_children(rq->pid, &kids, &n_kids) == 0) {
		free(kids);
		if (n_kids) {
			log_error("pid %d has children: process trees are not supported yet "
				  "(use --pid for this process alone)", (int)rq->pid);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static int request_listen(struct request *rq)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int len;

	if (getrandom(&rq->token, sizeof(rq->token), 0) != sizeof(rq->token))
		return log_errno(-errno, "cannot get a random token");
	len = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, UCR_SOCK_CKPT "%d.%u",
		       (int)getpid(), rq->token);
	rq->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (rq->listen_fd < 0 ||
	    bind(rq->listen_fd, (struct sockaddr *)&sa,
		 offsetof(struct sockaddr_un, sun_path) + 1 + len) < 0 ||
	    listen(rq->listen_fd, 8) < 0)
		return log_errno(-errno, "cannot create the request socket");
	return 0;
}

static int msg_recv(struct request *rq, struct ucr_msg *m, int cap_ms, const char *what)
{
	ssize_t n;
	int r = wait_readable(rq, rq->sock, cap_ms, what);

	if (r)
		return r;
	n = recv(rq->sock, m, sizeof(*m), 0);
	if (n < (ssize_t)offsetof(struct ucr_msg, path) || m->version != UCR_PROTO_VERSION) {
		log_error("pid %d broke off the checkpoint", (int)rq->pid);
		return -EPIPE;
	}
	return 0;
}

static int msg_send(struct request *rq, struct ucr_msg *m, size_t len)
{
	m->version = UCR_PROTO_VERSION;
	if (send(rq->sock, m, len, MSG_NOSIGNAL) < 0)
		return log_errno(-errno, "cannot talk to pid %d", (int)rq->pid);
	return 0;
}

static int fail_code_error(struct request *rq, int code)
{
	switch (code) {
	case CR_EOMITTED:
		log_error("pid %d asked to be omitted: nothing to checkpoint", (int)rq->pid);
		return -ESRCH;
	case CR_EPERMFAIL:
		log_error("a callback of pid %d failed the checkpoint permanently", (int)rq->pid);
		kill(rq->pid, SIGKILL);
		return -CR_EPERMFAIL;
	case CR_ETEMPFAIL:
		log_error("a callback of pid %d cancelled the checkpoint (temporary failure)",
			  (int)rq->pid);
		return -CR_ETEMPFAIL;
	default:
		log_error("a callback of pid %d cancelled the checkpoint with code %d",
			  (int)rq->pid, code);
		return -code;
	}
}

/* Signals the agent, and returns once it is parked (the state address). */
static int request_park(struct request *rq, const char *dest, uint64_t *ret_state)
{
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	union sigval val = { .sival_int = (int)rq->token };
	static struct ucr_msg m;
	int r;

	if (sigqueue(rq->pid, CR_SIGNUM, val) < 0)
		return log_errno(-errno, "cannot signal pid %d", (int)rq->pid);
	r = wait_readable(rq, rq->listen_fd, HANDSHAKE_TIMEOUT_MS, "the agent");
	if (r)
		return r;
	rq->sock = accept4(rq->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (rq->sock < 0)
		return log_errno(-errno, "cannot accept the agent of pid %d", (int)rq->pid);
	if (getsockopt(rq->sock, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0 ||
	    cred.pid != rq->pid) {
		log_error("unexpected peer on the request socket");
		return -EPERM;
	}
	r = msg_recv(rq, &m, HANDSHAKE_TIMEOUT_MS, "the agent's hello");
	if (r)
		return r;
	memset(&m, 0, sizeof(m));
	m.type = UCR_MSG_REQUEST;
	m.pid = rq->pid;
	m.code = rq->o->scope;
	m.signal = rq->o->signal;
	m.path_len = strlen(dest);
	memcpy(m.path, dest, m.path_len + 1 < sizeof(m.path) ? m.path_len + 1 : sizeof(m.path));
	r = msg_send(rq, &m, sizeof(m));
	if (!r)	/* callbacks run now, as long as they need (bounded by -t only) */
		r = msg_recv(rq, &m, -1, "the callbacks");
	if (r)
		return r;
	if (m.type == UCR_MSG_FAIL)
		return fail_code_error(rq, m.code);
	if (m.type != UCR_MSG_READY) {
		log_error("unexpected message %u from pid %d", m.type, (int)rq->pid);
		return -EPROTO;
	}
	*ret_state = m.addr;
	return 0;
}

/* The destination as callbacks see it: absolute, though it does not exist yet. */
static void absolute_path(const char *path, char *buf, size_t len)
{
	char cwd[UCR_PATH_MAX];

	int n;

	if (!path)
		n = snprintf(buf, len, "%s", "");
	else if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		n = snprintf(buf, len, "%s", path);
	else
		n = snprintf(buf, len, "%s/%s", cwd, path);
	if (n < 0 || (size_t)n >= len)
		buf[0] = 0;	/* too long to tell: callbacks see "" */
}

static int read_state(struct dump_ctx *ctx)
{
	struct iovec local = { &ctx->state, sizeof(ctx->state) };
	struct iovec remote = { (void *)ctx->state_addr, sizeof(ctx->state) };

	if (process_vm_readv(ctx->pid, &local, 1, &remote, 1, 0) != sizeof(ctx->state))
		return log_errno(-errno, "cannot read the agent state of pid %d", (int)ctx->pid);
	if (ctx->state.magic != UCR_STATE_MAGIC || ctx->state.version != UCR_STATE_VERSION) {
		log_error("the agent in pid %d is of another ucr version", (int)ctx->pid);
		return -CR_EVERSION;
	}
	return 0;
}

static int dump_process(struct dump_ctx *ctx, int fd)
{
	struct img_writer w;
	struct img_header h;
	const void *parts[] = { &h };
	size_t lens[] = { sizeof(h) };
	int r;

	r = read_state(ctx);
	if (r)
		return r;
	r = img_writer_open(&w, fd);
	ctx->w = &w;
	image_header_fill(&h, 1);
	if (!r)
		r = img_write_record(&w, IMG_HEADER, parts, lens, 1);
	if (!r)
		r = process_dump(ctx);
	if (!r)
		r = files_dump(ctx);
	if (!r)
		r = memory_dump(ctx);
	if (!r)
		r = img_writer_finish(&w);
	if (r == -ENOSPC || r == -EIO || r == -EDQUOT || r == -EFBIG)
		log_errno(r, "cannot write the context file");
	img_writer_close(&w);
	return r;
}

int checkpoint_run(const struct checkpoint_opts *o)
{
	struct request rq = { .o = o, .pid = o->target, .listen_fd = -1, .sock = -1 };
	struct dump_ctx ctx = { .pid = o->target, .mem_fd = -1, .save_exe = o->save_exe,
				.save_private = o->save_private, .save_shared = o->save_shared };
	struct output out = { .fd = -1 };
	char mem_path[64], dest[UCR_PATH_MAX];
	int r;

	if (o->timeout) {
		clock_gettime(CLOCK_MONOTONIC, &rq.deadline);
		rq.deadline.tv_sec += o->timeout;
	}
	r = check_target(&rq);
	if (r)
		return r;
	/* Opening the memory needs ptrace access: nobody checkpoints what
	 * they could not debug. */
	snprintf(mem_path, sizeof(mem_path), "/proc/%d/mem", (int)rq.pid);
	ctx.mem_fd = open(mem_path, O_RDONLY | O_CLOEXEC);
	if (ctx.mem_fd < 0) {
		r = -errno;
		log_errno(r, "cannot checkpoint pid %d", (int)rq.pid);
		return r == -ENOENT ? -ESRCH : r;
	}
	snprintf(mem_path, sizeof(mem_path), "/proc/%d/exe", (int)rq.pid);
	if (readlink(mem_path, ctx.exe, sizeof(ctx.exe) - 1) < 0)
		ctx.exe[0] = 0;
	r = output_open(&out, o, rq.pid);
	if (!r)
		r = request_listen(&rq);
	if (r)
		goto out;
	absolute_path(out.path, dest, sizeof(dest));
	r = request_park(&rq, dest, &ctx.state_addr);
	if (r)
		goto out;
	log_info("pid %d parked", (int)rq.pid);
	ctx.buf_len = PAGE_BUFFER;
	ctx.buf = xmalloc(ctx.buf_len);
	r = dump_process(&ctx, out.fd);
	if (!r)
		r = output_commit(&out);
	if (r)
		goto out;
	log_info("pid %d saved", (int)rq.pid);
	/* The signal is pending when the agent returns, so that it reaches
	 * the program, not the agent's handler (which blocks it). */
	if (o->signal)
		kill(rq.pid, o->signal);
	/* after --kill nobody is left to hear it */
	struct ucr_msg m = { .type = UCR_MSG_CONTINUE, .version = UCR_PROTO_VERSION };
	send(rq.sock, &m, offsetof(struct ucr_msg, path), MSG_NOSIGNAL);
out:
	if (r)
		output_abort(&out);
	/* closing the socket unparks the agent if it was not told to go on */
	safe_close(rq.sock);
	safe_close(rq.listen_fd);
	safe_close(ctx.mem_fd);
	free(ctx.buf);
	return r;
}
