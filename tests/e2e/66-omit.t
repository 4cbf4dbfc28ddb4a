#!/bin/bash
# 66-omit: cr_restart --omit-* decide what a later checkpoint that reaches
# cr_restart does with it, as BLCR's: with --omit-never it is saved (as a
# process that waits for its children again), with --omit-always, and by
# default when it is the request's target, it is left out; its restored
# processes are saved either way.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/counter"
plan 10

counter_saved

# processes FILE: the "process" lines of cr_info FILE, pids replaced by names
processes() {
	"$bin/cr_info" "$1" | sed -n "s/^process //p" | sed -e "s/^$orig /COUNTER /" -e "s/^$rpid:/RESTART:/" \
		-e "s/parent $rpid\$/parent RESTART/" | cut -d' ' -f1-3 | sort | tr '\n' ' '
}

# omit_round OPTION EXPECTED: a restart with OPTION, then cr_checkpoint
# --tree of cr_restart's pid saves EXPECTED
omit_round() {
	local opt=$1 expected=$2
	start_restart "r$opt" ${opt:+"$opt"} "$T/ctx"
	wait_file_lines "$T/count" $(($(lines "$T/count") + 3)) 20
	child_of "$orig" "$rpid" || die "the counter is not cr_restart's child"
	checkpoint "${opt:-default}: cr_checkpoint --tree of cr_restart exits 0" --tree -f "$T/ctx$opt" "$rpid"
	is "$(processes "$T/ctx$opt")" "$expected" "${opt:-default}: what the context file holds"
	kill_wait "$orig"
	wait_exit "$rpid" 30
	wait_pid_free "$orig" "$rpid" || die "the restart was not reaped"
}

omit_round --omit-never "COUNTER (counter) RESTART: cr_restart waiting "
saved=$rpid
omit_round --omit-always "COUNTER (counter) "
omit_round "" "COUNTER (counter) "

# the saved cr_restart comes back as the counter's parent, and ends as it
outer=$saved
start_restart again "$T/ctx--omit-never"
wait_file_lines "$T/count" $(($(lines "$T/count") + 3)) 20
ok $? "the file with cr_restart restarts" || diag_file "$T/again.err"
is "$(ppid_of "$orig") $(ppid_of "$outer")" "$outer $rpid" \
	"the counter's parent is the saved cr_restart, a child of the new one"
child_of "$orig" "$outer" && kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "the counter's end (its check passed) is the new cr_restart's"
