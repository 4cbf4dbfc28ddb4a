#!/bin/bash
# 33-unprivileged: the whole cycle as an ordinary user (a throwaway one the
# test creates and removes), with ucr installed in a prefix: cr_run,
# cr_checkpoint --kill, and cr_restart with no option, which restores in a
# user, pid and time namespace of its own.  A counter goes on with no gap
# or repeat; eight threads keep their tids; a parent and child joined by a
# pipe keep their pids, parentage and the bytes in flight; uid and gid are
# the user's; CLOCK_MONOTONIC goes on from where it was, though the restart
# comes 5 s later.  A Ctrl-C in cr_restart's terminal ends it.  Three cycles of checkpoint (from outside, by the pid ps
# shows) and restart as the user, then a restart by root in the initial
# namespaces, count on unbroken.  cr_restart passes on an exit status and a death by
# signal, the user signals the restored program by the pid ps shows, and a
# program's cr_request_restart() gets its root as a child.  A file saved
# from another uid is refused, and so is every restart when the system
# forbids user namespaces, with a message saying so.
UCR_TEST_TIMEOUT=${UCR_TEST_TIMEOUT:-240}
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_run" "$wl/counter" "$wl/threads" \
	"$wl/memory" "$wl/pipeseq" "$wl/exit7" "$wl/clockjump" "$wl/restarter"
plan 53

# Built with sanitizers (make check-sanitize), cr_restart would never end:
# LeakSanitizer's tracer, its child, lands in the restart's pid namespace,
# from where it cannot see cr_restart to stop it.
export ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0

# the workloads where the user can run them (restarter finds libcr in
# the prefix, as a program built against the install would)
user_prefix "$wl/counter" "$wl/threads" "$wl/memory" "$wl/pipeseq" "$wl/exit7" "$wl/clockjump"
cc -std=gnu11 -I"$prefix/include" -o "$T/bin/restarter" "$top/tests/workloads/restarter.c" \
	-L"$prefix/lib" -lcr -Wl,-rpath,"$prefix/lib" 2>"$T/cc.err" || diag_file "$T/cc.err"

# inner PID: the pid that process PID sees for itself
inner() { awk '$1 == "NSpid:" { print $NF }' "/proc/$1/status" 2>/dev/null; }

# wait_kid PARENT COMM TIMEOUT: wait for a child of PARENT named COMM; sets $kid
wait_kid() {
	local i
	for ((i = 0; i <= $3 * 20; i++)); do
		kid=$(pgrep -P "$1" -x "$2" | head -1)
		[ -n "$kid" ] && { track "$kid"; return 0; }
		nap 0.05
	done
	diag "no child $2 of $1 within $3 s"
	return 1
}

# ucheckpoint DESC ARGS...: cr_checkpoint ARGS as the user
ucheckpoint() {
	local desc=$1
	shift
	run_cmd 60 "$T/ck.out" "$T/ck.err" "${u[@]}" "$prefix/bin/cr_checkpoint" "$@"
	ok $? "$desc" || diag_file "$T/ck.err"
}

# refused NAME PATTERN DESC COMMAND...: COMMAND, run as the user, fails
# with its own exit code and a message matching PATTERN
refused() {
	local name=$1 pattern=$2 desc=$3 st
	shift 3
	run_cmd 30 "$T/$name.out" "$T/$name.err" "${u[@]}" "$@"
	st=$?
	failed_cleanly "$st" && grep -q -- "$pattern" "$T/$name.err"
	ok $? "$desc (exit $st)" || diag_file "$T/$name.err"
}

# urestart NAME ARGS...: cr_restart ARGS as the user, in the background; $rpid
urestart() {
	local name=$1
	shift
	ufile "$T/$name.out" "$T/$name.err"
	spawn "$T/$name.out" "$T/$name.err" "${u[@]}" "$prefix/bin/cr_restart" "$@"
	rpid=$spawned
}

