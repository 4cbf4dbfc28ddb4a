/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cr_info's listing of the SysV IPC objects (IMG_SYSV_SHM, IMG_SYSV_SEM,
 * IMG_SYSV_MSG): what each is, and what it holds.
 */
#include <stdio.h>

#include "cr_info_sysv.h"

static void text_perm(const struct img_sysv_perm *p)
{
	printf("key %#x, owner %u:%u, mode %04o", (unsigned)p->key, p->uid, p->gid, p->mode);
}

void info_sysv_text(const struct image *img)
{
	printf("sysv: %zu\n", img->n_sysv_shms + img->n_sysv_sems + img->n_sysv_msgs);
	for (size_t i = 0; i < img->n_sysv_shms; i++) {
		const struct img_sysv_shm *s = img->sysv_shms[i].s;

		printf("  sysv shm %d: ", s->perm.id);
		text_perm(&s->perm);
		printf(", %llu bytes%s\n", (unsigned long long)s->size,
		       s->perm.flags & SYSV_F_REMOVED ? ", marked for removal" : "");
	}
	for (size_t i = 0; i < img->n_sysv_sems; i++) {
		const struct img_sysv_sem *s = img->sysv_sems[i];
		const uint16_t *values = (const void *)(s + 1);

		printf("  sysv sem %d: ", s->perm.id);
		text_perm(&s->perm);
		printf(", values");
		for (uint32_t k = 0; k < s->n_sems; k++)
			printf(" %u", values[k]);
		printf("\n");
	}
	for (size_t i = 0; i < img->n_sysv_msgs; i++) {
		const struct img_sysv_msg *m = img->sysv_msgs[i].m;

		printf("  sysv msg %d: ", m->perm.id);
		text_perm(&m->perm);
		printf(", %u messages, %llu bytes queued (at most %llu)\n", m->n_msgs,
		       (unsigned long long)m->data_len, (unsigned long long)m->qbytes);
	}
}

static void json_perm(const struct img_sysv_perm *p)
{
	printf("{\"id\": %d, \"key\": %d, \"uid\": %u, \"gid\": %u, \"mode\": %u", p->id, p->key,
	       p->uid, p->gid, p->mode);
}

void info_sysv_json(const struct image *img)
{
	printf("{\"shm\": [");
	for (size_t i = 0; i < img->n_sysv_shms; i++) {
		const struct img_sysv_shm *s = img->sysv_shms[i].s;

		printf("%s", i ? ", " : "");
		json_perm(&s->perm);
		printf(", \"size\": %llu, \"removed\": %s}", (unsigned long long)s->size,
		       s->perm.flags & SYSV_F_REMOVED ? "true" : "false");
	}
	printf("], \"sem\": [");
	for (size_t i = 0; i < img->n_sysv_sems; i++) {
		const struct img_sysv_sem *s = img->sysv_sems[i];
		const uint16_t *values = (const void *)(s + 1);

		printf("%s", i ? ", " : "");
		json_perm(&s->perm);
		printf(", \"values\": [");
		for (uint32_t k = 0; k < s->n_sems; k++)
			printf("%s%u", k ? ", " : "", values[k]);
		printf("]}");
	}
	printf("], \"msg\": [");
	for (size_t i = 0; i < img->n_sysv_msgs; i++) {
		const struct image_sysv_msg *im = &img->sysv_msgs[i];

		printf("%s", i ? ", " : "");
		json_perm(&im->m->perm);
		printf(", \"qbytes\": %llu, \"messages\": [", (unsigned long long)im->m->qbytes);
		for (uint32_t k = 0; k < im->m->n_msgs; k++)
			printf("%s{\"type\": %lld, \"len\": %llu}", k ? ", " : "",
			       (long long)im->msgs[k].type, (unsigned long long)im->msgs[k].len);
		printf("]}");
	}
	printf("]}");
}
