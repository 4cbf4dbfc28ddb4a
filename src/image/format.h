/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context file, version 2.  docs/FORMAT.md mirrors this header.
 *
 * A file is the 8-byte magic followed by records.  Every record is
 *
 *	struct img_rec  (tag, flags, payload length)
 *	payload         (len bytes)
 *	uint64_t        XXH3-64 of the record header and the payload
 *	zero padding    to the next multiple of 8
 *
 * The checksum follows the payload so that the file is written in one
 * pass, also to a pipe.  Page data (IMG_PAGES) starts 4 KiB aligned in the
 * file: the writer puts an IMG_PAD record before it.  The first record is
 * IMG_HEADER (then IMG_BASE in an increment), the last IMG_END.  For each
 * process: IMG_PROCESS, then its IMG_THREAD, IMG_AUXV, IMG_SIGACTS,
 * IMG_FILE and IMG_LOCK records and its IMG_AREA records, each area with
 * the IMG_PAGES record of its saved pages and the IMG_PAGE_HASHES of them
 * right after it.  All integers are little-endian.
 */
#ifndef UCR_IMAGE_FORMAT_H
#define UCR_IMAGE_FORMAT_H

#include <stdint.h>

#include "common/sys.h"		/* struct sys_sigaction */
#include "restorer/plan.h"	/* struct img_thread */

#define IMG_MAGIC "UCRCTX\r\n"
#define IMG_MAGIC_LEN 8
#define IMG_VERSION 2
#define IMG_PAGE_SIZE 4096u
#define IMG_ALIGN 8u

enum img_tag {
	IMG_HEADER = 1,
	IMG_PROCESS = 2,
	IMG_THREAD = 3,
	IMG_AUXV = 4,
	IMG_SIGACTS = 5,
	IMG_AREA = 6,
	IMG_PAGES = 7,
	IMG_FILE = 8,
	IMG_PAD = 9,
	IMG_END = 10,
	IMG_PIPE = 11,
	IMG_FILE_DATA = 12,
	IMG_LOCK = 13,
	IMG_SOCKET = 14,
	IMG_EVENT = 15,
	IMG_BASE = 16,		/* after IMG_HEADER: the file this one is an increment of */
	IMG_PAGE_HASHES = 17,	/* after an area's pages: the hash of each saved page */
	IMG_INET = 18,		/* a TCP or UDP socket among the processes */
	IMG_MQUEUE = 19,	/* a POSIX message queue the processes hold */
	IMG_SYSV_SHM = 20,	/* after the processes: a SysV shared memory segment */
	IMG_SYSV_SEM = 21,	/* a SysV semaphore set */
	IMG_SYSV_MSG = 22,	/* a SysV message queue */
	IMG_SOCKET_RIGHTS = 23,	/* after an IMG_SOCKET: the descriptors in flight in its queue */
};

struct img_rec {
	uint32_t tag;
	uint32_t flags;		/* none defined: must be 0 */
	uint64_t len;
};
_Static_assert(sizeof(struct img_rec) == 16, "img_rec");

struct img_header {
	uint32_t version;
	uint32_t page_size;
	uint64_t created;	/* seconds since the epoch */
	char kernel[65];	/* uname release, NUL-terminated */
	char machine[15];	/* uname machine */
	uint64_t xcr0;		/* enabled XSAVE features: the signal frame layout */
	uint32_t cpuid1_ecx, cpuid1_edx, cpuid7_ebx, cpuid7_ecx;
	uint32_t n_processes;
	uint32_t options;	/* IMG_OPT_*: what cr_checkpoint was asked */
};
_Static_assert(sizeof(struct img_header) == 128, "img_header");

#define IMG_OPT_SAVE_EXE 0x1		/* --save-exe */
#define IMG_OPT_SAVE_PRIVATE 0x2	/* --save-private */
#define IMG_OPT_SAVE_SHARED 0x4		/* --save-shared */
#define IMG_OPT_SCOPE_SHIFT 8		/* the request's cr_scope_t + 1 (1 to 4), 0 unknown */
#define IMG_OPT_SCOPE_MASK 0xf00
#define IMG_OPT_KNOWN (IMG_OPT_SAVE_EXE | IMG_OPT_SAVE_PRIVATE | IMG_OPT_SAVE_SHARED | \
		       IMG_OPT_SCOPE_MASK)

