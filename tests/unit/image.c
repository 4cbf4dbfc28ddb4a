/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit test of the context file writer and reader (TAP): a small image is
 * written, read back, and then damaged in every way the reader must catch.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <xxhash.h>

#include "image/image.h"
#include "common/util.h"
#include "tap.h"

static void write_rec(struct img_writer *w, uint32_t tag, const void *a, size_t alen,
		      const void *b, size_t blen)
{
	const void *parts[] = { a, b };
	size_t lens[] = { alen, blen };

	if (img_write_record(w, tag, parts, lens, b ? 2 : 1))
		abort();
}

/* The records of one process up to its files and areas, into w on a new
 * memfd (returned), compressed with zstd at compress_level, unless 0. */
static int begin_image(struct img_writer *w, int compress_level)
{
	int fd = memfd_create("image", MFD_CLOEXEC);
	struct img_header h;
	struct img_process p = { .pid = 4242, .n_threads = 1, .comm = "unit" };
	struct img_thread t = { .tid = 4242 };
	uint64_t auxv[2] = { 0, 0 };
	struct sys_sigaction sa[IMG_NSIG] = { { 0 } };
	const char *exe = "/bin/unit", *cwd = "/";

	p.exe_len = strlen(exe);
	p.cwd_len = strlen(cwd);
	if (fd < 0 || img_writer_open(w, fd, compress_level))
		abort();
	image_header_fill(&h, 1);
	write_rec(w, IMG_HEADER, &h, sizeof(h), NULL, 0);
	{
		const void *parts[] = { &p, exe, cwd };
		size_t lens[] = { sizeof(p), p.exe_len, p.cwd_len };

		img_write_record(w, IMG_PROCESS, parts, lens, 3);
	}
	write_rec(w, IMG_THREAD, &t, sizeof(t), NULL, 0);
	write_rec(w, IMG_AUXV, auxv, sizeof(auxv), NULL, 0);
	write_rec(w, IMG_SIGACTS, sa, sizeof(sa), NULL, 0);
	return fd;
}

/* One process with a heap area of 3 pages, pages 0 and 2 saved;
 * compressed with zstd at compress_level, unless 0. */
static int make_image(uint8_t *pages, int compress_level)
{
	struct img_writer w;
	int fd = begin_image(&w, compress_level);
	struct img_area a = { .start = 0x10000, .end = 0x13000, .prot = 3, .kind = AREA_ANON,
			      .flags = AREA_F_HEAP, .n_runs = 2, .n_pages = 2 };
	struct img_run runs[2] = { { 0, 1 }, { 2, 1 } };

	write_rec(&w, IMG_AREA, &a, sizeof(a), runs, sizeof(runs));
	uint64_t hashes[2] = { XXH3_64bits(pages, IMG_PAGE_SIZE),
			       XXH3_64bits(pages + IMG_PAGE_SIZE, IMG_PAGE_SIZE) };

	if (img_record_begin(&w, IMG_PAGES, 2 * IMG_PAGE_SIZE, 1) ||
	    img_record_data(&w, pages, 2 * IMG_PAGE_SIZE) || img_record_end(&w))
		abort();
	write_rec(&w, IMG_PAGE_HASHES, hashes, sizeof(hashes), NULL, 0);
	if (img_writer_finish(&w))
		abort();
	img_writer_close(&w);
	return fd;
}

/* A well-formed file of one header record that says format version v. */
static int version_image(uint32_t v)
{
	struct img_writer w;
	struct img_header h;
	int fd = memfd_create("image", MFD_CLOEXEC);

	if (fd < 0 || img_writer_open(&w, fd, 0))
		abort();
	image_header_fill(&h, 1);
	h.version = v;
	write_rec(&w, IMG_HEADER, &h, sizeof(h), NULL, 0);
	if (img_writer_finish(&w))
		abort();
	img_writer_close(&w);
	return fd;
}

/* The image being written to fd, finished and loaded. */
static int finish_load(struct img_writer *w, int fd, struct image **img, char *err,
		       size_t err_len)
{
	if (img_writer_finish(w))
		abort();
	img_writer_close(w);
	*img = NULL;
	return image_load(fd, img, err, err_len);
}

