/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One file per kind of resource, each with its dump (writing records) and
 * its restart side (checking preconditions, planning, restoring), reached
 * through its struct res_ops in the table (table.c) that every pass walks.
 */
#ifndef UCR_RES_H
#define UCR_RES_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/agent_abi.h"
#include "common/util.h"
#include "image/image.h"
#include "restorer/plan.h"
#include "shared.h"

/* What the dump of one process needs to know of the others. */
struct dump_fd {
	pid_t pid;
	int fd;
	uint64_t dev, ino;
	uint32_t mode;
	uint32_t flags;		/* open flags, from fdinfo */
};

/* An unlinked file whose content is saved, and the id of its record. */
struct dump_unlinked {
	uint64_t dev, ino;
	uint64_t id;
};

/* A process of the request: its pid here, and the one it sees itself. */
struct dump_pid {
	pid_t outer, seen;
};

struct dump_shared {
	struct dump_pid *pids;	/* every process of the request */
	size_t n_pids;
	char pid_ns[64];	/* theirs: /proc/PID/ns/pid */
	bool pid_ns_foreign;	/* not ours: the pids they see are not ours */
	struct dump_fd *fds;	/* every descriptor of every process, in file order */
	size_t n_fds;
	uint64_t *pipes;	/* pipes whose bytes are saved */
	size_t n_pipes;
	uint64_t *mqueues;	/* message queues saved (inodes) */
	size_t n_mqueues;
	uint64_t *shms;		/* shared memory objects whose pages are saved */
	size_t n_shms;
	struct dump_unlinked *unlinked;	/* unlinked files whose content is saved */
	size_t n_unlinked;
	bool sockets_refuse;	/* --sockets=refuse: a socket to outside fails */
	struct sysv_saved *sysv;	/* the SysV IPC objects saved (sysv.c) */
	/* the cr_restart that restored a process of the request, which made
	 * its SysV IPC objects again (sysv.c counts it as one of them) */
	pid_t *restorers;
	size_t n_restorers;
	struct log_progress progress;	/* of the memory written */
	dev_t out_dev;		/* the context file being written */
	ino_t out_ino;
};

struct dump_ctx {
	struct dump_shared *shared;
	bool zombie;
	bool stopped;			/* in a job-control stop at the request */
	bool waiter;			/* cr_restart, saved as waiting (PROC_F_WAITER) */
	int waiter_omit;		/* and its --omit-* */
	pid_t pid;
	/* whose memory is read: pid, or the holder of a copy of it (--cow) */
	pid_t mem_pid;
	int mem_fd;			/* /proc/MEM_PID/mem: reads what is not readable */
	struct img_writer *w;
	uint64_t state_addr;		/* the agent's struct agent_state */
	struct agent_state state;
	bool save_exe;			/* whole private maps of the executable (--save-exe) */
	bool save_private;		/* whole private file maps (--save-private) */
	char exe[UCR_PATH_MAX];		/* /proc/PID/exe, for --save-exe */
	bool save_shared;		/* shared file maps' contents (--save-shared) */
	char *buf;			/* page buffer */
	size_t buf_len;
	/* --incremental: this process in the base, whose pages it need not
	 * hold again (NULL: none, or not in the base) */
	const struct image_process *base;
};

/* The restart of one process. */
struct rst_ctx {
	const struct image *img;
	const struct image_process *proc;
	bool restore_pid;		/* with its saved pid (not --no-restore-pid) */
	/* in the restart's own user namespace (restart/userns.c): its pids
	 * are a new pid namespace's, and it keeps no capability */
	bool own_userns;
	int *area_fds;			/* per area: its file, or -1 */
	int exe_fd;
};

/*
 * What one kind of resource does in each pass; any may be NULL.  Each
 * returns 0 or a negative errno after one message.
 */
