/* execer: a process that execs itself without a pause, for checkpoints to
 * catch it in the middle of an execve().
 *
 * usage: execer FIFO
 *
 * Each image (a generation, counted in argv[2]) fills 1 MiB with a
 * pattern of its own generation, checks it, and execs the next one.  The
 * first says ready on FIFO.  SIGUSR1 is blocked across each execve (a
 * pending signal survives it, a handler does not): on SIGUSR1 the image
 * that receives it prints "PASS N" (N generations) and exits 0, or
 * "FAIL: ..." and exits 1 when a pattern differs.
 */
#include "wl.h"

#include <stdint.h>

#define AREA (1u << 20)

static uint8_t pattern(long gen, uint32_t i)
{
	return (uint8_t)((i + (uint32_t)gen) * 2654435761u >> 24);
}

int main(int argc, char **argv)
{
	long gen = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	char next[24];
	sigset_t usr1;
	uint8_t *area;

	if (argc != 2 && argc != 3)
		wl_die("usage: execer FIFO");
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	wl_setup_usr1(0);
	area = malloc(AREA);
	if (!area)
		wl_die("malloc");
	for (uint32_t i = 0; i < AREA; i++)
		area[i] = pattern(gen, i);
	if (gen == 0)
		wl_ready(argv[1]);
	/* the signal blocked since the last image's execve comes in here */
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	for (uint32_t i = 0; i < AREA; i++)
		if (area[i] != pattern(gen, i)) {
			wl_out("FAIL: generation %ld: byte %u changed\n", gen, i);
			return 1;
		}
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	if (wl_got_usr1) {
		wl_out("PASS %ld\n", gen);
		return 0;
	}
	snprintf(next, sizeof(next), "%ld", gen + 1);
	execl("/proc/self/exe", argv[0], argv[1], next, (char *)NULL);
	wl_die("execl: %s", strerror(errno));
}
