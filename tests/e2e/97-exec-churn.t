#!/bin/bash
# 97-exec-churn: checkpoints of a process that execs itself without a
# pause, so that some land in the middle of an execve().  Each checkpoint
# succeeds, or fails cleanly (never more than 2 of 20) leaving no file;
# the process lives through all of them and goes on exec'ing with every
# image's memory intact, and a restart of a file goes on as well.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/execer"
plan 7

mkfifo "$T/ready"
mkdir "$T/ctx"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/execer" "$T/ready"
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/err"; die "execer did not start"; }
done=0 unclean="" last=""
for ((i = 0; i < 20; i++)); do
	run_cmd 60 "$T/c.out" "$T/c.err" "$bin/cr_checkpoint" --nosync -f "$T/ctx/$i" "$orig"
	st=$?
	if [ "$st" = 0 ]; then
		done=$((done + 1)) last=$T/ctx/$i
	elif ! failed_cleanly "$st"; then
		unclean="$unclean $st"
	else
		diag "checkpoint $i: $(head -n 1 "$T/c.err")"
		[ -e "$T/ctx/$i" ] && unclean="$unclean file$i"
	fi
	alive "$orig" || break
done
is "${unclean:-none}" none "every checkpoint exits 0 or fails cleanly, leaving no file"
check "at least 18 of 20 succeed ($done)" [ "$done" -ge 18 ]
is "$(ls -A "$T/ctx" | grep -v '^[0-9]*$')" "" "no temporary file is left beside them"
kill -USR1 "$orig"
wait_exit "$orig" 30
is "$?" 0 "the process lived through them and exits 0" || diag_file "$T/err"
wait_pid_free "$orig" || die "execer was not reaped"
grep -q '^PASS [1-9]' "$T/out"
ok $? "it exec'ed on with each image intact ($(cat "$T/out"))" || diag_file "$T/out"

[ -n "$last" ] || die "no checkpoint succeeded"
: >"$T/out"
start_restart r "$last"
wait_child_of "$orig" "$rpid" || { diag_file "$T/r.err"; die "the restored process did not come back"; }
# once its pid is back, the restored image may not have its handler in
# place yet: let it exec a few more times (it blocks SIGUSR1 across each
# execve, so the signal is never lost)
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "a restarted file goes on exec'ing, and exits 0" || diag_file "$T/r.err"
grep -q '^PASS' "$T/out"
ok $? "and says PASS" || diag_file "$T/out"
