/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The agent: the only ucr code inside a checkpointed process.
 *
 * A request arrives as sigqueue(pid, CR_SIGNUM, token) from a dumper.  The
 * handler connects to the dumper's abstract socket named from the token
 * and takes the request; it, or libcr's callback thread (callbacks.c),
 * runs the callbacks and parks every thread for the dumper (park.c), which
 * reads the memory meanwhile; all resume when told, or when the dumper
 * goes away.  This file is the handler and the agent's side of the
 * protocol (hello, request, ready, continue or abort, fail, busy, forward,
 * restored).
 *
 * Everything reached from the handler is async-signal-safe: raw system
 * calls from sys.h (which never write errno) and static memory only.
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/memfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "agent.h"
#include "../common/sys.h"

/* Waiting for the dumper's request after hello; the dumper answers at once. */
#define AGENT_HANDSHAKE_TIMEOUT_SEC 10
/* A new request waits at most this for one that is ending (agent_take_busy). */
#define AGENT_ENDING_WAIT_NS (1000 * 1000000LL)

AGENT_HIDDEN struct agent_request agent_req;
AGENT_HIDDEN struct agent_state agent_state;
static struct ucr_msg agent_msg;
static int agent_sock = -1;
static int agent_busy;
static int agent_ending;		/* the request served has released its threads */
static int agent_busy_fd = -1;		/* the request's mark (agent_abi.h) */
static unsigned long agent_generation;	/* checkpoints the process went through */
static int64_t agent_downtime;		/* ns spent checkpointed, not running */
static int agent_omit;

long agent_connect(const char *prefix, uint32_t pid, uint32_t token)
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
	    (cred.pid != 0 && (int)cred.pid != (int)pid) ||
	    (cred.uid != 0 && cred.uid != (uint32_t)sys_geteuid())) {
		/* not the requester it claims, or not allowed to ask; a
		 * requester outside our pid namespace (we were restarted
		 * without privilege) has pid 0 here, and only its uid and
		 * the socket's random name vouch for it */
		sys_close(fd);
		return -EPERM;
	}
	return fd;
}

/* Marks the request being served in /proc/PID/fd, for the dumpers whose
 * signal no thread of ours takes meanwhile (each blocks it while in a
 * callback or parked).  Async-signal-safe. */
static void agent_mark_busy(uint32_t token)
{
	char name[48];
	long fd;

	ucr_sock_name(name, UCR_BUSY_MEMFD, 0, token);
	fd = sys_memfd_create(name + 1, MFD_CLOEXEC);
	agent_busy_fd = fd < 0 ? -1 : (int)fd;
}

static void agent_unmark_busy(void)
{
	if (agent_busy_fd >= 0)
		sys_close(agent_busy_fd);
	agent_busy_fd = -1;
}

/*
 * Once a request has released the threads, all its callbacks done, it is
 * over for the program: a thread that reaped it may ask for the next one
 * at once (BLCR's cr_tryenter_cs does so thousands of times, and its
 * callbacks' output went missing with each request turned away).  What is
 * left is the serving thread's own bookkeeping, a few system calls, which
 * a loaded machine can still hold up for a time slice or more.  So the
 * mark goes now, and a request that comes meanwhile waits for the end
 * instead of being refused as busy.  Async-signal-safe.
 */
static void agent_request_ending(void)
{
	agent_unmark_busy();
	__atomic_store_n(&agent_ending, 1, __ATOMIC_RELEASE);
}

/* Takes agent_busy for a new request: false while another request is
 * served, after waiting for one that is ending.  Async-signal-safe. */
static bool agent_take_busy(void)
{
	int64_t deadline = agent_monotonic_ns() + AGENT_ENDING_WAIT_NS;
	const struct timespec tick = { .tv_nsec = 1000000 };

	while (__atomic_exchange_n(&agent_busy, 1, __ATOMIC_ACQUIRE)) {
		if (!__atomic_load_n(&agent_ending, __ATOMIC_ACQUIRE) ||
		    agent_monotonic_ns() > deadline)
			return false;
		/* nothing wakes this wait: it looks again every tick */
		sys_futex(&agent_busy, FUTEX_WAIT_PRIVATE, 1, &tick);
	}
	__atomic_store_n(&agent_ending, 0, __ATOMIC_RELEASE);
	return true;
}

