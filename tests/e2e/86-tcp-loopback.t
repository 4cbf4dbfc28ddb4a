#!/bin/bash
# 86-tcp-loopback: TCP and UDP over loopback, IPv4 and IPv6, in one
# process and across a tree.  A connection has bytes in flight both ways
# (with a large size, more than the buffers hold: bytes not sent yet,
# which only repair mode reads), a connection half closed, two clients
# not accepted yet, a pair of UDP sockets.  After the restart the streams
# go on with no gap and no repeat, the addresses are the same, the
# listener accepts the clients that waited and no more, the UDP sockets
# trade datagrams.  The restart binds again over the connections that the
# killed processes left in TIME_WAIT.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/tcpflow"
plan 26

for run in "self 4 50000" "tree 4 50000" "self 6 50000" "tree 6 4000000"; do
	read -r mode family size <<<"$run"
	name=$mode$family-$size
	checkpointed "$name" "$wl/tcpflow" "$mode" "$family" "$size"
	restarted "$name"
	restarted "$name"
done

# cr_info shows what each socket was
"$bin/cr_info" "$T/self4-50000.ctx" >"$T/info" 2>&1
grep -q "TCP 127.0.0.1:[0-9]* listening" "$T/info"
ok $? "cr_info shows the listener" || diag_file "$T/info"
grep -q "TCP 127.0.0.1:[0-9]* connected to 127.0.0.1:[0-9]*, peer saved, 50000 bytes queued" "$T/info"
ok $? "and a connection with its queue" || diag_file "$T/info"
