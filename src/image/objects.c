/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Apart from reader.c's walk of the file: finding the records of a loaded
 * image, and the checks of the records of objects that processes share
 * (sockets, event objects), each saying whether a payload holds together (the reader
 * names the record that does not).  Payloads are untrusted: every count
 * is weighed against the length before it is multiplied or summed.
 */
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "image.h"
#include "common/util.h"

/* A listener has a name to bind again (a path or an abstract name) and
 * nothing queued; a connection's fields agree with what it is. */
static bool socket_state_valid(const struct img_socket *s, const char *name)
{
	bool pending = s->flags & SOCK_F_PENDING;
	bool bindable = !s->name_len || !name[0] || name[0] == '/';

	/* datagrams sent back by name need a name to go to */
	if ((s->state == SOCK_STATE_UNCONNECTED || (s->flags & SOCK_F_TO_NAME)) && s->n_msgs &&
	    !s->name_len)
		return false;
	if (s->flags & SOCK_F_TO_NAME)
		return s->state == SOCK_STATE_CONNECTED && s->type == SOCK_DGRAM && s->peer &&
		       !s->listener && !s->backlog && !s->queue_pos && bindable &&
		       !(s->flags & (SOCK_F_ACCEPTED | SOCK_F_PENDING));
	if (s->state == SOCK_STATE_UNCONNECTED)
		return !s->peer && !s->listener && !s->backlog && !s->queue_pos && bindable &&
		       (s->type == SOCK_DGRAM || !s->data_len) &&
		       !(s->flags & (SOCK_F_ACCEPTED | SOCK_F_PENDING));
	if (s->state == SOCK_STATE_LISTEN)
		return s->type != SOCK_DGRAM && !s->peer && !s->data_len && !s->listener &&
		       !s->queue_pos && !(s->flags & (SOCK_F_ACCEPTED | SOCK_F_PENDING)) &&
		       s->name_len && (!name[0] || name[0] == '/');
	if (s->backlog || (!pending && s->queue_pos) || (pending && (s->peer || s->data_len)) ||
	    (pending && (s->flags & SOCK_F_ACCEPTED)))
		return false;
	return !(s->flags & (SOCK_F_ACCEPTED | SOCK_F_PENDING)) || s->listener;
}

static bool socket_valid(const struct img_socket *s, uint64_t len)
{
	const uint32_t *lens = (const void *)(s + 1);
	const char *name;
	uint64_t sum = 0;

	if (len < sizeof(*s) || !s->id || s->peer == s->id || s->listener == s->id ||
	    s->state < SOCK_STATE_CONNECTED || s->state > SOCK_STATE_UNCONNECTED ||
	    s->backlog > SOCK_BACKLOG_MAX || s->queue_pos > SOCK_BACKLOG_MAX ||
	    (s->type != SOCK_STREAM && s->type != SOCK_DGRAM && s->type != SOCK_SEQPACKET) ||
	    (s->shutdown & ~(SOCK_SHUT_RD | SOCK_SHUT_WR)) || (s->flags & ~SOCK_F_KNOWN) ||
	    s->sndbuf < 0 || s->rcvbuf < 0 || s->peek_off < -1 || s->rcvlowat < 0 ||
	    s->rcvtimeo_us < 0 || s->sndtimeo_us < 0 || s->name_len > SOCK_NAME_MAX ||
	    s->data_len > SOCK_DATA_MAX || (s->type == SOCK_STREAM && s->n_msgs > 1))
		return false;
	/* lengths, name and queue fill the rest exactly */
	if (s->n_msgs > (len - sizeof(*s)) / sizeof(*lens) ||
	    len - sizeof(*s) - s->n_msgs * sizeof(*lens) != (uint64_t)s->name_len + s->data_len)
		return false;
	for (uint32_t i = 0; i < s->n_msgs; i++) {
		if (s->type == SOCK_STREAM && !lens[i])
			return false;
		sum += lens[i];
	}
	/* a path has no NUL; an abstract name is one NUL and any bytes */
	name = (const char *)(lens + s->n_msgs);
	return sum == s->data_len && (!s->name_len || !name[0] || !memchr(name, 0, s->name_len)) &&
	       socket_state_valid(s, name);
}

