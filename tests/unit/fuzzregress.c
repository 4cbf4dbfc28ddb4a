/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inputs that the fuzzer of the reader found, or that were made to
 * reach its corners (tests/fuzz/regress/), each loaded as in the fuzzer:
 * refused or taken, never a crash (this test is built with ASan and UBSan
 * in make check-sanitize).
 */
#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(void)
{
	const char *dir = "tests/fuzz/regress";
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name), planned = 0;

	if (n < 0) {
		printf("1..0 # SKIP no %s (run from the top of the tree)\n", dir);
		return 0;
	}
	for (int i = 0; i < n; i++)
		planned += names[i]->d_name[0] != '.';
	printf("1..%d\n", planned);
	for (int i = 0; i < n; i++) {
		char path[512], what[600];
		struct stat st;
		uint8_t *data = NULL;
		int fd;
		bool read_whole;

		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		read_whole = fd >= 0 && fstat(fd, &st) == 0 && (data = malloc(st.st_size + 1)) &&
			     read(fd, data, st.st_size) == st.st_size;
		if (read_whole)
			LLVMFuzzerTestOneInput(data, st.st_size);
		snprintf(what, sizeof(what), "%s is refused or taken, without a crash",
			 names[i]->d_name);
		ok(read_whole, what);
		free(data);
		if (fd >= 0)
			close(fd);
		free(names[i]);
	}
	free(names);
	return n_failed != 0;
}
