#!/bin/bash
# 04-files: regular files are reopened at their offsets.  A reader copying
# a text file to its stdout (a regular file, not O_APPEND), numbering the
# lines, continues at the right line: the output is every input line once,
# in order, with its number.  A logger
# appending (O_APPEND) to a log that already had a header continues without
# gap or duplicate.  Both outputs grew after the checkpoint and must be cut
# back to their checkpoint-time size.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/reader" "$wl/counter"
plan 12

# --- the reader -----------------------------------------------------------
seq -f 'line %04g of the input text' 1 300 >"$T/input"
awk '{ printf "%d: %s\n", NR, $0 }' "$T/input" >"$T/expected"
mkfifo "$T/ready1"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/reader" -n 50 "$T/input" "$T/ready1"
orig=$spawned
wait_ready "$T/ready1" || { diag_file "$T/err"; die "reader did not start"; }
checkpoint "reader: cr_checkpoint exits 0" -f "$T/ctx1" "$orig"
check "reader: it goes on reading after the checkpoint" \
	wait_file_lines "$T/out" 100 10
kill_wait "$orig"
diag "reader killed after $(lines "$T/out") lines"

start_restart r1 "$T/ctx1"
wait_exit "$rpid" 30
is "$?" 0 "reader: restarted, it reads to the end and exits 0" ||
	diag_file "$T/r1.err" "cr_restart stderr"
cmp -s "$T/expected" "$T/out"
ok $? "reader: its output is every input line once, in order, numbered" ||
	diag "$(diff "$T/expected" "$T/out" | head -n 10)"

# --- the logger -----------------------------------------------------------
header="# log of the e2e test"
echo "$header" >"$T/log"
mkfifo "$T/ready2"
spawn "$T/out2" "$T/err2" "$bin/cr_run" "$wl/counter" -r "$T/ready2" -n 20 "$T/log"
orig=$spawned
wait_ready "$T/ready2" || { diag_file "$T/err2"; die "logger did not start"; }
checkpoint "logger: cr_checkpoint exits 0" -f "$T/ctx2" "$orig"
n=$(lines "$T/log")
check "logger: it goes on appending after the checkpoint" \
	wait_file_lines "$T/log" $((n + 10)) 5
kill_wait "$orig"
end=$(lines "$T/log")
diag "logger killed after $end lines"

start_restart r2 "$T/ctx2"
check "logger: restarted, it appends again" wait_file_lines "$T/log" $((end + 20)) 20 ||
	diag_file "$T/r2.err" "cr_restart stderr"
check "logger: it runs with its pid under cr_restart" child_of "$orig" "$rpid"
track "$orig"
if child_of "$orig" "$rpid"; then
	kill -USR1 "$orig"
else
	kill_tree "$rpid"
fi
wait_exit "$rpid" 10
is "$?" 0 "logger: its own check of the log exits 0"
is "$(cat "$T/out2")" PASS "logger: its own check says PASS"
is "$(head -n 1 "$T/log")" "$header" "logger: the header is still the first line"
got=$(seq_file "$T/log" 1)
ok $? "logger: after the header, one unbroken sequence (${got##*$'\n'})" || diag "$got"
