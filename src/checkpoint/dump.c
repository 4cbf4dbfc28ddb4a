/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dump pass: find the processes in scope and check each can be
 * checkpointed, ask every agent to park (over one abstract socket named
 * from a random token), read the parked processes only once all are
 * parked (a consistent cut), write the context file, commit it, then let
 * them all continue.  Any failure closes the sockets, which every agent
 * reads as "abort": no target stays parked and no file appears
 * half-written.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

struct target {
	pid_t pid;
	bool zombie;
	bool leader_gone;	/* its main thread exited, others live on */
	bool omitted;		/* its libcr_omit answered "omit", or left out
				 * (--ptraced-skip, --ptracer-skip) */
	bool parked;		/* it answered "ready" */
	int sock;
	uint64_t state_addr;
};

struct request {
	const struct checkpoint_opts *o;
	struct target *t;
	size_t n;
	int listen_fd;
	uint32_t token;
	const char *dest;		/* the context file's path, as callbacks see it */
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

static int wait_readable(struct request *rq, int fd, int cap_ms, const char *what, pid_t pid)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&pfd, 1, remaining_ms(rq, cap_ms));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return log_errno(-errno, "cannot wait for pid %d", (int)pid);
	if (r == 0) {
		log_error("timed out waiting for %s of pid %d", what, (int)pid);
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

/* ---- scope ------------------------------------------------------------------ */

static bool in_scope(const struct request *rq, pid_t pid)
{
	for (size_t i = 0; i < rq->n; i++)
		if (rq->t[i].pid == pid)
			return true;
	return false;
}

static void scope_add(struct request *rq, pid_t pid)
{
	struct proc_stat st;
	bool dead_leader;

	if (pid == getpid() || in_scope(rq, pid))
		return;	/* never ourselves */
	/* a group whose leader exited shows the leader's Z, live threads or not */
	dead_leader = proc_parse_stat(pid, &st) == 0 && st.state == 'Z';
	rq->t = xrealloc(rq->t, (rq->n + 1) * sizeof(*rq->t));
	rq->t[rq->n++] = (struct target){
		.pid = pid, .sock = -1,
		.zombie = dead_leader && proc_count_threads(pid) <= 1,
		.leader_gone = dead_leader && proc_count_threads(pid) > 1,
	};
}

static int pid_cmp(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/* A process and its descendants, parents first, children by pid; those
 * already in the request (a forward) are not walked again. */
static void scope_tree(struct request *rq, pid_t root)
{
	size_t from = rq->n;

	scope_add(rq, root);
	for (size_t i = from; i < rq->n; i++) {
		pid_t *kids;
		size_t n_kids;

		if (proc_children(rq->t[i].pid, &kids, &n_kids))
			continue;
		if (n_kids)
			qsort(kids, n_kids, sizeof(*kids), pid_cmp);
		for (size_t k = 0; k < n_kids; k++)
			scope_add(rq, kids[k]);
		free(kids);
	}
}

/* Every process of a group or session, parents before their children. */
static int scope_ids(struct request *rq, pid_t id, bool session)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t *pids = NULL, *ppids = NULL;
	size_t n = 0;
	bool progress = true;

	if (!d)
		return log_errno(-errno, "cannot list /proc");
	while ((e = readdir(d))) {
		struct proc_stat st;
		int pid;

		if (parse_int(e->d_name, &pid) || proc_parse_stat(pid, &st))
			continue;
		if ((session ? st.session : st.pgrp) != id)
			continue;
		pids = xrealloc(pids, (n + 1) * sizeof(*pids));
		ppids = xrealloc(ppids, (n + 1) * sizeof(*ppids));
		pids[n] = pid;
		ppids[n++] = st.ppid;
	}
	closedir(d);
	while (progress) {
		progress = false;
		for (size_t i = 0; i < n; i++) {
			bool parent_waits = false;

			if (!pids[i] || in_scope(rq, pids[i]))
				continue;
			for (size_t j = 0; j < n; j++)
				parent_waits |= pids[j] && pids[j] == ppids[i] && !in_scope(rq, pids[j]) &&
						j != i;
			if (parent_waits)
				continue;
			scope_add(rq, pids[i]);
			progress = true;
		}
	}
	free(pids);
	free(ppids);
	if (!rq->n) {
		log_error("no process in %s %d", session ? "session" : "process group", (int)id);
		return -ESRCH;
	}
	return 0;
}

static int scope_resolve(struct request *rq, cr_scope_t scope, pid_t id)
{
	switch (scope) {
	case CR_SCOPE_PROC:
		scope_add(rq, id);
		return 0;
	case CR_SCOPE_TREE:
		scope_tree(rq, id);
		return 0;
	case CR_SCOPE_PGRP:
		return scope_ids(rq, id, false);
	case CR_SCOPE_SESS:
		return scope_ids(rq, id, true);
	}
	return -EINVAL;
}

/* Refuses, before anything is sent, a target that cannot take part (or
 * leaves it out, as the ptrace options say). */
static int check_target(struct request *rq, struct target *t)
{
	struct proc_status st;
	struct vma *vmas;
	size_t n;
	bool has_agent = false;
	int r, threads;
	pid_t tracee;
	char mem[64];

	if (t->zombie)
		return 0;	/* only its exit status is saved */
	if (t->leader_gone) {
		log_error("pid %d is not checkpointable: its main thread has exited", (int)t->pid);
		return -EOPNOTSUPP;
	}
	r = proc_parse_status(t->pid, &st);
	if (r == -ENOENT) {
		log_error("no process %d", (int)t->pid);
		return -ESRCH;
	}
	if (r)
		return log_errno(r, "cannot read the status of pid %d", (int)t->pid);
	/* Opening the memory needs ptrace access: nobody checkpoints what
	 * they could not debug. */
	snprintf(mem, sizeof(mem), "/proc/%d/mem", (int)t->pid);
	r = open(mem, O_RDONLY | O_CLOEXEC);
	if (r < 0)
		return log_errno(-errno, "cannot checkpoint pid %d", (int)t->pid);
	close(r);
	if (st.tracer && rq->o->ptraced_skip) {
		log_info("pid %d is being traced by pid %d: left out", (int)t->pid, (int)st.tracer);
		t->omitted = true;
		return 0;
	}
	if (st.tracer && !rq->o->ptraced_allow) {
		log_error("pid %d is being traced by pid %d", (int)t->pid, (int)st.tracer);
		return -CR_EPTRACED;
	}
	if ((tracee = traced_by(t->pid))) {
		if (rq->o->ptracer_skip) {
			log_info("pid %d is tracing pid %d: left out", (int)t->pid, (int)tracee);
			t->omitted = true;
			return 0;
		}
		log_error("pid %d is tracing pid %d", (int)t->pid, (int)tracee);
		return -CR_EPTRACER;
	}
	r = proc_parse_maps(t->pid, &vmas, &n);
	if (r)
		return log_errno(r, "cannot read the memory map of pid %d", (int)t->pid);
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(vmas[i].path, '/');

		if (base && !strncmp(base, "/libcr.so", 9))
			has_agent = true;
	}
	proc_free_maps(vmas, n);
	if (!has_agent || !(st.sig_caught & (1ULL << (CR_SIGNUM - 1)))) {
		log_error("pid %d is not checkpointable: libcr is not loaded in it "
			  "(start it with cr_run, or link it with -lcr)", (int)t->pid);
		return -CR_ENOSUPPORT;
	}
	threads = proc_count_threads(t->pid);
	if (threads > UCR_MAX_THREADS) {
		log_error("pid %d has %d threads: ucr saves at most %d", (int)t->pid, threads,
			  UCR_MAX_THREADS);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* ---- the handshake ------------------------------------------------------------ */

static int request_listen(struct request *rq)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int len;

	if (getrandom(&rq->token, sizeof(rq->token), 0) != sizeof(rq->token))
		return log_errno(-errno, "cannot get a random token");
	len = ucr_sock_name(sa.sun_path, UCR_SOCK_CKPT, (uint32_t)getpid(), rq->token);
	rq->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (rq->listen_fd < 0 ||
	    bind(rq->listen_fd, (struct sockaddr *)&sa,
		 offsetof(struct sockaddr_un, sun_path) + len) < 0 ||
	    listen(rq->listen_fd, 128) < 0)
		return log_errno(-errno, "cannot create the request socket");
	return 0;
}

static int msg_recv(struct request *rq, struct target *t, struct ucr_msg *m, int cap_ms,
		    const char *what)
{
	ssize_t n;
	int r = wait_readable(rq, t->sock, cap_ms, what, t->pid);

	if (r)
		return r;
	n = recv(t->sock, m, sizeof(*m), 0);
	if (n < (ssize_t)offsetof(struct ucr_msg, path) || m->version != UCR_PROTO_VERSION) {
		log_error("pid %d broke off the checkpoint", (int)t->pid);
		return -EPIPE;
	}
	return 0;
}

/* A refusal: kind is the callback's CR_CHECKPOINT_* flag, code the error
 * the requester gets (CR_E*, or the callback's own). */
static int fail_code_error(struct request *rq, struct target *t, int kind, int code)
{
	if (!kind && code == CR_ETEMPFAIL) {
		log_error("pid %d could not stop all of its threads in time (one blocks the "
			  "checkpoint signal?)", (int)t->pid);
	} else if (!kind) {
		log_error("pid %d cannot be checkpointed: %s", (int)t->pid,
			  code == EOPNOTSUPP ? "more pending signals or POSIX timers than ucr "
			  "keeps (1024, 64)" : strerror(code));
	} else if (kind & CR_CHECKPOINT_PERM_FAILURE) {
		log_error("a callback of pid %d failed the checkpoint permanently (code %d): "
			  "every process of it is killed", (int)t->pid, code);
		for (size_t i = 0; i < rq->n; i++)
			if (!rq->t[i].zombie && !rq->t[i].omitted)
				kill(rq->t[i].pid, SIGKILL);
	} else if (code == CR_ETEMPFAIL) {
		log_error("a callback of pid %d cancelled the checkpoint (temporary failure)",
			  (int)t->pid);
	} else {
		log_error("a callback of pid %d cancelled the checkpoint with code %d",
			  (int)t->pid, code);
	}
	return -code;
}

/* Signals the agents of targets from `from' on and connects each to its socket. */
static int request_connect(struct request *rq, size_t from)
{
	union sigval val = { .sival_int = (int)rq->token };
	size_t want = 0;

	for (size_t i = from; i < rq->n; i++) {
		if (rq->t[i].zombie || rq->t[i].omitted)
			continue;
		if (sigqueue(rq->t[i].pid, CR_SIGNUM, val) < 0)
			return log_errno(-errno, "cannot signal pid %d", (int)rq->t[i].pid);
		want++;
	}
	while (want--) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct target *t = NULL;
		int r, sock;

		r = wait_readable(rq, rq->listen_fd, HANDSHAKE_TIMEOUT_MS, "the agent",
				  rq->t[from].pid);
		if (r)
			return r;
		sock = accept4(rq->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (sock < 0)
			return log_errno(-errno, "cannot accept an agent");
		if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
			for (size_t i = from; i < rq->n; i++)
				if (rq->t[i].pid == cred.pid && rq->t[i].sock < 0)
					t = &rq->t[i];
		if (!t) {
			/* a latecomer of a forward that failed: not ours now */
			close(sock);
			want++;
			continue;
		}
		t->sock = sock;
	}
	return 0;
}

/* Targets from `from' on get the request; their callbacks start. */
static int request_start(struct request *rq, size_t from)
{
	static struct ucr_msg m;
	int r = request_connect(rq, from);

	for (size_t i = from; !r && i < rq->n; i++) {
		struct target *t = &rq->t[i];

		if (t->zombie || t->omitted)
			continue;
		r = msg_recv(rq, t, &m, HANDSHAKE_TIMEOUT_MS, "the agent's hello");
		if (r)
			break;
		if (m.type == UCR_MSG_BUSY) {
			log_error("pid %d is taking part in another checkpoint", (int)t->pid);
			return -EBUSY;
		}
		if (m.type != UCR_MSG_HELLO) {
			log_error("unexpected message %u from pid %d", m.type, (int)t->pid);
			return -EPROTO;
		}
		memset(&m, 0, sizeof(m));
		m.type = UCR_MSG_REQUEST;
		m.version = UCR_PROTO_VERSION;
		m.pid = rq->o->target;
		m.code = rq->o->scope;
		m.signal = rq->o->signal;
		m.requester = rq->o->requester;
		m.path_len = strlen(rq->dest);
		snprintf(m.path, sizeof(m.path), "%s", rq->dest);
		if (send(t->sock, &m, sizeof(m), MSG_NOSIGNAL) < 0)
			r = log_errno(-errno, "cannot talk to pid %d", (int)t->pid);
	}
	return r;
}

/*
 * A callback's cr_forward_checkpoint(): the processes of scope/id join the
 * request (those already in it are not asked twice).  On failure the
 * newcomers are let go and the request goes on without them.
 */
static int request_forward(struct request *rq, cr_scope_t scope, pid_t id)
{
	size_t from = rq->n;
	int r = (unsigned int)scope > CR_SCOPE_TREE ? -EINVAL : scope_resolve(rq, scope, id);

	if (!r && rq->o->prohibit_self && in_scope(rq, rq->o->requester))
		r = -EDEADLK;
	for (size_t i = from; !r && i < rq->n; i++)
		r = check_target(rq, &rq->t[i]);
	if (!r)
		r = request_start(rq, from);
	if (r) {
		for (size_t i = from; i < rq->n; i++)
			safe_close(rq->t[i].sock);
		rq->n = from;
		return r;
	}
	log_info("pid %d forwarded: %zu more processes", (int)id, rq->n - from);
	return 0;
}

/* One message from the agent of target i while its callbacks run. */
static int request_answer(struct request *rq, size_t i)
{
	static struct ucr_msg m;
	struct target *t = &rq->t[i];
	int r = msg_recv(rq, t, &m, 0, "the callbacks");

	if (r)
		return r;
	switch (m.type) {
	case UCR_MSG_FORWARD: {
		struct ucr_msg ack = { .type = UCR_MSG_FORWARDED, .version = UCR_PROTO_VERSION };

		ack.code = request_forward(rq, (cr_scope_t)m.code, m.pid);
		t = &rq->t[i];	/* the table may have moved */
		send(t->sock, &ack, offsetof(struct ucr_msg, path), MSG_NOSIGNAL);
		return 0;
	}
	case UCR_MSG_READY:
		t->state_addr = m.addr;
		t->parked = true;
		return 0;
	case UCR_MSG_FAIL:
		if (!(m.addr & CR_CHECKPOINT_OMIT))
			return fail_code_error(rq, t, (int)m.addr, m.code);
		t->omitted = true;
		log_info("pid %d asked to be omitted", (int)t->pid);
		return 0;
	}
	log_error("unexpected message %u from pid %d", m.type, (int)t->pid);
	return -EPROTO;
}

/*
 * Every agent gets the request, runs its callbacks and parks; the dump
 * starts only when all have (the callbacks of all processes run at once,
 * and may forward the request to more processes meanwhile).
 */
static int request_park(struct request *rq)
{
	struct pollfd *pfds = NULL;
	size_t *idx = NULL, n_parked = 0;
	int r = request_start(rq, 0);

	while (!r) {
		size_t n = 0;

		pfds = xrealloc(pfds, rq->n * sizeof(*pfds));
		idx = xrealloc(idx, rq->n * sizeof(*idx));
		for (size_t i = 0; i < rq->n; i++) {
			const struct target *t = &rq->t[i];

			if (t->zombie || t->omitted || t->parked)
				continue;
			pfds[n] = (struct pollfd){ .fd = t->sock, .events = POLLIN };
			idx[n++] = i;
		}
		if (!n)
			break;
		/* callbacks run now, as long as they need (bounded by -t only) */
		r = poll(pfds, n, remaining_ms(rq, -1));
		if (r < 0 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r < 0) {
			r = log_errno(-errno, "cannot wait for the callbacks");
			break;
		}
		if (r == 0) {
			log_error("timed out waiting for the callbacks of pid %d",
				  (int)rq->t[idx[0]].pid);
			r = -ETIMEDOUT;
			break;
		}
		r = 0;
		for (size_t k = 0; !r && k < n; k++)
			if (pfds[k].revents)
				r = request_answer(rq, idx[k]);
	}
	free(pfds);
	free(idx);
	for (size_t i = 0; !r && i < rq->n; i++)
		n_parked += rq->t[i].parked;
	if (!r && !n_parked) {
		log_error("every process was omitted or left out: nothing to checkpoint");
		r = -ESRCH;
	}
	return r;
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

/* ---- the dump ------------------------------------------------------------------ */

static int dump_one(struct dump_ctx *ctx, const struct target *t)
{
	char path[64];
	int r;

	if (t->zombie)
		return process_dump_zombie(ctx);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)t->pid);
	ctx->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ctx->mem_fd < 0)
		return log_errno(-errno, "cannot open %s", path);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)t->pid);
	if (readlink(path, ctx->exe, sizeof(ctx->exe) - 1) < 0)
		ctx->exe[0] = 0;
	r = process_dump(ctx);
	if (!r)
		r = files_dump(ctx);
	if (!r)
		r = memory_dump(ctx);
	ctx->mem_fd = safe_close(ctx->mem_fd);
	log_debug("pid %d written", (int)t->pid);
	return r;
}

