/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A context file that cannot be mapped as it is, a stream (pipe, socket)
 * or a compressed file (one zstd frame), read to its end into a memfd that
 * the reader maps instead.
 */
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <zstd.h>

#include "stream.h"
#include "common/util.h"

/* The most a context file's content may take in memory: what is free now
 * (an untrusted compressed file must not fill memory up, and a restart
 * could not hold more anyway). */
static uint64_t memory_limit(void)
{
	char *meminfo, *at;
	size_t len;
	uint64_t kib = 0;

	if (read_file("/proc/meminfo", &meminfo, &len))
		return UINT64_MAX;
	at = strstr(meminfo, "MemAvailable:");
	if (at)
		kib = strtoull(at + strlen("MemAvailable:"), NULL, 10);
	free(meminfo);
	return at ? kib << 10 : UINT64_MAX;
}

/* Waits for a non-blocking descriptor to have data. */
static void wait_input(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	poll(&pfd, 1, -1);
}

/*
 * The context file into a memfd, which can be mapped and read at offsets:
 * a stream (pipe, socket) read to its end, or a compressed file (a zstd
 * frame) decompressed.  The memfd, or -errno with *err saying why.
 */
int img_stream_to_memfd(int fd, bool stream, char *err, size_t err_len)
{
	int mfd = memfd_create("ucr-context", MFD_CLOEXEC), r = 0;
	size_t in_len = 1 << 20, out_len = ZSTD_DStreamOutSize(), left = 0;
	char *in = xmalloc(in_len), *out = xmalloc(out_len);
	ZSTD_DCtx *dctx = NULL;
	uint64_t off = 0, limit = memory_limit(), written = 0;

	if (mfd < 0)
		r = -errno;
	while (!r) {
		ssize_t n = stream ? read(fd, in, in_len) : pread(fd, in, in_len, off);
		ZSTD_inBuffer zin = { in, 0, 0 };

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			wait_input(fd);
			continue;
		}
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		if (!off && n >= 4 && !memcmp(in, "\x28\xb5\x2f\xfd", 4) && !(dctx = ZSTD_createDCtx()))
			r = -ENOMEM;
		off += n;
		if (r || !dctx) {
			r = r ? r : write_full(mfd, in, n);
			continue;
		}
		zin.size = n;
		/* until the input is used up and the output no longer fills the
		 * buffer (zstd may hold more back) */
		for (bool full = true; !r && (zin.pos < zin.size || full);) {
			ZSTD_outBuffer zout = { out, out_len, 0 };

			left = ZSTD_decompressStream(dctx, &zout, &zin);
			if (ZSTD_isError(left)) {
				snprintf(err, err_len, "damaged compressed data: %s",
					 ZSTD_getErrorName(left));
				r = -EBADMSG;
				break;
			}
			full = zout.pos == zout.size;
			written += zout.pos;
			if (written > limit) {
				snprintf(err, err_len, "compressed data grows beyond the memory "
					 "available");
				r = -EFBIG;
				break;
			}
			r = write_full(mfd, out, zout.pos);
		}
	}
	if (!r && dctx && left) {
		snprintf(err, err_len, "compressed data cut short");
		r = -EBADMSG;
	} else if (r && r != -EBADMSG && r != -EFBIG) {
		snprintf(err, err_len, "cannot read: %s", strerror(-r));
	}
	ZSTD_freeDCtx(dctx);
	free(in);
	free(out);
	if (r) {
		safe_close(mfd);
		return r;
	}
	return mfd;
}

/* Whether a regular file starts as a zstd frame does. */
bool img_is_compressed(int fd)
{
	uint8_t magic[4];

	return pread(fd, magic, 4, 0) == 4 && !memcmp(magic, "\x28\xb5\x2f\xfd", 4);
}

