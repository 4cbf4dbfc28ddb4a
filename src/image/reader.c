/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reads a context file.  The file is untrusted: every length, offset,
 * count and address is checked before it is used, and every record's
 * checksum is verified before its payload is looked at.
 */
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "read.h"
#include "stream.h"
#include "common/agent_abi.h"	/* enum ucr_omit */
#include "common/util.h"

int read_fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->err_len, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int next_record(struct reader *r, struct rec_view *v)
{
	const struct img_rec *rec;
	uint64_t size = r->img->size, sum, end;

	if (size - r->off < sizeof(*rec) + sizeof(sum))
		return read_fail(r, "file is cut short at offset %llu (no end record)",
			    (unsigned long long)r->off);
	rec = (const void *)(r->img->map + r->off);
	if (rec->len > size - r->off - sizeof(*rec) - sizeof(sum))
		return read_fail(r, "file is cut short: record at offset %llu needs %llu bytes",
			    (unsigned long long)r->off, (unsigned long long)rec->len);
	v->tag = rec->tag;
	v->off = r->off;
	v->payload_off = r->off + sizeof(*rec);
	v->len = rec->len;
	v->payload = r->img->map + v->payload_off;
	memcpy(&sum, v->payload + v->len, sizeof(sum));
	if (r->pages_unchecked && rec->tag == IMG_PAGES)
		read_defer_pages(r, v);
	else if (XXH3_64bits(rec, sizeof(*rec) + v->len) != sum)
		return read_fail(r, "checksum mismatch in record at offset %llu (tag %u): the file is damaged",
			    (unsigned long long)r->off, rec->tag);
	if (rec->flags)
		return read_fail(r, "record at offset %llu has unknown flags %#x",
			    (unsigned long long)r->off, rec->flags);
	XXH3_64bits_update(r->digest, &sum, sizeof(sum));
	end = ALIGN_UP(v->payload_off + v->len + sizeof(sum), (uint64_t)IMG_ALIGN);
	if (end > size)
		end = size;
	/* the padding is outside the checksum: zero, so that every byte counts */
	for (uint64_t k = v->payload_off + v->len + sizeof(sum); k < end; k++)
		if (r->img->map[k])
			return read_fail(r, "the padding after the record at offset %llu is not zero: "
				    "the file is damaged", (unsigned long long)r->off);
	r->off = end;
	return 0;
}

int read_expect(struct reader *r, struct rec_view *v, uint32_t tag, uint64_t min_len)
{
	int ret;

	do
		ret = next_record(r, v);
	while (!ret && v->tag == IMG_PAD);
	if (ret)
		return ret;
	if (v->tag != tag)
		return read_fail(r, "record at offset %llu: expected tag %u, found %u",
			    (unsigned long long)v->off, tag, v->tag);
	if (v->len < min_len)
		return read_fail(r, "record at offset %llu is too short", (unsigned long long)v->off);
	return 0;
}

/* A string that follows a struct in a payload: no NULs inside. */
int read_string(struct reader *r, const struct rec_view *v, uint64_t at, uint32_t len,
		char **ret)
{
	if (at > v->len || len > v->len - at || len >= UCR_STRING_MAX)
		return read_fail(r, "record at offset %llu: string out of bounds",
			    (unsigned long long)v->off);
	if (memchr(v->payload + at, 0, len))
		return read_fail(r, "record at offset %llu: string holds a NUL",
			    (unsigned long long)v->off);
	*ret = xstrndup((const char *)v->payload + at, len);
	return 0;
}

