/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A context file that cannot be mapped as it is, a stream (pipe, socket)
 * or a compressed file (zstd frames, frames.c), read to its end into a
 * memfd that the reader maps instead.
 */
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "frames.h"
#include "stream.h"
#include "common/util.h"

#define STREAM_BUF (1u << 20)

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

/* A stream read to its end into a memfd; the memfd, or -errno. */
static int stream_copy(int fd)
{
	_cleanup_close_ int mfd = memfd_create("ucr-stream", MFD_CLOEXEC);
	_cleanup_free_ char *buf = xmalloc(STREAM_BUF);

	if (mfd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf, STREAM_BUF);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			wait_input(fd);
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : TAKE_FD(mfd);
		r = write_full(mfd, buf, (size_t)n);
		if (r)
			return r;
	}
}

int img_stream_to_memfd(int fd, bool stream, char *err, size_t err_len)
{
	_cleanup_close_ int copy = stream ? stream_copy(fd) : -1;
	struct stat st;
	void *map;
	int r;

	if (stream && copy < 0) {
		snprintf(err, err_len, "cannot read: %s", strerror(-copy));
		return copy;
	}
	if (stream)
		fd = copy;
	if (!img_is_compressed(fd))
		return TAKE_FD(copy);
	/* the frames are mapped: the workers read each where it lies */
	if (fstat(fd, &st) < 0 ||
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		r = -errno;
		snprintf(err, err_len, "cannot map: %s", strerror(errno));
		return r;
	}
	r = img_frames_to_memfd(map, (uint64_t)st.st_size, memory_limit(), err, err_len);
	munmap(map, (size_t)st.st_size);
	return r;
}

/* Whether a file starts as a zstd frame does. */
bool img_is_compressed(int fd)
{
	uint8_t magic[4];

	return pread(fd, magic, 4, 0) == 4 && !memcmp(magic, "\x28\xb5\x2f\xfd", 4);
}

