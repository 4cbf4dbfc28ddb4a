/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cr_restart [options] [FILE]: restores a context file and stays the parent
 * of the restored process, exiting with its status, or dying of the same
 * signal with core dumps off, as BLCR does.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "cmd/cmdline.h"
#include "restart/restart.h"
#include "common/request_abi.h"
#include "common/util.h"
#include "blcr_common.h"

enum {
	OPT_OMIT_MAYBE = OPT_COMMON_END, OPT_OMIT_ALWAYS, OPT_OMIT_NEVER, OPT_ON_SUCCESS,
	OPT_ON_FAIL_ARGS, OPT_ON_FAIL_TEMP, OPT_ON_FAIL_ENV, OPT_ON_FAIL_PERM, OPT_ON_FAILURE,
	OPT_RELOCATE, OPT_RESTORE_PID, OPT_NO_RESTORE_PID, OPT_RESTORE_PGID,
	OPT_NO_RESTORE_PGID, OPT_RESTORE_SID, OPT_NO_RESTORE_SID, OPT_LIBCR_REQUEST, OPT_VERSION,
	OPT_LAZY,
};

static const struct option options[] = {
	COMMON_OPTIONS,
	{ "file", required_argument, NULL, 'f' },
	{ "fd", required_argument, NULL, 'F' },
	{ "dir", required_argument, NULL, 'd' },
	{ "omit-maybe", no_argument, NULL, OPT_OMIT_MAYBE },
	{ "omit-always", no_argument, NULL, OPT_OMIT_ALWAYS },
	{ "omit-never", no_argument, NULL, OPT_OMIT_NEVER },
	{ "run-on-success", required_argument, NULL, OPT_ON_SUCCESS },
	{ "run-on-fail-args", required_argument, NULL, OPT_ON_FAIL_ARGS },
	{ "run-on-fail-temp", required_argument, NULL, OPT_ON_FAIL_TEMP },
	{ "run-on-fail-env", required_argument, NULL, OPT_ON_FAIL_ENV },
	{ "run-on-fail-perm", required_argument, NULL, OPT_ON_FAIL_PERM },
	{ "run-on-failure", required_argument, NULL, OPT_ON_FAILURE },
	{ "relocate", required_argument, NULL, OPT_RELOCATE },
	{ "restore-pid", no_argument, NULL, OPT_RESTORE_PID },
	{ "no-restore-pid", no_argument, NULL, OPT_NO_RESTORE_PID },
	{ "restore-pgid", no_argument, NULL, OPT_RESTORE_PGID },
	{ "no-restore-pgid", no_argument, NULL, OPT_NO_RESTORE_PGID },
	{ "restore-sid", no_argument, NULL, OPT_RESTORE_SID },
	{ "no-restore-sid", no_argument, NULL, OPT_NO_RESTORE_SID },
	{ "lazy", no_argument, NULL, OPT_LAZY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ UCR_REQUEST_OPTION, required_argument, NULL, OPT_LIBCR_REQUEST },
	{ 0 },
};

/* The four kinds of failure of BLCR's --run-on-fail-* hooks. */
enum fail_kind { FAIL_ARGS, FAIL_TEMP, FAIL_ENV, FAIL_PERM, N_FAIL };
static const char *arg_on_success;
static const char *arg_on_fail[N_FAIL];

#define SYNOPSIS "cr_restart [options] [FILE]"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " SYNOPSIS "\n"
		"Restart the processes saved in a context file.\n\n"
		"Source:      FILE   -f, --file FILE   -F, --fd FD   -d, --dir DIR (not supported)\n"
		"Afterwards:  --run (default)   -S, --signal NUM   --stop   --term   --abort\n"
		"             --kill   --cont\n"
		"Ids:         --restore-pid (default)   --no-restore-pid\n"
		"             --restore-pgid   --no-restore-pgid (default)\n"
		"             --restore-sid   --no-restore-sid (default)\n"
		"Paths:       --relocate OLDPATH=NEWPATH (repeatable)\n"
		"Memory:      --lazy (map it from FILE, which must stay; pages come in on use)\n"
		"Hooks:       --run-on-success=CMD   --run-on-fail-args=CMD   --run-on-fail-temp=CMD\n"
		"             --run-on-fail-env=CMD   --run-on-fail-perm=CMD   --run-on-failure=CMD\n"
		"Omit:        --omit-maybe (default)   --omit-always   --omit-never\n"
		"Messages:    --kmsg-none   --kmsg-error (default)   --kmsg-warning\n"
		"Other:       -q, --quiet   -v, --verbose   -h, --help   --version\n"
		"             --list-options (one per line, for shell completion)\n");
}

