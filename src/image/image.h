/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing and reading the context file (format.h). */
#ifndef UCR_IMAGE_H
#define UCR_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xxhash.h>

#include "format.h"

/* The writer streams records in one pass; it never seeks. */
struct img_writer {
	int fd;
	struct img_frames *frames;	/* compressing (frames.h), or NULL */
	uint64_t off;		/* bytes written so far, buffered included */
	uint64_t n_records;
	XXH3_state_t *hash;	/* the record being written */
	char *buf;
	size_t buf_len;
	int error;		/* the first failure to write or compress: -errno */
	const char *zstd_error;	/* zstd's name for it, when compressing failed */
};

/* compress_level: 0 for none, else zstd's level (1 fast ... 19 small).
 * The writer logs nothing: a failure of its own is in w->error. */
int img_writer_open(struct img_writer *w, int fd, int compress_level);
void img_writer_close(struct img_writer *w);
/* A whole record whose payload is the concatenation of n parts. */
int img_write_record(struct img_writer *w, uint32_t tag, const void *const *parts,
		     const size_t *lens, size_t n);
/* A record written in pieces: begin, data..., end. */
int img_record_begin(struct img_writer *w, uint32_t tag, uint64_t len, int page_aligned);
int img_record_data(struct img_writer *w, const void *data, size_t len);
/* img_record_data in two halves, for bytes summed by one thread while
 * another writes those before: sum adds them to the record's checksum,
 * put writes them; each half in the record's order, both done by end. */
void img_record_sum(struct img_writer *w, const void *data, size_t len);
int img_record_put(struct img_writer *w, const void *data, size_t len);
int img_record_end(struct img_writer *w);
int img_writer_finish(struct img_writer *w);	/* IMG_END and flush */
/* Out to the file, what is buffered. */
int img_writer_flush(struct img_writer *w);
/* The records of staged, an uncompressed writer flushed, as they are: no
 * record of theirs is page-aligned, and the offsets of the others only
 * need IMG_ALIGN (cr_checkpoint --cow writes each process's records
 * before its memory, while it is parked). */
int img_writer_append(struct img_writer *w, const struct img_writer *staged);

struct image_area {
	const struct img_area *a;
	const struct img_run *runs;
	char *path;
	uint64_t data_off;	/* file offset of the first saved page */
	uint64_t n_base_pages;	/* in runs with IMG_RUN_BASE: in the base */
	/* the XXH3-64 of each saved page, in address order, those in the
	 * base too (n_pages + n_base_pages) */
	const uint64_t *hashes;
};

struct image_file {
	const struct img_file *f;
	char *path;
};

struct image_process {
	const struct img_process *p;
	char *exe, *cwd;
	const struct img_thread **threads;
	size_t n_threads;
	size_t main_thread;	/* index of the thread whose tid is the pid */
	const uint64_t *auxv;
	size_t auxv_len;	/* bytes */
	const struct sys_sigaction *sigacts;	/* IMG_NSIG */
	struct image_area *areas;
	size_t n_areas;
	struct image_file *files;
	size_t n_files;
	const struct img_lock **locks;
	size_t n_locks;
};

struct image_file_data {
	const struct img_file_data *d;
	uint64_t data_off;	/* file offset of its content (its extents' bytes) */
	const struct img_extent *extents;	/* FILE_DATA_F_SPARSE: where they go */
	uint64_t n_extents;
};

struct image_pipe {
	const struct img_pipe *p;
	uint64_t data_off;	/* file offset of its bytes */
};

struct image_socket {
	const struct img_socket *s;
	const uint32_t *lens;	/* n_msgs */
	const char *name;	/* name_len bytes, not a string */
	uint64_t data_off;	/* file offset of its queue */
	const struct img_socket_right *rights;	/* in flight in its queue (IMG_SOCKET_RIGHTS) */
	uint32_t n_rights;
};

