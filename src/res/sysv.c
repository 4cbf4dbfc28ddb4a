/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SysV IPC objects at a checkpoint (sysv_restart.c makes them again): the
 * shared memory segments, semaphore sets and message queues of the
 * request, one IMG_SYSV_SHM, IMG_SYSV_SEM or IMG_SYSV_MSG each after the
 * records of every process.
 *
 * Which objects are the request's (docs/design-notes.md says why): a
 * segment that one of its processes attaches (a /SYSV mapping, whose inode
 * is the shmid) or created (shm_cpid); a semaphore set in which one of its
 * processes was the last to change a semaphore (GETPID, which semop,
 * SETVAL and SETALL set); a queue to which one of its processes was the
 * last to send or from which it was the last to receive (msg_lspid,
 * msg_lrpid).  The cr_restart that restored a process of the request made
 * its objects again, and counts as one of its processes.  The ids come
 * from /proc/sysvipc/, the rest from the *ctl(IPC_STAT) calls, whose pids
 * are of our pid namespace.
 *
 * Semaphore values and messages are read while the processes are parked
 * (scan), messages peeked with msgrcv(MSG_COPY) so that none is taken; a
 * segment's pages are read through an attachment of our own, read-only,
 * when the file is written (dump_after): all of them, as shared anonymous
 * memory is saved, since any process may have touched any page.
 */
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "res.h"
#include "proc/proc.h"
#include "common/util.h"

/* A semaphore set's or a queue's record, built while the processes are
 * parked. */
struct sysv_record {
	uint32_t tag;
	void *payload;
	size_t len;
};

struct sysv_saved {
	int32_t *shm_ids;	/* the segments whose IMG_SYSV_SHM is written */
	size_t n_shm_ids;
	struct sysv_record *records;
	size_t n_records;
};

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/* A process of the request, or the cr_restart that restored one of them:
 * it made their objects again, so it did the last operation on those the
 * processes have not touched since. */
static bool is_request_pid(const struct dump_shared *sh, pid_t pid)
{
	for (size_t i = 0; pid > 0 && i < sh->n_pids; i++)
		if (sh->pids[i].outer == pid)
			return true;
	for (size_t i = 0; pid > 0 && i < sh->n_restorers; i++)
		if (sh->restorers[i] == pid)
			return true;
	return false;
}

static bool has_id(const int32_t *ids, size_t n, int32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static void add_id(int32_t **ids, size_t *n, int32_t id)
{
	if (has_id(*ids, *n, id))
		return;
	*ids = xrealloc(*ids, (*n + 1) * sizeof(**ids));
	(*ids)[(*n)++] = id;
}

/* The ids of /proc/sysvipc/NAME (its second column), into *ret. */
static int list_ids(const char *name, int32_t **ret, size_t *ret_n)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	size_t len;
	int r;

	*ret = NULL;
	*ret_n = 0;
	snprintf(path, sizeof(path), "/proc/sysvipc/%s", name);
	r = read_file(path, &text, &len);
	if (r == -ENOENT)
		return 0;	/* a kernel without CONFIG_SYSVIPC: none */
	if (r)
		return log_errno(r, "cannot read %s", path);
	for (char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		int key, id;

		if (sscanf(line + 1, "%d %d", &key, &id) == 2)
			add_id(ret, ret_n, id);
	}
	return 0;
}

static void perm_fill(struct img_sysv_perm *p, const struct ipc_perm *k, int id)
{
	*p = (struct img_sysv_perm){ .key = k->__key, .id = id, .uid = k->uid, .gid = k->gid,
				     .mode = k->mode & 0777,
				     .flags = k->mode & SHM_DEST ? SYSV_F_REMOVED : 0 };
}

static void record_add(struct sysv_saved *s, uint32_t tag, void *payload, size_t len)
{
	s->records = xrealloc(s->records, (s->n_records + 1) * sizeof(*s->records));
	s->records[s->n_records++] = (struct sysv_record){ tag, payload, len };
}

/* The shmids the processes attach, from their maps. */
static int attached_shms(const struct dump_shared *sh, int32_t **ids, size_t *n)
{
	for (size_t i = 0; i < sh->n_pids; i++) {
		struct vma *vmas;
		size_t n_vmas;

		if (proc_parse_maps(sh->pids[i].outer, &vmas, &n_vmas))
			continue;	/* a zombie maps nothing */
		for (size_t k = 0; k < n_vmas; k++)
			if (vmas[k].shared && !strncmp(vmas[k].path, "/SYSV", 5))
				add_id(ids, n, (int32_t)vmas[k].ino);
		proc_free_maps(vmas, n_vmas);
	}
	return 0;
}

