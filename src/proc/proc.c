/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "proc.h"
#include "common/util.h"

/*
 * Each file has a parser of its text (proc_parse_*_text, tested alone in
 * tests/unit/proc.c) and a reader that hands it /proc/PID's copy.
 */

static int proc_read(pid_t pid, const char *name, char **ret)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return read_file(path, ret, NULL);
}

int proc_parse_maps_line(const char *line, struct vma *v)
{
	char perms[5];
	unsigned long long start, end, off, ino;
	unsigned int major, minor;
	int path_at = 0;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, perms, &off, &major,
		   &minor, &ino, &path_at) < 7 || !path_at)
		return -EINVAL;
	v->dev = makedev(major, minor);
	v->advice = 0;
	v->start = start;
	v->end = end;
	v->pgoff = off;
	v->ino = ino;
	v->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	v->shared = perms[3] == 's';
	v->path = strdup(line + path_at);
	return v->path ? 0 : -ENOMEM;
}

/* The madvise() flags of a mapping, from its smaps "VmFlags:" words. */
static uint32_t parse_vmflags(const char *words)
{
	static const struct { char name[3]; uint32_t flag; } known[] = {
		{ "hg", VMA_HUGEPAGE }, { "nh", VMA_NOHUGEPAGE }, { "dd", VMA_DONTDUMP },
		{ "dc", VMA_DONTFORK }, { "wf", VMA_WIPEONFORK },
	};
	uint32_t advice = 0;

	for (const char *w = words; *w; w++) {
		if (w[0] == ' ' || (w != words && w[-1] != ' ') || !w[1] || (w[2] && w[2] != ' '))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			if (!strncmp(w, known[i].name, 2))
				advice |= known[i].flag;
	}
	return advice;
}

