/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compressed context files, both ways (frames.h).  Every chunk of the
 * content is a zstd frame of its own with its content size in its header:
 * the writer compresses chunks on every CPU while the dumper reads the
 * next, and the reader finds every frame's place in the content from the
 * headers alone, then decompresses them on every CPU.  A chunk that does
 * not compress is stored in raw blocks, which costs a copy both ways.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "frames.h"
#include "common/util.h"

/* RFC 8878: a raw block holds at most 128 KiB. */
#define RAW_BLOCK (128u << 10)
/* A chunk whose samples or whole compress to more than this share of
 * their size is stored raw: what little zstd saves then costs more to
 * decompress than to read. */
#define RAW_ABOVE(n) ((n) / 100 * 97)
#define SAMPLE (16u << 10)

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

struct slot {
	char *in, *out;
	size_t in_len, out_len;
	bool raw;		/* to be written as a raw frame of in */
	enum slot_state state;
};

struct img_frames {
	int fd, level;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	pthread_t *threads;
	size_t n_threads;
	struct slot *slots;
	size_t n_slots;
	uint64_t n_submitted, n_taken, n_written;	/* chunks, in order */
	bool stop;
	const char *error;	/* zstd's, set under lock */
	int write_error;
};

/* A frame of raw blocks out to fd: header (magic, single segment, 4-byte
 * content size), then blocks of at most RAW_BLOCK bytes, in one writev
 * from where the chunk lies (no copy of it).  0 or -errno. */
static int frame_write_raw(int fd, const char *in, size_t len)
{
	enum { MAX_BLOCKS = (FRAMES_CHUNK + RAW_BLOCK - 1) / RAW_BLOCK };
	uint8_t head[9] = { 0x28, 0xb5, 0x2f, 0xfd, 0xa0 }, blocks[MAX_BLOCKS][3];
	struct iovec iov[1 + 2 * MAX_BLOCKS] = { { head, sizeof(head) } };
	int n = 1;

	if (len > FRAMES_CHUNK)
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		head[5 + i] = (uint8_t)(len >> (8 * i));
	for (size_t done = 0, b = 0; done < len; b++) {
		size_t part = len - done < RAW_BLOCK ? len - done : RAW_BLOCK;
		/* bit 0: last block; bits 1-2: type 0, raw; bits 3-23: size */
		uint32_t bh = (uint32_t)(part << 3) | (done + part == len);

		blocks[b][0] = (uint8_t)bh;
		blocks[b][1] = (uint8_t)(bh >> 8);
		blocks[b][2] = (uint8_t)(bh >> 16);
		iov[n++] = (struct iovec){ blocks[b], 3 };
		iov[n++] = (struct iovec){ (char *)in + done, part };
		done += part;
	}
	return writev_full(fd, iov, n);
}

/* Whether a few samples of the chunk compress at all, at the fastest
 * level: random data fails in a small fraction of the chunk's time. */
static bool worth_compressing(ZSTD_CCtx *probe, char *tmp, const struct slot *s)
{
	size_t in = 0, out = 0;

	if (s->in_len < 4 * SAMPLE)
		return true;
	for (size_t i = 0; i < 3; i++) {
		size_t at = (s->in_len - SAMPLE) / 2 * i;
		size_t n = ZSTD_compressCCtx(probe, tmp, ZSTD_compressBound(SAMPLE),
					     s->in + at, SAMPLE, 1);

		if (ZSTD_isError(n))
			return true;
		in += SAMPLE;
		out += n;
	}
	return out <= RAW_ABOVE(in);
}

bool img_frames_compressible(const void *data, size_t len, int level)
{
	size_t bound = ZSTD_compressBound(len), n;
	char *out = xmalloc(bound);

	n = ZSTD_compress(out, bound, data, len, level);
	free(out);
	return ZSTD_isError(n) || n <= RAW_ABOVE(len);
}

/* One chunk into one frame; zstd's error name, or NULL. */
static const char *frame_compress(ZSTD_CCtx *cctx, ZSTD_CCtx *probe, char *tmp, struct slot *s)
{
	size_t n;

	s->raw = !worth_compressing(probe, tmp, s);
	if (s->raw)
		return NULL;
	n = ZSTD_compress2(cctx, s->out, ZSTD_compressBound(FRAMES_CHUNK), s->in, s->in_len);
	if (ZSTD_isError(n))
		return ZSTD_getErrorName(n);
	s->out_len = n;
	s->raw = n > RAW_ABOVE(s->in_len);
	return NULL;
}

