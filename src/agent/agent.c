/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The agent: the only ucr code inside a checkpointed process.
 *
 * A request arrives as sigqueue(pid, CR_SIGNUM, token) from a dumper.  The
 * handler connects to the dumper's abstract socket named from the token,
 * runs the callbacks, parks the thread for the dumper (which reads the
 * memory meanwhile) and resumes when told, or when the dumper goes away.
 *
 * Everything reached from the handler is async-signal-safe: raw system
 * calls from sys.h (which never write errno) and static memory only.
 */
#include <asm/prctl.h>
#include <linux/prctl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "agent.h"
#include "../common/sys.h"

/* Waiting for the dumper's request after hello; the dumper answers at once. */
#define AGENT_HANDSHAKE_TIMEOUT_SEC 10

AGENT_HIDDEN struct agent_request agent_req;
AGENT_HIDDEN struct agent_state agent_state;
static struct ucr_msg agent_msg;
static int agent_sock = -1;
static int agent_busy;
static int agent_omit;

/* Builds "\0<prefix><pid>.<token>"; async-signal-safe. */
static unsigned int agent_sock_name(struct sockaddr_un *sa, const char *prefix, uint32_t pid,
				    uint32_t token)
{
	char *p = sa->sun_path;
	uint32_t parts[2] = { pid, token };

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	*p++ = 0;
	while (*prefix)
		*p++ = *prefix++;
	for (int i = 0; i < 2; i++) {
		char digits[10];
		int n = 0;
		uint32_t v = parts[i];

		do
			digits[n++] = '0' + v % 10;
		while (v /= 10);
		while (n)
			*p++ = digits[--n];
		if (i == 0)
			*p++ = '.';
	}
	return offsetof(struct sockaddr_un, sun_path) + (p - sa->sun_path);
}

static int agent_connect(const char *prefix, uint32_t pid, uint32_t token)
{
	struct sockaddr_un sa;
	unsigned int len = agent_sock_name(&sa, prefix, pid, token);
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

static int agent_send(int fd, uint32_t type, int32_t code, uint64_t addr)
{
	struct ucr_msg *m = &agent_msg;

	memset(m, 0, offsetof(struct ucr_msg, path));
	m->type = type;
	m->version = UCR_PROTO_VERSION;
	m->pid = sys_getpid();
	m->code = code;
	m->addr = addr;
	return sys_sendto(fd, m, offsetof(struct ucr_msg, path), MSG_NOSIGNAL) < 0 ? -1 : 0;
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
	t->tid = sys_gettid();
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

static void agent_save_process(void)
{
	for (int sig = 1; sig <= UCR_NSIG; sig++)
		sys_rt_sigaction(sig, NULL, (struct sys_sigaction *)&agent_state.sigactions[sig - 1]);
	agent_state.brk = sys_brk(0);
	agent_state.sock_fd = agent_sock;
	agent_state.n_threads = 1;
}

/*
 * The innermost step of the callback chain: park this thread until the
 * dumper has read us.  Returns 0 when continuing, 1 in a restarted process.
 */
static unsigned long agent_generation;
static int64_t agent_downtime;

unsigned long agent_checkpoint_generation(void)
{
	return __atomic_load_n(&agent_generation, __ATOMIC_ACQUIRE);
}

int64_t agent_downtime_ns(void)
{
	return __atomic_load_n(&agent_downtime, __ATOMIC_ACQUIRE);
}

int agent_take_checkpoint(void)
{
	struct agent_thread *t = &agent_state.threads[0];

	agent_save_thread(t);
	agent_save_process();
	if (agent_save_context(&t->resume) == 0) {
		if (agent_send(agent_sock, UCR_MSG_READY, 0, (uint64_t)&agent_state) < 0)
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
	agent_req.restarted = 1;
	agent_req.rstrt_info.requester = agent_state.restart.requester;
	agent_req.rstrt_info.src = agent_state.restart.src;
	__atomic_add_fetch(&agent_generation, 1, __ATOMIC_RELEASE);
	return 1;
}

static void agent_report_restored(void)
{
	int fd = agent_connect(UCR_SOCK_RSTRT, agent_state.restart.requester,
			       agent_state.restart.token);

	if (fd < 0)
		return;
	agent_send(fd, UCR_MSG_RESTORED, 0, 0);
	sys_close(fd);
}

/* Serves a request; false when the signal was not one (no such requester). */
static bool agent_serve(uint32_t requester, uint32_t token)
{
	struct timeval tv = { .tv_sec = AGENT_HANDSHAKE_TIMEOUT_SEC };
	struct timeval none = { 0 };
	int fail_code = 0;

	agent_sock = agent_connect(UCR_SOCK_CKPT, requester, token);
	if (agent_sock < 0)
		return false;
	sys_setsockopt(agent_sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (agent_send(agent_sock, UCR_MSG_HELLO, 0, (uint64_t)&agent_state) < 0 ||
	    agent_recv(agent_sock) != UCR_MSG_REQUEST)
		goto out;
	sys_setsockopt(agent_sock, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	if (agent_omit) {
		agent_send(agent_sock, UCR_MSG_FAIL, CR_EOMITTED, 0);
		goto out;
	}

	memcpy(agent_req.dest, agent_msg.path, sizeof(agent_req.dest));
	agent_req.dest[sizeof(agent_req.dest) - 1] = 0;
	agent_req.ckpt_info = (struct cr_checkpoint_info){
		.signal = agent_msg.signal,
		.dest = agent_req.dest,
		.requester = (pid_t)requester,
		.target = agent_msg.pid,
		.scope = (cr_scope_t)agent_msg.code,
	};
	agent_req.restarted = 0;
	agent_req.active = 1;
	agent_run_callbacks(&fail_code);
	agent_req.active = 0;
	if (fail_code)
		agent_send(agent_sock, UCR_MSG_FAIL, fail_code, 0);
	if (agent_req.restarted)
		agent_report_restored();
out:
	if (agent_sock >= 0)
		sys_close(agent_sock);
	agent_sock = -1;
	return true;
}

static void agent_handler(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	bool served = false;

	/* A request is a sigqueue() whose token names a requester's socket;
	 * anything else (the program's own raise(), kill() or sigqueue() of
	 * this signal) goes where the program said. */
	if (si->si_code == SI_QUEUE && !__atomic_exchange_n(&agent_busy, 1, __ATOMIC_ACQUIRE)) {
		served = agent_serve((uint32_t)si->si_pid, (uint32_t)si->si_value.sival_int);
		__atomic_store_n(&agent_busy, 0, __ATOMIC_RELEASE);
	}
	if (!served)
		interpose_forward(sig, si, uc);
	/* callbacks are application code and may have set errno */
	errno = saved_errno;
}

/* Called by libcr_omit's constructor: answer every request with "omit". */
void ucr_agent_set_omit(void)
{
	agent_omit = 1;
}

__attribute__((constructor)) static void agent_load(void)
{
	struct sigaction sa;

	agent_state.magic = UCR_STATE_MAGIC;
	agent_state.version = UCR_STATE_VERSION;
	agent_state.trampoline = (uint64_t)agent_resume_trampoline;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = agent_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	interpose_real_sigaction(CR_SIGNUM, &sa, NULL);
}
