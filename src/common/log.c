/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <string.h>

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

static void log_vmsg(enum log_level level, int err, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level > log_level)
		return;
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
