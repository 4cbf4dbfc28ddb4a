/* fpcb: the x87 stack held across cr_checkpoint() in callbacks (BLCR's
 * math test, made strict), N self-checkpoints in a row.
 *
 * usage: fpcb PREFIX N
 *
 * A signal-context and a thread-context callback each fill the whole x87
 * register stack (8 long doubles with every mantissa bit used), set a
 * rounding mode other than the default in the x87 control word and in
 * MXCSR, call cr_checkpoint(), then pop the 8 values and compare them, bit
 * for bit, and the two control registers.  The x87 stack is not part of
 * any calling convention across a call (the ABI wants it empty), so only
 * a checkpoint that keeps a thread's whole FPU state brings it back; a
 * full stack also turns any x87 push on the way into a NaN.
 *
 * Meanwhile another thread, which the checkpoints interrupt, holds the
 * same kind of values in its registers through all of them: the x87 stack
 * full, and the 16 vector registers (256 bits each with AVX, else 128).
 *
 * The program checkpoints itself N times (cr_request_checkpoint, into
 * PREFIX.1 .. PREFIX.N) and prints "continue I PASS" after each, then
 * "holder PASS" when the other thread's registers came through; a process
 * restarted from PREFIX.I checks both and prints "restarted I PASS" and
 * exits 0.  Any difference prints "FAIL: ..." and exits 1.
 */
#include "wl.h"

#include <pthread.h>

#include <libcr.h>

#define FP_DEPTH 8
#define FCW_UP 0x0b7f		/* x87: all masked, round up, extended */
#define MXCSR_DOWN 0x3f80	/* SSE: all masked, round down */

struct fp_check {
	char fail[256];		/* empty: the values came back */
};

static struct fp_check sig_check, thr_check;
static volatile int round_no;

/* 8 values that use every bit of the 64-bit mantissa, different per round
 * and per callback */
static void fp_values(long double v[FP_DEPTH], int salt)
{
	for (int i = 0; i < FP_DEPTH; i++) {
		volatile long double x = (long double)(salt * 131 + i * 7 + 1);

		v[i] = (i & 1 ? -1 : 1) * (x / 3.0L + 1e-3L / x) * (i < 4 ? 1e300L : 1e-300L);
	}
}

static int fp_callback(void *arg)
{
	struct fp_check *c = arg;
	long double in[FP_DEPTH], out[FP_DEPTH];
	unsigned short fcw = FCW_UP, fcw_after, fcw_saved;
	unsigned int mxcsr = MXCSR_DOWN, mxcsr_after, mxcsr_saved;

	fp_values(in, round_no * 2 + (c == &thr_check));
	__asm__ volatile("fnstcw %0\n\tstmxcsr %1" : "=m"(fcw_saved), "=m"(mxcsr_saved));
	__asm__ volatile("fldcw %0\n\tldmxcsr %1" : : "m"(fcw), "m"(mxcsr));
	__asm__ volatile("fldt %0\n\tfldt %1\n\tfldt %2\n\tfldt %3\n\t"
			 "fldt %4\n\tfldt %5\n\tfldt %6\n\tfldt %7"
			 : : "m"(in[0]), "m"(in[1]), "m"(in[2]), "m"(in[3]),
			     "m"(in[4]), "m"(in[5]), "m"(in[6]), "m"(in[7]));
	cr_checkpoint(CR_CHECKPOINT_READY);
	__asm__ volatile("fstpt %0\n\tfstpt %1\n\tfstpt %2\n\tfstpt %3\n\t"
			 "fstpt %4\n\tfstpt %5\n\tfstpt %6\n\tfstpt %7"
			 : "=m"(out[7]), "=m"(out[6]), "=m"(out[5]), "=m"(out[4]),
			   "=m"(out[3]), "=m"(out[2]), "=m"(out[1]), "=m"(out[0]));
	__asm__ volatile("fnstcw %0\n\tstmxcsr %1" : "=m"(fcw_after), "=m"(mxcsr_after));
	__asm__ volatile("fldcw %0\n\tldmxcsr %1" : : "m"(fcw_saved), "m"(mxcsr_saved));
	c->fail[0] = 0;
	/* the first difference, from the top of the stack down */
	for (int i = FP_DEPTH - 1; i >= 0 && !c->fail[0]; i--)
		if (memcmp(&in[i], &out[i], 10) != 0)
			snprintf(c->fail, sizeof(c->fail), "st(%d) %Lg != %Lg",
				 FP_DEPTH - 1 - i, out[i], in[i]);
	if (!c->fail[0] && (fcw_after != fcw || mxcsr_after != mxcsr))
		snprintf(c->fail, sizeof(c->fail), "fcw %#x mxcsr %#x, not %#x %#x",
			 fcw_after, mxcsr_after, fcw, mxcsr);
	return 0;
}

/* ---- a thread that holds values in its registers across every checkpoint ---- */

static volatile int holder_stop;
static long double holder_in[FP_DEPTH], holder_out[FP_DEPTH];
static unsigned char vec_in[16][32], vec_out[16][32];
static pthread_t holder;

/* one instruction per vector register, as asm text */
#define YMM_LOAD(i, b) "vmovdqu " #i "*32(" b "), %%ymm" #i "\n\t"
#define YMM_STORE(i, b) "vmovdqu %%ymm" #i ", " #i "*32(" b ")\n\t"
#define XMM_LOAD(i, b) "movdqu " #i "*32(" b "), %%xmm" #i "\n\t"
#define XMM_STORE(i, b) "movdqu %%xmm" #i ", " #i "*32(" b ")\n\t"
#define EACH_VEC(m, b) m(0, b) m(1, b) m(2, b) m(3, b) m(4, b) m(5, b) m(6, b) m(7, b) \
	m(8, b) m(9, b) m(10, b) m(11, b) m(12, b) m(13, b) m(14, b) m(15, b)

