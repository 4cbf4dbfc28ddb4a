/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cr_info FILE: what a context file holds. */
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "image/image.h"
#include "common/agent_abi.h"	/* ucr_omit_name() */
#include "cmd/cmdline.h"
#include "cmd/info.h"
#include "common/util.h"
#include "blcr_common.h"
#include "cr_info_sysv.h"

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case AREA_ANON: return "anon";
	case AREA_FILE: return "file";
	case AREA_SHARED_ANON: return "shared-anon";
	case AREA_VDSO: return "kernel";
	case AREA_SYSV_SHM: return "sysv-shm";
	default: return "?";
	}
}

static const char *file_kind_name(uint32_t kind)
{
	switch (kind) {
	case FILE_REGULAR: return "reopen";
	case FILE_INHERIT: return "inherit";
	case FILE_CLOSED: return "closed";
	case FILE_PIPE: return "pipe";
	case FILE_CONTEXT: return "context";
	case FILE_SOCKET: return "socket";
	case FILE_EVENT: return "event";
	case FILE_MQUEUE: return "mqueue";
	default: return "?";
	}
}

/* Memory by kind, as a user asks about it: how much was mapped, and how
 * much of it the file holds. */
enum mem_kind { MEM_HEAP, MEM_STACK, MEM_ANON, MEM_FILE, MEM_SHARED, MEM_KERNEL, N_MEM };
static const char *const mem_kind_names[N_MEM] = {
	[MEM_HEAP] = "heap", [MEM_STACK] = "stack", [MEM_ANON] = "anonymous",
	[MEM_FILE] = "file", [MEM_SHARED] = "shared", [MEM_KERNEL] = "kernel",
};

struct mem_use {
	uint64_t mapped, saved;
};

static enum mem_kind mem_kind_of(const struct img_area *a)
{
	if (a->kind == AREA_VDSO)
		return MEM_KERNEL;
	if (a->flags & AREA_F_HEAP)
		return MEM_HEAP;
	if (a->flags & AREA_F_GROWSDOWN)
		return MEM_STACK;
	if ((a->flags & AREA_F_SHARED) || a->kind == AREA_SHARED_ANON)
		return MEM_SHARED;
	return a->kind == AREA_FILE ? MEM_FILE : MEM_ANON;
}

static void mem_use(const struct image_process *p, struct mem_use use[N_MEM + 1])
{
	memset(use, 0, (N_MEM + 1) * sizeof(*use));
	for (size_t i = 0; i < p->n_areas; i++) {
		const struct img_area *a = p->areas[i].a;
		struct mem_use *u = &use[mem_kind_of(a)];

		u->mapped += a->end - a->start;
		u->saved += a->n_pages * IMG_PAGE_SIZE;
		use[N_MEM].mapped += a->end - a->start;	/* the total */
		use[N_MEM].saved += a->n_pages * IMG_PAGE_SIZE;
	}
}

static const char *area_path(const struct image_area *area)
{
	const struct img_area *a = area->a;

	if (*area->path)
		return area->path;
	return a->flags & AREA_F_HEAP ? "[heap]" : a->flags & AREA_F_GROWSDOWN ? "[stack]" : "";
}

/* " (madvise: hugepage, ...)" for the advice an area keeps, or "". */
static const char *area_advice(const struct img_area *a, char *buf, size_t len)
{
	static const struct { uint32_t flag; const char *name; } advices[] = {
		{ AREA_F_HUGEPAGE, "hugepage" }, { AREA_F_NOHUGEPAGE, "nohugepage" },
		{ AREA_F_DONTDUMP, "dontdump" }, { AREA_F_DONTFORK, "dontfork" },
		{ AREA_F_WIPEONFORK, "wipeonfork" },
	};
	size_t at = 0;

	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(advices); i++)
		if (a->flags & advices[i].flag)
			at += snprintf(buf + at, len - at, "%s%s", at ? ", " : " (madvise: ",
				       advices[i].name);
	if (at)
		snprintf(buf + at, len - at, ")");
	return buf;
}

