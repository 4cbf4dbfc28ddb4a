#!/bin/bash
# 20-pipeline: a three-stage pipeline started by a shell under cr_run, in a
# session of its own (seqgen | cat | seqcheck), checkpointed with --pgid,
# restarts and continues with no number lost; restored processes take
# cr_restart's group and session, or with --restore-pgid --restore-sid the
# saved ones; the same again with --sid for the whole session.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/seqgen" \
	"$wl/seqcheck"
plan 14

ids() { ps -o pgid=,sid= -p "$1" | tr -s ' ' | sed 's/^ //'; }
family() { echo "$1" $(children_of "$1"); }

# stop_all PIDS: kill and wait until every pid is free again
stop_all() {
	local p
	# shellcheck disable=SC2086
	kill -KILL $1 2>/dev/null
	for p in $1; do
		wait "$p" 2>/dev/null
	done
	# shellcheck disable=SC2086
	wait_pid_free $1
}

# goes_on AT: seqcheck's output grows past AT lines with no FAIL
goes_on() {
	wait_file_lines "$T/out" $(($1 + 3)) 30 && ! grep -q FAIL "$T/out"
}

spawn "$T/out" "$T/err" setsid "$bin/cr_run" bash -c "'$wl/seqgen' | cat | '$wl/seqcheck'"
shell=$spawned
wait_file_lines "$T/out" 2 30 || die "the pipeline did not start"
procs=$(family "$shell")
for p in $procs; do track "$p"; done
is "$(wc -w <<<"$procs")" 4 "the shell and its three stages run"

checkpoint "cr_checkpoint --pgid exits 0" --pgid -f "$T/ctx1" "$shell"
is "$(grep -c '^process' < <("$bin/cr_info" "$T/ctx1"))" 4 "the group's four processes are saved"
at=$(lines "$T/out")
stop_all "$procs"

start_restart r1 "$T/ctx1"
wait_file_lines "$T/out" $((at + 1)) 30 >/dev/null
goes_on "$(lines "$T/out")"
ok $? "restart: the pipeline goes on with no number lost or repeated" || diag_file "$T/r1.err"
is "$(family "$shell")" "$procs" "restart: the same pids in the same tree"
is "$(ids "$shell")" "$(ids "$rpid")" "restart: by default they take cr_restart's group and session"
stop_all "$procs $rpid"

start_restart r2 --restore-pgid --restore-sid "$T/ctx1"
wait_file_lines "$T/out" $((at + 1)) 30 >/dev/null
goes_on "$(lines "$T/out")"
ok $? "--restore-pgid --restore-sid: the pipeline goes on" || diag_file "$T/r2.err"
is "$(ids "$shell")" "$shell $shell" "--restore-pgid --restore-sid: the saved group and session"
s=$(for p in $procs; do ids "$p"; done | sort -u)
is "$s" "$shell $shell" "--restore-pgid --restore-sid: for all four processes"

checkpoint "cr_checkpoint --sid of the restored session exits 0" --sid -f "$T/ctx2" "$shell"
is "$(grep -c '^process' < <("$bin/cr_info" "$T/ctx2"))" 4 "the session's four processes are saved"
at=$(lines "$T/out")
stop_all "$procs $rpid"

start_restart r3 --restore-sid --restore-pgid "$T/ctx2"
wait_file_lines "$T/out" $((at + 1)) 30 >/dev/null
goes_on "$(lines "$T/out")"
ok $? "--sid: the restarted session goes on" || diag_file "$T/r3.err"
is "$(ids "$shell")" "$shell $shell" "--sid: with its own session"
stop_all "$procs $rpid"
is "$(grep -c FAIL "$T/out")" 0 "no number was ever lost or read twice" || diag_file "$T/out"
