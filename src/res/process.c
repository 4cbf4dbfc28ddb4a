/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The process itself: ids, credentials, cwd, umask, rlimits, name,
 * executable, mm fields (PR_SET_MM_MAP); a zombie's exit status.  Its
 * cwd and umask are in its record too, but checked and set by fs.c.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "res.h"
#include "proc/proc.h"
#include "common/util.h"

static int read_link(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static int pid_ns_of(pid_t pid, char *buf, size_t len)
{
	return read_link(pid, "ns/pid", buf, len);
}

int process_pid_view(struct dump_shared *sh, const pid_t *pids, size_t n)
{
	char ns[sizeof(sh->pid_ns)];

	sh->pids = xcalloc(n ? n : 1, sizeof(*sh->pids));
	for (size_t i = 0; i < n; i++) {
		struct proc_status st;
		int r = pid_ns_of(pids[i], ns, sizeof(ns));

		if (!r)
			r = proc_parse_status(pids[i], &st);
		if (r)
			return log_errno(r, "cannot read the pid namespace of pid %d", (int)pids[i]);
		if (!i)
			memcpy(sh->pid_ns, ns, sizeof(ns));
		else if (strcmp(ns, sh->pid_ns)) {
			log_error("pid %d is in another pid namespace than pid %d: one checkpoint "
				  "holds one namespace's processes", (int)pids[i], (int)pids[0]);
			return -EINVAL;
		}
		sh->pids[sh->n_pids++] = (struct dump_pid){ pids[i], st.ns_pid };
	}
	sh->pid_ns_foreign = n && (pid_ns_of(getpid(), ns, sizeof(ns)) || strcmp(ns, sh->pid_ns));
	return 0;
}

pid_t process_seen_pid(const struct dump_shared *sh, pid_t pid)
{
	struct proc_status st;
	char ns[sizeof(sh->pid_ns)];

	for (size_t i = 0; i < sh->n_pids; i++)
		if (sh->pids[i].outer == pid)
			return sh->pids[i].seen;
	/* In our own pid namespace they see every pid as we do; and its
	 * init's ns/pid may be closed to us (ptrace access mode), which made
	 * an orphan's parent 0 */
	if (pid > 0 && !sh->pid_ns_foreign)
		return pid;
	if (pid <= 0 || pid_ns_of(pid, ns, sizeof(ns)) || strcmp(ns, sh->pid_ns) ||
	    proc_parse_status(pid, &st))
		return 0;
	return st.ns_pid;
}

/* pid, parent, group and session, as the process sees them. */
static void fill_seen_ids(const struct dump_ctx *ctx, const struct proc_stat *st,
			  const struct proc_status *status, struct img_process *p)
{
	p->pid = process_seen_pid(ctx->shared, ctx->pid);
	if (ctx->shared->pid_ns_foreign)
		p->flags |= PROC_F_OWN_PIDNS;
	if (ctx->stopped)
		p->flags |= PROC_F_STOPPED;
	p->ppid = process_seen_pid(ctx->shared, st->ppid);
	p->pgid = status->ns_pgid;
	p->sid = status->ns_sid;
}

/* Process ids, as the process sees them, and credentials. */
static int fill_ids(const struct dump_ctx *ctx, const struct proc_stat *st,
		    const struct proc_status *status, struct img_process *p)
{
	pid_t pid = ctx->pid;

	fill_seen_ids(ctx, st, status, p);
	p->uid = status->uid;
	p->euid = status->euid;
	p->gid = status->gid;
	p->egid = status->egid;
	p->suid = status->suid;
	p->sgid = status->sgid;
	if (status->n_groups > IMG_NGROUPS) {
		log_error("pid %d has %u supplementary groups: at most %d can be saved", (int)pid,
			  status->n_groups, IMG_NGROUPS);
		return -EOVERFLOW;
	}
	p->n_groups = status->n_groups;
	for (unsigned int i = 0; i < status->n_groups; i++)
		p->groups[i] = status->groups[i];
	return 0;
}

/* The mm fields PR_SET_MM_MAP takes back, but brk. */
static void fill_mm(const struct proc_stat *st, struct img_process *p)
{
	p->start_code = st->start_code;
	p->end_code = st->end_code;
	p->start_data = st->start_data;
	p->end_data = st->end_data;
	p->start_brk = st->start_brk;
	p->start_stack = st->start_stack;
	p->arg_start = st->arg_start;
	p->arg_end = st->arg_end;
	p->env_start = st->env_start;
	p->env_end = st->env_end;
}

static int process_fill(struct dump_ctx *ctx, struct img_process *p, char *exe, char *cwd)
{
	struct proc_stat st;
	struct proc_status status;
	struct stat exe_st;
	char path[64];
	_cleanup_free_ char *comm = NULL;
	int r;

	r = proc_parse_stat(ctx->pid, &st);
	if (!r)
		r = proc_parse_status(ctx->pid, &status);
	if (r)
		return log_errno(r, "cannot read the state of pid %d", (int)ctx->pid);
	r = read_link(ctx->pid, "exe", exe, UCR_PATH_MAX);
	if (!r)
		r = read_link(ctx->pid, "cwd", cwd, UCR_PATH_MAX);
	if (r)
		return log_errno(r, "cannot read the executable and cwd of pid %d", (int)ctx->pid);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)ctx->pid);
	if (stat(path, &exe_st) < 0)
		return log_errno(-errno, "cannot stat the executable of pid %d", (int)ctx->pid);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)ctx->pid);
	if (read_file(path, &comm, NULL) == 0)
		strncpy(p->comm, strtok(comm, "\n") ?: "", sizeof(p->comm) - 1);

	r = fill_ids(ctx, &st, &status, p);
	if (r)
		return r;
	fill_mm(&st, p);
	p->umask = status.umask;
	p->n_threads = ctx->state.n_threads;
	p->brk = ctx->state.brk;	/* the agent's: /proc has only start_brk */
	p->agent_state = ctx->state_addr;
	p->trampoline = ctx->state.trampoline;
	memcpy(p->rlimits, ctx->state.rlimits, sizeof(p->rlimits));
	p->exe_size = exe_st.st_size;
	p->exe_mtime_sec = exe_st.st_mtim.tv_sec;
	p->exe_mtime_nsec = exe_st.st_mtim.tv_nsec;
	p->exe_len = strlen(exe);
	p->cwd_len = strlen(cwd);
	return 0;
}