static void print_process(const struct image_process *p)
{
	const struct img_process *ip = p->p;
	struct mem_use use[N_MEM + 1];

	if (ip->flags & PROC_F_WAITER) {
		printf("process %d: cr_restart waiting for its children (--omit-%s), parent %d\n",
		       ip->pid, ucr_omit_name(ip->omit), ip->ppid);
		return;
	}
	if (ip->flags & PROC_F_ZOMBIE) {
		printf("process %d: zombie, parent %d, exit status %#x\n", ip->pid, ip->ppid,
		       ip->exit_status);
		return;
	}
	printf("process %d (%s)%s%s\n", ip->pid, ip->comm,
	       ip->flags & PROC_F_OWN_PIDNS ? ", in a pid namespace of its own" : "",
	       ip->flags & PROC_F_STOPPED ? ", stopped" : "");
	printf("  parent %d, group %d, session %d, uid %u, gid %u\n", ip->ppid, ip->pgid, ip->sid,
	       ip->uid, ip->gid);
	printf("  executable %s\n  cwd %s\n", p->exe, p->cwd);
	printf("  threads: %zu\n", p->n_threads);
	for (size_t i = 0; i < p->n_threads; i++)
		printf("    tid %d (%s)%s\n", p->threads[i]->tid, p->threads[i]->comm,
		       i == p->main_thread ? " main" : "");
	printf("  memory areas: %zu\n", p->n_areas);
	for (size_t i = 0; i < p->n_areas; i++) {
		const struct img_area *a = p->areas[i].a;
		uint64_t len = a->end - a->start;
		char advice[96];

		char in_base[48] = "";

		if (p->areas[i].n_base_pages)
			snprintf(in_base, sizeof(in_base), " (%llu KiB more in the base)",
				 (unsigned long long)(p->areas[i].n_base_pages * IMG_PAGE_SIZE >> 10));
		printf("    %012llx-%012llx %c%c%c%c %-11s %8llu KiB, %8llu KiB saved%s  %s%s%s\n",
		       (unsigned long long)a->start, (unsigned long long)a->end,
		       a->prot & PROT_READ ? 'r' : '-', a->prot & PROT_WRITE ? 'w' : '-',
		       a->prot & PROT_EXEC ? 'x' : '-', a->flags & AREA_F_SHARED ? 's' : 'p',
		       kind_name(a->kind), (unsigned long long)(len >> 10),
		       (unsigned long long)(a->n_pages * IMG_PAGE_SIZE >> 10), in_base,
		       area_path(&p->areas[i]),
		       a->flags & AREA_F_UNLINKED ? " (unlinked: its file is saved)" : "",
		       area_advice(a, advice, sizeof(advice)));
	}
	mem_use(p, use);
	printf("  memory: %llu KiB mapped, %llu KiB saved\n",
	       (unsigned long long)(use[N_MEM].mapped >> 10),
	       (unsigned long long)(use[N_MEM].saved >> 10));
	for (int k = 0; k < N_MEM; k++)
		if (use[k].mapped)
			printf("    %-9s %8llu KiB mapped, %8llu KiB saved\n", mem_kind_names[k],
			       (unsigned long long)(use[k].mapped >> 10),
			       (unsigned long long)(use[k].saved >> 10));
	printf("  files: %zu\n", p->n_files);
	for (size_t i = 0; i < p->n_files; i++) {
		const struct img_file *f = p->files[i].f;

		printf("    fd %-3d %-7s flags %#o pos %llu  %s%s\n", f->fd, file_kind_name(f->kind),
		       f->open_flags, (unsigned long long)f->pos, p->files[i].path,
		       f->flags & FILE_F_UNLINKED ? " (unlinked)" : "");
	}
	if (p->n_locks)
		printf("  locks: %zu\n", p->n_locks);
	for (size_t i = 0; i < p->n_locks; i++) {
		char what[96];

		image_lock_describe(p->locks[i], what, sizeof(what));
		printf("    fd %-3d %s  %s\n", p->locks[i]->fd, what,
		       image_find_file(p, p->locks[i]->fd)->path);
	}
}

/* ---- --json: the same, for tools (docs/cr_info-json.md) -------------------- */

