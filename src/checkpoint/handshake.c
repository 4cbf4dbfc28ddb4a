/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The handshake with the agents: each target is signalled with the
 * request's token, its agent connects to the request socket, says hello,
 * gets the request, runs its callbacks (which may forward the request to
 * more processes) and answers "ready" once parked.  The dump starts only
 * when every agent has (a consistent cut); "continue" lets them go.
 */
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#include "request.h"
#include "proc/proc.h"
#include "common/agent_abi.h"
#include "common/util.h"
#include "libcr.h"

#define HANDSHAKE_TIMEOUT_MS 10000
/* How often a wait for agents looks whether a target serves another
 * request (and so cannot take our signal: EBUSY within about this). */
#define BUSY_POLL_MS 100

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

/* Whether pid's agent serves a request other than ours: it holds a memfd
 * named from that request's token (common/agent_abi.h). */
static bool target_busy(const struct request *rq, pid_t pid)
{
	char path[64], link[128], own[64], any[64];
	struct dirent *d;
	bool busy = false;
	size_t n_own, n_any;
	DIR *dir;

	snprintf(any, sizeof(any), "/memfd:%s0.", UCR_BUSY_MEMFD);
	n_any = strlen(any);
	n_own = ucr_sock_name(path, UCR_BUSY_MEMFD, 0, rq->token);
	snprintf(own, sizeof(own), "/memfd:%.*s", (int)n_own - 1, path + 1);
	n_own = strlen(own);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	while (dir && !busy && (d = readdir(dir))) {
		ssize_t n;

		n = readlinkat(dirfd(dir), d->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		busy = !strncmp(link, any, n_any) &&
		       !(!strncmp(link, own, n_own) && (link[n_own] == ' ' || !link[n_own]));
	}
	if (dir)
		closedir(dir);
	return busy;
}

static int busy_error(pid_t pid)
{
	log_error("pid %d is taking part in another checkpoint", (int)pid);
	return -EBUSY;
}

/* A process of the tree or group that exited after its signal: it will
 * not answer.  Left out, or saved as the zombie it is. */
static bool target_exited(const struct request *rq, struct target *t)
{
	struct proc_stat st;
	bool zombie;

	if (t->pid == rq->o->target)
		return false;
	zombie = proc_parse_stat(t->pid, &st) == 0 && st.state == 'Z';
	if (!zombie && kill(t->pid, 0) == 0)
		return false;
	log_info("pid %d exited: not in the checkpoint", (int)t->pid);
	if (zombie)
		t->zombie = true;
	else
		t->omitted = t->exited = true;
	return true;
}

/*
 * Waits for the next agent of targets from `from' on to connect (0), or
 * for one to exit instead (1).  One that serves another request with every
 * thread blocking our signal would never take it: that shows in /proc,
 * and is EBUSY at once.
 */
static int wait_agent(struct request *rq, size_t from)
{
	struct pollfd pfd = { .fd = rq->listen_fd, .events = POLLIN };

	for (int waited = 0; waited < HANDSHAKE_TIMEOUT_MS; waited += BUSY_POLL_MS) {
		int ms = remaining_ms(rq, BUSY_POLL_MS), r = poll(&pfd, 1, ms);

		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return log_errno(-errno, "cannot wait for the agent of pid %d",
					 (int)rq->t[from].pid);
		for (size_t i = from; i < rq->n; i++) {
			struct target *t = &rq->t[i];

			if (t->zombie || t->omitted || t->sock >= 0)
				continue;
			if (target_busy(rq, t->pid))
				return busy_error(t->pid);
			if (target_exited(rq, t))
				return 1;
		}
		if (!ms)
			break;	/* -t: the time is up */
	}
	log_error("timed out waiting for the agent of pid %d", (int)rq->t[from].pid);
	return -ETIMEDOUT;
}

/* Signals the agents of targets from `from' on and connects each to its socket. */
static int request_connect(struct request *rq, size_t from)
{
	union sigval val = { .sival_ptr = ucr_request_value(getpid(), rq->token) };
	size_t want = 0;

	for (size_t i = from; i < rq->n; i++) {
		if (rq->t[i].zombie || rq->t[i].omitted)
			continue;
		if (target_busy(rq, rq->t[i].pid))
			return busy_error(rq->t[i].pid);
		if (sigqueue(rq->t[i].pid, CR_SIGNUM, val) < 0) {
			/* a process of the tree or group that exited meanwhile */
			if (errno != ESRCH || rq->t[i].pid == rq->o->target)
				return log_errno(-errno, "cannot signal pid %d", (int)rq->t[i].pid);
			log_info("pid %d exited: not in the checkpoint", (int)rq->t[i].pid);
			rq->t[i].omitted = rq->t[i].exited = true;
			continue;
		}
		/* a stopped process takes the signal once it runs; its agent
		 * stops it again when the request is over */
		if (rq->t[i].stopped)
			kill(rq->t[i].pid, SIGCONT);
		want++;
	}
	while (want--) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct target *t = NULL;
		int r, sock;

		r = wait_agent(rq, from);
		if (r == 1)
			continue;	/* one fewer to wait for */
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
		if (m.type == UCR_MSG_BUSY)
			return busy_error(t->pid);
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
		m.addr = t->stopped;
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

	if (!r && rq->o->prohibit_self && scope_contains(rq, rq->o->requester))
		r = -EDEADLK;
	for (size_t i = from; !r && i < rq->n; i++)
		r = scope_check_target(rq, &rq->t[i]);
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

/*
 * The processes that joined the scope while it parked: a child forked
 * after the listing, by a process that parked since, must be in the file,
 * or its parent comes back waiting for nobody.  Parked processes fork no
 * more, so the walks end.  How many joined, or -errno.
 */
static int request_grow(struct request *rq)
{
	size_t from = rq->n;
	int r;

	if (rq->o->scope == CR_SCOPE_PROC)
		return 0;
	r = scope_resolve(rq, rq->o->scope, rq->o->target);
	for (size_t i = from; !r && i < rq->n; i++)
		r = scope_check_target(rq, &rq->t[i]);
	if (!r)
		r = request_start(rq, from);
	if (r)
		return r;
	if (rq->n > from)
		log_info("%zu processes joined the scope while it parked", rq->n - from);
	return (int)(rq->n - from);
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
int request_park(struct request *rq)
{
	struct pollfd *pfds = NULL;
	size_t *idx = NULL, n_parked = 0;
	int r;

	rq->parked_since = log_phase_start();	/* the phase log's clock */
	r = request_start(rq, 0);

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
		if (!n) {
			r = request_grow(rq);
			if (r > 0) {
				r = 0;
				continue;
			}
			break;
		}
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

void request_continue(struct request *rq)
{
	rq->resumed = true;
	for (size_t i = 0; i < rq->n; i++) {
		struct ucr_msg m = { .type = UCR_MSG_CONTINUE, .version = UCR_PROTO_VERSION };
		struct target *t = &rq->t[i];

		if (t->zombie || t->omitted)
			continue;
		/* The agent raises the signal once its callbacks ended, as
		 * BLCR signals after them; it is pending when the agent
		 * returns, so that it reaches the program.  --kill is ours:
		 * no code of the program runs again. */
		if (rq->o->signal == SIGKILL)
			kill(t->pid, SIGKILL);
		else
			m.code = rq->o->signal;
		send(t->sock, &m, offsetof(struct ucr_msg, path), MSG_NOSIGNAL);
	}
	log_info("the processes ran again after %.1f ms", (log_phase_start() - rq->parked_since) / 1e6);
}

/*
 * --cow: the holder of t's memory connects on its own (agent/hold.c);
 * SO_PEERCRED names it in our pid namespace.  Only agents that were
 * asked connect now, one at a time.
 */
static int accept_holder(struct request *rq, struct target *t)
{
	struct ucr_msg m;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	ssize_t n;
	int r = wait_readable(rq, rq->listen_fd, HANDSHAKE_TIMEOUT_MS, "the memory holder",
			      t->pid);

	if (r)
		return r;
	t->holder_sock = accept4(rq->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (t->holder_sock < 0)
		return log_errno(-errno, "cannot accept the memory holder of pid %d", (int)t->pid);
	r = wait_readable(rq, t->holder_sock, HANDSHAKE_TIMEOUT_MS, "the memory holder", t->pid);
	if (r)
		return r;
	n = recv(t->holder_sock, &m, sizeof(m), 0);
	if (n < (ssize_t)offsetof(struct ucr_msg, path) || m.version != UCR_PROTO_VERSION ||
	    m.type != UCR_MSG_HOLDER ||
	    getsockopt(t->holder_sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0) {
		log_error("the memory holder of pid %d did not say who it is", (int)t->pid);
		return -EPROTO;
	}
	t->holder = cred.pid;
	return 0;
}

int request_hold(struct request *rq)
{
	for (size_t i = 0; i < rq->n; i++) {
		struct ucr_msg m = { .type = UCR_MSG_HOLD, .version = UCR_PROTO_VERSION };
		struct target *t = &rq->t[i];
		int r;

		if (t->zombie || t->omitted)
			continue;
		if (send(t->sock, &m, offsetof(struct ucr_msg, path), MSG_NOSIGNAL) < 0)
			return log_errno(-errno, "cannot ask pid %d for a memory holder", (int)t->pid);
		r = msg_recv(rq, t, &m, HANDSHAKE_TIMEOUT_MS, "a memory holder");
		if (!r && (m.type != UCR_MSG_HELD || m.code > 0)) {
			log_error("pid %d broke off the checkpoint", (int)t->pid);
			r = -EPROTO;
		} else if (!r && m.code < 0) {
			r = log_errno(m.code, "pid %d cannot fork a holder of its memory", (int)t->pid);
		}
		if (!r)
			r = accept_holder(rq, t);
		if (r)
			return r;
	}
	return 0;
}

void request_release(struct request *rq)
{
	for (size_t i = 0; i < rq->n; i++)
		rq->t[i].holder_sock = safe_close(rq->t[i].holder_sock);
}