/* r, the result of finish_load(), or -EIO when it loaded but what it holds
 * is not good; img and fd are done with. */
static int loaded(struct image *img, int fd, int r, bool good)
{
	image_free(img);
	close(fd);
	return r ? r : good ? 0 : -EIO;
}

/*
 * One process with an unlinked file on fd 3 (f) and, unless d is NULL, the
 * record of its content (d, then len bytes, of which the record says
 * d->size); loaded, with *err saying why not.  0 when it loads and its
 * content reads back.
 */
static int load_unlinked(const struct img_file *f, const struct img_file_data *d, size_t len,
			 char *err, size_t err_len)
{
	static const char content[64] = "the content of an unlinked file";
	const char *path = "/tmp/scratch";
	struct img_file fr = *f;
	struct img_writer w;
	struct image *img;
	int fd = begin_image(&w, 0), r;

	fr.path_len = strlen(path);
	if (d)
		write_rec(&w, IMG_FILE_DATA, d, sizeof(*d), content, len);
	write_rec(&w, IMG_FILE, &fr, sizeof(fr), path, fr.path_len);
	r = finish_load(&w, fd, &img, err, err_len);
	return loaded(img, fd, r, !r && img->n_file_data == 1 &&
		      !memcmp(img->map + img->file_data[0].data_off, content, len));
}

static void test_unlinked(void)
{
	struct img_file f = { .fd = 3, .kind = FILE_REGULAR, .mode = S_IFREG | 0640,
			      .share_pid = -1, .share_fd = -1, .object_id = 1,
			      .flags = FILE_F_UNLINKED };
	struct img_file_data d = { .id = 1, .size = 32, .mode = S_IFREG | 0640 };
	char err[256] = "";

	ok(load_unlinked(&f, &d, 32, err, sizeof(err)) == 0,
	   "an unlinked file with its content loads, and its content reads back");
	ok(load_unlinked(&f, NULL, 0, err, sizeof(err)) < 0 && strstr(err, "no saved contents"),
	   "an unlinked file without its content is refused");
	ok(load_unlinked(&f, &d, 31, err, sizeof(err)) < 0 && strstr(err, "file data"),
	   "a content record shorter than its size is refused");
	d.mode = S_IFDIR | 0750;
	ok(load_unlinked(&f, &d, 32, err, sizeof(err)) < 0, "content that is not a file's is refused");
	d.mode = S_IFREG | 0640;
	d.id = 0;
	ok(load_unlinked(&f, &d, 32, err, sizeof(err)) < 0, "content numbered 0 is refused");
	d.id = 1;
	f.flags = 0x80;
	ok(load_unlinked(&f, &d, 32, err, sizeof(err)) < 0, "an unknown file flag is refused");
	f.flags = FILE_F_UNLINKED;
	f.kind = FILE_CONTEXT;
	ok(load_unlinked(&f, &d, 32, err, sizeof(err)) < 0,
	   "an unlinked descriptor of another kind is refused");
}

/* One process with an unlinked file of 1 MiB on fd 3, saved with flags
 * and n extents e, followed by bytes bytes; loaded, with *err saying why
 * not.  0 when it loads with its extents. */
static int load_sparse(const struct img_extent *e, uint64_t n, uint64_t bytes, uint32_t flags,
		       char *err, size_t err_len)
{
	static const char content[64] = "two extents of data";
	const char *path = "/tmp/sparse";
	struct img_file_data d = { .id = 1, .size = 1 << 20, .mode = S_IFREG | 0640,
				   .flags = flags };
	struct img_file f = { .fd = 3, .kind = FILE_REGULAR, .mode = S_IFREG | 0640,
			      .share_pid = -1, .share_fd = -1, .object_id = 1,
			      .flags = FILE_F_UNLINKED, .path_len = strlen(path) };
	const void *parts[] = { &d, &n, e, content };
	size_t lens[] = { sizeof(d), sizeof(n), n * sizeof(*e), bytes };
	struct img_writer w;
	struct image *img;
	int fd = begin_image(&w, 0), r;

	if (img_write_record(&w, IMG_FILE_DATA, parts, lens, 4))
		abort();
	write_rec(&w, IMG_FILE, &f, sizeof(f), path, f.path_len);
	r = finish_load(&w, fd, &img, err, err_len);
	return loaded(img, fd, r, !r && img->file_data[0].n_extents == n);
}

