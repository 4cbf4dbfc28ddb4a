#!/bin/bash
# 79-restorer-fault-new-pids: under new pids (--no-restore-pid) cr_restart
# knows only the pids of the roots it created; the others it cannot kill
# by their saved pids.  The restorer of a leaf fails to map an area (the
# test build's UCR_FAULT=area:PID:N) while the rest of the tree restores:
# the message names the leaf by its saved pid and its new one, and no
# process of the tree runs on, because a restored agent goes on only
# with cr_restart's word that the whole restart holds.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$fbin" "$wl/tree"
plan 6

tree_saved tree 3 2
mapfile -t pids < <(saved_pids "$T/tree.ctx")
leaf=${pids[${#pids[@]} - 1]}

start_faulty leaf "area:$leaf:2" "$fbin" --no-restore-pid "$T/tree.ctx"
wait_exit "$rpid" 30
status=$?
check "the restart fails cleanly (exit $status)" failed_cleanly "$status"
grep -qE "restore of pid $leaf \(now pid [0-9]+\) failed mapping the area at 0x[0-9a-f]+: Cannot allocate memory" \
	"$T/leaf.err"
ok $? "its message names the leaf's saved pid, its new one and the area" ||
	diag_file "$T/leaf.err"
is "$(wc -l <"$T/leaf.err")" 1 "in one line"
none_left 30 && no_debris "$T" /tmp
ok $? "no process of the tree is left, nor a temporary file"

start_restart ok --no-restore-pid "$T/tree.ctx"
wait_restored_child "$rpid" 30
ok $? "without the fault, the tree restarts under new pids" || diag_file "$T/ok.err"
kill_tree "$rpid"
wait "$rpid" 2>/dev/null || true
