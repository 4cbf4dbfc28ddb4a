/* fp: a chaotic floating-point recurrence under a non-default rounding mode.
 *
 * usage: fp [-m up|down|zero|near] [-n ITERATIONS] [-r FIFO]
 *
 * Sets the rounding mode (default upward), then iterates the logistic map
 * x = r x (1 - x) in double (SSE, rounded by MXCSR) and in long double (x87,
 * rounded by the x87 control word), summing the orbit.  Chaos turns any
 * change in rounding into a completely different result within a few dozen
 * iterations, so the final bits tell whether the rounding mode and every
 * value were carried across a checkpoint.  It says "ready" on FIFO after
 * 1/20 of the iterations, then prints one line and exits 0:
 *   double=<hex> sum=<hex> ldouble=<hex of 10 bytes> mxcsr=<hex> fpucw=<hex> round=<mode>
 */
#include "wl.h"

#include <fenv.h>
#include <getopt.h>
#include <stdint.h>

static const struct { const char *name; int mode; } modes[] = {
	{ "up", FE_UPWARD }, { "down", FE_DOWNWARD },
	{ "zero", FE_TOWARDZERO }, { "near", FE_TONEAREST },
};

static const char *mode_name(int mode)
{
	switch (mode) {
	case FE_UPWARD: return "upward";
	case FE_DOWNWARD: return "downward";
	case FE_TOWARDZERO: return "towardzero";
	case FE_TONEAREST: return "tonearest";
	default: return "unknown";
	}
}

int main(int argc, char **argv)
{
	int mode = FE_UPWARD, opt;
	long n = 240000000, ready_at;
	const char *fifo = NULL;
	/* volatile: read after fesetround, so nothing is folded at compile time */
	volatile double x0 = 0.123456789, r0 = 3.99;
	volatile long double y0 = 0.123456789L, q0 = 3.99L;
	double x, r, sum = 0;
	long double y, q;
	uint64_t xb, sb;
	unsigned char yb[10];
	unsigned int mxcsr;
	unsigned short cw;

	while ((opt = getopt(argc, argv, "m:n:r:")) != -1) {
		size_t i;

		switch (opt) {
		case 'm':
			for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
				if (strcmp(optarg, modes[i].name) == 0)
					break;
			if (i == sizeof(modes) / sizeof(modes[0]))
				wl_die("unknown rounding mode %s", optarg);
			mode = modes[i].mode;
			break;
		case 'n': n = wl_atol(optarg, "iterations"); break;
		case 'r': fifo = optarg; break;
		default: wl_die("usage: fp [-m up|down|zero|near] [-n N] [-r FIFO]");
		}
	}
	if (optind != argc)
		wl_die("usage: fp [-m up|down|zero|near] [-n N] [-r FIFO]");
	if (fesetround(mode) != 0)
		wl_die("fesetround %s failed", mode_name(mode));

	x = x0; r = r0; y = y0; q = q0;
	ready_at = n / 20;
	for (long i = 0; i < n; i++) {
		x = r * x * (1.0 - x);
		y = q * y * (1.0L - y);
		sum += x;
		if (i == ready_at)
			wl_ready(fifo);
	}

	memcpy(&xb, &x, sizeof(xb));
	memcpy(&sb, &sum, sizeof(sb));
	memcpy(yb, &y, sizeof(yb));
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	/* Control bits only: the sticky exception flags (MXCSR bits 0-5) say
	 * nothing about the mode and would differ with the data. */
	wl_out("double=%016llx sum=%016llx ldouble=%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x"
	       " mxcsr=%04x fpucw=%04x round=%s\n",
	       (unsigned long long)xb, (unsigned long long)sb,
	       yb[9], yb[8], yb[7], yb[6], yb[5], yb[4], yb[3], yb[2], yb[1], yb[0],
	       mxcsr & ~0x3fu, cw, mode_name(fegetround()));
	return 0;
}
