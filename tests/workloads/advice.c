/* advice: memory with madvise() flags, which a restart must give back.
 *
 * usage: advice FIFO
 *
 * It maps five areas of 8 MiB, filled with a pattern: one with
 * MADV_HUGEPAGE (2 MiB-aligned, so that huge pages can back it), one with
 * MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DONTFORK and MADV_WIPEONFORK each.
 * It prints "thp=KB", the huge pages backing the first area, says ready
 * on FIFO, and on SIGUSR1 checks every area's pattern and its flags in
 * /proc/self/smaps, prints "PASS thp=KB" or what is wrong, and exits 0.
 */
#include "wl.h"

#include <stdint.h>
#include <sys/mman.h>

#define AREA (8UL << 20)
#define HUGE (2UL << 20)

static const struct {
	int advice;
	const char *flag;	/* in smaps VmFlags */
} kinds[] = {
	{ MADV_HUGEPAGE, "hg" }, { MADV_NOHUGEPAGE, "nh" }, { MADV_DONTDUMP, "dd" },
	{ MADV_DONTFORK, "dc" }, { MADV_WIPEONFORK, "wf" },
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static uint64_t *areas[N_KINDS];

/* The VmFlags line and AnonHugePages (KiB) of the mapping at addr. */
static int smaps_of(const void *addr, char *flags, size_t len, long *thp)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;

		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start == (unsigned long)addr;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld", thp) == 1)
			continue;
		if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, len, "%s", line + 8);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

static int has_word(const char *words, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = strstr(words, w); p; p = strstr(p + 1, w))
		if ((p == words || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	char flags[512];
	long thp = 0;
	int bad = 0;

	if (argc != 2)
		wl_die("usage: advice FIFO");
	for (size_t k = 0; k < N_KINDS; k++) {
		char *p = mmap(NULL, AREA + HUGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			wl_die("mmap: %s", strerror(errno));
		areas[k] = (uint64_t *)(((uintptr_t)p + HUGE - 1) & ~(HUGE - 1));
		if (madvise(areas[k], AREA, kinds[k].advice))
			wl_die("madvise %s: %s", kinds[k].flag, strerror(errno));
		for (size_t i = 0; i < AREA / sizeof(uint64_t); i++)
			areas[k][i] = i * 2654435761u + k;
	}
	wl_setup_usr1(1);
	if (smaps_of(areas[0], flags, sizeof(flags), &thp))
		wl_die("no smaps entry for %p", (void *)areas[0]);
	wl_out("thp=%ld\n", thp);
	wl_ready(argv[1]);
	wl_wait_usr1();

	for (size_t k = 0; k < N_KINDS; k++) {
		long t = 0;

		for (size_t i = 0; i < AREA / sizeof(uint64_t); i++)
			if (areas[k][i] != i * 2654435761u + k) {
				wl_out("FAIL: the %s area differs at word %zu\n", kinds[k].flag, i);
				bad = 1;
				break;
			}
		if (smaps_of(areas[k], flags, sizeof(flags), &t) || !has_word(flags, kinds[k].flag)) {
			wl_out("FAIL: the %s area lost its flag: %s", kinds[k].flag, flags);
			bad = 1;
		}
		if (k == 0)
			thp = t;
	}
	if (!bad)
		wl_out("PASS thp=%ld\n", thp);
	return 0;
}
