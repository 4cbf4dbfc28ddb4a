/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The agent: the only ucr code inside a checkpointed process.
 *
 * A request arrives as sigqueue(pid, CR_SIGNUM, token) from a dumper.  The
 * handler connects to the dumper's abstract socket named from the token
 * and takes the request; it, or libcr's callback thread (callbacks.c),
 * runs the callbacks and parks every thread for the dumper (which reads
 * the memory meanwhile); all resume when told, or when the dumper goes
 * away.
 *
 * Everything reached from the handler is async-signal-safe: raw system
 * calls from sys.h (which never write errno) and static memory only.
 */
#include <asm/prctl.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/prctl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <dirent.h>
#include <pthread.h>
#include <time.h>

#include "agent.h"
#include "../common/sys.h"

/* Waiting for the dumper's request after hello; the dumper answers at once. */
#define AGENT_HANDSHAKE_TIMEOUT_SEC 10

AGENT_HIDDEN struct agent_request agent_req;
AGENT_HIDDEN struct agent_state agent_state;
static struct ucr_msg agent_msg;
static int agent_sock = -1;
static int agent_busy;
static int agent_n_records;		/* thread records in use */
static unsigned long agent_generation;	/* checkpoints the process went through */
static int64_t agent_downtime;		/* ns spent checkpointed, not running */
static int agent_omit;

static int agent_connect(const char *prefix, uint32_t pid, uint32_t token)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned int len = offsetof(struct sockaddr_un, sun_path) +
			   ucr_sock_name(sa.sun_path, prefix, pid, token);
	struct ucred cred;
	unsigned int cred_len = sizeof(cred);
	long fd;

	fd = sys_socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	if (sys_connect(fd, &sa, len) < 0 ||
	    sys_getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0 ||
	    (int)cred.pid != (int)pid ||
	    (cred.uid != 0 && cred.uid != (uint32_t)sys_geteuid())) {
		/* not the requester it claims, or not allowed to ask */
		sys_close(fd);
		return -EPERM;
	}
	return fd;
}

