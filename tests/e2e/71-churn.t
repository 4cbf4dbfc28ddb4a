#!/bin/bash
# 71-churn: checkpoints of a tree that forks, reaps, creates and joins
# threads without a pause: children come and go while the checkpoint
# lists, signals and saves them.  Each checkpoint succeeds, or fails
# cleanly (never more than 2 of 20), the process runs on with its memory
# and its counts intact, and a restart of a file goes on as well.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/churn"
plan 6

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/churn" "$T/ready"
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/err"; die "churn did not start"; }
done=0 unclean=""
for ((i = 0; i < 20; i++)); do
	run_cmd 60 "$T/c.out" "$T/c.err" "$bin/cr_checkpoint" --nosync -f "$T/ctx$i" "$orig"
	st=$?
	if [ "$st" = 0 ]; then
		done=$((done + 1)) last=$T/ctx$i
	elif ! failed_cleanly "$st"; then
		unclean="$unclean $st"
	else
		diag "checkpoint $i: $(head -n 1 "$T/c.err")"
	fi
done
is "${unclean:-none}" none "every checkpoint exits 0 or fails cleanly"
check "at least 18 of 20 succeed ($done)" [ "$done" -ge 18 ]
kill -USR1 "$orig"
wait_exit "$orig" 30
is "$?" 0 "the process runs on with its memory and counts intact"
wait_pid_free "$orig" || die "churn was not reaped"

: >"$T/out"
start_restart r "$last"
check "a file restarts" wait_child_of "$orig" "$rpid" || diag_file "$T/r.err"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "and the restarted process checks itself, and exits 0"
grep -q '^PASS' "$T/out"
ok $? "it says PASS" || diag_file "$T/out"
