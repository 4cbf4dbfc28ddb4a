/* cowwriter: a program that keeps writing its memory, for a checkpoint
 * taken while it runs on (cr_checkpoint --cow) to show one instant.
 *
 * usage: cowwriter -m MIB TICKS FIFO
 *
 * It writes, page after page of MIB MiB and for ever, the number of the
 * pass (1, 2, ...) into the first word of each page, and appends a line
 * to TICKS after every pass.  In a copy of its memory taken at one
 * instant, the pages hold the current pass's number up to the page being
 * written and the previous one after it: two consecutive numbers at most,
 * the later first.  A copy read over time, while it writes, holds more.
 * A signal-context callback checks this right after a restart, before
 * the loop goes on, and the loop then stops; on SIGUSR1 the program
 * prints PASS, or FAIL with the first page that breaks the rule, and
 * exits 0 (the original, which never restarted, prints nothing).
 */
#include "wl.h"

#include <getopt.h>
#include <stdint.h>
#include <sys/mman.h>

#include <libcr.h>

#define WORDS_PER_PAGE (4096 / sizeof(uint64_t))

static volatile uint64_t *pages;
static size_t n_pages;
static volatile uint64_t pass = 1;
static volatile sig_atomic_t stop;
static char verdict[128];

/* The rule above, for the memory as it is now. */
static void check(void)
{
	uint64_t first = pages[0], cur = pass;
	size_t p = 1;

	while (p < n_pages && pages[p * WORDS_PER_PAGE] == first)
		p++;
	for (size_t q = p; q < n_pages; q++)
		if (pages[q * WORDS_PER_PAGE] != first - 1) {
			p = q;
			goto bad;
		}
	if (first == cur || first + 1 == cur) {
		snprintf(verdict, sizeof(verdict), "PASS\n");
		return;
	}
bad:
	snprintf(verdict, sizeof(verdict),
		 "FAIL page %zu holds %llu, page 0 %llu, the pass is %llu\n", p,
		 (unsigned long long)pages[p < n_pages ? p * WORDS_PER_PAGE : 0],
		 (unsigned long long)first, (unsigned long long)cur);
}

static int callback(void *arg)
{
	(void)arg;
	if (cr_checkpoint(CR_CHECKPOINT_READY) > 0) {
		check();
		stop = 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long mib = 64;
	int c, ticks;

	while ((c = getopt(argc, argv, "m:")) != -1)
		if (c == 'm')
			mib = wl_atol(optarg, "-m");
	if (argc - optind != 2 || mib <= 0)
		wl_die("usage: cowwriter -m MIB TICKS FIFO");
	n_pages = (size_t)mib << 8;
	pages = mmap(NULL, n_pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		     0);
	if (pages == MAP_FAILED)
		wl_die("mmap: %s", strerror(errno));
	ticks = open(argv[optind], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (ticks < 0)
		wl_die("%s: %s", argv[optind], strerror(errno));
	wl_setup_usr1(0);
	if (cr_init() < 0 || cr_register_callback(callback, NULL, CR_SIGNAL_CONTEXT) < 0)
		wl_die("libcr: %s", strerror(errno));
	wl_ready(argv[optind + 1]);
	while (!stop && !wl_got_usr1) {
		for (size_t p = 0; p < n_pages && !stop; p++)
			pages[p * WORDS_PER_PAGE] = pass;
		if (stop)
			break;
		pass++;
		wl_write_all(ticks, ".\n", 2);
	}
	wl_setup_usr1(1);
	if (!wl_got_usr1)
		wl_wait_usr1();
	if (verdict[0])
		wl_out("%s", verdict);
	return 0;
}
