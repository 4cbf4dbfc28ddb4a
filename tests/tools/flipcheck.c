/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * flipcheck FILE [ALL]: loads FILE as cr_restart and cr_info load a context
 * file (image_load()), once per byte flipped: every byte of the first ALL
 * bytes (65536 by default), then one byte in 997 of the rest.  Prints
 * "flipped N, accepted M" and the offsets of the first accepted ones; a
 * damaged byte anywhere must be refused, so M must be 0.  The load of
 * FILE itself must succeed (exit 2 otherwise).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "common/util.h"

static bool loads(int fd)
{
	struct image *img = NULL;
	char err[512];

	if (image_load(fd, &img, err, sizeof(err)))
		return false;
	image_free(img);
	return true;
}

int main(int argc, char **argv)
{
	uint64_t all = argc > 2 ? strtoull(argv[2], NULL, 0) : 65536, flipped = 0, accepted = 0;
	int in = argc > 1 ? open(argv[1], O_RDONLY | O_CLOEXEC) : -1;
	int fd = memfd_create("flipcheck", MFD_CLOEXEC);
	struct stat st;
	uint8_t *copy;

	log_level = LOG_QUIET;
	if (in < 0 || fd < 0 || fstat(in, &st) < 0 || !(copy = malloc(st.st_size)) ||
	    read(in, copy, st.st_size) != st.st_size || pwrite(fd, copy, st.st_size, 0) != st.st_size) {
		fprintf(stderr, "usage: flipcheck FILE [ALL] (FILE readable)\n");
		return 2;
	}
	if (!loads(fd)) {
		fprintf(stderr, "flipcheck: %s itself does not load\n", argv[1]);
		return 2;
	}
	for (uint64_t off = 0; off < (uint64_t)st.st_size; off += off < all ? 1 : 997) {
		uint8_t b = copy[off] ^ 0xff;

		if (pwrite(fd, &b, 1, off) != 1)
			return 2;
		flipped++;
		if (loads(fd) && accepted++ < 10)
			printf("accepted: offset %llu\n", (unsigned long long)off);
		if (pwrite(fd, &copy[off], 1, off) != 1)
			return 2;
	}
	printf("flipped %llu, accepted %llu\n", (unsigned long long)flipped,
	       (unsigned long long)accepted);
	free(copy);
	close(fd);
	close(in);
	return accepted != 0;
}
