#!/bin/bash
# 44-locks: the locks a process and its child hold are held again after
# the restart, each by its owner: fcntl write and read locks, an open file
# description lock and a flock lock of the parent, an fcntl lock of the
# child on a descriptor it shares with the parent.  Another process sees
# them with F_GETLK, F_OFD_GETLK and flock(LOCK_NB) before the checkpoint
# and after the restart, not while the processes are gone; cr_info lists
# them.  A restart while someone else holds a conflicting lock fails,
# naming the file and the lock, and leaves no process: for an fcntl lock
# before any process exists (nothing changed), for a flock lock once the
# processes found it taken.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/locker" \
	"$wl/lockprobe"
plan 15

data=$T/data flocked=$T/flocked

# views: what another process sees of each lock, in one line
views() {
	local v=() a
	for a in "fcntl $data 0 100" "fcntl $data 200 100" "ofd $data 400 100" \
		"fcntl $data 600 100" "flock $flocked"; do
		# shellcheck disable=SC2086 # the probe's words
		v+=("$("$wl/lockprobe" $a 2>&1)")
	done
	local IFS=,
	echo "${v[*]}"
}

mkfifo "$T/ready"
spawn "$T/wl" "$T/wlerr" "$bin/cr_run" "$wl/locker" "$data" "$flocked" "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/wl"; die "locker did not start"; }
kid=$(children_of "$orig")
want="write $orig,read $orig,write -1,write $kid,locked"
is "$(views)" "$want" "before the checkpoint, another process sees every lock"
checkpoint "cr_checkpoint --kill exits 0" --kill -f "$T/ctx" "$orig"
# shellcheck disable=SC2086 # one pid
wait_pid_free "$orig" $kid || die "the processes did not go"
is "$(views)" "none,none,none,none,free" "with the processes gone, their locks are gone"

"$bin/cr_info" "$T/ctx" >"$T/info" 2>&1
grep -qF "fd 3   a write lock (fcntl, bytes 0 to 99)  $data" "$T/info" &&
	grep -qF "fd 3   a read lock (fcntl, bytes 200 to 299)  $data" "$T/info" &&
	grep -qF "fd 4   a write lock (ofd, bytes 400 to 499)  $data" "$T/info" &&
	grep -qF "fd 5   a write lock (flock)  $flocked" "$T/info" &&
	grep -qF "fd 3   a write lock (fcntl, bytes 600 to 699)  $data" "$T/info"
ok $? "cr_info lists the five locks" || diag_file "$T/info"
"$bin/cr_info" --json "$T/ctx" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(";".join(",".join("%d %s %s %d %d" % (l["fd"], l["kind"], l["type"], l["start"], l["len"])
                        for l in p["locks"]) for p in d["processes"]))' >"$T/json" 2>&1
is "$(cat "$T/json")" \
	"3 fcntl write 0 100,3 fcntl read 200 100,4 ofd write 400 100,5 flock write 0 0;3 fcntl write 600 100" \
	"cr_info --json lists them per process"

start_restart r "$T/ctx"
# the child too is back where it waits (pause, x86_64 system call 34):
# its lock is taken before it runs
wait_restored "$orig" "$rpid" 30 && in_syscall "$kid" 34 30
ok $? "restarted" || diag_file "$T/r.err"
is "$(views)" "$want" "after the restart, another process sees every lock, each held by its owner"
: >"$T/wl"
ask_report "$orig" "$T/wl"
is "$(cat "$T/wl")" PASS "the parent's own check of the locks says PASS"
kill -KILL "$orig"
wait_exit "$rpid" 30
# shellcheck disable=SC2086 # one pid
wait_pid_free "$orig" $kid || die "the restored processes did not go"

# --- someone else holds a conflicting lock ------------------------------------
mkfifo "$T/hold"
spawn "$T/h1.out" "$T/h1.err" "$wl/lockprobe" hold-fcntl "$data" 50 10 "$T/hold"
holder=$spawned
wait_ready "$T/hold" || { diag_file "$T/h1.out"; die "no fcntl holder"; }
restart_refused fc "an fcntl lock taken meanwhile" \
	"cannot restore pid $orig: a write lock (fcntl, bytes 0 to 99) on $data (fd 3) conflicts with a lock another process holds now" \
	"$T/ctx"
# its output file, written since the checkpoint, would be cut back to its
# size then once the processes exist
! alive "$orig" && [ "$(views)" = "write $holder,none,none,none,free" ] &&
	[ "$(cat "$T/wl")" = PASS ]
ok $? "fcntl: refused before any process was created or any file cut back"
kill -USR1 "$holder"
wait_exit "$holder" 30
# shellcheck disable=SC2086 # one pid
wait_pid_free "$orig" $kid

spawn "$T/h2.out" "$T/h2.err" "$wl/lockprobe" hold-flock "$flocked" "$T/hold"
holder=$spawned
wait_ready "$T/hold" || { diag_file "$T/h2.out"; die "no flock holder"; }
restart_refused fl "a flock lock taken meanwhile" \
	"cannot restore pid $orig: a write lock (flock) on $flocked (fd 5) conflicts with a lock another process holds now" \
	"$T/ctx"
# shellcheck disable=SC2086 # one pid
wait_pid_free "$orig" $kid && [ "$(views)" = "none,none,none,none,locked" ]
ok $? "flock: no process is left, and no lock of theirs"
kill -USR1 "$holder"
wait_exit "$holder" 30
is "$(views)" "none,none,none,none,free" "the other's lock goes with it"
