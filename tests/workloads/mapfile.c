/* mapfile: a file open and mapped, checked after continue and restart.
 *
 * usage: mapfile [-p] [-u|-t] [-n] [-c] [-f] [-s SIZE] FILE FIFO
 *   -p       map it MAP_PRIVATE (default MAP_SHARED)
 *   -n       open it with O_NOFOLLOW, as shm_open(3) does (MPI libraries'
 *            shared memory in /dev/shm, unlinked once every rank has it)
 *   -u       unlink FILE once it is open and mapped
 *   -t       make it with O_TMPFILE in FILE's directory: it never has a name
 *   -c       close the descriptor once FILE is mapped: only the mapping
 *            holds it, and the checks of the descriptor are skipped
 *   -f       fork a child once FILE is mapped (shared mappings only), which
 *            answers over a pipe what it sees in its copy of the mapping
 *   -s SIZE  its size in bytes, a multiple of 4096 (default 4096)
 *
 * FILE is created (or truncated) with a known pattern written through the
 * descriptor, the descriptor (O_RDWR) is left at offset SIZE / 3 and FILE
 * is mapped whole, read-write; "before" is then written into the mapping's
 * first bytes.  After "ready" on FIFO, each SIGUSR1 makes it check itself
 * and print one line, PASS or FAIL naming the difference:
 * - the descriptor's offset is still SIZE / 3;
 * - with -u, the file it holds has no name (st_nlink 0);
 * - a shared mapping shows the file's bytes, which it reads through the
 *   descriptor, and a byte written through the descriptor appears in the
 *   mapping (one file behind both);
 * - a private mapping, any mapping of an unlinked file (nobody else can
 *   change it), and with -c any mapping, holds "before" and then the
 *   pattern.
 * - with -f, a byte the parent writes into the mapping is what the child
 *   reads in its own: one object behind both processes.
 * Then a shared mapping is written ("after N" where "before" was) and
 * synced: the program changes its own file, as BLCR's mmaps test does.
 */
#include "wl.h"

#include <getopt.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define HEADER "before"

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 4096 + 13);
}

static void fill(int fd, size_t size)
{
	static unsigned char buf[65536];

	for (size_t at = 0; at < size; at += sizeof(buf)) {
		size_t n = size - at < sizeof(buf) ? size - at : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(at + i);
		if (wl_write_all(fd, buf, n) != 0)
			wl_die("write: %s", strerror(errno));
	}
}

/* The mapping against the file's bytes read through fd; NULL when equal. */
static const char *same_as_file(int fd, const unsigned char *map, size_t size)
{
	static unsigned char buf[65536];
	static char why[128];

	for (size_t at = 0; at < size; at += sizeof(buf)) {
		size_t n = size - at < sizeof(buf) ? size - at : sizeof(buf);

		if (pread(fd, buf, n, at) != (ssize_t)n)
			return "cannot read the file through its descriptor";
		if (memcmp(buf, map + at, n)) {
			snprintf(why, sizeof(why), "the mapping differs from the file near %zu", at);
			return why;
		}
	}
	/* a byte written through the descriptor must show in the mapping */
	if (pwrite(fd, "#", 1, size - 1) != 1)
		return "cannot write the file through its descriptor";
	if (map[size - 1] != '#')
		return "a byte written through the descriptor is not in the mapping";
	if (pwrite(fd, &(unsigned char){ pattern(size - 1) }, 1, size - 1) != 1)
		return "cannot write the file through its descriptor";
	return NULL;
}

static const char *as_built(const unsigned char *map, size_t size)
{
	static char why[128];

	if (memcmp(map, HEADER, strlen(HEADER)))
		return "the mapping does not start with " HEADER;
	for (size_t i = strlen(HEADER); i < size; i++)
		if (map[i] != pattern(i)) {
			snprintf(why, sizeof(why), "byte %zu of the mapping is %u, not %u", i,
				 map[i], pattern(i));
			return why;
		}
	return NULL;
}

/* The child of -f: for each byte on req, the last byte but one of its
 * mapping on ans; it ends when its parent does (end of file on req). */
