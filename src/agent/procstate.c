/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * State that only the process itself can read and set again, kept by the
 * agent in its own memory across a checkpoint (the memory image carries it
 * to a restart): pending signals, interval timers, POSIX timers, and the
 * process-wide prctl settings (per-thread ones are in the thread records).
 *
 * Pending signals are taken off the queues while the process is parked
 * (rt_sigtimedwait with a zero timeout) and queued again, with their
 * siginfo, when it continues or once it is restored: each thread its own,
 * the leader those of the whole process.  Timers keep running on continue
 * and are armed again after a restart, POSIX timers with their ids
 * (PR_TIMER_CREATE_RESTORE_IDS), so a program's timer_t stays valid.
 *
 * Everything here runs in the checkpoint signal handler: raw system calls
 * and static memory only.
 */
#include <linux/prctl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "agent.h"
#include "../common/sys.h"

#define PENDING_FIRST 1024	/* siginfos kept in static memory; more grow it */
#define TIMERS_MAX 64
#define PR_TIMER_CREATE_RESTORE_IDS 77	/* Linux 6.16; not in older headers */

struct pending {
	int32_t record;		/* thread record index, -1 for the process */
	int32_t sig;
	siginfo_t info;
};

struct posix_timer {
	int32_t id;
	int32_t clock;
	int32_t notify;		/* SIGEV_SIGNAL, SIGEV_THREAD_ID or SIGEV_NONE */
	int32_t tid;		/* SIGEV_THREAD_ID's thread */
	int32_t signo;
	uint64_t value;		/* sigev_value */
	struct { struct timespec interval, value; } spec;
};

/*
 * Every pending signal is taken off its queue and kept here (each thread
 * takes its own, parking threads at once, hence the lock); past the static
 * array the store moves to a larger anonymous mapping (raw mmap, in the
 * handler), which is saved with the rest of the process.  So none is left
 * queued behind, and their order holds on continue and after a restart.
 */
static struct pending pending_static[PENDING_FIRST];
static struct pending *pending = pending_static;
static int pending_cap = PENDING_FIRST;
static int n_pending;
static cr_spinlock_t pending_lock = CR_SPINLOCK_INITIALIZER;
static struct itimerval itimers[3];
static struct posix_timer timers[TIMERS_MAX];
static int n_timers;
/* More timers than kept: the checkpoint is refused rather than a restart
 * that would lose them. */
static bool overflowed;
static struct {
	long dumpable, subreaper, no_new_privs, thp_disable;
	unsigned long personality;
} prctls;

/* ---- reading /proc/self without libc ------------------------------------- */

/* The whole file, as much as fits (a read of /proc stops at a page). */
static long read_proc(const char *path, char *buf, size_t len)
{
	long fd = sys_openat(-100 /* AT_FDCWD */, path, 0 /* O_RDONLY */);
	long n = 0, got;

	if (fd < 0)
		return fd;
	while ((size_t)n < len - 1 && (got = sys_read(fd, buf + n, len - 1 - n)) > 0)
		n += got;
	sys_close(fd);
	buf[n] = 0;
	return n;
}

/* From s, at or before a line start: just past the line that starts with key. */
static const char *skip_to(const char *s, const char *key)
{
	size_t k = strlen(key);

	while (*s) {
		if (!strncmp(s, key, k))
			return s + k;
		while (*s && *s != '\n')
			s++;
		if (*s)
			s++;
	}
	return NULL;
}

static uint64_t parse_hex(const char **sp)
{
	const char *s = *sp;
	uint64_t v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	for (;; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' :
			*s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;

		if (d < 0)
			break;
		v = v << 4 | d;
	}
	*sp = s;
	return v;
}

static int64_t parse_dec(const char **sp)
{
	const char *s = *sp;
	int64_t v = 0, sign = 1;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-') {
		sign = -1;
		s++;
	}
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	*sp = s;
	return sign * v;
}

/* The SigPnd (a thread's own) or ShdPnd (the process's) mask. */
static uint64_t pending_mask(bool shared)
{
	static char buf[2048], path[64];
	char *p = path;
	const char *pre = "/proc/self/task/", *at;
	long tid = sys_gettid();
	char digits[12];
	int n = 0;

	if (shared) {
		if (read_proc("/proc/self/status", buf, sizeof(buf)) <= 0)
			return 0;
		at = skip_to(buf, "ShdPnd:");
	} else {
		while (*pre)
			*p++ = *pre++;
		do
			digits[n++] = '0' + tid % 10;
		while (tid /= 10);
		while (n)
			*p++ = digits[--n];
		memcpy(p, "/status", 8);
		if (read_proc(path, buf, sizeof(buf)) <= 0)
			return 0;
		at = skip_to(buf, "SigPnd:");
	}
	return at ? parse_hex(&at) : 0;
}

/* ---- pending signals -------------------------------------------------------- */

void procstate_reset(void)
{
	n_pending = 0;
	overflowed = false;
}

bool procstate_overflowed(void)
{
	return overflowed;
}

/* Room for twice as many (under pending_lock); 0 or -errno. */
static int pending_grow(void)
{
	size_t len = 2 * (size_t)pending_cap * sizeof(*pending);
	long map = sys_mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (map < 0 && map > -4096)
		return (int)map;
	memcpy((void *)map, pending, pending_cap * sizeof(*pending));
	if (pending != pending_static)
		sys_munmap((unsigned long)pending, pending_cap * sizeof(*pending));
	pending = (struct pending *)map;
	pending_cap *= 2;
	return 0;
}

