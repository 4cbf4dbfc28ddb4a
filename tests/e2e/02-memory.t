#!/bin/bash
# 02-memory: 256 MiB of pseudo-random anonymous memory, an 8 MiB brk area,
# 16 MiB never touched, and a page between two PROT_NONE guard pages come
# back from a restart with the same contents, protections and brk.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/memory"
plan 8

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/memory" -m 256 -b 8 "$T/ready"
orig=$spawned
wait_ready "$T/ready" 60 || { diag_file "$T/err"; die "memory did not start"; }

checkpoint "cr_checkpoint -f exits 0" -f "$T/ctx" "$orig"
check "the context file exists" test -f "$T/ctx"
diag "context file: $(stat -c %s "$T/ctx" 2>/dev/null) bytes"

# Check after continue too; the original then exits, which frees its pid.
kill -USR1 "$orig"
wait_exit "$orig" 30
is "$?" 0 "after the checkpoint the original finds its memory intact" ||
	diag_file "$T/out"

start_restart r "$T/ctx"
wait_restored "$orig" "$rpid" 60
ok $? "restart: the process is back with its pid, waiting for SIGUSR1" ||
	diag_file "$T/r.err" "cr_restart stderr"
kill -USR1 "$orig"
wait_exit "$rpid" 60
is "$?" 0 "restart: the restored process's check exits 0, and so does cr_restart"
is "$(cat "$T/out")" PASS "restart: memory, brk and guard pages are as they were" ||
	diag_file "$T/r.err" "cr_restart stderr"

# The same file again.
start_restart r2 "$T/ctx"
wait_restored "$orig" "$rpid" 60
kill -USR1 "$orig"
wait_exit "$rpid" 60
is "$?" 0 "second restart of the same file: exits 0"
is "$(cat "$T/out")" PASS "second restart of the same file: PASS" ||
	diag_file "$T/r2.err" "cr_restart stderr"
