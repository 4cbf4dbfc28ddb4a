/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IMG_LOCK records: what the reader accepts (every field, against the
 * descriptor the lock is taken through), and their words in messages and
 * in cr_info.
 */
#include <fcntl.h>
#include <stdio.h>

#include "image.h"

const char *image_lock_kind_name(uint32_t kind)
{
	return kind == LOCK_KIND_POSIX ? "fcntl" : kind == LOCK_KIND_OFD ? "ofd" :
	       kind == LOCK_KIND_FLOCK ? "flock" : "?";
}

const char *image_lock_type_name(uint32_t type)
{
	return type == LOCK_TYPE_READ ? "read" : type == LOCK_TYPE_WRITE ? "write" : "?";
}

/*
 * The kernel's own rules: a record lock (fcntl, or of an open file
 * description) covers bytes start to start + len - 1 within off_t, 0 len
 * to the end, and needs its descriptor open for reading (read lock) or
 * writing (write lock); a flock lock has no range.
 */
const char *image_lock_invalid(const struct image_process *p, const struct img_lock *l)
{
	const struct image_file *imf = image_find_file(p, l->fd);
	uint32_t mode;

	if (l->kind < LOCK_KIND_POSIX || l->kind > LOCK_KIND_FLOCK || l->type < LOCK_TYPE_READ ||
	    l->type > LOCK_TYPE_WRITE || l->pad)
		return "unknown kind or type";
	if (!imf || imf->f->kind != FILE_REGULAR)
		return "its descriptor is not a file saved before it";
	if (l->kind == LOCK_KIND_FLOCK)
		return l->start || l->len ? "a flock lock with a range" : NULL;
	if (l->start > INT64_MAX || (l->len && l->len - 1 > INT64_MAX - l->start))
		return "its range is beyond the largest file offset";
	mode = imf->f->open_flags & O_ACCMODE;
	if (mode == (l->type == LOCK_TYPE_READ ? O_WRONLY : O_RDONLY))
		return "its descriptor is not open for it";
	return NULL;
}

void image_lock_describe(const struct img_lock *l, char *buf, size_t len)
{
	const char *type = image_lock_type_name(l->type), *kind = image_lock_kind_name(l->kind);

	if (l->kind == LOCK_KIND_FLOCK)
		snprintf(buf, len, "a %s lock (%s)", type, kind);
	else if (l->len)
		snprintf(buf, len, "a %s lock (%s, bytes %llu to %llu)", type, kind,
			 (unsigned long long)l->start, (unsigned long long)(l->start + l->len - 1));
	else
		snprintf(buf, len, "a %s lock (%s, bytes %llu to the end)", type, kind,
			 (unsigned long long)l->start);
}
