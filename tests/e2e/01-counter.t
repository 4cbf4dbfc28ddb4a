#!/bin/bash
# 01-counter: a counter that appends 0, 1, 2, ... to a file is checkpointed
# (default context.PID in the cwd), killed, and restarted twice from the same
# context file; each time the file must be one unbroken sequence: the file
# is cut back to its checkpoint-time size and the counter goes on from the
# number it had reached.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/counter"
plan 15

cd "$T" || die "cannot cd to $T"
mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/counter" -r "$T/ready" -n 20 "$T/count"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "the counter did not start"; }

checkpoint "cr_checkpoint PID exits 0" "$orig"
ctx=$T/context.$orig
check "it writes context.$orig in its cwd" test -f "$ctx"
is "$(file_mode "$ctx")" 400 "the context file has mode 0400"
check "the counter still runs after the checkpoint" alive "$orig"
n=$(lines "$T/count")
check "and still counts" wait_file_lines "$T/count" $((n + 10)) 5
sum=$(cksum <"$ctx")

kill_wait "$orig"
end=$(lines "$T/count")
diag "counter killed after $end numbers"

# restart_round N: restart from $ctx, check that the counter runs on with
# its pid under cr_restart and writes beyond everything the file held
restart_round() {
	local round=$1
	start_restart "r$round" "$ctx"
	if ! check "restart $round: the counter counts again" \
		wait_file_lines "$T/count" $((end + 20)) 20; then
		diag_file "$T/r$round.err" "cr_restart stderr"
	fi
	check "restart $round: it runs with its original pid, as cr_restart's child" \
		child_of "$orig" "$rpid"
	track "$orig"
}

# signal_round SIGNAL: send SIGNAL to the restored counter; if it is not
# there, kill cr_restart instead
signal_round() {
	if child_of "$orig" "$rpid"; then
		kill "-$1" "$orig"
	else
		kill_tree "$rpid"
	fi
}

# seq_ok N: the count file is one unbroken sequence
seq_ok() {
	local got
	got=$(seq_file "$T/count")
	ok $? "restart $1: the file is one unbroken sequence (${got##*$'\n'})" ||
		diag "$got"
}

restart_round 1
signal_round KILL
wait_exit "$rpid" 10
is "$?" 137 "restart 1: cr_restart dies by SIGKILL like the counter"
seq_ok 1
end=$(lines "$T/count")

restart_round 2
signal_round USR1
wait_exit "$rpid" 10
is "$?" 0 "restart 2: the counter checks its file and exits 0, and so does cr_restart"
is "$(cat "$T/out")" PASS "restart 2: the counter's own check says PASS"
seq_ok 2
is "$(cksum <"$ctx")" "$sum" "the context file is unchanged by the restarts"
