#!/bin/bash
# 81-outside-sockets: sockets that lead outside what is checkpointed (a
# socketpair whose other end a child outside --pid holds; a TCP
# connection the child accepted) keep BLCR's rule: the checkpoint says
# so, naming the process, the descriptor and the peer, and the restart
# gives them closed (cr_restart has no such descriptor), while a UDP
# socket and a TCP listener of the process come back.  With
# --sockets=refuse the checkpoint fails with that message, leaves no file,
# and the process runs on with its sockets.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/sockout"
plan 11

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/sockout" "$T/ready"
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out"; die "sockout did not start"; }
kid=$(children_of "$orig")
track "$kid"

run_cmd 60 "$T/no.out" "$T/no.err" "$bin/cr_checkpoint" --pid --sockets=refuse -f "$T/no.ctx" "$orig"
st=$?
check "--sockets=refuse: the checkpoint fails (exit $st)" failed_cleanly "$st"
grep -q "^cr_checkpoint: cannot checkpoint fd 7 of pid $orig: a UNIX socket connected to .* leads outside the checkpoint (--sockets=refuse)$" "$T/no.err"
ok $? "and says why, naming the process, the descriptor and the peer" || diag_file "$T/no.err"
[ ! -e "$T/no.ctx" ] && [ -z "$(find "$T" -maxdepth 1 -name 'no.ctx*')" ]
ok $? "and leaves no file"

checkpoint "by default the checkpoint goes on" --pid --kmsg-warning -f "$T/ctx" "$orig"
grep -q "fd 7 of pid $orig, a UNIX socket connected to an unnamed UNIX socket (inode [0-9]*), leads outside the checkpoint: after restart it is cr_restart's fd 7, or closed" "$T/ck.err"
ok $? "warning of the UNIX socket, with its peer" || diag_file "$T/ck.err"
grep -q "fd 8 of pid $orig, a TCP socket connected to 127.0.0.1:[0-9]*, leads outside" "$T/ck.err" &&
	! grep -q "fd \(9\|10\) of pid" "$T/ck.err"
ok $? "warning of the TCP connection, with its peer's address, and of nothing inside" ||
	diag_file "$T/ck.err"
run_cmd 60 "$T/q.out" "$T/q.err" "$bin/cr_checkpoint" --pid -f "$T/q.ctx" "$orig"
is "$?:$(wc -c <"$T/q.err")" "0:0" "without --kmsg-warning, the default, no word"

kill -USR1 "$orig"
wait_exit "$orig" 30
is "$(cat "$T/out")" "7:open 8:open 9:open 10:open" "the process ran on with its sockets"
kill_wait "$kid"
wait_pid_free "$orig" "$kid"

start_restart r "$T/ctx"
wait_restored "$orig" "$rpid" 30
ok $? "restarted" || diag_file "$T/r.err"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "cr_restart ends as the process did"
is "$(cat "$T/out")" "7:closed 8:closed 9:open 10:open" \
	"after the restart the sockets that led outside are closed, as in BLCR" || diag_file "$T/r.err"