/* Sends the header of a message built in m. */
int agent_send_in(struct ucr_msg *m, int fd, uint32_t type, int32_t pid, int32_t code,
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

static int agent_saved_pid;	/* the pid at the checkpoint */
/* Who sent the request being served (whose socket it came on), and the
 * token that names its socket. */
static uint32_t agent_requester, agent_token;

static void agent_save_process(void)
{
	agent_saved_pid = (int)sys_getpid();
	for (int sig = 1; sig <= UCR_NSIG; sig++)
		sys_rt_sigaction(sig, NULL, (struct sys_sigaction *)&agent_state.sigactions[sig - 1]);
	for (int i = 0; i < UCR_NRLIMIT; i++)
		sys_prlimit(0, i, NULL, &agent_state.rlimits[i]);
	agent_state.brk = sys_brk(0);
	agent_state.private_fds[0] = agent_sock;
	agent_state.private_fds[1] = agent_busy_fd;
	agent_state.n_private_fds = 2 + request_private_fds(agent_state.private_fds + 2,
							    UCR_MAX_PRIVATE_FDS - 2);
	agent_state.parked_at_ns = agent_monotonic_ns();
}

/*
 * A restart is done when the image is back, before any code of the
 * program runs: the process says so at once, so that a program whose
 * restart callbacks exec, exit or block does not hold cr_restart.  (The
 * signal cr_restart asks for comes after the callbacks: agent_serve_now.)
 */
static void agent_report_restored(void)
{
	static struct ucr_msg msg;	/* not the request's: its fields stay */
	long fd = agent_connect(UCR_SOCK_RSTRT, agent_state.restart.requester,
				agent_state.restart.token), n = -1;

	/* cr_restart answers once every process of the restart is back.  A
	 * restart that failed elsewhere, or whose cr_restart was killed,
	 * closes the socket without a word: then this process was not
	 * restored, and must not run on half of a tree. */
	if (fd >= 0 && agent_send_in(&msg, (int)fd, UCR_MSG_RESTORED, sys_getpid(), 0, 0) == 0)
		do
			n = sys_recvfrom((int)fd, &msg, sizeof(msg), 0);
		while (n == -EINTR);
	if (fd >= 0)
		sys_close((int)fd);
	if (n < (long)offsetof(struct ucr_msg, path) || msg.version != UCR_PROTO_VERSION ||
	    msg.type != UCR_MSG_CONTINUE)
		for (;;)
			sys_kill((int)sys_getpid(), SIGKILL);
}

/* After a restart: once every other thread has left the restorer, unmap it. */
static void agent_restarted(void)
{
	park_restarted();
	sys_munmap(agent_state.restart.blob_start, agent_state.restart.blob_len);
	if ((int)sys_getpid() != agent_saved_pid)
		agent_callbacks_repid(agent_saved_pid, (int)sys_getpid());
	procstate_restore();
	/* CLOCK_MONOTONIC minus the downtime continues the process's own
	 * time; after a reboot the clock starts again and this is negative */
	__atomic_add_fetch(&agent_downtime,
			   agent_monotonic_ns() - agent_state.parked_at_ns,
			   __ATOMIC_RELEASE);
}

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
	int r = park_all();

	if (r < 0)
		return r;
	procstate_save();
	if (procstate_overflowed())
		return -EOPNOTSUPP;	/* a restart would lose some */
	agent_save_process();
	if (agent_save_context(&t->resume) == 0) {
		if (agent_send(agent_sock, UCR_MSG_READY, sys_getpid(), 0, (uint64_t)&agent_state) < 0)
			return -CR_ETEMPFAIL;
		/* Parked.  No timeout: writing a large image takes its time, and
		 * a dumper that dies closes the socket, which ends the wait.
		 * Under --cow the dumper first asks for a holder of our memory. */
		uint32_t type;

		while ((type = agent_recv(agent_sock)) == UCR_MSG_HOLD)
			if (agent_send(agent_sock, UCR_MSG_HELD, sys_getpid(),
				       agent_hold(agent_requester, agent_token), 0) < 0)
				return -CR_ETEMPFAIL;
		if (type != UCR_MSG_CONTINUE)
			return -CR_ETEMPFAIL;
		agent_req.post_signal = agent_msg.code;
		__atomic_add_fetch(&agent_generation, 1, __ATOMIC_RELEASE);
		return 0;
	}
	/* Restarted: the restorer filled agent_state.restart.  The request
	 * socket and the mark were not restored, and their numbers may be the
	 * program's now; the restart is a request until its callbacks end. */
	agent_sock = -1;
	agent_busy_fd = -1;
	agent_restarted();
	request_restarted();	/* first: it takes back the numbers of libcr's handles */
	agent_mark_busy(agent_state.restart.token);
	agent_report_restored();
	agent_req.restarted = 1;
	/* what cr_restart asks for, not what the checkpoint did */
	agent_req.post_signal = agent_state.restart.post_signal;
	agent_req.stop_after = 0;
	agent_req.rstrt_info.requester = agent_state.restart.caller ?
					 agent_state.restart.caller : agent_state.restart.requester;
	agent_req.rstrt_info.src = agent_state.restart.src;
	__atomic_add_fetch(&agent_generation, 1, __ATOMIC_RELEASE);
	return 1;
}

/* The innermost step of the serving thread's callback chain: every thread
 * parked until the dumper has read us.  0 when continuing, 1 in a restarted
 * process, -CR_E* when it failed. */
