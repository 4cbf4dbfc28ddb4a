#!/bin/bash
# 74-restart-pid-taken: a pid of the context file is taken between
# cr_restart's check and its clone.  The test build of cr_restart pauses
# once every check passed (UCR_FAULT=pause:checked); holdpid takes the
# exact pid (clone3 with set_tid) of the tree's root, then of a leaf that
# a process of the tree creates; the restart goes on and fails naming the
# pid, kills what it had created, and leaves no process of the file
# running.  With the pid free again the file restarts.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$fbin" "$wl/tree" \
	"$wl/tools/holdpid"
plan 11

tree_saved tree 2 1
mapfile -t pids < <(saved_pids "$T/tree.ctx")
is "${#pids[@]}" 5 "the file holds the 5 processes of the tree"

# taken NAME PID: the restart paused after its checks meets PID taken:
# four TAP tests
taken() {
	local name=$1 pid=$2 status holder
	start_faulty "$name" pause:checked "$fbin" "$T/tree.ctx"
	paused "$name" checked
	ok $? "$name: cr_restart pauses after its checks"
	mkfifo "$T/$name.held"
	spawn "$T/$name.hout" "$T/$name.herr" "$wl/tools/holdpid" "$pid" "$T/$name.held"
	holder=$spawned
	wait_ready "$T/$name.held" || { diag_file "$T/$name.herr"; die "pid $pid is not free"; }
	go_on "$name"
	wait_exit "$rpid" 30
	status=$?
	failed_cleanly "$status"
	ok $? "$name: the restart fails cleanly (exit $status)"
	grep -qF "pid $pid is in use" "$T/$name.err"
	ok $? "$name: its message names pid $pid in use" || diag_file "$T/$name.err"
	none_left 10 "$holder" "$pid" && no_debris "$T" /tmp
	ok $? "$name: no process of the file is left, nor a temporary file"
	kill_wait "$holder"
	wait_pid_free "${pids[@]}"
}

taken root "${pids[0]}"
taken leaf "${pids[4]}"

start_restart ok "$T/tree.ctx"
wait_restored "$orig" "$rpid" 30
ok $? "with the pids free, the tree restarts" || diag_file "$T/ok.err"
kill_tree "$rpid"
wait "$rpid" 2>/dev/null || true