static int read_file_rec(struct reader *r, struct image_process *proc, const struct rec_view *v)
{
	const struct img_file *f = (const void *)v->payload;
	struct image_file *imf;
	int ret;

	if (v->len < sizeof(*f) || f->fd < 0 || f->fd >= MAX_FD || f->kind < FILE_REGULAR ||
	    f->kind > FILE_MQUEUE || (f->flags & ~FILE_F_KNOWN))
		return read_fail(r, "file record at offset %llu is invalid", (unsigned long long)v->off);
	for (size_t i = 0; i < proc->n_files; i++)
		if (proc->files[i].f->fd >= f->fd)
			return read_fail(r, "descriptor %d is saved twice or out of order", f->fd);
	if ((f->share_pid < 0) != (f->share_fd < 0) ||
	    (f->share_pid == proc->p->pid && f->share_fd >= f->fd))
		return read_fail(r, "descriptor %d shares an invalid descriptor", f->fd);
	proc->files = xrealloc(proc->files, (proc->n_files + 1) * sizeof(*proc->files));
	imf = &proc->files[proc->n_files++];
	imf->f = f;
	imf->path = NULL;
	ret = read_string(r, v, sizeof(*f), f->path_len, &imf->path);
	if (ret)
		return ret;
	/* an unlinked file is made again in the directory of its path */
	if ((f->flags & FILE_F_UNLINKED) &&
	    (imf->path[0] != '/' || (f->kind == FILE_REGULAR ? !S_ISREG(f->mode) :
				     f->kind != FILE_PIPE)))
		return read_fail(r, "descriptor %d is an invalid unlinked file", f->fd);
	return 0;
}

static int read_file_data(struct reader *r, const struct rec_view *v)
{
	const struct img_file_data *d = (const void *)v->payload;
	struct image *img = r->img;
	struct image_file_data fd = { .d = d };
	const char *why = v->len < sizeof(*d) ? "too short" : image_file_data_invalid(d, v->len, &fd);

	if (why)
		return read_fail(r, "file data record at offset %llu is invalid: %s",
			    (unsigned long long)v->off, why);
	if (image_find_file_data(img, d->id))
		return read_fail(r, "unlinked file %llu is saved twice", (unsigned long long)d->id);
	fd.data_off += v->payload_off;
	img->file_data = xrealloc(img->file_data, (img->n_file_data + 1) * sizeof(*img->file_data));
	img->file_data[img->n_file_data++] = fd;
	return 0;
}

static int read_lock(struct reader *r, struct image_process *proc, const struct rec_view *v)
{
	const struct img_lock *l = (const void *)v->payload;
	const char *why = v->len < sizeof(*l) ? "too short" : image_lock_invalid(proc, l);

	if (why)
		return read_fail(r, "lock record at offset %llu is invalid: %s", (unsigned long long)v->off,
			    why);
	proc->locks = xrealloc(proc->locks, (proc->n_locks + 1) * sizeof(*proc->locks));
	proc->locks[proc->n_locks++] = l;
	return 0;
}

static int read_threads(struct reader *r, struct image_process *proc)
{
	uint32_t n = proc->p->n_threads;
	bool has_main = false;
	struct rec_view v;
	int ret;

	proc->threads = xcalloc(n, sizeof(*proc->threads));
	for (uint32_t i = 0; i < n; i++) {
		const struct img_thread *t;

		ret = read_expect(r, &v, IMG_THREAD, sizeof(*t));
		if (ret)
			return ret;
		t = proc->threads[i] = (const void *)v.payload;
		proc->n_threads = i + 1;
		if (t->tid <= 0 || !memchr(t->comm, 0, sizeof(t->comm)) || t->n_cpus > 1024)
			return read_fail(r, "thread record at offset %llu is invalid",
				    (unsigned long long)v.off);
		for (uint32_t j = 0; j < i; j++)
			if (proc->threads[j]->tid == t->tid)
				return read_fail(r, "thread %d is saved twice", t->tid);
		if (t->tid == proc->p->pid) {
			has_main = true;
			proc->main_thread = i;
		}
	}
	if (!has_main)
		return read_fail(r, "process %d has no main thread", proc->p->pid);
	return 0;
}

