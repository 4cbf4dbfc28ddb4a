/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IMG_FILE_DATA records: what the reader accepts, a file saved dense or
 * with its holes left out (FILE_DATA_F_SPARSE).
 */
#include <string.h>
#include <sys/stat.h>

#include "image.h"

const char *image_file_data_invalid(const struct img_file_data *d, uint64_t len,
				    struct image_file_data *fd)
{
	const uint8_t *payload = (const void *)d;
	uint64_t n, end = 0, bytes = 0, head = sizeof(*d) + sizeof(n);

	if (!d->id || !S_ISREG(d->mode) || (d->flags & ~FILE_DATA_F_KNOWN))
		return "not a regular file's, or unknown flags";
	if (!(d->flags & FILE_DATA_F_SPARSE)) {
		fd->data_off = sizeof(*d);
		return d->size == len - sizeof(*d) ? NULL : "its size is not its length";
	}
	if (len < head)
		return "too short";
	memcpy(&n, payload + sizeof(*d), sizeof(n));
	if (n > (len - head) / sizeof(struct img_extent))
		return "more extents than it holds";
	fd->extents = (const void *)(payload + head);
	fd->n_extents = n;
	for (uint64_t i = 0; i < n; i++) {
		const struct img_extent *e = &fd->extents[i];

		if (!e->len || e->off < end || e->off > d->size || e->len > d->size - e->off)
			return "an extent is empty, out of order or outside the file";
		end = e->off + e->len;
		bytes += e->len;
	}
	head += n * sizeof(struct img_extent);
	if (bytes != len - head)
		return "its extents are not its length";
	fd->data_off = head;
	return NULL;
}