/* Loads the registers, spins until told, stores them: one asm statement,
 * so nothing of the compiler's runs in between. */
static void *hold(void *arg)
{
	const int avx = __builtin_cpu_supports("avx");

	(void)arg;
	__asm__ volatile(
		"fldt 0*16(%[x])\n\tfldt 1*16(%[x])\n\tfldt 2*16(%[x])\n\tfldt 3*16(%[x])\n\t"
		"fldt 4*16(%[x])\n\tfldt 5*16(%[x])\n\tfldt 6*16(%[x])\n\tfldt 7*16(%[x])\n\t"
		"testl %[avx], %[avx]\n\tjz 1f\n\t"
		EACH_VEC(YMM_LOAD, "%[v]") "jmp 2f\n"
		"1:\t" EACH_VEC(XMM_LOAD, "%[v]")
		"2:\tpause\n\tcmpl $0, %[stop]\n\tje 2b\n\t"
		"testl %[avx], %[avx]\n\tjz 3f\n\t"
		EACH_VEC(YMM_STORE, "%[w]") "vzeroupper\n\tjmp 4f\n"
		"3:\t" EACH_VEC(XMM_STORE, "%[w]")
		"4:\t"
		"fstpt 7*16(%[y])\n\tfstpt 6*16(%[y])\n\tfstpt 5*16(%[y])\n\tfstpt 4*16(%[y])\n\t"
		"fstpt 3*16(%[y])\n\tfstpt 2*16(%[y])\n\tfstpt 1*16(%[y])\n\tfstpt 0*16(%[y])"
		: : [x] "r"(holder_in), [y] "r"(holder_out), [v] "r"(vec_in), [w] "r"(vec_out),
		    [avx] "r"(avx), [stop] "m"(holder_stop)
		: "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return NULL;
}

static void holder_start(void)
{
	fp_values(holder_in, 12345);
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 32; j++)
			vec_in[i][j] = (unsigned char)(i * 37 + j * 11 + 1);
	if (pthread_create(&holder, NULL, hold, NULL))
		wl_die("pthread_create failed");
}

/* Stops the holder; "" when its registers came through, else what differs. */
static const char *holder_check(void)
{
	static char fail[128];
	size_t vec_len = __builtin_cpu_supports("avx") ? 32 : 16;

	holder_stop = 1;
	pthread_join(holder, NULL);
	fail[0] = 0;
	for (int i = 0; i < FP_DEPTH && !fail[0]; i++)
		if (memcmp(&holder_in[i], &holder_out[i], 10) != 0)
			snprintf(fail, sizeof(fail), "x87 value %d %Lg != %Lg", i, holder_out[i],
				 holder_in[i]);
	for (int i = 0; i < 16 && !fail[0]; i++)
		if (memcmp(vec_in[i], vec_out[i], vec_len) != 0)
			snprintf(fail, sizeof(fail), "vector register %d differs", i);
	return fail;
}

int main(int argc, char **argv)
{
	const char *holder_fail;
	int n;

	if (argc != 3 || (n = atoi(argv[2])) < 1)
		wl_die("usage: fpcb PREFIX N");
	close_range(3, ~0U, 0);
	if (cr_init() < 0)
		wl_die("cr_init: %s", strerror(errno));
	if (cr_register_callback(fp_callback, &sig_check, CR_SIGNAL_CONTEXT) < 0 ||
	    cr_register_callback(fp_callback, &thr_check, CR_THREAD_CONTEXT) < 0)
		wl_die("cr_register_callback: %s", strerror(errno));
	holder_start();
	for (round_no = 1; round_no <= n; round_no++) {
		cr_checkpoint_args_t args;
		cr_checkpoint_handle_t handle;
		char path[4096], *msg = NULL;
		int rc, err;

		snprintf(path, sizeof(path), "%s.%d", argv[1], round_no);
		cr_initialize_checkpoint_args_t(&args);
		args.cr_scope = CR_SCOPE_PROC;
		args.cr_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400);
		if (args.cr_fd < 0)
			wl_die("open %s: %s", path, strerror(errno));
		strcpy(sig_check.fail, "callback did not run");
		strcpy(thr_check.fail, "callback did not run");
		if (cr_request_checkpoint(&args, &handle) < 0)
			wl_die("cr_request_checkpoint: %s", cr_strerror(errno));
		rc = cr_poll_checkpoint_msg(&handle, NULL, &msg);
		err = errno;
		close(args.cr_fd);
		if (rc <= 0 && !(rc == CR_POLL_CHKPT_ERR_POST && err == CR_ERESTARTED)) {
			wl_out("FAIL: round %d: request rc=%d errno=%d (%s) %s\n", round_no, rc,
			       err, cr_strerror(err), msg ? msg : "");
			return 1;
		}
		if (sig_check.fail[0] || thr_check.fail[0]) {
			wl_out("FAIL: round %d %s: signal context: %s; thread context: %s\n",
			       round_no, rc > 0 ? "continue" : "restart",
			       sig_check.fail[0] ? sig_check.fail : "ok",
			       thr_check.fail[0] ? thr_check.fail : "ok");
			return 1;
		}
		if (rc <= 0) {
			holder_fail = holder_check();
			if (*holder_fail) {
				wl_out("FAIL: round %d restart: holder: %s\n", round_no, holder_fail);
				return 1;
			}
			wl_out("restarted %d PASS\n", round_no);
			return 0;
		}
		wl_out("continue %d PASS\n", round_no);
	}
	holder_fail = holder_check();
	if (*holder_fail) {
		wl_out("FAIL: holder: %s\n", holder_fail);
		return 1;
	}
	wl_out("holder PASS\n");
	return 0;
}