struct res_ops {
	const char *name;
	bool zombie_too;	/* also for a zombie (else only live processes) */
	/* dumped last, from mem_pid: under --cow once the processes run on */
	bool cow_later;
	/* cr_checkpoint, for each process: writes its records */
	int (*dump)(struct dump_ctx *ctx);
	/* cr_checkpoint, once, while every process is parked, after their
	 * descriptors were scanned: what the request holds beside them */
	int (*scan)(struct dump_shared *sh);
	/* cr_checkpoint, once, after every process's records: what scan found */
	int (*dump_after)(struct img_writer *w, struct dump_shared *sh);
	/* cr_restart, for each process, before any is created: its
	 * preconditions; may open helpers in sh */
	int (*check)(struct rst_ctx *ctx, struct rst_shared *sh);
	/* cr_restart, once, after every check: what processes share */
	int (*prepare)(const struct image *img, struct rst_shared *sh);
	/* cr_restart, for each process, once all exist and before any runs:
	 * the first changes outside the restart (files cut back) */
	int (*commit)(const struct image_process *p);
	/* the new process, with libc still: what it sets itself */
	int (*restore)(const struct rst_ctx *ctx, const struct rst_shared *sh);
	/* the new process: its part of the blob's plan */
	int (*plan)(struct rst_ctx *ctx, struct plan *plan);
	/* cr_restart, once, as it ends (restored: every process is back):
	 * what prepare made outside the restart is undone when it failed */
	void (*finish)(struct rst_shared *sh, bool restored);
};

/* table.c: every resource, in the order the passes walk them. */
extern const struct res_ops *const res_table[];
extern const size_t res_table_len;
/* Whether a pass runs ops for a process (a zombie has its record only). */
bool res_applies(const struct res_ops *ops, bool zombie);

/*
 * process.c: the pids the processes of a request see, which the file
 * records: in a pid namespace of their own (a restart without privilege),
 * not those of ours.  All must be in one pid namespace.  0, or a negative
 * errno after one message.
 */
int process_pid_view(struct dump_shared *sh, const pid_t *pids, size_t n);
/* pid as the request's processes see it: 0 for one outside their pid
 * namespace. */
pid_t process_seen_pid(const struct dump_shared *sh, pid_t pid);

/* The agent's thread records must be the threads the kernel shows. */
int threads_verify(struct dump_ctx *ctx);

/* memory.c: a file area whose every page was saved, restored as
 * anonymous memory (shared: shm.c) without its file. */
bool memory_file_saved(const struct img_area *a);
/* memory.c: whether the memory of the processes compresses at zstd's
 * level (a sample of it). */
bool memory_compresses(const pid_t *pids, size_t n_pids, int level);
/* memory.c: len bytes at addr of the process (its memory's: mem_pid), into
 * buf. */
int memory_read(const struct dump_ctx *ctx, const struct img_area *a, uint64_t addr, char *buf,
		size_t len);
/*
 * page_reader.c: the pages of a's own runs in chunks of ctx->buf, in order,
 * read ahead by a thread while the caller writes each; their hashes into
 * hashes (one per own page) unless NULL, and into the checksum of the
 * record ctx->w writes (img_record_sum: the caller puts the chunks).
 * next gives the next chunk (its length 0 at the end), or -errno after a
 * line; the chunk stays valid until the next call.  end stops and frees
 * the reader (NULL: nothing).
 */
struct page_reader;
int page_reader_start(struct page_reader **ret, struct dump_ctx *ctx, const struct img_area *a,
		      const struct img_run *runs, uint64_t *hashes);
int page_reader_next(struct page_reader *pr, const void **ret_data, size_t *ret_len);
void page_reader_end(struct page_reader *pr);
/* increment.c: the pages of a's runs that the base holds, the same, made
 * runs of the base (IMG_RUN_BASE) in *runs; the hash of every page in
 * *ret_hashes, the number of the base's in *ret_n_base. */
int increment_split(struct dump_ctx *ctx, struct img_area *a, struct img_run **runs,
		    uint64_t **ret_hashes, uint64_t *ret_n_base);
/* increment.c: whether the base's page hashes are its pages' (an increment
 * trusts them): 0, or -EBADMSG after a line naming path. */
