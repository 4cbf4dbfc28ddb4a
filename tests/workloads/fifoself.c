/* fifoself: one process holds both ends of a named FIFO with bytes in it.
 *
 * usage: fifoself [-l LINK] [-u] FIFO READY
 *   -l LINK  FIFO gets a second name, LINK, and the read end is opened by it
 *   -u       the names are unlinked before "ready": the FIFO has none
 *
 * FIFO is made with mode 0604 and opened four times: read-write (which
 * holds it), for reading with O_NONBLOCK (by LINK with -l), for reading
 * again without, and for writing; 3000 bytes are written and left unread.  After "ready" on READY,
 * each SIGUSR1 makes it check itself and print PASS, or FAIL naming the
 * difference: the four descriptors are one FIFO, with the mode and link
 * count it had at "ready", the first read end alone non-blocking (two
 * open file descriptions with one access mode); the 3000 bytes
 * are all there, in order, and nothing more; a byte written goes through.
 */
#include "wl.h"

#include <getopt.h>
#include <sys/stat.h>

#define N_BYTES 3000

static unsigned char byte_at(size_t i)
{
	return (unsigned char)('a' + i % 23);
}

static const char *check(int holder, int rd, int rd2, int wr, const struct stat *saved)
{
	static char why[160];
	unsigned char buf[N_BYTES + 1];
	struct stat s[4];
	ssize_t n;

	if (fstat(holder, &s[0]) || fstat(rd, &s[1]) || fstat(wr, &s[2]) || fstat(rd2, &s[3]))
		return "cannot fstat the FIFO";
	for (int i = 1; i < 4; i++)
		if (s[i].st_dev != s[0].st_dev || s[i].st_ino != s[0].st_ino)
			return "its descriptors are not one FIFO";
	if (s[0].st_mode != saved->st_mode || s[0].st_nlink != saved->st_nlink) {
		snprintf(why, sizeof(why), "mode %o, %d links; it had mode %o, %d links",
			 (unsigned)s[0].st_mode, (int)s[0].st_nlink, (unsigned)saved->st_mode,
			 (int)saved->st_nlink);
		return why;
	}
	if (!(fcntl(rd, F_GETFL) & O_NONBLOCK) || (fcntl(wr, F_GETFL) & O_NONBLOCK) ||
	    (fcntl(holder, F_GETFL) & O_NONBLOCK) || (fcntl(rd2, F_GETFL) & O_NONBLOCK))
		return "O_NONBLOCK is not on the read end alone";
	n = read(rd, buf, sizeof(buf));
	if (n != N_BYTES) {
		snprintf(why, sizeof(why), "%zd bytes were in the FIFO, not %d", n, N_BYTES);
		return why;
	}
	for (size_t i = 0; i < N_BYTES; i++)
		if (buf[i] != byte_at(i))
			return "the bytes in the FIFO are not the ones written";
	if (write(wr, "!", 1) != 1 || read(rd, buf, 2) != 1 || buf[0] != '!')
		return "a byte written does not go through";
	return NULL;
}

int main(int argc, char **argv)
{
	const char *link_name = NULL, *fifo;
	unsigned char buf[N_BYTES];
	int unlinked = 0, opt, holder, rd, rd2, wr;
	struct stat saved;

	while ((opt = getopt(argc, argv, "l:u")) != -1) {
		switch (opt) {
		case 'l': link_name = optarg; break;
		case 'u': unlinked = 1; break;
		default: wl_die("usage: fifoself [-l LINK] [-u] FIFO READY");
		}
	}
	if (optind != argc - 2)
		wl_die("usage: fifoself [-l LINK] [-u] FIFO READY");
	fifo = argv[optind];
	wl_setup_usr1(1);
	umask(0);
	if (mkfifo(fifo, 0604) != 0)
		wl_die("mkfifo %s: %s", fifo, strerror(errno));
	if (link_name && link(fifo, link_name) != 0)
		wl_die("link %s: %s", link_name, strerror(errno));
	holder = open(fifo, O_RDWR | O_CLOEXEC);
	rd = open(link_name ? link_name : fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	rd2 = open(fifo, O_RDONLY | O_CLOEXEC);
	wr = open(fifo, O_WRONLY | O_CLOEXEC);
	if (holder < 0 || rd < 0 || rd2 < 0 || wr < 0)
		wl_die("open %s: %s", fifo, strerror(errno));
	for (size_t i = 0; i < N_BYTES; i++)
		buf[i] = byte_at(i);
	if (wl_write_all(wr, buf, N_BYTES) != 0)
		wl_die("write: %s", strerror(errno));
	if (unlinked && (unlink(fifo) != 0 || (link_name && unlink(link_name) != 0)))
		wl_die("unlink: %s", strerror(errno));
	if (fstat(holder, &saved) != 0)
		wl_die("fstat: %s", strerror(errno));
	wl_ready(argv[optind + 1]);
	for (;;) {
		wl_wait_usr1();
		wl_got_usr1 = 0;
		wl_report(check(holder, rd, rd2, wr, &saved));
		/* the next check finds the bytes again */
		if (wl_write_all(wr, buf, N_BYTES) != 0)
			wl_die("write: %s", strerror(errno));
	}
}
