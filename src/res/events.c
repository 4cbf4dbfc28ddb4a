/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Event objects: eventfd (its counter and EFD_SEMAPHORE), timerfd (its
 * clock, the time left and the interval, the expirations not read),
 * signalfd (its mask), epoll (its items: epoll.c) and inotify (its
 * watches: inotify.c), read from /proc/PID/fdinfo (proc(5)), one IMG_EVENT
 * per open file description right after the IMG_FILE of its first
 * descriptor (files.c writes that), made again by cr_restart before any
 * process and taken by the processes as pipes are.  O_NONBLOCK and the
 * close-on-exec flag are the descriptor's, set by files.c.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

/* from linux/timerfd.h, whose other definitions clash with glibc's */
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)

#include "res.h"
#include "common/util.h"

static const struct {
	const char *target;	/* readlink of /proc/PID/fd/N */
	uint32_t kind;
} event_kinds[] = {
	{ "anon_inode:[eventfd]", EVENT_EVENTFD },
	{ "anon_inode:[timerfd]", EVENT_TIMERFD },
	{ "anon_inode:[signalfd]", EVENT_SIGNALFD },
	{ "anon_inode:[eventpoll]", EVENT_EPOLL },
	{ "anon_inode:inotify", EVENT_INOTIFY },
};

static uint32_t event_kind(const char *target)
{
	for (size_t i = 0; i < ARRAY_SIZE(event_kinds); i++)
		if (!strcmp(target, event_kinds[i].target))
			return event_kinds[i].kind;
	return 0;
}

bool events_is_event(const char *target)
{
	return event_kind(target) != 0;
}

/* The text after "key" in fdinfo, or NULL. */
static const char *field(const char *info, const char *key)
{
	const char *p = strstr(info, key);

	return p ? p + strlen(key) : NULL;
}

static int64_t ns(unsigned long long sec, unsigned long long nsec)
{
	return (int64_t)sec * 1000000000 + (int64_t)nsec;
}

/* What fdinfo says of each kind; -EINVAL when a line is missing. */
static int parse_event(const char *info, struct img_event *e)
{
	unsigned long long a, b, c, d, v;
	const char *p;
	int sem = 0;

	switch (e->kind) {
	case EVENT_EVENTFD:
		p = field(info, "eventfd-count:");
		if (!p || sscanf(p, "%llx", &v) != 1)
			return -EINVAL;
		e->count = v;
		/* older kernels do not say (Linux 6.4 added the line) */
		p = field(info, "eventfd-semaphore:");
		if (p && sscanf(p, "%d", &sem) == 1 && sem)
			e->flags |= EVENT_F_SEMAPHORE;
		return 0;
	case EVENT_TIMERFD:
		p = field(info, "clockid:");
		if (!p || sscanf(p, "%d", &e->clockid) != 1)
			return -EINVAL;
		p = field(info, "ticks:");
		if (!p || sscanf(p, "%llu", &v) != 1)
			return -EINVAL;
		e->count = v;
		p = field(info, "it_value:");
		if (!p || sscanf(p, " (%llu, %llu)", &a, &b) != 2)
			return -EINVAL;
		p = field(info, "it_interval:");
		if (!p || sscanf(p, " (%llu, %llu)", &c, &d) != 2)
			return -EINVAL;
		e->value_ns = ns(a, b);
		e->interval_ns = ns(c, d);
		return 0;
	case EVENT_SIGNALFD:
		p = field(info, "sigmask:");
		if (!p || sscanf(p, "%llx", &v) != 1)
			return -EINVAL;
		e->sigmask = v;
		return 0;
	}
	return -EINVAL;
}