int increment_check_base(const struct image *base, const char *path);
/* memory_restart.c: memory_ops' check and plan */
int memory_check(struct rst_ctx *ctx, struct rst_shared *sh);
int memory_plan(struct rst_ctx *ctx, struct plan *plan);
/* memory.c: whether --cow may read pid's memory from a fork's copy
 * (agent/hold.c); if not, why, in why. */
bool memory_cow_ok(pid_t pid, bool save_shared, char *why, size_t why_len);
/* shm.c: the memfd of the shared memory object of area ia (shared
 * anonymous memory, a memfd, or a file mapped shared and saved whole),
 * made and filled once for all; its helper, or -errno after one message. */
int shm_fd(const struct image *img, const struct image_area *ia, struct rst_shared *sh);

/* Bytes the areas and runs of p take in a plan. */
size_t memory_plan_size(const struct image *img, const struct image_process *p);
/* len bytes of p's memory at addr as the file saved them, within one page;
 * 0, or -EFAULT when they were not saved, -errno when they cannot be read. */
int memory_saved_read(const struct image *img, const struct image_process *p, uint64_t addr,
		      void *buf, size_t len);

/* Every descriptor of pid, for the dump of all processes (files.c). */
int files_scan(struct dump_shared *sh, pid_t pid, const int32_t *skip, size_t n_skip);
int files_max_fd(const struct image_process *p);
/* files_restart.c: the passes of files_ops at a restart. */
int files_check(struct rst_ctx *ctx, struct rst_shared *sh);
int files_prepare(const struct image *img, struct rst_shared *sh);
int files_commit(const struct image_process *p);
int files_restore(const struct rst_ctx *ctx, const struct rst_shared *sh);
/* The first descriptor scanned that shares this one's open file
 * description, or NULL. */
const struct dump_fd *files_share(const struct dump_shared *sh, const struct dump_fd *me);

/* cr_restart: the helper of the open file description of fd of pid,
 * made now if it was not (a descriptor in flight has it too); -errno
 * after one message. */
int files_share_ofd(const struct image *img, int32_t pid, int32_t fd, struct rst_shared *sh);

/* A pipe with both its ends in the request, whose bytes are saved. */
bool pipes_inside(const struct dump_shared *sh, const struct dump_fd *me);
/* Its IMG_PIPE record, once per pipe (after the IMG_FILE of an end). */
int pipes_dump_data(struct dump_ctx *ctx, const struct dump_fd *df);
/* cr_restart: a new open file description of the pipe of f, with its
 * access mode (its helper's, reopened through /proc); an fd or -errno. */
int pipes_open_description(const struct rst_shared *sh, const struct img_file *f);

/* mqueue.c: whether df is a POSIX message queue; its IMG_MQUEUE (target:
 * its /proc link), once per queue; a new open file description of the
 * queue of f at restart, made by cr_restart (fd, or -errno). */
bool mqueue_is(const struct dump_fd *df);
int mqueue_dump(struct dump_ctx *ctx, const struct dump_fd *df, const char *target);
int mqueue_open_description(const struct rst_shared *sh, const struct img_file *f);

/* sockets.c: the kind of a socket's IMG_FILE, FILE_SOCKET when it is
 * restored, else FILE_INHERIT after a warning; -errno after one message
 * (--sockets=refuse). */
int sockets_kind(struct dump_ctx *ctx, const struct dump_fd *df);
/* Its IMG_SOCKET (or IMG_INET) record, after the IMG_FILE of its first
 * descriptor. */
int sockets_dump_data(struct dump_ctx *ctx, const struct dump_fd *df);
/* sockets_queue.c: a UNIX socket's receive queue, as IMG_SOCKET saves it. */
struct sock_queue {
	uint32_t *lens;
	size_t n;
	char *data;
	size_t len, cap;
	struct img_socket_right *rights;	/* descriptors in flight, by message */
	size_t n_rights;
};
/* The messages of sk's queue (a socket of that type and shutdown state),
 * without taking them, SO_PEEK_OFF given back peek_off; -EXDEV for a
 * descriptor in flight that no process of the request holds,
 * -EPROTONOSUPPORT for one in a stream. */
