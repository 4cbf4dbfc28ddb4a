/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Raw x86_64 system calls for code that must not touch libc: the agent's
 * signal handler (which may interrupt libc itself, and must not clobber the
 * application's errno) and the freestanding restorer blob.
 *
 * Every sys_*() returns the kernel's value: >= 0 on success, -errno on
 * failure.  Nothing here writes errno.
 *
 * Register contract (x86_64 syscall ABI): number in rax, arguments in rdi,
 * rsi, rdx, r10, r8, r9; the kernel clobbers rcx and r11 and returns in rax.
 */
#ifndef UCR_SYS_H
#define UCR_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <asm/unistd.h>

static inline long sys_call6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys_call0(n)			sys_call6(n, 0, 0, 0, 0, 0, 0)
#define sys_call1(n, a)			sys_call6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys_call2(n, a, b)		sys_call6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys_call3(n, a, b, c)		sys_call6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys_call4(n, a, b, c, d)	sys_call6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys_call5(n, a, b, c, d, e)	sys_call6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

static inline long sys_read(int fd, void *buf, size_t len)
{ return sys_call3(__NR_read, fd, buf, len); }
static inline long sys_write(int fd, const void *buf, size_t len)
{ return sys_call3(__NR_write, fd, buf, len); }
static inline long sys_pread(int fd, void *buf, size_t len, uint64_t off)
{ return sys_call4(__NR_pread64, fd, buf, len, off); }
static inline long sys_close(int fd)
{ return sys_call1(__NR_close, fd); }
static inline long sys_memfd_create(const char *name, unsigned int flags)
{ return sys_call2(__NR_memfd_create, name, flags); }
static inline long sys_dup3(int old, int new_fd, int flags)
{ return sys_call3(__NR_dup3, old, new_fd, flags); }
static inline long sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{ return sys_call3(__NR_close_range, first, last, flags); }
static inline long sys_getpid(void)
{ return sys_call0(__NR_getpid); }
static inline long sys_gettid(void)
{ return sys_call0(__NR_gettid); }
static inline long sys_geteuid(void)
{ return sys_call0(__NR_geteuid); }
static inline long sys_brk(unsigned long addr)
{ return sys_call1(__NR_brk, addr); }

static inline long sys_mmap(unsigned long addr, size_t len, int prot, int flags, int fd,
			    uint64_t off)
{ return sys_call6(__NR_mmap, (long)addr, (long)len, prot, flags, fd, (long)off); }
static inline long sys_munmap(unsigned long addr, size_t len)
{ return sys_call2(__NR_munmap, addr, len); }
static inline long sys_mprotect(unsigned long addr, size_t len, int prot)
{ return sys_call3(__NR_mprotect, addr, len, prot); }
static inline long sys_mremap(unsigned long old, size_t old_len, size_t new_len, int flags,
			      unsigned long new_addr)
{ return sys_call5(__NR_mremap, old, old_len, new_len, flags, new_addr); }

/* shmat(2)'s flags, from linux/shm.h, which includes libc's unistd.h */
#define SYS_SHM_RDONLY 010000
#define SYS_SHM_REMAP 040000
#define SYS_SHM_EXEC 0100000
static inline long sys_shmat(int shmid, unsigned long addr, int flags)
{ return sys_call3(__NR_shmat, shmid, addr, flags); }

static inline long sys_madvise(unsigned long addr, size_t len, int advice)
{ return sys_call3(__NR_madvise, addr, len, advice); }
static inline long sys_fallocate(int fd, int mode, uint64_t off, uint64_t len)
{ return sys_call4(__NR_fallocate, fd, mode, off, len); }

static inline long sys_socket(int domain, int type, int proto)
{ return sys_call3(__NR_socket, domain, type, proto); }
static inline long sys_connect(int fd, const void *addr, unsigned int len)
{ return sys_call3(__NR_connect, fd, addr, len); }
static inline long sys_sendto(int fd, const void *buf, size_t len, int flags)
{ return sys_call6(__NR_sendto, fd, (long)buf, (long)len, flags, 0, 0); }
static inline long sys_recvfrom(int fd, void *buf, size_t len, int flags)
{ return sys_call6(__NR_recvfrom, fd, (long)buf, (long)len, flags, 0, 0); }
static inline long sys_getsockopt(int fd, int level, int name, void *val, unsigned int *len)
{ return sys_call5(__NR_getsockopt, fd, level, name, val, len); }
static inline long sys_setsockopt(int fd, int level, int name, const void *val, unsigned int len)
{ return sys_call5(__NR_setsockopt, fd, level, name, val, len); }

/* The kernel's own struct sigaction (not glibc's): mask is one word. */
struct sys_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

static inline long sys_rt_sigaction(int sig, const struct sys_sigaction *act,
				    struct sys_sigaction *old)
{ return sys_call4(__NR_rt_sigaction, sig, act, old, 8); }
static inline long sys_rt_sigprocmask(int how, const uint64_t *set, uint64_t *old)
{ return sys_call4(__NR_rt_sigprocmask, how, set, old, 8); }
static inline long sys_prctl(int opt, unsigned long a2, unsigned long a3, unsigned long a4,
			     unsigned long a5)
{ return sys_call5(__NR_prctl, opt, a2, a3, a4, a5); }
static inline long sys_arch_prctl(int code, unsigned long addr)
{ return sys_call2(__NR_arch_prctl, code, addr); }
static inline long sys_set_tid_address(unsigned long addr)
{ return sys_call1(__NR_set_tid_address, addr); }
static inline long sys_set_robust_list(unsigned long head, size_t len)
{ return sys_call2(__NR_set_robust_list, head, len); }
static inline long sys_get_robust_list(int pid, unsigned long *head, size_t *len)
{ return sys_call3(__NR_get_robust_list, pid, head, len); }
static inline long sys_rseq(unsigned long addr, uint32_t len, int flags, uint32_t sig)
{ return sys_call4(__NR_rseq, addr, len, flags, sig); }
static inline long sys_prlimit(int pid, int res, const void *new_lim, void *old_lim)
{ return sys_call4(__NR_prlimit64, pid, res, new_lim, old_lim); }
static inline long sys_sigaltstack(const void *ss, void *old)
{ return sys_call2(__NR_sigaltstack, ss, old); }
/* capset(2) with the _LINUX_CAPABILITY_VERSION_3 header: the calling
 * thread's sets, two words each */
static inline long sys_capset(const uint32_t effective[2], const uint32_t permitted[2],
			      const uint32_t inheritable[2])
{
	uint32_t header[2] = { 0x20080522, 0 };
	uint32_t data[6] = { effective[0], permitted[0], inheritable[0],
			     effective[1], permitted[1], inheritable[1] };

	return sys_call2(__NR_capset, header, data);
}
static inline long sys_setgroups(size_t n, const uint32_t *groups)
{ return sys_call2(__NR_setgroups, n, groups); }
static inline long sys_setresuid(uint32_t r, uint32_t e, uint32_t s)
{ return sys_call3(__NR_setresuid, r, e, s); }
static inline long sys_setresgid(uint32_t r, uint32_t e, uint32_t s)
{ return sys_call3(__NR_setresgid, r, e, s); }
static inline long sys_openat(int dirfd, const char *path, int flags)
{ return sys_call4(__NR_openat, dirfd, path, flags, 0); }
static inline long sys_getdents64(int fd, void *buf, size_t len)
{ return sys_call3(__NR_getdents64, fd, buf, len); }
static inline long sys_tgkill(int pid, int tid, int sig)
{ return sys_call3(__NR_tgkill, pid, tid, sig); }
static inline long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, const void *info)
{ return sys_call4(__NR_rt_tgsigqueueinfo, tgid, tid, sig, info); }
static inline long sys_rt_sigqueueinfo(int tgid, int sig, const void *info)
{ return sys_call3(__NR_rt_sigqueueinfo, tgid, sig, info); }
static inline long sys_rt_sigtimedwait(const uint64_t *set, void *info, const void *timeout)
{ return sys_call4(__NR_rt_sigtimedwait, set, info, timeout, 8); }
static inline long sys_getitimer(int which, void *cur)
{ return sys_call2(__NR_getitimer, which, cur); }
static inline long sys_setitimer(int which, const void *new_value, void *old)
{ return sys_call3(__NR_setitimer, which, new_value, old); }
static inline long sys_timer_create(int clock, const void *sev, int *ret_id)
{ return sys_call3(__NR_timer_create, clock, sev, ret_id); }
static inline long sys_timer_gettime(int id, void *cur)
{ return sys_call2(__NR_timer_gettime, id, cur); }
static inline long sys_timer_settime(int id, int flags, const void *new_value, void *old)
{ return sys_call4(__NR_timer_settime, id, flags, new_value, old); }
/* 0xffffffff reads the persona without changing it */
static inline long sys_personality(unsigned long persona)
{ return sys_call1(__NR_personality, persona); }
static inline long sys_futex(int32_t *addr, int op, int val, const void *timeout)
{ return sys_call4(__NR_futex, addr, op, val, timeout); }
static inline long sys_clock_gettime(int clock, void *ts)
{ return sys_call2(__NR_clock_gettime, clock, ts); }
static inline long sys_sched_setscheduler(int tid, int policy, const void *param)
{ return sys_call3(__NR_sched_setscheduler, tid, policy, param); }
static inline long sys_sched_setaffinity(int tid, size_t len, const void *mask)
{ return sys_call3(__NR_sched_setaffinity, tid, len, mask); }
static inline long sys_setpriority(int which, int who, int prio)
{ return sys_call3(__NR_setpriority, which, who, prio); }
static inline long sys_kill(int pid, int sig)
{ return sys_call2(__NR_kill, pid, sig); }
static inline long sys_fcntl(int fd, int cmd, const void *arg)
{ return sys_call3(__NR_fcntl, fd, cmd, arg); }
static inline long sys_flock(int fd, int op)
{ return sys_call2(__NR_flock, fd, op); }
static inline long sys_exit_group(int code)
{ return sys_call1(__NR_exit_group, code); }
static inline long sys_pipe2(int fds[2], int flags)
{ return sys_call2(__NR_pipe2, fds, flags); }
static inline long sys_wait4(int pid, int *status, int options)
{ return sys_call6(__NR_wait4, pid, (long)status, options, 0, 0, 0); }

#endif