static int scan_shms(struct dump_shared *sh, struct sysv_saved *s)
{
	_cleanup_free_ int32_t *ids = NULL, *attached = NULL;
	size_t n_ids, n_attached = 0;
	int r = list_ids("shm", &ids, &n_ids);

	if (!r)
		r = attached_shms(sh, &attached, &n_attached);
	for (size_t i = 0; !r && i < n_ids; i++) {
		struct shmid_ds ds;

		if (shmctl(ids[i], IPC_STAT, &ds) < 0) {
			if (errno == EINVAL || errno == EIDRM)
				continue;	/* gone meanwhile */
			if (has_id(attached, n_attached, ids[i]) || errno != EACCES)
				r = log_errno(-errno, "cannot read SysV shared memory %d", ids[i]);
			continue;
		}
		if (has_id(attached, n_attached, ids[i]) || is_request_pid(sh, ds.shm_cpid))
			add_id(&s->shm_ids, &s->n_shm_ids, ids[i]);
	}
	/* attached, yet not listed: another IPC namespace's */
	for (size_t i = 0; !r && i < n_attached; i++)
		if (!has_id(s->shm_ids, s->n_shm_ids, attached[i]))
			r = log_errno(-ENOENT, "cannot find SysV shared memory %d that the processes "
				      "attach", attached[i]);
	return r;
}

/* A set of which a process of the request was the last to change a value. */
static int scan_sem(struct dump_shared *sh, struct sysv_saved *s, int id)
{
	struct semid_ds ds;
	struct img_sysv_sem *rec;
	unsigned short *values;
	bool ours = false;
	size_t len;

	if (semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }) < 0)
		return errno == EINVAL || errno == EIDRM || errno == EACCES ? 0 :
		       log_errno(-errno, "cannot read SysV semaphore set %d", id);
	for (unsigned long i = 0; i < ds.sem_nsems && !ours; i++)
		ours = is_request_pid(sh, semctl(id, (int)i, GETPID));
	if (!ours)
		return 0;
	len = sizeof(*rec) + ALIGN_UP(ds.sem_nsems * sizeof(*values), (size_t)8);
	rec = xcalloc(1, len);
	perm_fill(&rec->perm, &ds.sem_perm, id);
	rec->perm.flags = 0;
	rec->n_sems = ds.sem_nsems;
	values = (void *)(rec + 1);
	if (semctl(id, 0, GETALL, (union semun){ .array = values }) < 0) {
		free(rec);
		return log_errno(-errno, "cannot read the values of SysV semaphore set %d", id);
	}
	record_add(s, IMG_SYSV_SEM, rec, len);
	return 0;
}

/* A queue's messages, peeked in order (MSG_COPY: by their index). */
static int scan_msg(struct dump_shared *sh, struct sysv_saved *s, int id)
{
	struct msqid_ds ds;
	struct img_sysv_msg *rec;
	struct img_sysv_message *items;
	char *data;
	_cleanup_free_ long *buf = NULL;
	size_t len;

	if (msgctl(id, IPC_STAT, &ds) < 0)
		return errno == EINVAL || errno == EIDRM || errno == EACCES ? 0 :
		       log_errno(-errno, "cannot read SysV message queue %d", id);
	if (!is_request_pid(sh, ds.msg_lspid) && !is_request_pid(sh, ds.msg_lrpid))
		return 0;
	len = sizeof(*rec) + ds.msg_qnum * sizeof(*items) + ds.__msg_cbytes;
	rec = xcalloc(1, len);
	perm_fill(&rec->perm, &ds.msg_perm, id);
	rec->perm.flags = 0;
	rec->qbytes = ds.msg_qbytes;
	items = (void *)(rec + 1);
	data = (char *)(items + ds.msg_qnum);
	/* no message is larger than all of them together */
	buf = xmalloc(sizeof(long) + ds.__msg_cbytes);
	for (msgqnum_t i = 0; i < ds.msg_qnum; i++) {
		ssize_t n = msgrcv(id, buf, ds.__msg_cbytes, (long)i, IPC_NOWAIT | MSG_COPY);

		if (n < 0 || (size_t)n > ds.__msg_cbytes - rec->data_len) {
			free(rec);
			return log_errno(n < 0 ? -errno : -EIO, "cannot peek at message %lu of SysV "
					 "message queue %d%s", (unsigned long)i, id,
					 n < 0 && errno == ENOSYS ? " (the kernel lacks "
					 "CONFIG_CHECKPOINT_RESTORE)" : "");
		}
		items[i] = (struct img_sysv_message){ .type = buf[0], .len = n };
		memcpy(data + rec->data_len, buf + 1, n);
		rec->data_len += n;
		rec->n_msgs++;
	}
	record_add(s, IMG_SYSV_MSG, rec, sizeof(*rec) + rec->n_msgs * sizeof(*items) +
		   rec->data_len);
	return 0;
}

/* Their IPC namespace, entered when it is not ours: setns(2) wants
 * CAP_SYS_ADMIN over it and over our own user namespace, which a user
 * checkpointing what an unprivileged restart made in one lacks. */