struct image_inet {
	const struct img_inet *s;
	uint64_t data_off;	/* file offset of its receive queue, then what it had to send */
};

struct image_mqueue {
	const struct img_mqueue *m;
	const struct img_mqueue_msg *msgs;	/* n_msgs */
	const char *name;	/* name_len bytes, not a string */
	uint64_t data_off;	/* file offset of the messages' bytes */
};

struct image_sysv_shm {
	const struct img_sysv_shm *s;
	uint64_t data_off;	/* file offset of its pages (IMG_PAGES); 0 when size is 0 */
};

struct image_sysv_msg {
	const struct img_sysv_msg *m;
	const struct img_sysv_message *msgs;	/* n_msgs */
	uint64_t data_off;	/* file offset of the first message's bytes */
};

struct image {
	int fd;			/* the caller's, or a memfd of ours (stream_fd) */
	int stream_fd;		/* the content of a stream or of a compressed
				 * file, in a memfd; -1 for a plain file */
	bool compressed;	/* the file is zstd frames */
	const uint8_t *map;
	uint64_t size;
	const struct img_header *hdr;
	struct image_process *procs;
	size_t n_procs;
	struct image_pipe *pipes;
	size_t n_pipes;
	struct image_socket *sockets;
	size_t n_sockets;
	struct image_inet *inet;
	size_t n_inet;
	struct image_mqueue *mqueues;
	size_t n_mqueues;
	const struct img_event **events;
	size_t n_events;
	struct image_file_data *file_data;
	size_t n_file_data;
	/* SysV IPC objects (sysv.c) */
	struct image_sysv_shm *sysv_shms;
	size_t n_sysv_shms;
	const struct img_sysv_sem **sysv_sems;
	size_t n_sysv_sems;
	struct image_sysv_msg *sysv_msgs;
	size_t n_sysv_msgs;
	uint64_t digest;	/* XXH3-64 of its records' checksums, in order */
	/* the page records left unchecked (IMG_LOAD_PAGES_UNCHECKED): the
	 * offset of each one's header and the length it sums */
	struct image_span { uint64_t off, len; } *unchecked;
	size_t n_unchecked;
	const struct img_base *base;	/* an increment's base, or NULL */
	char *base_path;
	/* cr_restart: the loaded base, and the descriptor by which the
	 * restored processes read each file of the chain (-1: none yet) */
	struct image *base_img;
	int rst_fd;
};

/* The process of the image with this pid, or NULL. */
const struct image_process *image_find_process(const struct image *img, int32_t pid);
/* The content of unlinked file id, or NULL. */
const struct image_file_data *image_find_file_data(const struct image *img, uint64_t id);
/* Where the saved page at addr of process pid is: the file of the chain
 * (img or a base of it, which cr_restart loaded) that holds it, its offset
 * there, and how many pages follow it there in one run; -EFAULT when the
 * page was not saved, -ENOENT when its base is not loaded. */
int image_find_page(const struct image *img, int32_t pid, uint64_t addr,
		    const struct image **ret_img, uint64_t *ret_off, uint64_t *ret_pages);
/* The saved socket id, or NULL. */
const struct image_socket *image_find_socket(const struct image *img, uint64_t id);
/* objects.c: an IMG_SOCKET or IMG_EVENT payload of len bytes (at file
 * offset off) into img: 0, -EINVAL when it does not hold together, -EEXIST
 * when its id is saved already. */
int image_add_socket(struct image *img, const void *payload, uint64_t len, uint64_t off);
/* An IMG_SOCKET_RIGHTS payload, for the socket saved last: as above. */
int image_add_socket_rights(struct image *img, const void *payload, uint64_t len);
int image_add_event(struct image *img, const void *payload, uint64_t len);
/* Whether its peer and its listener, if any, are saved and agree with it. */
bool image_socket_linked(const struct image *img, const struct image_socket *is);
/* inet.c: an IMG_INET payload, as image_add_socket; the saved TCP or UDP
 * socket id, or NULL; whether its peer or listener is saved and agrees. */
