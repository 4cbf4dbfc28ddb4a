/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A checkpoint request from start to end, and its dump pass: find the
 * processes in scope (scope.c), open the request socket and have every
 * agent park (handshake.c), read the parked processes only once all are
 * parked (a consistent cut), write the context file, commit it, then let
 * them all continue.  Any failure closes the sockets, which every agent
 * reads as "abort": no target stays parked and no file appears
 * half-written.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <time.h>

#include "request.h"
#include "res/res.h"
#include "proc/proc.h"
#include "common/util.h"
#include "libcr.h"

/* read in chunks of a quarter of it, ahead of the writing (page_reader.c) */
#define PAGE_BUFFER (8u << 20)

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid	/* glibc before 2.37 names it not */
#endif

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

/*
 * The destination as callbacks see it (cr_get_checkpoint_info()->dest):
 * absolute, though it does not exist yet; for a descriptor, the file
 * behind it as BLCR gave it (its d_path), empty for a pipe or a socket.
 */
static void absolute_path(const char *path, int fd, char *buf, size_t len)
{
	char cwd[UCR_PATH_MAX], link[32];
	struct stat st;
	ssize_t l;
	int n;

	buf[0] = 0;
	if (!path) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if (fstat(fd, &st) < 0 || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
			return;
		l = readlink(link, buf, len);
		/* "anon_inode:[...]" and the like are no path; one too long
		 * to tell is "" too */
		if (l <= 0 || (size_t)l >= len || buf[0] != '/')
			l = 0;
		buf[l] = 0;
		return;
	}
	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
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

/* What the dump of a live process reads it through. */
/* What the memory's dump reads besides the maps. */
static int open_memory(struct dump_ctx *ctx)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)ctx->mem_pid);
	ctx->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ctx->mem_fd < 0)
		return log_errno(-errno, "cannot open %s", path);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)ctx->mem_pid);
	if (readlink(path, ctx->exe, sizeof(ctx->exe) - 1) < 0)
		ctx->exe[0] = 0;
	return 0;
}

/* Of one process: every resource, or (--cow) all but its memory, or its
 * memory alone. */
enum dump_part { DUMP_WHOLE, DUMP_STATE, DUMP_MEMORY };

/* A part of one process, its records in the table's order. */
static int dump_one(struct dump_ctx *ctx, const struct target *t, enum dump_part part)
{
	int r = t->zombie || part == DUMP_STATE ? 0 : open_memory(ctx);

	for (size_t i = 0; !r && i < res_table_len; i++) {
		const struct res_ops *ops = res_table[i];

		if (!ops->dump || !res_applies(ops, t->zombie) ||
		    (part != DUMP_WHOLE && ops->cow_later != (part == DUMP_MEMORY)))
			continue;
		r = ops->dump(ctx);
	}
	ctx->mem_fd = safe_close(ctx->mem_fd);
	if (!t->zombie && part != DUMP_STATE)
		log_debug("pid %d written", (int)t->pid);
	return r;
}

/* Before anything is written: each agent's state block, and the
 * descriptors of every process (files.c needs all of them to tell which
 * pipes lead outside and which descriptions are shared). */
