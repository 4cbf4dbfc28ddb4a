/* sysvipc: SysV shared memory, a semaphore set and a message queue that a
 * parent and its child use, checked after a restart.
 *
 * usage: sysvipc KEY READY
 *
 * The parent makes, with keys KEY and KEY+1, a semaphore set of four
 * (3, 0, 7, 1000) and a queue of three messages of types 5, 2 and 9 (the
 * last 3000 bytes); without a key, a segment of five pages and 100 bytes
 * that it fills and attaches, its third page read-only (an attachment in
 * pieces), and a segment of one page that it attaches and marks for
 * removal (IPC_RMID).  Its child inherits both attachments and attaches
 * the first again, read-only, at an address of its own.  It prints the ids
 * ("ids SHM DEST SEM MSG") on stderr before "ready".
 *
 * After ready and SIGUSR1 the parent checks the values, the keys, the
 * segments (their bytes, the second still marked) and the messages, taken
 * in order; then it raises semaphore 1, which the child waits for (in
 * semop, across the checkpoint, never seeing EINTR): the
 * child checks the segments through its attachments, writes a mark into
 * the first and sends its verdict as a message of type 100, which the
 * parent waits for before it looks for the mark.  It removes the objects,
 * then prints PASS or FAIL.
 */
#include "wl.h"

#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>

#define SHM_SIZE (5 * 4096 + 100)
#define MARK_AT (4 * 4096 + 7)
#define BIG 3000

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static const unsigned short values[4] = { 3, 0, 7, 1000 };
static const struct { long type; const char *text; } msgs[] = {
	{ 5, "first" }, { 2, "second, of type 2" }, { 9, NULL /* BIG bytes */ },
};

static int shm_id, dest_id, sem_id, msg_id;
static key_t key;
static unsigned char *shm, *dest;	/* the parent's, inherited */
static pid_t kid;
static shmatt_t nattch;		/* of the first segment, once both attached */

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 4096);
}

static void big_text(char *buf)
{
	for (int i = 0; i < BIG; i++)
		buf[i] = (char)('a' + i % 26);
}

/* The child waits in it across the checkpoint, whose signal interrupts
 * it: the kernel never restarts semop, libcr makes it again (no EINTR). */
static int sem_add(int n, int delta)
{
	struct sembuf op = { .sem_num = n, .sem_op = delta };

	return semop(sem_id, &op, 1);
}

static const char *check_shm(const unsigned char *at, const unsigned char *marked)
{
	for (size_t i = 0; i < SHM_SIZE; i++)
		if (at[i] != pattern(i) && i != MARK_AT)
			return "the shared memory lost its bytes";
	if (strcmp((const char *)marked, "removed, still attached"))
		return "the segment marked for removal lost its bytes";
	return NULL;
}

static void send_msg(long type, const char *text, size_t len)
{
	struct { long type; char text[BIG]; } m = { .type = type };

	memcpy(m.text, text, len);
	if (msgsnd(msg_id, &m, len, 0) < 0)
		wl_die("msgsnd: %s", strerror(errno));
}

/* The child, with an attachment of its own (mine) beside the inherited. */
static __attribute__((noreturn)) void child(const unsigned char *mine)
{
	const char *why;

	if (sem_add(1, -1) < 0)
		wl_die("child semop: %s", strerror(errno));
	why = check_shm(shm, dest);
	if (!why)
		why = check_shm(mine, dest);
	if (!why && mine == shm)
		why = "the child's own attachment moved onto the inherited one";
	if (!why)
		shm[MARK_AT] = 'K';
	why = why ? why : "ok";
	send_msg(100, why, strlen(why) + 1);
	_exit(0);
}

static const char *check_sem(void)
{
	unsigned short now[4];
	struct semid_ds ds;

	if (semget(key, 0, 0) != sem_id)
		return "the semaphore set lost its key or id";
	if (semctl(sem_id, 0, IPC_STAT, (union semun){ .buf = &ds }) < 0 || ds.sem_nsems != 4 ||
	    (ds.sem_perm.mode & 0777) != 0640)
		return "the semaphore set lost its size or mode";
	if (semctl(sem_id, 0, GETALL, (union semun){ .array = now }) < 0 ||
	    memcmp(now, values, sizeof(now)))
		return "the semaphores lost their values";
	return NULL;
}

static const char *check_msgs(void)
{
	struct { long type; char text[BIG + 1]; } m;
	char big[BIG];
	struct msqid_ds ds;

	if (msgget(key + 1, 0) != msg_id)
		return "the queue lost its key or id";
	if (msgctl(msg_id, IPC_STAT, &ds) < 0 || ds.msg_qnum != 3 || ds.msg_qbytes != 12000 ||
	    (ds.msg_perm.mode & 0777) != 0620)
		return "the queue lost its messages, its limit or its mode";
	big_text(big);
	for (size_t i = 0; i < 3; i++) {
		size_t len = msgs[i].text ? strlen(msgs[i].text) : BIG;
		ssize_t n = msgrcv(msg_id, &m, sizeof(m.text), 0, IPC_NOWAIT);

		if (n != (ssize_t)len || m.type != msgs[i].type ||
		    memcmp(m.text, msgs[i].text ? msgs[i].text : big, len))
			return "the messages are not those queued, in order";
	}
	return NULL;
}

