/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reader's part for SysV IPC objects: IMG_SYSV_SHM, IMG_SYSV_SEM and
 * IMG_SYSV_MSG, checked field by field (the file is untrusted), each id
 * saved once per kind; and that the attachments are of saved segments.
 */
#include <string.h>

#include "read.h"
#include "common/util.h"

/* Why the common part is invalid, or NULL. */
static const char *perm_invalid(const struct img_sysv_perm *p)
{
	if (p->id < 0)
		return "a negative id";
	if (p->mode & ~0777u)
		return "unknown mode bits";
	if (p->flags & ~SYSV_F_KNOWN)
		return "unknown flags";
	return NULL;
}

const struct image_sysv_shm *image_find_sysv_shm(const struct image *img, int32_t shmid)
{
	for (size_t i = 0; i < img->n_sysv_shms; i++)
		if (img->sysv_shms[i].s->perm.id == shmid)
			return &img->sysv_shms[i];
	return NULL;
}

bool image_has_sysv(const struct image *img)
{
	return img->n_sysv_shms || img->n_sysv_sems || img->n_sysv_msgs;
}

const char *image_add_sysv_shm(struct image *img, const void *payload, uint64_t len,
			       uint64_t data_off)
{
	const struct img_sysv_shm *s = payload;
	const char *why = len != sizeof(*s) ? "wrong length" : perm_invalid(&s->perm);

	if (!why && (s->perm.flags & SYSV_F_REMOVED) && s->perm.key)
		why = "a removed segment with a key";
	if (!why && image_find_sysv_shm(img, s->perm.id))
		why = "saved twice";
	if (why)
		return why;
	img->sysv_shms = xrealloc(img->sysv_shms, (img->n_sysv_shms + 1) * sizeof(*img->sysv_shms));
	img->sysv_shms[img->n_sysv_shms++] = (struct image_sysv_shm){ .s = s, .data_off = data_off };
	return NULL;
}

const char *image_add_sysv_sem(struct image *img, const void *payload, uint64_t len)
{
	const struct img_sysv_sem *s = payload;
	const uint16_t *values = (const void *)(s + 1);
	const char *why = len < sizeof(*s) ? "too short" : perm_invalid(&s->perm);

	if (!why && (s->n_sems == 0 || s->n_sems > SYSV_SEMS_MAX || s->pad ||
		     (s->perm.flags & SYSV_F_REMOVED)))
		why = "invalid";
	if (!why && len != sizeof(*s) + ALIGN_UP(s->n_sems * sizeof(uint16_t), (uint64_t)8))
		why = "wrong length";
	for (uint32_t i = 0; !why && i < s->n_sems; i++)
		if (values[i] > SYSV_SEM_VALUE_MAX)
			why = "a value out of range";
	/* the padding after the values counts too: zero */
	for (uint64_t k = sizeof(*s) + s->n_sems * sizeof(uint16_t); !why && k < len; k++)
		if (((const uint8_t *)payload)[k])
			why = "padding not zero";
	for (size_t i = 0; !why && i < img->n_sysv_sems; i++)
		if (img->sysv_sems[i]->perm.id == s->perm.id)
			why = "saved twice";
	if (why)
		return why;
	img->sysv_sems = xrealloc(img->sysv_sems, (img->n_sysv_sems + 1) * sizeof(*img->sysv_sems));
	img->sysv_sems[img->n_sysv_sems++] = s;
	return NULL;
}

const char *image_add_sysv_msg(struct image *img, const void *payload, uint64_t len,
			       uint64_t off)
{
	const struct img_sysv_msg *m = payload;
	const struct img_sysv_message *msgs = (const void *)(m + 1);
	const char *why = len < sizeof(*m) ? "too short" : perm_invalid(&m->perm);
	uint64_t sum = 0;

	if (!why && (m->n_msgs > SYSV_MSGS_MAX || m->data_len > SYSV_MSG_DATA_MAX || m->pad ||
		     (m->perm.flags & SYSV_F_REMOVED)))
		why = "invalid";
	/* both bounded above: the sum cannot wrap */
	if (!why && len != sizeof(*m) + m->n_msgs * sizeof(*msgs) + m->data_len)
		why = "wrong length";
	for (uint32_t i = 0; !why && i < m->n_msgs; i++) {
		if (msgs[i].type <= 0 || msgs[i].len > m->data_len - sum)
			why = "an invalid message";
		else
			sum += msgs[i].len;
	}
	if (!why && sum != m->data_len)
		why = "its messages do not add up";
	for (size_t i = 0; !why && i < img->n_sysv_msgs; i++)
		if (img->sysv_msgs[i].m->perm.id == m->perm.id)
			why = "saved twice";
	if (why)
		return why;
	img->sysv_msgs = xrealloc(img->sysv_msgs, (img->n_sysv_msgs + 1) * sizeof(*img->sysv_msgs));
	img->sysv_msgs[img->n_sysv_msgs++] = (struct image_sysv_msg){
		.m = m, .msgs = msgs, .data_off = off + sizeof(*m) + m->n_msgs * sizeof(*msgs) };
	return NULL;
}

/* An IMG_SYSV_* record, with the IMG_PAGES of a segment. */
int read_sysv(struct reader *r, const struct rec_view *v)
{
	const struct img_sysv_shm *s = (const void *)v->payload;
	struct rec_view pv = { 0 };
	const char *why;
	int ret;

	if (v->tag == IMG_SYSV_SEM)
		why = image_add_sysv_sem(r->img, v->payload, v->len);
	else if (v->tag == IMG_SYSV_MSG)
		why = image_add_sysv_msg(r->img, v->payload, v->len, v->payload_off);
	else if (v->len != sizeof(*s) || s->size > USER_ADDR_MAX)
		why = "invalid";
	else {
		ret = s->size ? read_expect(r, &pv, IMG_PAGES, 0) : 0;
		if (ret)
			return ret;
		if (pv.len != ALIGN_UP(s->size, (uint64_t)IMG_PAGE_SIZE) ||
		    pv.payload_off % IMG_PAGE_SIZE)
			return read_fail(r, "page data at offset %llu does not match its SysV segment",
				    (unsigned long long)pv.off);
		why = image_add_sysv_shm(r->img, v->payload, v->len, pv.payload_off);
	}
	return why ? read_fail(r, "SysV IPC record at offset %llu: %s", (unsigned long long)v->off,
			       why) : 0;
}

/* Every SysV attachment is of a saved segment, inside it. */
int read_sysv_check(struct reader *r)
{
	const struct image *img = r->img;

	for (size_t i = 0; i < img->n_procs; i++)
		for (size_t j = 0; j < img->procs[i].n_areas; j++) {
			const struct img_area *a = img->procs[i].areas[j].a;
			const struct image_sysv_shm *s;

			if (a->kind != AREA_SYSV_SHM)
				continue;
			s = image_find_sysv_shm(img, (int32_t)a->object_id);
			if (!s || a->pgoff > ALIGN_UP(s->s->size, (uint64_t)IMG_PAGE_SIZE) ||
			    a->end - a->start > ALIGN_UP(s->s->size, (uint64_t)IMG_PAGE_SIZE) - a->pgoff)
				return read_fail(r, "area %#llx-%#llx of process %d attaches a SysV "
					    "segment that is not saved, or not so large",
					    (unsigned long long)a->start, (unsigned long long)a->end,
					    img->procs[i].p->pid);
		}
	return 0;
}