static int scan_all(struct request *rq, struct dump_ctx *ctxs, struct dump_shared *shared,
		    uint32_t *ret_n_saved)
{
	_cleanup_free_ pid_t *pids = xcalloc(rq->n ? rq->n : 1, sizeof(*pids));
	uint32_t n_saved = 0;
	size_t n_pids = 0;
	int r;

	for (size_t i = 0; i < rq->n; i++) {
		struct target *t = &rq->t[i];
		struct proc_stat st;

		/* one that was exiting: now that its parent is parked, a zombie
		 * is a child it will reap */
		if (t->exited && proc_parse_stat(t->pid, &st) == 0 && st.state == 'Z') {
			t->omitted = false;
			t->zombie = true;
		}
		/* a zombie its parent reaped before it parked: gone (its pid,
		 * if taken again, is no zombie); our own record stays */
		if (t->zombie && !t->waiter && !t->omitted && t->pid != getpid() &&
		    (proc_parse_stat(t->pid, &st) || st.state != 'Z')) {
			log_info("zombie %d was reaped: not in the checkpoint", (int)t->pid);
			t->omitted = true;
		}
		if (!t->omitted)
			pids[n_pids++] = t->pid;
	}
	r = process_pid_view(shared, pids, n_pids);
	for (size_t i = 0; !r && i < rq->n; i++) {
		const struct target *t = &rq->t[i];
		struct dump_ctx *ctx = &ctxs[i];

		ctx->pid = ctx->mem_pid = t->pid;
		ctx->shared = shared;
		ctx->mem_fd = -1;
		ctx->save_exe = rq->o->save_exe;
		ctx->save_private = rq->o->save_private;
		ctx->save_shared = rq->o->save_shared;
		ctx->zombie = t->zombie;
		ctx->stopped = t->stopped;
		ctx->waiter = t->waiter;
		ctx->waiter_omit = t->omit;
		if (t->omitted)
			continue;
		n_saved++;
		if (t->zombie)
			continue;
		ctx->state_addr = t->state_addr;
		if (rq->base)
			ctx->base = image_find_process(rq->base, process_seen_pid(shared, t->pid));
		r = read_state(ctx);
		if (!r && ctx->state.restart.requester > 0) {
			shared->restorers = xrealloc(shared->restorers, (shared->n_restorers + 1) *
						     sizeof(*shared->restorers));
			shared->restorers[shared->n_restorers++] = ctx->state.restart.requester;
		}
		if (!r)
			r = files_scan(shared, t->pid, ctx->state.private_fds,
				       ctx->state.n_private_fds < UCR_MAX_PRIVATE_FDS ?
				       ctx->state.n_private_fds : UCR_MAX_PRIVATE_FDS);
	}
	for (size_t i = 0; !r && i < res_table_len; i++)
		if (res_table[i]->scan)
			r = res_table[i]->scan(shared);
	*ret_n_saved = n_saved;
	return r;
}

/* One page buffer for every process. */
static void page_buffer(struct dump_ctx *ctxs, size_t i)
{
	ctxs[i].buf_len = PAGE_BUFFER;
	ctxs[i].buf = ctxs[0].buf ? ctxs[0].buf : xmalloc_pages(PAGE_BUFFER);
	ctxs[0].buf = ctxs[i].buf;
}

/* The writer logs nothing: its own failure is said here, once. */
static void log_writer_error(const struct img_writer *w, const char *name)
{
	if (w->error == -ETIMEDOUT)
		log_error("the checkpoint's time (--time) ran out while the context file %s was "
			  "written", name);
	else if (w->zstd_error)
		log_error("cannot compress the context file %s: %s", name, w->zstd_error);
	else
		log_errno(w->error, "cannot write the context file %s", name);
}

/* The context file; under --cow, each process's records come from
 * staged[i] and its memory from its holder. */
static int write_all(struct request *rq, struct dump_ctx *ctxs, struct dump_shared *shared,
		     uint32_t n_saved, int fd, const char *name, const struct img_writer *staged)
{
	struct img_writer w;
	struct img_header h;
	const void *parts[] = { &h };
	size_t lens[] = { sizeof(h) };
	int r = img_writer_open(&w, fd, rq->compress);

	uint64_t resident = 0;

	for (size_t i = 0; i < rq->n; i++)
		if (!rq->t[i].omitted && !rq->t[i].zombie)
			resident += proc_resident_bytes(rq->t[i].pid);
	/* what is resident is about what gets written */
	log_progress_start(&shared->progress, "memory", resident);
	image_header_fill(&h, n_saved);
	h.options = (rq->o->save_exe ? IMG_OPT_SAVE_EXE : 0) |
		    (rq->o->save_private ? IMG_OPT_SAVE_PRIVATE : 0) |
		    (rq->o->save_shared ? IMG_OPT_SAVE_SHARED : 0) |
		    ((uint32_t)rq->o->scope + 1) << IMG_OPT_SCOPE_SHIFT;
	if (!r)
		r = img_write_record(&w, IMG_HEADER, parts, lens, 1);
	if (!r && rq->base) {
		struct img_base b = { .digest = rq->base->digest, .size = rq->base->size,
				      .path_len = strlen(rq->base_path) };
		const void *bparts[] = { &b, rq->base_path };
		size_t blens[] = { sizeof(b), b.path_len };

		r = img_write_record(&w, IMG_BASE, bparts, blens, 2);
	}
	for (size_t i = 0; !r && i < rq->n; i++) {
		if (rq->t[i].omitted)
			continue;
		ctxs[i].w = &w;
		page_buffer(ctxs, i);
		if (!staged) {
			r = dump_one(&ctxs[i], &rq->t[i], DUMP_WHOLE);
			continue;
		}
		r = img_writer_append(&w, &staged[i]);
		ctxs[i].mem_pid = rq->t[i].holder;
		if (!r)
			r = dump_one(&ctxs[i], &rq->t[i], DUMP_MEMORY);
	}
	for (size_t i = 0; !r && i < res_table_len; i++)
		if (res_table[i]->dump_after)
			r = res_table[i]->dump_after(&w, shared);
	log_progress_end(&shared->progress);
	if (!r)
		r = img_writer_finish(&w);
	if (w.error)
		log_writer_error(&w, name);
	img_writer_close(&w);
	return r;
}