#define IMG_NRLIMIT PLAN_NRLIMIT
#define IMG_NGROUPS 32		/* supplementary groups kept; more are refused */
_Static_assert(IMG_NGROUPS == PLAN_NGROUPS, "groups");

/* Followed by exe path (exe_len bytes) and cwd (cwd_len bytes), no NULs. */
struct img_process {
	int32_t pid, ppid, pgid, sid;
	uint32_t uid, euid, gid, egid;
	uint32_t umask;
	uint32_t n_threads;
	char comm[16];
	/* mm fields, as PR_SET_MM_MAP takes them */
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	/* the agent in the target */
	uint64_t agent_state;	/* address of struct agent_state */
	uint64_t trampoline;
	struct plan_rlimit rlimits[IMG_NRLIMIT];	/* restorer/plan.h */
	/* identity of the executable, checked at restart */
	uint64_t exe_size;
	int64_t exe_mtime_sec, exe_mtime_nsec;
	/* credentials beyond uid/euid/gid/egid above */
	uint32_t suid, sgid;
	uint32_t n_groups;
	uint32_t groups[IMG_NGROUPS];
	uint32_t exe_len;
	uint32_t cwd_len;
	uint32_t flags;		/* PROC_F_* */
	int32_t exit_status;	/* a zombie's wait status */
	uint32_t omit;		/* PROC_F_WAITER: its --omit-* (enum ucr_omit); else 0 */
};
_Static_assert(sizeof(struct img_process) == 600, "img_process");

#define PROC_F_ZOMBIE 0x1	/* exited, not reaped: no threads, memory or files */
#define PROC_F_OWN_PIDNS 0x2	/* in a pid namespace not the dumper's: the ids are as
				 * the process saw them there */
#define PROC_F_STOPPED 0x4	/* in a job-control stop: stopped again at restart */
#define PROC_F_WAITER 0x8	/* with PROC_F_ZOMBIE: cr_restart, which the restart makes
				 * a process that waits for its children and ends as
				 * the first of them does */
#define PROC_F_KNOWN (PROC_F_ZOMBIE | PROC_F_OWN_PIDNS | PROC_F_STOPPED | PROC_F_WAITER)

/* IMG_THREAD: struct img_thread (restorer/plan.h, where the blob sees it),
 * one per thread. */
#define IMG_MAX_THREADS 1024

/* IMG_AUXV: the raw auxiliary vector, pairs of uint64_t, AT_NULL last. */
#define IMG_AUXV_MAX 1024	/* bytes; Linux has about 30 entries */
_Static_assert(IMG_AUXV_MAX == PLAN_AUXV_WORDS * 8, "auxv");

/* IMG_SIGACTS: 64 struct sys_sigaction (common/sys.h: the kernel's own
 * layout, which the agent reads and the blob sets as they are), for
 * signals 1..64. */
#define IMG_NSIG 64
_Static_assert(IMG_NSIG == PLAN_NSIG, "IMG_SIGACTS");
_Static_assert(sizeof(struct sys_sigaction) == 32 &&
	       offsetof(struct sys_sigaction, flags) == 8 &&
	       offsetof(struct sys_sigaction, restorer) == 16 &&
	       offsetof(struct sys_sigaction, mask) == 24, "sys_sigaction");

enum img_area_kind {
	AREA_ANON = 1,		/* private anonymous: heap, stack, mmap */
	AREA_FILE = 2,		/* file mapping (private or shared) */
	AREA_SHARED_ANON = 3,	/* MAP_SHARED|MAP_ANONYMOUS */
	AREA_VDSO = 4,		/* [vdso], [vvar], [vvar_vclock]: moved, not saved */
	AREA_SYSV_SHM = 5,	/* SysV shared memory attached (shmat): object_id, the
				 * shmid of its IMG_SYSV_SHM; pgoff, where in it */
};

#define AREA_F_SHARED 0x1
#define AREA_F_GROWSDOWN 0x2	/* [stack] */
#define AREA_F_HEAP 0x4
#define AREA_F_SHM_COPY 0x8	/* shared memory saved with an earlier area of the same object_id */
#define AREA_F_UNLINKED 0x10	/* AREA_FILE of a file without a name: object_id, its IMG_FILE_DATA */
/* madvise() flags the area had, given again at restart: the blob's
 * PLAN_ADV_* (restorer/plan.h), shifted */
