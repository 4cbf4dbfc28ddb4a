/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for the ordinary (libc) parts of ucr: the tools, not the agent. */
#ifndef UCR_UTIL_H
#define UCR_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* Closes and returns -1, keeping errno: fd = safe_close(fd). */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -1;
}

static inline void closep(int *fd)
{
	safe_close(*fd);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

static inline int take_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}
#define TAKE_FD(fd) take_fd(&(fd))
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })

/* log.c: one line on stderr, prefixed with the program's name. */
enum log_level { LOG_QUIET = 0, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
extern enum log_level log_level;
void log_init(const char *prog);
/* Where messages go from now on (stderr by default); the previous fd. */
int log_set_fd(int fd);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends ": strerror(-err)" and returns err (a negative errno). */
int log_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A live progress line on stderr for long work (the memory of a big
 * checkpoint): drawn only when stderr is a terminal and errors are shown
 * (not -q, not --kmsg-none) and total is at least 64 MiB, redrawn at most
 * every 100 ms, erased at the end and before any message.
 */
struct log_progress {
	const char *what;
	uint64_t total, done;
	int64_t start_ns, drawn_ns;
	bool on;
};
void log_progress_start(struct log_progress *p, const char *what, uint64_t total);
void log_progress_add(struct log_progress *p, uint64_t n);
void log_progress_end(struct log_progress *p);
/* -v: a phase of the command ended; says it with the time since
 * *since_ns (from log_phase_start() or the previous phase), and restarts
 * the clock. */
void log_phase(int64_t *since_ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int64_t log_phase_start(void);
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

void *xmalloc(size_t n);
/* Page-aligned: copies to and from page-aligned places go at full speed. */
void *xmalloc_pages(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);

/* io.c */
int read_full(int fd, void *buf, size_t len);		/* 0 or -errno (-EIO at EOF) */
/* 0 or -errno; -ETIMEDOUT once io_give_up is set (by a deadline's signal
 * handler, which interrupts a write that blocks: cr_checkpoint --time) */
int write_full(int fd, const void *buf, size_t len);
/* The same of n pieces (iov is changed: what is left of it). */
struct iovec;
int writev_full(int fd, struct iovec *iov, int n);
extern volatile sig_atomic_t io_give_up;
/* Reads a whole (proc) file; NUL-terminates; *ret_len without the NUL. */
int read_file(const char *path, char **ret, size_t *ret_len);
int parse_int(const char *s, int *ret);

#endif