/*
 * --cow: while the processes are parked, all of each but its memory into
 * a writer of its own (on a memfd); then a holder of each one's memory,
 * and they run on while the file is written from those.
 */
static int dump_cow(struct request *rq, struct dump_ctx *ctxs, struct dump_shared *shared,
		    uint32_t n_saved, int fd, const char *name)
{
	struct img_writer *staged = xcalloc(rq->n, sizeof(*staged));
	int r = 0;

	for (size_t i = 0; i < rq->n; i++)
		staged[i].fd = -1;
	for (size_t i = 0; !r && i < rq->n; i++) {
		if (rq->t[i].omitted)
			continue;
		staged[i].fd = memfd_create("ucr-cow", MFD_CLOEXEC);
		if (staged[i].fd < 0) {
			r = log_errno(-errno, "cannot stage the records of pid %d", (int)rq->t[i].pid);
			break;
		}
		r = img_writer_open(&staged[i], staged[i].fd, 0);
		ctxs[i].w = &staged[i];
		page_buffer(ctxs, i);
		if (!r)
			r = dump_one(&ctxs[i], &rq->t[i], DUMP_STATE);
		if (!r)
			r = img_writer_flush(&staged[i]);
		if (staged[i].error)
			log_errno(staged[i].error, "cannot stage the records of pid %d",
				  (int)rq->t[i].pid);
	}
	if (!r)
		r = request_hold(rq);
	if (!r) {
		request_continue(rq);
		r = write_all(rq, ctxs, shared, n_saved, fd, name, staged);
	}
	request_release(rq);
	for (size_t i = 0; i < rq->n; i++) {
		img_writer_close(&staged[i]);
		safe_close(staged[i].fd);
	}
	free(staged);
	return r;
}

/* Whether --cow can be had: else the processes stay parked, as without. */
static bool cow_possible(const struct request *rq, const struct dump_shared *shared)
{
	char why[128];

	if (sysv_pages_saved(shared)) {
		log_info("--cow: SysV shared memory is saved; the processes stay parked until the "
			 "file is written");
		return false;
	}
	for (size_t i = 0; i < rq->n; i++) {
		const struct target *t = &rq->t[i];

		if (t->omitted || t->zombie || memory_cow_ok(t->pid, rq->o->save_shared, why,
							   sizeof(why)))
			continue;
		log_info("--cow: %s; the processes stay parked until the file is written", why);
		return false;
	}
	return true;
}

/* Whether --compress pays: the memory of the processes compresses. */
static bool request_compresses(const struct request *rq)
{
	_cleanup_free_ pid_t *pids = xcalloc(rq->n ? rq->n : 1, sizeof(*pids));
	size_t n = 0;

	for (size_t i = 0; i < rq->n; i++)
		if (!rq->t[i].omitted && !rq->t[i].zombie)
			pids[n++] = rq->t[i].pid;
	return memory_compresses(pids, n, rq->o->compress);
}

/* Every process of the request into the context file at fd, named name. */
static int dump_all(struct request *rq, int fd, const char *name)
{
	struct dump_shared shared = { 0 };
	struct dump_ctx *ctxs = xcalloc(rq->n, sizeof(*ctxs));
	struct stat out_st;
	uint32_t n_saved;
	int r;

	if (fstat(fd, &out_st) == 0 && S_ISREG(out_st.st_mode)) {
		shared.out_dev = out_st.st_dev;
		shared.out_ino = out_st.st_ino;
	}
	shared.sockets_refuse = rq->o->sockets_refuse;
	r = scan_all(rq, ctxs, &shared, &n_saved);
	rq->compress = rq->o->compress;
	if (!r && rq->compress && !request_compresses(rq)) {
		log_info("the memory of the processes does not compress: %s is written without "
			 "compression", name);
		rq->compress = 0;
	}
	if (!r && rq->o->cow && cow_possible(rq, &shared))
		r = dump_cow(rq, ctxs, &shared, n_saved, fd, name);
	else if (!r)
		r = write_all(rq, ctxs, &shared, n_saved, fd, name, NULL);
	free(ctxs[0].buf);
	free(ctxs);
	free(shared.pids);
	free(shared.fds);
	free(shared.pipes);
	free(shared.mqueues);
	free(shared.shms);
	free(shared.unlinked);
	free(shared.restorers);
	sysv_free(&shared);
	return r;
}

