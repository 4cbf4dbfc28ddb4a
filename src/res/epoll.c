/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an epoll instance watches.  The instance itself is an event object
 * (events.c: its IMG_EVENT, made by cr_restart with the others); its items,
 * read from /proc/PID/fdinfo, follow the record.  An item names a
 * descriptor of the process that registered it: the restart adds it again
 * in the process of the instance's first descriptor, once that process has
 * its descriptors back, so the dump checks that each item is that
 * process's descriptor of that number still (kcmp KCMP_EPOLL_TFD).
 */
#include <string.h>
#include <linux/kcmp.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include "res.h"
#include "common/util.h"

int epoll_parse(const struct dump_fd *df, const char *info, struct img_epoll_item **ret,
		uint64_t *ret_n)
{
	struct img_epoll_item *items = NULL;
	uint64_t n = 0;

	for (const char *p = strstr(info, "tfd:"); p; p = strstr(p + 1, "\ntfd:")) {
		struct kcmp_epoll_slot slot = { .efd = df->fd };
		unsigned long long data;
		unsigned int events;
		int tfd;

		if (sscanf(p + (*p == '\n'), "tfd: %d events: %x data: %llx", &tfd, &events,
			   &data) != 3) {
			free(items);
			return -EINVAL;
		}
		slot.tfd = tfd;
		if (syscall(SYS_kcmp, df->pid, df->pid, KCMP_EPOLL_TFD, tfd, &slot) != 0) {
			log_error("cannot checkpoint epoll fd %d of pid %d: it watches a file that "
				  "is not its fd %d any more", df->fd, (int)df->pid, tfd);
			free(items);
			return -ESTALE;
		}
		items = xrealloc(items, (n + 1) * sizeof(*items));
		items[n++] = (struct img_epoll_item){ .tfd = tfd, .events = events, .data = data };
	}
	*ret = items;
	*ret_n = n;
	return 0;
}

/* In the new process, its descriptors back: each item added again. */
static int epoll_restore(const struct rst_ctx *ctx, const struct rst_shared *sh)
{
	const struct image_process *p = ctx->proc;

	(void)sh;
	for (size_t i = 0; i < p->n_files; i++) {
		const struct img_file *f = p->files[i].f;
		const struct img_event *e;
		const struct img_epoll_item *items;

		if (f->kind != FILE_EVENT || f->share_pid >= 0)
			continue;	/* the first descriptor's process adds them */
		e = image_find_event(ctx->img, f->object_id);
		if (e->kind != EVENT_EPOLL)
			continue;
		items = (const void *)(e + 1);
		for (uint64_t k = 0; k < e->count; k++) {
			struct epoll_event ev = { .events = items[k].events, .data.u64 = items[k].data };

			if (epoll_ctl(f->fd, EPOLL_CTL_ADD, items[k].tfd, &ev) < 0)
				log_warn("epoll fd %d of pid %d no longer watches fd %d: %s", f->fd,
					 p->p->pid, items[k].tfd, strerror(errno));
		}
	}
	return 0;
}

const struct res_ops epoll_ops = {
	.name = "epoll",
	.restore = epoll_restore,
};