/* An exited child not yet reaped: its ids and how it ended. */
static int process_dump_zombie(struct dump_ctx *ctx)
{
	struct img_process p = { .flags = PROC_F_ZOMBIE };
	struct proc_status status;
	struct proc_stat st;
	const void *parts[] = { &p };
	size_t lens[] = { sizeof(p) };
	int r = proc_parse_stat(ctx->pid, &st);

	if (!r)
		r = proc_parse_status(ctx->pid, &status);
	if (r)
		return log_errno(r, "cannot read the state of zombie %d", (int)ctx->pid);
	fill_seen_ids(ctx, &st, &status, &p);
	p.exit_status = st.exit_code;
	if (ctx->waiter) {
		p.flags |= PROC_F_WAITER;
		p.omit = ctx->waiter_omit;
	}
	return img_write_record(ctx->w, IMG_PROCESS, parts, lens, 1);
}

static int process_dump(struct dump_ctx *ctx)
{
	struct img_process p = { 0 };
	char exe[UCR_PATH_MAX], cwd[UCR_PATH_MAX];
	int r;

	if (ctx->zombie)
		return process_dump_zombie(ctx);
	/* the record's n_threads is the agent's count: verified first */
	r = threads_verify(ctx);
	if (!r)
		r = process_fill(ctx, &p, exe, cwd);
	if (r)
		return r;

	const void *parts[] = { &p, exe, cwd };
	size_t lens[] = { sizeof(p), p.exe_len, p.cwd_len };
	return img_write_record(ctx->w, IMG_PROCESS, parts, lens, 3);
}

/* ---- restart -------------------------------------------------------------- */

/*
 * Whether the restart needs the executable's file: not when every page of
 * its mappings was saved (--save-exe), nor when it had no name at the
 * checkpoint (its mappings are of a saved unlinked file).  Then it is
 * neither checked nor opened, and the process keeps cr_restart's
 * executable link (PR_SET_MM_MAP without exe_fd).
 */
static bool exe_needed(const struct image_process *proc)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(proc->exe), cut = sizeof(deleted) - 1;
	bool any = false;

	if (len > cut && !strcmp(proc->exe + len - cut, deleted))
		return false;
	for (size_t i = 0; i < proc->n_areas; i++) {
		const struct img_area *a = proc->areas[i].a;

		if (a->kind != AREA_FILE || strcmp(proc->areas[i].path, proc->exe))
			continue;
		if (!memory_file_saved(a))
			return true;
		any = true;
	}
	return !any;
}

