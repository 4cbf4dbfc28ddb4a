#!/bin/bash
# 07-damaged: a context file with one byte flipped in its page data, one cut
# short and a missing one are refused: cr_restart exits with an error code
# and a message naming the problem, starts no process and changes no file.
# The undamaged file still restarts.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/memory"
plan 17

mkfifo "$T/ready"
# A small heap of random data: most of the file is page data.
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/memory" -m 32 -b 8 "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "memory did not start"; }
checkpoint "cr_checkpoint exits 0" -f "$T/ctx" "$orig"
kill -USR1 "$orig"
wait_exit "$orig" 30
is "$(cat "$T/out")" PASS "the original checks its memory after the checkpoint and exits"

size=$(stat -c %s "$T/ctx")
off=$(flipped_copy "$T/ctx" "$T/flipped")
check "the flipped copy differs from the context file in one byte" \
	test "$(cmp -l "$T/ctx" "$T/flipped" | wc -l)" -eq 1
head -c $((size / 2)) "$T/ctx" >"$T/short"
diag "context file: $size bytes; byte $off flipped; short copy: $((size / 2)) bytes"

# refused NAME FILE REGEX: cr_restart FILE fails cleanly, says REGEX, and
# no process was started
refused() {
	local name=$1 file=$2 regex=$3 status
	run_cmd 20 "$T/$name.out" "$T/$name.err" "$bin/cr_restart" "$file"
	status=$?
	check "$name: cr_restart fails cleanly (exit status $status)" failed_cleanly "$status"
	check "$name: its message names the problem" grep -qiE "$regex" "$T/$name.err" ||
		diag_file "$T/$name.err" "cr_restart stderr"
	check "$name: nothing runs with the original pid" not alive "$orig"
	check "$name: no process runs the workload" not pgrep -f -- "$T/ready"
}
not() { ! "$@"; }

refused flipped "$T/flipped" 'checksum|corrupt|damag'
refused short "$T/short" 'truncat|short|corrupt|damag'
refused missing "$T/missing" "$T/missing"
is "$(cat "$T/out")" PASS "the refused restarts did not touch the workload's output file"

start_restart r "$T/ctx"
usr1_restored "$orig" "$rpid" 30
is "$?" 0 "the undamaged context file still restarts, and its check exits 0" ||
	diag_file "$T/r.err" "cr_restart stderr"
