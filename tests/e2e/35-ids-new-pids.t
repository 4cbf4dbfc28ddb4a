#!/bin/bash
# 35-ids-new-pids: --restore-pgid and --restore-sid with --no-restore-pid,
# as BLCR's cr_restart takes them.  While the saved process group or
# session id is in use the restart fails with EBUSY (16) and creates no
# process; once it is free, the restored processes, with new pids, are in
# the saved group and session again (made by placeholders with those
# pids), and the placeholders are gone when the restart is over; with
# --restore-sid alone the root leads a group of its own in that session.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/tree"
plan 19

# ids PID: "pgid sid" of a process
ids() { _stat "$1" && echo "${_sf[2]} ${_sf[3]}"; }

mkfifo "$T/ready"
# a background job of a script is no group leader: setsid needs no fork
spawn "$T/out" "$T/err" setsid "$bin/cr_run" "$wl/tree" "$T/ready" 1 0
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/err"; die "tree did not start"; }
kid=$(children_of "$orig")
is "$(ids "$orig") $(ids "$kid")" "$orig $orig $orig $orig" "the tree leads its own group and session"
checkpoint "cr_checkpoint exits 0" -f "$T/ctx" "$orig"

for opt in --restore-pgid --restore-sid; do
	run_cmd 60 "$T/busy.out" "$T/busy.err" "$bin/cr_restart" --no-restore-pid "$opt" "$T/ctx"
	is "$?" 16 "$opt while the saved id is in use: EBUSY" || diag_file "$T/busy.err"
done
grep -q "in use" "$T/busy.err"
ok $? "and it says which id is in use" || diag_file "$T/busy.err"
is "$(children_of "$orig")" "$kid" "the refused restarts left the tree as it was"

kill_wait "$orig"
kill -KILL "$kid"
wait_pid_free "$orig" "$kid" || die "the tree was not reaped"

# restart_ids NAME OPTIONS...: restart with new pids; sets $child, $grandkid
restart_ids() {
	local name=$1
	shift
	start_restart "$name" --no-restore-pid "$@" "$T/ctx"
	wait_restored_child "$rpid" 30 || { diag_file "$T/$name.err"; return 1; }
	grandkid=$(children_of "$child")
	track "$grandkid"
}

restart_ids both --restore-pgid --restore-sid
ok $? "--no-restore-pid --restore-pgid --restore-sid restarts the tree"
[ "$child" != "$orig" ] && [ -n "$grandkid" ] && [ "$grandkid" != "$kid" ]
ok $? "with new pids ($child, ${grandkid:-none})"
is "$(ids "$child") $(ids "$grandkid")" "$orig $orig $orig $orig" \
	"both are in the saved group and session"
is "$(children_of "$rpid")" "$child" "cr_restart's only child is the restored root: no placeholder is left"
kill -USR1 "$grandkid" "$child"
wait_exit "$rpid" 30
is "$?" 0 "cr_restart ends as the root did"
wait_pid_free "$orig" "$child" "$grandkid" || die "the restored tree was not reaped"

read -r _ _ _ _ _ mysid _ </proc/self/stat
restart_ids pgid --restore-pgid
ok $? "--no-restore-pid --restore-pgid restarts the tree"
is "$(ids "$child") $(ids "$grandkid")" "$orig $mysid $orig $mysid" \
	"both are in the saved group, in cr_restart's session"
kill -USR1 "$grandkid" "$child"
wait_exit "$rpid" 30
is "$?" 0 "cr_restart ends as the root did"
wait_pid_free "$orig" "$child" "$grandkid" || die "the restored tree was not reaped"

restart_ids sid --restore-sid
ok $? "--no-restore-pid --restore-sid restarts the tree"
is "$(ids "$child") $(ids "$grandkid")" "$child $orig $child $orig" \
	"both are in the saved session, in a group the root leads"
kill -USR1 "$grandkid" "$child"
wait_exit "$rpid" 30
is "$?" 0 "cr_restart ends as the root did"

# A session led from outside its pid namespace (as under a batch system or
# CI that runs jobs in a pid namespace of their own, without setsid) reads
# 0 from inside: no pid of that namespace can make it again, so
# --restore-sid is refused with EBUSY there, as for a session in use.
cat >"$T/inner.sh" <<'INNER'
T=$1 bin=$2 wl=$3
mkfifo "$T/nsready"
"$bin/cr_run" "$wl/tree" "$T/nsready" 0 0 </dev/null >/dev/null 2>&1 &
p=$!
[ "$(cat "$T/nsready")" = ready ] || exit 90
"$bin/cr_checkpoint" -f "$T/nsctx" "$p" || exit 91
"$bin/cr_restart" --no-restore-pid --restore-sid "$T/nsctx" 2>"$T/ns.err"
echo "$?"
kill -KILL "$p"
INNER
is "$(timeout -k 2 60 unshare --pid --fork --mount-proc bash "$T/inner.sh" "$T" "$bin" "$wl")" 16 \
	"--restore-sid of a session led from outside the pid namespace: EBUSY" || diag_file "$T/ns.err"
grep -q "led from outside its pid namespace" "$T/ns.err"
ok $? "and it says why" || diag_file "$T/ns.err"