static int enter_ipc_ns(const struct dump_shared *sh)
{
	char path[64], ours[64] = "", theirs[64] = "";
	_cleanup_close_ int fd = -1;

	if (readlink("/proc/self/ns/ipc", ours, sizeof(ours) - 1) < 0)
		return 0;	/* no namespaces */
	for (size_t i = 0; i < sh->n_pids && !theirs[0]; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)sh->pids[i].outer);
		if (readlink(path, theirs, sizeof(theirs) - 1) < 0)
			theirs[0] = 0;	/* a zombie's is gone */
		else
			fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	for (size_t i = 0; i < sh->n_pids; i++) {
		char other[64] = "";

		snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)sh->pids[i].outer);
		if (readlink(path, other, sizeof(other) - 1) >= 0 && strcmp(other, theirs))
			return log_errno(-EXDEV, "pid %d is in another IPC namespace than the other "
					 "processes", (int)sh->pids[i].outer);
	}
	if (!theirs[0] || !strcmp(ours, theirs))
		return 0;
	if (fd < 0 || setns(fd, CLONE_NEWIPC) < 0)
		return log_errno(-errno, "cannot enter the IPC namespace of the processes to save "
				 "their SysV IPC objects (a restart without privilege made it: "
				 "checkpoint them as root)");
	return 0;
}

static int sysv_scan(struct dump_shared *sh)
{
	_cleanup_free_ int32_t *sems = NULL, *msgs = NULL;
	size_t n_sems = 0, n_msgs = 0;
	struct sysv_saved *s = sh->sysv = xcalloc(1, sizeof(*sh->sysv));
	int r = enter_ipc_ns(sh);

	if (!r)
		r = scan_shms(sh, s);
	if (!r)
		r = list_ids("sem", &sems, &n_sems);
	for (size_t i = 0; !r && i < n_sems; i++)
		r = scan_sem(sh, s, sems[i]);
	if (!r)
		r = list_ids("msg", &msgs, &n_msgs);
	for (size_t i = 0; !r && i < n_msgs; i++)
		r = scan_msg(sh, s, msgs[i]);
	if (!r && (s->n_shm_ids || s->n_records))
		log_info("SysV IPC: %zu shared memory segments, %zu semaphore sets and queues",
			 s->n_shm_ids, s->n_records);
	return r;
}

/* A segment's record and its pages, read through an attachment of ours. */
static int dump_shm(struct img_writer *w, int32_t id)
{
	struct shmid_ds ds;
	struct img_sysv_shm rec;
	const void *parts[] = { &rec };
	size_t lens[] = { sizeof(rec) };
	uint64_t len;
	void *at;
	int r;

	if (shmctl(id, IPC_STAT, &ds) < 0)
		return log_errno(-errno, "cannot read SysV shared memory %d", id);
	perm_fill(&rec.perm, &ds.shm_perm, id);
	rec.size = ds.shm_segsz;
	len = ALIGN_UP(rec.size, (uint64_t)IMG_PAGE_SIZE);
	r = img_write_record(w, IMG_SYSV_SHM, parts, lens, 1);
	if (r || !len)
		return r;
	at = shmat(id, NULL, SHM_RDONLY);
	if (at == (void *)-1)
		return log_errno(-errno, "cannot attach SysV shared memory %d to save it", id);
	r = img_record_begin(w, IMG_PAGES, len, 1);
	if (!r)
		r = img_record_data(w, at, len);
	if (!r)
		r = img_record_end(w);
	shmdt(at);
	return r;
}

static int sysv_dump_after(struct img_writer *w, struct dump_shared *sh)
{
	const struct sysv_saved *s = sh->sysv;
	int r = 0;

	for (size_t i = 0; !r && s && i < s->n_shm_ids; i++)
		r = dump_shm(w, s->shm_ids[i]);
	for (size_t i = 0; !r && s && i < s->n_records; i++) {
		const void *parts[] = { s->records[i].payload };
		size_t lens[] = { s->records[i].len };

		r = img_write_record(w, s->records[i].tag, parts, lens, 1);
	}
	return r;
}

bool sysv_pages_saved(const struct dump_shared *sh)
{
	return sh->sysv && sh->sysv->n_shm_ids;
}

void sysv_free(struct dump_shared *sh)
{
	struct sysv_saved *s = sh->sysv;

	if (!s)
		return;
	for (size_t i = 0; i < s->n_records; i++)
		free(s->records[i].payload);
	free(s->records);
	free(s->shm_ids);
	free(s);
	sh->sysv = NULL;
}

/* sysv_restart.c */
int sysv_prepare(const struct image *img, struct rst_shared *sh);
void sysv_finish(struct rst_shared *sh, bool restored);

const struct res_ops sysv_ops = {
	.name = "sysv",
	.scan = sysv_scan,
	.dump_after = sysv_dump_after,
	.prepare = sysv_prepare,
	.finish = sysv_finish,
};
