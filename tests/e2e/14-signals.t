#!/bin/bash
# 14-signals: the checkpoint signal (64) is the agent's, yet the program
# sees what it asked for, and a checkpoint does not cut its sleeps short.
#  (a) a program that blocks every signal can be checkpointed, continued
#      and restarted, and its mask still shows 64 blocked;
#  (b) a program with its own handler for 64 can be checkpointed, sees its
#      handler in sigaction(64), and its raise(64) runs it, before and after
#      a continue and a restart; the same with SIG_IGN (its raise(64) does
#      nothing) and SIG_DFL (a raise(64) kills, as in a child it forks);
#  (c) sleep(3) across a checkpoint returns 0 after 3 s of the process's
#      own time: on continue, and across a restart (the downtime between
#      checkpoint and restart not counted);
#  (d) poll() of an idle pipe with a 2 s timeout returns 0 after 2 s, not
#      -1/EINTR, on continue and across a restart;
#  (e) but sigsuspend() and pause(), which wait for any caught signal,
#      return -1/EINTR after a checkpoint, as under BLCR: in the process
#      that goes on, and in the restarted one.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/sigview"
plan 52

# now_ms: wall-clock milliseconds into $_ms (no subshell: a fork between
# kill and restart could take the pid the restart needs)
now_ms() { _ms=$((${EPOCHREALTIME/./} / 1000)); }

# restored_in PID RPID "NR..." TIMEOUT: PID is restored under cr_restart
# RPID and back in one of the system calls; tracks it
restored_in() {
	local pid=$1 rpid=$2 want=$3 limit=$4 i sys=
	for ((i = 0; i <= limit * 20; i++)); do
		if child_of "$pid" "$rpid"; then
			track "$pid"
			{ read -r sys _ <"/proc/$pid/syscall"; } 2>/dev/null
			[[ " $want " == *" $sys "* ]] && return 0
		fi
		alive "$rpid" || break
		nap 0.05
	done
	if alive "$rpid"; then
		diag "pid $pid not restored into system call $want under $rpid within $limit s"
		_diag_proc "$pid"
	else
		diag "cr_restart (pid $rpid) ended before pid $pid was back in system call $want"
	fi
	return 1
}

# line FILE N: line N of FILE
line() { sed -n "${2}p" "$1"; }

# elapsed_ms FILE: the N of a workload's "PASS ... in N ms"
elapsed_ms() {
	local l
	l=$(line "$1" 1)
	l=${l% ms}
	echo "${l##* }"
}

# --- (a), (b): checks before, after a continue, after a restart ------------

# views MODE SYSCALL WHAT: three checks of sigview MODE, one per state;
# it waits for its signals in SYSCALL
views() {
	local mode=$1 sys=$2 what=$3 pid
	mkfifo "$T/$mode.ready"
	spawn "$T/$mode.out" "$T/$mode.err" "$bin/cr_run" "$wl/sigview" "$mode" "$T/$mode.ready"
	pid=$spawned
	if ! wait_ready "$T/$mode.ready" 30; then
		diag_file "$T/$mode.out"
		ok 1 "$mode: sigview starts"
		return
	fi
	is "$(line "$T/$mode.out" 1)" PASS "$mode: at the start, $what"

	checkpoint "$mode: cr_checkpoint of the program exits 0" -f "$T/$mode.1.ctx" "$pid"
	kill -USR2 "$pid"
	wait_file_lines "$T/$mode.out" 2 10
	is "$(line "$T/$mode.out" 2)" PASS "$mode: after a continue, $what"

	checkpoint "$mode: cr_checkpoint for a restart exits 0" -f "$T/$mode.ctx" "$pid"
	kill_wait "$pid"
	start_restart r "$T/$mode.ctx"
	restored_in "$pid" "$rpid" "$sys" 30 && kill -USR1 "$pid"
	wait_exit "$rpid" 30
	is "$?" 0 "$mode: the restored program is checked and exits 0, as does cr_restart" ||
		diag_file "$T/r.err"
	is "$(line "$T/$mode.out" 3)" PASS "$mode: after a restart, $what" ||
		diag_file "$T/$mode.out"
}

# blockall takes its signals with sigwaitinfo (rt_sigtimedwait, 128), handler
# catches them in sigsuspend (rt_sigsuspend, 130)
views blockall 128 "sigprocmask and pthread_sigmask show every signal blocked, 64 included"
views handler 130 "sigaction(64) shows its handler, and its raise(64) and sigqueue(64) run it"
views ignore 130 "sigaction(64) shows SIG_IGN, and its raise(64) and sigqueue(64) do nothing"
views default 130 "sigaction(64) shows SIG_DFL, and a raise(64) kills a child of it"

# --- (c), (d): a sleeping call across a continue and a restart --------------

# start_waiter NAME MODE: sigview MODE with stdin the idle pipe $T/idle
# (held open here, so it never reaches end of file); sets $pid
start_waiter() {
	local name=$1 mode=$2
	mkfifo "$T/$name.ready"
	"$bin/cr_run" "$wl/sigview" "$mode" "$T/$name.ready" <&7 7<&- \
		>"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	track "$pid"
	wait_ready "$T/$name.ready" 30 || diag_file "$T/$name.out"
}

