/* ring: a token of doubles goes round the ranks of an MPI job, lap after
 * lap; each rank adds its share to the token before passing it on.  Rank 0
 * prints its progress and then one final line, which is the same for every
 * run with the same arguments and number of ranks: a test checkpoints the
 * job mid-run, restarts it, and compares that line with an uninterrupted
 * run's.
 *
 *   mpiexec -n 4 ring [LAPS [WORK]]      (defaults: 600 laps, 200000 steps)
 *
 * Rank 0 prints "ring: lap N of LAPS" ten times during the run, each line
 * flushed: a test that reads them knows that the job is mid-run.  The last
 * line is
 *
 *   ring: ranks=R laps=L visits=V (expected E) token=%.17g
 *
 * where V, the count of visits carried in the token, is checked against
 * its closed form L * R (R + 1) / 2 and the token sum is compared across
 * runs.  The exit status is 1 when the count is wrong.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { TOKEN_LEN = 8, TAG = 7 };

/* The compute step of one rank on one visit: a partial sum long enough
 * that the laps take seconds, the same on every run. */
static double share(int rank, long lap, int k, long work)
{
	double sum = 0.0;

	for (long j = 1; j <= work; j++)
		sum += 1.0 / ((double)j * (double)j + rank + k + (double)(lap % 17));
	return sum / (double)work;
}

static void visit(double *token, double *visits, int rank, long lap, long work)
{
	for (int k = 0; k < TOKEN_LEN; k++)
		token[k] += share(rank, lap, k, work / TOKEN_LEN);
	/* exact: small integers in a double */
	*visits += rank + 1;
}

int main(int argc, char **argv)
{
	int rank, ranks;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &ranks);
	long laps = argc > 1 ? strtol(argv[1], NULL, 10) : 600;
	long work = argc > 2 ? strtol(argv[2], NULL, 10) : 200000;
	if (laps < 1 || work < TOKEN_LEN) {
		if (rank == 0)
			fprintf(stderr, "usage: ring [LAPS [WORK]] (LAPS >= 1, WORK >= %d)\n", TOKEN_LEN);
		MPI_Finalize();
		return 2;
	}

	/* token[0..TOKEN_LEN-1]: the sums; token[TOKEN_LEN]: the visits */
	double token[TOKEN_LEN + 1] = { 0 };
	int next = (rank + 1) % ranks, prev = (rank + ranks - 1) % ranks;
	long report_every = laps >= 10 ? laps / 10 : 1;

	for (long lap = 0; lap < laps; lap++) {
		if (rank == 0) {
			visit(token, &token[TOKEN_LEN], rank, lap, work);
			if (ranks > 1) {
				MPI_Send(token, TOKEN_LEN + 1, MPI_DOUBLE, next, TAG, MPI_COMM_WORLD);
				MPI_Recv(token, TOKEN_LEN + 1, MPI_DOUBLE, prev, TAG, MPI_COMM_WORLD,
					 MPI_STATUS_IGNORE);
			}
			if ((lap + 1) % report_every == 0 && lap + 1 < laps) {
				printf("ring: lap %ld of %ld\n", lap + 1, laps);
				fflush(stdout);
			}
		} else {
			MPI_Recv(token, TOKEN_LEN + 1, MPI_DOUBLE, prev, TAG, MPI_COMM_WORLD,
				 MPI_STATUS_IGNORE);
			visit(token, &token[TOKEN_LEN], rank, lap, work);
			MPI_Send(token, TOKEN_LEN + 1, MPI_DOUBLE, next, TAG, MPI_COMM_WORLD);
		}
	}

	int status = 0;
	if (rank == 0) {
		double sum = 0.0;
		for (int k = 0; k < TOKEN_LEN; k++)
			sum += token[k];
		long visits = (long)token[TOKEN_LEN];
		long expected = laps * ranks * (ranks + 1) / 2;
		printf("ring: ranks=%d laps=%ld visits=%ld (expected %ld) token=%.17g\n",
		       ranks, laps, visits, expected, sum);
		fflush(stdout);
		status = visits == expected ? 0 : 1;
	}
	MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
	MPI_Finalize();
	return status;
}