static enum fail_kind fail_kind_of(int err)
{
	switch (-err) {
	case EBUSY: case ENOMEM: case EAGAIN:
		return FAIL_TEMP;
	case EACCES: case EPERM: case ENOENT: case EEXIST: case EISDIR: case ENOTDIR:
	case ESTALE:
		return FAIL_ENV;
	default:
		return FAIL_PERM;
	}
}

/* Runs a --run-on-* hook through the shell: its exit status, 255 when it
 * could not run or was killed (as BLCR's -1), 0 without a hook. */
static int run_hook(const char *cmd)
{
	int st;

	if (!cmd || !cmd[0])
		return 0;
	st = system(cmd);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/* Runs a failure hook; its non-zero status becomes ours. */
static int fail(enum fail_kind kind, int code)
{
	return run_hook(arg_on_fail[kind]) ?: code;
}

static int fail_usage(const char *what)
{
	log_error("%s (see --help)", what);
	return fail(FAIL_ARGS, EINVAL);
}

/*
 * --relocate OLDPATH=NEWPATH: the first '=' not escaped by a backslash
 * splits them; a backslash takes the next character as it is.
 */
static struct restart_reloc *relocs;	/* --relocate, in order */
static size_t n_relocs;

/* At exit, whatever path it takes (a leak checker would say otherwise). */
static void free_relocations(void)
{
	for (size_t i = 0; i < n_relocs; i++)
		free((char *)relocs[i].from);	/* "to" lives in the same block */
	free(relocs);
}

static int add_relocation(struct restart_opts *o, const char *arg)
{
	char *from = xmalloc(strlen(arg) + 1), *to = NULL, *out = from;

	for (const char *c = arg; *c; c++) {
		if (*c == '\\' && c[1]) {
			*out++ = *++c;
		} else if (*c == '=' && !to) {
			*out++ = 0;
			to = out;
		} else {
			*out++ = *c;
		}
	}
	*out = 0;
	if (!to || from[0] != '/' || to[0] != '/') {
		free(from);
		return -EINVAL;
	}
	if (!relocs)
		atexit(free_relocations);
	relocs = xrealloc(relocs, (n_relocs + 1) * sizeof(*relocs));
	relocs[n_relocs++] = (struct restart_reloc){ .from = from, .to = to };
	o->relocs = relocs;
	o->n_relocs = n_relocs;
	return 0;
}

/*
 * Serving libcr's cr_request_restart() (common/request_abi.h): the messages
 * go to fd, and the caller's signal mask, which it blocked wholly to exec
 * us safely, is given up.  The checkpoint signal stays ignored: one meant
 * for the caller may reach us, and the restored processes set their own
 * action for it from the context file.
 */
static void serve_request(int fd)
{
	sigset_t none;

	fcntl(fd, F_SETFD, FD_CLOEXEC);
	log_set_fd(fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Waits for the restored root and passes its end on. */
static int wait_root(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return log_errno(-errno, "cannot wait for %d", (int)pid), 1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	/* die the same way, without leaving a core of cr_restart */
	struct rlimit none = { 0, 0 };
	sigset_t mask;

	setrlimit(RLIMIT_CORE, &none);
	signal(WTERMSIG(st), SIG_DFL);
	sigemptyset(&mask);
	sigaddset(&mask, WTERMSIG(st));
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	kill(getpid(), WTERMSIG(st));
	return 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	struct restart_opts o = { .fd = -1, .restore_pid = true, .request_fd = -1 };
	int c, hook;
	pid_t pid;

	log_init(argv[0]);
	if (list_options(argc, argv, options))
		return 0;
	opterr = 0;	/* -? is help, not an error: messages are ours */
	while ((c = getopt_long(argc, argv, "f:F:d:S:qhv", options, NULL)) != -1) {
		int common = common_option(c, optarg, &o.signal);

		if (common < 0)
			return fail_usage("--signal needs a signal number");
		if (common)
			continue;
		switch (c) {
		case 'f': o.path = optarg; break;
		case 'F':
			if (parse_int(optarg, &o.fd) || o.fd < 0)
				return fail_usage("--fd needs a descriptor number");
			break;
		case 'd': return fail_usage("--dir is not implemented (as in BLCR)");
		/* cr_restart is never part of a checkpoint of its children: the
		 * scope a checkpoint starts from is the restored root */
		case OPT_OMIT_MAYBE: o.omit = UCR_OMIT_MAYBE; break;
		case OPT_OMIT_ALWAYS: o.omit = UCR_OMIT_ALWAYS; break;
		case OPT_OMIT_NEVER: o.omit = UCR_OMIT_NEVER; break;
		case OPT_ON_SUCCESS: arg_on_success = optarg; break;
		case OPT_ON_FAIL_ARGS: arg_on_fail[FAIL_ARGS] = optarg; break;
		case OPT_ON_FAIL_TEMP: arg_on_fail[FAIL_TEMP] = optarg; break;
		case OPT_ON_FAIL_ENV: arg_on_fail[FAIL_ENV] = optarg; break;
		case OPT_ON_FAIL_PERM: arg_on_fail[FAIL_PERM] = optarg; break;
		case OPT_ON_FAILURE:
			for (int k = 0; k < N_FAIL; k++)
				arg_on_fail[k] = optarg;
			break;
		case OPT_RELOCATE:
			if (add_relocation(&o, optarg))
				return fail_usage("--relocate needs OLDPATH=NEWPATH, both absolute");
			break;
		case OPT_RESTORE_PID: o.restore_pid = true; break;
		case OPT_NO_RESTORE_PID: o.restore_pid = false; break;
		case OPT_RESTORE_PGID: o.restore_pgid = true; break;
		case OPT_NO_RESTORE_PGID: o.restore_pgid = false; break;
		case OPT_RESTORE_SID: o.restore_sid = true; break;
		case OPT_NO_RESTORE_SID: o.restore_sid = false; break;
		case OPT_LAZY: o.lazy = true; break;
		case 'q': log_level = LOG_QUIET; break;
		/* BLCR's -v is --version; ucr's, as cr_checkpoint's, says more */
		case 'v': log_level = LOG_INFO; break;
		case OPT_LIBCR_REQUEST:
			if (parse_int(optarg, &o.request_fd) || o.request_fd < 0 ||
			    fcntl(o.request_fd, F_GETFD) < 0)
				return fail_usage("--" UCR_REQUEST_OPTION " needs a descriptor");
			serve_request(o.request_fd);
			break;
		case '?':
			if (optopt != '?') {
				return fail(FAIL_ARGS, unknown_option(argv[optind - 1], SYNOPSIS));
			}
			__attribute__((fallthrough));	/* -? asks for help */
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("cr_restart (ucr) %s\n", CR_RELEASE_VERSION); return 0;
		default: usage(stderr); return fail(FAIL_ARGS, EINVAL);
		}
	}
	if (optind < argc) {
		if (o.path || optind != argc - 1)
			return fail_usage("only one context file can be given");
		o.path = argv[optind];
	}
	if (!o.path && o.fd < 0)
		return fail_usage("no context file given");
	if (o.path && o.fd >= 0)
		return fail_usage("give either a file or --fd, not both");

	if (o.path) {
		/* a context file that cannot be opened is a bad argument */
		o.fd = open(o.path, O_RDONLY | O_CLOEXEC);
		if (o.fd < 0) {
			int err = errno;

			log_errno(-err, "cannot open %s", o.path);
			return fail(FAIL_ARGS, err);
		}
	}
	pid = restart_run(&o);
	if (o.path)
		close(o.fd);
	if (o.request_fd >= 0) {
		/* the roots are our parent's children: it waits for them */
		request_write_result(o.request_fd, pid < 0 ? -pid : 0, pid < 0 ? 0 : pid);
		return pid < 0 ? 1 : 0;
	}
	if (pid < 0)
		return fail(fail_kind_of(pid), -pid & 0xff ?: 1);
	/* as BLCR's: a failing success hook's status is ours at once, and the
	 * restored processes run on without us */
	hook = run_hook(arg_on_success);
	if (hook)
		return hook;
	restart_mark_waiting(o.omit);
	return wait_root(pid);
}
