/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The new process, from clone3 to the jump into the restorer blob.  While
 * it still runs cr_restart's code it puts the descriptors at their numbers,
 * enters the working directory, and lays out the blob: code, plan and
 * stack in one mapping at an address that neither the saved image nor the
 * current one uses.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <linux/sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/rseq.h>

#include "restart.h"
#include "proc/proc.h"
#include "common/util.h"

#define BLOB_STACK (64u << 10)
#define PAGE 4096ul
/* Look for room above the usual low mappings (program, brk heap). */
#define HOLE_FLOOR (1ULL << 32)
#define HOLE_CEILING 0x7ffffffff000ULL

extern const char restorer_blob[], restorer_blob_end[];

static __attribute__((noreturn)) void child_fail(int status_fd, int err)
{
	struct plan_error e = { .step = STEP_CHILD, .err = err, .pid = getpid() };

	if (write(status_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

pid_t child_clone(pid_t pid, bool sibling)
{
	/* a sibling gets our own exit signal (SIGCHLD: we are fork()ed);
	 * clone3 wants none given with CLONE_PARENT */
	struct clone_args args = {
		.flags = sibling ? CLONE_PARENT : 0,
		.exit_signal = sibling ? 0 : SIGCHLD,
	};

	if (pid > 0) {
		args.set_tid = (uint64_t)&pid;
		args.set_tid_size = 1;
	}
	return syscall(SYS_clone3, &args, sizeof(args));
}

struct range {
	uint64_t start, end;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* A hole of len bytes free in both the saved layout and the current one. */
static uint64_t find_hole(const struct image_process *p, uint64_t len)
{
	struct vma *vmas;
	size_t n_vmas, n = 0;
	struct range *r;
	uint64_t at = HOLE_FLOOR;

	if (proc_parse_maps(getpid(), &vmas, &n_vmas))
		return 0;
	r = xmalloc((n_vmas + p->n_areas) * sizeof(*r));
	for (size_t i = 0; i < n_vmas; i++)
		r[n++] = (struct range){ vmas[i].start, vmas[i].end };
	for (size_t i = 0; i < p->n_areas; i++)
		r[n++] = (struct range){ p->areas[i].a->start, p->areas[i].a->end };
	proc_free_maps(vmas, n_vmas);
	qsort(r, n, sizeof(*r), range_cmp);
	for (size_t i = 0; i < n && at + len <= HOLE_CEILING; i++) {
		if (r[i].end <= at)
			continue;
		if (r[i].start >= at + len)
			break;
		at = ALIGN_UP(r[i].end, PAGE);
	}
	free(r);
	return at + len <= HOLE_CEILING ? at : 0;
}

static __attribute__((noreturn)) void jump_to_blob(uint64_t entry, uint64_t stack_top,
						    struct plan *plan)
{
	/* glibc registered an rseq area in this (old) image: the kernel
	 * would write to it after the blob unmaps it */
	if (__rseq_size)
		sys_rseq((unsigned long)__builtin_thread_pointer() + __rseq_offset,
			__rseq_size < 32 ? 32 : __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "jmp *%1"
			 :
			 : "r"(stack_top), "r"(entry), "D"(plan)
			 : "memory");
	__builtin_unreachable();
}

/* A zombie: the process ends as it ended, for its parent to reap. */
/* Ends as the wait status says: a zombie's, or a waiter's first child's. */
static __attribute__((noreturn)) void child_end_as(int status)
{
	struct rlimit none = { 0, 0 };
	sigset_t all;

	if (WIFSIGNALED(status)) {
		setrlimit(RLIMIT_CORE, &none);
		signal(WTERMSIG(status), SIG_DFL);
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		kill(getpid(), WTERMSIG(status));
	}
	_exit(WEXITSTATUS(status));
}

/* A cr_restart saved waiting (PROC_F_WAITER): waits again for its first
 * child, holding nothing of this restart, and ends as it does. */
static __attribute__((noreturn)) void child_wait(const struct img_process *p, pid_t first)
{
	sigset_t none;
	int st;

	close_range(0, ~0U, 0);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	restart_mark_waiting(p->omit);
	while (first > 0 && waitpid(first, &st, 0) < 0)
		if (errno != EINTR)
			_exit(0);
	child_end_as(first > 0 ? st : 0);
}

/* Session and group as saved, when asked (--restore-sid, --restore-pgid). */
static int child_ids(const struct restart *rs, const struct img_process *p, bool root)
{
	/* under new pids the placeholders made the groups and the session
	 * (ids.c): join the group; the session came with the process, and a
	 * root in it without its group leads one of its own, as under BLCR */
	if (!rs->o->restore_pid) {
		if (rs->o->restore_pgid && getpgid(0) != p->pgid && setpgid(0, p->pgid) < 0)
			return log_errno(-errno, "cannot put pid %d in process group %d", p->pid,
					 p->pgid);
		if (!rs->o->restore_pgid && rs->o->restore_sid && root && setpgid(0, 0) < 0)
			return log_errno(-errno, "cannot make pid %d a process group leader", p->pid);
		return 0;
	}
	if (rs->o->restore_sid && p->sid == p->pid && setsid() < 0)
		return log_errno(-errno, "cannot make pid %d a session leader", p->pid);
	if (rs->o->restore_pgid && getpgid(0) != p->pgid &&
	    setpgid(0, p->pgid == p->pid ? 0 : p->pgid) < 0)
		return log_errno(-errno, "cannot put pid %d in process group %d", p->pid, p->pgid);
	return 0;
}

/* What the new process sets itself while it has libc, before the blob. */
static int child_restore(const struct rst_ctx *ctx, const struct rst_shared *sh)
{
	int r = 0;

	for (size_t i = 0; !r && i < res_table_len; i++)
		if (res_table[i]->restore)
			r = res_table[i]->restore(ctx, sh);
	return r;
}

static int child_plan(struct rst_ctx *ctx, struct plan *plan)
{
	int r = 0;

	for (size_t i = 0; !r && i < res_table_len; i++)
		if (res_table[i]->plan)
			r = res_table[i]->plan(ctx, plan);
	return r;
}

/*
 * The blob's one mapping: its code, the plan with its arrays, its own
 * stack, a stack for each thread it creates, and scratch room to move the
 * special maps through.
 */
struct blob_layout {
	uint64_t hole;			/* where it is mapped */
	uint64_t code_len, plan_len, stacks_len, scratch_len, total;
};

static void blob_measure(const struct image *img, const struct image_process *p,
			 struct blob_layout *l)
{
	l->code_len = ALIGN_UP((uint64_t)(restorer_blob_end - restorer_blob), PAGE);
	l->plan_len = ALIGN_UP(sizeof(struct plan) + memory_plan_size(img, p) +
			       p->n_locks * sizeof(struct plan_lock) +
			       p->n_threads * sizeof(struct plan_thread), PAGE);
	l->stacks_len = p->n_threads * (uint64_t)BLOB_THREAD_STACK;
	l->scratch_len = 0;
	for (size_t k = 0; k < p->n_areas; k++)
		if (p->areas[k].a->kind == AREA_VDSO)
			l->scratch_len += p->areas[k].a->end - p->areas[k].a->start;
	l->total = l->code_len + l->plan_len + BLOB_STACK + l->stacks_len + l->scratch_len;
}

/* Maps the blob where neither image has anything, its code executable. */
static int blob_map(const struct image *img, const struct image_process *p,
		    struct blob_layout *l)
{
	blob_measure(img, p, l);
	l->hole = find_hole(p, l->total);
	if (!l->hole)
		return log_errno(-ENOMEM, "no room for the restorer's %llu bytes in pid %d",
				 (unsigned long long)l->total, p->p->pid);
	if (mmap((void *)l->hole, l->total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)l->hole)
		return log_errno(-errno, "cannot map the restorer at %#llx in pid %d",
				 (unsigned long long)l->hole, p->p->pid);
	memcpy((void *)l->hole, restorer_blob, restorer_blob_end - restorer_blob);
	if (mprotect((void *)l->hole, l->code_len, PROT_READ | PROT_EXEC) < 0)
		return log_errno(-errno, "cannot make the restorer at %#llx executable in pid %d",
				 (unsigned long long)l->hole, p->p->pid);
	return 0;
}

/* The plan: where things are in the blob, then each resource's part. */
static int plan_fill(const struct restart *rs, struct rst_ctx *ctx, const struct blob_layout *l,
		     struct plan *plan)
{
	const struct image_process *p = ctx->proc;
	uint64_t stacks = l->hole + l->code_len + l->plan_len + BLOB_STACK;
	struct plan_thread *t;
	int r;

	plan->blob_start = l->hole;
	plan->blob_len = l->total;
	plan->scratch = stacks + l->stacks_len;
	plan->lazy = rs->o->lazy;
	plan->status_fd = rs->status_fd;
	plan->helper_fd_base = rs->shared.base;
	plan->threads_off = sizeof(*plan);
	plan->areas_off = plan->threads_off + p->n_threads * sizeof(struct plan_thread);
	plan->runs_off = plan->areas_off + p->n_areas * sizeof(struct plan_area);
	plan->locks_off = plan->areas_off + memory_plan_size(ctx->img, p);	/* after the runs */
	plan->restart = rs->info;
	plan->restart.post_signal = rs->o->signal ? rs->o->signal :
				    p->p->flags & PROC_F_STOPPED ? SIGSTOP : 0;
	plan->patch_tid = !rs->o->restore_pid;
	plan->report_reads = rs->progress.on;
	r = child_plan(ctx, plan);
	if (r)
		return log_errno(r, "cannot plan the restore of pid %d", p->p->pid);
	t = (void *)((char *)plan + plan->threads_off);
	for (size_t k = 0; k < p->n_threads; k++)
		t[k].stack_top = stacks + (k + 1) * BLOB_THREAD_STACK;
	return 0;
}

static __attribute__((noreturn)) void child_main(struct restart *rs, size_t i, bool root)
{
	struct rst_ctx *ctx = &rs->procs[i];
	const struct image_process *p = ctx->proc;
	int status_fd = rs->status_fd, r;
	pid_t first_child = 0;
	struct blob_layout l;
	struct plan *plan;
	sigset_t all;
	char go;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	close(rs->status_parent);
	close(rs->go_parent);
	/* the first of its namespace's processes, that its children share */
	r = root && rs->ns.init > 0 ? userns_child_setup() : 0;
	if (!r)
		r = child_ids(rs, p->p, root);
	if (r)
		child_fail(status_fd, r);
	/* its children, under it and in order, before it becomes itself */
	for (size_t j = 0; j < rs->img->n_procs; j++) {
		pid_t kid;

		if (j == i || rs->img->procs[j].p->ppid != p->p->pid)
			continue;
		kid = child_create(rs, j, false);
		if (kid < 0)
			child_fail(status_fd, -errno);
		first_child = first_child ?: kid;
	}
	if (p->p->flags & PROC_F_WAITER)
		child_wait(p->p, first_child);
	if (p->p->flags & PROC_F_ZOMBIE)
		child_end_as(p->p->exit_status);
	if (read(rs->go_fd, &go, 1) != 1)
		_exit(127);	/* the builder gave up: nothing to report */
	close(rs->go_fd);
	r = child_restore(ctx, &rs->shared);
	if (r)
		child_fail(status_fd, r);
	/* what lies between the saved descriptors and the helpers is ours */
	if (rs->shared.base > files_max_fd(p) + 1)
		close_range(files_max_fd(p) + 1, rs->shared.base - 1, 0);
	r = blob_map(ctx->img, p, &l);
	if (r)
		child_fail(status_fd, r);
	plan = (struct plan *)(l.hole + l.code_len);
	r = plan_fill(rs, ctx, &l, plan);
	if (r)
		child_fail(status_fd, r);
	/* as after a call: the return address slot keeps the ABI's alignment */
	jump_to_blob(l.hole, l.hole + l.code_len + l.plan_len + BLOB_STACK - 8, plan);
}

static pid_t child_create_as(struct restart *rs, size_t i, bool root, bool sibling)
{
	const struct img_process *p = rs->procs[i].proc->p;
	pid_t pid = child_clone(rs->o->restore_pid ? p->pid : 0, sibling);

	if (pid < 0) {
		int r = -errno;

		if (r == -EEXIST)
			log_error("pid %d is in use: cannot restore it (try --no-restore-pid)", p->pid);
		else
			log_errno(r, "cannot create process %d%s", p->pid,
				  r == -EPERM ? " (try --no-restore-pid)" : "");
		return r;
	}
	if (pid == 0)
		child_main(rs, i, root);
	/* Both sides set the group, as a shell does for its jobs: the next
	 * sibling may join the group before this child got to make it.  Not
	 * for a session leader, which must not be a group leader before its
	 * setsid().  Errors are the child's to report. */
	if (rs->o->restore_pgid && !(rs->o->restore_sid && p->sid == p->pid && rs->o->restore_pid) &&
	    !(root && rs->ns.init > 0))	/* its pgid is of a namespace we are not in */
		setpgid(pid, p->pgid == p->pid && rs->o->restore_pid ? pid : p->pgid);
	return pid;
}

pid_t child_create(struct restart *rs, size_t i, bool root)
{
	return child_create_as(rs, i, root, root && (rs->o->request_fd >= 0 || rs->roots_sibling));
}

/* The helper of child_create_orphan(): says its pid, and on 'g' creates
 * process i and says its pid (or -errno); then ends. */
static __attribute__((noreturn)) void orphan_helper(struct restart *rs, size_t i, int cmd_fd,
						    int back_fd)
{
	pid_t self = getpid(), pid = -ECANCELED;
	sigset_t all;
	char c;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (write(back_fd, &self, sizeof(self)) != sizeof(self))
		_exit(1);
	if (read(cmd_fd, &c, 1) == 1 && c == 'g')
		pid = child_create_as(rs, i, true, false);
	if (write(back_fd, &pid, sizeof(pid)) != sizeof(pid))
		_exit(1);
	_exit(0);
}

/* One helper: its created process's pid (as the helper sees it), 0 when
 * the helper's own pid is one the restart gives back, or -errno. */
static pid_t orphan_try(struct restart *rs, size_t i)
{
	int cmd[2], back[2];
	pid_t helper, pid = -EIO, self = 0;
	char c;

	if (pipe2(cmd, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(back, O_CLOEXEC) < 0) {
		pid = -errno;
		goto close_cmd;
	}
	helper = child_clone(0, false);
	if (helper == 0)
		orphan_helper(rs, i, cmd[0], back[1]);
	if (helper < 0) {
		pid = -errno;
		goto close_back;
	}
	close(cmd[0]);
	close(back[1]);
	cmd[0] = back[1] = -1;
	if (read(back[0], &self, sizeof(self)) == sizeof(self)) {
		c = rs->o->restore_pid && image_find_process(rs->img, self) ? 'q' : 'g';
		if (write(cmd[1], &c, 1) == 1 && c == 'g' &&
		    read(back[0], &pid, sizeof(pid)) != sizeof(pid))
			pid = -EIO;
		if (c == 'q')
			pid = 0;
	}
	waitpid(helper, NULL, 0);
close_back:
	safe_close(back[0]);
	safe_close(back[1]);
close_cmd:
	safe_close(cmd[0]);
	safe_close(cmd[1]);
	return pid;
}

/*
 * Process i, whose parent was the child reaper at the checkpoint (its ppid
 * was 1): created by a helper that ends at once, so that the kernel gives
 * it to the reaper again (the nearest child subreaper, else the pid
 * namespace's init; prctl(2) PR_SET_CHILD_SUBREAPER), as under BLCR,
 * instead of leaving it our child.  The helper must not hold a pid the
 * restart is to give back: one that got such a pid ends without creating
 * anything, and the next has another.  Returns the new process's pid as
 * the helper saw it, or -errno.
 */
pid_t child_create_orphan(struct restart *rs, size_t i)
{
	pid_t pid = 0;

	for (int tries = 0; tries < 8 && pid == 0; tries++)
		pid = orphan_try(rs, i);
	if (pid == 0)
		pid = log_errno(-EBUSY, "cannot find a free pid for the helper of pid %d",
				rs->procs[i].proc->p->pid);
	return pid;
}
