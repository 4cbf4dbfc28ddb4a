/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files a restart reads: the context file, and for an increment
 * (cr_checkpoint --incremental) the chain of its bases, each opened at the
 * path its increment names, owned as the context file must be, loaded and
 * checked whole, and the very file the increment was made against (its
 * digest).  A missing or changed base refuses the restart, naming it.
 */
#include <fcntl.h>
#include <sys/stat.h>

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

void chain_check_start(struct chain_check *c, const struct image *img, const char *name)
{
	/* in this thread: in a thread of its own, restarts built with the
	 * sanitizers failed (design notes) */
	*c = (struct chain_check){ .img = img, .name = name, .started = true };
	for (const struct image *i = img; i && !c->r; i = i->base_img) {
		c->r = image_check_pages(i, c->err, sizeof(c->err));
		c->bad = i;
	}
}

int chain_check_end(struct chain_check *c)
{
	const struct image *img = c->img;
	const char *of = c->name;
	int r;

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
