/* memory: fill memory with pseudo-random data and check it survives.
 *
 * usage: memory [-m HEAP_MIB] [-u MIB] [-r] [-b BRK_MIB] [-s SEED] [-c] [-t TICKFILE]
 *        FIFO
 *   -m  anonymous private mapping filled from SEED (default 256 MiB), with
 *       more after it that is never written (must read back as 0)
 *   -u  the size of that part (default 16 MiB)
 *   -r  read that part before saying ready (its pages are then the
 *       kernel's shared zero page)
 *   -c  fill the mapping with compressible text (words drawn from SEED,
 *       as a log or a table of names would be) instead of random bytes
 *   -b  area grown with sbrk(), filled from SEED too (default 8 MiB)
 *   -t  while waiting, append a line to TICKFILE every 10 ms (shows that
 *       the process runs); without -t it waits in sigsuspend
 *
 * Also maps three pages: PROT_NONE, a data page (read-write), PROT_NONE.
 * It records a hash of each area and the program break, says "ready" on
 * FIFO, and on SIGUSR1 recomputes everything, checks the guard pages'
 * protections in /proc/self/maps, checks the kernel's program break (the
 * brk system call: sbrk(0) only returns libc's cached copy, which comes
 * back with memory) and that the break still grows, and prints PASS or
 * FAIL.
 */
#include "wl.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define MIB (1024UL * 1024UL)

struct area {
	const char *name;
	uint64_t *p;
	size_t len;		/* bytes, a multiple of 8 */
	uint64_t hash;
};

