/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --restore-pgid and --restore-sid without the original pids, as BLCR's
 * cr_restart takes them: each saved process group and session id comes
 * back when no process uses that number as its pid, its process group or
 * its session (EBUSY otherwise, before any process is created).
 *
 * The restored processes have new pids, so they cannot make those groups
 * and sessions themselves: a placeholder does, a process created with the
 * saved number as its pid (clone3 set_tid, so it needs the privilege to
 * choose pids).  A group's placeholder leads it and the restored processes
 * join it; the session's placeholder calls setsid() and then creates the
 * groups' placeholders and the roots, which inherit its session (the roots
 * with CLONE_PARENT: they stay our children).  Placeholders hold nothing
 * of the restart and are killed once it is over (the groups' placeholders
 * die with their parent: PR_SET_PDEATHSIG); the kernel keeps a group or
 * session id for as long as one process uses it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/wait.h>

#include "restart.h"
#include "proc/proc.h"
#include "common/request_abi.h"
#include "common/util.h"

/* The ids to give back: the session (0: not asked) and the groups. */
struct ids_want {
	pid_t sid;
	size_t n_pgids;
	pid_t *pgids;
};

static bool ids_asked(const struct restart *rs)
{
	return !rs->o->restore_pid && (rs->o->restore_pgid || rs->o->restore_sid);
}

static int ids_collect(const struct restart *rs, struct ids_want *w)
{
	const struct image *img = rs->img;

	*w = (struct ids_want){ .pgids = xcalloc(img->n_procs + 1, sizeof(pid_t)) };
	if (rs->o->restore_sid)
		w->sid = img->procs[0].p->sid;
	for (size_t i = 0; i < img->n_procs; i++) {
		const struct img_process *p = img->procs[i].p;
		/* the session's placeholder leads the group of its number */
		bool known = rs->o->restore_sid && p->pgid == w->sid;

		/* led from an outer pid namespace (its id reads 0): that leader
		 * holds the number, which no pid of ours can take */
		if ((rs->o->restore_pgid && p->pgid <= 0) || (rs->o->restore_sid && p->sid <= 0))
			return log_errno(-EBUSY, "the %s of pid %d is led from outside its pid "
					 "namespace: it cannot be made again",
					 p->pgid <= 0 && rs->o->restore_pgid ? "process group" :
					 "session", p->pid);
		if (rs->o->restore_sid && p->sid != w->sid)
			return log_errno(-EINVAL, "pid %d was in session %d, pid %d in session %d: "
					 "without the original pids only one session comes back",
					 img->procs[0].p->pid, w->sid, p->pid, p->sid);
		for (size_t k = 0; k < w->n_pgids && !known; k++)
			known = w->pgids[k] == p->pgid;
		if (rs->o->restore_pgid && !known)
			w->pgids[w->n_pgids++] = p->pgid;
	}
	return 0;
}

/* A process that uses n as its pid, process group or session; 0: none. */
static pid_t ids_user(pid_t n)
{
	char path[32];
	struct dirent *d;
	pid_t found = 0;
	DIR *proc;

	snprintf(path, sizeof(path), "/proc/%d", (int)n);
	if (access(path, F_OK) == 0)	/* a tid is a pid too */
		return n;
	proc = opendir("/proc");
	while (proc && !found && (d = readdir(proc))) {
		pid_t pid = atoi(d->d_name);
		struct proc_stat st;

		if (pid > 0 && proc_parse_stat(pid, &st) == 0 && (st.pgrp == n || st.session == n))
			found = pid;
	}
	if (proc)
		closedir(proc);
	return found;
}

static int ids_free(pid_t n, const char *what)
{
	pid_t user = ids_user(n);

	if (!user)
		return 0;
	return log_errno(-EBUSY, "%s %d is in use (by pid %d): cannot restore it", what, n, user);
}

int ids_check(struct restart *rs)
{
	_cleanup_free_ pid_t *pgids = NULL;
	struct ids_want w;
	int r;

	if (!ids_asked(rs))
		return 0;
	if (userns_needed())
		return log_errno(-EPERM, "--restore-pgid and --restore-sid without the original "
				 "pids need the privilege to choose pids");
	r = ids_collect(rs, &w);
	pgids = w.pgids;
	if (!r && w.sid)
		r = ids_free(w.sid, "session");
	for (size_t k = 0; !r && k < w.n_pgids; k++)
		r = ids_free(w.pgids[k], "process group");
	return r;
}

/* In a placeholder, once its group or session exists: holds nothing of
 * the restart, and waits to be killed. */