static int read_pipe(struct reader *r, const struct rec_view *v)
{
	const struct img_pipe *ip = (const void *)v->payload;
	struct image *img = r->img;

	if (v->len < sizeof(*ip) || ip->len != v->len - sizeof(*ip) || ip->len > 1 << 30 ||
	    ip->pad)
		return read_fail(r, "pipe record at offset %llu is invalid", (unsigned long long)v->off);
	for (size_t i = 0; i < img->n_pipes; i++)
		if (img->pipes[i].p->id == ip->id)
			return read_fail(r, "pipe %llu is saved twice", (unsigned long long)ip->id);
	img->pipes = xrealloc(img->pipes, (img->n_pipes + 1) * sizeof(*img->pipes));
	img->pipes[img->n_pipes++] = (struct image_pipe){ .p = ip,
							  .data_off = v->payload_off + sizeof(*ip) };
	return 0;
}

/* An IMG_SOCKET, IMG_INET, IMG_MQUEUE or IMG_EVENT record (objects.c,
 * inet.c and mqueue.c check them). */
static int read_object(struct reader *r, const struct rec_view *v)
{
	const char *what = v->tag == IMG_EVENT ? "event" : v->tag == IMG_MQUEUE ? "message queue" :
			   "socket";
	int ret = v->tag == IMG_SOCKET ? image_add_socket(r->img, v->payload, v->len, v->payload_off) :
		  v->tag == IMG_INET ? image_add_inet(r->img, v->payload, v->len, v->payload_off) :
		  v->tag == IMG_MQUEUE ? image_add_mqueue(r->img, v->payload, v->len, v->payload_off) :
		  v->tag == IMG_SOCKET_RIGHTS ? image_add_socket_rights(r->img, v->payload, v->len) :
		  image_add_event(r->img, v->payload, v->len);

	if (ret == -EEXIST)
		return read_fail(r, "%s record at offset %llu: saved twice", what, (unsigned long long)v->off);
	return ret ? read_fail(r, "%s record at offset %llu is invalid", what, (unsigned long long)v->off) : 0;
}

/* A process's IMG_FILE, IMG_PIPE, IMG_LOCK and IMG_AREA records, in any
 * interleaving, up to the next process or the end; and the SysV IPC
 * records, which follow the last process's. */
static int read_files_and_areas(struct reader *r, struct image_process *proc)
{
	struct rec_view v;
	int ret;

	for (;;) {
		uint64_t save = r->off;

		ret = next_record(r, &v);
		if (ret)
			return ret;
		if (v.tag == IMG_PAD)
			continue;
		if (v.tag == IMG_FILE)
			ret = read_file_rec(r, proc, &v);
		else if (v.tag == IMG_PIPE)
			ret = read_pipe(r, &v);
		else if (v.tag == IMG_FILE_DATA)
			ret = read_file_data(r, &v);
		else if (v.tag == IMG_SOCKET || v.tag == IMG_INET || v.tag == IMG_EVENT ||
			 v.tag == IMG_MQUEUE || v.tag == IMG_SOCKET_RIGHTS)
			ret = read_object(r, &v);
		else if (v.tag == IMG_AREA)
			ret = read_area(r, proc, &v);
		else if (v.tag == IMG_LOCK)
			ret = read_lock(r, proc, &v);
		else if (v.tag == IMG_SYSV_SHM || v.tag == IMG_SYSV_SEM || v.tag == IMG_SYSV_MSG)
			ret = read_sysv(r, &v);	/* after the last process's */
		else {
			r->off = save;	/* the next process, or the end */
			return 0;
		}
		if (ret)
			return ret;
	}
}