int events_dump(struct dump_ctx *ctx, const struct dump_fd *df, const char *target, uint64_t id)
{
	struct img_event e = { .id = id, .kind = event_kind(target) };
	_cleanup_free_ char *info = NULL;
	_cleanup_free_ void *items = NULL;
	char path[64];
	size_t len, items_len = 0;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)df->pid, df->fd);
	r = read_file(path, &info, &len);
	if (!r && e.kind == EVENT_EPOLL) {
		r = epoll_parse(df, info, (struct img_epoll_item **)&items, &e.count);
		items_len = e.count * sizeof(struct img_epoll_item);
	} else if (!r) {
		r = e.kind == EVENT_INOTIFY ? inotify_parse(df, info, &items, &items_len, &e.count) :
		    parse_event(info, &e);
	}
	if (r == -ESTALE)
		return r;	/* said */
	if (r)
		return log_errno(r, "cannot read the state of %s fd %d of pid %d", target, df->fd,
				 (int)df->pid);
	log_debug("fd %d: %s, count %llu", df->fd, target, (unsigned long long)e.count);

	const void *parts[] = { &e, items };
	size_t lens[] = { sizeof(e), items_len };
	return img_write_record(ctx->w, IMG_EVENT, parts, lens, 2);
}

/* ---- restart ----------------------------------------------------------------- */

/*
 * A timer armed again for the time it had left, which it keeps across the
 * downtime, as the sleeping calls do; the expirations it had not read are
 * put back with TFD_IOC_SET_TICKS (CONFIG_CHECKPOINT_RESTORE), or lost with
 * a warning.
 */
static int timer_make(const struct img_event *e)
{
	/* A periodic timer shows no time left once it expired unread (the
	 * kernel forwards it only when it is read), or when it was due but
	 * had not yet fired: armed with none it would be disarmed.  It goes
	 * on at its next period, or at once when the expiry was still due. */
	uint64_t value_ns = e->value_ns || !e->interval_ns ? e->value_ns :
			    e->count ? e->interval_ns : 1;
	struct itimerspec its = {
		.it_value = { value_ns / 1000000000, value_ns % 1000000000 },
		.it_interval = { e->interval_ns / 1000000000, e->interval_ns % 1000000000 },
	};
	int fd = timerfd_create(e->clockid, TFD_CLOEXEC), r = 0;
	uint64_t ticks = e->count;

	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) < 0)
		r = -errno;
	if (!r && ticks && ioctl(fd, TFD_IOC_SET_TICKS, &ticks) < 0)
		log_warn("timerfd %llu: its %llu expirations not read are lost: %s",
			 (unsigned long long)e->id, (unsigned long long)ticks, strerror(errno));
	if (r)
		safe_close(fd);
	return r ? r : fd;
}

static int event_make(const struct img_event *e)
{
	sigset_t mask;
	int fd = -EINVAL;

	switch (e->kind) {
	case EVENT_EVENTFD:
		/* eventfd(2) takes an unsigned int: a larger counter is written */
		fd = eventfd(0, EFD_CLOEXEC | (e->flags & EVENT_F_SEMAPHORE ? EFD_SEMAPHORE : 0));
		if (fd >= 0 && e->count && write(fd, &e->count, sizeof(e->count)) != sizeof(e->count))
			fd = safe_close(fd);
		return fd < 0 ? -errno : fd;
	case EVENT_TIMERFD:
		return timer_make(e);
	case EVENT_EPOLL:
		fd = epoll_create1(EPOLL_CLOEXEC);	/* its items: epoll.c */
		return fd < 0 ? -errno : fd;
	case EVENT_INOTIFY:
		return inotify_make(e);
	case EVENT_SIGNALFD:
		/* the kernel's mask is the first word of glibc's sigset_t, which
		 * sigaddset would not let set libc's own signals 32 and 33 */
		sigemptyset(&mask);
		memcpy(&mask, &e->sigmask, sizeof(e->sigmask));
		fd = signalfd(-1, &mask, SFD_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return fd;
}

static int events_prepare(const struct image *img, struct rst_shared *sh)
{
	for (size_t i = 0; i < img->n_events; i++) {
		const struct img_event *e = img->events[i];
		struct rst_shared_fd *o;
		int fd = event_make(e);

		if (fd < 0)
			return log_errno(fd, "cannot make event object %llu (%s) again",
					 (unsigned long long)e->id, event_kinds[e->kind - 1].target);
		o = shared_add(sh);
		o->kind = SHARED_EVENT;
		o->pid = o->fd = -1;
		o->id = e->id;
		o->helper = helper_fd(sh, fd);
		if (o->helper < 0)
			return o->helper;
	}
	return 0;
}

const struct res_ops events_ops = {
	.name = "events",
	.prepare = events_prepare,
};