static __attribute__((noreturn)) void ids_hold(void)
{
	sigset_t none;

	close_range(0, ~0U, 0);
	sigemptyset(&none);
	for (;;)
		sigsuspend(&none);	/* every signal is blocked but SIGKILL */
}

/* A placeholder with pid n, made a group leader, or the leader of a new
 * session; its pid, or -errno.  With fn, the new process runs fn(rs, arg)
 * once it leads its session.  The session's is our sibling when we serve
 * cr_request_restart(), for the roots it creates to be the caller's
 * children. */
static pid_t ids_placeholder(struct restart *rs, pid_t n, bool session,
			     void (*fn)(struct restart *rs, int arg), int arg)
{
	bool sibling = session && rs->o->request_fd >= 0;
	pid_t parent = sibling ? getppid() : getpid(), pid = child_clone(n, sibling);

	if (pid < 0)
		return log_errno(-errno, "cannot create the placeholder of %s %d",
				 session ? "session" : "process group", n);
	if (pid == 0) {
		sigset_t all;

		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		if (session ? setsid() < 0 : setpgid(0, 0) < 0)
			_exit(1);
		if (fn)
			fn(rs, arg);
		ids_hold();
	}
	/* as a shell does: the group exists when we go on */
	if (!session && setpgid(pid, pid) < 0 && errno != EACCES)
		return log_errno(-errno, "cannot make placeholder %d a process group leader", n);
	rs->holders[rs->n_holders++] = pid;
	rs->holder_sibling = sibling;
	return pid;
}

/* Placeholders for the groups not led by the session's placeholder. */
static int ids_groups(struct restart *rs, const struct ids_want *w)
{
	for (size_t k = 0; k < w->n_pgids; k++) {
		pid_t pid = ids_placeholder(rs, w->pgids[k], false, NULL, 0);

		if (pid < 0)
			return pid;
	}
	return 0;
}

/* In the session's placeholder: the groups, then the roots as cr_restart's
 * children, and their pids on report_fd for it. */
static void ids_session_main(struct restart *rs, int report_fd)
{
	_cleanup_free_ pid_t *roots = xcalloc(rs->img->n_procs + 1, sizeof(pid_t));
	struct ids_want w;
	size_t n = 0;
	int r = ids_collect(rs, &w);

	rs->roots_sibling = true;
	if (!r)
		r = ids_groups(rs, &w);
	if (!r)
		r = restart_create_roots(rs, &n, roots);
	free(w.pgids);
	if (write_full(report_fd, &r, sizeof(r)) || write_full(report_fd, &n, sizeof(n)) ||
	    write_full(report_fd, roots, n * sizeof(pid_t)))
		_exit(1);
}

static int ids_read_roots(int fd, size_t *ret_n, pid_t *roots, size_t max)
{
	int r = -EIO;
	size_t n = 0;

	if (read_full(fd, &r, sizeof(r)) || read_full(fd, &n, sizeof(n)) || n > max ||
	    read_full(fd, roots, n * sizeof(pid_t)))
		return log_errno(-EIO, "the placeholder of the session ended before the roots existed");
	*ret_n = n;
	return r;
}

int ids_create_roots(struct restart *rs, size_t *ret_n, pid_t *roots)
{
	_cleanup_close_ int report_rd = -1;
	struct ids_want w;
	int report[2], r;
	pid_t pid;

	*ret_n = 0;
	if (!ids_asked(rs))
		return restart_create_roots(rs, ret_n, roots);
	rs->holders = xcalloc(rs->img->n_procs + 1, sizeof(pid_t));
	r = ids_collect(rs, &w);
	if (!r && !w.sid)
		r = ids_groups(rs, &w);
	free(w.pgids);
	if (r || !w.sid)
		return r ? r : restart_create_roots(rs, ret_n, roots);
	if (pipe2(report, O_CLOEXEC) < 0)
		return log_errno(-errno, "cannot create the pipe of the session's placeholder");
	report_rd = report[0];
	pid = ids_placeholder(rs, w.sid, true, ids_session_main, report[1]);
	close(report[1]);
	if (pid < 0)
		return pid;
	return ids_read_roots(report_rd, ret_n, roots, rs->img->n_procs);
}

void ids_release(struct restart *rs)
{
	for (size_t k = 0; k < rs->n_holders; k++)
		kill(rs->holders[k], SIGKILL);
	for (size_t k = 0; k < rs->n_holders; k++)
		if (rs->holder_sibling)	/* the caller's child: libcr reaps it */
			request_write_killed(rs->o->request_fd, rs->holders[k]);
		else
			waitpid(rs->holders[k], NULL, 0);
	free(rs->holders);
	rs->holders = NULL;
	rs->n_holders = 0;
}