static void deadline_passed(int sig)
{
	(void)sig;
	io_give_up = 1;
}

/*
 * --time bounds the dump too: a write that blocks (a pipe nobody reads, a
 * stalled file system) is interrupted at the deadline, and fails.  The
 * timer's signal goes to this thread, the one that writes (the
 * compressor's threads never do); its handler has no SA_RESTART, and it
 * comes again every 50 ms, for a write that began just after it.
 */
static int deadline_arm(const struct timespec *at, timer_t *ret)
{
	struct sigaction sa = { .sa_handler = deadline_passed };
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM };
	struct itimerspec when = { .it_value = *at, .it_interval = { 0, 50 * 1000 * 1000 } };

	ev.sigev_notify_thread_id = gettid();
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || timer_create(CLOCK_MONOTONIC, &ev, ret) < 0)
		return log_errno(-errno, "cannot set the checkpoint's deadline");
	if (timer_settime(*ret, TIMER_ABSTIME, &when, NULL) < 0) {
		timer_delete(*ret);
		*ret = NULL;
		return log_errno(-errno, "cannot set the checkpoint's deadline");
	}
	return 0;
}

static void deadline_disarm(timer_t *t)
{
	if (*t)
		timer_delete(*t);
	*t = NULL;
}

/*
 * --incremental=BASE: the base, loaded and checked as a restart would,
 * before any process is disturbed; it must be a file (a restart opens it
 * by its absolute path).
 */
static int base_load(struct request *rq, const char *path)
{
	char err[512];
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return log_errno(-errno, "cannot open the base %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		log_error("the base %s is not a regular file", path);
		return -EINVAL;
	}
	rq->base_path = realpath(path, NULL);
	r = image_load(fd, &rq->base, err, sizeof(err));
	if (r) {
		close(fd);
		log_error("cannot use %s as a base: %s", path, err);
		return r;
	}
	if (!rq->base_path)
		return log_errno(-errno, "cannot resolve the path of the base %s", path);
	return increment_check_base(rq->base, path);
}

static void base_free(struct request *rq)
{
	if (rq->base)
		close(rq->base->fd);
	image_free(rq->base);
	free(rq->base_path);
}

int checkpoint_run(const struct checkpoint_opts *o)
{
	struct request rq = { .o = o, .listen_fd = -1 };
	struct output out = { .fd = -1 };
	char dest[UCR_PATH_MAX], fd_name[32];
	int64_t phase = log_phase_start();
	timer_t deadline = NULL;
	int r;

	if (o->timeout) {
		clock_gettime(CLOCK_MONOTONIC, &rq.deadline);
		rq.deadline.tv_sec += o->timeout;
	}
	r = o->base ? base_load(&rq, o->base) : 0;
	if (!r)
		r = scope_resolve(&rq, o->scope, o->target);
	if (!r && !rq.n) {
		log_error("no process %d", (int)o->target);
		r = -ESRCH;
	}
	for (size_t i = 0; !r && i < rq.n; i++)
		r = scope_check_target(&rq, &rq.t[i]);
	if (r)
		goto out;
	r = output_open(&out, o, o->target);
	if (!r)
		r = request_listen(&rq);
	if (r)
		goto out;
	absolute_path(out.path, out.fd, dest, sizeof(dest));
	rq.dest = dest;
	log_phase(&phase, "%zu processes found and checked", rq.n);
	r = request_park(&rq);
	if (r)
		goto out;
	log_phase(&phase, "%zu processes parked, their callbacks run", rq.n);
	snprintf(fd_name, sizeof(fd_name), "(descriptor %d)", out.fd);
	r = o->timeout ? deadline_arm(&rq.deadline, &deadline) : 0;
	if (!r)
		r = dump_all(&rq, out.fd, out.path ? out.path : fd_name);
	deadline_disarm(&deadline);
	if (r)
		goto out;
	log_phase(&phase, "dumped");
	r = output_commit(&out);
	if (r)
		goto out;
	log_phase(&phase, o->sync ? "synced and committed" : "committed (--nosync)");
	if (!rq.resumed) {
		request_continue(&rq);
		log_phase(&phase, "%zu processes resumed", rq.n);
	}
out:
	if (r)
		output_abort(&out);
	/* closing a socket unparks its agent if it was not told to go on */
	for (size_t i = 0; i < rq.n; i++)
		safe_close(rq.t[i].sock);
	safe_close(rq.listen_fd);
	free(rq.t);
	base_free(&rq);
	return r;
}