/* s as a JSON string: quotes and backslashes escaped, control characters
 * and bytes that are not UTF-8 text as \u00XX (paths are bytes). */
void json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	putchar('"');
}

static void json_key(const char *key, bool *first)
{
	printf("%s\"%s\": ", *first ? "" : ", ", key);
	*first = false;
}

static void json_threads(const struct image_process *p)
{
	printf("[");
	for (size_t i = 0; i < p->n_threads; i++) {
		printf("%s{\"tid\": %d, \"name\": ", i ? ", " : "", p->threads[i]->tid);
		json_string(p->threads[i]->comm);
		printf(", \"main\": %s}", i == p->main_thread ? "true" : "false");
	}
	printf("]");
}

static void json_memory(const struct image_process *p)
{
	struct mem_use use[N_MEM + 1];

	mem_use(p, use);
	printf("{\"mapped\": %llu, \"saved\": %llu, \"by_kind\": {",
	       (unsigned long long)use[N_MEM].mapped, (unsigned long long)use[N_MEM].saved);
	for (int k = 0; k < N_MEM; k++)
		printf("%s\"%s\": {\"mapped\": %llu, \"saved\": %llu}", k ? ", " : "",
		       mem_kind_names[k], (unsigned long long)use[k].mapped,
		       (unsigned long long)use[k].saved);
	printf("}, \"areas\": [");
	for (size_t i = 0; i < p->n_areas; i++) {
		const struct img_area *a = p->areas[i].a;

		printf("%s{\"start\": %llu, \"end\": %llu, \"prot\": \"%c%c%c\", \"shared\": %s, "
		       "\"kind\": \"%s\", \"saved\": %llu, \"in_base\": %llu, \"path\": ",
		       i ? ", " : "",
		       (unsigned long long)a->start, (unsigned long long)a->end,
		       a->prot & PROT_READ ? 'r' : '-', a->prot & PROT_WRITE ? 'w' : '-',
		       a->prot & PROT_EXEC ? 'x' : '-', a->flags & AREA_F_SHARED ? "true" : "false",
		       mem_kind_names[mem_kind_of(a)],
		       (unsigned long long)(a->n_pages * IMG_PAGE_SIZE),
		       (unsigned long long)(p->areas[i].n_base_pages * IMG_PAGE_SIZE));
		json_string(area_path(&p->areas[i]));
		printf("}");
	}
	printf("]}");
}

static void json_files(const struct image_process *p)
{
	printf("[");
	for (size_t i = 0; i < p->n_files; i++) {
		const struct img_file *f = p->files[i].f;

		printf("%s{\"fd\": %d, \"kind\": \"%s\", \"flags\": %u, \"pos\": %llu, ",
		       i ? ", " : "", f->fd, file_kind_name(f->kind), f->open_flags,
		       (unsigned long long)f->pos);
		if (f->kind == FILE_PIPE || f->kind == FILE_SOCKET || f->kind == FILE_EVENT ||
		    f->kind == FILE_MQUEUE)
			printf("\"%s\": %llu, ", file_kind_name(f->kind),
			       (unsigned long long)f->object_id);
		printf("\"path\": ");
		json_string(p->files[i].path);
		printf("}");
	}
	printf("]");
}

static void json_locks(const struct image_process *p)
{
	printf("[");
	for (size_t i = 0; i < p->n_locks; i++) {
		const struct img_lock *l = p->locks[i];

		printf("%s{\"fd\": %d, \"kind\": \"%s\", \"type\": \"%s\", \"start\": %llu, "
		       "\"len\": %llu}", i ? ", " : "", l->fd, image_lock_kind_name(l->kind),
		       image_lock_type_name(l->type), (unsigned long long)l->start,
		       (unsigned long long)l->len);
	}
	printf("]");
}

static const char *event_kind_name(uint32_t kind)
{
	return kind == EVENT_EVENTFD ? "eventfd" : kind == EVENT_TIMERFD ? "timerfd" :
	       kind == EVENT_SIGNALFD ? "signalfd" : kind == EVENT_INOTIFY ? "inotify" : "epoll";
}

