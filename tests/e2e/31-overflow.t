#!/bin/bash
# 31-overflow: more pending signals than the agent's static room (1024):
# all are kept, in order, on continue and across a restart.  64 POSIX
# timers (more than /proc shows in one read) all come back; more than the
# agent keeps (64): the checkpoint is refused with EOPNOTSUPP and a
# message, rather than a restart without some of them, and the process
# runs on.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/sigflood"
plan 11

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/sigflood" "$T/ready" 3000
pid=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out"; die "sigflood did not start"; }
checkpoint "3000 pending signals: cr_checkpoint exits 0" -f "$T/c1" "$pid"
ask_report "$pid" "$T/out"
is "$(cat "$T/out")" "got 3000 in order" "continue: every signal is still pending, in order"
wait_exit "$pid" 30

spawn "$T/out2" "$T/err2" "$bin/cr_run" "$wl/sigflood" "$T/ready" 3000
pid=$spawned
wait_ready "$T/ready" 30 || die "sigflood did not start"
checkpoint "again, for a restart" -f "$T/c2" "$pid"
kill_wait "$pid"
start_restart r "$T/c2"
wait_restored "$pid" "$rpid" 30
ok $? "restart: the process is back" || diag_file "$T/r.err"
ask_report "$pid" "$T/out2"
is "$(cat "$T/out2")" "got 3000 in order" "restart: every signal is back, in order"
wait_exit "$rpid" 30

spawn "$T/out4" "$T/err4" "$bin/cr_run" "$wl/sigflood" "$T/ready" 10 64
pid=$spawned
wait_ready "$T/ready" 30 || die "sigflood did not start"
checkpoint "64 POSIX timers: cr_checkpoint exits 0" -f "$T/c4" "$pid"
kill_wait "$pid"
start_restart r4 "$T/c4"
wait_restored "$pid" "$rpid" 30
ok $? "restart: the process is back" || diag_file "$T/r4.err"
is "$(grep -c '^ID:' "/proc/$pid/timers")" 64 "restart: with its 64 timers"
kill -USR1 "$pid"
wait_exit "$rpid" 30

spawn "$T/out3" "$T/err3" "$bin/cr_run" "$wl/sigflood" "$T/ready" 10 65
pid=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out3"; die "sigflood did not start"; }
run_cmd 60 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" -f "$T/c3" "$pid"
is "$?" 95 "65 POSIX timers: cr_checkpoint refuses (EOPNOTSUPP)"
grep -q "POSIX timers" "$T/ck.err"
ok $? "and says why" || diag_file "$T/ck.err"
ask_report "$pid" "$T/out3"
is "$(cat "$T/out3")" "got 10 in order" "the process runs on with its signals"
wait_exit "$pid" 30
