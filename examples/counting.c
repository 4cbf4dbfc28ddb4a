/* counting: print a count once a second.  It knows nothing of checkpoints:
 * cr_run makes it checkpointable without a change to the program.
 *
 *   cr_run ./counting 60 > count.out &
 *   cr_checkpoint $!              # writes context.PID; counting goes on
 *   kill $!
 *   cr_restart context.PID        # continues from the count at the checkpoint
 *
 * usage: counting [N]    (counts 0..N-1, default 60)
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 60;

	/* Line-buffered even into a file, so that each line is written out
	 * before the next sleep: what stdio still holds in memory at a
	 * checkpoint would be restored, and printed, again after a restart. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < n; i++) {
		printf("Count = %ld\n", i);
		/* A checkpoint does not cut this sleep short: libcr resumes
		 * it for the time that was left (cr_run puts libcr first). */
		sleep(1);
	}
	return 0;
}
