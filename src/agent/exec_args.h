/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * execl(), execle() and execlp(), their argument lists made into arrays
 * for execv(), execve() and execvp(): each library that interposes the exec
 * family defines them (execwrap.c in libcr.so.0, preload.c in libcr_run
 * and libcr_omit), for a list form must not reach libc's, which calls
 * execve() inside libc where no wrapper sees it.  Header only: the
 * libraries share no code.
 */
#ifndef UCR_AGENT_EXEC_ARGS_H
#define UCR_AGENT_EXEC_ARGS_H

#include <stdarg.h>
#include <stddef.h>

/* How many arguments follow arg0 up to its NULL. */
static inline size_t exec_args_count(va_list ap)
{
	va_list c;
	size_t n = 0;

	va_copy(c, ap);
	while (va_arg(c, char *))
		n++;
	va_end(c);
	return n;
}

/* argv[0..n+1] from arg0, the n that follow and NULL; ap is left after
 * the NULL (execle's envp comes next). */
static inline void exec_args_fill(char **argv, const char *arg0, size_t n, va_list *ap)
{
	argv[0] = (char *)arg0;
	for (size_t i = 1; i <= n + 1; i++)
		argv[i] = va_arg(*ap, char *);
}

/*
 * Declares char *NAME[] from execl-style arguments after LAST (the
 * caller's last named parameter, which is arg0): a VLA in the caller's
 * frame, for the argv of the exec that follows; ap_ stays open for
 * execle's envp (EXEC_ARGS_END closes it).
 */
#define EXEC_ARGS(name, last) \
	va_list ap_; \
	va_start(ap_, last); \
	size_t n_##name = exec_args_count(ap_); \
	char *name[n_##name + 2]; \
	exec_args_fill(name, last, n_##name, &ap_)
#define EXEC_ARGS_END() va_end(ap_)

/* execl(), execlp() and execle() through the array forms this library
 * defines (which guard the call). */
#define EXEC_LIST_FORMS \
	int execl(const char *path, const char *arg0, ...) \
	{ \
		EXEC_ARGS(argv, arg0); \
		EXEC_ARGS_END(); \
		return execv(path, argv); \
	} \
	int execlp(const char *file, const char *arg0, ...) \
	{ \
		EXEC_ARGS(argv, arg0); \
		EXEC_ARGS_END(); \
		return execvp(file, argv); \
	} \
	int execle(const char *path, const char *arg0, ...) \
	{ \
		EXEC_ARGS(argv, arg0); \
		char *const *envp = va_arg(ap_, char *const *); \
		EXEC_ARGS_END(); \
		return execve(path, argv, envp); \
	}

#endif