static void test_sparse(void)
{
	struct img_extent e[2] = { { 0, 16 }, { 4096, 16 } };
	char err[256] = "";

	ok(load_sparse(e, 2, 32, FILE_DATA_F_SPARSE, err, sizeof(err)) == 0,
	   "a file saved with two extents of data loads");
	ok(load_sparse(e, 2, 31, FILE_DATA_F_SPARSE, err, sizeof(err)) < 0 &&
	   strstr(err, "not its length"), "with a byte too few it is refused");
	ok(load_sparse(e, 2, 32, 2, err, sizeof(err)) < 0, "an unknown flag is refused");
	e[1].off = 0;
	ok(load_sparse(e, 2, 32, FILE_DATA_F_SPARSE, err, sizeof(err)) < 0,
	   "overlapping extents are refused");
	e[1].off = (1 << 20) - 8;
	ok(load_sparse(e, 2, 32, FILE_DATA_F_SPARSE, err, sizeof(err)) < 0,
	   "an extent past the end of the file is refused");
	e[1] = (struct img_extent){ 4096, 0 };
	ok(load_sparse(e, 2, 16, FILE_DATA_F_SPARSE, err, sizeof(err)) < 0,
	   "an empty extent is refused");
}

/* One process with f on fd 3 (a file opened read-only unless f says) and
 * lock l, after f unless lock_first; loaded, with *err saying why not. */
static int load_lock(const struct img_file *f, const struct img_lock *l, bool lock_first,
		     char *err, size_t err_len)
{
	const char *path = "/tmp/data";
	struct img_file fr = *f;
	struct img_writer w;
	struct image *img;
	int fd = begin_image(&w, 0), r;

	fr.path_len = strlen(path);
	if (lock_first)
		write_rec(&w, IMG_LOCK, l, sizeof(*l), NULL, 0);
	write_rec(&w, IMG_FILE, &fr, sizeof(fr), path, fr.path_len);
	if (!lock_first)
		write_rec(&w, IMG_LOCK, l, sizeof(*l), NULL, 0);
	r = finish_load(&w, fd, &img, err, err_len);
	return loaded(img, fd, r, !r && img->procs[0].n_locks == 1 &&
		      img->procs[0].locks[0]->len == l->len);
}