static int read_process(struct reader *r, struct image_process *proc)
{
	struct rec_view v;
	const struct img_process *p;
	int ret;

	ret = read_expect(r, &v, IMG_PROCESS, sizeof(*p));
	if (ret)
		return ret;
	p = proc->p = (const void *)v.payload;
	if (p->pid <= 0 || p->n_threads > IMG_MAX_THREADS ||
	    memchr(p->comm, 0, sizeof(p->comm)) == NULL)
		return read_fail(r, "process record at offset %llu is invalid",
			    (unsigned long long)v.off);
	ret = read_string(r, &v, sizeof(*p), p->exe_len, &proc->exe);
	if (!ret)
		ret = read_string(r, &v, sizeof(*p) + p->exe_len, p->cwd_len, &proc->cwd);
	if (ret)
		return ret;

	if (p->flags & ~PROC_F_KNOWN)
		return read_fail(r, "process %d has unknown flags", p->pid);
	if ((p->flags & PROC_F_WAITER) && (!(p->flags & PROC_F_ZOMBIE) || p->omit >= UCR_N_OMIT))
		return read_fail(r, "process %d: a waiting cr_restart with a process's record", p->pid);
	if (p->flags & PROC_F_ZOMBIE)
		return p->n_threads ? read_fail(r, "zombie %d has threads", p->pid) : 0;
	ret = read_threads(r, proc);
	if (ret)
		return ret;
	ret = read_expect(r, &v, IMG_AUXV, 0);
	if (ret)
		return ret;
	if (v.len % 16 || v.len > IMG_AUXV_MAX)
		return read_fail(r, "auxiliary vector record at offset %llu is invalid",
			    (unsigned long long)v.off);
	proc->auxv = (const void *)v.payload;
	proc->auxv_len = v.len;
	ret = read_expect(r, &v, IMG_SIGACTS, 0);
	if (ret)
		return ret;
	if (v.len != IMG_NSIG * sizeof(struct sys_sigaction))
		return read_fail(r, "signal record at offset %llu is invalid", (unsigned long long)v.off);
	proc->sigacts = (const void *)v.payload;
	return read_files_and_areas(r, proc);
}

/* Every unlinked file, open or mapped, has its content in the file. */
static int check_unlinked(struct reader *r)
{
	const struct image *img = r->img;

	for (size_t i = 0; i < img->n_procs; i++) {
		const struct image_process *p = &img->procs[i];

		for (size_t j = 0; j < p->n_files; j++) {
			const struct img_file *f = p->files[j].f;

			if (f->kind == FILE_REGULAR && (f->flags & FILE_F_UNLINKED) &&
			    !image_find_file_data(img, f->object_id))
				return read_fail(r, "fd %d of process %d is an unlinked file with no saved "
					    "contents", f->fd, p->p->pid);
		}
		for (size_t j = 0; j < p->n_areas; j++) {
			const struct img_area *a = p->areas[j].a;

			if ((a->flags & AREA_F_UNLINKED) && !image_find_file_data(img, a->object_id))
				return read_fail(r, "area %#llx-%#llx of process %d maps an unlinked file "
					    "with no saved contents", (unsigned long long)a->start,
					    (unsigned long long)a->end, p->p->pid);
		}
	}
	return 0;
}

/* A socket's peer and listener are saved, and agree with it. */
static int check_peers(struct reader *r)
{
	const struct image *img = r->img;

	for (size_t i = 0; i < img->n_sockets; i++)
		if (!image_socket_linked(img, &img->sockets[i]))
			return read_fail(r, "socket %llu does not match its saved peer or listener",
				    (unsigned long long)img->sockets[i].s->id);
	for (size_t i = 0; i < img->n_sockets; i++)
		for (uint32_t k = 0; k < img->sockets[i].n_rights; k++) {
			const struct img_socket_right *rt = &img->sockets[i].rights[k];
			const struct image_process *p = image_find_process(img, rt->pid);
			const struct image_file *f = p ? image_find_file(p, rt->fd) : NULL;

			if (!f || f->f->kind == FILE_CLOSED || f->f->kind == FILE_INHERIT ||
			    f->f->kind == FILE_CONTEXT)
				return read_fail(r, "socket %llu holds in flight fd %d of process %d, "
					    "which is not saved", (unsigned long long)img->sockets[i].s->id,
					    rt->fd, rt->pid);
		}
	for (size_t i = 0; i < img->n_inet; i++)
		if (!image_inet_linked(img, &img->inet[i]))
			return read_fail(r, "socket %llu does not match its saved peer or listener",
				    (unsigned long long)img->inet[i].s->id);
	return 0;
}

