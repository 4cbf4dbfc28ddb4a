#!/bin/bash
# 53-cow: cr_checkpoint --cow parks the processes only while a holder of
# a copy-on-write copy of their memory is made, and they run on while the
# file is written.  A program that keeps writing its memory runs on while
# its checkpoint is blocked writing into a pipe nobody reads yet; the file
# then restarts, and the program finds its memory as it was at one
# instant (no page it wrote after it resumed).  -v says how long the
# processes were parked.  --cow takes no signal for after the checkpoint,
# and a tree sharing memory is checkpointed parked as without --cow,
# saying why.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/cowwriter" \
	"$wl/family"
plan 12

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/cowwriter" -m 128 "$T/ticks" "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "cowwriter did not start"; }

# The checkpoint writes into a pipe that fills: it blocks there until the
# test reads.  fd 3 is the pipe's write end (opened read-write so as not
# to block), fd 4 the read end the test keeps.
mkfifo "$T/pipe"
exec 3<>"$T/pipe" 4<"$T/pipe"
"$bin/cr_checkpoint" -v --cow --fd 3 "$orig" 4<&- >"$T/ck.out" 2>"$T/ck.err" &
ckpt=$!
track "$ckpt"
exec 3>&-
for ((i = 0; i < 600; i++)); do
	grep -q "ran again" "$T/ck.err" && break
	alive "$ckpt" || break
	nap 0.05
done
grep -q "the processes ran again after" "$T/ck.err"
ok $? "cr_checkpoint -v says when the processes ran again" || diag_file "$T/ck.err"
grep "ran again" "$T/ck.err" | sed 's/^/# /'
before=$(lines "$T/ticks")
wait_file_lines "$T/ticks" $((before + 5)) 30
ok $? "the program runs on (5 passes over its memory) while its checkpoint is being written"
alive "$ckpt"
ok $? "and cr_checkpoint is still writing, blocked on the pipe"
cat <&4 >"$T/ctx" &
reader=$!
exec 4<&-
wait "$ckpt"
is "$?" 0 "cr_checkpoint --cow exits 0 once its file is read" || diag_file "$T/ck.err"
wait "$reader"
run_cmd 30 "$T/info.out" "$T/info.err" "$bin/cr_info" "$T/ctx"
ok $? "cr_info accepts the file" || diag_file "$T/info.err"

kill_wait "$orig"
wait_pid_free "$orig" || die "the original was not reaped"
start_restart r "$T/ctx"
wait_restored "$orig" "$rpid" 30
ok $? "the file restarts" || diag_file "$T/r.err"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "the restored program exits 0, and so does cr_restart" || diag_file "$T/r.err"
is "$(cat "$T/out")" PASS "its memory is that of one instant: no page written after it resumed"

run_cmd 30 "$T/kill.out" "$T/kill.err" "$bin/cr_checkpoint" --cow --kill -f "$T/k.ctx" 1
is "$?" 22 "--cow --kill is a usage error (EINVAL)"
grep -q -- "--cow lets the processes run on" "$T/kill.err"
ok $? "saying why" || diag_file "$T/kill.err"

# --- a tree sharing memory: parked all along, as without --cow -------------------
mkfifo "$T/fready"
seq -f '%03g' 0 99 >"$T/records"
spawn "$T/f.out" "$T/f.err" "$bin/cr_run" "$wl/family" "$T/fready" "$T/records"
fam=$spawned
wait_ready "$T/fready" || { diag_file "$T/f.err"; die "family did not start"; }
run_cmd 60 "$T/fck.out" "$T/fck.err" "$bin/cr_checkpoint" -v --cow -f "$T/f.ctx" "$fam"
is "$?" 0 "--cow of a tree that shares memory exits 0" || diag_file "$T/fck.err"
grep -q -- "--cow: pid [0-9]* shares memory at .*; the processes stay parked until the file is written" \
	"$T/fck.err"
ok $? "saying that its processes stay parked, and why" || diag_file "$T/fck.err"
