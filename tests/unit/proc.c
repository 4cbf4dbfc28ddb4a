/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit test of the /proc parsers (TAP): lines of maps, stat, status and
 * fdinfo as the kernel writes them, and then this process's own files.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "proc/proc.h"
#include "common/util.h"
#include "tap.h"

static void test_maps_lines(void)
{
	struct vma v;

	ok(proc_parse_maps_line("7f1c2a000000-7f1c2a021000 r-xp 00002000 08:01 1311 "
				"  /usr/lib/x86_64-linux-gnu/libc.so.6", &v) == 0 &&
	   v.start == 0x7f1c2a000000ULL && v.end == 0x7f1c2a021000ULL && v.pgoff == 0x2000 &&
	   v.dev == makedev(8, 1) && v.ino == 1311 && v.prot == (PROT_READ | PROT_EXEC) &&
	   !v.shared &&
	   !strcmp(v.path, "/usr/lib/x86_64-linux-gnu/libc.so.6"),
	   "a maps line of a library: range, protection, offset, device, inode, path");
	free(v.path);
	ok(proc_parse_maps_line("7ffd1000-7ffd2000 rw-s 00000000 103:1f 42 "
				"/memfd:x (deleted)", &v) == 0 &&
	   v.dev == makedev(0x103, 0x1f) && v.shared && v.prot == (PROT_READ | PROT_WRITE) && !strcmp(v.path, "/memfd:x (deleted)"),
	   "a shared map keeps 's', a hex device and a path with spaces");
	free(v.path);
	ok(proc_parse_maps_line("55d0c000-55d0e000 rw-p 00000000 00:00 0 ", &v) == 0 &&
	   !strcmp(v.path, ""), "an anonymous map has an empty path");
	free(v.path);
	ok(proc_parse_maps_line("garbage", &v) < 0, "a line that is not a map is refused");
}

static void test_stat_text(void)
{
	/* comm with a space and a ')' in it; fields 3 to 52 */
	char buf[] = "4242 (a b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 "
		     "12345 1000 200 18446744073709551615 4096 8192 140000 0 0 0 0 0 0 0 0 0 17 "
		     "1 0 0 0 0 0 12288 16384 20480 140100 140200 140300 140400 256\n";
	struct proc_stat st;

	ok(proc_parse_stat_text(buf, &st) == 0 && st.state == 'S' && st.ppid == 1 &&
	   st.pgrp == 4242 && st.session == 4242 && st.num_threads == 3,
	   "stat: state and ids after a comm holding ') '");
	ok(st.start_code == 4096 && st.end_code == 8192 && st.start_stack == 140000 &&
	   st.start_data == 12288 && st.start_brk == 20480 && st.env_end == 140400 &&
	   st.exit_code == 256, "stat: mm fields and the exit code");
	char cut[] = "4242 (x) S 1 2 3\n";
	ok(proc_parse_stat_text(cut, &st) < 0, "a stat line cut short is refused");
}

static void test_status_text(void)
{
	char buf[] = "Name:\tw\nUmask:\t0027\nState:\tS (sleeping)\nTracerPid:\t77\n"
		     "Uid:\t1000\t1001\t1002\t1003\nGid:\t100\t101\t102\t103\n"
		     "Groups:\t4 24 27 \nSigCgt:\t8000000000000001\n";
	char partial[] = "Name:\tw\nUid:\t0\t0\t0\t0\n";
	struct proc_status st;

	ok(proc_parse_status_text(buf, &st) == 0 && st.uid == 1000 && st.euid == 1001 &&
	   st.suid == 1002 && st.gid == 100 && st.egid == 101 && st.sgid == 102,
	   "status: real, effective and saved ids");
	ok(st.n_groups == 3 && st.groups[0] == 4 && st.groups[2] == 27 && st.umask == 027 &&
	   st.tracer == 77 && st.sig_caught == 0x8000000000000001ULL,
	   "status: groups, umask, tracer, caught signals");
	ok(proc_parse_status_text(partial, &st) < 0, "status without Gid or SigCgt is refused");
}