/* What records say of each other: pids, shared descriptors, pipes, sockets. */
static int check_links(struct reader *r)
{
	const struct image *img = r->img;

	for (size_t i = 0; i < img->n_procs; i++) {
		const struct image_process *p = &img->procs[i], *up = p;
		size_t depth = 0;

		for (size_t j = 0; j < i; j++)
			if (img->procs[j].p->pid == p->p->pid)
				return read_fail(r, "process %d is saved twice", p->p->pid);
		if (p->p->n_groups > IMG_NGROUPS)
			return read_fail(r, "process %d has too many groups", p->p->pid);
		/* parents form a forest: every chain ends outside the image */
		while ((up = image_find_process(img, up->p->ppid)) && ++depth <= img->n_procs)
			;
		if (depth > img->n_procs)
			return read_fail(r, "process %d is its own ancestor", p->p->pid);
		for (size_t j = 0; j < p->n_files; j++) {
			const struct img_file *f = p->files[j].f;
			const struct image_process *q;
			bool found = false;

			if (f->share_pid >= 0) {
				q = image_find_process(img, f->share_pid);
				if (!q || q > p || !image_find_file(q, f->share_fd))
					return read_fail(r, "fd %d of process %d shares a descriptor that is not saved before it",
						    f->fd, p->p->pid);
			}
			if ((f->kind == FILE_SOCKET && !image_find_socket(img, f->object_id) &&
			     !image_find_inet(img, f->object_id)) ||
			    (f->kind == FILE_EVENT && !image_find_event(img, f->object_id)) ||
			    (f->kind == FILE_MQUEUE && !image_find_mqueue(img, f->object_id)))
				return read_fail(r, "fd %d of process %d is a %s with no saved state", f->fd,
					    p->p->pid, f->kind == FILE_SOCKET ? "socket" :
					    f->kind == FILE_MQUEUE ? "message queue" : "event object");
			if (f->kind != FILE_PIPE)
				continue;
			for (size_t k = 0; k < img->n_pipes; k++)
				found |= img->pipes[k].p->id == f->object_id;
			if (!found)
				return read_fail(r, "fd %d of process %d is a pipe with no saved contents",
					    f->fd, p->p->pid);
		}
	}
	return check_peers(r);
}

/* An increment's IMG_BASE, if the next record is one. */
static int read_base(struct reader *r)
{
	const struct img_rec *rec = (const void *)(r->img->map + r->off);
	const struct img_base *b;
	struct rec_view v;
	int ret;

	if (r->img->size - r->off < sizeof(*rec) || rec->tag != IMG_BASE)
		return 0;
	ret = read_expect(r, &v, IMG_BASE, sizeof(*b));
	if (ret)
		return ret;
	b = (const void *)v.payload;
	ret = read_string(r, &v, sizeof(*b), b->path_len, &r->img->base_path);
	if (ret)
		return ret;
	if (b->pad || r->img->base_path[0] != '/' || sizeof(*b) + b->path_len != v.len)
		return read_fail(r, "the base record is invalid");
	r->img->base = b;
	return 0;
}

static int read_all(struct reader *r)
{
	struct image *img = r->img;
	const struct img_header *h;
	struct rec_view v;
	int ret;

	if (img->size < IMG_MAGIC_LEN || memcmp(img->map, IMG_MAGIC, IMG_MAGIC_LEN))
		return read_fail(r, "not a ucr context file (bad magic)");
	r->off = IMG_MAGIC_LEN;
	ret = read_expect(r, &v, IMG_HEADER, sizeof(*h));
	if (ret)
		return ret;
	h = img->hdr = (const void *)v.payload;
	if (h->version != IMG_VERSION)
		return read_fail(r, "context file version %u is not supported (this ucr reads %u)",
			    h->version, IMG_VERSION);
	if (h->page_size != IMG_PAGE_SIZE || !memchr(h->kernel, 0, sizeof(h->kernel)) ||
	    !memchr(h->machine, 0, sizeof(h->machine)) || h->n_processes == 0 ||
	    h->n_processes > 1 << 16 || (h->options & ~IMG_OPT_KNOWN) ||
	    (h->options & IMG_OPT_SCOPE_MASK) > (4u << IMG_OPT_SCOPE_SHIFT))
		return read_fail(r, "context file header is invalid");
	ret = read_base(r);
	if (ret)
		return ret;
	img->procs = xcalloc(h->n_processes, sizeof(*img->procs));
	for (uint32_t i = 0; i < h->n_processes; i++) {
		img->n_procs = i + 1;
		ret = read_process(r, &img->procs[i]);
		if (ret)
			return ret;
	}
	ret = check_links(r);
	if (!ret)
		ret = check_unlinked(r);
	if (!ret)
		ret = read_sysv_check(r);
	if (ret)
		return ret;
	ret = read_expect(r, &v, IMG_END, sizeof(struct img_end));
	if (ret)
		return ret;
	if (r->off != img->size)
		return read_fail(r, "%llu bytes of garbage after the end record",
			    (unsigned long long)(img->size - r->off));
	return 0;
}

