/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit test of src/res/ (TAP): the table of resources (every entry named,
 * in the order the passes rely on), records written through the table and
 * read back, plans made from records, and the coordinator's registry of
 * shared descriptors.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "res/res.h"
#include "common/util.h"
#include "tap.h"

/* The table's index of the resource called name, or -1. */
static int res_index(const char *name)
{
	for (size_t i = 0; i < res_table_len; i++)
		if (!strcmp(res_table[i]->name, name))
			return (int)i;
	return -1;
}

static const struct res_ops *res_named(const char *name)
{
	int i = res_index(name);

	return i < 0 ? NULL : res_table[i];
}

static void test_table(void)
{
	bool named = true, unique = true, useful = true, zombies = true;
	/* the record order of docs/FORMAT.md, which the dump follows */
	const char *records[] = { "process", "threads", "auxv", "signals", "files", "memory" };
	bool in_order = true;

	for (size_t i = 0; i < res_table_len; i++) {
		const struct res_ops *o = res_table[i];

		named &= o->name && *o->name;
		for (size_t j = 0; j < i; j++)
			unique &= strcmp(o->name, res_table[j]->name) != 0;
		useful &= o->dump || o->check || o->prepare || o->commit || o->restore || o->plan;
		zombies &= o->zombie_too == !strcmp(o->name, "process");
	}
	ok(res_table_len >= 8 && named && unique, "every resource has a name of its own");
	ok(useful, "every resource does something in some pass");
	ok(zombies, "only the process record is written and checked for a zombie");
	for (size_t i = 0; i + 1 < ARRAY_SIZE(records); i++)
		in_order &= res_index(records[i]) >= 0 &&
			    res_index(records[i]) < res_index(records[i + 1]);
	ok(in_order, "the dump writes the records in the format's order");
	ok(res_index("files") < res_index("fs"), "the cwd is entered after the files reopen");
	ok(res_index("process") < res_index("auxv"), "the auxv size goes into the mm map after it");
	ok(res_index("pipes") < res_index("files"), "pipes are prepared before shared files");
	ok(res_applies(res_named("process"), true) && !res_applies(res_named("memory"), true) &&
	   res_applies(res_named("memory"), false), "res_applies: a zombie has its record only");
}

/* This process written as a zombie through the table, and read back. */
static void test_zombie_round_trip(void)
{
	int fd = memfd_create("res", MFD_CLOEXEC);
	struct dump_shared sh = { 0 };
	pid_t self = getpid();
	struct dump_ctx ctx = { .pid = self, .zombie = true, .mem_fd = -1, .shared = &sh };
	struct img_writer w;
	struct img_header h;
	const void *parts[] = { &h };
	size_t lens[] = { sizeof(h) };
	struct image *img = NULL;
	char err[256] = "";
	int r;

	if (fd < 0 || img_writer_open(&w, fd, 0) || process_pid_view(&sh, &self, 1))
		abort();
	image_header_fill(&h, 1);
	r = img_write_record(&w, IMG_HEADER, parts, lens, 1);
	ctx.w = &w;
	for (size_t i = 0; !r && i < res_table_len; i++)
		if (res_table[i]->dump && res_applies(res_table[i], true))
			r = res_table[i]->dump(&ctx);
	if (!r)
		r = img_writer_finish(&w);
	img_writer_close(&w);
	ok(r == 0, "a zombie's records are written through the table");
	r = image_load(fd, &img, err, sizeof(err));
	ok(r == 0 && img->n_procs == 1, "and read back");
	if (r) {
		printf("# %s\n", err);
		close(fd);
		return;
	}
	ok(img->procs[0].p->pid == getpid() && img->procs[0].p->ppid == getppid() &&
	   img->procs[0].p->pgid == getpgrp() && (img->procs[0].p->flags & PROC_F_ZOMBIE),
	   "its pid, parent, group and zombie flag survive");
	image_free(img);
	free(sh.pids);
	close(fd);
}

