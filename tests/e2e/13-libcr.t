#!/bin/bash
# 13-libcr: programs that use libcr.  A thread-context and a signal-context
# callback run once per checkpoint in that order, see 0 from cr_checkpoint()
# on continue and > 0 after a restart, and see the right destination,
# requester and source; the destination of --fd is the file behind the
# descriptor, or nothing for a pipe.  The child of a fork() has none of its parent's
# callbacks, no callback thread, must call cr_init() again, and is
# checkpointable.  Then the install: the link forms BLCR programs use
# (-lcr, -lcr_run -u cr_run_link_me) against the installed headers and
# libraries, cr_run from another prefix, and cr_run --omit.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/callbacks"
plan 21

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$wl/callbacks" "$T/ready"
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out"; die "callbacks did not start"; }

"$bin/cr_checkpoint" -f "$T/ctx" "$orig" 2>"$T/ck.err" &
cpid=$!
wait "$cpid"
ok $? "cr_checkpoint of a program linked with -lcr exits 0" || diag_file "$T/ck.err"
ask_report "$orig" "$T/out"
is "$(cat "$T/out")" \
	"order=TS t_runs=1 s_runs=1 t_rc=0 s_rc=0 dest=$T/ctx requester=$cpid status=IDLE src=- restarter=0" \
	"continue: each callback ran once, thread context first, saw 0, the destination and the requester"

# --fd: BLCR's dest is the descriptor's file (cr_get_checkpoint_info(3))
(cd "$T" && exec "$bin/cr_checkpoint" --fd 5 "$orig" 5>ctx.fd 2>"$T/ck.err")
kill -USR1 "$orig"
wait_file_lines "$T/out" 2 30
is "$(tail -n 1 "$T/out" | cut -d' ' -f6)" "dest=$T/ctx.fd" \
	"--fd to a file opened by a relative name: the destination is its absolute path" ||
	diag_file "$T/ck.err"
"$bin/cr_checkpoint" --fd 1 "$orig" 2>"$T/ck.err" | cat >/dev/null
kill -USR1 "$orig"
wait_file_lines "$T/out" 3 30
is "$(tail -n 1 "$T/out" | cut -d' ' -f6)" "dest=-" "--fd to a pipe: the destination is empty" ||
	diag_file "$T/ck.err"
rm -f "$T/ctx.fd"
kill_wait "$orig"

start_restart r "$T/ctx"
wait_restored "$orig" "$rpid" 30
ok $? "restart: the process is back" || diag_file "$T/r.err"
ask_report "$orig" "$T/out"
is "$(cat "$T/out")" \
	"order=TS t_runs=1 s_runs=1 t_rc=1 s_rc=1 dest=$T/ctx requester=$cpid status=IDLE src=$T/ctx restarter=$rpid" \
	"restart: each callback saw a positive value, the source file and cr_restart's pid"
kill "$orig"
wait_exit "$rpid" 30
is "$?" 143 "cr_restart ends as its restored process did (SIGTERM)"

# --- fork() ----------------------------------------------------------------
spawn "$T/f.out" "$T/f.err" "$wl/callbacks" "$T/ready" --fork
fparent=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/f.out"; die "callbacks --fork did not start"; }
fkid=$(children_of "$fparent")
track "$fkid"
is "$(cat "$T/f.out")" "child before cr_init: status=-1 errno=CR_ENOINIT" \
	"fork: the child's thread is not initialised (cr_status: CR_ENOINIT)"
# shellcheck disable=SC2002 # a thread may end while the glob is read
comms=$(cat "/proc/$fkid/task/"*/comm 2>/dev/null | tr '\n' ' ')
is "$comms" "callbacks " "the child has no callback thread"
checkpoint "the child is checkpointable" --pid -f "$T/f.ctx" "$fkid"
kill -USR1 "$fkid"
wait_file_lines "$T/f.out" 2 30
is "$(tail -n 1 "$T/f.out" | cut -d' ' -f1-5)" "order= t_runs=0 s_runs=0 t_rc=0 s_rc=0" \
	"its checkpoint ran none of its parent's callbacks"
kill_wait "$fkid"
wait_exit "$fparent" 30

# --- the install -----------------------------------------------------------
prefix=$T/prefix
run_cmd 300 "$T/install.out" "$T/install.err" make -C "$top" -s install B="$build" PREFIX="$prefix"
ok $? "make install PREFIX=... installs" || diag_file "$T/install.err"
for f in bin/cr_run bin/cr_checkpoint bin/cr_restart bin/cr_info lib/libcr.so.0 \
	lib/libcr_run.so.0 lib/libcr_omit.so.0 lib/libcr.so include/libcr.h \
	include/blcr_common.h include/blcr_errcodes.h; do
	[ -e "$prefix/$f" ] || missing="${missing:-} $f"
done
is "${missing:-}" "" "every file BLCR installs is there"

cc -std=gnu11 -Wall -Werror -I"$prefix/include" -I"$top/tests/workloads" \
	-o "$T/cb-installed" "$top/tests/workloads/callbacks.c" \
	-L"$prefix/lib" -lcr -Wl,-rpath,"$prefix/lib" 2>"$T/cc1.err"
ok $? "a callback program builds against the installed libcr.h with -lcr" ||
	diag_file "$T/cc1.err"
cc -std=gnu11 -Wall -Werror -I"$top/tests/workloads" -o "$T/exit7-run" \
	"$top/tests/workloads/exit7.c" -L"$prefix/lib" -lcr_run -u cr_run_link_me \
	-Wl,-rpath,"$prefix/lib" 2>"$T/cc2.err"
ok $? "a program builds with -lcr_run -u cr_run_link_me" || diag_file "$T/cc2.err"
nm "$T/exit7-run" 2>/dev/null | grep -q cr_run_link_me
ok $? "nm shows cr_run_link_me in it"

# checkpointable: ARGS run in the background, then checkpointed
checkpointable() {
	local desc=$1 status
	shift
	spawn "$T/o.out" "$T/o.err" "$@" "$T/ready"
	wait_ready "$T/ready" 30 || diag_file "$T/o.out"
	run_cmd 60 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" -f "$T/ctx2" "$spawned"
	status=$?
	kill_wait "$spawned"
	rm -f "$T/ctx2"
	echo "$status"
}
is "$(checkpointable x "$T/cb-installed")" 0 "the -lcr program is checkpointable"
is "$(checkpointable x "$T/exit7-run")" 0 "the -lcr_run program is checkpointable"
is "$(checkpointable x "$prefix/bin/cr_run" "$wl/exit7")" 0 \
	"cr_run from another prefix makes a program checkpointable"
status=$(checkpointable x "$prefix/bin/cr_run" --omit "$wl/exit7")
failed_cleanly "$status"
ok $? "cr_run --omit: the checkpoint fails (exit $status)"
grep -qi omit "$T/ck.err"
ok $? "and says the process was omitted" || diag_file "$T/ck.err"