int image_load(int fd, struct image **ret, char *err, size_t err_len)
{
	return image_load_flags(fd, 0, ret, err, err_len);
}

int image_load_flags(int fd, unsigned int flags, struct image **ret, char *err, size_t err_len)
{
	struct image *img = xcalloc(1, sizeof(*img));
	struct reader r = { .img = img, .err = err, .err_len = err_len,
			    .pages_unchecked = flags & IMG_LOAD_PAGES_UNCHECKED };
	struct stat st;
	int ret_code;

	img->fd = fd;
	img->stream_fd = -1;
	img->rst_fd = -1;
	if (fstat(fd, &st) < 0) {
		ret_code = -errno;
		snprintf(err, err_len, "cannot stat: %s", strerror(errno));
		goto fail;
	}
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	    (S_ISREG(st.st_mode) && img_is_compressed(fd))) {
		img->compressed = S_ISREG(st.st_mode);
		ret_code = img->stream_fd = img_stream_to_memfd(fd, !S_ISREG(st.st_mode), err, err_len);
		if (ret_code < 0)
			goto fail;
		img->fd = img->stream_fd;
		if (fstat(img->fd, &st) < 0) {
			ret_code = -errno;
			snprintf(err, err_len, "cannot stat: %s", strerror(errno));
			goto fail;
		}
	}
	if (!S_ISREG(st.st_mode)) {
		ret_code = -EINVAL;
		snprintf(err, err_len, "not a regular file, pipe or socket");
		goto fail;
	}
	img->size = st.st_size;
	if (img->size == 0) {
		ret_code = read_fail(&r, "file is empty");
		goto fail;
	}
	img->map = mmap(NULL, img->size, PROT_READ, MAP_PRIVATE, img->fd, 0);
	if (img->map == MAP_FAILED) {
		img->map = NULL;
		ret_code = -errno;
		snprintf(err, err_len, "cannot map: %s", strerror(errno));
		goto fail;
	}
	r.digest = XXH3_createState();
	if (!r.digest) {
		ret_code = -ENOMEM;
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	XXH3_64bits_reset(r.digest);
	ret_code = read_all(&r);
	if (ret_code)
		goto fail;
	img->digest = XXH3_64bits_digest(r.digest);
	XXH3_freeState(r.digest);
	*ret = img;
	return 0;
fail:
	if (r.digest)
		XXH3_freeState(r.digest);
	image_free(img);
	return ret_code;
}

void image_free(struct image *img)
{
	if (!img)
		return;
	for (size_t i = 0; i < img->n_procs; i++) {
		struct image_process *p = &img->procs[i];

		for (size_t j = 0; j < p->n_areas; j++)
			free(p->areas[j].path);
		for (size_t j = 0; j < p->n_files; j++)
			free(p->files[j].path);
		free(p->areas);
		free(p->files);
		free(p->locks);
		free(p->threads);
		free(p->exe);
		free(p->cwd);
	}
	free(img->procs);
	free(img->pipes);
	free(img->sockets);
	free(img->inet);
	free(img->mqueues);
	free(img->events);
	free(img->file_data);
	free(img->sysv_shms);
	free(img->sysv_sems);
	free(img->sysv_msgs);
	free(img->base_path);
	free(img->unchecked);
	if (img->map)
		munmap((void *)img->map, img->size);
	safe_close(img->stream_fd);
	free(img);
}
