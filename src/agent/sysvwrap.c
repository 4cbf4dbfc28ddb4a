/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SysV IPC waits, resumed when a checkpoint interrupts them: Linux
 * never restarts semop, semtimedop, msgrcv and msgsnd after a signal
 * handler, SA_RESTART or not (signal(7)), so the checkpoint's signal, and
 * the interrupted frame a restart resumes, would end them with EINTR.
 * Each is atomic (nothing of it is done when it fails), so it is made
 * again, as sleepwrap.c makes the sleeping calls again, when the EINTR
 * was the agent's alone; semtimedop with the time it has left.
 */
#include <errno.h>
#include <sys/msg.h>
#include <sys/sem.h>

#include "agent.h"

struct sem_args {
	int id;
	struct sembuf *sops;
	size_t n;
	const struct timespec *tmo;
	struct timespec cur;
};

static int sem_attempt(const struct attempt *at, void *p)
{
	struct sem_args *a = p;

	return libc()->semtimedop(a->id, a->sops, a->n, sleepwrap_attempt_ts(at, a->tmo, &a->cur));
}

int semtimedop(int id, struct sembuf *sops, size_t n, const struct timespec *tmo)
{
	struct sem_args a = { .id = id, .sops = sops, .n = n, .tmo = tmo };

	return sleepwrap_call(sem_attempt, &a, sleepwrap_ts_to_ns(tmo), NULL);
}

int semop(int id, struct sembuf *sops, size_t n)
{
	return semtimedop(id, sops, n, NULL);
}

struct msg_args {
	int id;
	void *msg;
	size_t size;
	long type;
	int flags;
	ssize_t got;		/* msgrcv's count, which an int may not hold */
};

static int msgrcv_attempt(const struct attempt *at, void *p)
{
	struct msg_args *a = p;

	(void)at;
	a->got = libc()->msgrcv(a->id, a->msg, a->size, a->type, a->flags);
	return a->got < 0 ? -1 : 0;
}

ssize_t msgrcv(int id, void *msg, size_t size, long type, int flags)
{
	struct msg_args a = { .id = id, .msg = msg, .size = size, .type = type, .flags = flags };

	return sleepwrap_call(msgrcv_attempt, &a, -1, NULL) < 0 ? -1 : a.got;
}

static int msgsnd_attempt(const struct attempt *at, void *p)
{
	const struct msg_args *a = p;

	(void)at;
	return libc()->msgsnd(a->id, a->msg, a->size, a->flags);
}

int msgsnd(int id, const void *msg, size_t size, int flags)
{
	struct msg_args a = { .id = id, .msg = (void *)msg, .size = size, .flags = flags };

	return sleepwrap_call(msgsnd_attempt, &a, -1, NULL);
}