# across_continue NAME MODE SECS SYSCALLS WHAT: checkpoint a second into
# the call; it must take SECS s, no less, and not start over
across_continue() {
	local name=$1 mode=$2 secs=$3 sys=$4 what=$5 t0 t1 ms status
	start_waiter "$name" "$mode"
	in_syscall "$pid" "$sys" 10
	nap 1
	now_ms
	t0=$_ms
	checkpoint "$name: cr_checkpoint during $what exits 0" -f "$T/$name.ctx" "$pid"
	now_ms
	t1=$_ms
	wait_exit "$pid" 20
	status=$?
	is "$(line "$T/$name.out" 1 | cut -c1-4)" PASS \
		"$name: $what returns 0 after ${secs} s, not early with EINTR" ||
		diag_file "$T/$name.out"
	is "$status" 0 "$name: sigview exits 0"
	ms=$(elapsed_ms "$T/$name.out")
	# the call started over would have taken about 1 s more
	check "$name: it did not start over ($ms ms, checkpoint took $((t1 - t0)) ms)" \
		test "${ms:-99999}" -le $((secs * 1000 + t1 - t0 + 500))
}

# across_restart NAME MODE SECS SYSCALLS WHAT: checkpoint a second into the
# call, kill, restart a second later; the call takes SECS s of the process's
# own time: its CLOCK_MONOTONIC time minus the downtime
across_restart() {
	local name=$1 mode=$2 secs=$3 sys=$4 what=$5 t0 t1 t2 t3 ms status
	start_waiter "$name" "$mode"
	in_syscall "$pid" "$sys" 10
	nap 1
	now_ms
	t0=$_ms
	checkpoint "$name: cr_checkpoint during $what exits 0" -f "$T/$name.ctx" "$pid"
	now_ms
	t1=$_ms
	kill_wait "$pid"
	nap 1
	now_ms
	t2=$_ms
	"$bin/cr_restart" "$T/$name.ctx" <&7 7<&- >"$T/r.out" 2>"$T/r.err" &
	rpid=$!
	track "$rpid"
	restored_in "$pid" "$rpid" "$sys" 30
	now_ms
	t3=$_ms
	wait_exit "$rpid" 20
	status=$?
	is "$(line "$T/$name.out" 1 | cut -c1-4)" PASS \
		"$name: the restored $what returns 0 after ${secs} s, not early with EINTR" ||
		{ diag_file "$T/$name.out"; diag_file "$T/r.err"; }
	is "$status" 0 "$name: the restored sigview exits 0, as does cr_restart"
	ms=$(elapsed_ms "$T/$name.out")
	# the downtime lies between t2 - t1 (the process was gone) and t3 - t0
	check "$name: the downtime is not counted as $what ($ms ms on CLOCK_MONOTONIC, down at least $((t2 - t1)) ms)" \
		test "${ms:-0}" -ge $((secs * 1000 + t2 - t1 - 50))
	check "$name: it did not start over ($ms ms, down at most $((t3 - t0)) ms)" \
		test "${ms:-99999}" -le $((secs * 1000 + t3 - t0 + 500))
}

mkfifo "$T/idle"
exec 7<>"$T/idle"

# glibc 2.36's sleep() is clock_nanosleep (230); poll() is poll (7) or ppoll (271)
across_continue sleep-c sleep 3 230 "sleep(3)"
across_restart sleep-r sleep 3 230 "sleep(3)"
across_continue poll-c poll 2 "7 271" "poll(2000 ms)"
across_restart poll-r poll 2 "7 271" "poll(2000 ms)"

# --- (e): sigsuspend() and pause() end with EINTR ------------------------------

# across_interrupt NAME MODE SYSCALLS WHAT: a checkpoint ends the call with
# EINTR, and so does the restart from it
across_interrupt() {
	local name=$1 mode=$2 sys=$3 what=$4 status
	start_waiter "$name" "$mode"
	in_syscall "$pid" "$sys" 10
	checkpoint "$name: cr_checkpoint during $what exits 0" -f "$T/$name.ctx" "$pid"
	wait_exit "$pid" 20
	status=$?
	is "$(line "$T/$name.out" 1)" "PASS $what ended with EINTR" \
		"$name: after the checkpoint, $what returns -1/EINTR" || diag_file "$T/$name.out"
	is "$status" 0 "$name: sigview exits 0"
	: >"$T/$name.out"
	"$bin/cr_restart" "$T/$name.ctx" <&7 7<&- >"$T/r.out" 2>"$T/r.err" &
	rpid=$!
	track "$rpid"
	wait_exit "$rpid" 20
	status=$?
	is "$status" 0 "$name: restarted, $what returns -1/EINTR and it exits 0, as does cr_restart" ||
		{ diag_file "$T/$name.out"; diag_file "$T/r.err"; }
	is "$(line "$T/$name.out" 1)" "PASS $what ended with EINTR" "$name: and says so"
}

# rt_sigsuspend is 130; glibc's pause() is pause (34)
across_interrupt suspend suspend 130 "sigsuspend()"
across_interrupt pause pause "34 130" "pause()"
