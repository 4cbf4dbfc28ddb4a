/* memory: fill memory with pseudo-random data and check it survives.
 *
 * usage: memory [-m HEAP_MIB] [-u MIB] [-r] [-b BRK_MIB] [-s SEED] [-c] [-T THREADS]
 *        [-t TICKFILE] FIFO
 *   -m  anonymous private mapping filled from SEED (default 256 MiB), with
 *       more after it that is never written (must read back as 0)
 *   -T  fill that mapping with THREADS threads at once (default 1), each
 *       its own slice from a seed of its own; the THREADS - 1 extra ones
 *       then wait on a condition variable, all signals blocked, so that a
 *       checkpoint holds THREADS threads.  On SIGUSR1 each hashes its own
 *       slice again: the check fails if /proc/self/status does not count
 *       THREADS threads or a thread does not answer within 60 s
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
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define MIB (1024UL * 1024UL)
#define MAX_THREADS 64

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

/* -T: the slices of the heap mapping, one a thread (0: the main one's) */
struct slice {
	struct area a;
	uint64_t seed;
	uint64_t now;		/* its hash again, at the check */
	char name[40];
};

static struct slice slices[MAX_THREADS];
static int n_threads = 1;
static bool text;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int filled;		/* extra threads that filled their slice */
static int checking;		/* SIGUSR1 came: hash again */
static int checked;		/* extra threads that hashed it again */

static void fill_slice(struct slice *sl)
{
	if (text)
		fill_text(&sl->a, sl->seed);
	else
		fill(&sl->a, sl->seed);
	sl->a.hash = hash(&sl->a);
}

/* An extra thread (signals blocked by its creator): fills its slice, waits
 * for the check, hashes its slice again and ends. */
static void *slice_thread(void *arg)
{
	struct slice *sl = arg;

	fill_slice(sl);
	pthread_mutex_lock(&lock);
	filled++;
	pthread_cond_broadcast(&cond);
	while (!checking)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	sl->now = hash(&sl->a);
	pthread_mutex_lock(&lock);
	checked++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Cut heap into n_threads page-aligned slices and start a thread on each
 * but the first.  Before the brk area is made: creating a thread may
 * malloc, which would move the program break. */
static void start_slices(const struct area *heap, uint64_t seed, size_t page)
{
	size_t per = heap->len / (size_t)n_threads / page * page;
	sigset_t all, old;
	pthread_t t;

	for (int i = 0; i < n_threads; i++) {
		struct slice *sl = &slices[i];

		snprintf(sl->name, sizeof(sl->name), "heap mapping slice %d", i);
		sl->a.name = sl->name;
		sl->a.p = (uint64_t *)((char *)heap->p + (size_t)i * per);
		sl->a.len = i == n_threads - 1 ? heap->len - (size_t)i * per : per;
		sl->seed = seed + (uint64_t)i * 0x9e3779b97f4a7c15ULL;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 1; i < n_threads; i++) {
		int e = pthread_create(&t, NULL, slice_thread, &slices[i]);

		if (e)
			wl_die("pthread_create: %s", strerror(e));
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* The main thread's slice, then until every extra thread filled its own */
static void fill_slices(void)
{
	fill_slice(&slices[0]);
	pthread_mutex_lock(&lock);
	while (filled < n_threads - 1)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

/* The number of threads /proc/self/status counts, or -1 */
static int count_threads(void)
{
	static char buf[16384];
	size_t len = 0;
	ssize_t r;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC), n = -1;
	char *p;

	if (fd < 0)
		return -1;
	while (len < sizeof(buf) - 1 &&
	       (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = 0;
	p = strstr(buf, "\nThreads:");
	if (p && sscanf(p + 9, "%d", &n) != 1)
		n = -1;
	return n;
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

/* Every thread is there and hashes its slice again: each as it was */
static int check_slices(void)
{
	struct timespec ts;
	int n = count_threads(), bad = 0, e = 0;

	if (n != n_threads) {
		wl_out("FAIL: %d threads, expected %d\n", n, n_threads);
		bad = 1;
	}
	pthread_mutex_lock(&lock);
	checking = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	slices[0].now = hash(&slices[0].a);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 60;
	pthread_mutex_lock(&lock);
	while (checked < n_threads - 1 && e == 0)
		e = pthread_cond_timedwait(&cond, &lock, &ts);
	n = checked;
	pthread_mutex_unlock(&lock);
	if (n < n_threads - 1) {
		wl_out("FAIL: %d of the %d extra threads hashed their slice within 60 s\n",
		       n, n_threads - 1);
		return 1;
	}
	for (int i = 0; i < n_threads; i++) {
		const struct area *a = &slices[i].a;

		if (slices[i].now == a->hash)
			continue;
		wl_out("FAIL: %s at %p (%zu bytes): hash %016llx, expected %016llx\n",
		       a->name, (void *)a->p, a->len,
		       (unsigned long long)slices[i].now, (unsigned long long)a->hash);
		bad = 1;
	}
	return bad;
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

	while ((opt = getopt(argc, argv, "m:u:rb:s:cT:t:")) != -1) {
		switch (opt) {
		case 'm': heap_mib = (size_t)wl_atol(optarg, "heap size"); break;
		case 'u': untouched_len = (size_t)wl_atol(optarg, "untouched size") * MIB; break;
		case 'r': read_untouched = 1; break;
		case 'b': brk_mib = (size_t)wl_atol(optarg, "brk size"); break;
		case 's': seed = (uint64_t)wl_atol(optarg, "seed"); break;
		case 'c': text = true; break;
		case 'T': n_threads = (int)wl_atol(optarg, "threads"); break;
		case 't': tickfile = optarg; break;
		default: wl_die("usage: memory [-m MIB] [-u MIB] [-r] [-b MIB] [-s SEED] [-c] "
				"[-T THREADS] [-t TICKFILE] FIFO");
		}
	}
	if (optind != argc - 1)
		wl_die("usage: memory [-m MIB] [-u MIB] [-r] [-b MIB] [-s SEED] [-c] "
		       "[-T THREADS] [-t TICKFILE] FIFO");
	if (n_threads < 1 || n_threads > MAX_THREADS)
		wl_die("-T: from 1 to %d threads", MAX_THREADS);
	wl_setup_usr1(!tickfile);

	heap.len = heap_mib * MIB;
	heap.p = mmap(NULL, heap.len + untouched_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (heap.p == MAP_FAILED)
		wl_die("mmap %zu MiB: %s", heap_mib, strerror(errno));
	untouched = (unsigned char *)heap.p + heap.len;
	if (n_threads > 1)
		start_slices(&heap, seed, (size_t)page);

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

	if (n_threads > 1)
		fill_slices();
	else if (text)
		fill_text(&heap, seed);
	else
		fill(&heap, seed);
	fill(&brk, seed * 3 + 1);
	fill(&data, seed * 7 + 5);
	if (n_threads == 1)
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

	bad |= n_threads > 1 ? check_slices() : check_area(&heap);
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
