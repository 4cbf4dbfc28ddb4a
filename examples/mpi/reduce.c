/* reduce: every iteration each rank of an MPI job integrates 4 / (1 + x^2)
 * over its share of [0, 1] (midpoint rule), and MPI_Allreduce sums the
 * shares, with a count of the points, into a vector of doubles that every
 * rank then holds.  Rank 0 accumulates a checksum of the results and
 * prints it at the end: the same for every run with the same arguments,
 * number of ranks and MPI implementation (the order of the sums is the
 * library's).  A test checkpoints the job mid-run, restarts it, and
 * compares the last line with an uninterrupted run's.
 *
 *   mpiexec -n 4 reduce [ITERATIONS [POINTS]]  (defaults: 1000, 500000)
 *
 * Rank 0 prints "reduce: iteration N of ITERATIONS" ten times during the
 * run, each line flushed: a test that reads them knows that the job is
 * mid-run.  The last line is
 *
 *   reduce: ranks=R iterations=I points=P (expected E) pi=%.15f checksum=%.17g
 *
 * where P, the sum of the counted points, is checked against its closed
 * form (the points of every iteration, each counted once), pi is the mean
 * of the integrals (close to pi), and the checksum is compared across runs.
 * The exit status is 1 when the count is wrong or when the ranks disagree.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { INTEGRAL, POINTS, RESULT_LEN };

/* The points vary a little with the iteration, so that each result
 * differs from the last and a lost or repeated iteration shows. */
static long points_of(long iteration, long points)
{
	return points + iteration % 101;
}

int main(int argc, char **argv)
{
	int rank, ranks;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &ranks);
	long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	long points = argc > 2 ? strtol(argv[2], NULL, 10) : 500000;
	if (iterations < 1 || points < 1) {
		if (rank == 0)
			fprintf(stderr, "usage: reduce [ITERATIONS [POINTS]] (both >= 1)\n");
		MPI_Finalize();
		return 2;
	}

	long report_every = iterations >= 10 ? iterations / 10 : 1;
	double checksum = 0.0, integrals = 0.0, counted = 0.0;
	long expected = 0;

	for (long it = 0; it < iterations; it++) {
		long n = points_of(it, points);
		double h = 1.0 / (double)n;
		double mine[RESULT_LEN] = { 0 }, all[RESULT_LEN];

		/* rank r takes the points r, r + ranks, r + 2 ranks, ... */
		for (long i = rank; i < n; i += ranks) {
			double x = h * ((double)i + 0.5);
			mine[INTEGRAL] += 4.0 / (1.0 + x * x);
			mine[POINTS] += 1.0;	/* exact: a small integer */
		}
		mine[INTEGRAL] *= h;
		MPI_Allreduce(mine, all, RESULT_LEN, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);

		integrals += all[INTEGRAL];
		counted += all[POINTS];
		expected += n;
		/* weighted, so that results that trade places do not cancel */
		checksum += all[INTEGRAL] * (double)(it % 7 + 1);
		if (rank == 0 && (it + 1) % report_every == 0 && it + 1 < iterations) {
			printf("reduce: iteration %ld of %ld\n", it + 1, iterations);
			fflush(stdout);
		}
	}

	/* Every rank holds the same results: check that they agree. */
	double lowest, highest;
	MPI_Allreduce(&checksum, &lowest, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
	MPI_Allreduce(&checksum, &highest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);

	int status = (long)counted == expected && lowest == highest ? 0 : 1;
	if (rank == 0) {
		printf("reduce: ranks=%d iterations=%ld points=%ld (expected %ld) pi=%.15f checksum=%.17g\n",
		       ranks, iterations, (long)counted, expected, integrals / (double)iterations,
		       checksum);
		if (lowest != highest)
			printf("reduce: FAIL: the ranks' checksums differ (%.17g to %.17g)\n",
			       lowest, highest);
		fflush(stdout);
	}
	MPI_Finalize();
	return status;
}