int image_add_inet(struct image *img, const void *payload, uint64_t len, uint64_t off);
const struct image_inet *image_find_inet(const struct image *img, uint64_t id);
bool image_inet_linked(const struct image *img, const struct image_inet *ii);
/* Its address (or its peer's) as messages show it, host:port, in buf. */
const char *image_inet_name(const struct img_inet *s, bool peer, char *buf, size_t len);
/* mqueue.c: an IMG_MQUEUE payload, as image_add_socket; the saved message
 * queue id, or NULL. */
int image_add_mqueue(struct image *img, const void *payload, uint64_t len, uint64_t off);
const struct image_mqueue *image_find_mqueue(const struct image *img, uint64_t id);
/* The saved event object id (IMG_EVENT), or NULL. */
const struct img_event *image_find_event(const struct image *img, uint64_t id);
/* Its saved descriptor fd, or NULL. */
const struct image_file *image_find_file(const struct image_process *p, int32_t fd);

/*
 * Maps and checks the whole file: every record's bounds and checksum, every
 * length, offset and address.  On failure *ret_err says what and where.
 * A pipe or socket is read to its end into memory (a memfd) first.
 */
int image_load(int fd, struct image **ret, char *err, size_t err_len);
/* The same; with IMG_LOAD_PAGES_UNCHECKED, the checksums of the page data
 * (IMG_PAGES) are not computed: the caller computes them later with
 * image_check_pages, or not at all when the pages are mapped from the
 * file (cr_restart --lazy).  Their bounds and the other records are
 * checked all the same. */
#define IMG_LOAD_PAGES_UNCHECKED 0x1
int image_load_flags(int fd, unsigned int flags, struct image **ret, char *err,
		     size_t err_len);
/* The checksums that IMG_LOAD_PAGES_UNCHECKED left: 0, or -EBADMSG and
 * the message in err. */
int image_check_pages(const struct image *img, char *err, size_t err_len);
void image_free(struct image *img);

/* locks.c: why the IMG_LOCK l of p (its files read so far) is invalid, or
 * NULL; and what it is, for messages ("a write lock (fcntl, bytes 0 to the
 * end)"). */
const char *image_lock_invalid(const struct image_process *p, const struct img_lock *l);
void image_lock_describe(const struct img_lock *l, char *buf, size_t len);
/* "fcntl", "ofd" or "flock"; "read" or "write" */
const char *image_lock_kind_name(uint32_t kind);
const char *image_lock_type_name(uint32_t type);

/* filedata.c: why the IMG_FILE_DATA payload d of len bytes is invalid, or
 * NULL; then fd holds where its content starts and its extents. */
const char *image_file_data_invalid(const struct img_file_data *d, uint64_t len,
				    struct image_file_data *fd);

/* sysv.c: the saved SysV shared memory segment shmid, or NULL; and
 * whether img holds any SysV IPC object. */
const struct image_sysv_shm *image_find_sysv_shm(const struct image *img, int32_t shmid);
bool image_has_sysv(const struct image *img);
/* sysv.c: an IMG_SYSV_SEM or IMG_SYSV_MSG payload of len bytes at file
 * offset off into img; or why it is invalid (the file is untrusted). */
const char *image_add_sysv_sem(struct image *img, const void *payload, uint64_t len);
const char *image_add_sysv_msg(struct image *img, const void *payload, uint64_t len,
			       uint64_t off);
/* sysv.c: an IMG_SYSV_SHM payload, its pages at data_off (0: none); or
 * why it is invalid. */
const char *image_add_sysv_shm(struct image *img, const void *payload, uint64_t len,
			       uint64_t data_off);

/* machine.c: the machine a context file needs; on a mismatch *err says
 * what differs. */
void image_header_fill(struct img_header *h, uint32_t n_processes);
int image_header_check(const struct img_header *saved, char *err, size_t err_len);

#endif
