#!/bin/bash
# 30-ptrace: processes under ptrace.  A tree whose child is traced from
# outside is refused (CR_EPTRACED), or saved without that child under
# --ptraced-skip, or whole under --ptraced-allow; a tree whose root traces
# another process is refused (CR_EPTRACER), or saved without its root under
# --ptracer-skip.  Every process runs on throughout.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_info" "$wl/tree" "$wl/tracer"
plan 11

mkfifo "$T/ready"
spawn "$T/t.out" "$T/t.err" "$bin/cr_run" "$wl/tree" "$T/ready" 1 0
root=$spawned
wait_ready "$T/ready" 30 || die "tree did not start"
kid=$(children_of "$root")
track "$kid"
spawn "$T/p.out" "$T/p.err" "$bin/cr_run" "$wl/tracer" "$T/ready" "$kid"
tracer=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/p.out"; die "tracer did not start"; }
tkid=$(children_of "$tracer")
track "$tkid"

run_cmd 60 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" -f "$T/c0" "$root"
is "$?" $((2360 & 255)) "a tree with a traced child: CR_EPTRACED (modulo 256)"
grep -q "is being traced by pid $tracer" "$T/ck.err"
ok $? "and the message names the tracer" || diag_file "$T/ck.err"
checkpoint "--ptraced-skip: exits 0" --ptraced-skip -f "$T/c1" "$root"
is "$(processes "$T/c1")" 1 "and leaves the traced child out"
checkpoint "--ptraced-allow: exits 0" --ptraced-allow -f "$T/c2" "$root"
is "$(processes "$T/c2")" 2 "and saves both"

run_cmd 60 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" -f "$T/c3" "$tracer"
is "$?" $((2361 & 255)) "a tree whose root traces another process: CR_EPTRACER (modulo 256)"
checkpoint "--ptracer-skip: exits 0" --ptracer-skip -f "$T/c4" "$tracer"
is "$(processes "$T/c4")" 1 "and leaves the tracer out, its child in"
alive "$root" && alive "$kid" && alive "$tracer" && alive "$tkid"
ok $? "every process runs on"
kill -USR1 "$tracer"
wait_exit "$tracer" 30
is "$?" 0 "the tracer lets go and exits 0"
kill_tree "$root"
