/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reader's own parts, shared by reader.c and read_area.c. */
#ifndef UCR_IMAGE_READ_H
#define UCR_IMAGE_READ_H

#include <stdbool.h>
#include <xxhash.h>

#include "image.h"

/* Addresses a process on x86_64 can map: below the 47-bit user limit. */
#define USER_ADDR_MAX (1ULL << 47)
#define MAX_FD (1 << 20)
#define UCR_STRING_MAX 4096

struct reader {
	struct image *img;
	uint64_t off;
	char *err;
	size_t err_len;
	bool pages_unchecked;	/* IMG_LOAD_PAGES_UNCHECKED */
	XXH3_state_t *digest;	/* of the records' checksums: the file's digest */
};

struct rec_view {
	uint32_t tag;
	uint64_t off;		/* of the record header */
	uint64_t payload_off;
	uint64_t len;
	const uint8_t *payload;
};

/* Sets the message; returns -EBADMSG. */
int read_fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The next record not IMG_PAD, of this tag and at least min_len long. */
int read_expect(struct reader *r, struct rec_view *v, uint32_t tag, uint64_t min_len);
/* A string of len bytes at `at' in v's payload, with no NUL, copied. */
int read_string(struct reader *r, const struct rec_view *v, uint64_t at, uint32_t len,
		char **ret);
/* read_area.c: notes the page data of v for image_check_pages. */
void read_defer_pages(struct reader *r, const struct rec_view *v);
/* read_area.c: an IMG_AREA record v and the records of its pages. */
int read_area(struct reader *r, struct image_process *proc, const struct rec_view *v);
/* sysv.c: an IMG_SYSV_* record v (with the IMG_PAGES of a segment); and,
 * once all are read, whether every SysV attachment is of a saved segment. */
int read_sysv(struct reader *r, const struct rec_view *v);
int read_sysv_check(struct reader *r);

#endif