static int dump_all(struct request *rq, int fd)
{
	struct dump_shared shared = { 0 };
	struct dump_ctx *ctxs = xcalloc(rq->n, sizeof(*ctxs));
	struct stat out_st;
	struct img_writer w;
	struct img_header h;
	const void *parts[] = { &h };
	size_t lens[] = { sizeof(h) };
	uint32_t n_saved = 0;
	int r = 0;

	if (fstat(fd, &out_st) == 0 && S_ISREG(out_st.st_mode)) {
		shared.out_dev = out_st.st_dev;
		shared.out_ino = out_st.st_ino;
	}

	for (size_t i = 0; !r && i < rq->n; i++) {
		const struct target *t = &rq->t[i];
		struct dump_ctx *ctx = &ctxs[i];

		ctx->pid = t->pid;
		ctx->shared = &shared;
		ctx->mem_fd = -1;
		ctx->save_exe = rq->o->save_exe;
		ctx->save_private = rq->o->save_private;
		ctx->save_shared = rq->o->save_shared;
		ctx->zombie = t->zombie;
		if (t->omitted)
			continue;
		n_saved++;
		if (t->zombie)
			continue;
		ctx->state_addr = t->state_addr;
		r = read_state(ctx);
		if (!r)
			r = files_scan(&shared, t->pid, ctx->state.private_fds,
				       ctx->state.n_private_fds < UCR_MAX_PRIVATE_FDS ?
				       ctx->state.n_private_fds : UCR_MAX_PRIVATE_FDS);
	}
	if (r)
		goto out;
	r = img_writer_open(&w, fd, rq->o->compress);
	image_header_fill(&h, n_saved);
	if (!r)
		r = img_write_record(&w, IMG_HEADER, parts, lens, 1);
	for (size_t i = 0; !r && i < rq->n; i++) {
		if (rq->t[i].omitted)
			continue;
		ctxs[i].w = &w;
		ctxs[i].buf_len = PAGE_BUFFER;
		ctxs[i].buf = ctxs[0].buf ? ctxs[0].buf : xmalloc_pages(PAGE_BUFFER);
		ctxs[0].buf = ctxs[i].buf;
		r = dump_one(&ctxs[i], &rq->t[i]);
	}
	if (!r)
		r = img_writer_finish(&w);
	if (r == -ENOSPC || r == -EIO || r == -EDQUOT || r == -EFBIG)
		log_errno(r, "cannot write the context file");
	img_writer_close(&w);
out:
	free(ctxs[0].buf);
	free(ctxs);
	free(shared.fds);
	free(shared.pipes);
	free(shared.shms);
	return r;
}

