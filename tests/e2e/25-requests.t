#!/bin/bash
# 25-requests: checkpoints asked for by programs through libcr, and
# callbacks that change a request.
#  - A program checkpoints itself with cr_request_checkpoint() into a
#    descriptor and goes on; its reap succeeds, no descriptor appeared or
#    disappeared, cr_status() is idle.  Restarted from that file, the same
#    reap reports CR_ERESTARTED.
#  - A program asks for a checkpoint of another process's tree, into a
#    descriptor and into its working directory (CR_DEST_CWD).
#  - A callback forwards the request to another process with
#    cr_forward_checkpoint(): both end up in the one context file and both
#    come back from it.  A forward of its own tree from a --pid request
#    adds its child and grandchild, which the request did not have.
#  - A callback's temporary failure cancels the checkpoint of a two-process
#    tree: both go on (their cr_checkpoint() saw -CR_ETEMPFAIL), no file is
#    left, and cr_checkpoint says why and exits non-zero.  A permanent
#    failure kills both, and the cr_checkpoint() that asked for it never
#    returns.
#  - A program restarts a context file with cr_request_restart(): the
#    restored process has its pid and is the program's child, which it
#    waits for; a restart that cannot be done reports why through
#    cr_poll_restart_msg().
#  - The callbacks of a parent and its child run at the same time: they
#    exchange messages before their cr_checkpoint(), which returns in each
#    only once both have reached it; on continue and after a restart.
#  - A child that runs with libcr_omit is left out of its parent's tree:
#    untouched on continue, and after a restart no longer the parent's child
#    (its waitpid() says ECHILD), so that the parent can start a new one.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/selfckpt" \
	"$wl/forwarder" "$wl/tempfail" "$wl/exit7" "$wl/restarter" "$wl/omitparent" "$wl/barrier" \
	"$wl/callbacks"
plan 42

# --- a program checkpoints itself ----------------------------------------------
run_cmd 60 "$T/self.out" "$T/self.err" "$wl/selfckpt" "$T/self.ctx"
ok $? "a program's cr_request_checkpoint() of itself completes" || diag_file "$T/self.err"
is "$(cat "$T/self.out")" "continue rc=1 fds=same status=IDLE value=4242" \
	"it continues: the reap succeeds, no descriptor changed, cr_status() is idle"
is "$(processes "$T/self.ctx")" 1 \
	"the file holds the program alone, not the helper that wrote it"

run_cmd 60 "$T/r1.out" "$T/r1.err" "$bin/cr_restart" "$T/self.ctx"
ok $? "cr_restart of the program's own checkpoint exits 0" || diag_file "$T/r1.err"
# stdout was a file, reopened and cut back to its size at the checkpoint
is "$(cat "$T/self.out")" \
	"restarted rc=-2 errno=CR_ERESTARTED fds=same status=IDLE value=4242" \
	"restarted: the reap says CR_ERESTARTED, the memory and descriptors are as they were"

# --- a program checkpoints another one -------------------------------------------------
mkfifo "$T/ready"
spawn "$T/t.out" "$T/t.err" "$bin/cr_run" "$wl/tree" "$T/ready" 2 1
troot=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/t.out"; die "tree did not start"; }
run_cmd 60 "$T/o1.out" "$T/o1.err" "$wl/selfckpt" "$T/other.ctx" "$troot"
is "$(cat "$T/o1.out")" "other rc=1" "a program's request of another tree, to a descriptor, succeeds"
is "$(processes "$T/other.ctx")" 5 "the file holds that tree (5 processes)" ||
	diag_file "$T/other.ctx.info"
mkdir "$T/cwd"
(cd "$T/cwd" && run_cmd 60 "$T/o2.out" "$T/o2.err" "$wl/selfckpt" - "$troot")
is "$(cat "$T/o2.out")" "other rc=1" "the same to CR_DEST_CWD succeeds"
[ -s "$T/cwd/context.$troot" ]
ok $? "and writes context.$troot in the program's working directory"
kill_tree "$troot"

# --- a callback forwards the request ----------------------------------------------
spawn "$T/other.out" "$T/other.err" "$bin/cr_run" "$wl/exit7" "$T/ready"
other=$spawned
wait_ready "$T/ready" 30 || die "exit7 did not start"
spawn "$T/fw.out" "$T/fw.err" "$wl/forwarder" "$T/ready" "$other"
fw=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/fw.out"; die "forwarder did not start"; }
checkpoint "cr_checkpoint --pid of the forwarding process exits 0" --pid -f "$T/fw.ctx" "$fw"
is "$(processes "$T/fw.ctx")" 2 "the forwarded process is in the same file" ||
	diag_file "$T/fw.ctx.info"