int agent_take_checkpoint(void)
{
	int r = agent_take_checkpoint_parked();

	/* failed: threads that come late to park must not stay parked */
	if (r < 0)
		park_close();
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

/*
 * cr_checkpoint(CR_CHECKPOINT_PERM_FAILURE): as under BLCR it does not
 * return.  The refusal goes to the requester at once, which SIGKILLs every
 * process of the request once it has read it; until then this thread waits
 * on the socket, and kills its process itself if the requester went away.
 */
void agent_fail_permanently(int code)
{
	/* its own buffer: another thread's callback may be forwarding */
	static struct ucr_msg perm_msg;
	int fd = agent_sock;

	if (fd >= 0 && agent_send_in(&perm_msg, fd, UCR_MSG_FAIL, sys_getpid(), code,
				     CR_CHECKPOINT_PERM_FAILURE) == 0)
		while (sys_recvfrom(fd, &perm_msg, sizeof(perm_msg), 0) > 0)
			;
	for (;;)
		sys_kill((int)sys_getpid(), SIGKILL);
}


/*
 * Runs a request to its end: callbacks, park, and the answer.  Called in
 * the handler, or, when a critical section deferred the request, by the
 * thread that leaves the last one; either way with every signal blocked,
 * which a restart gives back as it was before.
 */
void agent_serve_now(void)
{
	uint64_t all = ~0ULL, old;
	int fail_code = 0, post_signal;

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
	agent_req.stop_after = agent_msg.addr != 0;
	agent_req.post_signal = 0;
	agent_req.active = 1;
	procstate_reset();
	agent_req.fail_kind = 0;
	if (agent_run_callbacks(&fail_code) < 0 && !fail_code)
		fail_code = CR_ETEMPFAIL;	/* could not park every thread */
	agent_req.active = 0;
	/* after every callback, as under BLCR: --stop, -S..., or a stop the
	 * process was in; read now, before another request may take agent_req */
	post_signal = agent_req.post_signal ? agent_req.post_signal :
		      agent_req.stop_after ? SIGSTOP : 0;
	agent_request_ending();	/* before the threads run: they may ask again */
	/* every thread waited for the callbacks to finish (BLCR's default) */
	park_release();
	if (fail_code)
		agent_send(agent_sock, UCR_MSG_FAIL, sys_getpid(), fail_code, agent_req.fail_kind);
	if (agent_sock >= 0)
		sys_close(agent_sock);
	agent_sock = -1;
	agent_cs_done();
	agent_unmark_busy();
	__atomic_store_n(&agent_busy, 0, __ATOMIC_RELEASE);
	/* pending until the mask is the program's again */
	if (post_signal)
		sys_kill((int)sys_getpid(), post_signal);
	sys_rt_sigprocmask(SIG_SETMASK, &old, NULL);
}

void agent_serve_taken(void)
{
	if (!agent_delegate())
		agent_serve_now();
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
	agent_mark_busy(token);
	agent_requester = requester;
	agent_token = token;
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
		agent_serve_taken();
	return true;
out:
	sys_close(agent_sock);
	agent_sock = -1;
	agent_unmark_busy();
	__atomic_store_n(&agent_busy, 0, __ATOMIC_RELEASE);
	return true;
}

static void agent_handler(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	bool served = false;

	if (park_on_signal(si)) {
		errno = saved_errno;
		return;
	}
	/* A request is a sigqueue() whose token names a requester's socket;
	 * anything else (the program's own raise(), kill() or sigqueue() of
	 * this signal) goes where the program said. */
	if (si->si_code == SI_QUEUE && agent_take_busy()) {
		/* agent_busy stays set until the request is over */
		served = agent_serve(ucr_request_pid(si->si_pid, si->si_value.sival_ptr),
				     (uint32_t)si->si_value.sival_int);
		if (!served)
			__atomic_store_n(&agent_busy, 0, __ATOMIC_RELEASE);
	} else if (si->si_code == SI_QUEUE) {
		/* a second requester while one is served: tell it so at once */
		int fd = agent_connect(UCR_SOCK_CKPT,
				       ucr_request_pid(si->si_pid, si->si_value.sival_ptr),
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
 * child's, the threads that held critical sections or ran callbacks did
 * not follow, and the parent's registrations are not the child's.  (A fork
 * from inside a callback leaves the child in that callback, on its own.)
 */
static void agent_after_fork(void)
{
	if (agent_sock >= 0)
		sys_close(agent_sock);
	agent_sock = -1;
	agent_unmark_busy();
	agent_req.active = 0;
	park_close();
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
	/* the image before an execve() blocked it across the call (execwrap.c):
	 * a request that came meanwhile is served now */
	sys_rt_sigprocmask(SIG_UNBLOCK, &(uint64_t){ CR_SIGNUM_BIT }, NULL);
	pthread_atfork(NULL, NULL, agent_after_fork);
}
