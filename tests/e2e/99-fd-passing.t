#!/bin/bash
# 99-fd-passing: descriptors in flight (SCM_RIGHTS) in UNIX socket
# queues, a file and the two ends of a pipe that the sender still holds,
# come back in their messages, in a seqpacket and a datagram queue, in one
# process and across a tree: the file with its shared offset, the pipe
# carrying bytes.  Descriptors that live only in flight (their sender
# closed them), and descriptors in a stream, fail the checkpoint with a
# message, and the process runs on.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/fdpass"
plan 21

for mode in self tree; do
	checkpointed "$mode" "$wl/fdpass" "$mode" "$T/$mode.file"
	restarted "$mode"
	restarted "$mode"
done

# refused: descriptors only in flight (their sender closed them), and
# descriptors in a stream, whose bytes a peek does not tie them to
for mode in closed stream; do
	case $mode in
	closed) why="a descriptor in flight (SCM_RIGHTS) is not the open file of a process of the checkpoint" ;;
	stream) why="descriptors in flight (SCM_RIGHTS) are saved in datagram and seqpacket sockets, not in a stream" ;;
	esac
	mkfifo "$T/$mode.ready"
	spawn "$T/$mode.wl" "$T/$mode.err" "$bin/cr_run" "$wl/fdpass" "$mode" "$T/$mode.file" \
		"$T/$mode.ready"
	orig=$spawned
	wait_ready "$T/$mode.ready" || { diag_file "$T/$mode.err"; die "fdpass did not start"; }
	run_cmd 60 "$T/c.out" "$T/c.err" "$bin/cr_checkpoint" -f "$T/$mode.ctx" "$orig"
	st=$?
	check "$mode: the checkpoint fails (exit $st)" failed_cleanly "$st"
	grep -qF "$why" "$T/c.err"
	ok $? "$mode: and says why, leaving no file" || diag_file "$T/c.err"
	[ ! -e "$T/$mode.ctx" ]
	ok $? "$mode: and leaves no file"
	# with "stream" the receiver finds the descriptors with the first
	# bytes too, as a peek does: its check says so, the queue is intact
	ask_report "$orig" "$T/$mode.wl"
	case $mode in
	closed) is "$(cat "$T/$mode.wl")" PASS "$mode: the process runs on, its descriptors in flight intact" ;;
	stream) grep -q "^PASS$\|carried none" "$T/$mode.wl"
		ok $? "$mode: the process runs on, its queue intact" || diag_file "$T/$mode.wl" ;;
	esac
	kill_wait "$orig"
done
"$bin/cr_info" "$T/self.ctx" >"$T/info" 2>&1
grep -q "UNIX seqpacket, peer [0-9]*, 2 descriptors in flight" "$T/info" &&
	grep -q "UNIX datagram, peer [0-9]*, 1 descriptor in flight" "$T/info"
ok $? "cr_info counts the descriptors in flight" || diag_file "$T/info"
