#!/bin/bash
# 55-page-checker: the page data's checksums are computed by a process of
# cr_restart's own (ucr-check) while the restorers read the pages.  Killed
# before it says its result, cr_restart checks the pages itself: a
# damaged file is still refused, an undamaged one still restarts.  Killed
# with cr_restart, it leaves nothing behind (it dies with its parent).
# The test build's UCR_FAULT=pause:checker holds it before it checks.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$fbin" "$wl/memory"
plan 12

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/memory" -m 32 -b 8 "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "memory did not start"; }
checkpoint "cr_checkpoint --kill exits 0" --kill -f "$T/ctx" "$orig"
wait_pid_free "$orig" || die "memory was not reaped"
flipped_copy "$T/ctx" "$T/flipped" >/dev/null

not_running() { ! pgrep -f -- "$T/ready" >/dev/null; }

# checker_of PID: the pid of cr_restart PID's page checker
checker_of() {
	local p
	for p in $(children_of "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ucr-check ] && echo "$p" && return 0
	done
	return 1
}

# checker_killed NAME CTX: cr_restart CTX, its checker killed where it
# pauses: two TAP tests; cr_restart then goes on alone ($rpid)
checker_killed() {
	local name=$1 ctx=$2 checker
	start_faulty "$name" pause:checker "$fbin" "$ctx"
	paused "$name" checker
	ok $? "$name: the page checker pauses before it checks"
	checker=$(checker_of "$rpid")
	ok $? "$name: it is a process of cr_restart's own, named ucr-check" ||
		diag "children of $rpid: $(children_of "$rpid")"
	[ -n "$checker" ] && kill -KILL "$checker"
}

checker_killed flipped "$T/flipped"
wait_exit "$rpid" 30
status=$?
check "flipped: cr_restart fails cleanly (exit status $status)" failed_cleanly "$status"
check "flipped: it names the damage it found itself" grep -qi checksum "$T/flipped.err" ||
	diag_file "$T/flipped.err"
check "flipped: no process runs the workload" not_running

checker_killed good "$T/ctx"
usr1_restored "$orig" "$rpid" 30
is "$?" 0 "good: the file restarts without its checker, and its memory check exits 0" ||
	diag_file "$T/good.err"
wait_pid_free "$orig" || die "the restored workload was not reaped"

start_faulty parent "pause:checker" "$fbin" "$T/ctx"
paused parent checker
ok $? "parent: the page checker pauses"
kill -KILL "$rpid"
wait_exit "$rpid" 10
is "$?" 137 "parent: cr_restart is killed"
none_left 30
ok $? "parent: its checker died with it, and nothing of the file runs"
