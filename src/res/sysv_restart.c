/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SysV IPC objects at restart (sysv.c saves them): cr_restart makes each
 * again before any process exists, with its saved id, which the programs
 * hold (Linux's /proc/sys/kernel/{shm,sem,msg}_next_id, written before
 * each create, give it; CONFIG_CHECKPOINT_RESTORE), its key, owner and
 * mode, and fills it: a segment's pages, a set's values, a queue's
 * messages in their order.  The blob attaches the segments again
 * (restorer.c).  An id or key taken is refused before anything is made;
 * whatever was made is removed again if the restart fails, and a segment
 * marked for removal at the checkpoint is marked again once every process
 * attached it.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "res.h"
#include "common/util.h"

enum { SYSV_KIND_SHM, SYSV_KIND_SEM, SYSV_KIND_MSG };

static const struct {
	const char *name;	/* in /proc/sysvipc/ and /proc/sys/kernel/NAME_next_id */
	const char *what;	/* in messages */
} kinds[] = {
	[SYSV_KIND_SHM] = { "shm", "SysV shared memory" },
	[SYSV_KIND_SEM] = { "sem", "SysV semaphore set" },
	[SYSV_KIND_MSG] = { "msg", "SysV message queue" },
};

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

int sysv_attachment_check(const struct image_process *p, size_t i)
{
	const struct img_area *a = p->areas[i].a;

	/* a later piece of an attachment follows its first, at pgoff 0 */
	for (size_t j = 0; a->pgoff && j < i; j++) {
		const struct img_area *b = p->areas[j].a;

		if (b->kind == AREA_SYSV_SHM && b->object_id == a->object_id && !b->pgoff &&
		    b->start == a->start - a->pgoff)
			return 0;
	}
	if (!a->pgoff)
		return 0;
	log_error("cannot restore pid %d: it attaches SysV shared memory %d at %#llx from byte "
		  "%llu, not from its start", p->p->pid, (int)a->object_id,
		  (unsigned long long)a->start, (unsigned long long)a->pgoff);
	return -ENOTSUP;
}

uint64_t sysv_segment_size(const struct image *img, int32_t shmid)
{
	const struct image_sysv_shm *s = image_find_sysv_shm(img, shmid);

	return s ? ALIGN_UP(s->s->size, (uint64_t)IMG_PAGE_SIZE) : 0;
}

/* Whether the id or the key of p is taken here: 0, or -EEXIST after a
 * line naming it. */
static int check_free(int kind, const struct img_sysv_perm *p)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", kinds[kind].name);
	r = read_file(path, &text, &len);
	if (r)
		return log_errno(r, "cannot restore %s %d: cannot read %s", kinds[kind].what, p->id,
				 path);
	for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		int key, id;

		if (sscanf(line + 1, "%d %d", &key, &id) != 2)
			continue;
		if (id == p->id) {
			log_error("cannot restore %s %d: its id is in use", kinds[kind].what, p->id);
			return -EEXIST;
		}
		if (p->key != IPC_PRIVATE && key == p->key) {
			log_error("cannot restore %s %d: its key %#x is in use by id %d",
				  kinds[kind].what, p->id, (unsigned)p->key, id);
			return -EEXIST;
		}
	}
	return 0;
}

/* The next object of kind made gets id. */
static int set_next_id(int kind, int32_t id)
{
	char path[64], text[16];
	_cleanup_close_ int fd = -1;
	int len = snprintf(text, sizeof(text), "%d", id);

	snprintf(path, sizeof(path), "/proc/sys/kernel/%s_next_id", kinds[kind].name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != len)
		return log_errno(-errno, "cannot restore %s %d: cannot write %s", kinds[kind].what,
				 id, path);
	return 0;
}

/* Noted for sysv_finish(), once made with its id (else removed). */
static int made(struct rst_shared *sh, int kind, const struct img_sysv_perm *p, int got)
{
	if (got < 0)
		return log_errno(-errno, "cannot make %s %d again", kinds[kind].what, p->id);
	sh->sysv = xrealloc(sh->sysv, (sh->n_sysv + 1) * sizeof(*sh->sysv));
	sh->sysv[sh->n_sysv++] = (struct rst_sysv){ .kind = kind, .id = got,
						    .removed = p->flags & SYSV_F_REMOVED };
	if (got == p->id)
		return 0;
	log_error("cannot make %s %d again: it got id %d (does the kernel honour "
		  "/proc/sys/kernel/%s_next_id?)", kinds[kind].what, p->id, got, kinds[kind].name);
	return -EADDRNOTAVAIL;
}

static void perm_set(struct ipc_perm *k, const struct img_sysv_perm *p)
{
	k->uid = p->uid;
	k->gid = p->gid;
	k->mode = p->mode;
}

static int shm_make(const struct image *img, const struct image_sysv_shm *is,
		    struct rst_shared *sh)
{
	const struct img_sysv_shm *s = is->s;
	struct shmid_ds ds = { 0 };
	int id, r = set_next_id(SYSV_KIND_SHM, s->perm.id);
	void *at;

