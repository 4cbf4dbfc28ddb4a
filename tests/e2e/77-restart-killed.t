#!/bin/bash
# 77-restart-killed: cr_restart is killed (SIGKILL) midway: once it has
# created the processes of a tree, which wait for its go (the test build's
# UCR_FAULT=pause:created); once it has let them go, while their restorers
# read their pages (pause:go; a tree, and one process of 256 MiB); once
# every image is back, before the agents have its word that the whole
# restart holds (pause:restored).  Each time no process of the file is
# left alive, none stays stopped or half restored, and no temporary file
# is left (a FIFO without a name comes back through one).  Then each file
# restarts.
UCR_TEST_TIMEOUT=${UCR_TEST_TIMEOUT:-240}
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$fbin" "$wl/tree" "$wl/memory" \
	"$wl/fifoself"
plan 21

tree_saved tree 3 2
tree=$orig
mkfifo "$T/mready"
spawn "$T/mout" "$T/merr" "$bin/cr_run" "$wl/memory" -m 256 -b 4 "$T/mready"
mem=$spawned
wait_ready "$T/mready" 60 || { diag_file "$T/merr"; die "memory did not start"; }
checkpoint "memory: cr_checkpoint --kill exits 0" --kill -f "$T/mem.ctx" "$mem"
wait_pid_free "$mem" || die "memory was not reaped"
mkfifo "$T/fready"
spawn "$T/fout" "$T/ferr" "$bin/cr_run" "$wl/fifoself" -u "$T/gone" "$T/fready"
fifo=$spawned
wait_ready "$T/fready" || { diag_file "$T/ferr"; die "fifoself did not start"; }
checkpoint "fifoself: cr_checkpoint --kill exits 0" --kill -f "$T/fifo.ctx" "$fifo"
wait_pid_free "$fifo" || die "fifoself was not reaped"

# killed NAME CTX POINT: cr_restart CTX killed at its pause POINT: three
# TAP tests
killed() {
	local name=$1 ctx=$2 point=$3 status
	start_faulty "$name" "pause:$point" "$fbin" "$ctx"
	paused "$name" "$point"
	ok $? "$name: cr_restart pauses at $point"
	kill -KILL "$rpid"
	wait_exit "$rpid" 10
	status=$?
	is "$status" 137 "$name: cr_restart is killed"
	none_left 30 && no_debris "$T" /tmp
	ok $? "$name: no process of the file is left, nor a temporary file"
	# shellcheck disable=SC2046 # pids are words
	wait_pid_free $(saved_pids "$ctx")
}

killed tree-created "$T/tree.ctx" created
killed tree-go "$T/tree.ctx" go
killed tree-restored "$T/tree.ctx" restored
killed memory-go "$T/mem.ctx" go
killed fifo-created "$T/fifo.ctx" created

start_restart tree "$T/tree.ctx"
wait_restored "$tree" "$rpid" 30
ok $? "tree: then it restarts" || diag_file "$T/tree.err"
kill_tree "$rpid"
wait "$rpid" 2>/dev/null
start_restart mem "$T/mem.ctx"
usr1_restored "$mem" "$rpid" 60
is "$?" 0 "memory: then it restarts, and its memory check exits 0" || diag_file "$T/mem.err"
: >"$T/fout"
start_restart fifo "$T/fifo.ctx"
wait_restored "$fifo" "$rpid" 30
ask_report "$fifo" "$T/fout"
is "$(cat "$T/fout")" PASS "fifoself: then it restarts, and its check says PASS" ||
	diag_file "$T/fifo.err"
kill_tree "$rpid"
wait "$rpid" 2>/dev/null || true