/* Sends the header of a message built in m. */
static int agent_send_in(struct ucr_msg *m, int fd, uint32_t type, int32_t pid, int32_t code,
			 uint64_t addr)
{
	memset(m, 0, offsetof(struct ucr_msg, path));
	m->type = type;
	m->version = UCR_PROTO_VERSION;
	m->pid = pid;
	m->code = code;
	m->addr = addr;
	return sys_sendto(fd, m, offsetof(struct ucr_msg, path), MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Sends a message of the request being served. */
static int agent_send(int fd, uint32_t type, int32_t pid, int32_t code, uint64_t addr)
{
	return agent_send_in(&agent_msg, fd, type, pid, code, addr);
}

/* The next message from the dumper; 0 type on end of file or error. */
static uint32_t agent_recv(int fd)
{
	long n = sys_recvfrom(fd, &agent_msg, sizeof(agent_msg), 0);

	if (n < (long)offsetof(struct ucr_msg, path) || agent_msg.version != UCR_PROTO_VERSION)
		return 0;
	return agent_msg.type;
}

/* What only this thread can see, for the restorer to set again. */
static void agent_save_thread(struct agent_thread *t)
{
	stack_t ss;

	t->tid = sys_gettid();
	sys_prctl(PR_GET_PDEATHSIG, (unsigned long)&t->pdeathsig, 0, 0, 0);
	t->timer_slack = sys_prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	if (sys_sigaltstack(NULL, &ss) == 0) {
		t->ss_sp = (uint64_t)ss.ss_sp;
		t->ss_size = ss.ss_size;
		t->ss_flags = ss.ss_flags;
	}
	sys_arch_prctl(ARCH_GET_FS, (unsigned long)&t->fsbase);
	sys_arch_prctl(ARCH_GET_GS, (unsigned long)&t->gsbase);
	sys_prctl(PR_GET_TID_ADDRESS, (unsigned long)&t->tid_address, 0, 0, 0);
	sys_get_robust_list(0, (unsigned long *)&t->robust_head, (size_t *)&t->robust_len);
	/* glibc registers one rseq area per thread at a fixed offset from the
	 * thread pointer; __rseq_size is 0 when it did not */
	t->rseq_addr = 0;
	t->rseq_len = 0;
	if (__rseq_size) {
		t->rseq_addr = (uint64_t)((char *)__builtin_thread_pointer() + __rseq_offset);
		/* the kernel takes the original 32-byte layout at least */
		t->rseq_len = __rseq_size < 32 ? 32 : __rseq_size;
		t->rseq_sig = RSEQ_SIG;
	}
}

/* After a restart, in each thread: what the restorer did not set, and
 * its new tid where it has one (cr_restart --no-restore-pid). */
static void agent_restore_thread(const struct agent_thread *t)
{
	int tid = (int)sys_gettid();

	if (tid != t->tid)
		agent_callbacks_retid(t->tid, tid);
	sys_prctl(PR_SET_PDEATHSIG, t->pdeathsig, 0, 0, 0);
	if (t->timer_slack > 0)
		sys_prctl(PR_SET_TIMERSLACK, t->timer_slack, 0, 0, 0);
}

static int64_t agent_now_ns(int clock)
{
	struct timespec ts;

	sys_clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int agent_saved_pid;	/* the pid at the checkpoint */

static void agent_save_process(void)
{
	agent_saved_pid = (int)sys_getpid();
	for (int sig = 1; sig <= UCR_NSIG; sig++)
		sys_rt_sigaction(sig, NULL, (struct sys_sigaction *)&agent_state.sigactions[sig - 1]);
	for (int i = 0; i < UCR_NRLIMIT; i++)
		sys_prlimit(0, i, NULL, &agent_state.rlimits[i]);
	agent_state.brk = sys_brk(0);
	agent_state.private_fds[0] = agent_sock;
	agent_state.n_private_fds = 1 + request_private_fds(agent_state.private_fds + 1,
							    UCR_MAX_PRIVATE_FDS - 1);
	agent_state.n_threads = agent_n_records;
	agent_state.parked_at_ns = agent_now_ns(CLOCK_MONOTONIC);
}

/* ---- parking the other threads --------------------------------------------
 *
 * The thread serving the request (the leader) sends the checkpoint signal to
 * every other thread with tgkill; a thread that gets it from its own process
 * while a request is open parks: it saves its record and resume point and
 * waits on a futex.  The leader re-reads /proc/self/task until every thread
 * it finds has parked.  After "continue", or after a restart once every
 * thread is back in the agent, the leader releases them all at once.
 */
#define PARK_TIMEOUT_NS (10 * 1000000000LL)

static int agent_park_open;		/* a request is parking threads */
/* Park signals are queued with PARK_TAG | serial in their value: one that
 * arrives after its request ended (a thread that had the signal blocked
 * past the time-out) is recognised and dropped, instead of reaching the
 * program's disposition for the signal.  A program's own sigqueue() of
 * this signal to itself with such a value would be dropped too. */
#define PARK_TAG 0x75630000	/* "uc" */
#define PARK_TAG_MASK 0xffff0000
static int agent_park_serial;
static int agent_park_gen;		/* futex: moves to release parked threads */
static int agent_n_parked;		/* futex: threads parked */
static int agent_n_resumed;		/* futex: restored threads back in the agent */
static int agent_signalled[UCR_MAX_THREADS];
static int agent_n_signalled;

static void agent_futex_wake(int *addr)
{
	sys_futex(addr, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
}

/* Waits while *addr == val, at most ns. */
static void agent_futex_wait(int *addr, int val, int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

	sys_futex(addr, FUTEX_WAIT_PRIVATE, val, ns ? &ts : NULL);
}

static bool agent_was_signalled(int tid)
{
	for (int i = 0; i < agent_n_signalled; i++)
		if (agent_signalled[i] == tid)
			return true;
	return false;
}

/* Signals the threads not signalled yet; the number of new ones, or -errno. */
static int agent_signal_new_threads(int self)
{
	static char buf[4096];
	int pid = sys_getpid(), found = 0;
	long fd = sys_openat(AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return fd;
	while ((n = sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (void *)(buf + off);
			int tid = 0;

			off += d->d_reclen;
			for (const char *c = d->d_name; *c >= '0' && *c <= '9'; c++)
				tid = tid * 10 + (*c - '0');
			if (tid <= 0 || tid == self || agent_was_signalled(tid))
				continue;
			if (agent_n_signalled == UCR_MAX_THREADS) {
				sys_close(fd);
				return -E2BIG;
			}
			siginfo_t si = {
				.si_signo = CR_SIGNUM, .si_code = SI_QUEUE,
			};

			si.si_pid = pid;
			si.si_uid = sys_geteuid();
			si.si_value.sival_int = PARK_TAG | (agent_park_serial & 0xffff);
			if (sys_rt_tgsigqueueinfo(pid, tid, CR_SIGNUM, &si) == 0) {
				agent_signalled[agent_n_signalled++] = tid;
				found++;
			}
		}
	}
	sys_close(fd);
	return n < 0 ? (int)n : found;
}

/* Signalled threads that still exist (one that exited will never park). */
static int agent_live_signalled(void)
{
	int pid = sys_getpid(), live = 0;

	for (int i = 0; i < agent_n_signalled; i++)
		if (sys_tgkill(pid, agent_signalled[i], 0) == 0)
			live++;
	return live;
}

static int agent_park_others(void)
{
	int64_t deadline = agent_now_ns(CLOCK_MONOTONIC) + PARK_TIMEOUT_NS;
	int self = sys_gettid(), r;

	do {
		r = agent_signal_new_threads(self);
		if (r < 0)
			return r;
		for (;;) {
			int parked = __atomic_load_n(&agent_n_parked, __ATOMIC_ACQUIRE);

			if (parked >= agent_live_signalled())
				break;
			if (agent_now_ns(CLOCK_MONOTONIC) > deadline)
				return -ETIMEDOUT;	/* a thread blocks the signal? */
			agent_futex_wait(&agent_n_parked, parked, 100000000LL);
		}
	} while (r > 0);	/* until a pass finds no new thread */
	return __atomic_load_n(&agent_n_records, __ATOMIC_ACQUIRE) > UCR_MAX_THREADS ? -E2BIG : 0;
}

static void agent_release_threads(void)
{
	/* the leader's own and the process's pending signals, queued again */
	procstate_restore_pending(0, false);
	procstate_restore_pending(-1, true);
	__atomic_store_n(&agent_park_open, 0, __ATOMIC_RELEASE);
	__atomic_add_fetch(&agent_park_gen, 1, __ATOMIC_RELEASE);
	agent_futex_wake(&agent_park_gen);
}

/* The end of the checkpoint, for the threads waiting in their chains. */
static int agent_over_gen;		/* futex */
static int agent_over_result;

int agent_checkpoint_over_gen(void)
{
	return __atomic_load_n(&agent_over_gen, __ATOMIC_ACQUIRE);
}

void agent_checkpoint_over(int result)
{
	__atomic_store_n(&agent_over_result, result, __ATOMIC_RELEASE);
	__atomic_add_fetch(&agent_over_gen, 1, __ATOMIC_RELEASE);
	agent_futex_wake(&agent_over_gen);
}

int agent_wait_checkpoint_over(int gen)
{
	while (__atomic_load_n(&agent_over_gen, __ATOMIC_ACQUIRE) == gen)
		agent_futex_wait(&agent_over_gen, gen, 0);
	return __atomic_load_n(&agent_over_result, __ATOMIC_ACQUIRE);
}

/* A thread's first refusal while parking ends the request (0: none). */
static int agent_park_fail;

struct park {
	struct agent_thread *t;
	int over_gen;
	int serial;		/* the request it parks for */
};

/* Counts the calling thread as parked, if its request still runs. */
static bool agent_count_parked(int serial)
{
	if ((__atomic_load_n(&agent_park_serial, __ATOMIC_ACQUIRE) & 0xffff) != serial)
		return false;	/* it timed out on us: the next one is not ours */
	__atomic_add_fetch(&agent_n_parked, 1, __ATOMIC_RELEASE);
	agent_futex_wake(&agent_n_parked);
	return true;
}

/* The innermost step of a parking thread: parked until the checkpoint is
 * over; 0 continue, 1 restarted, < 0 failed. */
static int agent_park_here(void *arg)
{
	struct park *p = arg;

	if (!p->t || agent_save_context(&p->t->resume) == 0) {
		if (!agent_count_parked(p->serial))
			return -CR_ETEMPFAIL;
	} else {
		/* restarted: off the restorer's stack, tell the leader */
		agent_restore_thread(p->t);
		__atomic_add_fetch(&agent_n_resumed, 1, __ATOMIC_RELEASE);
		agent_futex_wake(&agent_n_resumed);
	}
	return agent_wait_checkpoint_over(p->over_gen);
}

/*
 * A thread other than the leader, in its handler: runs its signal-context
 * callbacks, parks, and after the checkpoint waits (unless cr_hold_ctrl()
 * says otherwise) until every callback of the process is done.
 */
static void agent_park(int serial)
{
	int idx = __atomic_fetch_add(&agent_n_records, 1, __ATOMIC_ACQ_REL);
	int gen = __atomic_load_n(&agent_park_gen, __ATOMIC_ACQUIRE);
	struct park p = {
		.t = idx < UCR_MAX_THREADS ? &agent_state.threads[idx] : NULL,
		.over_gen = agent_checkpoint_over_gen(),
		.serial = serial,
	};
	enum agent_thread_kind kind;
	int fail, r;

	if (p.t) {
		p.t->leader = 0;
		agent_save_thread(p.t);
		procstate_save_pending(idx, false);
	}
	r = agent_thread_callbacks(agent_park_here, &p, &fail, &kind);
	if (fail) {
		/* refused before parking: counts as parked, and ends it all */
		int none = 0;

		if ((__atomic_load_n(&agent_park_serial, __ATOMIC_ACQUIRE) & 0xffff) == serial)
			__atomic_compare_exchange_n(&agent_park_fail, &none, fail, false,
						    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		r = agent_count_parked(serial) ? agent_wait_checkpoint_over(p.over_gen) : -fail;
	}
	agent_run_hook(kind, r);
	if (agent_thread_held(r > 0))
		while (__atomic_load_n(&agent_park_gen, __ATOMIC_ACQUIRE) == gen)
			agent_futex_wait(&agent_park_gen, gen, 0);
	if (p.t)
		procstate_restore_pending(idx, false);
}

/* After a restart: once every other thread has left the restorer, unmap it. */
static void agent_restarted(void)
{
	int want = (int)agent_state.n_threads - 1, now;

	while ((now = __atomic_load_n(&agent_n_resumed, __ATOMIC_ACQUIRE)) < want)
		agent_futex_wait(&agent_n_resumed, now, 0);
	sys_munmap(agent_state.restart.blob_start, agent_state.restart.blob_len);
	if ((int)sys_getpid() != agent_saved_pid)
		agent_callbacks_repid(agent_saved_pid, (int)sys_getpid());
	procstate_restore();
	/* CLOCK_MONOTONIC minus the downtime continues the process's own
	 * time; after a reboot the clock starts again and this is negative */
	__atomic_add_fetch(&agent_downtime,
			   agent_now_ns(CLOCK_MONOTONIC) - agent_state.parked_at_ns,
			   __ATOMIC_RELEASE);
}

/*
 * The innermost step of the callback chain: park this thread until the
 * dumper has read us.  Returns 0 when continuing, 1 in a restarted process.
 */
unsigned long agent_checkpoint_generation(void)
{
	return __atomic_load_n(&agent_generation, __ATOMIC_ACQUIRE);
}

int64_t agent_downtime_ns(void)
{
	return __atomic_load_n(&agent_downtime, __ATOMIC_ACQUIRE);
}

/* Parks every thread, reads as the dumper wants, and resumes. */
static int agent_take_checkpoint_parked(void)
{
	struct agent_thread *t = &agent_state.threads[0];

	agent_n_records = 1;
	agent_n_parked = agent_n_resumed = agent_n_signalled = 0;
	agent_park_fail = 0;
	t->leader = 1;
	agent_save_thread(t);
	__atomic_add_fetch(&agent_park_serial, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&agent_park_open, 1, __ATOMIC_RELEASE);
	if (agent_park_others() < 0)
		return -CR_ETEMPFAIL;
	if (__atomic_load_n(&agent_park_fail, __ATOMIC_ACQUIRE))
		return -agent_park_fail;	/* a thread's callback refused */
	procstate_save_pending(0, false);
	procstate_save_pending(-1, true);
	procstate_save();
	if (procstate_overflowed())
		return -EOPNOTSUPP;	/* a restart would lose some */
	agent_save_process();
	if (agent_save_context(&t->resume) == 0) {
		if (agent_send(agent_sock, UCR_MSG_READY, sys_getpid(), 0, (uint64_t)&agent_state) < 0)
			return -CR_ETEMPFAIL;
		/* Parked.  No timeout: writing a large image takes its time, and
		 * a dumper that dies closes the socket, which ends the wait. */
		if (agent_recv(agent_sock) != UCR_MSG_CONTINUE)
			return -CR_ETEMPFAIL;
		__atomic_add_fetch(&agent_generation, 1, __ATOMIC_RELEASE);
		return 0;
	}
	/* Restarted: the restorer filled agent_state.restart.  The request
	 * socket was not restored, and its number may be the program's now. */
	agent_sock = -1;
	agent_restore_thread(t);
	agent_restarted();
	request_restarted();
	agent_req.restarted = 1;
	agent_req.rstrt_info.requester = agent_state.restart.caller ?
					 agent_state.restart.caller : agent_state.restart.requester;
	agent_req.rstrt_info.src = agent_state.restart.src;
	__atomic_add_fetch(&agent_generation, 1, __ATOMIC_RELEASE);
	return 1;
}

int agent_take_checkpoint(void)
{
	int r = agent_take_checkpoint_parked();

	/* failed: threads that come late to park must not stay parked */
	if (r < 0)
		__atomic_store_n(&agent_park_open, 0, __ATOMIC_RELEASE);
	return r;
}

int agent_forward(cr_scope_t scope, pid_t target)
{
	/* callbacks of several threads may forward at once: one at a time */
	static cr_spinlock_t lock = CR_SPINLOCK_INITIALIZER;
	int r;

	if (agent_sock < 0)
		return -CR_ENOTCB;
	cr_spinlock_lock(&lock);
	if (agent_send(agent_sock, UCR_MSG_FORWARD, target, scope, 0) < 0 ||
	    agent_recv(agent_sock) != UCR_MSG_FORWARDED)
		r = -EPIPE;
	else
		r = agent_msg.code;
	cr_spinlock_unlock(&lock);
	return r;
}

static void agent_report_restored(void)
{
	int fd = agent_connect(UCR_SOCK_RSTRT, agent_state.restart.requester,
			       agent_state.restart.token);

	if (fd < 0)
		return;
	agent_send(fd, UCR_MSG_RESTORED, sys_getpid(), 0, 0);
	sys_close(fd);
}

/* Serves a request; false when the signal was not one (no such requester). */
static uint32_t agent_requester;

/*
 * Runs a request to its end: callbacks, park, and the answer.  Called in
 * the handler, or, when a critical section deferred the request, by the
 * thread that leaves the last one; either way with every signal blocked,
 * which a restart gives back as it was before.
 */
static void agent_serve_rest(void)
{
	uint64_t all = ~0ULL, old;
	int fail_code = 0;

	sys_rt_sigprocmask(SIG_BLOCK, &all, &old);
	memcpy(agent_req.dest, agent_msg.path, sizeof(agent_req.dest));
	agent_req.dest[sizeof(agent_req.dest) - 1] = 0;
	agent_req.ckpt_info = (struct cr_checkpoint_info){
		.signal = agent_msg.signal,
		.dest = agent_req.dest,
		.requester = agent_msg.requester ? agent_msg.requester : (pid_t)agent_requester,
		.target = agent_msg.pid,
		.scope = (cr_scope_t)agent_msg.code,
	};
	agent_req.restarted = 0;
	agent_req.active = 1;
	procstate_reset();
	agent_req.fail_kind = 0;
	if (agent_run_callbacks(&fail_code) < 0 && !fail_code)
		fail_code = CR_ETEMPFAIL;	/* could not park every thread */
	agent_req.active = 0;
	/* every thread waited for the callbacks to finish (BLCR's default) */
	agent_release_threads();
	if (fail_code)
		agent_send(agent_sock, UCR_MSG_FAIL, sys_getpid(), fail_code, agent_req.fail_kind);
	if (agent_req.restarted)
		agent_report_restored();
	if (agent_sock >= 0)
		sys_close(agent_sock);
	agent_sock = -1;
	agent_cs_done();
	__atomic_store_n(&agent_busy, 0, __ATOMIC_RELEASE);
	sys_rt_sigprocmask(SIG_SETMASK, &old, NULL);
}

void agent_serve_now(void)
{
	agent_serve_rest();
}

/* The request taken goes to the callback thread, or is served here. */
static void agent_dispatch(void)
{
	if (!agent_delegate())
		agent_serve_rest();
}

void agent_serve_deferred(void)
{
	agent_dispatch();
}

/*
 * Takes a request: false when the signal was not one (no such requester).
 * The request is served at once, or once the last critical section ends.
 */
static bool agent_serve(uint32_t requester, uint32_t token)
{
	struct timeval tv = { .tv_sec = AGENT_HANDSHAKE_TIMEOUT_SEC };
	struct timeval none = { 0 };

	agent_sock = agent_connect(UCR_SOCK_CKPT, requester, token);
	if (agent_sock < 0)
		return false;
	agent_requester = requester;
	sys_setsockopt(agent_sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (agent_send(agent_sock, UCR_MSG_HELLO, sys_getpid(), 0, (uint64_t)&agent_state) < 0 ||
	    agent_recv(agent_sock) != UCR_MSG_REQUEST)
		goto out;
	sys_setsockopt(agent_sock, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	if (agent_omit) {
		agent_send(agent_sock, UCR_MSG_FAIL, sys_getpid(), CR_EOMITTED, CR_CHECKPOINT_OMIT);
		goto out;
	}
	if (!agent_cs_defer())
		agent_dispatch();
	return true;
out:
	sys_close(agent_sock);
	agent_sock = -1;
	__atomic_store_n(&agent_busy, 0, __ATOMIC_RELEASE);
	return true;
}

static void agent_handler(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	bool served = false;

	if (si->si_code == SI_QUEUE && si->si_pid == sys_getpid() &&
	    ((unsigned int)si->si_value.sival_int & PARK_TAG_MASK) == PARK_TAG) {
		int serial = si->si_value.sival_int & 0xffff;

		if (__atomic_load_n(&agent_park_open, __ATOMIC_ACQUIRE) &&
		    serial == (__atomic_load_n(&agent_park_serial, __ATOMIC_ACQUIRE) & 0xffff))
			agent_park(serial);
		errno = saved_errno;
		return;
	}
	/* A request is a sigqueue() whose token names a requester's socket;
	 * anything else (the program's own raise(), kill() or sigqueue() of
	 * this signal) goes where the program said. */
	if (si->si_code == SI_QUEUE && !__atomic_exchange_n(&agent_busy, 1, __ATOMIC_ACQUIRE)) {
		/* agent_busy stays set until the request is over */
		served = agent_serve((uint32_t)si->si_pid, (uint32_t)si->si_value.sival_int);
		if (!served)
			__atomic_store_n(&agent_busy, 0, __ATOMIC_RELEASE);
	} else if (si->si_code == SI_QUEUE) {
		/* a second requester while one is served: tell it so at once */
		int fd = agent_connect(UCR_SOCK_CKPT, (uint32_t)si->si_pid,
				       (uint32_t)si->si_value.sival_int);

		/* its own buffer: another thread may be serving a request */
		static struct ucr_msg busy_msg;
		static int busy_msg_taken;

		if (fd >= 0) {
			if (!__atomic_exchange_n(&busy_msg_taken, 1, __ATOMIC_ACQUIRE)) {
				agent_send_in(&busy_msg, fd, UCR_MSG_BUSY, sys_getpid(), 0, 0);
				__atomic_store_n(&busy_msg_taken, 0, __ATOMIC_RELEASE);
			}
			sys_close(fd);
			served = true;
		}
	}
	if (!served)
		sigwrap_forward(sig, si, uc);
	/* callbacks are application code and may have set errno */
	errno = saved_errno;
}

/* Called by libcr_omit's constructor: answer every request with "omit". */
void ucr_agent_set_omit(void)
{
	agent_omit = 1;
}

/*
 * In the child of a fork(): a request the parent was serving is not the
 * child's, and the threads that held critical sections or ran callbacks
 * did not follow.  (A fork from inside a callback leaves the child in that
 * callback, on its own.)
 */
static void agent_after_fork(void)
{
	if (agent_sock >= 0)
		sys_close(agent_sock);
	agent_sock = -1;
	agent_req.active = 0;
	__atomic_store_n(&agent_park_open, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&agent_busy, 0, __ATOMIC_RELEASE);
	agent_cs_after_fork();
	agent_callbacks_after_fork();
}

__attribute__((constructor)) static void agent_load(void)
{
	struct sigaction sa;

	agent_state.magic = UCR_STATE_MAGIC;
	agent_state.version = UCR_STATE_VERSION;
	agent_state.trampoline = (uint64_t)agent_resume_thread;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = agent_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	/* libc's: the program's sigaction() never installs CR_SIGNUM */
	libc()->sigaction(CR_SIGNUM, &sa, NULL);
	pthread_atfork(NULL, NULL, agent_after_fork);
}
