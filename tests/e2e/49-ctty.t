#!/bin/bash
# 49-ctty: a descriptor above 2 on the process's controlling terminal
# (a pty that script(1) gives it) comes back, as in BLCR, as /dev/tty,
# which leads to the terminal of the restart (a pty of another script(1));
# no warning says it was closed.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/devices"
plan 6

# in_pty NAME COMMAND: COMMAND run by script(1) on a pty of its own, in the
# background, its terminal's output in $T/NAME.pty; sets $spid.  Its input
# is a FIFO held open on fd 7 (script ends at the end of its input).
in_pty() {
	local name=$1
	mkfifo "$T/$name.keys"
	script -q -e -c "$2" /dev/null <"$T/$name.keys" >"$T/$name.pty" 2>&1 &
	spid=$!
	track "$spid"
	exec 7>"$T/$name.keys"
}

# its terminal, opened again through its standard input: fd 3
mkfifo "$T/ready"
in_pty first "exec $bin/cr_run $wl/devices /proc/self/fd/0 $T/ready"
wait_ready "$T/ready" || { diag_file "$T/first.pty"; die "devices did not start"; }
orig=$(children_of "$spid")
track "$orig"
tty=$(readlink "/proc/$orig/fd/0")
[[ $tty == /dev/pts/* ]] && [ "$(readlink "/proc/$orig/fd/3")" = "$tty" ]
ok $? "fd 3 is its controlling terminal, $tty"
checkpoint "cr_checkpoint --kill exits 0" --kill -f "$T/ctx" "$orig"
exec 7>&-
wait_exit "$spid" 30
wait_pid_free "$orig" || die "it did not go"

in_pty second "exec $bin/cr_restart $T/ctx"
for ((i = 0; i < 600; i++)); do
	rpid=$(children_of "$spid")
	[ -n "$rpid" ] && break
	nap 0.05
done
wait_restored "$orig" "$rpid" 30
ok $? "restarted on another terminal" || diag_file "$T/second.pty"
# /dev/tty opens only on a controlling terminal: the restart's, here
is "$(readlink "/proc/$orig/fd/3")" /dev/tty "fd 3 is /dev/tty, the terminal of the restart"
kill -USR1 "$orig"
wait_file_lines "$T/second.pty" 1 30
grep -q PASS "$T/second.pty" && ! grep -q "closed after the restart" "$T/second.pty"
ok $? "it says PASS there, and no warning that fd 3 was closed" || diag_file "$T/second.pty"
kill -KILL "$orig"
exec 7>&-
wait_exit "$spid" 30
is "$?" $((128 + 9)) "killed, it ends cr_restart and script with it, by the same signal"