/* Plans made from records: the blob gets them as they were saved. */
static void test_plans(void)
{
	struct img_thread th[2] = {
		{ .tid = 10, .fsbase = 0x7000, .resume = 0x1234, .comm = "worker", .n_cpus = 1024,
		  .affinity = { 5 } },
		{ .tid = 11, .tid_address = 0x9000, .rseq_len = 32, .nice = -3, .comm = "main" },
	};
	const struct img_thread *threads[2] = { &th[0], &th[1] };
	struct sys_sigaction sa[IMG_NSIG] = { [1] = { .handler = 0x4000, .flags = 4, .mask = 2 } };
	uint64_t auxv[4] = { 6, 4096, 0, 0 };
	struct image_process proc = { .threads = threads, .n_threads = 2, .main_thread = 1,
				      .sigacts = sa, .auxv = auxv, .auxv_len = sizeof(auxv) };
	struct rst_ctx ctx = { .proc = &proc };
	struct plan *plan = xcalloc(1, sizeof(*plan) + 2 * sizeof(struct plan_thread));
	struct plan_thread *pt = (void *)(plan + 1);

	plan->threads_off = sizeof(*plan);
	ok(res_named("threads")->plan(&ctx, plan) == 0 && plan->n_threads == 2 &&
	   plan->main_thread == 1, "threads plan: count and main thread");
	ok(!memcmp(&pt[0].rec, &th[0], sizeof(th[0])) && !memcmp(&pt[1].rec, &th[1], sizeof(th[1])),
	   "threads plan: each record as saved");
	ok(res_named("signals")->plan(&ctx, plan) == 0 &&
	   !memcmp(plan->sigactions, sa, sizeof(sa)), "signals plan: every disposition as saved");
	ok(res_named("auxv")->plan(&ctx, plan) == 0 && plan->mm.auxv_size == sizeof(auxv) &&
	   !memcmp(plan->auxv, auxv, sizeof(auxv)), "auxv plan: the vector and its size");
	free(plan);
}

static void test_shared(void)
{
	struct rst_shared sh = { .base = 200 };
	struct rst_shared_fd *o;
	int fd = memfd_create("shared", MFD_CLOEXEC), helper;

	helper = helper_fd(&sh, fd);
	ok(helper >= 200 && fcntl(fd, F_GETFD) < 0 && errno == EBADF,
	   "helper_fd moves a descriptor above the base and closes the original");
	o = shared_add(&sh);
	o->kind = SHARED_PIPE;
	o->pid = o->fd = -1;
	o->id = 77;
	o->acc = O_WRONLY;
	o->helper = helper;
	ok(shared_find(&sh, SHARED_PIPE, -1, -1, 77, O_WRONLY) == o &&
	   !shared_find(&sh, SHARED_PIPE, -1, -1, 77, O_RDONLY) &&
	   !shared_find(&sh, SHARED_SHM, -1, -1, 77, O_WRONLY), "shared_find matches all fields");
	shared_close(&sh);
	ok(sh.n == 0 && fcntl(helper, F_GETFD) < 0, "shared_close closes every helper");
}

static void test_pipes_inside(void)
{
	struct dump_fd fds[3] = {
		{ .pid = 1, .fd = 3, .dev = 9, .ino = 500, .flags = O_RDONLY },
		{ .pid = 2, .fd = 4, .dev = 9, .ino = 500, .flags = O_WRONLY },
		{ .pid = 2, .fd = 5, .dev = 9, .ino = 600, .flags = O_RDONLY },
	};
	struct dump_shared sh = { .fds = fds, .n_fds = 3 };

	ok(pipes_inside(&sh, &fds[0]) && pipes_inside(&sh, &fds[1]),
	   "a pipe read and written in the request is inside");
	ok(!pipes_inside(&sh, &fds[2]), "a pipe only read in it leads outside");
}

int main(void)
{
	printf("1..20\n");
	test_table();
	test_zombie_round_trip();
	test_plans();
	test_shared();
	test_pipes_inside();
	return n_failed ? 1 : 0;
}
