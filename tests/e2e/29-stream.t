#!/bin/bash
# 29-stream: a context file through pipes.  cr_checkpoint -F writes it to
# a pipe; cr_info and cr_restart -F read it from one (as BLCR's do), and the
# program comes back.  A truncated stream is refused before any process is
# created.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/exit7"
plan 6

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/exit7" "$T/ready"
pid=$spawned
wait_ready "$T/ready" 30 || die "exit7 did not start"
timeout 60 "$bin/cr_checkpoint" -F 1 "$pid" 2>"$T/ck.err" | cat >"$T/piped"
is "${PIPESTATUS[0]}" 0 "cr_checkpoint -F 1 into a pipe exits 0" || diag_file "$T/ck.err"
kill_wait "$pid"

timeout 60 cat "$T/piped" | timeout 60 "$bin/cr_info" /dev/stdin >"$T/info" 2>&1
ok $? "cr_info reads the context file from a pipe" || diag_file "$T/info"
is "$(grep -c '^process' "$T/info")" 1 "and finds the process in it"

head -c 100000 "$T/piped" >"$T/short"
timeout 60 "$bin/cr_restart" -F 3 3< <(cat "$T/short") </dev/null >"$T/s.out" 2>"$T/s.err"
status=$?
failed_cleanly "$status" && ! alive "$pid"
ok $? "a truncated stream is refused (exit $status) and nothing is created" ||
	diag_file "$T/s.err"

"$bin/cr_restart" -F 3 3< <(cat "$T/piped") </dev/null >"$T/r.out" 2>"$T/r.err" &
rpid=$!
track "$rpid"
wait_restored "$pid" "$rpid" 30
ok $? "cr_restart -F reads it from a pipe: the process is back" || diag_file "$T/r.err"
kill -USR1 "$pid"
wait_exit "$rpid" 30
is "$?" 7 "and ends as it would have (exit 7)"
