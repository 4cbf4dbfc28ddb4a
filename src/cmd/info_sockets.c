/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cr_info's listing of the saved sockets: UNIX ones (IMG_SOCKET), TCP and
 * UDP ones (IMG_INET), as text and as JSON.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd/info.h"

static const char *inet_state(const struct img_inet *s)
{
	return s->state == INET_STATE_LISTEN ? "listening" :
	       s->state == INET_STATE_UNCONNECTED ? "unconnected" :
	       s->flags & INET_F_PENDING ? "waiting" : "connected";
}

static const char *socket_type(uint32_t type)
{
	return type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "datagram" : "seqpacket";
}

/* A socket's name as a string: @ for an abstract one, up to a NUL. */
static void socket_name(const struct image_socket *is, char *buf, size_t len)
{
	size_t n = is->s->name_len < len - 1 ? is->s->name_len : len - 1;

	memcpy(buf, is->name, n);
	buf[n] = 0;
	if (n)
		buf[0] = buf[0] ? buf[0] : '@';
}

/* The UNIX ones, then the TCP and UDP ones ("family" tells them apart). */
void info_sockets_json(const struct image *img)
{
	char name[SOCK_NAME_MAX + 1];

	printf("[");
	for (size_t i = 0; i < img->n_sockets; i++) {
		const struct img_socket *s = img->sockets[i].s;

		socket_name(&img->sockets[i], name, sizeof(name));
		printf("%s{\"id\": %llu, \"family\": \"unix\", \"type\": \"%s\", \"state\": \"%s\", "
		       "\"peer\": %llu, "
		       "\"listener\": %llu, \"accepted\": %s, \"backlog\": %u, \"messages\": %u, "
		       "\"queued\": %llu, \"shutdown\": %u, \"name\": ", i ? ", " : "",
		       (unsigned long long)s->id, socket_type(s->type),
		       s->state == SOCK_STATE_LISTEN ? "listening" :
		       s->state == SOCK_STATE_UNCONNECTED ? "unconnected" :
		       s->flags & SOCK_F_PENDING ? "waiting" : "connected",
		       (unsigned long long)s->peer, (unsigned long long)s->listener,
		       s->flags & SOCK_F_ACCEPTED ? "true" : "false", s->backlog, s->n_msgs,
		       (unsigned long long)s->data_len, s->shutdown);
		json_string(name);
		printf("}");
	}
	for (size_t i = 0; i < img->n_inet; i++) {
		const struct img_inet *s = img->inet[i].s;
		char local[64], peer[64];

		printf("%s{\"id\": %llu, \"family\": \"%s\", \"type\": \"%s\", \"state\": \"%s\", "
		       "\"peer\": %llu, \"listener\": %llu, \"backlog\": %u, \"queued\": %llu, "
		       "\"unsent\": %llu, \"shutdown\": %u, \"local\": \"%s\", \"remote\": \"%s\"}",
		       i || img->n_sockets ? ", " : "", (unsigned long long)s->id,
		       s->family == AF_INET ? "inet" : "inet6", s->type == SOCK_STREAM ? "tcp" : "udp",
		       inet_state(s), (unsigned long long)s->peer, (unsigned long long)s->listener,
		       s->backlog, (unsigned long long)s->recv_len, (unsigned long long)s->unsent_len,
		       s->shutdown, image_inet_name(s, false, local, sizeof(local)),
		       s->peer_port ? image_inet_name(s, true, peer, sizeof(peer)) : "");
	}
	printf("]");
}

void info_sockets_text(const struct image *img)
{
	printf("sockets: %zu\n", img->n_sockets + img->n_inet);
	for (size_t i = 0; i < img->n_sockets; i++) {
		const struct img_socket *s = img->sockets[i].s;
		char name[SOCK_NAME_MAX + 1];

		socket_name(&img->sockets[i], name, sizeof(name));
		printf("  socket %llu: UNIX %s, ", (unsigned long long)s->id, socket_type(s->type));
		if (s->state == SOCK_STATE_LISTEN)
			printf("listening, backlog %u", s->backlog);
		else if (s->state == SOCK_STATE_UNCONNECTED)
			printf("not connected");
		else if (s->flags & SOCK_F_TO_NAME)
			printf("connected to the name of %llu", (unsigned long long)s->peer);
		else if (s->flags & SOCK_F_PENDING)
			printf("waiting in the queue of %llu (place %u)",
			       (unsigned long long)s->listener, s->queue_pos);
		else if (s->peer)
			printf("peer %llu", (unsigned long long)s->peer);
		else
			printf("peer closed");
		if (s->listener && !(s->flags & SOCK_F_PENDING))
			printf(s->flags & SOCK_F_ACCEPTED ? ", accepted from %llu" : ", connected to %llu",
			       (unsigned long long)s->listener);
		if (img->sockets[i].n_rights)
			printf(", %u descriptor%s in flight", img->sockets[i].n_rights,
			       img->sockets[i].n_rights > 1 ? "s" : "");
		printf(", %u messages, %llu bytes queued%s%s%s%s\n", s->n_msgs,
		       (unsigned long long)s->data_len,
		       s->shutdown & SOCK_SHUT_RD ? ", shut down for reading" : "",
		       s->shutdown & SOCK_SHUT_WR ? ", shut down for writing" : "",
		       *name ? ", name " : "", name);
	}
	for (size_t i = 0; i < img->n_inet; i++) {
		const struct img_inet *s = img->inet[i].s;
		char local[64], peer[64];

		printf("  socket %llu: %s %s", (unsigned long long)s->id,
		       s->type == SOCK_STREAM ? "TCP" : "UDP",
		       image_inet_name(s, false, local, sizeof(local)));
		if (s->state == INET_STATE_LISTEN)
			printf(" listening, backlog %u\n", s->backlog);
		else if (s->state == INET_STATE_UNCONNECTED)
			printf(" not connected\n");
		else if (s->type == SOCK_DGRAM)
			printf(" connected to %s\n", image_inet_name(s, true, peer, sizeof(peer)));
		else
			printf(" connected to %s, %s, %llu bytes queued, %llu not sent%s%s\n",
			       image_inet_name(s, true, peer, sizeof(peer)),
			       s->flags & INET_F_PENDING ? "waiting to be accepted" :
			       s->peer ? "peer saved" : "peer closed",
			       (unsigned long long)s->recv_len, (unsigned long long)s->unsent_len,
			       s->shutdown & SOCK_SHUT_RD ? ", shut down for reading" : "",
			       s->shutdown & SOCK_SHUT_WR ? ", shut down for writing" : "");
	}
}
