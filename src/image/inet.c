/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checks of IMG_INET records, TCP and UDP sockets (docs/FORMAT.md):
 * each says whether a payload holds together, and whether a connection
 * agrees with its saved peer or listener.  Payloads are untrusted.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "image.h"
#include "common/util.h"

static bool zero_bytes(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static bool inet_state_valid(const struct img_inet *s)
{
	bool pending = s->flags & INET_F_PENDING;
	bool queued = s->recv_len || s->unsent_len;

	switch (s->state) {
	case INET_STATE_UNCONNECTED:
		return !s->peer && !s->listener && !s->backlog && !queued && !pending &&
		       !s->peer_port && !s->shutdown;
	case INET_STATE_LISTEN:
		return s->type == SOCK_STREAM && !s->peer && !s->listener && !queued &&
		       !pending && s->local_port && !s->peer_port && !s->shutdown;
	case INET_STATE_CONNECTED:
		if (!s->local_port || !s->peer_port || s->backlog)
			return false;
		if (s->type == SOCK_DGRAM)	/* to an address, no queue */
			return !s->peer && !s->listener && !queued && !pending && !s->shutdown;
		if (pending)
			return s->listener && !s->peer && !queued;
		return !s->listener && !(s->tcp_options & ~INET_TCPI_OPTS_KNOWN) &&
		       s->snd_wscale <= 14 && s->rcv_wscale <= 14;
	}
	return false;
}

static bool inet_valid(const struct img_inet *s, uint64_t len)
{
	if (len < sizeof(*s) || !s->id || s->peer == s->id || s->listener == s->id ||
	    (s->family != AF_INET && s->family != AF_INET6) ||
	    (s->type != SOCK_STREAM && s->type != SOCK_DGRAM) ||
	    (s->shutdown & ~(SOCK_SHUT_RD | SOCK_SHUT_WR)) || (s->flags & ~INET_F_KNOWN) ||
	    (s->family == AF_INET && (!zero_bytes(s->local_addr + 4, 12) ||
				      !zero_bytes(s->peer_addr + 4, 12))) ||
	    (s->family == AF_INET && (s->flags & INET_F_V6ONLY)) ||
	    (s->type == SOCK_DGRAM && (s->flags & INET_F_NODELAY)) ||
	    (!(s->flags & INET_F_LINGER) && s->linger_s) || s->linger_s < 0 ||
	    s->sndbuf < 0 || s->rcvbuf < 0 || s->rcvlowat < 0 || s->rcvtimeo_us < 0 ||
	    s->sndtimeo_us < 0 || s->backlog > SOCK_BACKLOG_MAX || s->pad ||
	    (s->type == SOCK_DGRAM && (s->mss || s->snd_wscale || s->rcv_wscale || s->tcp_options)) ||
	    s->recv_len > SOCK_DATA_MAX || s->unsent_len > SOCK_DATA_MAX)
		return false;
	/* the two queues fill the rest exactly */
	return len - sizeof(*s) == s->recv_len + s->unsent_len && inet_state_valid(s);
}

const struct image_inet *image_find_inet(const struct image *img, uint64_t id)
{
	for (size_t i = 0; i < img->n_inet; i++)
		if (img->inet[i].s->id == id)
			return &img->inet[i];
	return NULL;
}

int image_add_inet(struct image *img, const void *payload, uint64_t len, uint64_t off)
{
	const struct img_inet *s = payload;

	if (!inet_valid(s, len))
		return -EINVAL;
	if (image_find_inet(img, s->id) || image_find_socket(img, s->id))
		return -EEXIST;
	img->inet = xrealloc(img->inet, (img->n_inet + 1) * sizeof(*img->inet));
	img->inet[img->n_inet++] = (struct image_inet){ .s = s, .data_off = off + sizeof(*s) };
	return 0;
}

/* A TCP connection's peer is connected back to it at the addresses it
 * names; a client not accepted yet names a listener at its peer address. */
bool image_inet_linked(const struct image *img, const struct image_inet *ii)
{
	const struct img_inet *s = ii->s;
	const struct image_inet *o = image_find_inet(img, s->peer ? s->peer : s->listener);

	if (!s->peer && !s->listener)
		return true;
	if (!o || o->s->family != s->family || o->s->type != SOCK_STREAM)
		return false;
	if (s->listener)
		return o->s->state == INET_STATE_LISTEN && o->s->local_port == s->peer_port;
	return o->s->state == INET_STATE_CONNECTED && o->s->peer == s->id &&
	       o->s->local_port == s->peer_port && o->s->peer_port == s->local_port &&
	       !memcmp(o->s->local_addr, s->peer_addr, 16) &&
	       !memcmp(o->s->peer_addr, s->local_addr, 16);
}

const char *image_inet_name(const struct img_inet *s, bool peer, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	inet_ntop(s->family, peer ? s->peer_addr : s->local_addr, host, sizeof(host));
	snprintf(buf, len, s->family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
		 ntohs(peer ? s->peer_port : s->local_port));
	return buf;
}