ask_report "$fw" "$T/fw.out"
is "$(cat "$T/fw.out")" "forward=0 errno=0 rc=0" "cr_forward_checkpoint() returned 0"
kill_wait "$fw"
kill_wait "$other"

start_restart r2 "$T/fw.ctx"
wait_restored "$fw" "$rpid" 30
ok $? "restart: the forwarding process is back" || diag_file "$T/r2.err"
wait_restored "$other" "$rpid" 30
ok $? "restart: the forwarded process is back too" || diag_file "$T/r2.err"
kill_wait "$rpid"
kill -KILL "$fw" "$other" 2>/dev/null

spawn "$T/fwt.out" "$T/fwt.err" "$wl/forwarder" "$T/ready" --tree
fwt=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/fwt.out"; die "forwarder --tree did not start"; }
checkpoint "cr_checkpoint --pid of a process that forwards its own tree exits 0" \
	--pid -f "$T/fwt.ctx" "$fwt"
is "$(processes "$T/fwt.ctx")" 3 "its child and grandchild are in the file too" ||
	diag_file "$T/fwt.ctx.info"
ask_report "$fwt" "$T/fwt.out"
is "$(cat "$T/fwt.out")" "forward=0 errno=0 rc=0" "that cr_forward_checkpoint() returned 0"
kill_tree "$fwt"

# tempfail_checkpoint NAME [--perm]: tempfail (output in $T/NAME.out) and
# its child started, then a cr_checkpoint of the tree into $T/NAME.ctx;
# sets $parent, $kid and $status (cr_checkpoint's)
tempfail_checkpoint() {
	local name=$1
	shift
	spawn "$T/$name.out" "$T/$name.err" "$wl/tempfail" "$T/ready" "$@"
	parent=$spawned
	wait_ready "$T/ready" 30 || { diag_file "$T/$name.out"; die "tempfail did not start"; }
	kid=$(children_of "$parent")
	track "$kid"
	run_cmd 60 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" -f "$T/$name.ctx" "$parent"
	status=$?
}

# --- a temporary failure cancels a tree ------------------------------------------
tempfail_checkpoint tf
failed_cleanly "$status"
ok $? "cr_checkpoint of the tree fails with an exit code (it was $status)"
grep -q "temporary failure" "$T/ck.err"
ok $? "and says a callback failed temporarily" || diag_file "$T/ck.err"
[ ! -e "$T/tf.ctx" ] && [ -z "$(ls -A "$T" | grep -F tf.ctx)" ]
ok $? "no context file, not even a temporary one, is left"
wait_file_lines "$T/tf.out" 2 30
is "$(sort "$T/tf.out" | tr '\n' ' ')" "child rc=-2354 parent rc=-2354 " \
	"both callbacks saw -CR_ETEMPFAIL; both processes go on" &&
	alive "$parent" && alive "$kid"

kill_wait "$parent"
kill -KILL "$kid" 2>/dev/null

# --- a permanent failure kills, and its cr_checkpoint() never returns -------------
tempfail_checkpoint pf --perm
failed_cleanly "$status" && grep -q "failed the checkpoint permanently" "$T/ck.err"
ok $? "cr_checkpoint of the tree fails (exit $status) and says a callback failed permanently" ||
	diag_file "$T/ck.err"
wait_exit "$parent" 30
is "$?" 137 "the parent is SIGKILLed"
wait_gone "$kid" 30
ok $? "and so is the child"
is "$(grep -c '^child' "$T/pf.out")" 0 \
	"the child's cr_checkpoint(CR_CHECKPOINT_PERM_FAILURE) did not return" ||
	diag_file "$T/pf.out"

# --- a program restarts a context file ---------------------------------------------
spawn "$T/e7.out" "$T/e7.err" "$bin/cr_run" "$wl/exit7" "$T/ready"
orig=$spawned
wait_ready "$T/ready" 30 || die "exit7 did not start"
checkpoint "cr_checkpoint of exit7 exits 0" -f "$T/e7.ctx" "$orig"
kill_wait "$orig"
wait_gone "$orig" 30
spawn "$T/rs.out" "$T/rs.err" "$wl/restarter" "$T/e7.ctx"
restarter=$spawned
wait_restored "$orig" "$restarter" 30
ok $? "cr_request_restart(): the process is back with its pid, as the caller's child" ||
	diag_file "$T/rs.out"
