#!/bin/bash
# 22-attrs: a thread's name, nice value, scheduling policy, CPU affinity
# and TSC setting, and the process's parent death signal, timer slack,
# keep-caps bit and child subreaper flag come back from a restart; a
# process of another user, checkpointed and restarted by root, runs as
# that user again.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/attrs"
plan 7

# run_attrs NAME [PREFIX...]: start attrs (under PREFIX), checkpoint, kill,
# restart, check
run_attrs() {
	local name=$1
	shift
	mkfifo -m 666 "$T/ready.$name"
	spawn "$T/out.$name" "$T/err.$name" "$@" "$bin/cr_run" "$wl/attrs" "$T/ready.$name"
	orig=$spawned
	wait_ready "$T/ready.$name" 30 || { diag_file "$T/out.$name"; die "attrs did not start"; }
	checkpoint "$name: cr_checkpoint exits 0" -f "$T/ctx.$name" "$orig"
	kill_wait "$orig"
	start_restart "r.$name" "$T/ctx.$name"
	wait_restored "$orig" "$rpid" 30
	ok $? "$name: restored" || diag_file "$T/r.$name.err"
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$orig/status")
	kill -USR1 "$orig"
	wait_exit "$rpid" 30
	is "$(cat "$T/out.$name")" PASS "$name: thread and process attributes are as they were" ||
		diag_file "$T/r.$name.err"
}

run_attrs root
chmod 755 "$T"
run_attrs nobody setpriv --reuid=nobody --regid=nogroup --clear-groups
is "$uid" "$(id -u nobody)" "nobody: restarted by root, it runs as nobody again"
