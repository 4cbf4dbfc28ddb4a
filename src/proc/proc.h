/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading /proc/PID: parsing only, no policy.  Errors are -errno, not logged. */
#ifndef UCR_PROC_H
#define UCR_PROC_H

#include <stdint.h>
#include <sys/types.h>

struct vma {
	uint64_t start, end;
	uint32_t prot;		/* PROT_* */
	int shared;		/* 's' in the perms */
	uint64_t pgoff;
	uint64_t dev;		/* as st_dev: makedev(major, minor) */
	uint32_t advice;	/* VMA_*: from smaps only, else 0 */
	uint64_t ino;
	char *path;		/* "" for anonymous; "[heap]", "/lib/x.so"... */
};

/* madvise() flags, from smaps "VmFlags:" */
#define VMA_HUGEPAGE 0x1	/* hg */
#define VMA_NOHUGEPAGE 0x2	/* nh */
#define VMA_DONTDUMP 0x4	/* dd */
#define VMA_DONTFORK 0x8	/* dc */
#define VMA_WIPEONFORK 0x10	/* wf */

int proc_parse_maps(pid_t pid, struct vma **ret, size_t *ret_n);
/* The same from /proc/PID/smaps, with each mapping's advice: slower (the
 * kernel counts its pages). */
int proc_parse_smaps(pid_t pid, struct vma **ret, size_t *ret_n);
/* maps or smaps text; buf is cut up. */
int proc_parse_maps_text(char *buf, struct vma **ret, size_t *ret_n);

/* pagemap.c: the runs of pages of the mapping of n_pages at start (fd:
 * the process's /proc/PID/pagemap) that are the process's own: of
 * anonymous memory, those touched (present or swapped out, but not the
 * shared zero page); of a private file map, its private copies. */
struct img_run;		/* image/format.h */
enum pagemap_want { PAGEMAP_TOUCHED, PAGEMAP_COPIED };
int pagemap_runs(int fd, uint64_t start, uint64_t n_pages, enum pagemap_want want,
		 struct img_run **ret_runs, uint64_t *ret_n_runs, uint64_t *ret_n_pages);
void proc_free_maps(struct vma *v, size_t n);
/* One line, "start-end perms offset dev inode   path"; v->path is malloc'd. */
int proc_parse_maps_line(const char *line, struct vma *v);

struct proc_stat {
	char state;
	pid_t ppid, pgrp, session;
	dev_t tty;		/* the controlling terminal (tty_nr), 0 for none */
	long num_threads;
	uint64_t start_code, end_code, start_stack;
	uint64_t start_data, end_data, start_brk;
	uint64_t arg_start, arg_end, env_start, env_end;
	int exit_code;		/* wait status, for a zombie */
};

int proc_parse_stat(pid_t pid, struct proc_stat *ret);
int proc_parse_stat_text(char *buf, struct proc_stat *ret);	/* buf is cut up */

#define PROC_MAX_GROUPS 64

struct proc_status {
	uid_t uid, euid, suid;
	gid_t gid, egid, sgid;
	unsigned int n_groups;
	gid_t groups[PROC_MAX_GROUPS];
	unsigned int umask;
	pid_t tracer;
	uint64_t sig_caught;	/* SigCgt: bit n-1 for signal n */
	uint64_t sig_blocked;	/* SigBlk, of the main thread */
	uint64_t cap_permitted;	/* CapPrm */
	/* as the process sees them, in its own (innermost) pid namespace;
	 * ns_levels counts the namespaces it is in, 1 for the initial one */
	pid_t ns_pid, ns_pgid, ns_sid;
	unsigned int ns_levels;
};

int proc_parse_status(pid_t pid, struct proc_status *ret);
int proc_parse_status_text(char *buf, struct proc_status *ret);	/* buf is cut up */

/* /proc/PID/fdinfo/FD: the offset and the open flags (O_*, octal there). */
int proc_parse_fdinfo(pid_t pid, int fd, uint64_t *ret_pos, uint32_t *ret_flags);
int proc_parse_fdinfo_text(const char *buf, uint64_t *ret_pos, uint32_t *ret_flags);

/* The children of every thread of pid (for --tree). */
int proc_children(pid_t pid, pid_t **ret, size_t *ret_n);
int proc_count_threads(pid_t pid);
/* The bytes of pid's memory in RAM (/proc/PID/statm), 0 if unknown. */
uint64_t proc_resident_bytes(pid_t pid);

#endif