/* An inotify instance's watches: descriptor, mask, path. */
static void print_watches(const struct img_event *e)
{
	const struct img_inotify_watch *w = (const void *)(e + 1);
	const char *path = (const char *)(w + e->count);

	printf(", %llu watches\n", (unsigned long long)e->count);
	for (uint64_t i = 0; i < e->count; path += w[i++].path_len)
		printf("    wd %d mask %#x %.*s\n", w[i].wd, w[i].mask, (int)w[i].path_len, path);
}

static void json_events(const struct image *img)
{
	printf("[");
	for (size_t i = 0; i < img->n_events; i++) {
		const struct img_event *e = img->events[i];

		printf("%s{\"id\": %llu, \"kind\": \"%s\", \"count\": %llu, \"semaphore\": %s, "
		       "\"clock\": %d, \"value_ns\": %lld, \"interval_ns\": %lld, \"sigmask\": %llu}",
		       i ? ", " : "", (unsigned long long)e->id, event_kind_name(e->kind),
		       (unsigned long long)e->count, e->flags & EVENT_F_SEMAPHORE ? "true" : "false",
		       e->clockid, (long long)e->value_ns, (long long)e->interval_ns,
		       (unsigned long long)e->sigmask);
	}
	printf("]");
}

static void json_process(const struct image_process *p)
{
	const struct img_process *ip = p->p;
	bool first = true;

	printf("{");
	json_key("pid", &first);
	printf("%d", ip->pid);
	json_key("parent", &first);
	printf("%d, \"group\": %d, \"session\": %d", ip->ppid, ip->pgid, ip->sid);
	json_key("zombie", &first);
	printf("%s", ip->flags & PROC_F_ZOMBIE ? "true" : "false");
	json_key("own_pid_namespace", &first);
	printf("%s", ip->flags & PROC_F_OWN_PIDNS ? "true" : "false");
	json_key("stopped", &first);
	printf("%s", ip->flags & PROC_F_STOPPED ? "true" : "false");
	json_key("restarter", &first);
	if (ip->flags & PROC_F_WAITER)
		printf("{\"omit\": \"%s\"}", ucr_omit_name(ip->omit));
	else
		printf("null");
	if (ip->flags & PROC_F_ZOMBIE) {
		json_key("exit_status", &first);
		printf("%d}", ip->exit_status);
		return;
	}
	json_key("name", &first);
	json_string(ip->comm);
	json_key("uid", &first);
	printf("%u, \"gid\": %u", ip->uid, ip->gid);
	json_key("executable", &first);
	json_string(p->exe);
	json_key("cwd", &first);
	json_string(p->cwd);
	json_key("threads", &first);
	json_threads(p);
	json_key("memory", &first);
	json_memory(p);
	json_key("files", &first);
	json_files(p);
	json_key("locks", &first);
	json_locks(p);
	printf("}");
}

/* The request's scope, as cr_checkpoint's option says it; NULL unknown. */
static const char *scope_name(const struct img_header *h)
{
	static const char *const names[] = { NULL, "pid", "pgid", "sid", "tree" };

	return names[(h->options & IMG_OPT_SCOPE_MASK) >> IMG_OPT_SCOPE_SHIFT];
}