#define AREA_F_ADVICE_SHIFT 5
#define AREA_F_HUGEPAGE (PLAN_ADV_HUGEPAGE << AREA_F_ADVICE_SHIFT)		/* 0x20 */
#define AREA_F_NOHUGEPAGE (PLAN_ADV_NOHUGEPAGE << AREA_F_ADVICE_SHIFT)	/* 0x40 */
#define AREA_F_DONTDUMP (PLAN_ADV_DONTDUMP << AREA_F_ADVICE_SHIFT)		/* 0x80 */
#define AREA_F_DONTFORK (PLAN_ADV_DONTFORK << AREA_F_ADVICE_SHIFT)		/* 0x100 */
#define AREA_F_WIPEONFORK (PLAN_ADV_WIPEONFORK << AREA_F_ADVICE_SHIFT)	/* 0x200 */
#define AREA_F_ADVICE (PLAN_ADV_ALL << AREA_F_ADVICE_SHIFT)
#define AREA_F_KNOWN 0x3ff

struct img_run {
	uint64_t first;		/* page index within the area */
	uint64_t n_pages;	/* with IMG_RUN_BASE: in the base file, not in this one */
};
#define IMG_RUN_BASE (1ULL << 63)

/*
 * IMG_BASE: this file holds only the pages that differ from its base's
 * (cr_checkpoint --incremental=BASE); followed by the base's path
 * (path_len bytes, absolute).  digest is the base's: the XXH3-64 of the
 * checksums of all its records, in order.
 */
struct img_base {
	uint64_t digest;
	uint64_t size;		/* the base file's, in bytes */
	uint32_t path_len;
	uint32_t pad;
};
_Static_assert(sizeof(struct img_base) == 24, "img_base");

/*
 * Followed by n_runs struct img_run (ascending, disjoint) and the path
 * (path_len bytes).  The pages of the runs, in order, are the payload of
 * the IMG_PAGES record that follows when n_runs > 0.
 */
struct img_area {
	uint64_t start, end;
	uint32_t prot;		/* PROT_* */
	uint32_t flags;		/* AREA_F_* */
	uint32_t kind;		/* enum img_area_kind */
	uint32_t path_len;
	uint64_t pgoff;		/* file offset of start, in bytes */
	uint64_t file_size;
	int64_t mtime_sec, mtime_nsec;
	uint64_t n_runs;
	uint64_t n_pages;	/* sum of the runs */
	/* AREA_SHARED_ANON: the object (its inode), shared by processes;
	 * AREA_F_UNLINKED: the id of its IMG_FILE_DATA */
	uint64_t object_id;
};
_Static_assert(sizeof(struct img_area) == 88, "img_area");

enum img_file_kind {
	FILE_REGULAR = 1,	/* reopened by path, at offset */
	FILE_INHERIT = 2,	/* tty, pipe or socket to outside: cr_restart's own */
	FILE_CLOSED = 3,	/* not restorable (device, socket...): closed */
	FILE_PIPE = 4,		/* a pipe or FIFO among the processes: object_id, its IMG_PIPE */
	FILE_CONTEXT = 5,	/* this context file (a process checkpointed itself into
				 * it): reopened by path, never checked nor truncated */
	FILE_SOCKET = 6,	/* a socket among the processes: object_id, its IMG_SOCKET
				 * (UNIX) or IMG_INET (TCP, UDP) */
	FILE_EVENT = 7,		/* an eventfd, timerfd or signalfd: object_id, its IMG_EVENT */
	FILE_MQUEUE = 8,	/* a POSIX message queue: object_id, its IMG_MQUEUE */
};

#define FILE_F_UNLINKED 0x1	/* it had no name at the checkpoint: path is the one it had;
				 * a regular file's content is in its IMG_FILE_DATA */
#define FILE_F_KNOWN FILE_F_UNLINKED

/* Followed by the path (path_len bytes). */
struct img_file {
	int32_t fd;
	uint32_t kind;		/* enum img_file_kind */
	uint32_t open_flags;	/* O_ACCMODE, O_APPEND, O_NONBLOCK... */
	uint32_t fd_flags;	/* FD_CLOEXEC */
	uint64_t pos;
	uint64_t size;
	int64_t mtime_sec, mtime_nsec;
	uint32_t mode;		/* st_mode */
	uint32_t path_len;
	/* the first descriptor, in file order, of the same open file
	 * description (a dup, or inherited across fork), or -1 */
	int32_t share_pid;
	int32_t share_fd;
	/* FILE_PIPE, FILE_SOCKET: the inode; FILE_EVENT: its IMG_EVENT; FILE_REGULAR with FILE_F_UNLINKED: the
	 * id of its IMG_FILE_DATA */
	uint64_t object_id;
	uint32_t flags;		/* FILE_F_* */
	uint32_t pad;
};
_Static_assert(sizeof(struct img_file) == 80, "img_file");

