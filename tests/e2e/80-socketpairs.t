#!/bin/bash
# 80-socketpairs: UNIX socketpairs (stream, datagram, seqpacket) with
# messages queued both ways, in one process and across a parent and its
# child.  The checkpoint peeks at the queues and leaves them as they were
# (the workload's check after continue reads them all); the restart makes
# the pairs again with their descriptors, options, shutdowns and queues, in
# order and with their boundaries, and the streams go on after it.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/sockpair"
plan 17

for mode in self tree; do
	checkpointed "$mode" "$wl/sockpair" "$mode"
	"$bin/cr_info" "$T/$mode.ctx" >"$T/$mode.info" 2>&1
	is "$(grep -c '^  socket [0-9]*:' "$T/$mode.info")" 9 \
		"$mode: cr_info lists the nine saved ends (one was closed)" || diag_file "$T/$mode.info"
	grep -q 'fd [0-9]* *socket' "$T/$mode.info"
	ok $? "$mode: cr_info lists the descriptors as sockets"
	restarted "$mode"
	# twice from one file: nothing of the first restart stays behind
	restarted "$mode"
done
is "$(cat "$T"/*.wl | grep -c FAIL)" 0 "no check failed" || diag_file "$T/tree.wl"