static void json_image(const char *name, const struct image *img)
{
	printf("{\"file\": ");
	json_string(name);
	printf(", \"format\": %u, \"size\": %llu, \"compressed\": %s, \"created\": %llu, "
	       "\"machine\": ", img->hdr->version, (unsigned long long)img->size,
	       img->compressed ? "true" : "false", (unsigned long long)img->hdr->created);
	json_string(img->hdr->machine);
	printf(", \"kernel\": ");
	json_string(img->hdr->kernel);
	printf(", \"base\": ");
	if (img->base) {
		printf("{\"path\": ");
		json_string(img->base_path);
		printf(", \"digest\": %llu, \"size\": %llu}", (unsigned long long)img->base->digest,
		       (unsigned long long)img->base->size);
	} else {
		printf("null");
	}
	printf(", \"cpu\": {\"xcr0\": %llu, \"cpuid1_ecx\": %u, \"cpuid1_edx\": %u, "
	       "\"cpuid7_ebx\": %u, \"cpuid7_ecx\": %u}", (unsigned long long)img->hdr->xcr0,
	       img->hdr->cpuid1_ecx, img->hdr->cpuid1_edx, img->hdr->cpuid7_ebx,
	       img->hdr->cpuid7_ecx);
	printf(", \"scope\": ");
	if (scope_name(img->hdr))
		json_string(scope_name(img->hdr));
	else
		printf("null");
	printf(", \"save_exe\": %s, \"save_private\": %s, \"save_shared\": %s",
	       img->hdr->options & IMG_OPT_SAVE_EXE ? "true" : "false",
	       img->hdr->options & IMG_OPT_SAVE_PRIVATE ? "true" : "false",
	       img->hdr->options & IMG_OPT_SAVE_SHARED ? "true" : "false");
	printf(", \"processes\": [");
	for (size_t i = 0; i < img->n_procs; i++) {
		printf("%s", i ? ", " : "");
		json_process(&img->procs[i]);
	}
	printf("], \"pipes\": [");
	for (size_t i = 0; i < img->n_pipes; i++)
		printf("%s{\"id\": %llu, \"buffered\": %llu, \"capacity\": %u}", i ? ", " : "",
		       (unsigned long long)img->pipes[i].p->id,
		       (unsigned long long)img->pipes[i].p->len, img->pipes[i].p->capacity);
	printf("], \"sockets\": ");
	info_sockets_json(img);
	printf(", \"events\": ");
	json_events(img);
	printf(", \"mqueues\": [");
	for (size_t i = 0; i < img->n_mqueues; i++) {
		const struct img_mqueue *m = img->mqueues[i].m;
		char name[MQUEUE_NAME_MAX + 1];

		snprintf(name, sizeof(name), "%.*s", (int)m->name_len, img->mqueues[i].name);
		printf("%s{\"id\": %llu, \"maxmsg\": %lld, \"msgsize\": %lld, \"messages\": %u, "
		       "\"bytes\": %llu, \"unlinked\": %s, \"name\": ", i ? ", " : "",
		       (unsigned long long)m->id, (long long)m->maxmsg, (long long)m->msgsize,
		       m->n_msgs, (unsigned long long)m->data_len,
		       m->flags & MQUEUE_F_UNLINKED ? "true" : "false");
		json_string(name);
		printf("}");
	}
	printf("]");
	printf(", \"sysv\": ");
	info_sysv_json(img);
	printf("}\n");
}