/* A pipe's buffered bytes, once per pipe; followed by len bytes. */
struct img_pipe {
	uint64_t id;		/* inode, as in img_file.object_id */
	uint32_t capacity;	/* F_GETPIPE_SZ */
	uint32_t pad;
	uint64_t len;
	uint32_t uid, gid;	/* its owner: a FIFO made again gets it (root) */
};
_Static_assert(sizeof(struct img_pipe) == 32, "img_pipe");

/*
 * The whole content of a regular file that had no name at the checkpoint,
 * open (FILE_F_UNLINKED) or mapped (AREA_F_UNLINKED), once per file, before
 * the first record that refers to it; followed by size bytes.  With
 * FILE_DATA_F_SPARSE, a file with holes, it is followed instead by a
 * uint64_t n, n struct img_extent (ascending, disjoint, none empty, inside
 * size) and the bytes of each in turn: the rest of the file are holes.
 */
struct img_file_data {
	uint64_t id;		/* from 1, as in img_file and img_area object_id */
	uint64_t size;
	uint32_t mode;		/* st_mode */
	uint32_t uid, gid;	/* its owner */
	uint32_t flags;		/* FILE_DATA_F_* */
};
_Static_assert(sizeof(struct img_file_data) == 32, "img_file_data");

#define FILE_DATA_F_SPARSE 0x1
#define FILE_DATA_F_KNOWN FILE_DATA_F_SPARSE

/* Bytes of a sparse file that hold data (SEEK_DATA to SEEK_HOLE). */
struct img_extent {
	uint64_t off, len;
};

/*
 * IMG_LOCK: a lock a process held, after the IMG_FILE of the descriptor it
 * is taken again through (a FILE_REGULAR).  A record lock is the process's
 * own: it is listed under the process's first descriptor of the open file
 * description it was taken through.  An open file description lock or a
 * flock lock belongs to the description: it is listed once in the file,
 * under the first descriptor of that description (in file order, every
 * process together).
 */
enum img_lock_kind {
	LOCK_KIND_POSIX = 1,	/* fcntl(F_SETLK) */
	LOCK_KIND_OFD = 2,	/* fcntl(F_OFD_SETLK) */
	LOCK_KIND_FLOCK = 3,	/* flock(2) */
};

enum img_lock_type {
	LOCK_TYPE_READ = 1,	/* F_RDLCK, LOCK_SH */
	LOCK_TYPE_WRITE = 2,	/* F_WRLCK, LOCK_EX */
};

struct img_lock {
	int32_t fd;
	uint32_t kind;		/* enum img_lock_kind */
	uint32_t type;		/* enum img_lock_type */
	uint32_t pad;
	uint64_t start;		/* first byte; 0 for flock */
	uint64_t len;		/* bytes; 0: to the end of the file (and for flock) */
};
_Static_assert(sizeof(struct img_lock) == 32, "img_lock");
/*
 * A UNIX socket of the request: not connected (maybe bound), listening at a
 * name, or connected with its peer in the request too (or closed, or a
 * connection the listener has not accepted yet), once per socket, right after the IMG_FILE of its first
 * descriptor;
 * followed by n_msgs uint32_t lengths, its name (name_len bytes, as in
 * sun_path: an abstract name starts with a NUL), and the bytes of its
 * receive queue, the messages in order (data_len, the sum of the lengths).
 * A stream socket's queue is one message.
 */
