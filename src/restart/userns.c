/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A restart without privilege: when cr_restart may not choose pids
 * (clone3's set_tid) nor set the executable of a process (PR_SET_MM_MAP's
 * exe_fd), both of which need CAP_CHECKPOINT_RESTORE in the user namespace
 * that owns the pid namespace, it restores inside namespaces of its own,
 * which any user may create:
 *
 *  - a user namespace that maps the user's uid and gid to themselves, so
 *    that getuid(), file ownership and permissions look the same, and in
 *    which cr_restart holds every capability (over that namespace only);
 *  - with the saved pids, a pid namespace for the children: its pid 1 is
 *    a fork of cr_restart that reaps orphans and ends with cr_restart; the
 *    restored processes are created in it with their saved pids;
 *  - a time namespace whose offset makes CLOCK_MONOTONIC (and
 *    CLOCK_BOOTTIME) go on from where they were at the checkpoint;
 *  - when the file holds SysV IPC objects, an IPC namespace, in which
 *    cr_restart may make them again with their ids (res/sysv_restart.c):
 *    cr_restart enters it too, and only the restored processes see them.
 *
 * cr_restart itself stays in the user's pid namespace, process group and
 * session: it is still the parent the user waits for, and the restored
 * processes are in its group, under the pids `ps' shows outside.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "userns.h"
#include "common/util.h"

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

static bool cap_effective(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[cap / 32].effective & (1U << (cap % 32));
}

bool userns_needed(void)
{
	return !cap_effective(CAP_CHECKPOINT_RESTORE) && !cap_effective(CAP_SYS_ADMIN);
}

static int write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		return -errno;
	return 0;
}

/* The user namespace, the user mapped to themselves. */
static int enter_user_ns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int r;

	if (unshare(CLONE_NEWUSER) < 0) {
		int err = errno;

		if (err == ENOSPC || err == EPERM || err == EUSERS)
			return log_errno(-err, "cannot restart without privileges: this system does "
					 "not let users create user namespaces (user.max_user_namespaces, "
					 "or a security module); ask the administrator to allow them, "
					 "or restart as root");
		return log_errno(-err, "cannot create a user namespace for the restart");
	}
	/* a user without privilege must give up setgroups() to map a gid */
	r = write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (!r)
		r = write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (!r)
		r = write_file("/proc/self/gid_map", map);
	if (r)
		return log_errno(r, "cannot map uid %u and gid %u into the restart's user namespace",
				 (unsigned)uid, (unsigned)gid);
	return 0;
}

/* The time namespace of the children: CLOCK_MONOTONIC reads parked_ns
 * again now.  CLOCK_BOOTTIME moves by the same offset: it differs from
 * CLOCK_MONOTONIC by the time the machine slept, which a checkpoint does
 * not record. */
static int enter_time_ns(int64_t parked_ns)
{
	struct timespec now;
	char offsets[128];
	int64_t off, sec, nsec;
	int r;

	if (unshare(CLONE_NEWTIME) < 0)
		return log_errno(-errno, "cannot create a time namespace for the restart");
	clock_gettime(CLOCK_MONOTONIC, &now);
	off = parked_ns - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	sec = off / 1000000000;
	nsec = off % 1000000000;
	if (nsec < 0) {
		sec--;
		nsec += 1000000000;
	}
	snprintf(offsets, sizeof(offsets), "monotonic %lld %lld\nboottime %lld %lld\n",
		 (long long)sec, (long long)nsec, (long long)sec, (long long)nsec);
	r = write_file("/proc/self/timens_offsets", offsets);
	if (r)
		return log_errno(r, "cannot set the clocks of the restart's time namespace");
	return 0;
}

/*
 * pid 1 of the new pid namespace: it reaps what is orphaned there.  Until
 * the restart is over (SIGUSR1) it ends if cr_restart does (SIGUSR2, as its
 * parent-death signal: its parent is outside its namespace, where getppid()
 * cannot see it), and the half-restored processes with it; after, it ends
 * once it is alone, so that the namespace lives as long as a restored
 * process does (beyond cr_restart, which a libcr request does not keep).
 */
static __attribute__((noreturn)) void init_main(void)
{
	const struct timespec second = { 1, 0 };
	bool restarted = false;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	prctl(PR_SET_PDEATHSIG, SIGUSR2);
	close_range(0, ~0U, 0);
	prctl(PR_SET_NAME, "ucr-init");
	for (;;) {
		int sig;

		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (restarted && kill(-1, 0) < 0 && errno == ESRCH)
			_exit(0);
		sig = sigtimedwait(&set, NULL, &second);
		if (sig == SIGUSR1)
			restarted = true;
		else if (sig == SIGUSR2 && !restarted)
			_exit(1);
	}
}

/* A network namespace whose loopback is up: the TCP and UDP sockets of
 * the file are made again there, on its loopback addresses. */
static int enter_net_ns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	_cleanup_close_ int sk = -1;

	if (unshare(CLONE_NEWNET) < 0)
		return log_errno(-errno, "cannot create a network namespace for the restart");
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0 || ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
		return log_errno(-errno, "cannot find the loopback of the restart's network namespace");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
		return log_errno(-errno, "cannot bring up the loopback of the restart's network "
				 "namespace");
	return 0;
}

int userns_enter(struct restart_ns *ns, bool new_pids, bool new_net, bool new_ipc,
		 int64_t parked_ns)
{
	int r;

	*ns = (struct restart_ns){ .active = true, .init = -1 };
	r = enter_user_ns();
	if (!r && new_net)
		r = enter_net_ns();
	if (r)
		return r;
	/* where we may set the ids of the SysV IPC objects we make
	 * (*_next_id needs CAP_CHECKPOINT_RESTORE over its namespace) */
	if (new_ipc && unshare(CLONE_NEWIPC) < 0)
		return log_errno(-errno, "cannot create an IPC namespace for the restart");
	if (new_pids && unshare(CLONE_NEWPID) < 0)
		return log_errno(-errno, "cannot create a pid namespace for the restart");
	r = enter_time_ns(parked_ns);
	if (r)
		return r;
	if (!new_pids)
		return 0;
	/* before any restored process: the first child is the pid 1 */
	ns->init = fork();
	if (ns->init == 0)
		init_main();
	if (ns->init < 0)
		return log_errno(-errno, "cannot start pid 1 of the restart's pid namespace");
	return 0;
}

int userns_child_setup(void)
{
	/* outside mounts still propagate in; ours do not go out */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return log_errno(-errno, "cannot mount a /proc of the restart's pid namespace");
	return 0;
}

void userns_restarted(const struct restart_ns *ns)
{
	if (ns->init > 0)
		kill(ns->init, SIGUSR1);
}

void userns_kill(struct restart_ns *ns)
{
	if (ns->init <= 0)
		return;
	/* the end of pid 1 kills every process of its namespace */
	kill(ns->init, SIGKILL);
	waitpid(ns->init, NULL, 0);
	ns->init = -1;
}

/* The pid of process outer in its own (innermost) pid namespace, -1. */
static pid_t innermost_pid(pid_t outer)
{
	char path[64], line[256];
	pid_t inner = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)outer);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6)) {
			char *last = strrchr(line, '\t');

			inner = last ? atoi(last + 1) : -1;
			break;
		}
	fclose(f);
	return inner;
}

static bool same_pid_ns(pid_t pid, const char *ns)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = 0;
	return !strcmp(link, ns);
}

pid_t userns_outer_pid(const struct restart_ns *ns, pid_t inner)
{
	char path[64], want[64];
	pid_t found = -1;
	struct dirent *d;
	ssize_t n;
	DIR *proc;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)ns->init);
	n = readlink(path, want, sizeof(want) - 1);
	if (n <= 0 || !(proc = opendir("/proc")))
		return -1;
	want[n] = 0;
	while (found < 0 && (d = readdir(proc))) {
		pid_t outer = atoi(d->d_name);

		if (outer > 0 && same_pid_ns(outer, want) && innermost_pid(outer) == inner)
			found = outer;
	}
	closedir(proc);
	return found;
}