# --- a counter ------------------------------------------------------------------
ufifo "$T/ready"
ufile "$T/c.out" "$T/c.err" count
spawn "$T/c.out" "$T/c.err" "${u[@]}" "$prefix/bin/cr_run" "$T/bin/counter" -r "$T/ready" -n 20 count
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/c.err"; die "the counter did not start"; }
ucheckpoint "the user checkpoints their counter with --kill" --kill "$orig"
wait_gone "$orig" 30
is "$(file_mode "context.$orig")" 400 "the context file is the user's, mode 0400"
end=$(lines count)
urestart r1 -v "context.$orig"
wait_kid "$rpid" counter 30 && back=$kid
check "the restored counter counts again" wait_file_lines count $((end + 20)) 20 ||
	diag_file "$T/r1.err"
is "$(inner "$back")" "$orig" "inside, it has its saved pid (pid $back outside)"
is "$(awk '$1 == "Uid:" { print $2, $3 } $1 == "Gid:" { print $2, $3 }' "/proc/$back/status" |
	tr '\n' ' ')" "$user_uid $user_uid $user_gid $user_gid " "its uid and gid are the user's"
grep -q "restoring in a user, pid and time namespace" "$T/r1.err" &&
	grep -q "pid $orig is pid $back outside its namespace" "$T/r1.err"
ok $? "cr_restart -v says it restored in namespaces of its own, and the pid outside" ||
	diag_file "$T/r1.err"
"${u[@]}" kill -USR1 "$back"
wait_exit "$rpid" 30
is "$?" 0 "the user's kill -USR1 by the outside pid reaches it; it exits 0, and so does cr_restart"
is "$(cat "$T/c.out")" PASS "the counter's own check passes"
got=$(seq_file count)
ok $? "the count is one unbroken sequence (${got##*$'\n'})" || diag "$got"
end=$(lines count)
urestart r1b --no-restore-pid "context.$orig"
wait_kid "$rpid" counter 30 && back=$kid
check "with --no-restore-pid, in a user namespace alone, it counts again" \
	wait_file_lines count $((end + 20)) 20 || diag_file "$T/r1b.err"
"${u[@]}" kill -USR1 "$back"
wait_exit "$rpid" 30
is "$?" 0 "and passes its own check (exit 0)"
got=$(seq_file count)
ok $? "the count is one unbroken sequence again (${got##*$'\n'})" || diag "$got"

# --- three cycles as the user, then a restart by root -----------------------------------
ufile "$T/cy.out" "$T/cy.err" cycles
spawn "$T/cy.out" "$T/cy.err" "${u[@]}" "$prefix/bin/cr_run" "$T/bin/counter" -r "$T/ready" -n 20 cycles
orig=$spawned
wait_ready "$T/ready" || die "the counter did not start"
ucheckpoint "cycle 0: the user checkpoints a counter" --kill -f cy0.ctx "$orig"
wait_gone "$orig" 30
seen=""
for c in 1 2 3; do
	urestart "cy$c" "cy$((c - 1)).ctx"
	wait_kid "$rpid" counter 30 && back=$kid
	wait_file_lines cycles $(($(lines cycles) + 5)) 20 || diag_file "$T/cy$c.err"
	seen="$seen $(inner "$back")"
	ucheckpoint "cycle $c: the user checkpoints the restored counter by the pid ps shows" \
		--kill -f "cy$c.ctx" "$back"
	wait_exit "$rpid" 30
done
is "$seen" " $orig $orig $orig" "each cycle's file records, and restores, the pid the counter sees"
is "$("$prefix/bin/cr_info" cy0.ctx | grep -c 'pid namespace of its own') $("$prefix/bin/cr_info" cy1.ctx |
	grep -c "process $orig (counter), in a pid namespace of its own")" "0 1" \
	"cr_info tells a file taken in a pid namespace of the restart's own"
