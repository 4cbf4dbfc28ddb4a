#!/bin/bash
# 58-incremental: cr_checkpoint --incremental=BASE writes only the pages
# that differ from BASE.  A program of 64 MiB changes 1% of its pages
# between checkpoints: a full file A, then increments B (of A), C (of B)
# and D (of C), each a few percent of A.  D restarts with every page as
# the program last wrote it, read from A, B, C and D; B restarts too.  A
# base missing, replaced by another file, or damaged refuses the restart,
# naming it, and creates no process; so does --lazy of an increment.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/dirty"
plan 21

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/dirty" -m 64 "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "dirty did not start"; }
checkpoint "a full checkpoint exits 0" -f "$T/A" "$orig"
full=$(stat -c %s "$T/A")
prev=A
for f in B C D; do
	gen=$(( $(lines "$T/out") + 1 ))
	kill -USR2 "$orig"
	wait_file_lines "$T/out" "$gen" 30 || die "the program did not change its pages"
	checkpoint "$f: cr_checkpoint --incremental=$prev exits 0" --incremental="$T/$prev" \
		-f "$T/$f" "$orig"
	size=$(stat -c %s "$T/$f")
	check "$f holds $((size >> 10)) KiB, under 5% of the full $((full >> 10)) KiB" \
		[ $((size * 20)) -lt "$full" ]
	prev=$f
done
run_cmd 30 "$T/info.out" "$T/info.err" "$bin/cr_info" "$T/D"
grep -qF "increment of $T/C" "$T/info.out"
ok $? "cr_info names D's base" || diag_file "$T/info.out"
kill_wait "$orig"
wait_pid_free "$orig" || die "the original was not reaped"

# restarted NAME FILE: FILE restarts, and the program's check passes
restarted_ok() {
	start_restart "$1" "$T/$2"
	usr1_restored "$orig" "$rpid" 30
	is "$?" 0 "$2 restarts, and the program's check exits 0" || diag_file "$T/$1.err"
	is "$(tail -n 1 "$T/out")" PASS "$2: every page is as the program last wrote it"
	wait_pid_free "$orig" || die "the restored program was not reaped"
}
restarted_ok rD D
restarted_ok rB B

mv "$T/C" "$T/C.away"
restart_refused missing "D without C" "cannot open $T/C, the base of $T/D" "$T/D"
mv "$T/C.away" "$T/C"
mv "$T/B" "$T/B.orig"
cp "$T/A" "$T/B"
restart_refused changed "D with another file as B" "$T/B, the base of $T/C, has changed" "$T/D"
rm -f "$T/B"
mv "$T/B.orig" "$T/B"
off=$(flipped_copy "$T/C" "$T/C.bad")
mv "$T/C" "$T/C.good"
mv "$T/C.bad" "$T/C"
restart_refused damaged "D with C damaged (at $off)" "$T/C, the base of $T/D, is damaged" "$T/D"
mv "$T/C.good" "$T/C"
restart_refused lazy "--lazy of D" "with --lazy: it is an increment" --lazy "$T/D"
! alive "$orig"
ok $? "no refusal created a process"