static void test_locks(void)
{
	struct img_file f = { .fd = 3, .kind = FILE_REGULAR, .mode = S_IFREG | 0640,
			      .open_flags = O_RDONLY, .share_pid = -1, .share_fd = -1 };
	struct img_lock l = { .fd = 3, .kind = LOCK_KIND_POSIX, .type = LOCK_TYPE_READ,
			      .start = 100, .len = 50 };
	char err[256] = "";

	ok(load_lock(&f, &l, false, err, sizeof(err)) == 0, "a read lock on a file loads");
	ok(load_lock(&f, &l, true, err, sizeof(err)) < 0 && strstr(err, "not a file saved before"),
	   "a lock before its descriptor's record is refused");
	l.type = LOCK_TYPE_WRITE;
	ok(load_lock(&f, &l, false, err, sizeof(err)) < 0 && strstr(err, "not open for it"),
	   "a write lock on a descriptor open for reading only is refused");
	f.open_flags = O_WRONLY;
	ok(load_lock(&f, &l, false, err, sizeof(err)) == 0, "and loads on one open for writing");
	l.type = LOCK_TYPE_READ;
	ok(load_lock(&f, &l, false, err, sizeof(err)) < 0, "where a read lock is refused");
	f.open_flags = O_RDWR;
	l.fd = 4;
	ok(load_lock(&f, &l, false, err, sizeof(err)) < 0, "a lock on a descriptor not saved is refused");
	l.fd = 3;
	f.kind = FILE_INHERIT;
	ok(load_lock(&f, &l, false, err, sizeof(err)) < 0,
	   "a lock on a descriptor not reopened by path is refused");
	f.kind = FILE_REGULAR;
	l.kind = 4;
	ok(load_lock(&f, &l, false, err, sizeof(err)) < 0, "an unknown kind of lock is refused");
	l.kind = LOCK_KIND_OFD;
	l.type = 3;
	ok(load_lock(&f, &l, false, err, sizeof(err)) < 0, "an unknown type of lock is refused");
	l.type = LOCK_TYPE_READ;
	l.pad = 1;
	ok(load_lock(&f, &l, false, err, sizeof(err)) < 0, "a lock whose padding is not 0 is refused");
	l.pad = 0;
	l.start = INT64_MAX;
	l.len = 2;
	ok(load_lock(&f, &l, false, err, sizeof(err)) < 0 && strstr(err, "largest file offset"),
	   "a range past the largest file offset is refused");
	l.len = 1;
	ok(load_lock(&f, &l, false, err, sizeof(err)) == 0, "one that ends there loads");
	l.kind = LOCK_KIND_FLOCK;
	ok(load_lock(&f, &l, false, err, sizeof(err)) < 0 && strstr(err, "flock lock with a range"),
	   "a flock lock with a range is refused");
	l.start = l.len = 0;
	ok(load_lock(&f, &l, false, err, sizeof(err)) == 0, "one without loads");
}

/* One process whose fd 3 and 4 are sockets a and b (b->id 0: fd 4 is
 * none) with their records, a's queue "hello" (its length in a's record);
 * loaded, *err saying why not; 0 when it loads and a's queue reads back. */
static int load_sockets(const struct img_socket *a, const struct img_socket *b, uint64_t len_a,
			char *err, size_t err_len)
{
	const uint32_t msg = 5;
	struct img_file f = { .fd = 3, .kind = FILE_SOCKET, .mode = S_IFSOCK | 0777,
			      .share_pid = -1, .share_fd = -1, .object_id = a->id };
	struct img_writer w;
	struct image *img = NULL;
	int fd = begin_image(&w, 0), r;
	const void *parts[] = { a, &msg, "hello" };
	size_t lens[] = { sizeof(*a), 4, len_a - sizeof(*a) - 4 };

	write_rec(&w, IMG_FILE, &f, sizeof(f), NULL, 0);
	img_write_record(&w, IMG_SOCKET, parts, lens, len_a > sizeof(*a) ? 3 : 1);
	if (b->id) {
		f.fd = 4;
		f.object_id = b->id;
		write_rec(&w, IMG_FILE, &f, sizeof(f), NULL, 0);
		write_rec(&w, IMG_SOCKET, b, sizeof(*b), NULL, 0);
	}
	if (img_writer_finish(&w))
		abort();
	img_writer_close(&w);
	r = image_load(fd, &img, err, err_len);
	if (!r && (img->n_sockets != 1u + !!b->id ||
		   memcmp(img->map + img->sockets[0].data_off, "hello", 5)))
		r = -EIO;
	image_free(img);
	close(fd);
	return r;
}

