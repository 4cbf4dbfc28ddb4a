/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The coordinator: reads and checks the whole context file, checks every
 * precondition of every process, makes what processes share (pipes with
 * their bytes, shared open files, shared memory), and only then creates the
 * processes, each with its original pid (clone3 with set_tid) and under
 * its original parent.  It waits until every restorer reports its image in
 * place and every agent reports its restart callbacks done.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "restart.h"
#include "faults.h"
#include "common/request_abi.h"
#include "common/util.h"
#include "libcr.h"

static int restored_listen(uint32_t *ret_token)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, len;

	if (getrandom(ret_token, sizeof(*ret_token), 0) != sizeof(*ret_token))
		return log_errno(-errno, "cannot get a random token");
	len = ucr_sock_name(sa.sun_path, UCR_SOCK_RSTRT, (uint32_t)getpid(), *ret_token);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
			   offsetof(struct sockaddr_un, sun_path) + len) < 0 ||
	    listen(fd, 128) < 0) {
		int r = log_errno(-errno, "cannot create the restart socket");

		safe_close(fd);
		return r;
	}
	return fd;
}

void restart_mark_waiting(enum ucr_omit omit)
{
	char name[64];

	snprintf(name, sizeof(name), "%s%s", UCR_RESTARTER_MEMFD, ucr_omit_name(omit));
	/* held for as long as we live; not to the processes we create */
	if (memfd_create(name, MFD_CLOEXEC) < 0)
		log_warn("cannot mark this cr_restart for later checkpoints: %s", strerror(errno));
}

static bool is_zombie(const struct image_process *p)
{
	return p->p->flags & PROC_F_ZOMBIE;
}

static int check_process(struct restart *rs, struct rst_ctx *ctx)
{
	int r = 0;

	for (size_t i = 0; !r && i < res_table_len; i++) {
		const struct res_ops *ops = res_table[i];

		if (ops->check && res_applies(ops, is_zombie(ctx->proc)))
			r = ops->check(ctx, &rs->shared);
	}
	return r;
}

static int check_all(struct restart *rs)
{
	int r = 0;

	if (!rs->o->restore_pid && (rs->o->restore_pgid || rs->o->restore_sid))
		r = ids_check(rs);
	for (size_t i = 0; !r && i < rs->img->n_procs; i++)
		r = check_process(rs, &rs->procs[i]);
	return r;
}

/* What processes share, made once every process passed its checks. */
static int prepare_shared(const struct image *img, struct rst_shared *sh)
{
	int r = 0;

	for (size_t i = 0; !r && i < res_table_len; i++)
		if (res_table[i]->prepare)
			r = res_table[i]->prepare(img, sh);
	return r;
}

static int commit_all(const struct image *img)
{
	int r = 0;

	for (size_t k = 0; !r && k < img->n_procs; k++)
		for (size_t i = 0; !r && i < res_table_len; i++) {
			const struct res_ops *ops = res_table[i];

			if (ops->commit && res_applies(ops, is_zombie(&img->procs[k])))
				r = ops->commit(&img->procs[k]);
		}
	return r;
}

static bool has_parent_in_image(const struct image *img, const struct image_process *p)
{
	return image_find_process(img, p->p->ppid) != NULL;
}

/*
 * A root whose parent was the child reaper (ppid 1 as the process saw it)
 * goes back under the reaper, unless every root is one: then the first
 * stays our child, for us to wait for.
 */
static bool reaper_child(const struct image *img, size_t i)
{
	const struct image_process *p = &img->procs[i];
	size_t first = img->n_procs;

	if (is_zombie(p) || p->p->ppid != 1 || p->p->pid == 1 || has_parent_in_image(img, p))
		return false;
	for (size_t k = 0; k < img->n_procs; k++) {
		const struct image_process *q = &img->procs[k];

		if (has_parent_in_image(img, q))
			continue;
		if (first == img->n_procs)
			first = k;
		if (is_zombie(q) || q->p->ppid != 1 || q->p->pid == 1)
			return true;	/* a root that stays ours */
	}
	return i != first;
}

/* Kills what a failed restart created: roots by pid, the rest by saved
 * pid.  A root under the reaper (pid negated) is not ours to reap. */