start_restart cyroot "cy3.ctx"
wait_file_lines cycles $(($(lines cycles) + 5)) 20 || diag_file "$T/cyroot.err"
check "root restarts the last file in the initial namespaces, with the saved pid" \
	child_of "$orig" "$rpid"
track "$orig"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?:$(cat "$T/cy.out")" "0:PASS" "the counter's own check passes after four restarts"
got=$(seq_file cycles)
ok $? "the count is one unbroken sequence across them (${got##*$'\n'})" || diag "$got"

# --- eight threads ---------------------------------------------------------------
ufile "$T/t.out" "$T/t.err"
spawn "$T/t.out" "$T/t.err" "${u[@]}" "$prefix/bin/cr_run" "$T/bin/threads" -n 8 "$T/ready"
orig=$spawned
wait_ready "$T/ready" || die "threads did not start"
tids=$(ls "/proc/$orig/task" | sort -n | tr '\n' ' ')
ucheckpoint "the user checkpoints 8 threads with --kill" --kill "$orig"
wait_gone "$orig" 30
urestart r2 "context.$orig"
wait_kid "$rpid" threads 30 && back=$kid
wait_restored "$back" "$rpid" 30 || diag_file "$T/r2.err"
inner_tids=$(for t in /proc/"$back"/task/*; do awk '$1 == "NSpid:" { print $NF }' "$t/status"; done |
	sort -n | tr '\n' ' ')
is "$inner_tids" "$tids" "every thread has its saved tid inside"
kill -USR1 "$back"
wait_exit "$rpid" 30
is "$?:$(cat "$T/t.out")" "0:PASS" "the threads run on, see their own tids, and join"

# --- 256 MiB of memory: its page data is still being checked when the
# restart makes its namespaces, which want a process of one thread ----------------
ufile "$T/m.out" "$T/m.err"
spawn "$T/m.out" "$T/m.err" "${u[@]}" "$prefix/bin/cr_run" "$T/bin/memory" -m 256 "$T/ready"
orig=$spawned
wait_ready "$T/ready" 60 || die "memory did not start"
ucheckpoint "the user checkpoints 256 MiB of memory with --kill" --kill -f mem.ctx "$orig"
wait_gone "$orig" 30
urestart rm mem.ctx
wait_kid "$rpid" memory 30 && back=$kid
wait_restored "$back" "$rpid" 60 || diag_file "$T/rm.err"
kill -USR1 "$back"
wait_exit "$rpid" 60
is "$?:$(cat "$T/m.out")" "0:PASS" "the user's restart of 256 MiB comes back whole" ||
	diag_file "$T/rm.err"
rm -f mem.ctx

# --- a parent and child joined by a pipe -----------------------------------------
ufile "$T/p.out" "$T/p.err"
spawn "$T/p.out" "$T/p.err" "${u[@]}" "$prefix/bin/cr_run" "$T/bin/pipeseq" "$T/ready"
orig=$spawned
wait_ready "$T/ready" || die "pipeseq did not start"
okid=$(pgrep -P "$orig" | head -1)
ucheckpoint "the user checkpoints the two processes with --kill" --kill "$orig"
wait_gone "$orig" 30
urestart r3 "context.$orig"
wait_kid "$rpid" pipeseq 30 && back=$kid
wait_kid "$back" pipeseq 30 && bkid=$kid
is "$(inner "$back") $(inner "$bkid")" "$orig $okid" \
	"parent and child have their saved pids inside, the child under the parent"
wait_file_lines "$T/p.out" 2 30
"${u[@]}" kill -USR1 "$bkid"
wait_exit "$rpid" 30
grep -v '^at ' "$T/p.out" >"$T/p.verdict"
is "$(cat "$T/p.verdict")" PASS "the child reads the sequence on, no byte lost or repeated" ||
	diag_file "$T/p.out"

# --- exit status, death by signal, CLOCK_MONOTONIC ---------------------------------
ufile "$T/e.out" "$T/e.err"
spawn "$T/e.out" "$T/e.err" "${u[@]}" "$prefix/bin/cr_run" "$T/bin/exit7" "$T/ready"
orig=$spawned
wait_ready "$T/ready" || die "exit7 did not start"
ucheckpoint "the user checkpoints exit7" --kill "$orig"
wait_gone "$orig" 30
urestart r4 "context.$orig"
wait_kid "$rpid" exit7 30 && wait_restored "$kid" "$rpid" 30
"${u[@]}" kill -USR1 "$kid"
wait_exit "$rpid" 30
is "$?" 7 "a restored root that exits 7 makes cr_restart exit 7"
urestart r5 "context.$orig"
wait_kid "$rpid" exit7 30 && wait_restored "$kid" "$rpid" 30
"${u[@]}" kill -SEGV "$kid"
wait_exit "$rpid" 30
is "$?" $((128 + 11)) "one killed by SIGSEGV makes cr_restart die of SIGSEGV"

ufile "$T/k.out" "$T/k.err"
spawn "$T/k.out" "$T/k.err" "${u[@]}" "$prefix/bin/cr_run" "$T/bin/clockjump" "$T/ready"
orig=$spawned
wait_ready "$T/ready" || die "clockjump did not start"
ucheckpoint "the user checkpoints clockjump" --kill "$orig"
wait_gone "$orig" 30
nap 5	# the time the program is gone: what its clock must not see
urestart r6 "context.$orig"
wait_kid "$rpid" clockjump 30
nap 0.3	# let it read its clock a few times
"${u[@]}" kill -USR1 "$kid"
wait_exit "$rpid" 30
step=$(sed -n 's/^maxstep_ms=//p' "$T/k.out")
[ -n "$step" ] && [ "$step" -lt 1000 ]
ok $? "CLOCK_MONOTONIC goes on where it was: its largest step is ${step:-?} ms, under 1 s"

# --- Ctrl-C in a terminal ------------------------------------------------------------
# (a background job of this shell ignores SIGINT: the counter must not)
ufile "$T/i.out" "$T/i.err" icount
spawn "$T/i.out" "$T/i.err" "${u[@]}" env --default-signal=INT "$prefix/bin/cr_run" \
	"$T/bin/counter" -r "$T/ready" -n 20 icount
iorig=$spawned
wait_ready "$T/ready" || die "the counter did not start"
ucheckpoint "the user checkpoints a counter for the terminal" --kill -f int.ctx "$iorig"
wait_gone "$iorig" 30
# script(1) gives cr_restart a terminal; what the test writes to keys is
# typed there
ufifo "$T/keys"
"${u[@]}" script -q -e -c "exec $prefix/bin/cr_restart int.ctx" /dev/null \
	<"$T/keys" >"$T/pty.out" 2>&1 &
spid=$!
track "$spid"
exec 7>"$T/keys"
for ((i = 0; i < 600; i++)); do
	back=$(pgrep -u "$user" -x counter)
	[ -n "$back" ] && break
	nap 0.05
done
track "$back"
wait_file_lines icount $(($(lines icount) + 5)) 20 || diag_file "$T/pty.out"
printf '\003' >&7
wait_gone "$back" 30
ok $? "a Ctrl-C typed in cr_restart's terminal ends the restored counter"
exec 7>&-
wait_exit "$spid" 30
is "$?" 130 "and cr_restart with it, by SIGINT" || diag_file "$T/pty.out"

# --- a program restarts a file through libcr -----------------------------------------
ufile "$T/rs.out" "$T/rs.err"
spawn "$T/rs.out" "$T/rs.err" "${u[@]}" "$T/bin/restarter" -n 1 "context.$orig"
wait_exit "$spawned" 30
is "$?" 0 "cr_request_restart() as the user restores clockjump" || diag_file "$T/rs.out"
grep -q "^round 0 root=[0-9]* exited 0$" "$T/rs.out"
ok $? "the root is the program's child: it reaps it (it ended on the SIGUSR1 asked for)" ||
	diag_file "$T/rs.out"

# --- refusals ------------------------------------------------------------------------
# a context file of root's own process, handed to the user
mkfifo "$T/rready"
spawn "$T/ro.out" "$T/ro.err" "$bin/cr_run" "$wl/exit7" "$T/rready"
rorig=$spawned
wait_ready "$T/rready" || die "root's exit7 did not start"
checkpoint "root checkpoints its own exit7" -f "$T/root.ctx" "$rorig"
refused rc "pid $rorig runs as uid 0.*only that user or root" \
	"the user's checkpoint of root's process is refused, naming pid and uid" \
	"$prefix/bin/cr_checkpoint" -f "$T/u/x.ctx" "$rorig"
alive "$rorig" && [ ! -e "$T/u/x.ctx" ]
ok $? "root's process runs on, and no file is left"
# a set-uid root copy of a program, run by the user
cp "$wl/exit7" "$T/bin/suid7" && chmod 4755 "$T/bin/suid7"
ufifo "$T/sready"
ufile "$T/s.out" "$T/s.err"
spawn "$T/s.out" "$T/s.err" "${u[@]}" "$T/bin/suid7" "$T/sready"
suid=$spawned
wait_ready "$T/sready" || diag_file "$T/s.err"
refused sc "pid $suid runs as uid $user_uid (effective 0)" \
	"the user's checkpoint of their own run of a set-uid program is refused" \
	"$prefix/bin/cr_checkpoint" -f "$T/u/s.ctx" "$suid"
alive "$suid" && [ ! -e "$T/u/s.ctx" ]
ok $? "it runs on, and no file is left"
kill_wait "$rorig"
wait_gone "$rorig" 30
cp "$T/root.ctx" "$T/u/root.ctx" && chown "$user:$user" "$T/u/root.ctx"
refused rf "ran as uid 0" "the user's restart of a process saved as root is refused, naming the uid" \
	"$prefix/bin/cr_restart" root.ctx
[ -z "$(pgrep -u "$user" -x exit7)" ]
ok $? "and no process was created"

# a context file the user may read but does not own, and one of theirs
# that their group could have written
cp "context.$orig" other.ctx && chmod 444 other.ctx
refused ro "other.ctx is owned by uid 0, not by you" \
	"a restart of a file another user owns is refused, naming the file" \
	"$prefix/bin/cr_restart" other.ctx
cp "context.$orig" group.ctx && chown "$user:$user" group.ctx && chmod 620 group.ctx
refused rg "group.ctx is writable by its group" "a restart of a group-writable file is refused" \
	"$prefix/bin/cr_restart" group.ctx
[ -z "$(pgrep -u "$user" clockjump)" ]
ok $? "neither created a process"

# No user namespaces: the system's limit is not ours to change (that needs
# CAP_SYS_RESOURCE, which root lacks on this CI machine), so the user
# makes a user namespace with user.max_user_namespaces=0 and runs
# cr_restart inside it without any capability: the same ENOSPC.
cat >"$T/nouserns.sh" <<'EOS'
echo 0 >/proc/sys/user/max_user_namespaces || exit 99
exec setpriv --bounding-set=-all --inh-caps=-all -- "$@"
EOS
run_cmd 30 "$T/nn.out" "$T/nn.err" "${u[@]}" unshare -U -r sh "$T/nouserns.sh" \
	"$prefix/bin/cr_restart" "context.$orig"
st=$?
check "with user namespaces forbidden, the restart fails (exit $st)" failed_cleanly "$st"
grep -q "not let users create user namespaces.*administrator" "$T/nn.err"
ok $? "the message says what is forbidden and whom to ask" || diag_file "$T/nn.err"
[ -z "$(pgrep -u "$user" clockjump)" ]
ok $? "and nothing of it runs"
