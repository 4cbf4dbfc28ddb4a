/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checks of IMG_MQUEUE records, POSIX message queues (docs/FORMAT.md).
 * Payloads are untrusted: every count is weighed against the length
 * before it is multiplied or summed.
 */
#include <string.h>

#include "image.h"
#include "common/util.h"

static bool mqueue_valid(const struct img_mqueue *m, uint64_t len)
{
	const struct img_mqueue_msg *msgs = (const void *)(m + 1);
	const char *name;
	uint64_t sum = 0, rest;

	if (len < sizeof(*m) || !m->id || (m->mode & ~07777u) || (m->flags & ~MQUEUE_F_KNOWN) ||
	    m->maxmsg < 1 || m->maxmsg > MQUEUE_MSGS_MAX || m->msgsize < 1 ||
	    m->msgsize > MQUEUE_MSGSIZE_MAX || m->n_msgs > m->maxmsg || m->name_len < 2 ||
	    m->name_len > MQUEUE_NAME_MAX || (len - sizeof(*m)) / sizeof(*msgs) < m->n_msgs)
		return false;
	for (uint32_t i = 0; i < m->n_msgs; i++) {
		if (msgs[i].len > m->msgsize || (i && msgs[i].prio > msgs[i - 1].prio))
			return false;	/* the highest priority first */
		sum += msgs[i].len;
	}
	rest = len - sizeof(*m) - m->n_msgs * sizeof(*msgs);
	if (rest < m->name_len || rest - m->name_len != sum || sum != m->data_len)
		return false;
	/* a name is a / and then no other */
	name = (const char *)(msgs + m->n_msgs);
	return name[0] == '/' && !memchr(name + 1, '/', m->name_len - 1) &&
	       !memchr(name, 0, m->name_len);
}

const struct image_mqueue *image_find_mqueue(const struct image *img, uint64_t id)
{
	for (size_t i = 0; i < img->n_mqueues; i++)
		if (img->mqueues[i].m->id == id)
			return &img->mqueues[i];
	return NULL;
}

int image_add_mqueue(struct image *img, const void *payload, uint64_t len, uint64_t off)
{
	const struct img_mqueue *m = payload;

	if (!mqueue_valid(m, len))
		return -EINVAL;
	if (image_find_mqueue(img, m->id))
		return -EEXIST;
	img->mqueues = xrealloc(img->mqueues, (img->n_mqueues + 1) * sizeof(*img->mqueues));
	img->mqueues[img->n_mqueues++] = (struct image_mqueue){
		.m = m, .msgs = (const void *)(m + 1),
		.name = (const char *)(m + 1) + m->n_msgs * sizeof(struct img_mqueue_msg),
		.data_off = off + len - m->data_len };
	return 0;
}
