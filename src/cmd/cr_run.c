/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cr_run [--omit|--run] [--] PROGRAM [ARGS]: runs PROGRAM with libcr_run
 * (or libcr_omit) preloaded.  The library is found beside this command's
 * own install (../lib from the binary), so any prefix works.
 */
#include <getopt.h>
#include <limits.h>
#include <string.h>

#include "cmd/cmdline.h"
#include "common/util.h"
#include "blcr_common.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: cr_run [--omit|--run] [--] PROGRAM [ARGS...]\n"
		   "Run PROGRAM so that it can be checkpointed (--run, the default)\n"
		   "or so that checkpoints leave it out (--omit).\n"
		   "Other: -h, --help   --version   --list-options\n");
}

/*
 * LD_PRELOAD with lib first, and no other libcr entry.  lib exports the
 * agent's wrappers of sigaction, sleep and the like, which so come before
 * libc's, and loads libcr.so.0 itself out of the global scope, as BLCR's
 * preloaded library kept its API out of it.
 */
static char *preload_with(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	_cleanup_free_ char *copy = old ? strdup(old) : NULL;
	char *out, *tok, *save;
	size_t len = strlen(lib) + 1 + (old ? strlen(old) : 0) + 1;

	out = xmalloc(len);
	snprintf(out, len, "%s", lib);
	for (tok = copy ? strtok_r(copy, ": ", &save) : NULL; tok; tok = strtok_r(NULL, ": ", &save)) {
		const char *base = strrchr(tok, '/') ? strrchr(tok, '/') + 1 : tok;

		if (!strncmp(base, "libcr.so", 8) || !strncmp(base, "libcr_run.so", 12) ||
		    !strncmp(base, "libcr_omit.so", 13))
			continue;
		strcat(out, ":");
		strcat(out, tok);
	}
	return out;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "omit", no_argument, NULL, 'o' }, { "run", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *libname = "libcr_run.so.0";
	char self[PATH_MAX], lib[PATH_MAX + 32], *slash;
	ssize_t n;
	int c;

	log_init(argv[0]);
	if (list_options(argc, argv, opts))
		return 0;
	opterr = 0;	/* -? is help, not an error: messages are ours */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': libname = "libcr_omit.so.0"; break;
		case 'r': libname = "libcr_run.so.0"; break;
		case '?':
			if (optopt != '?') {
				log_error("unknown option or missing argument: %s (see --help)",
					  argv[optind - 1]);
				return 22;
			}
			__attribute__((fallthrough));	/* -? asks for help */
		case 'h': usage(stdout); return 0;
		case 'V': printf("cr_run (ucr) %s\n", CR_RELEASE_VERSION); return 0;
		default: usage(stderr); return 22;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 22;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		log_errno(-errno, "cannot find my own location");
		return 1;
	}
	self[n] = 0;
	slash = strrchr(self, '/');
	*slash = 0;
	snprintf(lib, sizeof(lib), "%s/../lib/%s", self, libname);
	if (access(lib, R_OK) < 0) {
		log_errno(-errno, "cannot find %s", lib);
		return 1;
	}
	if (setenv("LD_PRELOAD", preload_with(lib), 1) < 0)
		return 1;
	execvp(argv[optind], argv + optind);
	log_errno(-errno, "cannot run %s", argv[optind]);
	return 127;
}