struct img_socket {
	uint64_t id;		/* inode, as in img_file.object_id */
	uint64_t peer;		/* the id of its peer's IMG_SOCKET; 0: the peer was closed */
	uint32_t type;		/* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
	uint32_t state;		/* SOCK_STATE_* */
	uint32_t shutdown;	/* SOCK_SHUT_*: what the kernel's sk_shutdown says */
	uint32_t flags;		/* SOCK_F_* */
	int32_t sndbuf, rcvbuf;	/* SO_SNDBUF, SO_RCVBUF as getsockopt reads them */
	int32_t peek_off;	/* SO_PEEK_OFF, -1 when off */
	int32_t rcvlowat;	/* SO_RCVLOWAT */
	int64_t rcvtimeo_us, sndtimeo_us;	/* SO_RCVTIMEO, SO_SNDTIMEO; 0 none */
	uint32_t name_len;
	uint32_t n_msgs;
	uint64_t data_len;
	/* a connection made through a listening socket of the request: the
	 * id of the listener's IMG_SOCKET (SOCK_F_ACCEPTED on the end that
	 * accept() gave, SOCK_F_PENDING on a client not accepted yet); 0 */
	uint64_t listener;
	uint32_t backlog;	/* SOCK_STATE_LISTEN: listen()'s */
	uint32_t queue_pos;	/* SOCK_F_PENDING: its place in the listener's queue */
};
_Static_assert(sizeof(struct img_socket) == 96, "img_socket");

/*
 * IMG_SOCKET_RIGHTS: right after the IMG_SOCKET of a connected datagram or
 * seqpacket socket whose peer is saved, the descriptors in flight (SCM_RIGHTS) in its
 * queue: struct img_socket_rights, then n struct img_socket_right, in the
 * order of the messages and, in a message, of the descriptors.  Each names
 * a descriptor of a process of the request that has the same open file
 * description.
 */
struct img_socket_rights {
	uint64_t socket;	/* the IMG_SOCKET's id */
	uint32_t n;
	uint32_t pad;
};
_Static_assert(sizeof(struct img_socket_rights) == 16, "img_socket_rights");

struct img_socket_right {
	uint32_t msg;		/* the message it travels with, from 0 */
	int32_t pid, fd;	/* a descriptor of the request with its file */
	uint32_t pad;
};
_Static_assert(sizeof(struct img_socket_right) == 16, "img_socket_right");
#define SOCK_RIGHTS_MAX 253	/* SCM_MAX_FD, in one message */

#define SOCK_STATE_CONNECTED 1
#define SOCK_STATE_LISTEN 2
#define SOCK_STATE_UNCONNECTED 3	/* made, maybe bound, not connected */
#define SOCK_SHUT_RD 0x1	/* RCV_SHUTDOWN: nothing more to receive */
#define SOCK_SHUT_WR 0x2	/* SEND_SHUTDOWN: nothing more to send */
#define SOCK_F_PASSCRED 0x1	/* SO_PASSCRED */
#define SOCK_F_PASSSEC 0x2	/* SO_PASSSEC */
#define SOCK_F_ACCEPTED 0x4	/* the end that accept() gave */
#define SOCK_F_PENDING 0x8	/* a client whose connection is not accepted yet */
#define SOCK_F_TO_NAME 0x10	/* a datagram socket connected to its peer's name, which
				 * is not connected back (a server's) */
#define SOCK_F_KNOWN (SOCK_F_PASSCRED | SOCK_F_PASSSEC | SOCK_F_ACCEPTED | SOCK_F_PENDING | \
		      SOCK_F_TO_NAME)
#define SOCK_BACKLOG_MAX 65535
#define SOCK_NAME_MAX 108	/* sizeof(sun_path) */
#define SOCK_DATA_MAX (1u << 30)

/*
 * A TCP or UDP socket of the request, once per socket, right after the
 * IMG_FILE of its first descriptor: not connected (maybe bound), listening,
 * connected with its peer in the request too (or closed: it shut the
 * connection down), or a client its listener of the request had not
 * accepted yet.  Followed by the bytes of its receive queue (recv_len),
 * then those it had not sent yet (unsent_len), which its peer receives
 * after its own queue.  Addresses are in network byte order, as in
 * sockaddr_in and sockaddr_in6 (an IPv4 one in the first 4 bytes).
 */
