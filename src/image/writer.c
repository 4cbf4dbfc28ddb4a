/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <unistd.h>
#include "frames.h"
#include "image.h"
#include "common/util.h"

/* Metadata is gathered in one buffer; page data bypasses it. */
#define WRITER_BUF (1u << 20)
#define WRITER_DIRECT (256u << 10)

static const uint8_t zeros[IMG_PAGE_SIZE];

/* Keeps the first failure for the caller's message; returns r. */
static int writer_failed(struct img_writer *w, int r)
{
	if (r && !w->error)
		w->error = r;
	return r;
}

/*
 * Out to the file, through zstd when compressing: the file is then a
 * sequence of zstd frames whose content is the context file
 * (docs/FORMAT.md); offsets and alignment are those of the content.
 */
static int writer_emit(struct img_writer *w, const void *data, size_t len)
{
	int r;

	if (!len)
		return 0;
	if (!w->frames)
		return writer_failed(w, write_full(w->fd, data, len));
	r = img_frames_put(w->frames, data, len);
	if (r)
		w->zstd_error = img_frames_error(w->frames);
	return writer_failed(w, r);
}

static int writer_flush(struct img_writer *w)
{
	int r;

	if (!w->buf_len)
		return 0;
	r = writer_emit(w, w->buf, w->buf_len);
	w->buf_len = 0;
	return r;
}

static int writer_put(struct img_writer *w, const void *data, size_t len)
{
	int r;

	if (!len)
		return 0;	/* an empty part may come with a NULL pointer */
	w->off += len;
	if (len >= WRITER_DIRECT) {
		r = writer_flush(w);
		return r ? r : writer_emit(w, data, len);
	}
	if (w->buf_len + len > WRITER_BUF) {
		r = writer_flush(w);
		if (r)
			return r;
	}
	memcpy(w->buf + w->buf_len, data, len);
	w->buf_len += len;
	return 0;
}

int img_writer_open(struct img_writer *w, int fd, int compress_level)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->buf = xmalloc_pages(WRITER_BUF);
	w->hash = XXH3_createState();
	if (!w->hash)
		return writer_failed(w, -ENOMEM);
	if (compress_level) {
		long n_cpus = sysconf(_SC_NPROCESSORS_ONLN);

		/* compress on every CPU while this thread reads the processes */
		w->frames = img_frames_open(fd, compress_level, n_cpus < 1 ? 1 : (int)n_cpus);
		if (!w->frames)
			return writer_failed(w, -ENOMEM);
	}
	return writer_put(w, IMG_MAGIC, IMG_MAGIC_LEN);
}

void img_writer_close(struct img_writer *w)
{
	free(w->buf);
	w->buf = NULL;
	img_frames_free(w->frames);
	w->frames = NULL;
	if (w->hash)
		XXH3_freeState(w->hash);
	w->hash = NULL;
}

static int writer_pad_to(struct img_writer *w, uint64_t target)
{
	return writer_put(w, zeros, target - w->off);
}

static int img_record_data_zero(struct img_writer *w, uint64_t len)
{
	while (len) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);
		int r = img_record_data(w, zeros, n);

		if (r)
			return r;
		len -= n;
	}
	return 0;
}

int img_record_begin(struct img_writer *w, uint32_t tag, uint64_t len, int page_aligned)
{
	struct img_rec rec = { .tag = tag, .len = len };
	int r;

	if (page_aligned && (w->off + sizeof(rec)) % IMG_PAGE_SIZE) {
		/* the payload must start on a page: a PAD record fills the gap */
		uint64_t overhead = 2 * sizeof(rec) + sizeof(uint64_t);
		uint64_t payload = ALIGN_UP(w->off + overhead, (uint64_t)IMG_PAGE_SIZE);
		uint64_t pad_len = payload - w->off - overhead;

		r = img_record_begin(w, IMG_PAD, pad_len, 0);
		if (!r)
			r = img_record_data_zero(w, pad_len);
		if (!r)
			r = img_record_end(w);
		if (r)
			return r;
	}
	XXH3_64bits_reset(w->hash);
	XXH3_64bits_update(w->hash, &rec, sizeof(rec));
	return writer_put(w, &rec, sizeof(rec));
}

void img_record_sum(struct img_writer *w, const void *data, size_t len)
{
	if (len)
		XXH3_64bits_update(w->hash, data, len);
}

int img_record_put(struct img_writer *w, const void *data, size_t len)
{
	return writer_put(w, data, len);
}

int img_record_data(struct img_writer *w, const void *data, size_t len)
{
	img_record_sum(w, data, len);
	return writer_put(w, data, len);
}

int img_record_end(struct img_writer *w)
{
	uint64_t sum = XXH3_64bits_digest(w->hash);
	int r;

	r = writer_put(w, &sum, sizeof(sum));
	if (!r)
		r = writer_pad_to(w, ALIGN_UP(w->off, (uint64_t)IMG_ALIGN));
	w->n_records++;
	return r;
}

int img_write_record(struct img_writer *w, uint32_t tag, const void *const *parts,
		     const size_t *lens, size_t n)
{
	uint64_t len = 0;
	int r;

	for (size_t i = 0; i < n; i++)
		len += lens[i];
	r = img_record_begin(w, tag, len, 0);
	for (size_t i = 0; !r && i < n; i++)
		r = img_record_data(w, parts[i], lens[i]);
	return r ? r : img_record_end(w);
}

int img_writer_flush(struct img_writer *w)
{
	return writer_flush(w);
}

int img_writer_append(struct img_writer *w, const struct img_writer *staged)
{
	static char buf[WRITER_DIRECT];

	if (staged->frames || staged->buf_len || w->off % IMG_ALIGN)
		return writer_failed(w, -EINVAL);
	for (uint64_t at = IMG_MAGIC_LEN; at < staged->off;) {
		size_t n = staged->off - at < sizeof(buf) ? staged->off - at : sizeof(buf);
		ssize_t got = pread(staged->fd, buf, n, at);
		int r;

		if (got <= 0)
			return writer_failed(w, got < 0 ? -errno : -EIO);
		r = writer_put(w, buf, got);
		if (r)
			return r;
		at += got;
	}
	w->n_records += staged->n_records;
	return 0;
}

int img_writer_finish(struct img_writer *w)
{
	struct img_end end = { .n_records = w->n_records };
	const void *parts[] = { &end };
	size_t lens[] = { sizeof(end) };
	int r = img_write_record(w, IMG_END, parts, lens, 1);

	if (!r)
		r = writer_flush(w);
	if (r || !w->frames)
		return r;
	r = img_frames_finish(w->frames);
	if (r)
		w->zstd_error = img_frames_error(w->frames);
	return writer_failed(w, r);
}
