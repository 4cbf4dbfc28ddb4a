/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reader's input when it is not a plain file (stream.c). */
#ifndef UCR_IMAGE_STREAM_H
#define UCR_IMAGE_STREAM_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The context file into a memfd, which can be mapped and read at offsets:
 * a stream (pipe, socket) read to its end, and a compressed file (zstd
 * frames, frames.c) decompressed.  The memfd, or -errno with *err saying why.
 */
int img_stream_to_memfd(int fd, bool stream, char *err, size_t err_len);
/* Whether a file starts as a zstd frame does. */
bool img_is_compressed(int fd);

#endif