struct img_inet {
	uint64_t id;		/* inode, as in img_file.object_id */
	uint64_t peer;		/* INET_STATE_CONNECTED: its peer's IMG_INET; 0 closed */
	uint64_t listener;	/* INET_F_PENDING: the IMG_INET of the listener; else 0 */
	uint32_t family;	/* AF_INET or AF_INET6 */
	uint32_t type;		/* SOCK_STREAM (TCP) or SOCK_DGRAM (UDP) */
	uint32_t state;		/* INET_STATE_* */
	uint32_t shutdown;	/* SOCK_SHUT_* */
	uint32_t flags;		/* INET_F_* */
	uint32_t backlog;	/* INET_STATE_LISTEN: listen()'s */
	int32_t sndbuf, rcvbuf;	/* SO_SNDBUF, SO_RCVBUF as getsockopt reads them */
	int32_t rcvlowat;	/* SO_RCVLOWAT */
	int32_t linger_s;	/* SO_LINGER's time with INET_F_LINGER */
	int64_t rcvtimeo_us, sndtimeo_us;	/* SO_RCVTIMEO, SO_SNDTIMEO; 0 none */
	uint8_t local_addr[16], peer_addr[16];
	uint16_t local_port, peer_port;	/* network byte order; 0 none */
	/* TCP, INET_STATE_CONNECTED: what the two ends agreed (TCP_INFO) */
	uint16_t mss;
	uint8_t snd_wscale, rcv_wscale;
	uint32_t tcp_options;	/* TCPI_OPT_TIMESTAMPS, _SACK, _WSCALE */
	uint32_t pad;
	uint64_t recv_len, unsent_len;
};
_Static_assert(sizeof(struct img_inet) == 144, "img_inet");

#define INET_STATE_CONNECTED 1
#define INET_STATE_LISTEN 2
#define INET_STATE_UNCONNECTED 3	/* made, maybe bound, not connected */
#define INET_F_PENDING 0x1	/* a client whose connection is not accepted yet */
#define INET_F_REUSEADDR 0x2	/* SO_REUSEADDR */
#define INET_F_REUSEPORT 0x4	/* SO_REUSEPORT */
#define INET_F_KEEPALIVE 0x8	/* SO_KEEPALIVE */
#define INET_F_NODELAY 0x10	/* TCP_NODELAY */
#define INET_F_V6ONLY 0x20	/* IPV6_V6ONLY */
#define INET_F_LINGER 0x40	/* SO_LINGER on, for linger_s seconds */
#define INET_F_KNOWN 0x7f
#define INET_TCPI_OPTS_KNOWN 0x7	/* TCPI_OPT_TIMESTAMPS | _SACK | _WSCALE */

/*
 * A POSIX message queue (mq_overview(7)) that a descriptor of the request
 * holds, once per queue, right after the IMG_FILE of its first descriptor:
 * its name and attributes, and the messages it held, highest priority
 * first, each a struct img_mqueue_msg; then the name (name_len bytes, with
 * its leading /), then the messages' bytes in order (data_len, the sum of
 * their lengths).
 */
struct img_mqueue {
	uint64_t id;		/* its inode, as in img_file.object_id */
	uint32_t mode;		/* its permission bits */
	uint32_t flags;		/* MQUEUE_F_* */
	uint32_t uid, gid;
	int64_t maxmsg, msgsize;	/* mq_attr's */
	uint32_t n_msgs;
	uint32_t name_len;
	uint64_t data_len;
};
_Static_assert(sizeof(struct img_mqueue) == 56, "img_mqueue");

struct img_mqueue_msg {
	uint32_t len;
	uint32_t prio;
};

#define MQUEUE_F_UNLINKED 0x1	/* its name was removed (mq_unlink) */
#define MQUEUE_F_KNOWN MQUEUE_F_UNLINKED
#define MQUEUE_NAME_MAX 255	/* NAME_MAX, with its leading / */
#define MQUEUE_MSGS_MAX 65536	/* fs.mqueue.msg_max's largest */
#define MQUEUE_MSGSIZE_MAX (16u << 20)	/* fs.mqueue.msgsize_max's largest */

/*
 * An eventfd, timerfd, signalfd, epoll or inotify instance, once per open
 * file description, right after the IMG_FILE of its first descriptor; an
 * epoll instance's is followed by count struct img_epoll_item, an inotify
 * instance's by count struct img_inotify_watch and their paths.
 */
struct img_event {
	uint64_t id;		/* from 1, as in img_file.object_id */
	uint32_t kind;		/* EVENT_* */
	uint32_t flags;		/* EVENT_F_SEMAPHORE for an eventfd; else 0 */
	uint64_t count;		/* eventfd: its counter; timerfd: expirations not read;
				 * epoll, inotify: the items that follow */
	int32_t clockid;	/* timerfd: its clock; else 0 */
	uint32_t pad;
	int64_t value_ns;	/* timerfd: the time left to its next expiry, 0 disarmed */
	int64_t interval_ns;	/* timerfd: its interval */
	uint64_t sigmask;	/* signalfd: bit n - 1 for signal n; else 0 */
};
_Static_assert(sizeof(struct img_event) == 56, "img_event");

