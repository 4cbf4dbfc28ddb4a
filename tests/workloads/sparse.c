/* sparse: an unlinked file with holes, checked after continue and restart.
 *
 * usage: sparse SIZE FILE FIFO
 *
 * FILE is created with SIZE bytes (a multiple of 4096, at least 16384) of
 * which only three 4096-byte blocks hold data, at the start, in the
 * middle and at the end, the rest holes; it is unlinked, and its
 * descriptor left at offset SIZE / 3.  After "ready" on FIFO, each SIGUSR1
 * makes it check itself and print one line, PASS or FAIL naming the
 * difference: the file has no name, its size, the descriptor's offset, the
 * three blocks' bytes, zeros between them, and that it still takes no
 * more than 1 MiB of disk (its holes are holes).
 */
#include "wl.h"

#include <sys/stat.h>

#define BLOCK 4096

static unsigned char pattern(off_t at, size_t i)
{
	return (unsigned char)(at / BLOCK * 31 + i * 7 + 1);
}

static const char *check(int fd, off_t size)
{
	static char why[128];
	off_t blocks[3] = { 0, size / 2 / BLOCK * BLOCK, size - BLOCK };
	unsigned char buf[BLOCK];
	struct stat st;

	if (fstat(fd, &st) < 0 || st.st_nlink || st.st_size != size)
		return "the file has a name, or another size";
	if ((off_t)st.st_blocks * 512 > (1 << 20))
		return "it takes more than 1 MiB of disk: its holes are gone";
	if (lseek(fd, 0, SEEK_CUR) != size / 3)
		return "the descriptor is not at offset SIZE / 3";
	for (int b = 0; b < 3; b++) {
		if (pread(fd, buf, BLOCK, blocks[b]) != BLOCK)
			return "a data block cannot be read";
		for (size_t i = 0; i < BLOCK; i++)
			if (buf[i] != pattern(blocks[b], i)) {
				snprintf(why, sizeof(why), "byte %zu of the block at %lld differs", i,
					 (long long)blocks[b]);
				return why;
			}
	}
	if (pread(fd, buf, BLOCK, BLOCK) != BLOCK)
		return "a hole cannot be read";
	for (size_t i = 0; i < BLOCK; i++)
		if (buf[i])
			return "a hole does not read as zeros";
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned char buf[BLOCK];
	off_t size;
	int fd;

	if (argc != 4)
		wl_die("usage: sparse SIZE FILE FIFO");
	size = wl_atol(argv[1], "size");
	if (size % BLOCK || size < 4 * BLOCK)
		wl_die("bad size: %s", argv[1]);
	wl_setup_usr1(1);
	fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		wl_die("open %s: %s", argv[2], strerror(errno));
	for (off_t at = 0; at < size; at = at ? size - BLOCK : size / 2 / BLOCK * BLOCK) {
		for (size_t i = 0; i < BLOCK; i++)
			buf[i] = pattern(at, i);
		if (pwrite(fd, buf, BLOCK, at) != BLOCK)
			wl_die("write %s: %s", argv[2], strerror(errno));
		if (at == size - BLOCK)
			break;
	}
	if (unlink(argv[2]) < 0 || lseek(fd, size / 3, SEEK_SET) < 0)
		wl_die("unlink %s: %s", argv[2], strerror(errno));
	wl_ready(argv[3]);
	for (;;) {
		wl_wait_usr1();
		wl_got_usr1 = 0;
		wl_report(check(fd, size));
	}
}
