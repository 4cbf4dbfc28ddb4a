/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Threads: one IMG_THREAD record each, from what the agent published when
 * the thread parked (its tid address, robust list, rseq, sigaltstack,
 * resume point) and what the kernel shows of it (name, scheduling,
 * affinity); at restart the blob creates them again from the plan.
 */
#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "res.h"
#include "proc/proc.h"
#include "common/util.h"

/*
 * The tids here of the threads of a process in a pid namespace of its own
 * (process.c), whose agent published the tids the threads see: each
 * thread's pair, in *ret.  0, or a negative errno.
 */
static int tids_outside(pid_t pid, struct dump_pid **ret, size_t *ret_n)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	*ret = NULL;
	*ret_n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		struct proc_status st;
		pid_t tid = atoi(d->d_name);

		if (tid <= 0 || proc_parse_status(tid, &st))
			continue;
		*ret = xrealloc(*ret, (*ret_n + 1) * sizeof(**ret));
		(*ret)[(*ret_n)++] = (struct dump_pid){ tid, st.ns_pid };
	}
	closedir(dir);
	return 0;
}

static pid_t tid_here(const struct dump_pid *tids, size_t n, pid_t seen)
{
	for (size_t i = 0; i < n; i++)
		if (tids[i].seen == seen)
			return tids[i].outer;
	return seen;	/* the same here and there */
}

/* What the kernel keeps of a thread and any process may read; tid is the
 * thread's here. */
static int thread_fill(struct dump_ctx *ctx, uint32_t i, pid_t tid, struct img_thread *th)
{
	const struct agent_thread *t = &ctx->state.threads[i];
	char path[96];
	_cleanup_free_ char *comm = NULL;
	struct sched_param sp;
	cpu_set_t cpus;
	int policy;

	*th = (struct img_thread){
		.resume = ctx->state_addr + offsetof(struct agent_state, threads) +
			  i * sizeof(struct agent_thread) + offsetof(struct agent_thread, resume),
	};
	memcpy(th, t, THREAD_KERNEL_STATE_LEN);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)ctx->pid, (int)tid);
	if (read_file(path, &comm, NULL) < 0)
		return log_errno(-ESRCH, "thread %d of pid %d is not there", (int)tid, (int)ctx->pid);
	strncpy(th->comm, strtok(comm, "\n") ?: "", sizeof(th->comm) - 1);
	policy = sched_getscheduler(tid);
	if (policy < 0 || sched_getparam(tid, &sp) < 0 ||
	    sched_getaffinity(tid, sizeof(cpus), &cpus) < 0)
		return log_errno(-errno, "cannot read the scheduling of thread %d", (int)tid);
	th->sched_policy = policy;
	th->sched_priority = sp.sched_priority;
	errno = 0;
	th->nice = getpriority(PRIO_PROCESS, tid);
	th->n_cpus = sizeof(th->affinity) * 8;
	memcpy(th->affinity, &cpus, sizeof(th->affinity));
	return 0;
}

/* The agent's records must be exactly the threads the kernel shows. */
int threads_verify(struct dump_ctx *ctx)
{
	uint32_t n = ctx->state.n_threads;
	int n_tasks = proc_count_threads(ctx->pid);

	if (n < 1 || n > UCR_MAX_THREADS || n_tasks != (int)n) {
		log_error("pid %d has %d threads but %u were parked", (int)ctx->pid, n_tasks, n);
		return -EAGAIN;
	}
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < i; j++)
			if (ctx->state.threads[i].tid == ctx->state.threads[j].tid) {
				log_error("thread %d of pid %d was parked twice",
					  ctx->state.threads[i].tid, (int)ctx->pid);
				return -EAGAIN;
			}
	return 0;
}

static int threads_dump(struct dump_ctx *ctx)
{
	_cleanup_free_ struct dump_pid *tids = NULL;
	size_t n_tids = 0;
	int r = 0;

	if (ctx->shared->pid_ns_foreign)
		r = tids_outside(ctx->pid, &tids, &n_tids);
	if (r)
		return log_errno(r, "cannot read the threads of pid %d", (int)ctx->pid);
	for (uint32_t i = 0; !r && i < ctx->state.n_threads; i++) {
		pid_t tid = tid_here(tids, n_tids, ctx->state.threads[i].tid);
		struct img_thread th;
		const void *tparts[] = { &th };
		size_t tlens[] = { sizeof(th) };

		r = thread_fill(ctx, i, tid, &th);
		if (!r)
			r = img_write_record(ctx->w, IMG_THREAD, tparts, tlens, 1);
	}
	return r;
}

static int threads_plan(struct rst_ctx *ctx, struct plan *plan)
{
	const struct image_process *proc = ctx->proc;
	struct plan_thread *pt = (void *)((char *)plan + plan->threads_off);

	plan->n_threads = proc->n_threads;
	plan->main_thread = proc->main_thread;
	for (size_t i = 0; i < proc->n_threads; i++)
		pt[i] = (struct plan_thread){ .rec = *proc->threads[i] };
	return 0;
}

const struct res_ops threads_ops = {
	.name = "threads",
	.dump = threads_dump,
	.plan = threads_plan,
};