int proc_parse_maps_text(char *buf, struct vma **ret, size_t *ret_n)
{
	struct vma *v = NULL;
	size_t n = 0;
	char *line, *save;
	int r;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *colon = strchr(line, ':'), *space = strchr(line, ' ');

		/* smaps: "Name: value" lines after each mapping's own */
		if (n && colon && (!space || colon < space)) {
			if (!strncmp(line, "VmFlags:", 8))
				v[n - 1].advice = parse_vmflags(line + 8);
			continue;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		r = proc_parse_maps_line(line, &v[n]);
		if (r) {
			proc_free_maps(v, n);
			return r;
		}
		n++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int parse_maps(pid_t pid, const char *name, struct vma **ret, size_t *ret_n)
{
	_cleanup_free_ char *buf = NULL;
	int r = proc_read(pid, name, &buf);

	return r ? r : proc_parse_maps_text(buf, ret, ret_n);
}

int proc_parse_maps(pid_t pid, struct vma **ret, size_t *ret_n)
{
	return parse_maps(pid, "maps", ret, ret_n);
}

int proc_parse_smaps(pid_t pid, struct vma **ret, size_t *ret_n)
{
	return parse_maps(pid, "smaps", ret, ret_n);
}

void proc_free_maps(struct vma *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

int proc_parse_stat(pid_t pid, struct proc_stat *s)
{
	_cleanup_free_ char *buf = NULL;
	int r = proc_read(pid, "stat", &buf);

	return r ? r : proc_parse_stat_text(buf, s);
}

int proc_parse_stat_text(char *buf, struct proc_stat *s)
{
	unsigned long long f[53] = { 0 };
	char *p, *tok, *save;
	int i;

	/* comm (field 2) may hold spaces and parentheses: skip to the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EINVAL;
	s->state = p[2];
	tok = strtok_r(p + 4, " ", &save);
	for (i = 4; tok && i <= 52; i++, tok = strtok_r(NULL, " ", &save))
		f[i] = strtoull(tok, NULL, 10);
	if (i <= 52)
		return -EINVAL;
	s->ppid = f[4];
	s->pgrp = f[5];
	s->session = f[6];
	s->tty = f[7];
	s->num_threads = f[20];
	s->start_code = f[26];
	s->end_code = f[27];
	s->start_stack = f[28];
	s->start_data = f[45];
	s->end_data = f[46];
	s->start_brk = f[47];
	s->arg_start = f[48];
	s->arg_end = f[49];
	s->env_start = f[50];
	s->env_end = f[51];
	s->exit_code = (int)f[52];
	return 0;
}

int proc_parse_status(pid_t pid, struct proc_status *s)
{
	_cleanup_free_ char *buf = NULL;
	int r = proc_read(pid, "status", &buf);

	return r ? r : proc_parse_status_text(buf, s);
}

/* The last of the numbers in text, and how many there are. */
static pid_t last_field(const char *text, unsigned int *ret_n)
{
	unsigned int n = 0;
	long last = 0;
	char *end;

	for (;;) {
		long v = strtol(text, &end, 10);

		if (end == text)
			break;
		last = v;
		n++;
		text = end;
	}
	if (ret_n)
		*ret_n = n;
	return (pid_t)last;
}

int proc_parse_status_text(char *buf, struct proc_status *s)
{
	char *line, *save;
	int seen = 0;

	memset(s, 0, sizeof(*s));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int a, b, c;
		unsigned long long x;

		if (sscanf(line, "Uid: %u %u %u", &a, &b, &c) == 3) {
			s->uid = a, s->euid = b, s->suid = c;
			seen++;
		} else if (sscanf(line, "Gid: %u %u %u", &a, &b, &c) == 3) {
			s->gid = a, s->egid = b, s->sgid = c;
			seen++;
		} else if (!strncmp(line, "Groups:", 7)) {
			char *tok, *save2;

			for (tok = strtok_r(line + 7, " \t", &save2); tok && s->n_groups < PROC_MAX_GROUPS;
			     tok = strtok_r(NULL, " \t", &save2))
				s->groups[s->n_groups++] = strtoul(tok, NULL, 10);
		} else if (sscanf(line, "Umask: %o", &a) == 1) {
			s->umask = a;
		} else if (sscanf(line, "TracerPid: %u", &a) == 1) {
			s->tracer = a;
		} else if (sscanf(line, "SigCgt: %llx", &x) == 1) {
			s->sig_caught = x;
			seen++;
		} else if (sscanf(line, "SigBlk: %llx", &x) == 1) {
			s->sig_blocked = x;
		} else if (sscanf(line, "CapPrm: %llx", &x) == 1) {
			s->cap_permitted = x;
		} else if (!strncmp(line, "NSpid:", 6)) {
			s->ns_pid = last_field(line + 6, &s->ns_levels);
		} else if (!strncmp(line, "NSpgid:", 7)) {
			s->ns_pgid = last_field(line + 7, NULL);
		} else if (!strncmp(line, "NSsid:", 6)) {
			s->ns_sid = last_field(line + 6, NULL);
		}
	}
	return seen == 3 ? 0 : -EINVAL;
}

int proc_parse_fdinfo(pid_t pid, int fd, uint64_t *ret_pos, uint32_t *ret_flags)
{
	_cleanup_free_ char *buf = NULL;
	char name[32];
	int r;

	snprintf(name, sizeof(name), "fdinfo/%d", fd);
	r = proc_read(pid, name, &buf);
	return r ? r : proc_parse_fdinfo_text(buf, ret_pos, ret_flags);
}

int proc_parse_fdinfo_text(const char *buf, uint64_t *ret_pos, uint32_t *ret_flags)
{
	unsigned long long pos;
	unsigned int flags;
	const char *p;

	p = strstr(buf, "pos:");
	if (!p || sscanf(p, "pos: %llu", &pos) != 1)
		return -EINVAL;
	p = strstr(buf, "flags:");
	if (!p || sscanf(p, "flags: %o", &flags) != 1)
		return -EINVAL;
	*ret_pos = pos;
	*ret_flags = flags;
	return 0;
}

int proc_count_threads(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int proc_children(pid_t pid, pid_t **ret, size_t *ret_n)
{
	char path[320];
	DIR *d;
	struct dirent *e;
	pid_t *kids = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		_cleanup_free_ char *buf = NULL;
		char *tok, *save;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/children", (int)pid, e->d_name);
		if (read_file(path, &buf, NULL))
			continue;
		for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			kids = xrealloc(kids, (n + 1) * sizeof(*kids));
			kids[n++] = atoi(tok);
		}
	}
	closedir(d);
	*ret = kids;
	*ret_n = n;
	return 0;
}

uint64_t proc_resident_bytes(pid_t pid)
{
	char path[64];
	unsigned long long size, resident;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	return n == 2 ? resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}
