/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pages of an area's own runs, read from the process, hashed and
 * summed into their record's checksum by a thread of their own while the
 * dumper's thread writes the chunks read before: on two CPUs the
 * checkpoint then costs about the writing alone.  The writing stays in
 * the dumper's thread, which --time's timer interrupts
 * (checkpoint/dump.c).  Areas of a few chunks are read in the dumper's
 * thread, in turn with the writing: a thread would cost more than it
 * saves.
 */
#include <pthread.h>
#include <signal.h>

#include <xxhash.h>

#include "res.h"
#include "common/util.h"

/* ctx->buf in as many chunks: one being written, the others read ahead */
#define SLOTS 4
/* below this many chunks of pages, no thread */
#define THREAD_MIN_CHUNKS 4

struct page_reader {
	struct dump_ctx *ctx;
	const struct img_area *a;
	const struct img_run *runs;
	uint64_t *hashes;	/* of each own page as it is read, or NULL */
	size_t slot_len;
	/* the reading's position: run, bytes into it, own pages so far */
	uint64_t run, done, at;
	size_t lens[SLOTS];
	/* chunks read and not yet released by the writer, from slot tail on */
	unsigned int filled, tail;
	bool held, finished, stop, threaded;
	int error;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
};

/* The next chunk into slot: its length, 0 at the end, or -errno. */
static ssize_t read_chunk(struct page_reader *pr, unsigned int slot)
{
	const struct img_area *a = pr->a;
	char *buf = pr->ctx->buf + (size_t)slot * pr->slot_len;

	while (pr->run < a->n_runs && (pr->runs[pr->run].n_pages & IMG_RUN_BASE ||
				       pr->done == pr->runs[pr->run].n_pages * IMG_PAGE_SIZE)) {
		pr->run++;	/* the base's runs are hashed already (increment.c) */
		pr->done = 0;
	}
	if (pr->run == a->n_runs)
		return 0;

	const struct img_run *run = &pr->runs[pr->run];
	uint64_t addr = a->start + run->first * IMG_PAGE_SIZE + pr->done;
	uint64_t left = run->n_pages * IMG_PAGE_SIZE - pr->done;
	size_t n = left < pr->slot_len ? left : pr->slot_len;
	int r = memory_read(pr->ctx, a, addr, buf, n);

	if (r)
		return log_errno(r, "cannot read memory %#llx-%#llx of pid %d",
				 (unsigned long long)addr, (unsigned long long)(addr + n),
				 (int)pr->ctx->pid);
	for (size_t k = 0; pr->hashes && k < n; k += IMG_PAGE_SIZE)
		pr->hashes[pr->at++] = XXH3_64bits(buf + k, IMG_PAGE_SIZE);
	/* the record's checksum here too: the writer's thread only writes */
	img_record_sum(pr->ctx->w, buf, n);
	pr->done += n;
	return (ssize_t)n;
}

static void *reader_main(void *arg)
{
	struct page_reader *pr = arg;
	unsigned int slot = 0;

	for (;;) {
		ssize_t n;

		pthread_mutex_lock(&pr->lock);
		while (pr->filled == SLOTS && !pr->stop)
			pthread_cond_wait(&pr->changed, &pr->lock);
		if (pr->stop) {
			pthread_mutex_unlock(&pr->lock);
			return NULL;
		}
		slot = (pr->tail + pr->filled) % SLOTS;
		pthread_mutex_unlock(&pr->lock);
		n = read_chunk(pr, slot);
		pthread_mutex_lock(&pr->lock);
		if (n > 0) {
			pr->lens[slot] = n;
			pr->filled++;
		} else {
			pr->error = (int)n;
			pr->finished = true;
		}
		pthread_cond_signal(&pr->changed);
		pthread_mutex_unlock(&pr->lock);
		if (n <= 0)
			return NULL;
	}
}

int page_reader_start(struct page_reader **ret, struct dump_ctx *ctx, const struct img_area *a,
		      const struct img_run *runs, uint64_t *hashes)
{
	struct page_reader *pr = xcalloc(1, sizeof(*pr));
	sigset_t all, old;

	*pr = (struct page_reader){ .ctx = ctx, .a = a, .runs = runs, .hashes = hashes,
				    .slot_len = ctx->buf_len / SLOTS };
	*ret = pr;
	if (a->n_pages * IMG_PAGE_SIZE < THREAD_MIN_CHUNKS * pr->slot_len)
		return 0;
	pthread_mutex_init(&pr->lock, NULL);
	pthread_cond_init(&pr->changed, NULL);
	/* signals are the dumper's thread's: --time's cuts its writes */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pr->threaded = !pthread_create(&pr->thread, NULL, reader_main, pr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!pr->threaded) {
		pthread_cond_destroy(&pr->changed);
		pthread_mutex_destroy(&pr->lock);
	}
	return 0;
}

int page_reader_next(struct page_reader *pr, const void **ret_data, size_t *ret_len)
{
	ssize_t n;

	*ret_len = 0;
	if (!pr->threaded) {
		n = read_chunk(pr, 0);
		if (n < 0)
			return (int)n;
		*ret_data = pr->ctx->buf;
		*ret_len = n;
		return 0;
	}
	pthread_mutex_lock(&pr->lock);
	if (pr->held) {
		pr->held = false;
		pr->filled--;
		pr->tail = (pr->tail + 1) % SLOTS;
		pthread_cond_signal(&pr->changed);
	}
	while (!pr->filled && !pr->finished)
		pthread_cond_wait(&pr->changed, &pr->lock);
	if (pr->filled) {
		pr->held = true;
		*ret_data = pr->ctx->buf + (size_t)pr->tail * pr->slot_len;
		*ret_len = pr->lens[pr->tail];
	}
	n = pr->filled ? 0 : pr->error;
	pthread_mutex_unlock(&pr->lock);
	return (int)n;
}

void page_reader_end(struct page_reader *pr)
{
	if (!pr)
		return;
	if (pr->threaded) {
		pthread_mutex_lock(&pr->lock);
		pr->stop = true;
		pthread_cond_signal(&pr->changed);
		pthread_mutex_unlock(&pr->lock);
		pthread_join(pr->thread, NULL);
		pthread_cond_destroy(&pr->changed);
		pthread_mutex_destroy(&pr->lock);
	}
	free(pr);
}