bool image_socket_linked(const struct image *img, const struct image_socket *is)
{
	const struct img_socket *s = is->s;
	const struct image_socket *peer = s->peer ? image_find_socket(img, s->peer) : NULL;
	const struct image_socket *l = s->listener ? image_find_socket(img, s->listener) : NULL;

	if (s->flags & SOCK_F_TO_NAME)	/* to a server's name */
		return peer && peer->s->state == SOCK_STATE_UNCONNECTED && peer->s->name_len &&
		       peer->s->type == s->type;
	if (s->peer && (!peer || peer->s->peer != s->id || peer->s->type != s->type))
		return false;
	if (!s->listener)
		return !peer || !peer->s->listener;
	if (!l || l->s->state != SOCK_STATE_LISTEN || l->s->type != s->type)
		return false;
	/* an accepted connection: one end is the one accept() gave */
	return (s->flags & SOCK_F_PENDING) ||
	       (peer && peer->s->listener == s->listener &&
		!(peer->s->flags & SOCK_F_ACCEPTED) != !(s->flags & SOCK_F_ACCEPTED));
}

const struct image_process *image_find_process(const struct image *img, int32_t pid)
{
	for (size_t i = 0; i < img->n_procs; i++)
		if (img->procs[i].p->pid == pid)
			return &img->procs[i];
	return NULL;
}

const struct image_file *image_find_file(const struct image_process *p, int32_t fd)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i].f->fd == fd)
			return &p->files[i];
	return NULL;
}

const struct image_socket *image_find_socket(const struct image *img, uint64_t id)
{
	for (size_t i = 0; i < img->n_sockets; i++)
		if (img->sockets[i].s->id == id)
			return &img->sockets[i];
	return NULL;
}

const struct image_file_data *image_find_file_data(const struct image *img, uint64_t id)
{
	for (size_t i = 0; i < img->n_file_data; i++)
		if (img->file_data[i].d->id == id)
			return &img->file_data[i];
	return NULL;
}

const struct img_event *image_find_event(const struct image *img, uint64_t id)
{
	for (size_t i = 0; i < img->n_events; i++)
		if (img->events[i]->id == id)
			return img->events[i];
	return NULL;
}

/* The clocks timerfd_create(2) takes. */
static bool timer_clock(int32_t c)
{
	return c == CLOCK_REALTIME || c == CLOCK_MONOTONIC || c == CLOCK_BOOTTIME ||
	       c == CLOCK_REALTIME_ALARM || c == CLOCK_BOOTTIME_ALARM;
}

/* Watches in increasing wd order, each path absolute and without a NUL,
 * filling the rest exactly. */
static bool inotify_valid(const struct img_event *e, uint64_t len)
{
	const struct img_inotify_watch *w = (const void *)(e + 1);
	const char *path = (const char *)(w + e->count);
	uint64_t left;

	if (e->flags || e->clockid || e->value_ns || e->interval_ns || e->sigmask ||
	    e->count > INOTIFY_WATCHES_MAX || len - sizeof(*e) < e->count * sizeof(*w))
		return false;
	left = len - sizeof(*e) - e->count * sizeof(*w);
	for (uint64_t i = 0; i < e->count; path += w[i++].path_len) {
		if (w[i].wd <= (i ? w[i - 1].wd : 0) || w[i].wd > (int32_t)INOTIFY_WATCHES_MAX ||
		    w[i].pad || !w[i].path_len || w[i].path_len > left || path[0] != '/' ||
		    memchr(path, 0, w[i].path_len))
			return false;
		left -= w[i].path_len;
	}
	return !left;
}

