/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A compressed context file (docs/FORMAT.md, "Compressed context files"):
 * a sequence of independent zstd frames, each holding the next chunk of
 * the content and saying its size, so that both ways run on every CPU.
 */
#ifndef UCR_IMAGE_FRAMES_H
#define UCR_IMAGE_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The content of one frame, the last excepted. */
#define FRAMES_CHUNK (4u << 20)

struct img_frames;

/* Compresses at zstd's level on n_threads threads, writing the frames to
 * fd in order.  NULL when a thread or zstd context cannot be had. */
struct img_frames *img_frames_open(int fd, int level, int n_threads);
/* The next bytes of the content; 0 or -errno. */
int img_frames_put(struct img_frames *f, const void *data, size_t len);
/* The last frame out, and every frame written; 0 or -errno. */
int img_frames_finish(struct img_frames *f);
/* Whether len bytes compress at level as a chunk must to be stored
 * compressed, not raw (true too when zstd fails: it says why later). */
bool img_frames_compressible(const void *data, size_t len, int level);
/* zstd's name for a failure to compress, or NULL. */
const char *img_frames_error(struct img_frames *f);
void img_frames_free(struct img_frames *f);

/*
 * The content of the frames in src (len bytes, untrusted) into a new
 * memfd, frames decompressed in parallel.  The memfd, or -errno with *err
 * saying why.
 */
int img_frames_to_memfd(const uint8_t *src, uint64_t len, uint64_t limit, char *err,
			size_t err_len);

#endif
