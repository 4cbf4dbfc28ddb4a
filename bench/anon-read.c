/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The floor of a copying restore: read FILE into fresh anonymous memory
 * (populated first, as the restorer does).  cat to /dev/null reuses one
 * small buffer and so never pays for the memory itself; a restored process
 * must.  Prints the seconds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct stat st;
	size_t off = 0;
	char *p;
	int fd;

	if (argc != 2 || (fd = open(argv[1], O_RDONLY)) < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "usage: anon-read FILE\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	madvise(p, st.st_size, MADV_POPULATE_WRITE);
	while (off < (size_t)st.st_size) {
		ssize_t n = pread(fd, p + off, st.st_size - off, off);

		if (n <= 0)
			return 1;
		off += n;
	}
	munmap(p, st.st_size);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.3f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
