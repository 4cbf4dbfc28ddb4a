/* mqueuer: POSIX message queues with messages queued.
 *
 * usage: mqueuer NAME READY
 *
 * Queue NAME (at most 8 messages of 64 bytes, mode 0640) holds "low1"
 * and "low2" at priority 1, "high" at 5 and "mid" at 3; fd A reads and
 * writes it without O_NONBLOCK, fd B is a dup of A, fd C a second,
 * read-only, nonblocking open of it.  Queue NAME.gone holds "x" and has
 * no name any more.  After ready and SIGUSR1: the attributes are as they
 * were (flags per open, sizes, mode), A and B share one open, NAME gives
 * high, mid, low1, low2 and then nothing, NAME.gone gives "x"; it removes
 * NAME and prints PASS or FAIL.
 */
#include "wl.h"

#include <fcntl.h>
#include <mqueue.h>
#include <sys/stat.h>

static mqd_t a, b, c, gone;
static char name[256], gone_name[300];

static const char *next_is(mqd_t q, const char *want, unsigned int want_prio)
{
	char buf[64];
	unsigned int prio;
	ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, n) || prio != want_prio)
		return "a message is lost, changed or out of order";
	return NULL;
}

static const char *check(void)
{
	static const char *const order[] = { "high", "mid", "low1", "low2" };
	static const unsigned int prios[] = { 5, 3, 1, 1 };
	struct mq_attr at, ct;
	struct stat st;
	const char *why = NULL;
	char buf[64];

	if (mq_getattr(a, &at) || mq_getattr(c, &ct) || at.mq_maxmsg != 8 ||
	    at.mq_msgsize != 64 || at.mq_curmsgs != 4 || at.mq_flags || ct.mq_flags != O_NONBLOCK)
		return "the attributes changed";
	if (fstat(a, &st) || (st.st_mode & 07777) != 0640)
		return "the queue's mode changed";
	if (fcntl(a, F_SETFL, O_NONBLOCK) || !(fcntl(b, F_GETFL) & O_NONBLOCK))
		return "a dup does not share its open any more";
	for (int i = 0; !why && i < 4; i++)
		why = next_is(i % 2 ? c : a, order[i], prios[i]);
	if (!why && (mq_receive(c, buf, sizeof(buf), NULL) >= 0 || errno != EAGAIN))
		why = "a message came that was never sent";
	if (!why)
		why = next_is(gone, "x", 0);
	mq_unlink(name);
	return why;
}

int main(int argc, char **argv)
{
	struct mq_attr attr = { .mq_maxmsg = 8, .mq_msgsize = 64 };

	if (argc != 3)
		wl_die("usage: mqueuer NAME READY");
	wl_setup_usr1(1);
	snprintf(name, sizeof(name), "%s", argv[1]);
	snprintf(gone_name, sizeof(gone_name), "%s.gone", argv[1]);
	mq_unlink(name);
	umask(0);
	a = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0640, &attr);
	c = mq_open(name, O_RDONLY | O_NONBLOCK);
	gone = mq_open(gone_name, O_RDWR | O_CREAT, 0600, &attr);
	if (a < 0 || c < 0 || gone < 0 || (b = dup(a)) < 0)
		wl_die("mq_open: %s", strerror(errno));
	if (mq_send(a, "low1", 4, 1) || mq_send(a, "high", 4, 5) || mq_send(a, "low2", 4, 1) ||
	    mq_send(a, "mid", 3, 3) || mq_send(gone, "x", 1, 0) || mq_unlink(gone_name))
		wl_die("mq_send: %s", strerror(errno));
	wl_ready(argv[2]);
	wl_wait_usr1();
	wl_report(check());
	return 0;
}