int sockets_queue_peek(const struct dump_shared *sh, int sk, uint32_t type, uint32_t shutdown,
		       int peek_off, struct sock_queue *q);
/* sockets_util.c: the descriptor of the request (its pid as the request
 * sees it) with the open file description of our fd, a descriptor that
 * came in flight; -ENOENT for none. */
int sockets_right_of(const struct dump_shared *sh, int fd, struct img_socket_right *ret);
/* The answer of NETLINK_SOCK_DIAG (sock_diag(7)) to req, a request for one
 * socket: its message (msg_len bytes at least) in buf, and the length of
 * its attributes, which follow; -errno, the kernel's (-ENOENT: none). */
int sockets_diag(const void *req, size_t req_len, void *buf, size_t buf_len, size_t msg_len,
		 const void **ret_msg, int *ret_left);
/* A duplicate of fd of pid, the same open file description (pidfd_getfd(2),
 * which needs the access that reading its memory needs); -errno. */
int sockets_target_fd(pid_t pid, int fd);
/* sockets_restart.c: fd made by the coordinator registered as the socket
 * id (SHARED_SOCKET) for the processes to take; *fd is moved. */
int sockets_register(struct rst_shared *sh, uint64_t id, int *fd);
/* inet.c: a TCP or UDP socket whose peer, if any, is in the request (or
 * closed); its IMG_INET record. */
bool inet_inside(const struct dump_shared *sh, const struct dump_fd *df);
int inet_dump_data(struct dump_ctx *ctx, const struct dump_fd *df);

/* events.c: an eventfd, timerfd or signalfd (its /proc link target):
 * its IMG_EVENT record, with id. */
bool events_is_event(const char *target);
int events_dump(struct dump_ctx *ctx, const struct dump_fd *df, const char *target, uint64_t id);
/* epoll.c: the items of epoll fd df, from its fdinfo text; -ESTALE after
 * one message for one that is not a descriptor of its process. */
int epoll_parse(const struct dump_fd *df, const char *info, struct img_epoll_item **ret,
		uint64_t *ret_n);
/* inotify.c: the watches of inotify fd df and their paths (an IMG_EVENT's
 * items, *ret_len bytes), from its fdinfo text; -ESTALE after one message
 * for a watch whose path cannot be found.  A new instance with them. */
int inotify_parse(const struct dump_fd *df, const char *info, void **ret, size_t *ret_len,
		  uint64_t *ret_n);
int inotify_make(const struct img_event *e);

/*
 * unlinked.c: the IMG_FILE_DATA of the unlinked regular file that link (a
 * /proc link to it, named what in messages) leads to, once per file;
 * *ret_id names it in the records that refer to it.
 */
int unlinked_dump(struct dump_ctx *ctx, const char *link, const char *what, uint64_t *ret_id);
/* cr_restart: the new file standing for unlinked file id, made and filled
 * once, with every open file description of it (SHARED_OFD); its helper
 * (O_RDWR), or -errno after one message. */
int unlinked_file(const struct image *img, uint64_t id, struct rst_shared *sh);

/* sysv.c: whether SysV shared memory is saved, whose pages --cow could
 * not read while the processes run on; frees what scan saved. */
bool sysv_pages_saved(const struct dump_shared *sh);
void sysv_free(struct dump_shared *sh);
/* sysv_restart.c: area i of p attaches SysV shared memory: 0 when its
 * attachment starts where the segment does (at pgoff 0), else -ENOTSUP
 * after one message; the segment's size there, rounded up to pages. */
int sysv_attachment_check(const struct image_process *p, size_t i);
uint64_t sysv_segment_size(const struct image *img, int32_t shmid);

/* locks.c: the message for a lock the restorer of a process could not take
 * (STEP_LOCK, its id); returns err. */
int locks_failed(const struct image *img, uint64_t id, int err);

#endif