static uint64_t xorshift64s(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void fill(struct area *a, uint64_t seed)
{
	uint64_t s = seed | 1;

	for (size_t i = 0; i < a->len / 8; i++)
		a->p[i] = xorshift64s(&s);
}

/* Text that compresses about as a program's data might: lines of words
 * drawn from a small vocabulary, some with a count, as in a log. */
static void fill_text(struct area *a, uint64_t seed)
{
	static const char *const words[] = {
		"the", "checkpoint", "of", "process", "memory", "restart", "page", "file",
		"thread", "signal", "error", "value", "request", "context", "data", "node",
		"in", "and", "to", "a", "is", "for", "with", "on", "user", "time", "job",
		"queue", "buffer", "write", "read", "size",
	};
	char *p = (char *)a->p, *end = p + a->len;
	uint64_t s = seed | 1, count = 0;

	while (p < end) {
		uint64_t r = xorshift64s(&s);
		char word[32];
		int n = r % 8 == 0 ? snprintf(word, sizeof(word), "%llu ",
					      (unsigned long long)count++) :
			snprintf(word, sizeof(word), "%s%c", words[(r >> 8) % (sizeof(words) / sizeof(words[0]))],
				 r % 11 == 0 ? '\n' : ' ');

		if (n > end - p)
			n = (int)(end - p);
		memcpy(p, word, (size_t)n);
		p += n;
	}
}

/* A hash over 64-bit words: multiply-xorshift after each word, so that a
 * change in any bit reaches every bit of the state (a plain FNV step only
 * carries changes upwards, and two flips of bit 63 would cancel). */
static uint64_t hash(const struct area *a)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ a->len;

	for (size_t i = 0; i < a->len / 8; i++) {
		h = (h ^ a->p[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
}

/* The permissions /proc/self/maps shows for the page at addr, or "" */
static void maps_perms(uintptr_t addr, char perms[5])
{
	static char buf[1 << 20];	/* static: no malloc, no brk change */
	size_t len = 0;
	ssize_t r;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	perms[0] = 0;
	if (fd < 0)
		return;
	while (len < sizeof(buf) - 1 &&
	       (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = 0;
	for (char *line = buf; line && *line; ) {
		char *nl = strchr(line, '\n');
		unsigned long lo, hi;
		char p[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 &&
		    addr >= lo && addr < hi) {
			memcpy(perms, p, 5);
			return;
		}
		line = nl ? nl + 1 : NULL;
	}
}

static int check_area(const struct area *a)
{
	uint64_t h = hash(a);

	if (h == a->hash)
		return 0;
	wl_out("FAIL: %s at %p (%zu bytes): hash %016llx, expected %016llx\n",
	       a->name, (void *)a->p, a->len,
	       (unsigned long long)h, (unsigned long long)a->hash);
	return 1;
}

/* The kernel's program break (brk(0) fails and returns it) */
static void *kernel_brk(void)
{
	return (void *)syscall(SYS_brk, 0);
}

/* The program break is where it was, and the heap can grow from there. */
static int check_brk(void *want)
{
	long page = sysconf(_SC_PAGESIZE);
	void *now = kernel_brk();
	unsigned char *more;

	if (now != want) {
		wl_out("FAIL: the program break is %p, expected %p\n", now, want);
		return 1;
	}
	more = sbrk(page);
	if (more == (void *)-1) {
		wl_out("FAIL: sbrk cannot grow the heap past %p: %s\n", want,
		       strerror(errno));
		return 1;
	}
	memset(more, 0x5a, (size_t)page);
	if (kernel_brk() != (unsigned char *)want + page) {
		wl_out("FAIL: after sbrk(%ld) the program break is %p, expected %p\n",
		       page, kernel_brk(), (void *)((unsigned char *)want + page));
		return 1;
	}
	return 0;
}

static int check_perms(const char *what, void *addr, const char *want)
{
	char perms[5];

	maps_perms((uintptr_t)addr, perms);
	if (strcmp(perms, want) == 0)
		return 0;
	wl_out("FAIL: %s at %p has permissions '%s', expected '%s'\n",
	       what, addr, perms, want);
	return 1;
}

int main(int argc, char **argv)
{
	size_t heap_mib = 256, brk_mib = 8;
	uint64_t seed = 0x5eed;
	const char *tickfile = NULL;
	bool text = false;
	long page = sysconf(_SC_PAGESIZE);
	struct area heap = { "heap mapping", 0, 0, 0 };
	struct area brk = { "brk area", 0, 0, 0 };
	struct area data = { "guarded page", 0, 0, 0 };
	unsigned char *untouched, *guard;
	void *brk_end;
	int opt, tick_fd = -1, bad = 0, read_untouched = 0;
	long ticks = 0;
	size_t untouched_len = 16 * MIB;
	volatile unsigned char sink = 0;

	while ((opt = getopt(argc, argv, "m:u:rb:s:ct:")) != -1) {
		switch (opt) {
		case 'm': heap_mib = (size_t)wl_atol(optarg, "heap size"); break;
		case 'u': untouched_len = (size_t)wl_atol(optarg, "untouched size") * MIB; break;
		case 'r': read_untouched = 1; break;
		case 'b': brk_mib = (size_t)wl_atol(optarg, "brk size"); break;
		case 's': seed = (uint64_t)wl_atol(optarg, "seed"); break;
		case 'c': text = true; break;
		case 't': tickfile = optarg; break;
		default: wl_die("usage: memory [-m MIB] [-u MIB] [-r] [-b MIB] [-s SEED] [-c] "
				"[-t TICKFILE] FIFO");
		}
	}
	if (optind != argc - 1)
		wl_die("usage: memory [-m MIB] [-u MIB] [-r] [-b MIB] [-s SEED] [-c] [-t TICKFILE] FIFO");
	wl_setup_usr1(!tickfile);

	heap.len = heap_mib * MIB;
	heap.p = mmap(NULL, heap.len + untouched_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (heap.p == MAP_FAILED)
		wl_die("mmap %zu MiB: %s", heap_mib, strerror(errno));
	untouched = (unsigned char *)heap.p + heap.len;

	brk.len = brk_mib * MIB;
	brk.p = sbrk((intptr_t)brk.len);
	if (brk.p == (void *)-1)
		wl_die("sbrk %zu MiB: %s", brk_mib, strerror(errno));
	brk_end = sbrk(0);
	if (kernel_brk() != brk_end)
		wl_die("sbrk(0) %p is not the program break %p", brk_end, kernel_brk());

	guard = mmap(NULL, 3 * (size_t)page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED)
		wl_die("mmap guard: %s", strerror(errno));
	data.p = (uint64_t *)(guard + page);
	data.len = (size_t)page;
	if (mprotect(guard, (size_t)page, PROT_NONE) != 0 ||
	    mprotect(guard + 2 * page, (size_t)page, PROT_NONE) != 0)
		wl_die("mprotect: %s", strerror(errno));

	if (text)
		fill_text(&heap, seed);
	else
		fill(&heap, seed);
	fill(&brk, seed * 3 + 1);
	fill(&data, seed * 7 + 5);
	heap.hash = hash(&heap);
	brk.hash = hash(&brk);
	data.hash = hash(&data);

	if (tickfile) {
		tick_fd = open(tickfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (tick_fd < 0)
			wl_die("open %s: %s", tickfile, strerror(errno));
	}
	for (size_t i = 0; read_untouched && i < untouched_len; i += (size_t)page)
		sink += untouched[i];
	wl_ready(argv[optind]);

	if (tickfile) {
		while (!wl_got_usr1) {
			char line[32];
			int n = snprintf(line, sizeof(line), "%ld\n", ticks++);

			if (wl_write_all(tick_fd, line, (size_t)n) != 0)
				wl_die("write %s: %s", tickfile, strerror(errno));
			wl_sleep_ms(10);
		}
		close(tick_fd);
	} else {
		wl_wait_usr1();
	}

	bad |= check_area(&heap);
	bad |= check_area(&brk);
	bad |= check_area(&data);
	for (size_t i = 0; i < untouched_len; i++) {
		if (untouched[i]) {
			wl_out("FAIL: never written byte at %p is %u, not 0\n",
			       (void *)(untouched + i), untouched[i]);
			bad = 1;
			break;
		}
	}
	if (sbrk(0) != brk_end) {
		wl_out("FAIL: sbrk(0) is %p, expected %p\n", sbrk(0), brk_end);
		bad = 1;
	}
	bad |= check_perms("low guard page", guard, "---p");
	bad |= check_perms("guarded page", guard + page, "rw-p");
	bad |= check_perms("high guard page", guard + 2 * page, "---p");
	bad |= check_brk(brk_end);	/* last: it moves the break */
	if (bad)
		return 1;
	wl_out("PASS\n");
	return 0;
}