int checkpoint_run(const struct checkpoint_opts *o)
{
	struct request rq = { .o = o, .listen_fd = -1 };
	struct output out = { .fd = -1 };
	char dest[UCR_PATH_MAX];
	int r;

	if (o->timeout) {
		clock_gettime(CLOCK_MONOTONIC, &rq.deadline);
		rq.deadline.tv_sec += o->timeout;
	}
	r = scope_resolve(&rq, o->scope, o->target);
	if (!r && !rq.n) {
		log_error("no process %d", (int)o->target);
		r = -ESRCH;
	}
	for (size_t i = 0; !r && i < rq.n; i++)
		r = check_target(&rq, &rq.t[i]);
	if (r)
		goto out;
	r = output_open(&out, o, o->target);
	if (!r)
		r = request_listen(&rq);
	if (r)
		goto out;
	absolute_path(out.path, dest, sizeof(dest));
	rq.dest = dest;
	r = request_park(&rq);
	if (r)
		goto out;
	log_info("%zu processes parked", rq.n);
	r = dump_all(&rq, out.fd);
	if (!r)
		r = output_commit(&out);
	if (r)
		goto out;
	log_info("%zu processes saved", rq.n);
	for (size_t i = 0; i < rq.n; i++) {
		struct ucr_msg m = { .type = UCR_MSG_CONTINUE, .version = UCR_PROTO_VERSION };
		struct target *t = &rq.t[i];

		if (t->zombie || t->omitted)
			continue;
		/* The signal is pending when the agent returns, so that it
		 * reaches the program, not the agent's handler (which blocks
		 * it).  After --kill nobody is left to hear "continue". */
		if (o->signal)
			kill(t->pid, o->signal);
		send(t->sock, &m, offsetof(struct ucr_msg, path), MSG_NOSIGNAL);
	}
out:
	if (r)
		output_abort(&out);
	/* closing a socket unparks its agent if it was not told to go on */
	for (size_t i = 0; i < rq.n; i++)
		safe_close(rq.t[i].sock);
	safe_close(rq.listen_fd);
	free(rq.t);
	return r;
}
