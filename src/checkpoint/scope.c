/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scope of a request: which processes it covers (--pid, --tree,
 * --pgid, --sid, or a callback's forward), found in /proc, and whether each
 * can take part at all, checked before any agent hears of the request.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>

#include "request.h"
#include "proc/proc.h"
#include "common/agent_abi.h"
#include "common/util.h"
#include "libcr.h"

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

bool scope_contains(const struct request *rq, pid_t pid)
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

	if (scope_contains(rq, pid))
		return;
	if (pid == getpid()) {
		/* Never ourselves; but a parent in the scope waits for us (a
		 * program's system("cr_checkpoint ...")), and after a restart
		 * must find a child of our pid that exited 0, as the parent
		 * BLCR's cr_checkpoint keeps for its caller gives it: our
		 * record is that of such a zombie (a live process's exit code
		 * reads 0). */
		if (scope_contains(rq, getppid())) {
			rq->t = xrealloc(rq->t, (rq->n + 1) * sizeof(*rq->t));
			rq->t[rq->n++] = (struct target){ .pid = pid, .sock = -1, .holder_sock = -1,
							  .zombie = true };
		}
		return;
	}
	/* a group whose leader exited shows the leader's Z, live threads or not */
	dead_leader = proc_parse_stat(pid, &st) == 0 && st.state == 'Z';
	rq->t = xrealloc(rq->t, (rq->n + 1) * sizeof(*rq->t));
	rq->t[rq->n++] = (struct target){
		.pid = pid, .sock = -1, .holder_sock = -1,
		.zombie = dead_leader && proc_count_threads(pid) <= 1,
		.leader_gone = dead_leader && proc_count_threads(pid) > 1,
	};
}

