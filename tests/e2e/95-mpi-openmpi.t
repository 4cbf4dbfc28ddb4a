#!/bin/bash
# 95-mpi-openmpi: an MPI job of 4 ranks under Open MPI (mpirun.openmpi,
# 4.1 with PMIx 4), on this node: the ring and the reduction of
# examples/mpi/, each checkpointed whole mid-run (mpirun and the ranks)
# with --tree --kill and restarted, ends with the answer of an
# uninterrupted run.  --mca pml ob1 --mca btl self,vader keeps the ranks
# on shared memory (vader's segments in /dev/shm) and leaves out the TCP
# BTL's listening sockets; --save-shared saves the shared memory.  Open MPI refuses to run as root unless told
# (OMPI_ALLOW_RUN_AS_ROOT).  See docs/mpi-notes.md.
#
# Each rank's PMIx connection to mpirun is TCP over loopback, and mpirun
# listens on 127.0.0.1, 0.0.0.0 and [::]: they come back connected and
# listening.  mpirun's pseudo-terminals (the ranks' standard output) are
# not restored: after the restart the ranks' output goes to cr_restart's
# (the answer is looked for in both).
UCR_TEST_TIMEOUT=${UCR_TEST_TIMEOUT:-300}
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../mpi.sh
. "$(dirname "$0")/../mpi.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info"
mpi_skip_unless mpirun.openmpi "$build/examples/mpi/ring.openmpi" "$build/examples/mpi/reduce.openmpi"
plan 13

cp "$build/examples/mpi/ring.openmpi" "$build/examples/mpi/reduce.openmpi" "$T/" || die "cannot copy the programs"
if [ "$(id -u)" = 0 ]; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Its session directory (PMIx's shared memory) in $T; vader's segments
# stay in /dev/shm, and outlive a job killed by --kill: those of this
# test's jobs go at the end.
launch=(mpirun.openmpi --oversubscribe --mca orte_tmpdir_base "$T"
	--mca pml ob1 --mca btl "self,vader" -n 4)
shm_before=$(ls /dev/shm)
remove_new_segments() {
	local f
	for f in /dev/shm/vader_segment.*; do
		[[ $'\n'$shm_before$'\n' == *$'\n'"${f##*/}"$'\n'* ]] || rm -f "$f"
	done
}
at_cleanup remove_new_segments
# The segments are files mapped shared: --save-shared saves their pages,
# which the restart maps again, as they were at the checkpoint, instead of
# the files as they are then.
mpi_checkpoint_options=(--save-shared)
mpi_job ring "${launch[@]}" "$T/ring.openmpi" 2000
mpi_job reduce "${launch[@]}" "$T/reduce.openmpi" 2000
check "no process of the jobs is left" none_left 30