/*
 * A restart never gives a process more than the restarting user has: root
 * gives it back its saved credentials; anybody else restarts only their own
 * processes, which keep the credentials of the one restarting them.
 */
static int check_credentials(const struct img_process *p)
{
	uid_t uid = getuid();

	if (uid == 0)
		return 0;
	if (p->uid != uid || p->euid != uid || p->suid != uid) {
		log_error("pid %d ran as uid %u: only that user or root can restart it", p->pid,
			  p->euid);
		return -EPERM;
	}
	return 0;
}

static int process_check(struct rst_ctx *ctx, struct rst_shared *sh)
{
	const struct image_process *proc = ctx->proc;
	const struct img_process *p = proc->p;
	char path[64];
	struct stat st;
	int r;

	r = check_credentials(p);
	if (r)
		return r;
	/* in a pid namespace of its own every pid is free */
	if (ctx->restore_pid && !ctx->own_userns) {
		snprintf(path, sizeof(path), "/proc/%d", p->pid);
		if (access(path, F_OK) == 0) {
			log_error("pid %d is in use: cannot restore it (try --no-restore-pid)", p->pid);
			return -EBUSY;
		}
	}
	if ((p->flags & PROC_F_ZOMBIE) || !exe_needed(proc))
		return 0;
	if (stat(proc->exe, &st) < 0)
		return log_errno(-errno, "cannot find the executable %s", proc->exe);
	if ((uint64_t)st.st_size != p->exe_size || st.st_mtim.tv_sec != p->exe_mtime_sec ||
	    st.st_mtim.tv_nsec != p->exe_mtime_nsec) {
		log_error("the executable %s changed since the checkpoint", proc->exe);
		return -ESTALE;
	}
	/* for PR_SET_MM_MAP's exe_fd, opened while the file is checked */
	ctx->exe_fd = helper_fd(sh, open(proc->exe, O_RDONLY | O_CLOEXEC));
	if (ctx->exe_fd < 0)
		return log_errno(-errno, "cannot open the executable %s", proc->exe);
	return 0;
}

static int process_plan(struct rst_ctx *ctx, struct plan *plan)
{
	const struct img_process *p = ctx->proc->p;

	plan->mm = (struct prctl_mm_map){
		.start_code = p->start_code, .end_code = p->end_code,
		.start_data = p->start_data, .end_data = p->end_data,
		.start_brk = p->start_brk, .brk = p->brk, .start_stack = p->start_stack,
		.arg_start = p->arg_start, .arg_end = p->arg_end,
		.env_start = p->env_start, .env_end = p->env_end,
		.exe_fd = ctx->exe_fd,	/* .auxv_size: auxv.c */
	};
	memcpy(plan->comm, p->comm, sizeof(plan->comm));
	/* Limits: a restart never raises a hard limit beyond what the
	 * restarting user has (and without CAP_SYS_RESOURCE it cannot). */
	plan->n_rlimits = RLIM_NLIMITS < PLAN_NRLIMIT ? RLIM_NLIMITS : PLAN_NRLIMIT;
	for (uint32_t i = 0; i < plan->n_rlimits; i++) {
		struct rlimit now;

		getrlimit(i, &now);
		plan->rlimits[i].max = p->rlimits[i].max;
		if (plan->rlimits[i].max > now.rlim_max) {
			log_warn("cannot raise the hard limit %u to %llu, keeping %llu", i,
				 (unsigned long long)p->rlimits[i].max,
				 (unsigned long long)now.rlim_max);
			plan->rlimits[i].max = now.rlim_max;
		}
		plan->rlimits[i].cur = p->rlimits[i].cur < plan->rlimits[i].max ?
				       p->rlimits[i].cur : plan->rlimits[i].max;
	}
	plan->drop_caps = ctx->own_userns;
	if (getuid() == 0) {
		plan->set_creds = 1;
		plan->uid[0] = p->uid, plan->uid[1] = p->euid, plan->uid[2] = p->suid;
		plan->gid[0] = p->gid, plan->gid[1] = p->egid, plan->gid[2] = p->sgid;
		plan->n_groups = p->n_groups;
		memcpy(plan->groups, p->groups, sizeof(plan->groups));
	}
	plan->trampoline = p->trampoline;
	plan->restart_info_addr = p->agent_state + offsetof(struct agent_state, restart);
	return 0;
}

const struct res_ops process_ops = {
	.name = "process",
	.zombie_too = true,
	.dump = process_dump,
	.check = process_check,
	.plan = process_plan,
};