static void print_image(const char *name, const struct image *img)
{
	time_t t = img->hdr->created;
	char when[64];

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	printf("context file %s: ucr format %u, %llu bytes%s\n", name, img->hdr->version,
	       (unsigned long long)img->size, img->compressed ? " (zstd-compressed)" : "");
	printf("  made %s on %s kernel %s\n", when, img->hdr->machine, img->hdr->kernel);
	if (img->base)
		printf("  increment of %s (%llu bytes, digest %016llx): the pages it does not hold "
		       "are there\n", img->base_path, (unsigned long long)img->base->size,
		       (unsigned long long)img->base->digest);
	printf("  cpu: XSAVE features %#llx, CPUID.1 ECX %#x EDX %#x, CPUID.7 EBX %#x ECX %#x "
	       "(a restart needs them all)\n", (unsigned long long)img->hdr->xcr0,
	       img->hdr->cpuid1_ecx, img->hdr->cpuid1_edx, img->hdr->cpuid7_ebx,
	       img->hdr->cpuid7_ecx);
	printf("  options: %s%s%s%s%s\n", scope_name(img->hdr) ? "--" : "scope not recorded",
	       scope_name(img->hdr) ? scope_name(img->hdr) : "",
	       img->hdr->options & IMG_OPT_SAVE_EXE ? " --save-exe" : "",
	       img->hdr->options & IMG_OPT_SAVE_PRIVATE ? " --save-private" : "",
	       img->hdr->options & IMG_OPT_SAVE_SHARED ? " --save-shared" : "");
	printf("  processes: %zu\n", img->n_procs);
	for (size_t i = 0; i < img->n_procs; i++)
		print_process(&img->procs[i]);
	printf("pipes: %zu\n", img->n_pipes);
	for (size_t i = 0; i < img->n_pipes; i++)
		printf("  pipe %llu: %llu bytes buffered, capacity %u\n",
		       (unsigned long long)img->pipes[i].p->id,
		       (unsigned long long)img->pipes[i].p->len, img->pipes[i].p->capacity);
	info_sockets_text(img);
	printf("message queues: %zu\n", img->n_mqueues);
	for (size_t i = 0; i < img->n_mqueues; i++) {
		const struct img_mqueue *m = img->mqueues[i].m;

		printf("  mqueue %llu: %.*s%s, mode %04o, at most %lld messages of %lld bytes, "
		       "%u messages (%llu bytes) queued\n", (unsigned long long)m->id,
		       (int)m->name_len, img->mqueues[i].name,
		       m->flags & MQUEUE_F_UNLINKED ? " (removed)" : "", m->mode,
		       (long long)m->maxmsg, (long long)m->msgsize, m->n_msgs,
		       (unsigned long long)m->data_len);
	}
	printf("events: %zu\n", img->n_events);
	for (size_t i = 0; i < img->n_events; i++) {
		const struct img_event *e = img->events[i];

		printf("  event %llu: %s", (unsigned long long)e->id, event_kind_name(e->kind));
		if (e->kind == EVENT_EVENTFD)
			printf(", count %llu%s\n", (unsigned long long)e->count,
			       e->flags & EVENT_F_SEMAPHORE ? ", semaphore" : "");
		else if (e->kind == EVENT_TIMERFD)
			printf(", clock %d, %.3f s left, interval %.3f s, %llu expirations unread\n",
			       e->clockid, e->value_ns / 1e9, e->interval_ns / 1e9,
			       (unsigned long long)e->count);
		else if (e->kind == EVENT_SIGNALFD)
			printf(", mask %#llx\n", (unsigned long long)e->sigmask);
		else if (e->kind == EVENT_INOTIFY)
			print_watches(e);
		else
			printf(", %llu descriptors watched\n", (unsigned long long)e->count);
	}
	info_sysv_text(img);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "verify", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, { 0 },
	};
	enum { TEXT, JSON, VERIFY } mode = TEXT;
	struct image *img;
	const char *name;
	char err[512];
	int c, fd, r;

	log_init(argv[0]);
	if (list_options(argc, argv, opts))
		return 0;
	opterr = 0;	/* -? is help, not an error: messages are ours */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': mode = JSON; break;
		case 'c': mode = VERIFY; break;
		case '?':
			if (optopt != '?') {
				log_error("unknown option: %s (see --help)", argv[optind - 1]);
				return EINVAL;
			}
			__attribute__((fallthrough));	/* -? asks for help */
		case 'h':
			printf("Usage: cr_info [--json | --verify] FILE\n"
			       "Describe a context file (--json: as one JSON document; --verify:\n"
			       "check every record and print only the verdict).\n"
			       "Other: -h, --help   --version   --list-options\n");
			return 0;
		case 'V': printf("cr_info (ucr) %s\n", CR_RELEASE_VERSION); return 0;
		default: return EINVAL;
		}
	}
	if (optind != argc - 1) {
		log_error("one context file is needed (see --help)");
		return EINVAL;
	}
	name = argv[optind];
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_errno(-errno, "cannot open %s", name);
		return ENOENT;
	}
	/* loading checks every record, checksums included */
	r = image_load(fd, &img, err, sizeof(err));
	if (r) {
		if (mode == VERIFY)
			printf("%s: damaged: %s\n", name, err);
		else
			log_error("%s: %s", name, err);
		close(fd);
		return EINVAL;
	}
	if (mode == VERIFY)
		printf("%s: ok, every record checked\n", name);
	else if (mode == JSON)
		json_image(name, img);
	else
		print_image(name, img);
	image_free(img);
	close(fd);
	return 0;
}