static void kill_created(struct restart *rs, const pid_t *roots, size_t n_roots)
{
	for (size_t i = 0; i < n_roots; i++)
		if (roots[i] != 0)
			kill(abs(roots[i]), SIGKILL);
	if (rs->ns.init > 0)
		userns_kill(&rs->ns);
	else if (rs->o->restore_pid)
		for (size_t i = 0; i < rs->img->n_procs; i++)
			kill(rs->procs[i].proc->p->pid, SIGKILL);
	for (size_t i = 0; i < n_roots; i++) {
		int32_t pid = roots[i];

		if (pid <= 0)
			continue;	/* none, or under the reaper */
		if (rs->o->request_fd >= 0) {
			/* our parent's children: it reaps them */
			request_write_killed(rs->o->request_fd, pid);
		} else {
			waitpid(pid, NULL, 0);
		}
	}
}

/*
 * Without the privilege to choose pids or set the executable: into
 * namespaces of our own (userns.c), with the clocks of the first process
 * that lived, as it parked.
 */
static int enter_own_namespaces(struct restart *rs)
{
	const struct image_process *first = NULL;
	int64_t parked = 0;

	for (size_t i = 0; i < rs->img->n_procs && !first; i++)
		if (!is_zombie(&rs->img->procs[i]))
			first = &rs->img->procs[i];
	if (first && memory_saved_read(rs->img, first, first->p->agent_state +
				       offsetof(struct agent_state, parked_at_ns), &parked,
				       sizeof(parked)) < 0) {
		log_warn("the clock of pid %d at the checkpoint is not in the file: "
			 "CLOCK_MONOTONIC goes on from now", first->p->pid);
		parked = 0;
	}
	if (!parked) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		parked = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	}
	log_info("no privilege to choose pids or set executables: restoring in a user%s%s%s and "
		 "time namespace of our own", rs->o->restore_pid ? ", pid" : "",
		 rs->img->n_inet ? ", network" : "", image_has_sysv(rs->img) ? ", IPC" : "");
	return userns_enter(&rs->ns, rs->o->restore_pid, rs->img->n_inet > 0,
			    image_has_sysv(rs->img), parked);
}

int restart_create_roots(struct restart *rs, size_t *ret_n, pid_t *roots)
{
	const struct image *img = rs->img;

	*ret_n = 0;
	for (size_t i = 0; i < img->n_procs; i++) {
		bool orphan = reaper_child(img, i);
		pid_t pid;

		if (has_parent_in_image(img, &img->procs[i]))
			continue;
		pid = orphan ? child_create_orphan(rs, i) : child_create(rs, i, true);
		if (pid < 0)
			return pid;
		if (orphan) {	/* its pid outside our namespaces, negated */
			pid_t outer = rs->ns.init > 0 ? userns_outer_pid(&rs->ns, pid) : pid;

			pid = outer > 1 ? -outer : 0;
		}
		if (rs->ns.init > 0)
			log_info("pid %d is pid %d outside its namespace", img->procs[i].p->pid,
				 (int)abs(pid));
		roots[(*ret_n)++] = pid;
	}
	return 0;
}

/*
 * --lazy maps the file's pages into the processes: it must be the file
 * itself, uncompressed, not a copy of a stream in our memory.  The
 * restored agents keep its identity, for a later checkpoint to save those
 * pages as their own.
 */
static int lazy_file(const struct image *img, const char *src, struct agent_restart_info *info)
{
	struct stat st;

	if (img->compressed || img->stream_fd >= 0 || img->base) {
		log_error("cannot restart %s with --lazy: it is %s", src,
			  img->compressed ? "compressed" : img->base ? "an increment" :
			  "not a regular file");
		return -EINVAL;
	}
	if (fstat(img->fd, &st) < 0)
		return log_errno(-errno, "cannot stat %s", src);
	info->lazy_dev = st.st_dev;
	info->lazy_ino = st.st_ino;
	return 0;
}