static void *frames_worker(void *arg)
{
	struct img_frames *f = arg;
	ZSTD_CCtx *cctx = ZSTD_createCCtx(), *probe = ZSTD_createCCtx();
	char *tmp = xmalloc(ZSTD_compressBound(SAMPLE));
	const char *error = NULL;

	if (!cctx || !probe ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, f->level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)))
		error = "cannot set up zstd";
	pthread_mutex_lock(&f->lock);
	for (;;) {
		struct slot *s;

		while (!f->stop && f->n_taken == f->n_submitted)
			pthread_cond_wait(&f->work, &f->lock);
		if (f->n_taken == f->n_submitted)
			break;
		s = &f->slots[f->n_taken++ % f->n_slots];
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&f->lock);
		if (!error)
			error = frame_compress(cctx, probe, tmp, s);
		pthread_mutex_lock(&f->lock);
		if (error && !f->error)
			f->error = error;
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&f->done);
	}
	pthread_mutex_unlock(&f->lock);
	ZSTD_freeCCtx(cctx);
	ZSTD_freeCCtx(probe);
	free(tmp);
	return NULL;
}

static void frames_stop(struct img_frames *f)
{
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_broadcast(&f->work);
	pthread_mutex_unlock(&f->lock);
	for (size_t i = 0; i < f->n_threads; i++)
		pthread_join(f->threads[i], NULL);
	f->n_threads = 0;
}

struct img_frames *img_frames_open(int fd, int level, int n_threads)
{
	struct img_frames *f = xcalloc(1, sizeof(*f));

	f->fd = fd;
	f->level = level;
	/* each thread one chunk, one more waiting, and the one being filled */
	f->n_slots = 2 * (size_t)n_threads + 1;
	f->slots = xcalloc(f->n_slots, sizeof(*f->slots));
	for (size_t i = 0; i < f->n_slots; i++) {
		f->slots[i].in = xmalloc_pages(FRAMES_CHUNK);
		f->slots[i].out = xmalloc(ZSTD_compressBound(FRAMES_CHUNK));
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->work, NULL);
	pthread_cond_init(&f->done, NULL);
	f->threads = xcalloc((size_t)n_threads, sizeof(*f->threads));
	for (; f->n_threads < (size_t)n_threads; f->n_threads++) {
		if (pthread_create(&f->threads[f->n_threads], NULL, frames_worker, f)) {
			img_frames_free(f);
			return NULL;
		}
	}
	return f;
}

/* The oldest chunk out to the file, once compressed; with wait false,
 * only if it is. 1 if written, 0 if not, or -errno. */
static int frames_write_oldest(struct img_frames *f, bool wait)
{
	struct slot *s = &f->slots[f->n_written % f->n_slots];
	int r;

	bool failed;

	pthread_mutex_lock(&f->lock);
	while (wait && s->state != SLOT_DONE)
		pthread_cond_wait(&f->done, &f->lock);
	r = s->state == SLOT_DONE;
	failed = f->error;
	pthread_mutex_unlock(&f->lock);
	if (failed)
		return -EIO;
	if (!r)
		return 0;
	r = s->raw ? frame_write_raw(f->fd, s->in, s->in_len) :
		     write_full(f->fd, s->out, s->out_len);
	if (r)
		return f->write_error = r;
	s->state = SLOT_FREE;
	s->in_len = 0;
	f->n_written++;
	return 1;
}

/* The chunk being filled to the threads; then the oldest chunks out, as
 * many as are compressed, and enough to have a free slot to fill. */
static int frames_submit(struct img_frames *f)
{
	int r;

	pthread_mutex_lock(&f->lock);
	f->slots[f->n_submitted++ % f->n_slots].state = SLOT_QUEUED;
	pthread_cond_signal(&f->work);
	pthread_mutex_unlock(&f->lock);
	do
		r = f->n_written < f->n_submitted ?
		    frames_write_oldest(f, f->n_submitted - f->n_written >= f->n_slots) : 0;
	while (r > 0);
	return r;
}

