#!/bin/bash
# 63-outside-fds: descriptors that led outside the checkpoint (pipes to a
# process that was not saved), on numbers above 2, become cr_restart's
# own, as BLCR gives them: the restarter's descriptor of the same number
# when it has one, else its standard input for a read end and its
# standard output for a write end.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/fdecho"
plan 5

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/fdecho" "$T/ready"
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/err"; die "fdecho did not start"; }
holder=$(awk '$1 == "holder" { print $2 }' "$T/out")
[ -n "$holder" ] || die "no holder pid in the output"
track "$holder"
checkpoint "cr_checkpoint --pid --kill exits 0" --pid --kill -f "$T/ctx" "$orig"
kill -USR1 "$holder"
wait_pid_free "$orig" "$holder" || die "the processes were not reaped"

echo five >"$T/in5"
echo zero >"$T/in0"
# cr_restart with its own 5 and 6, but no 7 or 8
spawn "$T/r.out" "$T/r.err" bash -c 'exec "$0" "$1" 5<"$2" 6>"$3" <"$4"' \
	"$bin/cr_restart" "$T/ctx" "$T/in5" "$T/out6" "$T/in0"
rpid=$spawned
wait_restored "$orig" "$rpid" 30
ok $? "the process is restored as cr_restart's child" || diag_file "$T/r.err"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "it reads and writes its four descriptors to their end, and exits 0"
is "$(cat "$T/out6")" "5: five" "fds 5 and 6 are cr_restart's 5 and 6"
is "$(cat "$T/r.out")" "7: zero" "fd 7, a read end, is cr_restart's stdin; fd 8, a write end, its stdout" ||
	diag_file "$T/r.err"