static const char *check_all(void)
{
	static struct { long type; char text[256]; } m;	/* its text may be the verdict */
	struct shmid_ds ds;
	const char *why = check_sem();

	if (!why)
		why = check_shm(shm, dest);
	if (!why && (shmctl(dest_id, IPC_STAT, &ds) < 0 || !(ds.shm_perm.mode & SHM_DEST)))
		why = "the segment is no longer marked for removal";
	if (!why && (shmctl(shm_id, IPC_STAT, &ds) < 0 || ds.shm_segsz != SHM_SIZE ||
		     ds.shm_nattch != nattch))
		why = "the shared memory lost its size or its attachments";
	if (!why)
		why = check_msgs();
	if (why)
		return why;
	if (sem_add(1, 1) < 0)
		return "semop on the restored set fails";
	if (msgrcv(msg_id, &m, sizeof(m.text), 100, 0) < 0)
		return "no verdict from the child";
	waitpid(kid, NULL, 0);
	if (strcmp(m.text, "ok"))
		return m.text;	/* static until we exit */
	if (shm[MARK_AT] != 'K')
		return "the child's write does not show in the parent's memory";
	return NULL;
}

static void make_all(void)
{
	shm_id = shmget(IPC_PRIVATE, SHM_SIZE, IPC_CREAT | 0600);
	dest_id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	sem_id = semget(key, 4, IPC_CREAT | IPC_EXCL | 0640);
	msg_id = msgget(key + 1, IPC_CREAT | IPC_EXCL | 0620);
	if (shm_id < 0 || dest_id < 0 || sem_id < 0 || msg_id < 0)
		wl_die("shmget, semget, msgget: %s", strerror(errno));
	shm = shmat(shm_id, NULL, 0);
	dest = shmat(dest_id, NULL, 0);
	if (shm == (void *)-1 || dest == (void *)-1)
		wl_die("shmat: %s", strerror(errno));
	for (size_t i = 0; i < SHM_SIZE; i++)
		shm[i] = pattern(i);
	strcpy((char *)dest, "removed, still attached");
	if (mprotect(shm + 2 * 4096, 4096, PROT_READ) || shmctl(dest_id, IPC_RMID, NULL))
		wl_die("mprotect, IPC_RMID: %s", strerror(errno));
	if (semctl(sem_id, 0, SETALL, (union semun){ .array = (unsigned short *)values }))
		wl_die("SETALL: %s", strerror(errno));
	struct msqid_ds ds;
	char big[BIG];

	if (msgctl(msg_id, IPC_STAT, &ds))
		wl_die("IPC_STAT: %s", strerror(errno));
	ds.msg_qbytes = 12000;
	if (msgctl(msg_id, IPC_SET, &ds))
		wl_die("IPC_SET: %s", strerror(errno));
	big_text(big);
	for (size_t i = 0; i < 3; i++)
		send_msg(msgs[i].type, msgs[i].text ? msgs[i].text : big,
			 msgs[i].text ? strlen(msgs[i].text) : BIG);
}

static void remove_all(void)
{
	shmctl(shm_id, IPC_RMID, NULL);
	semctl(sem_id, 0, IPC_RMID);
	msgctl(msg_id, IPC_RMID, NULL);
	shmdt(dest);
}

int main(int argc, char **argv)
{
	struct shmid_ds ds;
	const char *why;
	int sync[2];
	char line[64];

	if (argc != 3)
		wl_die("usage: sysvipc KEY READY");
	key = (key_t)wl_atol(argv[1], "key");
	wl_setup_usr1(1);
	make_all();
	if (pipe(sync))
		wl_die("pipe: %s", strerror(errno));
	kid = fork();
	if (kid < 0)
		wl_die("fork: %s", strerror(errno));
	if (kid == 0) {
		unsigned char *mine = shmat(shm_id, NULL, SHM_RDONLY);

		if (mine == (void *)-1)
			wl_die("child shmat: %s", strerror(errno));
		wl_fork_sync(sync, kid);
		child(mine);
	}
	wl_fork_sync(sync, kid);
	if (shmctl(shm_id, IPC_STAT, &ds))
		wl_die("IPC_STAT: %s", strerror(errno));
	nattch = ds.shm_nattch;
	snprintf(line, sizeof(line), "ids %d %d %d %d\n", shm_id, dest_id, sem_id, msg_id);
	wl_write_all(STDERR_FILENO, line, strlen(line));
	wl_ready(argv[2]);
	wl_wait_usr1();
	why = check_all();
	remove_all();
	wl_report(why);
	return 0;
}
