#!/bin/bash
# 02-memory: 256 MiB of pseudo-random anonymous memory, an 8 MiB brk area,
# 16 MiB never touched, and a page between two PROT_NONE guard pages come
# back from a restart with the same contents, protections and brk.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/memory"
plan 7

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

# round NAME WHAT: restart from the context file (cr_restart's output in
# $T/NAME.*), let the restored process check itself, expect PASS, status 0
round() {
	start_restart "$1" "$T/ctx"
	usr1_restored "$orig" "$rpid" 30
	is "$?" 0 "$2: the restored process's check exits 0, and so does cr_restart" ||
		diag_file "$T/$1.err" "cr_restart stderr"
	is "$(cat "$T/out")" PASS "$2: memory, brk and guard pages are as they were"
}
round r1 "restart"
round r2 "second restart of the same file"
