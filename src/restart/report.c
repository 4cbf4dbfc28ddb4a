/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the new processes tell cr_restart: each restorer's verdict on the
 * status pipe, then each restored agent's "restored" on the restart
 * socket, which waits for cr_restart's word that the whole restart holds
 * (report_confirm()).
 */
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>

#include "restart.h"
#include "common/util.h"

#define RESTORED_TIMEOUT_MS 30000

/* What each step names in its message: the address, or a number. */
enum step_at { AT_NONE, AT_ADDR, AT_NUMBER };

static const struct {
	const char *what;
	enum step_at at;
} steps[] = {
	[STEP_UNMAP] = { "unmapping the old image at", AT_ADDR },
	[STEP_SPECIAL] = { "moving the vDSO at", AT_ADDR },
	[STEP_MAP] = { "mapping the area at", AT_ADDR },
	[STEP_READ] = { "reading the pages at", AT_ADDR },
	[STEP_PROTECT] = { "protecting the area at", AT_ADDR },
	[STEP_MM] = { "setting the mm fields", AT_NONE },
	[STEP_SIGACTION] = { "setting the action of signal", AT_NUMBER },
	[STEP_THREAD] = { "setting the thread with fs base", AT_ADDR },
	[STEP_RSEQ] = { "registering rseq at", AT_ADDR },
	[STEP_RLIMIT] = { "setting limit", AT_NUMBER },
	[STEP_CREDS] = { "setting the credentials", AT_NONE },
	[STEP_CLONE] = { "creating thread", AT_NUMBER },
};

static void report_failure(const struct plan_error *e)
{
	char where[32] = "", now[32] = "";

	if (e->step == STEP_CHILD)
		return;	/* still in our code: it said what failed */
	if (e->saved_pid != e->pid)	/* under a new pid */
		snprintf(now, sizeof(now), " (now pid %d)", e->pid);
	if (e->step >= ARRAY_SIZE(steps) || !steps[e->step].what) {
		log_errno(e->err, "restore of pid %d%s failed in unknown step %u", e->saved_pid, now,
			  e->step);
		return;
	}
	if (steps[e->step].at == AT_ADDR)
		snprintf(where, sizeof(where), " %#llx", (unsigned long long)e->addr);
	else if (steps[e->step].at == AT_NUMBER)
		snprintf(where, sizeof(where), " %llu", (unsigned long long)e->addr);
	log_errno(e->err, "restore of pid %d%s failed %s%s", e->saved_pid, now, steps[e->step].what,
		  where);
}

int report_wait_restorers(const struct image *img, int status_fd, size_t n,
			  struct log_progress *progress)
{
	struct plan_error e;

	for (size_t i = 0; i < n; i++) {
		ssize_t got;

		do
			got = read(status_fd, &e, sizeof(e));
		while (got < 0 && errno == EINTR);
		if (got == (ssize_t)sizeof(e) && e.step == STEP_READ_PROGRESS) {
			log_progress_add(progress, e.addr);
			i--;
			continue;
		}
		if (got != (ssize_t)sizeof(e)) {
			log_error("a restored process died while its image was restored "
				  "(%zu of %zu had reported)", i, n);
			return -EIO;
		}
		if (e.step == STEP_LOCK)
			return locks_failed(img, e.addr, e.err);
		if (e.step != STEP_DONE) {
			report_failure(&e);
			return e.err < 0 ? e.err : -EIO;
		}
	}
	return 0;
}

int report_wait_agents(int listen_fd, size_t n, int *socks)
{
	struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
	struct ucr_msg m;

	for (size_t i = 0; i < n; i++) {
		int r, sock;

		do
			r = poll(&pfd, 1, RESTORED_TIMEOUT_MS);
		while (r < 0 && errno == EINTR);
		if (r <= 0) {
			log_error("%zu restored processes did not report back", n - i);
			return -ETIMEDOUT;
		}
		sock = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (sock < 0)
			return log_errno(-errno, "cannot accept a restored agent on the restart "
					 "socket");
		socks[i] = sock;
		r = recv(sock, &m, sizeof(m), 0);
		if (r < (int)offsetof(struct ucr_msg, path)) {
			log_error("a restored process broke off before its restart was done "
				  "(%zu of %zu had reported)", i, n);
			return -EIO;
		}
		if (m.type != UCR_MSG_RESTORED) {
			log_error("restored pid %d did not finish its restart (message %u)", m.pid,
				  m.type);
			return -EIO;
		}
	}
	return 0;
}

/* The word that every process is back, or (ok false) none: an agent whose
 * socket closes without it ends itself, and so does one whose cr_restart
 * died.  An agent of an older libcr closed its socket already. */
void report_confirm(int *socks, size_t n, bool ok)
{
	struct ucr_msg m = { .type = UCR_MSG_CONTINUE, .version = UCR_PROTO_VERSION,
			     .pid = getpid() };

	for (size_t i = 0; i < n; i++) {
		if (ok && socks[i] >= 0)
			send(socks[i], &m, offsetof(struct ucr_msg, path), MSG_NOSIGNAL);
		socks[i] = safe_close(socks[i]);
	}
}