kill -USR1 "$orig"
wait_exit "$restarter" 30
is "$(cat "$T/rs.out")" "restored root=$orig
root exited 7" "the caller got its pid from the reap and waited for it (exit 7)"

# the restored callbacks see the program that asked as the requester
spawn "$T/cb.out" "$T/cb.err" "$wl/callbacks" "$T/ready"
cbp=$spawned
wait_ready "$T/ready" 30 || die "callbacks did not start"
checkpoint "cr_checkpoint of a program with callbacks exits 0" -f "$T/cb.ctx" "$cbp"
kill_wait "$cbp"
wait_pid_free "$cbp"
spawn "$T/rs2.out" "$T/rs2.err" "$wl/restarter" "$T/cb.ctx"
restarter=$spawned
wait_restored "$cbp" "$restarter" 30
ask_report "$cbp" "$T/cb.out"
is "$(sed -n 's/.* restarter=//p' "$T/cb.out")" "$restarter" \
	"cr_get_restart_info() in the restored process names the program that asked"
kill -KILL "$cbp"
wait_exit "$restarter" 30

head -c 4096 /dev/urandom >"$T/junk.ctx"
run_cmd 60 "$T/rj.out" "$T/rj.err" "$wl/restarter" "$T/junk.ctx"
is "$?" 1 "cr_request_restart() of a file that is not a context file fails"
grep -q "^failed rc=-2 .*msg=cr_restart: cannot restart from" "$T/rj.out"
ok $? "the reap fails and the messages say why" || diag_file "$T/rj.out"

# --- a child under libcr_omit, in a tree -------------------------------------------
spawn "$T/op.out" "$T/op.err" "$bin/cr_run" "$wl/omitparent" "$T/ready" "$bin/cr_run" "$wl/exit7"
op=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/op.out"; die "omitparent did not start"; }
opkid=$(children_of "$op")
track "$opkid"
checkpoint "cr_checkpoint of a tree with an omitted child exits 0" -f "$T/op.ctx" "$op"
is "$(processes "$T/op.ctx")" 1 "the file holds the parent alone" ||
	diag_file "$T/op.ctx.info"
ask_report "$op" "$T/op.out"
is "$(tail -n 1 "$T/op.out")" "child running" "continue: the omitted child runs on untouched"
kill -KILL "$opkid" "$op"
kill_wait "$op"
wait_pid_free "$opkid"
start_restart r3 "$T/op.ctx"
wait_restored "$op" "$rpid" 30
ok $? "restart: the parent is back" || diag_file "$T/r3.err"
ask_report "$op" "$T/op.out"
is "$(tail -n 1 "$T/op.out")" "child gone ECHILD" \
	"restart: the omitted child is not restored, and no longer the parent's child"
kill_wait "$rpid"
kill -KILL "$op" 2>/dev/null

# --- callbacks of two processes meet -------------------------------------------------
spawn "$T/b.out" "$T/b.err" "$wl/barrier" "$T/ready"
bp=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/b.out"; die "barrier did not start"; }
bkid=$(children_of "$bp")
track "$bkid"
checkpoint "cr_checkpoint of two processes whose callbacks talk exits 0" -f "$T/b.ctx" "$bp"
kill -USR1 "$bp"
wait_file_lines "$T/b.out" 2 30
is "$(cat "$T/b.out")" "parent talked=1 count=2 rc=0
child talked=1 count=2 rc=0" "continue: they talked, and each cr_checkpoint() returned after both arrived"
kill -KILL "$bkid" "$bp"
kill_wait "$bp"
wait_pid_free "$bkid"
start_restart r4 "$T/b.ctx"
wait_restored "$bp" "$rpid" 30
ok $? "restart: the parent is back" || diag_file "$T/r4.err"
wait_restored "$bkid" "$bp" 30
ok $? "restart: and its child"
kill -USR1 "$bp"
wait_file_lines "$T/b.out" 2 30
is "$(cat "$T/b.out")" "parent talked=1 count=2 rc=1
child talked=1 count=2 rc=1" "restart: each saw 1, the count as it was"
kill_wait "$rpid"
kill -KILL "$bp" "$bkid" 2>/dev/null