/*
 * Takes the signals pending for this thread (shared: for the process) off
 * their queue.  A signal in both queues is taken from the thread's first,
 * so the mask is read again after each one.
 */
void procstate_save_pending(int record, bool shared)
{
	for (;;) {
		uint64_t mask = pending_mask(shared) & ~CR_SIGNUM_BIT;
		int sig = mask ? __builtin_ctzll(mask) + 1 : 0;
		struct timespec zero = { 0, 0 };
		uint64_t set = 1ULL << (sig - 1);
		struct pending *p;

		if (!sig)
			return;
		cr_spinlock_lock(&pending_lock);
		if (n_pending == pending_cap && pending_grow() < 0) {
			overflowed = true;	/* no memory: the rest stays queued */
			cr_spinlock_unlock(&pending_lock);
			return;
		}
		p = &pending[n_pending++];
		p->record = shared ? -1 : record;
		p->sig = sys_rt_sigtimedwait(&set, &p->info, &zero) == sig ? sig : 0;
		cr_spinlock_unlock(&pending_lock);
		if (!p->sig)
			return;
	}
}

/* Queues again what procstate_save_pending() took, with its siginfo. */
void procstate_restore_pending(int record, bool shared)
{
	int n = n_pending;
	long pid = sys_getpid(), tid = sys_gettid();

	for (int i = 0; i < n; i++) {
		struct pending *p = &pending[i];

		if (!p->sig || p->record != (shared ? -1 : record))
			continue;
		/* a process may queue any siginfo to itself */
		if (shared)
			sys_rt_sigqueueinfo(pid, p->sig, &p->info);
		else
			sys_rt_tgsigqueueinfo(pid, tid, p->sig, &p->info);
	}
}

/* ---- timers ------------------------------------------------------------------- */

static void save_posix_timers(void)
{
	static char buf[8192];
	const char *s = buf;

	long n;

	n_timers = 0;
	n = read_proc("/proc/self/timers", buf, sizeof(buf));
	if (n <= 0)
		return;
	if (n == sizeof(buf) - 1)
		overflowed = true;	/* the list may go on past the buffer */
	while ((s = skip_to(s, "ID:")) && n_timers < TIMERS_MAX) {
		struct posix_timer *t = &timers[n_timers];

		t->id = parse_dec(&s);
		if (!(s = skip_to(s, "signal:")))
			break;
		t->signo = parse_dec(&s);
		s++;	/* '/' */
		t->value = parse_hex(&s);
		if (!(s = skip_to(s, "notify:")))
			break;
		while (*s == ' ')
			s++;
		t->notify = !strncmp(s, "thread", 6) ? SIGEV_THREAD_ID :
			    !strncmp(s, "signal", 6) ? SIGEV_SIGNAL : SIGEV_NONE;
		while (*s && *s != '.')
			s++;
		s++;
		t->tid = parse_dec(&s);
		if (!(s = skip_to(s, "ClockID:")))
			break;
		t->clock = parse_dec(&s);
		if (sys_timer_gettime(t->id, &t->spec) == 0)
			n_timers++;
	}
	/* the loop's skip_to() found one more than it keeps */
	if (s && n_timers == TIMERS_MAX)
		overflowed = true;
}

static void restore_posix_timers(void)
{
	if (!n_timers)
		return;
	/* timer_create takes the id it is given, so timer_t values hold */
	sys_prctl(PR_TIMER_CREATE_RESTORE_IDS, 1, 0, 0, 0);
	for (int i = 0; i < n_timers; i++) {
		struct posix_timer *t = &timers[i];
		struct sigevent sev;
		int id = t->id;

		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = t->notify;
		sev.sigev_signo = t->signo;
		sev.sigev_value.sival_ptr = (void *)t->value;
		sev._sigev_un._tid = t->tid;
		if (sys_timer_create(t->clock, &sev, &id) == 0 && id == t->id &&
		    (t->spec.value.tv_sec || t->spec.value.tv_nsec))
			sys_timer_settime(id, 0, &t->spec, NULL);
	}
	sys_prctl(PR_TIMER_CREATE_RESTORE_IDS, 0, 0, 0, 0);
}

/* ---- the whole process, by the leader ---------------------------------------- */

void procstate_save(void)
{
	for (int which = 0; which < 3; which++)
		sys_getitimer(which, &itimers[which]);
	save_posix_timers();
	prctls.dumpable = sys_prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	sys_prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)&prctls.subreaper, 0, 0, 0);
	prctls.no_new_privs = sys_prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	prctls.thp_disable = sys_prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
	prctls.personality = sys_personality(0xffffffffUL);
}

/* After a restart: what the new process does not have yet. */
void procstate_restore(void)
{
	for (int which = 0; which < 3; which++)
		if (itimers[which].it_value.tv_sec || itimers[which].it_value.tv_usec)
			sys_setitimer(which, &itimers[which], NULL);
	restore_posix_timers();
	if (prctls.dumpable >= 0)
		sys_prctl(PR_SET_DUMPABLE, prctls.dumpable, 0, 0, 0);
	sys_prctl(PR_SET_CHILD_SUBREAPER, prctls.subreaper, 0, 0, 0);
	if (prctls.no_new_privs == 1)
		sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (prctls.thp_disable >= 0)
		sys_prctl(PR_SET_THP_DISABLE, prctls.thp_disable, 0, 0, 0);
	if ((long)prctls.personality >= 0)
		sys_personality(prctls.personality);
}
