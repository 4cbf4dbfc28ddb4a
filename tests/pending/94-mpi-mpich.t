#!/bin/bash
# 94-mpi-mpich: an MPI job of 4 ranks under MPICH's Hydra (mpiexec.mpich,
# Debian's ch4:ucx build), on this node: the ring and the reduction of
# examples/mpi/, each checkpointed whole mid-run (mpiexec, hydra_pmi_proxy
# and the ranks) with --tree --kill and restarted, ends with the answer of
# an uninterrupted run.  UCX_TLS=posix,self keeps the ranks on UCX's POSIX
# shared memory (unlinked files in /dev/shm, and UNIX datagram sockets),
# without its SysV segments and TCP sockets.  See docs/mpi-notes.md.
#
# PENDING (tests/pending/, not in make check): the restart fails.  mpiexec
# keeps a TCP socket listening on 0.0.0.0 (Hydra's control port, fd 5,
# inherited by every process of the job), which the restart gives back
# closed; mpiexec's poll() then sees POLLNVAL and it exits 255:
#   [mpiexec@vm] HYDT_dmxu_poll_wait_for_event (tools/demux/demux_poll.c:69):
#   assert (!(pollfds[i].revents & ~POLLIN & ~POLLOUT & ~POLLHUP & ~POLLERR)) failed
# The ranks themselves restore and compute the answer (checked by hand
# with cr_restart --stop and SIGCONT to the ranks alone).  Move this file
# to tests/e2e/ once TCP listening sockets are restored.
#
# Run it alone: prove tests/pending/94-mpi-mpich.t
UCR_TEST_TIMEOUT=${UCR_TEST_TIMEOUT:-300}
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../mpi.sh
. "$(dirname "$0")/../mpi.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info"
mpi_skip_unless mpiexec.mpich "$build/examples/mpi/ring.mpich" "$build/examples/mpi/reduce.mpich"
plan 13

cp "$build/examples/mpi/ring.mpich" "$build/examples/mpi/reduce.mpich" "$T/" || die "cannot copy the programs"
export UCX_TLS=posix,self
# a few seconds each on 2 CPUs: 4 ranks that poll, oversubscribed
mpi_job ring mpiexec.mpich -n 4 "$T/ring.mpich" 400
mpi_job reduce mpiexec.mpich -n 4 "$T/reduce.mpich" 600
check "no process of the jobs is left" none_left 30