static void test_sockets(void)
{
	struct img_socket a = { .id = 10, .peer = 11, .type = SOCK_STREAM,
				.state = SOCK_STATE_CONNECTED, .peek_off = -1, .n_msgs = 1,
				.data_len = 5 };
	struct img_socket b = { .id = 11, .peer = 10, .type = SOCK_STREAM,
				.state = SOCK_STATE_CONNECTED, .peek_off = -1 };
	struct img_socket none = { 0 }, x;
	char err[256] = "";

	ok(load_sockets(&a, &b, sizeof(a) + 9, err, sizeof(err)) == 0,
	   "a socketpair with a queued message loads, and its bytes read back");
	ok(load_sockets(&a, &none, sizeof(a) + 9, err, sizeof(err)) < 0 &&
	   strstr(err, "does not match its saved peer"), "a socket whose peer is not saved is refused");
	ok(load_sockets(&a, &b, sizeof(a) + 8, err, sizeof(err)) < 0 && strstr(err, "invalid"),
	   "a socket record a byte short is refused");
	x = a;
	x.data_len = 4;
	ok(load_sockets(&x, &b, sizeof(a) + 9, err, sizeof(err)) < 0,
	   "message lengths that do not add up are refused");
	x = a;
	x.flags = 0x100;
	ok(load_sockets(&x, &b, sizeof(a) + 9, err, sizeof(err)) < 0, "an unknown socket flag is refused");
	x = b;
	x.type = SOCK_DGRAM;
	ok(load_sockets(&a, &x, sizeof(a) + 9, err, sizeof(err)) < 0,
	   "a peer of another type is refused");
	x = a;
	x.flags = SOCK_F_PENDING;
	ok(load_sockets(&x, &b, sizeof(a) + 9, err, sizeof(err)) < 0,
	   "a client waiting with no listener is refused");
	x = a;
	x.type = SOCK_DGRAM;
	x.peer = 0;
	x.state = SOCK_STATE_UNCONNECTED;
	ok(load_sockets(&x, &none, sizeof(a) + 9, err, sizeof(err)) < 0,
	   "datagrams queued in a socket without a name to send them back to are refused");
}

/* One process whose fd 3 is event object e (len bytes of record). */
static int load_event(const struct img_event *e, const void *items, size_t items_len,
		      char *err, size_t err_len)
{
	struct img_file f = { .fd = 3, .kind = FILE_EVENT, .share_pid = -1, .share_fd = -1,
			      .object_id = 1 };
	struct img_writer w;
	struct image *img = NULL;
	int fd = begin_image(&w, 0), r;

	write_rec(&w, IMG_FILE, &f, sizeof(f), NULL, 0);
	if (e)
		write_rec(&w, IMG_EVENT, e, sizeof(*e), items, items_len);
	if (img_writer_finish(&w))
		abort();
	img_writer_close(&w);
	r = image_load(fd, &img, err, err_len);
	image_free(img);
	close(fd);
	return r;
}

static void test_events(void)
{
	struct img_event ev = { .id = 1, .kind = EVENT_EVENTFD, .count = 42 }, x;
	struct img_epoll_item items[2] = { { .tfd = 4, .events = 1 }, { .tfd = 5, .events = 1 } };
	char err[256] = "";

	ok(load_event(&ev, NULL, 0, err, sizeof(err)) == 0, "an eventfd loads");
	ok(load_event(NULL, NULL, 0, err, sizeof(err)) < 0 && strstr(err, "no saved state"),
	   "an event descriptor without its record is refused");
	x = ev;
	x.count = EVENT_COUNT_MAX + 1;
	ok(load_event(&x, NULL, 0, err, sizeof(err)) < 0, "an eventfd counter past its top is refused");
	x = (struct img_event){ .id = 1, .kind = EVENT_TIMERFD, .clockid = 3 };
	ok(load_event(&x, NULL, 0, err, sizeof(err)) < 0, "a timerfd on a clock it cannot have is refused");
	x = (struct img_event){ .id = 1, .kind = EVENT_EPOLL, .count = 2 };
	ok(load_event(&x, items, sizeof(items), err, sizeof(err)) == 0, "an epoll instance loads");
	ok(load_event(&x, items, sizeof(items[0]), err, sizeof(err)) < 0,
	   "an epoll instance with fewer items than it says is refused");
	items[1].tfd = -1;
	ok(load_event(&x, items, sizeof(items), err, sizeof(err)) < 0,
	   "an epoll item on a negative descriptor is refused");
}

/* One process, with area a unless NULL, and a SysV record (then n_pages
 * of zeros as its segment's IMG_PAGES); 0 when it loads. */
