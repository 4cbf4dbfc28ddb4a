/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* BLCR's default, --kmsg-error */
enum log_level log_level = LOG_ERROR;
static const char *log_prog = "ucr";
static int log_fd = STDERR_FILENO;

void log_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');

	log_prog = slash ? slash + 1 : prog;
}

int log_set_fd(int fd)
{
	int old = log_fd;

	log_fd = fd;
	return old;
}

static bool progress_shown;	/* a progress line is on the terminal */

static void progress_erase(void)
{
	if (progress_shown && write(log_fd, "\r\033[K", 4) == 4)
		progress_shown = false;
}

static void log_vmsg(enum log_level level, int err, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level > log_level)
		return;
	progress_erase();
	n = snprintf(line, sizeof(line), "%s: ", log_prog);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n < (int)sizeof(line) && err)
		n += snprintf(line + n, sizeof(line) - n, ": %s", strerror(-err));
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* one write, so that lines of concurrent processes do not mix */
	if (write(log_fd, line, n) < 0)
		return;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, 0, fmt, ap);
	va_end(ap);
}

int log_errno(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, err, fmt, ap);
	va_end(ap);
	return err;
}

#define PROGRESS_MIN (64ULL << 20)
#define PROGRESS_EVERY_NS 100000000LL

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void log_phase(int64_t *since_ns, const char *fmt, ...)
{
	int64_t now = now_ns();
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	log_info("%s in %.1f ms", what, (now - *since_ns) / 1e6);
	*since_ns = now;
}

int64_t log_phase_start(void)
{
	return now_ns();
}

void log_progress_start(struct log_progress *p, const char *what, uint64_t total)
{
	*p = (struct log_progress){ .what = what, .total = total, .start_ns = now_ns() };
	p->drawn_ns = p->start_ns;
	p->on = total >= PROGRESS_MIN && log_level >= LOG_ERROR && isatty(log_fd);
}

void log_progress_add(struct log_progress *p, uint64_t n)
{
	int64_t now, elapsed;
	double rate;
	char line[160];
	int len;

	p->done += n;
	if (!p->on)
		return;
	now = now_ns();
	if (now - p->drawn_ns < PROGRESS_EVERY_NS)
		return;
	p->drawn_ns = now;
	elapsed = now - p->start_ns;
	rate = elapsed > 0 ? p->done / (elapsed / 1e9) : 0;
	if (p->done > p->total)
		p->total = p->done;	/* the total was an estimate */
	len = snprintf(line, sizeof(line), "\r\033[K%s: %s %llu of %llu MiB, %.0f MiB/s, %.0f s left",
		       log_prog, p->what, (unsigned long long)(p->done >> 20),
		       (unsigned long long)(p->total >> 20), rate / (1 << 20),
		       rate > 0 ? (p->total - p->done) / rate : 0);
	if (len > 0 && write(log_fd, line, len) == len)
		progress_shown = true;
}

void log_progress_end(struct log_progress *p)
{
	if (p->on)
		progress_erase();
	p->on = false;
}