#define EVENT_EVENTFD 1
#define EVENT_TIMERFD 2
#define EVENT_SIGNALFD 3
#define EVENT_EPOLL 4
#define EVENT_INOTIFY 5

/* What an epoll instance watches: its first descriptor's process's tfd. */
struct img_epoll_item {
	int32_t tfd;
	uint32_t events;	/* EPOLLIN, EPOLLET... as epoll_ctl(2) took them */
	uint64_t data;
};
_Static_assert(sizeof(struct img_epoll_item) == 16, "img_epoll_item");
#define EPOLL_ITEMS_MAX (1u << 20)

/* What an inotify instance watches, count of them in the order of wd;
 * then their paths, path_len bytes each (absolute, no NUL), in that order. */
struct img_inotify_watch {
	int32_t wd;		/* its watch descriptor, from 1 */
	uint32_t mask;		/* IN_* as inotify_add_watch(2) took them */
	uint32_t path_len;
	uint32_t pad;
};
_Static_assert(sizeof(struct img_inotify_watch) == 16, "img_inotify_watch");
#define INOTIFY_WATCHES_MAX 65536	/* and the largest wd restored */
#define EVENT_F_SEMAPHORE 0x1	/* EFD_SEMAPHORE */
#define EVENT_COUNT_MAX 0xfffffffffffffffeULL	/* eventfd(2): the largest counter */

/*
 * SysV IPC objects of the request (docs/design-notes.md says which), after
 * the records of every process and before IMG_END, each made again with
 * its id and key.  What every kind has: the kernel's struct ipc_perm less
 * the creator and the sequence number (both in the id).
 */
struct img_sysv_perm {
	int32_t key;		/* IPC_PRIVATE (0): none */
	int32_t id;		/* shmid, semid, msqid: >= 0 */
	uint32_t uid, gid;	/* its owner */
	uint32_t mode;		/* the permission bits, 0777 */
	uint32_t flags;		/* SYSV_F_* */
};
_Static_assert(sizeof(struct img_sysv_perm) == 24, "img_sysv_perm");

#define SYSV_F_REMOVED 0x1	/* a segment marked for removal (IPC_RMID) while attached */
#define SYSV_F_KNOWN SYSV_F_REMOVED

/* IMG_SYSV_SHM: followed by the IMG_PAGES record of its pages, all of
 * them (ALIGN_UP(size, 4096) bytes), when size > 0. */
struct img_sysv_shm {
	struct img_sysv_perm perm;
	uint64_t size;		/* shm_segsz, in bytes */
};
_Static_assert(sizeof(struct img_sysv_shm) == 32, "img_sysv_shm");

/* IMG_SYSV_SEM: followed by n_sems uint16_t values (GETALL), zero
 * padded to a multiple of 8 bytes. */
struct img_sysv_sem {
	struct img_sysv_perm perm;
	uint32_t n_sems;	/* 1 to SYSV_SEMS_MAX */
	uint32_t pad;
};
_Static_assert(sizeof(struct img_sysv_sem) == 32, "img_sysv_sem");
#define SYSV_SEMS_MAX 32000	/* the kernel's SEMMSL ceiling */
#define SYSV_SEM_VALUE_MAX 32767	/* SEMVMX */

/* IMG_SYSV_MSG: followed by n_msgs struct img_sysv_message, in queue
 * order, then the bytes of each message in turn (data_len in all). */
struct img_sysv_msg {
	struct img_sysv_perm perm;
	uint64_t qbytes;	/* msg_qbytes: the most bytes it may hold */
	uint32_t n_msgs;
	uint32_t pad;
	uint64_t data_len;
};
_Static_assert(sizeof(struct img_sysv_msg) == 48, "img_sysv_msg");

struct img_sysv_message {
	int64_t type;		/* mtype: > 0 */
	uint64_t len;		/* bytes of mtext */
};
_Static_assert(sizeof(struct img_sysv_message) == 16, "img_sysv_message");
#define SYSV_MSGS_MAX (1u << 20)
#define SYSV_MSG_DATA_MAX (1ULL << 31)

struct img_end {
	uint64_t n_records;	/* records before this one */
};

#endif