static int load_sysv(const struct img_area *a, uint32_t tag, const void *rec, size_t len,
		     uint64_t n_pages, char *err, size_t err_len)
{
	static const uint8_t zero[2 * IMG_PAGE_SIZE];
	struct img_writer w;
	struct image *img = NULL;
	int fd = begin_image(&w, 0), r;

	if (a)
		write_rec(&w, IMG_AREA, a, sizeof(*a), NULL, 0);
	write_rec(&w, tag, rec, len, NULL, 0);
	if (n_pages && (img_record_begin(&w, IMG_PAGES, n_pages * IMG_PAGE_SIZE, 1) ||
			img_record_data(&w, zero, n_pages * IMG_PAGE_SIZE) || img_record_end(&w)))
		abort();
	r = finish_load(&w, fd, &img, err, err_len);
	return loaded(img, fd, r, true);
}

static void test_sysv(void)
{
	struct img_area a = { .start = 0x20000, .end = 0x22000, .prot = 3, .kind = AREA_SYSV_SHM,
			      .flags = AREA_F_SHARED, .object_id = 7 }, big = a;
	struct img_sysv_shm shm = { .perm = { .key = 0x1234, .id = 7, .mode = 0600 }, .size = 5000 };
	struct img_sysv_shm x = shm;
	struct { struct img_sysv_sem s; uint16_t v[4]; } sem = {
		{ .perm = { .id = 3, .mode = 0640 }, .n_sems = 3 }, { 1, 2, 3 } }, sx = sem;
	struct { struct img_sysv_msg m; struct img_sysv_message items[2]; char data[8]; } msg = {
		{ .perm = { .id = 4 }, .qbytes = 100, .n_msgs = 2, .data_len = 7 },
		{ { 5, 3 }, { 2, 4 } }, "abcdefg" }, mx = msg;
	size_t msg_len = sizeof(msg.m) + sizeof(msg.items) + 7;
	char err[256] = "";

	ok(load_sysv(&a, IMG_SYSV_SHM, &shm, sizeof(shm), 2, err, sizeof(err)) == 0,
	   "a SysV segment and its attachment load");
	x.perm.id = 8;
	ok(load_sysv(&a, IMG_SYSV_SHM, &x, sizeof(x), 2, err, sizeof(err)) < 0 &&
	   strstr(err, "not saved"), "an attachment of a segment not saved is refused");
	big.end = 0x23000;
	ok(load_sysv(&big, IMG_SYSV_SHM, &shm, sizeof(shm), 2, err, sizeof(err)) < 0,
	   "an attachment larger than its segment is refused");
	ok(load_sysv(NULL, IMG_SYSV_SHM, &shm, sizeof(shm), 1, err, sizeof(err)) < 0,
	   "a segment with fewer pages than its size is refused");
	x = shm;
	x.perm.flags = SYSV_F_REMOVED;
	ok(load_sysv(NULL, IMG_SYSV_SHM, &x, sizeof(x), 2, err, sizeof(err)) < 0,
	   "a segment marked for removal that has a key is refused");
	ok(load_sysv(NULL, IMG_SYSV_SEM, &sem, sizeof(sem), 0, err, sizeof(err)) == 0,
	   "a semaphore set loads");
	sx.v[1] = SYSV_SEM_VALUE_MAX + 1;
	ok(load_sysv(NULL, IMG_SYSV_SEM, &sx, sizeof(sx), 0, err, sizeof(err)) < 0,
	   "a semaphore value past SEMVMX is refused");
	sx = sem;
	sx.v[3] = 1;
	ok(load_sysv(NULL, IMG_SYSV_SEM, &sx, sizeof(sx), 0, err, sizeof(err)) < 0,
	   "a semaphore set whose padding is not zero is refused");
	ok(load_sysv(NULL, IMG_SYSV_MSG, &msg, msg_len, 0, err, sizeof(err)) == 0,
	   "a message queue loads");
	mx.items[1].len = 5;
	ok(load_sysv(NULL, IMG_SYSV_MSG, &mx, msg_len, 0, err, sizeof(err)) < 0,
	   "messages longer than the queue's bytes are refused");
	mx = msg;
	mx.items[0].type = 0;
	ok(load_sysv(NULL, IMG_SYSV_MSG, &mx, msg_len, 0, err, sizeof(err)) < 0,
	   "a message of type 0 is refused");
}

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

