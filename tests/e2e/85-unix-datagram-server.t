#!/bin/bash
# 85-unix-datagram-server: a UNIX datagram server bound at a path (not
# connected) with datagrams from two clients queued, one client bound at
# an abstract name with a datagram from the server queued, and a stream
# socket never connected; in one process and with the clients in a child.
# The restart binds the server and the named client again, connects the
# clients to the server's name, sends every datagram back in order, and
# they go on.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/dgserver"
plan 12

for mode in self tree; do
	checkpointed "$mode" "$wl/dgserver" "$mode" "$T/$mode.sock"
	restarted "$mode"
	restarted "$mode"
done