	if (r)
		return r;
	id = shmget(s->perm.key, s->size, IPC_CREAT | IPC_EXCL | 0600);
	r = made(sh, SYSV_KIND_SHM, &s->perm, id);
	if (r)
		return r;
	if (s->size) {
		at = shmat(id, NULL, 0);
		if (at == (void *)-1)
			return log_errno(-errno, "cannot fill SysV shared memory %d", id);
		memcpy(at, img->map + is->data_off, ALIGN_UP(s->size, (uint64_t)IMG_PAGE_SIZE));
		shmdt(at);
	}
	perm_set(&ds.shm_perm, &s->perm);
	if (shmctl(id, IPC_SET, &ds) < 0)
		return log_errno(-errno, "cannot give SysV shared memory %d its owner and mode", id);
	return 0;
}

static int sem_make(const struct img_sysv_sem *s, struct rst_shared *sh)
{
	struct semid_ds ds = { 0 };
	int id, r = set_next_id(SYSV_KIND_SEM, s->perm.id);

	if (r)
		return r;
	id = semget(s->perm.key, (int)s->n_sems, IPC_CREAT | IPC_EXCL | 0600);
	r = made(sh, SYSV_KIND_SEM, &s->perm, id);
	if (r)
		return r;
	if (semctl(id, 0, SETALL, (union semun){ .array = (unsigned short *)(s + 1) }) < 0)
		return log_errno(-errno, "cannot set the values of SysV semaphore set %d", id);
	perm_set(&ds.sem_perm, &s->perm);
	if (semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }) < 0)
		return log_errno(-errno, "cannot give SysV semaphore set %d its owner and mode", id);
	return 0;
}

/* Its messages sent again in order, once it has its limit, owner and mode. */
static int msg_make(const struct image *img, const struct image_sysv_msg *im,
		    struct rst_shared *sh)
{
	const struct img_sysv_msg *m = im->m;
	const char *data = (const char *)img->map + im->data_off;
	struct msqid_ds ds = { .msg_qbytes = m->qbytes };
	_cleanup_free_ long *buf = NULL;
	size_t largest = 0;
	int id, r = set_next_id(SYSV_KIND_MSG, m->perm.id);

	if (r)
		return r;
	id = msgget(m->perm.key, IPC_CREAT | IPC_EXCL | 0600);
	r = made(sh, SYSV_KIND_MSG, &m->perm, id);
	if (r)
		return r;
	perm_set(&ds.msg_perm, &m->perm);
	if (msgctl(id, IPC_SET, &ds) < 0)
		return log_errno(-errno, "cannot give SysV message queue %d its size limit, owner "
				 "and mode", id);
	for (uint32_t i = 0; i < m->n_msgs; i++)
		if (im->msgs[i].len > largest)
			largest = im->msgs[i].len;
	buf = xmalloc(sizeof(long) + largest);
	for (uint32_t i = 0; i < m->n_msgs; i++) {
		buf[0] = im->msgs[i].type;
		memcpy(buf + 1, data, im->msgs[i].len);
		if (msgsnd(id, buf, im->msgs[i].len, IPC_NOWAIT) < 0)
			return log_errno(-errno, "cannot put message %u back into SysV message "
					 "queue %d", i, id);
		data += im->msgs[i].len;
	}
	return 0;
}

/* Every id and key free first, then each made: a refusal makes nothing. */
int sysv_prepare(const struct image *img, struct rst_shared *sh)
{
	int r = 0;

	for (size_t i = 0; !r && i < img->n_sysv_shms; i++)
		r = check_free(SYSV_KIND_SHM, &img->sysv_shms[i].s->perm);
	for (size_t i = 0; !r && i < img->n_sysv_sems; i++)
		r = check_free(SYSV_KIND_SEM, &img->sysv_sems[i]->perm);
	for (size_t i = 0; !r && i < img->n_sysv_msgs; i++)
		r = check_free(SYSV_KIND_MSG, &img->sysv_msgs[i].m->perm);
	for (size_t i = 0; !r && i < img->n_sysv_shms; i++)
		r = shm_make(img, &img->sysv_shms[i], sh);
	for (size_t i = 0; !r && i < img->n_sysv_sems; i++)
		r = sem_make(img->sysv_sems[i], sh);
	for (size_t i = 0; !r && i < img->n_sysv_msgs; i++)
		r = msg_make(img, &img->sysv_msgs[i], sh);
	return r;
}

static void remove_one(const struct rst_sysv *o)
{
	int r = o->kind == SYSV_KIND_SHM ? shmctl(o->id, IPC_RMID, NULL) :
		o->kind == SYSV_KIND_SEM ? semctl(o->id, 0, IPC_RMID) :
		msgctl(o->id, IPC_RMID, NULL);

	if (r < 0)
		log_warn("cannot remove %s %d: %s", kinds[o->kind].what, o->id, strerror(errno));
}

void sysv_finish(struct rst_shared *sh, bool restored)
{
	for (size_t i = 0; i < sh->n_sysv; i++)
		if (!restored || sh->sysv[i].removed)
			remove_one(&sh->sysv[i]);
	free(sh->sysv);
	sh->sysv = NULL;
	sh->n_sysv = 0;
}