static void test_fdinfo_text(void)
{
	uint64_t pos = 0;
	uint32_t flags = 0;

	ok(proc_parse_fdinfo_text("pos:\t123\nflags:\t02102001\nmnt_id:\t29\nino:\t5\n", &pos,
				  &flags) == 0 && pos == 123 && flags == 02102001,
	   "fdinfo: offset, and flags in octal");
	pos = 7;
	ok(proc_parse_fdinfo_text("flags:\t02\n", &pos, &flags) < 0 && pos == 7,
	   "fdinfo without pos is refused and writes nothing");
}

/* This process, as /proc shows it. */
static void test_self(void)
{
	struct vma *vmas;
	size_t n;
	struct proc_stat st;
	struct proc_status status;
	uint64_t pos;
	uint32_t flags;
	bool stack = false;
	int fd = memfd_create("unit", MFD_CLOEXEC);

	ok(proc_parse_maps(getpid(), &vmas, &n) == 0 && n > 0, "our own maps parse");
	for (size_t i = 0; i < n; i++)
		stack |= !strcmp(vmas[i].path, "[stack]");
	ok(stack, "they hold our [stack]");
	proc_free_maps(vmas, n);
	ok(proc_parse_stat(getpid(), &st) == 0 && st.ppid == getppid() && st.num_threads == 1,
	   "our own stat: our parent, one thread");
	ok(proc_parse_status(getpid(), &status) == 0 && status.uid == getuid() &&
	   status.euid == geteuid(), "our own status: our uid");
	ok(proc_count_threads(getpid()) == 1, "one thread in /proc/self/task");
	if (fd < 0 || write(fd, "hello", 5) != 5 || fcntl(fd, F_SETFL, O_APPEND) < 0)
		abort();
	ok(proc_parse_fdinfo(getpid(), fd, &pos, &flags) == 0 && pos == 5 &&
	   (flags & O_APPEND) && (flags & O_ACCMODE) == O_RDWR,
	   "fdinfo of a memfd we wrote 5 bytes to, with O_APPEND");
	close(fd);
	ok(proc_parse_fdinfo(getpid(), fd, &pos, &flags) == -ENOENT, "a closed fd has no fdinfo");
}

static void test_smaps(void)
{
	char smaps[] =
		"55d0c000-55d0e000 rw-p 00000000 00:00 0 \n"
		"Anonymous:             8 kB\n"
		"VmFlags: rd wr mr mw me ac sd \n"
		"7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n"
		"AnonHugePages:         0 kB\n"
		"VmFlags: rd wr hg mr mw me dc ac sd\n"
		"7f0000200000-7f0000300000 rw-p 00000000 00:00 0  [anon:x: y]\n"
		"VmFlags: rd dcx wfo wf\n";
	struct vma *v = NULL;
	size_t n = 0;

	ok(proc_parse_maps_text(smaps, &v, &n) == 0 && n == 3 &&
	   v[0].start == 0x55d0c000ULL && v[1].start == 0x7f0000000000ULL &&
	   !strcmp(v[2].path, "[anon:x: y]"),
	   "smaps: each mapping once, its fields skipped (names that start with hex digits too)");
	ok(n == 3 && v[0].advice == 0 && v[1].advice == (VMA_HUGEPAGE | VMA_DONTFORK),
	   "VmFlags give the mapping's advice (hg, dc)");
	ok(n == 3 && v[2].advice == VMA_WIPEONFORK, "a flag is a whole word: dcx and wfo are not dc");
	proc_free_maps(v, n);
}

int main(void)
{
	printf("1..22\n");
	test_maps_lines();
	test_stat_text();
	test_status_text();
	test_fdinfo_text();
	test_self();
	test_smaps();
	return n_failed ? 1 : 0;
}
