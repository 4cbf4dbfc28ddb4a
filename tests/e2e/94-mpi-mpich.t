#!/bin/bash
# 94-mpi-mpich: an MPI job of 4 ranks under MPICH's Hydra (mpiexec.mpich,
# Debian's ch4:ucx build), on this node: the ring and the reduction of
# examples/mpi/, each checkpointed whole mid-run (mpiexec, hydra_pmi_proxy
# and the ranks) with --tree --kill and restarted, ends with the answer of
# an uninterrupted run, and exits 0.  Skipped without MPICH.
#
# The job runs as it is, on UCX's default transports: the ranks share a
# SysV segment (removed, key 0), unlinked files in /dev/shm that
# shm_open() opened with O_NOFOLLOW, and UNIX datagram sockets at abstract
# names.
#
# mpiexec's TCP socket listening on 0.0.0.0 (Hydra's control port, which
# every process of the job inherits) comes back listening.  See
# docs/mpi-notes.md.
UCR_TEST_TIMEOUT=${UCR_TEST_TIMEOUT:-300}
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../mpi.sh
. "$(dirname "$0")/../mpi.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info"
mpi_skip_unless mpiexec.mpich "$build/examples/mpi/ring.mpich" "$build/examples/mpi/reduce.mpich"
plan 13

cp "$build/examples/mpi/ring.mpich" "$build/examples/mpi/reduce.mpich" "$T/" || die "cannot copy the programs"
# a few seconds each on 2 CPUs: 4 ranks that poll, oversubscribed
mpi_job ring mpiexec.mpich -n 4 "$T/ring.mpich" 400
mpi_job reduce mpiexec.mpich -n 4 "$T/reduce.mpich" 600
check "no process of the jobs is left" none_left 30