int img_frames_put(struct img_frames *f, const void *data, size_t len)
{
	if (f->write_error)
		return f->write_error;
	while (len) {
		struct slot *s = &f->slots[f->n_submitted % f->n_slots];
		size_t n = FRAMES_CHUNK - s->in_len < len ? FRAMES_CHUNK - s->in_len : len;
		int r;

		memcpy(s->in + s->in_len, data, n);
		s->in_len += n;
		data = (const char *)data + n;
		len -= n;
		if (s->in_len == FRAMES_CHUNK && (r = frames_submit(f)) < 0)
			return r;
	}
	return 0;
}

int img_frames_finish(struct img_frames *f)
{
	int r = 0;

	if (f->slots[f->n_submitted % f->n_slots].in_len)
		r = frames_submit(f);
	while (r >= 0 && f->n_written < f->n_submitted)
		r = frames_write_oldest(f, true);
	return r < 0 ? r : 0;
}

const char *img_frames_error(struct img_frames *f)
{
	const char *error;

	if (!f)
		return NULL;
	pthread_mutex_lock(&f->lock);
	error = f->error;
	pthread_mutex_unlock(&f->lock);
	return error;
}

void img_frames_free(struct img_frames *f)
{
	if (!f)
		return;
	frames_stop(f);
	for (size_t i = 0; i < f->n_slots; i++) {
		free(f->slots[i].in);
		free(f->slots[i].out);
	}
	free(f->slots);
	free(f->threads);
	pthread_cond_destroy(&f->work);
	pthread_cond_destroy(&f->done);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

/* Where one frame's content goes. */
struct frame {
	uint64_t src_off, src_len, dst_off, dst_len;
};

struct unpack {
	const uint8_t *src;
	uint8_t *dst;		/* the memfd's content, mapped */
	int mfd;
	const struct frame *frames;
	size_t n_frames;
	atomic_size_t next;
	pthread_mutex_t lock;
	size_t bad;		/* the first frame that failed, or n_frames */
	const char *error;
};

/* The frames of src, each with its place in the content; the number of
 * frames, or -EBADMSG with *err saying where and why. */
static ssize_t frames_walk(const uint8_t *src, uint64_t len, uint64_t limit,
			   struct frame **ret, uint64_t *ret_size, char *err, size_t err_len)
{
	struct frame *frames = NULL;
	size_t n = 0, cap = 0;
	uint64_t size = 0;

	for (uint64_t off = 0; off < len;) {
		size_t flen = ZSTD_findFrameCompressedSize(src + off, len - off);
		unsigned long long clen;

		if (ZSTD_isError(flen)) {
			snprintf(err, err_len, "%s compressed frame at offset %llu: %s",
				 ZSTD_getErrorCode(flen) == ZSTD_error_srcSize_wrong ?
				 "cut short," : "damaged", (unsigned long long)off,
				 ZSTD_getErrorName(flen));
			goto fail;
		}
		clen = ZSTD_getFrameContentSize(src + off, len - off);
		if (clen == ZSTD_CONTENTSIZE_UNKNOWN || clen == ZSTD_CONTENTSIZE_ERROR) {
			snprintf(err, err_len, "compressed frame at offset %llu %s",
				 (unsigned long long)off, clen == ZSTD_CONTENTSIZE_UNKNOWN ?
				 "does not give its content size" : "is damaged");
			goto fail;
		}
		if (clen > limit - size) {
			snprintf(err, err_len, "compressed data grows beyond the memory available "
				 "(frame at offset %llu)", (unsigned long long)off);
			free(frames);
			return -EFBIG;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			frames = xrealloc(frames, cap * sizeof(*frames));
		}
		frames[n++] = (struct frame){ off, flen, size, clen };
		size += clen;
		off += flen;
	}
	*ret = frames;
	*ret_size = size;
	return (ssize_t)n;
fail:
	free(frames);
	return -EBADMSG;
}

/* The blocks of a frame as the writer makes raw ones (frame_write_raw), each
 * of size bytes; the content size if it is one, else 0: zstd then
 * decompresses it, or says what is wrong with it. */
static uint64_t frame_raw_size(const uint8_t *p, uint64_t len)
{
	uint64_t at = 9, size = 0;

	if (len < at || memcmp(p, "\x28\xb5\x2f\xfd\xa0", 5))
		return 0;
	while (len - at >= 3) {
		uint32_t bh = p[at] | (uint32_t)p[at + 1] << 8 | (uint32_t)p[at + 2] << 16;

		if ((bh >> 1 & 3) || len - at - 3 < bh >> 3)
			return 0;
		at += 3 + (bh >> 3);
		size += bh >> 3;
		if (bh & 1)
			return at == len ? size : 0;
	}
	return 0;
}

/* A raw frame's blocks copied to their place in the memfd's mapping. */
static void frame_copy_raw(const struct unpack *u, const struct frame *fr)
{
	const uint8_t *p = u->src + fr->src_off + 9;
	uint8_t *dst = u->dst + fr->dst_off;

	for (uint64_t done = 0; done < fr->dst_len;) {
		uint32_t n = (p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16) >> 3;

		memcpy(dst, p + 3, n);
		p += 3 + n;
		dst += n;
		done += n;
	}
}

static void *unpack_worker(void *arg)
{
	struct unpack *u = arg;
	ZSTD_DCtx *dctx = ZSTD_createDCtx();

	for (size_t i; (i = atomic_fetch_add(&u->next, 1)) < u->n_frames;) {
		const struct frame *fr = &u->frames[i];
		const char *error = NULL;
		size_t n;

		/* The memfd's pages made first, in one call: a fault per page
		 * during the copy costs more than the copy, and a pwrite() per
		 * block takes the memfd's lock, which the threads then wait
		 * for.  Failure only costs speed (kernels before 5.14). */
		madvise(u->dst + fr->dst_off, fr->dst_len, MADV_POPULATE_WRITE);
		if (fr->dst_len && frame_raw_size(u->src + fr->src_off, fr->src_len) == fr->dst_len) {
			frame_copy_raw(u, fr);
		} else {
			n = dctx ? ZSTD_decompressDCtx(dctx, u->dst + fr->dst_off, fr->dst_len,
						       u->src + fr->src_off, fr->src_len) : 0;
			error = !dctx ? "out of memory" :
				ZSTD_isError(n) ? ZSTD_getErrorName(n) :
				n != fr->dst_len ? "shorter than its header says" : NULL;
		}
		if (!error)
			continue;
		pthread_mutex_lock(&u->lock);
		if (i < u->bad) {
			u->bad = i;
			u->error = error;
		}
		pthread_mutex_unlock(&u->lock);
		atomic_store(&u->next, u->n_frames);
	}
	ZSTD_freeDCtx(dctx);
	return NULL;
}

/* The frames decompressed into dst, on every CPU; 0 or -EBADMSG. */
static int frames_unpack(struct unpack *u, char *err, size_t err_len)
{
	long n_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = n_cpus < 1 ? 1 : (size_t)n_cpus;
	pthread_t *threads;
	size_t started = 0;

	if (n > u->n_frames)
		n = u->n_frames;
	threads = xcalloc(n ? n : 1, sizeof(*threads));
	pthread_mutex_init(&u->lock, NULL);
	u->bad = u->n_frames;
	/* this thread works too, so that it does when none can be started */
	while (started + 1 < n && !pthread_create(&threads[started], NULL, unpack_worker, u))
		started++;
	unpack_worker(u);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&u->lock);
	free(threads);
	if (u->bad == u->n_frames)
		return 0;
	snprintf(err, err_len, "damaged compressed frame at offset %llu: %s",
		 (unsigned long long)u->frames[u->bad].src_off, u->error);
	return -EBADMSG;
}

int img_frames_to_memfd(const uint8_t *src, uint64_t len, uint64_t limit, char *err,
			size_t err_len)
{
	_cleanup_close_ int mfd = memfd_create("ucr-context", MFD_CLOEXEC);
	_cleanup_free_ struct frame *frames = NULL;
	struct unpack u = { .src = src, .mfd = mfd };
	uint64_t size;
	ssize_t n;
	int r;

	if (mfd < 0) {
		snprintf(err, err_len, "cannot create a memfd: %s", strerror(errno));
		return -errno;
	}
	n = frames_walk(src, len, limit, &frames, &size, err, err_len);
	if (n < 0)
		return (int)n;
	if (!size)
		return TAKE_FD(mfd);
	if (ftruncate(mfd, (off_t)size) < 0 ||
	    (u.dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0)) == MAP_FAILED) {
		r = -errno;
		snprintf(err, err_len, "cannot hold %llu bytes of content in a memfd: %s",
			 (unsigned long long)size, strerror(errno));
		return r;
	}
	u.frames = frames;
	u.n_frames = (size_t)n;
	r = frames_unpack(&u, err, err_len);
	munmap(u.dst, size);
	return r ? r : TAKE_FD(mfd);
}
