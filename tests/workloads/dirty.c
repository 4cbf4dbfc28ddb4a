/* dirty: memory of which a known 1% changes on request, for incremental
 * checkpoints.
 *
 * usage: dirty -m MIB FIFO
 *
 * It fills MIB MiB of pages, each with a pattern of its number and of the
 * generation that last wrote it (0 at the start), and says ready on FIFO.
 * On SIGUSR2 the generation goes up by one and one page in a hundred is
 * written again (page p when p % 100 is the generation % 100); it then
 * prints "gen N".  On SIGUSR1 it checks every page against what it should
 * hold, prints PASS or FAIL with the first bad page, and exits 0.
 */
#include "wl.h"

#include <getopt.h>
#include <stdint.h>
#include <sys/mman.h>

#define WORDS (4096 / sizeof(uint64_t))

static volatile sig_atomic_t got_usr1, got_usr2;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_usr2 = 1;
}

static void fill(uint64_t *page, size_t p, uint64_t gen)
{
	for (size_t i = 0; i < WORDS; i++)
		page[i] = (p * WORDS + i) * 0x9e3779b97f4a7c15ULL + gen;
}

/* The generation that last wrote page p, when it is gen now. */
static uint64_t last_gen(size_t p, uint64_t gen)
{
	uint64_t back = (gen % 100 + 100 - p % 100) % 100;

	return gen >= back && gen - back >= 1 ? gen - back : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, wait;
	uint64_t *mem, gen = 0, want[WORDS];
	size_t n_pages;
	long mib = 64;
	int c;

	while ((c = getopt(argc, argv, "m:")) != -1)
		if (c == 'm')
			mib = wl_atol(optarg, "-m");
	if (argc - optind != 1 || mib <= 0)
		wl_die("usage: dirty -m MIB FIFO");
	n_pages = (size_t)mib << 8;
	mem = mmap(NULL, n_pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		wl_die("mmap: %s", strerror(errno));
	for (size_t p = 0; p < n_pages; p++)
		fill(mem + p * WORDS, p, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &wait);
	sigdelset(&wait, SIGUSR1);
	sigdelset(&wait, SIGUSR2);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	wl_ready(argv[optind]);
	for (;;) {
		while (!got_usr1 && !got_usr2)
			sigsuspend(&wait);
		if (got_usr1)
			break;
		got_usr2 = 0;
		gen++;
		for (size_t p = gen % 100; p < n_pages; p += 100)
			fill(mem + p * WORDS, p, gen);
		wl_out("gen %llu\n", (unsigned long long)gen);
	}
	for (size_t p = 0; p < n_pages; p++) {
		fill(want, p, last_gen(p, gen));
		if (memcmp(want, mem + p * WORDS, sizeof(want))) {
			wl_out("FAIL: page %zu (generation %llu) differs\n", p,
			       (unsigned long long)gen);
			return 0;
		}
	}
	wl_out("PASS\n");
	return 0;
}