static bool event_valid(const struct img_event *e, uint64_t len)
{
	const struct img_epoll_item *items = (const void *)(e + 1);

	if (len < sizeof(*e) || !e->id || e->pad || e->value_ns < 0 || e->interval_ns < 0)
		return false;
	if (e->kind == EVENT_EPOLL) {
		if (e->count > EPOLL_ITEMS_MAX || len != sizeof(*e) + e->count * sizeof(*items) ||
		    e->flags || e->clockid || e->value_ns || e->interval_ns || e->sigmask)
			return false;
		for (uint64_t i = 0; i < e->count; i++)
			if (items[i].tfd < 0 || items[i].tfd >= (int32_t)EPOLL_ITEMS_MAX)
				return false;
		return true;
	}
	if (e->kind == EVENT_INOTIFY)
		return inotify_valid(e, len);
	if (len != sizeof(*e))
		return false;
	switch (e->kind) {
	case EVENT_EVENTFD:
		return !(e->flags & ~EVENT_F_SEMAPHORE) && e->count <= EVENT_COUNT_MAX &&
		       !e->clockid && !e->value_ns && !e->interval_ns && !e->sigmask;
	case EVENT_TIMERFD:
		return !e->flags && timer_clock(e->clockid) && !e->sigmask;
	case EVENT_SIGNALFD:
		return !e->flags && !e->count && !e->clockid && !e->value_ns && !e->interval_ns;
	}
	return false;
}

int image_add_socket(struct image *img, const void *payload, uint64_t len, uint64_t off)
{
	const struct img_socket *s = payload;

	if (!socket_valid(s, len))
		return -EINVAL;
	if (image_find_socket(img, s->id))
		return -EEXIST;
	img->sockets = xrealloc(img->sockets, (img->n_sockets + 1) * sizeof(*img->sockets));
	img->sockets[img->n_sockets++] = (struct image_socket){
		.s = s, .lens = (const void *)(s + 1),
		.name = (const char *)(s + 1) + s->n_msgs * sizeof(uint32_t),
		.data_off = off + len - s->data_len };
	return 0;
}

/* An eventfd, timerfd, signalfd or epoll instance (its items follow). */
int image_add_event(struct image *img, const void *payload, uint64_t len)
{
	const struct img_event *e = payload;

	if (!event_valid(e, len))
		return -EINVAL;
	if (image_find_event(img, e->id))
		return -EEXIST;
	img->events = xrealloc(img->events, (img->n_events + 1) * sizeof(*img->events));
	img->events[img->n_events++] = e;
	return 0;
}

int image_add_socket_rights(struct image *img, const void *payload, uint64_t len)
{
	const struct img_socket_rights *h = payload;
	const struct img_socket_right *rights = (const void *)(h + 1);
	struct image_socket *is = img->n_sockets ? &img->sockets[img->n_sockets - 1] : NULL;
	uint32_t in_msg = 0;

	if (len < sizeof(*h) || !is || is->s->id != h->socket || is->n_rights || !h->n || h->pad ||
	    (len - sizeof(*h)) / sizeof(*rights) != h->n || (len - sizeof(*h)) % sizeof(*rights))
		return -EINVAL;
	/* only between two sockets of the request: the peer sends them again */
	if (is->s->state != SOCK_STATE_CONNECTED || !is->s->peer || is->s->type == SOCK_STREAM ||
	    (is->s->flags & (SOCK_F_TO_NAME | SOCK_F_PENDING)))
		return -EINVAL;
	for (uint32_t i = 0; i < h->n; i++) {
		if (rights[i].msg >= is->s->n_msgs || rights[i].pid <= 0 || rights[i].fd < 0 ||
		    rights[i].pad || (i && rights[i].msg < rights[i - 1].msg))
			return -EINVAL;
		in_msg = i && rights[i].msg == rights[i - 1].msg ? in_msg + 1 : 1;
		if (in_msg > SOCK_RIGHTS_MAX)
			return -EINVAL;
	}
	is->rights = rights;
	is->n_rights = h->n;
	return 0;
}