static void answer(const unsigned char *map, size_t size, int req, int ans)
{
	char c;
	ssize_t n;

	while ((n = read(req, &c, 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(ans, &map[size - 2], 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/* -f: the child sees what the parent writes into the mapping. */
static const char *same_in_child(unsigned char *map, size_t size, int req, int ans)
{
	unsigned char seen = 0, saved = map[size - 2];

	map[size - 2] = (unsigned char)~saved;
	if (write(req, "?", 1) != 1 || read(ans, &seen, 1) != 1)
		return "the child does not answer";
	map[size - 2] = saved;
	return seen == (unsigned char)~saved ? NULL :
	       "the child does not see what the parent wrote: two objects, not one";
}

static const char *check(int fd, const unsigned char *map, size_t size, int private,
			 int unlinked)
{
	static char why[128];
	struct stat st;
	off_t off;

	if (fd < 0)
		return as_built(map, size);
	off = lseek(fd, 0, SEEK_CUR);
	if (off != (off_t)(size / 3)) {
		snprintf(why, sizeof(why), "the offset is %lld, not %zu", (long long)off, size / 3);
		return why;
	}
	if (fstat(fd, &st) != 0)
		return "cannot fstat the file";
	if (unlinked && st.st_nlink != 0)
		return "the file has a name again";
	if ((size_t)st.st_size != size)
		return "the file's size changed";
	if (!private) {
		const char *why_not = same_as_file(fd, map, size);

		if (why_not)
			return why_not;
	}
	return private || unlinked ? as_built(map, size) : NULL;
}

int main(int argc, char **argv)
{
	int private = 0, unlinked = 0, tmpfile = 0, nofollow = 0, closed = 0, forked = 0, opt, fd, req[2], ans[2];
	size_t size = 4096;
	unsigned char *map;
	long round = 0;

	while ((opt = getopt(argc, argv, "putncfs:")) != -1) {
		switch (opt) {
		case 'p': private = 1; break;
		case 'u': unlinked = 1; break;
		case 't': unlinked = tmpfile = 1; break;
		case 'n': nofollow = O_NOFOLLOW; break;
		case 'c': closed = 1; break;
		case 'f': forked = 1; break;
		case 's': size = (size_t)wl_atol(optarg, "size"); break;
		default: wl_die("usage: mapfile [-p] [-u|-t] [-n] [-c] [-f] [-s SIZE] FILE FIFO");
		}
	}
	if (optind != argc - 2 || !size || size % 4096 || (forked && private))
		wl_die("usage: mapfile [-p] [-u|-t] [-n] [-c] [-f] [-s SIZE] FILE FIFO");
	wl_setup_usr1(1);
	if (tmpfile) {
		char *dir = strdup(argv[optind]), *slash = strrchr(dir, '/');

		if (slash)
			*slash = 0;
		fd = open(slash ? dir : ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0640);
		free(dir);
	} else {
		fd = open(argv[optind], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | nofollow, 0640);
	}
	if (fd < 0)
		wl_die("open %s: %s", argv[optind], strerror(errno));
	fill(fd, size);
	if (lseek(fd, size / 3, SEEK_SET) < 0)
		wl_die("lseek: %s", strerror(errno));
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, private ? MAP_PRIVATE : MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		wl_die("mmap: %s", strerror(errno));
	memcpy(map, HEADER, strlen(HEADER));
	if (closed) {
		close(fd);
		fd = -1;
	}
	if (forked) {
		pid_t kid;

		if (pipe2(req, O_CLOEXEC) || pipe2(ans, O_CLOEXEC) || (kid = fork()) < 0)
			wl_die("fork: %s", strerror(errno));
		if (kid == 0) {
			close(req[1]);
			close(ans[0]);
			answer(map, size, req[0], ans[1]);
		}
		close(req[0]);
		close(ans[1]);
	}
	if (unlinked && !tmpfile && unlink(argv[optind]) != 0)
		wl_die("unlink: %s", strerror(errno));
	wl_ready(argv[optind + 1]);
	for (;;) {
		const char *why;

		wl_wait_usr1();
		wl_got_usr1 = 0;
		why = check(fd, map, size, private, unlinked);
		wl_report(why || !forked ? why : same_in_child(map, size, req[1], ans[0]));
		if (!private && !unlinked && !closed) {
			snprintf((char *)map, 32, "after %ld", ++round);
			msync(map, 4096, MS_SYNC);
		}
	}
}
