/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Threads: one IMG_THREAD record each, from what the agent published when
 * the thread parked (its tid address, robust list, rseq, sigaltstack,
 * resume point) and what the kernel shows of it (name, scheduling,
 * affinity); at restart the blob creates them again from the plan.
 */
#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#include "res.h"
#include "proc/proc.h"
#include "common/util.h"

/* What the kernel keeps of a thread and any process may read. */
static int thread_fill(struct dump_ctx *ctx, uint32_t i, struct img_thread *th)
{
	const struct agent_thread *t = &ctx->state.threads[i];
	char path[96];
	_cleanup_free_ char *comm = NULL;
	struct sched_param sp;
	cpu_set_t cpus;
	int policy;

	*th = (struct img_thread){
		.tid = t->tid, .rseq_len = t->rseq_len, .fsbase = t->fsbase, .gsbase = t->gsbase,
		.tid_address = t->tid_address, .robust_head = t->robust_head,
		.robust_len = t->robust_len, .rseq_addr = t->rseq_addr, .rseq_sig = t->rseq_sig,
		.ss_sp = t->ss_sp, .ss_size = t->ss_size, .ss_flags = t->ss_flags,
		.resume = ctx->state_addr + offsetof(struct agent_state, threads) +
			  i * sizeof(struct agent_thread) + offsetof(struct agent_thread, resume),
	};
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)ctx->pid, t->tid);
	if (read_file(path, &comm, NULL) < 0)
		return log_errno(-ESRCH, "thread %d of pid %d is not there", t->tid, (int)ctx->pid);
	strncpy(th->comm, strtok(comm, "\n") ?: "", sizeof(th->comm) - 1);
	policy = sched_getscheduler(t->tid);
	if (policy < 0 || sched_getparam(t->tid, &sp) < 0 ||
	    sched_getaffinity(t->tid, sizeof(cpus), &cpus) < 0)
		return log_errno(-errno, "cannot read the scheduling of thread %d", t->tid);
	th->sched_policy = policy;
	th->sched_priority = sp.sched_priority;
	errno = 0;
	th->nice = getpriority(PRIO_PROCESS, t->tid);
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
	int r = 0;

	for (uint32_t i = 0; !r && i < ctx->state.n_threads; i++) {
		struct img_thread th;
		const void *tparts[] = { &th };
		size_t tlens[] = { sizeof(th) };

		r = thread_fill(ctx, i, &th);
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
