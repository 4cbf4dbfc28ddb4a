/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files a restart reads: the context file, and for an increment
 * (cr_checkpoint --incremental) the chain of its bases, each opened at the
 * path its increment names, owned as the context file must be, loaded and
 * checked whole, and the very file the increment was made against (its
 * digest).  A missing or changed base refuses the restart, naming it.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults.h"
#include "restart.h"
#include "common/util.h"

/* Bases deeper than this are refused: a chain that loops never ends. */
#define CHAIN_MAX 64

/*
 * A context file is the memory of processes that will run as the user who
 * restarts it: anybody but root restarts only a file of their own that
 * nobody else could have written.
 */
int chain_check_owner(int fd, const char *name)
{
	uid_t uid = getuid();
	struct stat st;

	if (uid == 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (st.st_uid != uid) {
		log_error("%s is owned by uid %u, not by you: only its owner or root can "
			  "restart it", name, (unsigned)st.st_uid);
		return -EACCES;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		log_error("%s is writable by %s: refused (chmod go-w it)", name,
			  st.st_mode & S_IWOTH ? "others" : "its group");
		return -EACCES;
	}
	return 0;
}

int chain_load(struct image *img, const char *name, unsigned int flags)
{
	char err[512];

	for (unsigned int depth = 0; img->base; depth++) {
		const char *path = img->base_path;
		struct image *base = NULL;
		int fd, r;

		if (depth == CHAIN_MAX) {
			log_error("%s has more than %d bases", name, CHAIN_MAX);
			return -ELOOP;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return log_errno(-errno, "cannot open %s, the base of %s", path, name);
		r = chain_check_owner(fd, path);
		if (!r)
			r = image_load_flags(fd, flags, &base, err, sizeof(err));
		if (r) {
			if (r == -EBADMSG)
				log_error("%s, the base of %s, is damaged: %s", path, name, err);
			close(fd);
			return r;
		}
		/* a compressed base is in a memfd of its own now */
		if (base->stream_fd >= 0)
			close(fd);
		img->base_img = base;
		if (base->digest != img->base->digest || base->size != img->base->size) {
			log_error("%s, the base of %s, has changed since the increment was made", path,
				  name);
			return -ESTALE;
		}
		name = path;
		img = base;
	}
	return 0;
}

/* The checksums of the chain's page data, into c->r: 0, or -EBADMSG with
 * c->bad and c->err saying where. */
static void check_chain(struct chain_check *c)
{
	for (const struct image *i = c->img; i && !c->r; i = i->base_img) {
		c->r = image_check_pages(i, c->err, sizeof(c->err));
		c->bad = i;
	}
}

/* What the checker sends: its result, and the file at fault as its depth
 * in the chain (one write, below PIPE_BUF). */
struct check_result {
	int32_t r;
	uint32_t depth;
	char err[512];
};

static __attribute__((noreturn)) void checker_main(struct chain_check *c, int result_fd,
						    pid_t parent)
{
	static const int ignored[] = { SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU };
	struct check_result res = { 0 };

	/* the terminal's signals are for cr_restart, which says what they
	 * do; its end is ours */
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	prctl(PR_SET_NAME, "ucr-check");	/* what ps shows beside cr_restart */
	fault_pause("checker");
	check_chain(c);
	res.r = c->r;
	for (const struct image *i = c->img; c->r && i != c->bad; i = i->base_img)
		res.depth++;
	memcpy(res.err, c->err, sizeof(res.err));
	/* _exit: the caller's atexit work (the sanitizers' too) is not ours */
	_exit(write(result_fd, &res, sizeof(res)) == sizeof(res) ? 0 : 1);
}

/* Whether a file of the chain is our copy in memory (of a compressed file
 * or a stream), whose pages the restorers free as they read them
 * (PLAN_RUN_RELEASE). */
static bool chain_released(const struct image *img)
{
	for (; img; img = img->base_img)
		if (img->stream_fd >= 0)
			return true;
	return false;
}

void chain_check_start(struct chain_check *c, const struct image *img, const char *name)
{
	pid_t parent = getpid();
	int fds[2];

	*c = (struct chain_check){ .img = img, .name = name, .started = true, .pending = true,
				     .result_fd = -1 };
	/* pages the restorers free as they read them are checked first,
	 * here: the check costs little beside the decompression */
	if (chain_released(img)) {
		check_chain(c);
		c->pending = false;
		return;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return;
	c->checker = fork();
	if (c->checker == 0) {
		close(fds[0]);
		checker_main(c, fds[1], parent);
	}
	close(fds[1]);
	/* above every descriptor a restored process gets: the restorers
	 * close it with the helpers */
	c->result_fd = c->checker > 0 ? fcntl(fds[0], F_DUPFD_CLOEXEC, shared_base(img)) : -1;
	close(fds[0]);
}

/* The checker's result into c; false when it gave none. */
static bool checker_result(struct chain_check *c)
{
	struct check_result res;
	bool got = c->result_fd >= 0 && !read_full(c->result_fd, &res, sizeof(res));

	c->result_fd = safe_close(c->result_fd);
	if (c->checker > 0) {
		if (!got)
			kill(c->checker, SIGKILL);
		while (waitpid(c->checker, NULL, 0) < 0 && errno == EINTR)
			;
	}
	c->checker = 0;
	if (!got)
		return false;
	c->r = res.r < 0 ? res.r : 0;
	c->bad = c->img;
	for (uint32_t d = 0; c->r && d < res.depth && c->bad->base_img; d++)
		c->bad = c->bad->base_img;
	res.err[sizeof(res.err) - 1] = 0;
	memcpy(c->err, res.err, sizeof(c->err));
	return true;
}

int chain_check_end(struct chain_check *c)
{
	const struct image *img = c->img;
	const char *of = c->name;
	int r;

	/* a checker that could not be made or gave no result (killed):
	 * the check then runs here */
	if (c->pending && !checker_result(c))
		check_chain(c);
	c->pending = false;
	r = c->r;
	c->r = 0;
	if (!r)
		return 0;
	if (c->bad == img) {
		log_error("cannot restart from %s: %s", c->name, c->err);
		return r;
	}
	while (img->base_img != c->bad) {
		of = img->base_path;
		img = img->base_img;
	}
	log_error("%s, the base of %s, is damaged: %s", img->base_path, of, c->err);
	return r;
}

int chain_open(struct image *img, struct rst_shared *sh)
{
	for (; img; img = img->base_img) {
		img->rst_fd = helper_fd(sh, fcntl(img->fd, F_DUPFD_CLOEXEC, 0));
		if (img->rst_fd < 0)
			return img->rst_fd;
	}
	return 0;
}

void chain_close(struct image *img)
{
	for (; img; img = img->base_img)
		img->rst_fd = safe_close(img->rst_fd);
}

void chain_free(struct image *img)
{
	struct image *base = img->base_img;

	img->base_img = NULL;
	while (base) {
		struct image *next = base->base_img;

		if (base->stream_fd < 0)
			close(base->fd);
		image_free(base);
		base = next;
	}
}
