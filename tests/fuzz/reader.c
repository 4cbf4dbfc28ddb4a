/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fuzzing target of the context file reader (make fuzz, libFuzzer):
 * each input is a context file, loaded and checked as cr_restart and
 * cr_info load one.  A context file is untrusted input: the reader must
 * refuse anything damaged with a message, and never crash, hang, read out
 * of bounds nor allocate beyond what the file's size allows.  The same
 * entry point runs the inputs kept in tests/fuzz/regress/ in make check
 * (tests/unit/fuzzregress.c).
 *
 * A mutated record fails its checksum, and the reader looks no further:
 * to reach what lies past the checksums, the target first gives every
 * record it can walk to the checksum of what it now holds (a compressed
 * file is taken as it is).  The inputs kept are the unmended ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "image/format.h"
#include "image/image.h"
#include "common/util.h"

/* Each record's checksum made right, as far as the lengths lead. */
static void mend_checksums(uint8_t *buf, size_t size)
{
	uint64_t off = 0;

	while (off <= size && size - off >= sizeof(struct img_rec) + sizeof(uint64_t)) {
		struct img_rec rec;
		uint64_t sum;

		memcpy(&rec, buf + off, sizeof(rec));
		if (rec.len > size - off - sizeof(rec) - sizeof(sum))
			return;
		sum = XXH3_64bits(buf + off, sizeof(rec) + rec.len);
		memcpy(buf + off + sizeof(rec) + rec.len, &sum, sizeof(sum));
		off = ALIGN_UP(off + sizeof(rec) + rec.len + sizeof(sum), (uint64_t)IMG_ALIGN);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;	/* one memfd for every input: no file system */
	struct image *img = NULL;
	uint8_t *mended = malloc(size + 1);
	char err[512];

	if (!mended)
		abort();
	memcpy(mended, data, size);
	if (size < 4 || memcmp(mended, "\x28\xb5\x2f\xfd", 4))
		mend_checksums(mended, size);
	if (fd < 0)
		fd = memfd_create("ucr-fuzz", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0) < 0 ||
	    (size && pwrite(fd, mended, size, 0) != (ssize_t)size))
		abort();
	free(mended);
	log_level = LOG_QUIET;
	if (image_load(fd, &img, err, sizeof(err)) == 0)
		image_free(img);
	return 0;
}