/* A copy of fd with the byte at off flipped (off < 0: none). */
static int copy_of(int fd, off_t off, off_t len)
{
	int nfd = memfd_create("copy", MFD_CLOEXEC);
	char *buf = xmalloc(len);

	if (pread(fd, buf, len, 0) != len)
		abort();
	if (off >= 0)
		buf[off] ^= 0x40;
	if (write(nfd, buf, len) != len)
		abort();
	free(buf);
	return nfd;
}

static int load_err(int fd, char *err, size_t len)
{
	struct image *img = NULL;
	int r = image_load(fd, &img, err, len);

	image_free(img);
	close(fd);
	return r;
}

int main(void)
{
	static uint8_t pages[2 * IMG_PAGE_SIZE];
	struct image *img = NULL;
	char err[256] = "";
	int fd, r;
	off_t size;

	printf("1..67\n");
	for (size_t i = 0; i < sizeof(pages); i++)
		pages[i] = (uint8_t)(i * 7 + 3);
	fd = make_image(pages, 0);
	size = file_size(fd);

	r = image_load(fd, &img, err, sizeof(err));
	ok(r == 0, "a well-formed image loads");
	if (r) {
		printf("# %s\n", err);
		return 1;
	}
	const struct image_area *ia = &img->procs[0].areas[0];
	ok(img->n_procs == 1 && img->procs[0].p->pid == 4242 &&
	   !strcmp(img->procs[0].exe, "/bin/unit") && img->procs[0].n_areas == 1,
	   "the process record reads back");
	ok(ia->data_off % IMG_PAGE_SIZE == 0, "page data starts page-aligned in the file");
	ok(!memcmp(img->map + ia->data_off, pages, sizeof(pages)), "page data reads back");

	r = load_err(copy_of(fd, ia->data_off + 5000, size), err, sizeof(err));
	ok(r < 0 && strstr(err, "checksum"), "one flipped byte in page data is a checksum error");
	printf("# %s\n", err);

	r = load_err(copy_of(fd, -1, size / 2), err, sizeof(err));
	ok(r < 0 && strstr(err, "cut short"), "a file cut in half is reported cut short");
	printf("# %s\n", err);

	r = load_err(copy_of(fd, -1, size - 8), err, sizeof(err));
	ok(r < 0, "a file missing its last bytes is refused");

	r = load_err(copy_of(fd, 2, size), err, sizeof(err));
	ok(r < 0 && strstr(err, "magic"), "a bad magic is refused");

	/* the length field of the header record, made huge */
	r = load_err(copy_of(fd, IMG_MAGIC_LEN + 8 + 5, size), err, sizeof(err));
	ok(r < 0, "a record length beyond the file is refused");

	image_free(img);
	close(fd);

	/* compressed: the same content, and damage still found */
	fd = make_image(pages, 3);
	r = image_load(fd, &img, err, sizeof(err));
	ok(r == 0 && img->compressed && img->n_procs == 1, "a compressed image loads");
	ok(r == 0 && (uint64_t)file_size(fd) < img->size &&
	   !memcmp(img->map + img->procs[0].areas[0].data_off, pages, sizeof(pages)),
	   "it is smaller, and its page data reads back");
	image_free(img);
	size = file_size(fd);
	r = load_err(copy_of(fd, size / 2, size), err, sizeof(err));
	ok(r < 0, "one flipped byte in a compressed image is refused");
	printf("# %s\n", err);
	r = load_err(copy_of(fd, -1, size - 3), err, sizeof(err));
	ok(r < 0, "a compressed image missing its last bytes is refused");
	printf("# %s\n", err);
	close(fd);
	r = load_err(version_image(1), err, sizeof(err));
	ok(r < 0 && strstr(err, "context file version 1 is not supported (this ucr reads 2)"),
	   "a file of format version 1 is refused by its version");
	printf("# %s\n", err);
	test_unlinked();
	test_locks();
	test_sparse();
	test_sockets();
	test_events();
	test_sysv();
	return n_failed ? 1 : 0;
}
