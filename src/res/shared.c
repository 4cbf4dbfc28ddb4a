/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The coordinator's registry of shared descriptors: what cr_restart opens
 * before it creates any process (pipes, open file descriptions that
 * processes share, mapped files, memfds for shared memory), each kept at a
 * helper number above every saved descriptor, inherited by every new
 * process, which takes its own from here.
 */
#include <fcntl.h>
#include <string.h>

#include "res.h"
#include "common/util.h"

/* Above every descriptor any process had: where the helpers go. */
int shared_base(const struct image *img)
{
	int base = 3;

	for (size_t i = 0; i < img->n_procs; i++)
		if (files_max_fd(&img->procs[i]) + 1 > base)
			base = files_max_fd(&img->procs[i]) + 1;
	return base;
}

int helper_fd(struct rst_shared *sh, int fd)
{
	int nfd;

	if (fd < 0 || fd >= sh->base) {
		return fd;
	}
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, sh->base);
	close(fd);
	return nfd < 0 ? -errno : nfd;
}

struct rst_shared_fd *shared_add(struct rst_shared *sh)
{
	sh->objs = xrealloc(sh->objs, (sh->n + 1) * sizeof(*sh->objs));
	memset(&sh->objs[sh->n], 0, sizeof(sh->objs[0]));
	sh->objs[sh->n].helper = -1;
	return &sh->objs[sh->n++];
}

const struct rst_shared_fd *shared_find(const struct rst_shared *sh, int kind, int32_t pid,
				       int32_t fd, uint64_t id, int acc)
{
	for (size_t i = 0; i < sh->n; i++) {
		const struct rst_shared_fd *o = &sh->objs[i];

		if (o->kind == kind && o->pid == pid && o->fd == fd && o->id == id && o->acc == acc)
			return o;
	}
	return NULL;
}

int shared_dup(const struct rst_shared *sh, int kind, uint64_t id)
{
	const struct rst_shared_fd *o = shared_find(sh, kind, -1, -1, id, 0);
	int fd;

	if (!o)
		return -ENOENT;
	fd = fcntl(o->helper, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

void shared_close(struct rst_shared *sh)
{
	for (size_t i = 0; i < sh->n; i++)
		safe_close(sh->objs[i].helper);
	free(sh->objs);
	sh->objs = NULL;
	sh->n = 0;
}
