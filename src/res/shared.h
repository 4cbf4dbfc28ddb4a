/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The coordinator's registry of shared descriptors (shared.c): what
 * cr_restart makes before creating any process, inherited by all of them:
 * pipes (refilled), open file descriptions that processes share, mapped
 * files, memfds for shared memory.  All at numbers >= base, above every
 * saved descriptor.
 */
#ifndef UCR_RES_SHARED_H
#define UCR_RES_SHARED_H

#include <stdint.h>

#include "image/image.h"

enum { SHARED_PIPE = 1, SHARED_OFD, SHARED_SHM, SHARED_MAPFILE, SHARED_UNLINKED,
       SHARED_SOCKET, SHARED_EVENT, SHARED_MQUEUE };

struct rst_shared_fd {
	int kind;
	int32_t pid, fd;	/* SHARED_OFD: its first descriptor */
	uint64_t id;		/* SHARED_PIPE: pipe id; SHARED_SHM: shm id;
				 * SHARED_UNLINKED: its IMG_FILE_DATA;
				 * SHARED_SOCKET, SHARED_EVENT, SHARED_MQUEUE:
				 * the id of its IMG_SOCKET, IMG_EVENT, IMG_MQUEUE */
	int acc;		/* SHARED_PIPE: O_RDONLY, O_WRONLY (O_RDWR: a FIFO's holder);
				 * SHARED_MAPFILE: the open flags */
	const char *path;	/* SHARED_MAPFILE; SHARED_SHM of a file saved whole */
	int helper;
};

/* A SysV IPC object cr_restart made (sysv_restart.c), removed again if
 * the restart fails. */
struct rst_sysv {
	int kind;		/* SYSV_KIND_* of sysv_restart.c */
	int32_t id;
	bool removed;		/* marked for removal at the checkpoint: so at the end */
};

struct rst_shared {
	struct rst_shared_fd *objs;
	size_t n;
	int base;
	struct rst_sysv *sysv;
	size_t n_sysv;
};

/* Above every descriptor any process of img had: where helpers go. */
int shared_base(const struct image *img);
/* Moves fd to a helper number (>= base); closes the original. */
int helper_fd(struct rst_shared *sh, int fd);
struct rst_shared_fd *shared_add(struct rst_shared *sh);
const struct rst_shared_fd *shared_find(const struct rst_shared *sh, int kind, int32_t pid,
					int32_t fd, uint64_t id, int acc);
/* A new descriptor (close-on-exec) of the helper of kind and id, made by
 * the coordinator; or -errno (-ENOENT: there is none). */
int shared_dup(const struct rst_shared *sh, int kind, uint64_t id);
/* Closes every helper: once the processes have theirs. */
void shared_close(struct rst_shared *sh);

#endif