static pid_t restart_image(struct image *img, const struct restart_opts *o, const char *src,
			   const char *name, struct chain_check *check)
{
	struct restart rs = { .o = o, .img = img, .status_fd = -1, .go_fd = -1, .log_fd = -1,
			      .ns = { .init = -1 } };
	bool own_userns = userns_needed();
	int64_t phase = log_phase_start();
	int status[2] = { -1, -1 }, go[2] = { -1, -1 }, listen_fd = -1, r;
	size_t n_live = 0, n_roots = 0;
	_cleanup_free_ pid_t *roots = xcalloc(img->n_procs, sizeof(pid_t));
	_cleanup_free_ int *agents = NULL;
	struct rlimit nofile, raised;

	/* helpers for many processes: use all the descriptors we may, for
	 * the time of the restart only (a program's own request must not
	 * find its limit changed) */
	if (getrlimit(RLIMIT_NOFILE, &nofile) < 0)
		nofile.rlim_cur = nofile.rlim_max = RLIM_INFINITY;
	raised = (struct rlimit){ nofile.rlim_max, nofile.rlim_max };
	if (nofile.rlim_cur < nofile.rlim_max)
		setrlimit(RLIMIT_NOFILE, &raised);
	rs.shared.base = shared_base(img);
	/* where the new processes' messages go while they run our code: our
	 * log's own copy, since they restore their descriptors over 0 to 2 */
	rs.log_fd = log_set_fd(-1);
	log_set_fd(rs.log_fd);
	rs.log_fd = helper_fd(&rs.shared, fcntl(rs.log_fd, F_DUPFD_CLOEXEC, 0));
	rs.procs = xcalloc(img->n_procs, sizeof(*rs.procs));
	for (size_t i = 0; i < img->n_procs; i++) {
		rs.procs[i] = (struct rst_ctx){ .img = img, .proc = &img->procs[i], .exe_fd = -1,
						.restore_pid = o->restore_pid,
						.own_userns = own_userns };
		n_live += !is_zombie(&img->procs[i]);
	}
	agents = xmalloc(n_live * sizeof(*agents));
	for (size_t i = 0; i < n_live; i++)
		agents[i] = -1;
	rs.info.requester = getpid();
	rs.info.caller = o->request_fd >= 0 ? getppid() : 0;
	snprintf(rs.info.src, sizeof(rs.info.src), "%s", src);

	r = o->lazy ? lazy_file(img, src, &rs.info) : 0;
	if (!r)
		r = check_all(&rs);
	if (!r)
		fault_pause("checked");
	/* the checker before the namespaces: not a process of the restart's
	 * pid namespace; with --lazy the pages stay in the file, unread:
	 * unchecked */
	if (!r && !o->lazy) {
		chain_check_start(check, img, name);
		if (!check->pending)	/* checked already: a damaged file goes no further */
			r = chain_check_end(check);
	}
	if (!r && own_userns)
		r = enter_own_namespaces(&rs);
	if (r)
		goto out;
	r = chain_open(img, &rs.shared);
	if (!r)
		r = prepare_shared(img, &rs.shared);
	if (r)
		goto out;
	listen_fd = r = restored_listen(&rs.info.token);
	if (r < 0)
		goto out;
	r = 0;
	if (pipe2(status, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		r = log_errno(-errno, "cannot create the status and go pipes of the restart");
		goto out;
	}
	rs.status_fd = status[1] = helper_fd(&rs.shared, status[1]);
	rs.go_fd = go[0] = helper_fd(&rs.shared, go[0]);
	rs.status_parent = status[0];
	rs.go_parent = go[1];
	fflush(NULL);
	log_phase(&phase, "checked and prepared");
	/* about what the restorers read: the file, less its small records */
	log_progress_start(&rs.progress, "memory", img->size);

	r = ids_create_roots(&rs, &n_roots, roots);
	if (r < 0) {
		kill_created(&rs, roots, n_roots);
		goto out;
	}
	if (!n_roots) {
		log_error("no process of the context file has its parent outside it");
		r = -EINVAL;
		goto out;
	}
	fault_pause("created");
	status[1] = safe_close(status[1]);
	go[0] = safe_close(go[0]);
	for (size_t i = 0; !r && i < n_live; i++)
		if (write(go[1], "", 1) != 1)
			r = -EIO;
	if (!r)
		fault_pause("go");
	if (!r)
		r = report_wait_restorers(img, status[0], n_live, &rs.progress);
	log_progress_end(&rs.progress);
	if (!r)
		r = chain_check_end(check);
	if (!r)
		log_phase(&phase, "%zu images read", n_live);
	/* Every check passed, of the page data too, and the processes are
	 * in place: from here on the restart changes things.  Files written
	 * after the checkpoint go back to their size then, before any process
	 * runs again (none is shorter: check_all; so the order of this and of
	 * the restorers' writes into shared file maps is the same). */
	if (!r)
		r = commit_all(img);
	/* what the processes share is theirs now; a pipe must see its
	 * writers go when theirs do */
	shared_close(&rs.shared);
	if (!r)
		fault_pause("restored");
	if (!r)
		r = report_wait_agents(listen_fd, n_live, agents);
	if (r) {
		kill_created(&rs, roots, n_roots);
		goto out;
	}
	report_confirm(agents, n_live, true);
	log_phase(&phase, "%zu processes reported back", n_live);
	/* --stop, --kill, -S...: each restored process raises it itself
	 * once its callbacks ended (plan->restart.post_signal) */
	userns_restarted(&rs.ns);
	for (size_t i = n_roots; i-- > 0;)
		if (roots[i] > 0)
			r = roots[i];	/* the first that is our child */
out:
	if (r < 0)
		userns_kill(&rs.ns);
	for (size_t i = 0; i < res_table_len; i++)
		if (res_table[i]->finish)
			res_table[i]->finish(&rs.shared, r >= 0);
	ids_release(&rs);
	/* after the kill: an agent still waiting ends itself on the close */
	report_confirm(agents, n_live, false);
	safe_close(status[0]);
	safe_close(status[1]);
	safe_close(go[0]);
	safe_close(go[1]);
	safe_close(listen_fd);
	shared_close(&rs.shared);
	chain_close(img);
	safe_close(rs.log_fd);
	for (size_t i = 0; i < img->n_procs; i++) {
		free(rs.procs[i].area_fds);
		safe_close(rs.procs[i].exe_fd);
	}
	free(rs.procs);
	if (nofile.rlim_cur < nofile.rlim_max)
		setrlimit(RLIMIT_NOFILE, &nofile);
	return r;
}

/* path, under the first relocation whose FROM is it or one of its
 * directories; NULL when none applies. */
static char *relocated(const struct restart_opts *o, const char *path)
{
	for (size_t i = 0; path && i < o->n_relocs; i++) {
		const char *from = o->relocs[i].from;
		size_t n = strlen(from);
		char *moved;

		while (n > 1 && from[n - 1] == '/')
			n--;	/* "/a/" is "/a" */
		if (strncmp(path, from, n) || (path[n] && path[n] != '/' && n > 1))
			continue;
		/* FROM "/" moves every path: keep its leading slash */
		if (asprintf(&moved, "%s%s", o->relocs[i].to, path + (n == 1 ? 0 : n)) < 0)
			return NULL;
		return moved;
	}
	return NULL;
}

static void relocate_path(const struct restart_opts *o, char **path)
{
	char *moved = relocated(o, *path);

	if (!moved)
		return;
	log_info("%s restored as %s", *path, moved);
	free(*path);
	*path = moved;
}

/* Every path the restart opens, moved as --relocate says. */
static void relocate_image(struct image *img, const struct restart_opts *o)
{
	for (size_t i = 0; o->n_relocs && i < img->n_procs; i++) {
		struct image_process *p = &img->procs[i];

		relocate_path(o, &p->exe);
		relocate_path(o, &p->cwd);
		for (size_t k = 0; k < p->n_areas; k++)
			relocate_path(o, &p->areas[k].path);
		for (size_t k = 0; k < p->n_files; k++)
			relocate_path(o, &p->files[k].path);
	}
}

/* The whole file read and checked but for the page data (chain_check),
 * and made for this machine. */
static int load_image(int fd, struct image **ret, char *err, size_t err_len)
{
	struct image *img;
	int r = image_load_flags(fd, IMG_LOAD_PAGES_UNCHECKED, &img, err, err_len);

	if (r)
		return r;
	r = image_header_check(img->hdr, err, err_len);
	if (r) {
		image_free(img);
		return r;
	}
	*ret = img;
	return 0;
}


pid_t restart_run(const struct restart_opts *o)
{
	_cleanup_close_ int fd = -1;
	struct image *img = NULL;
	struct chain_check check = { 0 };
	char err[512], src[UCR_PATH_MAX], link[64];
	const char *name = o->path ? o->path : "the descriptor";
	ssize_t n;
	pid_t r;

	fd = o->fd >= 0 ? fcntl(o->fd, F_DUPFD_CLOEXEC, 3) : open(o->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return log_errno(-errno, "cannot open %s", name);
	r = chain_check_owner(fd, name);
	if (r)
		return r;
	/* the path the restored process sees in cr_get_restart_info() */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, src, sizeof(src) - 1);
	src[n > 0 ? n : 0] = 0;
	r = load_image(fd, &img, err, sizeof(err));
	if (r) {
		log_error("cannot restart from %s: %s", name, err);
		return r;
	}
	relocate_image(img, o);
	r = chain_load(img, name, IMG_LOAD_PAGES_UNCHECKED);
	if (!r)
		r = restart_image(img, o, src, name, &check);
	/* a restart that failed before its check began says too whether the
	 * file is damaged, the likelier cause, and fails as a damaged file
	 * does (a permanent failure: --run-on-fail-perm) */
	if (r < 0 && !check.started && !o->lazy)
		chain_check_start(&check, img, name);
	if (chain_check_end(&check) < 0)
		r = -EBADMSG;
	chain_free(img);
	image_free(img);
	return r;
}
