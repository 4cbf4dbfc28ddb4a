#!/bin/bash
# 08-post-signal: what cr_checkpoint does to the target after a successful
# checkpoint: --term kills it by SIGTERM, --kill by SIGKILL, --stop stops
# it, and by default it goes on running.  cr_restart --stop stops every
# restored process of a tree, not only the root.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/exit7" "$wl/tree"
plan 16

# start NAME: start exit7, wait until it is ready; sets $orig
start() {
	mkfifo "$T/$1.ready"
	spawn "$T/$1.out" "$T/$1.err" "$bin/cr_run" "$wl/exit7" "$T/$1.ready"
	orig=$spawned
	wait_ready "$T/$1.ready" || { diag_file "$T/$1.err"; die "exit7 did not start"; }
}

# wait_stopped PID TIMEOUT: PID reaches state T (stopped)
wait_stopped() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		_stat "$1" && [ "${_sf[0]}" = T ] && return 0
		nap 0.05
	done
	return 1
}

start term
checkpoint "--term: cr_checkpoint exits 0" --term -f "$T/ctx.term" "$orig"
check "--term: the context file is written" test -f "$T/ctx.term"
wait_exit "$orig" 10
is "$?" 143 "--term: the target dies by SIGTERM"

start kill
checkpoint "--kill: cr_checkpoint exits 0" --kill -f "$T/ctx.kill" "$orig"
check "--kill: the context file is written" test -f "$T/ctx.kill"
wait_exit "$orig" 10
is "$?" 137 "--kill: the target dies by SIGKILL"

start stop
checkpoint "--stop: cr_checkpoint exits 0" --stop -f "$T/ctx.stop" "$orig"
check "--stop: the target is stopped" wait_stopped "$orig" 5
kill -CONT "$orig"
kill -USR1 "$orig"
wait_exit "$orig" 10
is "$?" 7 "--stop: continued, it runs to its exit status 7"

start run
checkpoint "default: cr_checkpoint exits 0" -f "$T/ctx.run" "$orig"
check "default: the context file is written" test -f "$T/ctx.run"
check "default: the target still runs" alive "$orig"
kill -USR1 "$orig"
wait_exit "$orig" 10
is "$?" 7 "default: it runs to its exit status 7"

mkfifo "$T/tree.ready"
spawn "$T/tree.out" "$T/tree.err" "$bin/cr_run" "$wl/tree" "$T/tree.ready" 1 0
root=$spawned
wait_ready "$T/tree.ready" 30 || die "tree did not start"
kid=$(children_of "$root")
track "$kid"
checkpoint "a tree: cr_checkpoint exits 0" -f "$T/ctx.tree" "$root"
kill -KILL "$kid" "$root"
kill_wait "$root"
wait_pid_free "$kid"
start_restart r --stop "$T/ctx.tree"
check "cr_restart --stop: the restored root is stopped" wait_stopped "$root" 30
check "cr_restart --stop: and so is its child" wait_stopped "$kid" 30
kill -KILL "$kid" "$root"
kill_wait "$rpid"