static int pid_cmp(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/* A process and its descendants, parents first, children by pid.  A
 * forward to a tree already in the request adds the descendants not in it
 * yet (BLCR's cr_restart forwards CR_SCOPE_TREE of itself): the walk goes
 * through the processes it already has.  Not below ourselves. */
static void scope_tree(struct request *rq, pid_t root)
{
	pid_t *walk = xcalloc(1, sizeof(*walk));
	size_t n = 0;

	walk[n++] = root;
	scope_add(rq, root);
	for (size_t i = 0; i < n; i++) {
		pid_t *kids;
		size_t n_kids;

		if (walk[i] == getpid() || proc_children(walk[i], &kids, &n_kids))
			continue;
		if (n_kids)
			qsort(kids, n_kids, sizeof(*kids), pid_cmp);
		walk = xrealloc(walk, (n + n_kids) * sizeof(*walk));
		for (size_t k = 0; k < n_kids; k++) {
			scope_add(rq, kids[k]);
			walk[n++] = kids[k];
		}
		free(kids);
	}
	free(walk);
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

			if (!pids[i] || scope_contains(rq, pids[i]))
				continue;
			for (size_t j = 0; j < n; j++)
				parent_waits |= pids[j] && pids[j] == ppids[i] && !scope_contains(rq, pids[j]) &&
						j != i;
			if (parent_waits)
				continue;
			scope_add(rq, pids[i]);
			pids[i] = 0;	/* taken, or left out (ourselves): done */
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

int scope_resolve(struct request *rq, cr_scope_t scope, pid_t id)
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

/* A traced or tracing process is refused, or left out when asked. */
static int check_ptrace(struct request *rq, struct target *t, const struct proc_status *st)
{
	pid_t tracee;

	if (st->tracer && rq->o->ptraced_skip) {
		log_info("pid %d is being traced by pid %d: left out", (int)t->pid, (int)st->tracer);
		t->omitted = true;
		return 0;
	}
	if (st->tracer && !rq->o->ptraced_allow) {
		log_error("pid %d is being traced by pid %d", (int)t->pid, (int)st->tracer);
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
	return 0;
}

/* The --omit-* choice of a cr_restart waiting for what it restored
 * (common/agent_abi.h), or -1 for any other process. */
static int restarter_omit(pid_t pid)
{
	char path[64], link[128], mark[64];
	struct dirent *d;
	int omit = -1;
	size_t n_mark;
	DIR *dir;

	n_mark = (size_t)snprintf(mark, sizeof(mark), "/memfd:%s", UCR_RESTARTER_MEMFD);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	while (dir && omit < 0 && (d = readdir(dir))) {
		ssize_t n = readlinkat(dirfd(dir), d->d_name, link, sizeof(link) - 1);

		if (n <= (ssize_t)n_mark || strncmp(link, mark, n_mark))
			continue;
		link[n] = 0;
		for (int k = 0; k < UCR_N_OMIT && omit < 0; k++)
			if (!strncmp(link + n_mark, ucr_omit_name(k), strlen(ucr_omit_name(k))))
				omit = k;
	}
	if (dir)
		closedir(dir);
	return omit;
}

/*
 * BLCR's cr_restart took part in a checkpoint that reached it, through a
 * callback: it left itself out (--omit-always; --omit-maybe, the default,
 * when it is the request's target or an orphan) or was saved, and its
 * restored processes were saved either way.  ucr's has no agent: saved,
 * it is a record that the restart makes a process that waits for its
 * children again and ends as the first does.
 */
static void scope_restarter(const struct request *rq, struct target *t, int omit)
{
	struct proc_stat st;
	bool orphan = proc_parse_stat(t->pid, &st) == 0 && st.ppid == 1;

	if (omit == UCR_OMIT_ALWAYS || (omit == UCR_OMIT_MAYBE && (t->pid == rq->o->target || orphan))) {
		log_info("pid %d is cr_restart (--omit-%s): left out", (int)t->pid,
			 ucr_omit_name(omit));
		t->omitted = true;
		return;
	}
	log_info("pid %d is cr_restart (--omit-%s): saved as waiting for its children",
		 (int)t->pid, ucr_omit_name(omit));
	t->zombie = t->waiter = true;
	t->omit = omit;
}

/*
 * A process of the tree or group, not the request's own target, that
 * exited while it was checked (err, from a look at it, says it is gone):
 * left out, or saved as the zombie it became.  Else false, and the caller
 * says what failed.
 */
static bool exited_meanwhile(const struct request *rq, struct target *t, int err)
{
	struct proc_stat st;

	if ((err != -ENOENT && err != -ESRCH) || t->pid == rq->o->target)
		return false;
	if (proc_parse_stat(t->pid, &st) == 0 && st.state == 'Z') {
		t->zombie = true;
		return true;
	}
	log_info("pid %d exited: not in the checkpoint", (int)t->pid);
	t->omitted = t->exited = true;
	return true;
}

/* libcr mapped in pid (1) or not (0), or -errno. */
static int agent_mapped(pid_t pid)
{
	struct vma *vmas;
	size_t n;
	bool has_agent = false;
	int r = proc_parse_maps(pid, &vmas, &n);

	if (r)
		return r;
	/* no mapping at all: it is exiting, its memory is gone already */
	if (!n)
		return -ESRCH;
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(vmas[i].path, '/');

		if (base && !strncmp(base, "/libcr.so", 9))
			has_agent = true;
	}
	proc_free_maps(vmas, n);
	return has_agent;
}

/*
 * libcr blocks the checkpoint signal across an execve() and the new
 * image's libcr unblocks it once its handler is in place.  A process
 * caught between the two, or whose status and map were read on either
 * side of an exec, shows some sign of libcr but not all: it is looked at
 * again, for a while, until it shows libcr mapped and its handler in place
 * at once.  One that never showed a sign fails at once.
 */
#define EXEC_GRACE_MS 5000

static int check_agent(const struct request *rq, struct target *t, struct proc_status *st)
{
	int r;

	for (int waited = 0;; waited++) {
		bool caught = st->sig_caught & CR_SIGNUM_BIT;
		bool blocked = st->sig_blocked & CR_SIGNUM_BIT;

		r = agent_mapped(t->pid);
		if (r < 0 || (r && caught) || (!r && !caught && !blocked) ||
		    waited == EXEC_GRACE_MS)
			break;
		if (waited == 0)
			log_info("pid %d may be in the middle of an exec: waiting for its libcr",
				 (int)t->pid);
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
		r = proc_parse_status(t->pid, st);
		if (r)
			break;
	}
	if (r < 0 && exited_meanwhile(rq, t, r))
		return 0;
	if (r < 0)
		return log_errno(r, "cannot look at pid %d", (int)t->pid);
	if (!r || !(st->sig_caught & CR_SIGNUM_BIT)) {
		log_error("pid %d is not checkpointable: libcr is not loaded in it "
			  "(start it with cr_run, or link it with -lcr)", (int)t->pid);
		return -CR_ENOSUPPORT;
	}
	return 0;
}

/*
 * Nobody checkpoints what they could not debug: a user other than root
 * only their own processes, whose every uid and gid is theirs, and none
 * that runs with more than they have (a set-uid or set-gid program, or one
 * with capabilities).  The kernel's own check, on opening the memory,
 * also refuses what is not dumpable or what Yama forbids.
 */
static int check_privilege(const struct target *t, const struct proc_status *st)
{
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (uid == 0)
		return 0;
	if (st->uid != uid || st->euid != uid || st->suid != uid) {
		log_error("pid %d runs as uid %u (effective %u): only that user or root can "
			  "checkpoint it", (int)t->pid, st->uid, st->euid);
		return -EPERM;
	}
	if (st->gid != gid || st->egid != gid || st->sgid != gid) {
		log_error("pid %d runs as gid %u (effective %u), not yours: only root can "
			  "checkpoint it",
			  (int)t->pid, st->gid, st->egid);
		return -EPERM;
	}
	if (st->cap_permitted) {
		log_error("pid %d holds capabilities (%#llx): only root can checkpoint it",
			  (int)t->pid, (unsigned long long)st->cap_permitted);
		return -EPERM;
	}
	return 0;
}

int scope_check_target(struct request *rq, struct target *t)
{
	struct proc_status st;
	int r, threads;
	char mem[64];

	if (t->zombie)
		return 0;	/* only its exit status is saved */
	if (t->leader_gone) {
		log_error("pid %d is not checkpointable: its main thread has exited", (int)t->pid);
		return -EOPNOTSUPP;
	}
	r = proc_parse_status(t->pid, &st);
	if (r && exited_meanwhile(rq, t, r))
		return 0;
	if (r == -ENOENT) {
		log_error("no process %d", (int)t->pid);
		return -ESRCH;
	}
	if (r)
		return log_errno(r, "cannot read the status of pid %d", (int)t->pid);
	r = check_privilege(t, &st);
	if (r)
		return r;
	/* opening the memory needs ptrace access */
	snprintf(mem, sizeof(mem), "/proc/%d/mem", (int)t->pid);
	r = open(mem, O_RDONLY | O_CLOEXEC);
	if (r < 0 && exited_meanwhile(rq, t, -errno))
		return 0;
	if (r < 0)
		return log_errno(-errno, "cannot checkpoint pid %d: no ptrace access to it "
				 "(not dumpable, or forbidden by Yama's ptrace_scope)", (int)t->pid);
	close(r);
	r = check_ptrace(rq, t, &st);
	if (r || t->omitted)
		return r;
	r = restarter_omit(t->pid);
	if (r >= 0) {
		scope_restarter(rq, t, r);
		return 0;
	}
	r = check_agent(rq, t, &st);
	if (r || t->zombie || t->omitted)
		return r;
	{
		struct proc_stat ps;

		/* 'T' is a job-control stop ('t', a tracer's, was seen above) */
		t->stopped = proc_parse_stat(t->pid, &ps) == 0 && ps.state == 'T';
	}
	threads = proc_count_threads(t->pid);
	if (threads > UCR_MAX_THREADS) {
		log_error("pid %d has %d threads: ucr saves at most %d", (int)t->pid, threads,
			  UCR_MAX_THREADS);
		return -EOPNOTSUPP;
	}
	return 0;
}
