#!/bin/bash
# 94-mpi-mpich: an MPI job of 4 ranks under MPICH's Hydra (mpiexec.mpich,
# Debian's ch4:ucx build), on this node: the ring and the reduction of
# examples/mpi/, each checkpointed whole mid-run (mpiexec, hydra_pmi_proxy
# and the ranks) with --tree --kill and restarted, ends with the answer of
# an uninterrupted run, and exits 0.  Skipped without MPICH.
#
# UCX_TLS=posix,self keeps the ranks on UCX's POSIX shared memory
# (unlinked files in /dev/shm that shm_open() opened with O_NOFOLLOW, and
# UNIX datagram sockets at abstract names), without UCX's SysV segment
# (refused at checkpoint) and TCP sockets (not restored).
#
# What ucr does not restore yet: mpiexec's TCP socket listening on 0.0.0.0
# (Hydra's control port, not used again once the proxy is connected over
# a socketpair; every process of the job inherits it).  Given back closed,
# it makes mpiexec's poll() report POLLNVAL, and mpiexec exits 255
# ("HYDT_dmxu_poll_wait_for_event ... assert ... failed").  So, as long
# as the checkpoint names it among the sockets leading outside, the test
# runs cr_restart with a socket listening at that address and port as
# that descriptor (tests/tools/listenfd): the restart gives it to every
# process, as BLCR gives cr_restart's descriptors for those that led
# outside.  Once ucr restores TCP listeners, the warning is gone and
# cr_restart runs as is.  See docs/mpi-notes.md.
UCR_TEST_TIMEOUT=${UCR_TEST_TIMEOUT:-300}
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=SCRIPTDIR/../mpi.sh
. "$(dirname "$0")/../mpi.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$build/tests/tools/listenfd"
mpi_skip_unless mpiexec.mpich "$build/examples/mpi/ring.mpich" "$build/examples/mpi/reduce.mpich"
plan 13

# mpi_restart_prefix NAME: Hydra's listener, when the checkpoint of NAME
# left it out, handed to cr_restart at its descriptor, address and port
mpi_restart_prefix() {
	local line re='^cr_checkpoint: fd ([0-9]+) of pid [0-9]+, a TCP socket at ([0-9.]+):([0-9]+), leads outside'
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			restart_prefix=("$build/tests/tools/listenfd" "${BASH_REMATCH[1]}" \
				"${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}")
			diag "$1: cr_restart gets a TCP listener as fd ${BASH_REMATCH[1]}" \
				"(${BASH_REMATCH[2]}:${BASH_REMATCH[3]}, not restored by ucr yet)"
			return 0
		fi
	done <"$T/$1.c.err"
}

cp "$build/examples/mpi/ring.mpich" "$build/examples/mpi/reduce.mpich" "$T/" || die "cannot copy the programs"
export UCX_TLS=posix,self
# a few seconds each on 2 CPUs: 4 ranks that poll, oversubscribed
mpi_job ring mpiexec.mpich -n 4 "$T/ring.mpich" 400
mpi_job reduce mpiexec.mpich -n 4 "$T/reduce.mpich" 600
check "no process of the jobs is left" none_left 30
