/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cr_info FILE: what a context file holds. */
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "image/image.h"
#include "common/util.h"
#include "blcr_common.h"

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case AREA_ANON: return "anon";
	case AREA_FILE: return "file";
	case AREA_SHARED_ANON: return "shared-anon";
	case AREA_VDSO: return "kernel";
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
	default: return "?";
	}
}

static void print_process(const struct image_process *p)
{
	const struct img_process *ip = p->p;
	uint64_t saved = 0, mapped = 0;

	if (ip->flags & PROC_F_ZOMBIE) {
		printf("process %d: zombie, parent %d, exit status %#x\n", ip->pid, ip->ppid,
		       ip->exit_status);
		return;
	}
	printf("process %d (%s)%s\n", ip->pid, ip->comm,
	       ip->flags & PROC_F_OWN_PIDNS ? ", in a pid namespace of its own" : "");
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
		const char *path = p->areas[i].path;

		if (!*path)
			path = a->flags & AREA_F_HEAP ? "[heap]" :
			       a->flags & AREA_F_GROWSDOWN ? "[stack]" : "";
		mapped += len;
		saved += a->n_pages * IMG_PAGE_SIZE;
		printf("    %012llx-%012llx %c%c%c%c %-11s %8llu KiB, %8llu KiB saved  %s\n",
		       (unsigned long long)a->start, (unsigned long long)a->end,
		       a->prot & PROT_READ ? 'r' : '-', a->prot & PROT_WRITE ? 'w' : '-',
		       a->prot & PROT_EXEC ? 'x' : '-', a->flags & AREA_F_SHARED ? 's' : 'p',
		       kind_name(a->kind), (unsigned long long)(len >> 10),
		       (unsigned long long)(a->n_pages * IMG_PAGE_SIZE >> 10), path);
	}
	printf("  memory: %llu KiB mapped, %llu KiB saved\n", (unsigned long long)(mapped >> 10),
	       (unsigned long long)(saved >> 10));
	printf("  files: %zu\n", p->n_files);
	for (size_t i = 0; i < p->n_files; i++) {
		const struct img_file *f = p->files[i].f;

		printf("    fd %-3d %-7s flags %#o pos %llu  %s\n", f->fd, file_kind_name(f->kind),
		       f->open_flags, (unsigned long long)f->pos, p->files[i].path);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, { 0 },
	};
	struct image *img;
	char err[512];
	int c, fd, r;

	log_init(argv[0]);
	opterr = 0;	/* -? is help, not an error: messages are ours */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case '?':
			if (optopt != '?') {
				log_error("unknown option: %s (see --help)", argv[optind - 1]);
				return EINVAL;
			}
			__attribute__((fallthrough));	/* -? asks for help */
		case 'h': printf("Usage: cr_info FILE\nDescribe a context file.\n"); return 0;
		case 'V': printf("cr_info (ucr) %s\n", CR_RELEASE_VERSION); return 0;
		default: return EINVAL;
		}
	}
	if (optind != argc - 1) {
		log_error("one context file is needed (see --help)");
		return EINVAL;
	}
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_errno(-errno, "cannot open %s", argv[optind]);
		return ENOENT;
	}
	r = image_load(fd, &img, err, sizeof(err));
	if (r) {
		log_error("%s: %s", argv[optind], err);
		return EINVAL;
	}
	time_t t = img->hdr->created;
	char when[64];

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	printf("context file %s: ucr format %u, %llu bytes%s\n", argv[optind], img->hdr->version,
	       (unsigned long long)img->size, img->compressed ? " (zstd-compressed)" : "");
	printf("  made %s on %s kernel %s\n", when, img->hdr->machine, img->hdr->kernel);
	printf("  processes: %zu\n", img->n_procs);
	for (size_t i = 0; i < img->n_procs; i++)
		print_process(&img->procs[i]);
	printf("pipes: %zu\n", img->n_pipes);
	for (size_t i = 0; i < img->n_pipes; i++)
		printf("  pipe %llu: %llu bytes buffered, capacity %u\n",
		       (unsigned long long)img->pipes[i].p->id,
		       (unsigned long long)img->pipes[i].p->len, img->pipes[i].p->capacity);
	image_free(img);
	close(fd);
	return 0;
}
