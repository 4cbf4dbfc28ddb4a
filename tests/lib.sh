# shellcheck shell=bash
# tests/lib.sh: helpers for the end-to-end tests in tests/e2e/*.t.
#
# Each test is a bash script that sources this file and prints TAP.  On
# being sourced it
#   - re-executes the test under `timeout` (the watchdog: no test can hang;
#     UCR_TEST_TIMEOUT seconds, default 120),
#   - makes a private temporary directory $T,
#   - sets a trap that kills every process the test started, by pid, and
#     removes $T.
#
# Synchronisation: a workload says "ready" on a FIFO and closes it
# (wait_ready); after a restart the harness waits until the restored
# process is back in sigsuspend with its SIGUSR1 handler installed
# (wait_restored).  Where nothing can tell (a file growing, a process
# exiting when bash has no wait-with-timeout), a poll in 0.05 s steps with a
# hard limit; the steps are taken with `read -t` on a private FIFO, so no
# sleep process is started.

set -u

if [ -z "${UCR_TEST_WATCHDOG:-}" ]; then
	export UCR_TEST_WATCHDOG=1
	# Not --foreground: timeout makes its own process group and, when the
	# time is up, signals all of it (the test and everything it started);
	# the test's trap then kills what is left by pid.
	exec timeout -k 5 "${UCR_TEST_TIMEOUT:-120}" "$BASH" "$0" "$@"
fi

# The tree from this file's place; the build in $UCR_BUILD if set (make
# check-sanitize builds elsewhere), else in build/.
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=${UCR_BUILD:-$top/build}
bin=$build/bin
# Tools built with AddressSanitizer (make check-sanitize) started by a
# process under cr_run inherit an LD_PRELOAD that puts libcr before the
# ASan runtime: let them run all the same.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
# shellcheck disable=SC2034 # used by the tests
wl=$build/tests

ulimit -c 0		# a crash must not leave a core file anywhere

# Physical path: the commands see paths as /proc shows them (no symlinks).
if ! T=$(mktemp -d "${TMPDIR:-/tmp}/ucr-e2e.XXXXXX") || ! T=$(cd "$T" && pwd -P); then
	echo "Bail out! cannot make a temporary directory"
	exit 1
fi
mkfifo "$T/.nap" || exit 1
# The shell's own complaints (a failed kill, bash's "Killed" job notices)
# are replayed as TAP comments at the end, not mixed into prove's output.
exec 2>"$T/.stderr"

_n=0		# tests run
_failed=0	# tests failed
_pids=()	# "pid:starttime" of every process the test started

# --- TAP -----------------------------------------------------------------

plan() { echo "1..$1"; }

# diag TEXT...: comment lines in the TAP stream, one per argument and line
diag() {
	local arg line
	for arg in "$@"; do
		while IFS= read -r line; do
			echo "# $line"
		done <<<"$arg"
	done
}

# diag_file FILE [LABEL]: show (the start of) a file as comments
diag_file() {
	local f=$1 label=${2:-$1}
	if [ ! -e "$f" ]; then
		diag "$label: (missing)"
	elif [ ! -s "$f" ]; then
		diag "$label: (empty)"
	else
		diag "$label:"
		diag "$(head -c 2000 "$f" | head -n 20 | sed 's/^/  /')"
	fi
}

# ok STATUS DESCRIPTION: passes when STATUS is 0
ok() {
	local status=$1
	shift
	_n=$((_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $_n - $*"
	else
		echo "not ok $_n - $*"
		_failed=$((_failed + 1))
	fi
	return "$status"
}

# check DESCRIPTION COMMAND [ARGS...]: passes when COMMAND succeeds
check() {
	local desc=$1
	shift
	"$@"
	ok $? "$desc"
}

# is GOT WANT DESCRIPTION: string equality, with a diagnosis on failure
is() {
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$@"
	else
		ok 1 "$@"
		diag "got:  '$got'" "want: '$want'"
		return 1
	fi
}

# die MESSAGE: give up on the rest of the test (the plan then fails it)
die() {
	diag "giving up: $*"
	exit 1
}

# --- processes -----------------------------------------------------------
#
# The helpers that run in polling loops start no process (no $(...), no
# awk): a fork at the wrong time could take the pid a restart is about to
# give back.

# _stat PID: sets _sf to the fields of /proc/PID/stat from field 3 (state)
# on, so that _sf[0] is the state, _sf[1] the ppid, _sf[19] the start time.
_stat() {
	local s
	{ read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
	read -r -a _sf <<<"${s##*) }"
}

starttime() { _stat "$1" && echo "${_sf[19]}"; }
ppid_of() { _stat "$1" && echo "${_sf[1]}"; }
state_of() { _stat "$1" && echo "${_sf[0]}"; }

# child_of PID PARENT: PID is a child of PARENT (e.g. restored under
# cr_restart): only then may the test signal a restored pid
child_of() {
	_stat "$1" && [ "${_sf[1]}" = "$2" ]
}

# in_callbacks PID: PID holds a request's busy mark: its callbacks run
in_callbacks() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q "ucr-busy"; }

# wait_callbacks PID: up to 2 s for PID's callbacks to begin (a bounded
# poll: nothing else tells); one TAP test
wait_callbacks() {
	local i
	for ((i = 0; i < 200; i++)); do
		in_callbacks "$1" && break
		nap 0.01
	done
	check "the target's callback runs" in_callbacks "$1"
}

# wait_child_of PID PARENT: up to 30 s, while PARENT lives, for PID to
# become PARENT's child (a restored pid coming back under cr_restart),
# which there is no signal to tell
wait_child_of() {
	local i
	for ((i = 0; i < 600; i++)); do
		child_of "$1" "$2" && return 0
		alive "$2" || return 1
		nap 0.05
	done
	return 1
}

# alive PID: the process runs (exists and is not a zombie)
alive() {
	_stat "$1" && [ "${_sf[0]}" != Z ] && [ "${_sf[0]}" != X ]
}

# track PID: remember a process to kill at the end.  A pid is killed only
# while it is still the same process (same start time), or when its command
# line names this test's directory (a restored process: same pid, new start
# time), so a recycled pid is never hit.
track() {
	local st=
	_stat "$1" && st=${_sf[19]}
	_pids+=("$1:$st")
}

_is_ours() {
	local pid=$1 st=$2 cmd
	_stat "$pid" || return 1
	[ -n "$st" ] && [ "${_sf[19]}" = "$st" ] && return 0
	{ cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline"); } 2>/dev/null || return 1
	[[ $cmd == *"$T"* ]]
}

# _children PID: sets _kids to the children of every thread of PID
_children() {
	local f k
	_kids=()
	for f in "/proc/$1/task/"*/children; do
		k=()
		# no newline at the end of this file: read fails yet fills k
		{ read -r -a k <"$f"; } 2>/dev/null
		_kids+=("${k[@]}")
	done
}

# _descendants PID: stop and print every descendant (a restored process is
# a child of cr_restart, not of the test shell)
_descendants() {
	local c kids
	_children "$1"
	kids=("${_kids[@]}")
	for c in "${kids[@]}"; do
		kill -STOP "$c" 2>/dev/null
		echo "$c"
		_descendants "$c"
	done
}

# kill_tree PID...: SIGKILL each PID and all its descendants (stopped
# first, so that none forks meanwhile); does not reap
kill_tree() {
	local pid victims=()
	for pid in "$@"; do
		kill -STOP "$pid" 2>/dev/null
		mapfile -t -O "${#victims[@]}" victims < <(_descendants "$pid")
		victims+=("$pid")
	done
	for pid in "${victims[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
}

_cleanups=()	# commands at_cleanup queued, run after the processes are gone

# at_cleanup COMMAND...: run COMMAND when the test ends, however it ends
at_cleanup() {
	local q
	printf -v q '%q ' "$@"
	_cleanups+=("$q")
}

_cleanup() {
	local e pid ours=()
	trap - EXIT TERM INT HUP
	for e in "${_pids[@]}"; do
		pid=${e%%:*}
		_is_ours "$pid" "${e#*:}" && ours+=("$pid")
	done
	[ "${#ours[@]}" -gt 0 ] && kill_tree "${ours[@]}"
	for e in "${_pids[@]}"; do
		wait "${e%%:*}" 2>/dev/null
	done
	for e in "${_cleanups[@]}"; do
		eval "$e"
	done
	cd / && rm -rf "$T"
}

_on_exit() {
	local status=$?
	local errs
	# bash's notices of jobs the test killed on purpose are no news
	errs=$(grep -vE ': line [0-9]+: +[0-9]+ (Killed|Terminated|Stopped|Segmentation fault|User defined signal [12]) ' \
		"$T/.stderr" 2>/dev/null)
	[ -n "$errs" ] && diag "stderr of the test script:" "$errs"
	_cleanup
	[ "$_failed" -gt 0 ] && status=1
	exit "$status"
}

_on_signal() {
	diag "killed by signal (watchdog after ${UCR_TEST_TIMEOUT:-120} s?)"
	exit 1
}

trap _on_exit EXIT
trap _on_signal TERM INT HUP

# make_user: a throwaway user without privilege for this test, removed
# (with everything it still runs) when the test ends; sets $user, $user_uid
# and $user_gid, and makes $T its to read and search.  as_user COMMAND...
# runs COMMAND as that user, with no capability: setpriv execs it, so $!
# of `as_user ... &' is the command's own pid.
make_user() {
	user=ucrt$$
	useradd -M -U -s /bin/sh "$user" 2>"$T/useradd.err" || {
		diag_file "$T/useradd.err"
		die "cannot create the throwaway user $user"
	}
	# what the tracked processes left (a namespace's pid 1), then the user
	at_cleanup pkill -KILL -u "$user"
	at_cleanup userdel "$user"
	user_uid=$(id -u "$user") user_gid=$(id -g "$user")
	chmod 755 "$T"
}

as_user() {
	setpriv --reuid="$user_uid" --regid="$user_gid" --clear-groups -- "$@"
}

# user_prefix WORKLOAD...: make_user, then ucr installed into $T/prefix (one
# TAP test), the WORKLOADs copied into $T/bin, where the user can run them,
# and $T/u, the user's directory, entered; sets $prefix and u, the words
# that run a command as the user (setpriv execs it: $! is the command's pid)
user_prefix() {
	make_user
	prefix=$T/prefix
	run_cmd 300 "$T/install.out" "$T/install.err" make -C "$top" -s install B="$build" \
		PREFIX="$prefix"
	ok $? "ucr installs into a prefix" || { diag_file "$T/install.err"; die "no install"; }
	mkdir "$T/bin" "$T/u"
	cp "$@" "$T/bin/"
	chown -R "$user:$user" "$T/u"
	cd "$T/u" || die "cannot enter $T/u"
	u=(setpriv --reuid="$user_uid" --regid="$user_gid" --clear-groups --)
}

# ufile NAME...: files the user's processes write, made theirs (empty)
ufile() {
	local f
	for f in "$@"; do
		: >"$f" && chown "$user:$user" "$f"
	done
}

# ufifo NAME: a FIFO of the user's
ufifo() { mkfifo "$1" && chown "$user:$user" "$1"; }

# flipped_copy FILE COPY: COPY is FILE with its middle byte inverted;
# prints that byte's offset
flipped_copy() {
	local size off byte
	size=$(stat -c %s "$1")
	off=$((size / 2))
	cp "$1" "$2" && chmod u+w "$2"
	byte=$(od -An -tu1 -j "$off" -N 1 "$2" | tr -d ' ')
	printf '%b' "\\0$(printf %03o $((byte ^ 0xff)))" |
		dd of="$2" bs=1 seek="$off" conv=notrunc status=none
	echo "$off"
}

# nap SECONDS: pause without starting a process
nap() {
	read -r -t "$1" <>"$T/.nap"
	return 0
}

# spawn OUT ERR COMMAND [ARGS...]: start COMMAND in the background with
# stdin /dev/null, stdout OUT and stderr ERR; sets $spawned and tracks it.
# OUT is truncated; with an OUT of "+FILE", FILE is opened O_APPEND.
spawn() {
	local out=$1 err=$2
	shift 2
	if [[ $out == +* ]]; then
		"$@" </dev/null >>"${out#+}" 2>"$err" &
	else
		"$@" </dev/null >"$out" 2>"$err" &
	fi
	spawned=$!
	track "$spawned"
}

# checkpoint DESCRIPTION ARGS...: run cr_checkpoint ARGS (stdout and stderr
# in $T/ck.out, $T/ck.err) as one TAP test that expects exit status 0
checkpoint() {
	local desc=$1 status
	shift
	run_cmd 60 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" "$@"
	status=$?
	ok "$status" "$desc" && return 0
	diag "cr_checkpoint $* exited with $status"
	diag_file "$T/ck.err" "its stderr"
	return 1
}

# counter_saved: a counter under cr_run (counting into $T/count, its
# output in $T/out), checkpointed with --kill into $T/ctx, and its pid
# free again: one TAP test; sets $orig
counter_saved() {
	mkfifo "$T/ready"
	spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/counter" -r "$T/ready" -n 5 "$T/count"
	orig=$spawned
	wait_ready "$T/ready" || { diag_file "$T/err"; die "the counter did not start"; }
	checkpoint "cr_checkpoint --kill exits 0" --kill -f "$T/ctx" "$orig"
	wait_pid_free "$orig" || die "the counter was not reaped"
}

# start_restart NAME ARGS...: start cr_restart ARGS in the background, its
# stdout and stderr in $T/NAME.out, $T/NAME.err; sets $rpid
start_restart() {
	local name=$1
	shift
	spawn "$T/$name.out" "$T/$name.err" "$bin/cr_restart" "$@"
	# shellcheck disable=SC2034 # used by the tests
	rpid=$spawned
}

# failed_cleanly STATUS: a command failed with an exit code of its own
# (errno-style, 1..123), not by a signal (>= 128) nor a time-out (124)
failed_cleanly() {
	[ "$1" -ge 1 ] && [ "$1" -le 123 ]
}

# checkpointed NAME [CR_CHECKPOINT-OPTIONS... --] WORKLOAD [ARGS...]:
# WORKLOAD ARGS $T/NAME.ready under cr_run (stdout $T/NAME.wl),
# checkpointed to $T/NAME.ctx, asked to check itself after continue
# (SIGUSR1, one line: PASS), then killed: three TAP tests; sets $orig
checkpointed() {
	local name=$1 workload opts=() kids
	shift
	if [[ $1 == -* ]]; then
		while [ "$1" != -- ]; do
			opts+=("$1")
			shift
		done
		shift
	fi
	workload=$1
	shift
	mkfifo "$T/$name.ready"
	spawn "$T/$name.wl" "$T/$name.wlerr" "$bin/cr_run" "$workload" "$@" "$T/$name.ready"
	orig=$spawned
	wait_ready "$T/$name.ready" || { diag_file "$T/$name.wl"; die "$name did not start"; }
	checkpoint "$name: cr_checkpoint ${opts[*]} exits 0" "${opts[@]}" -f "$T/$name.ctx" "$orig"
	ask_report "$orig" "$T/$name.wl"
	is "$(cat "$T/$name.wl")" PASS "$name: after continue, its check says PASS"
	kids=$(children_of "$orig")
	kill_wait "$orig"
	# shellcheck disable=SC2086 # its children, which end with it
	wait_pid_free "$orig" $kids
}

# restarted NAME [CR_RESTART-OPTIONS...]: cr_restart $T/NAME.ctx of a
# process made by checkpointed, asked to check itself again (PASS), then
# killed with cr_restart: two TAP tests, restart_began and restart_checked
restarted() {
	restart_began "$@"
	restart_checked "$1"
}

# restart_began NAME [CR_RESTART-OPTIONS...]: the first half of restarted,
# one TAP test: the process is back and waits; sets $rpid
restart_began() {
	local name=$1
	shift
	start_restart "$name.r" "$@" "$T/$name.ctx"
	wait_restored "$orig" "$rpid" 30
	ok $? "$name: restarted" || diag_file "$T/$name.r.err"
}

# restart_checked NAME: the second half, one TAP test: its check says PASS;
# then it is killed, and cr_restart ends
restart_checked() {
	local name=$1 kids
	: >"$T/$name.wl"
	ask_report "$orig" "$T/$name.wl"
	is "$(cat "$T/$name.wl")" PASS "$name: restarted, its check says PASS" ||
		diag_file "$T/$name.r.err"
	# cr_restart reaps it: in a pid namespace whose init does not reap,
	# an orphan would keep its pid
	kids=$(children_of "$orig")
	kill -KILL "$orig" 2>/dev/null
	wait_exit "$rpid" 30
	[ $? = 255 ] && kill_wait "$rpid"
	# shellcheck disable=SC2086 # its children, which end with it
	wait_pid_free "$orig" $kids
}

# restart_refused NAME DESC TEXT ARGS...: run cr_restart ARGS (stdout and
# stderr in $T/NAME.out, $T/NAME.err) as two TAP tests: it fails cleanly,
# and its stderr names TEXT (a fixed string)
restart_refused() {
	local name=$1 desc=$2 text=$3 status
	shift 3
	run_cmd 60 "$T/$name.out" "$T/$name.err" "$bin/cr_restart" "$@"
	status=$?
	failed_cleanly "$status"
	ok $? "$desc: the restart fails cleanly (exit $status)"
	grep -qF -- "$text" "$T/$name.err"
	ok $? "$desc: and names $text" || diag_file "$T/$name.err"
}

# --- restart faults (tests 73-79) ----------------------------------------
#
# $fbin is the test build of cr_restart, with the faults of
# src/restart/faults.h; UCR_FAULT names one.
# shellcheck disable=SC2034 # used by the tests
fbin=$build/tests/cr_restart-faults

# start_faulty NAME FAULT COMMAND [ARGS...]: start_restart with COMMAND
# ($fbin, or a command that runs it) and UCR_FAULT=FAULT; a pause point
# talks on the FIFO $T/NAME.pause
start_faulty() {
	local name=$1 fault=$2
	shift 2
	mkfifo -m 666 "$T/$name.pause"
	UCR_FAULT=$fault UCR_FAULT_FIFO=$T/$name.pause \
		spawn "$T/$name.out" "$T/$name.err" "$@"
	# shellcheck disable=SC2034 # used by the tests
	rpid=$spawned
}

# paused NAME POINT: cr_restart NAME waits at its pause point POINT
paused() {
	local line
	line=$(timeout --foreground -k 1 30 cat -- "$T/$1.pause")
	[ "$line" = "$2" ] && return 0
	diag "cr_restart did not pause at $2 within 30 s (got '$line')"
	diag_file "$T/$1.err"
	return 1
}

# go_on NAME: let cr_restart NAME go on from its pause
go_on() {
	timeout --foreground 30 bash -c ': >"$1"' _ "$T/$1.pause"
}

# tree_saved NAME WIDTH1 WIDTH2: a tree of 1 + WIDTH1 + WIDTH1 * WIDTH2
# processes under cr_run, checkpointed with --kill to $T/NAME.ctx, its pids
# free again: one TAP test; sets $orig to its root
tree_saved() {
	local name=$1
	mkfifo "$T/$name.ready"
	spawn "$T/$name.wl" "$T/$name.wlerr" "$bin/cr_run" "$wl/tree" "$T/$name.ready" "$2" "$3"
	orig=$spawned
	wait_ready "$T/$name.ready" || { diag_file "$T/$name.wlerr"; die "$name did not start"; }
	checkpoint "$name: cr_checkpoint --kill exits 0" --kill -f "$T/$name.ctx" "$orig"
	# shellcheck disable=SC2046 # pids are words
	wait_pid_free $(saved_pids "$T/$name.ctx") || die "$name was not reaped"
}

# saved_pids CTX: the pids of the processes of the context file CTX
saved_pids() {
	"$bin/cr_info" "$1" | awk '$1 == "process" { sub(":", "", $2); print $2 }'
}

# none_left TIMEOUT PID...: within TIMEOUT seconds, no process of this test
# but the PIDs runs (one whose command line names $T, the way restored
# workloads are told apart from recycled pids); else names them
none_left() {
	local limit=$1 i p a left
	shift
	for ((i = 0; i <= limit * 20; i++)); do
		left=()
		for p in /proc/[0-9]*; do
			p=${p#/proc/}
			[[ " $* $$ $BASHPID " == *" $p "* ]] && continue
			{ mapfile -d '' -t a <"/proc/$p/cmdline"; } 2>/dev/null || continue
			[[ "${a[*]}" == *"$T"* ]] && alive "$p" && left+=("$p")
		done
		[ "${#left[@]}" -eq 0 ] && return 0
		nap 0.05
	done
	diag "still running after $limit s: ${left[*]}"
	for p in "${left[@]}"; do
		_diag_proc "$p"
	done
	return 1
}

# no_debris DIR...: no temporary file of ucr (.ucr-*) in the DIRs
no_debris() {
	local found
	found=$(find "$@" -maxdepth 1 -name '.ucr-*' 2>/dev/null)
	[ -z "$found" ] && return 0
	diag "left behind: $found"
	return 1
}

# run_cmd LIMIT OUT ERR COMMAND [ARGS...]: run COMMAND in the foreground,
# killed after LIMIT seconds; returns its status (124 on time-out)
run_cmd() {
	local limit=$1 out=$2 err=$3
	shift 3
	timeout --foreground -k 2 "$limit" "$@" </dev/null >"$out" 2>"$err"
}

# wait_ready FIFO [TIMEOUT]: wait for a workload's "ready" line on FIFO.
# cat reads to end of file, that is until the workload has closed its end
# too, so that no FIFO is open in the workload when the harness goes on to
# checkpoint it.
wait_ready() {
	local fifo=$1 limit=${2:-30} line
	line=$(timeout --foreground -k 1 "$limit" cat -- "$fifo")
	[ "$line" = ready ] && return 0
	diag "no 'ready' on $fifo within $limit s (got '$line')"
	return 1
}

# lines FILE: number of complete lines in FILE (0 if it does not exist)
lines() {
	local a=() n
	{ mapfile a <"$1"; } 2>/dev/null
	n=${#a[@]}
	[ "$n" -gt 0 ] && [[ ${a[n - 1]} != *$'\n' ]] && n=$((n - 1))
	echo "$n"
}

# _count_lines FILE: like lines, into $_nl, without a subshell
_count_lines() {
	local a=()
	{ mapfile a <"$1"; } 2>/dev/null
	_nl=${#a[@]}
	[ "$_nl" -gt 0 ] && [[ ${a[_nl - 1]} != *$'\n' ]] && _nl=$((_nl - 1))
	return 0
}

# Polls take 0.05 s steps; every TIMEOUT below is in whole seconds.

# wait_file_lines FILE N TIMEOUT: wait until FILE has at least N lines
wait_file_lines() {
	local file=$1 want=$2 limit=$3 i
	for ((i = 0; i <= limit * 20; i++)); do
		_count_lines "$file"
		[ "$_nl" -ge "$want" ] && return 0
		nap 0.05
	done
	diag "$file: $_nl lines after $limit s, wanted $want"
	return 1
}

# wait_exit PID TIMEOUT: wait for the child PID (started by this shell) to
# end, then reap it; returns its wait status, or 255 if it is still running
wait_exit() {
	local pid=$1 limit=$2 i
	for ((i = 0; i <= limit * 20; i++)); do
		alive "$pid" || break
		nap 0.05
	done
	if alive "$pid"; then
		diag "pid $pid still running after $limit s"
		_diag_proc "$pid"
		return 255
	fi
	wait "$pid" 2>/dev/null	# no "Killed" job notice on stderr
}

# wait_gone PID TIMEOUT: wait until PID (not necessarily a child) is gone
wait_gone() {
	local pid=$1 limit=$2 i
	for ((i = 0; i <= limit * 20; i++)); do
		alive "$pid" || return 0
		nap 0.05
	done
	diag "pid $pid still running after $limit s"
	return 1
}

# _waiting_for_usr1 PID: PID sleeps in rt_sigsuspend (x86_64 syscall 130)
# and catches SIGUSR1: the restored workload is back in wl_wait_usr1()
_waiting_for_usr1() {
	local pid=$1 sys key val
	{ read -r sys _ <"/proc/$pid/syscall"; } 2>/dev/null || return 1
	[ "$sys" = 130 ] || return 1
	while read -r key val; do
		[ "$key" = SigCgt: ] && return $((!((16#$val >> 9) & 1)))
	done <"/proc/$pid/status" 2>/dev/null
	return 1
}

# _diag_proc PID: what the process is doing, for a failure diagnosis
_diag_proc() {
	local pid=$1 sys=
	if ! _stat "$pid"; then
		diag "pid $pid: no such process"
		return
	fi
	{ read -r sys _ <"/proc/$pid/syscall"; } 2>/dev/null
	diag "pid $pid: state ${_sf[0]}, ppid ${_sf[1]}, syscall ${sys:-?}," \
		"$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" \
		"$(grep -E '^Sig(Blk|Cgt)' "/proc/$pid/status" 2>/dev/null)"
}

# wait_restored PID PARENT TIMEOUT: wait until the restored process PID is
# a child of PARENT (cr_restart) and waits for SIGUSR1 again; tracks it.
# Only then is SIGUSR1 safe to send: before, it could reach the process
# while its handlers are not yet restored.
wait_restored() {
	local pid=$1 parent=$2 limit=$3 i
	for ((i = 0; i <= limit * 20; i++)); do
		if _stat "$pid" && [ "${_sf[1]}" = "$parent" ] &&
			_waiting_for_usr1 "$pid"; then
			track "$pid"
			return 0
		fi
		alive "$parent" || break
		nap 0.05
	done
	if alive "$parent"; then
		diag "pid $pid not restored and waiting for SIGUSR1 under $parent within $limit s"
		_diag_proc "$pid"
	else
		diag "cr_restart (pid $parent) ended before pid $pid was restored"
	fi
	return 1
}

# wait_restored_child PARENT TIMEOUT: wait until a child of PARENT
# (cr_restart --no-restore-pid) waits for SIGUSR1, as wait_restored does;
# sets $child to its pid and tracks it.  Other children that come and go
# (helpers) are ignored.
wait_restored_child() {
	local parent=$1 limit=$2 i c
	child=
	for ((i = 0; i <= limit * 20; i++)); do
		_children "$parent"
		for c in "${_kids[@]}"; do
			_waiting_for_usr1 "$c" || continue
			child=$c
			track "$child"
			return 0
		done
		alive "$parent" || break
		nap 0.05
	done
	if ! alive "$parent"; then
		diag "cr_restart (pid $parent) ended before any child was restored"
		return 1
	fi
	diag "no child of $parent waits for SIGUSR1 within $limit s (children: ${_kids[*]:-none})"
	for c in "${_kids[@]}"; do
		_diag_proc "$c"
	done
	return 1
}

# children_of PID: the pids of PID's children, on one line
children_of() {
	_children "$1"
	echo "${_kids[*]}"
}

# signal_restored SIGNAL PID RPID TIMEOUT: once the restored process PID
# (child of cr_restart RPID) waits for SIGUSR1, send it SIGNAL and wait for
# cr_restart to end; returns cr_restart's wait status, or 255 when the
# process never got back to its wait and cr_restart had to be killed
signal_restored() {
	local sig=$1 pid=$2 rpid=$3 limit=$4
	if ! wait_restored "$pid" "$rpid" "$limit"; then
		alive "$rpid" || { wait "$rpid" 2>/dev/null; return; }
		kill_tree "$rpid"
		wait "$rpid" 2>/dev/null
		return 255
	fi
	kill "-$sig" "$pid"
	wait_exit "$rpid" "$limit"
}

# usr1_restored PID RPID TIMEOUT: signal_restored USR1 PID RPID TIMEOUT
usr1_restored() {
	signal_restored USR1 "$@"
}

# wait_pid_free PID...: wait up to 30 s until no process (not even a
# zombie) has any of these pids, so that a restart can take them again.
# The orphaned zombies of killed processes go to init, which reaps them
# when it will.
wait_pid_free() {
	local i p busy
	for ((i = 0; i < 600; i++)); do
		busy=
		for p in "$@"; do
			[ -e "/proc/$p" ] && busy=1
		done
		[ -z "$busy" ] && return 0
		nap 0.05
	done
	diag "pids $* still taken after 30 s"
	return 1
}

# in_syscall PID "NR..." TIMEOUT: wait until PID sleeps in one of the
# system calls (x86_64 numbers)
in_syscall() {
	local pid=$1 want=$2 limit=$3 i sys=
	for ((i = 0; i <= limit * 20; i++)); do
		{ read -r sys _ <"/proc/$pid/syscall"; } 2>/dev/null
		[[ " $want " == *" $sys "* ]] && return 0
		nap 0.05
	done
	diag "pid $pid not in system call $want within $limit s (in ${sys:-?})"
	return 1
}

# processes CTX: how many processes the context file CTX holds; cr_info's
# listing stays in CTX.info for a diagnosis
processes() {
	"$bin/cr_info" "$1" >"$1.info" 2>&1
	grep -c '^process' "$1.info"
}

# ask_report PID FILE: SIGUSR1 to a workload that answers with one line
# in FILE (truncated by it, or fresh), and wait up to 30 s for that line
ask_report() {
	kill -USR1 "$1"
	wait_file_lines "$2" 1 30
}

# kill_wait PID: SIGKILL a child of this shell and reap it (frees its pid)
kill_wait() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# seq_file FILE [SKIP]: FILE, after SKIP lines, is exactly 0, 1, ..., N-1
# one per line; prints N, or a diagnosis and fails
seq_file() {
	awk -v skip="${2:-0}" '
		NR <= skip { next }
		$0 != n { printf "line %d is \"%s\", expected %d\n", NR, $0, n; bad = 1; exit }
		{ n++ }
		END { if (!bad) print n; exit bad }' "$1"
}

# file_mode FILE: octal permission bits
file_mode() { stat -c %a -- "$1"; }

# need FILE...: every binary the test uses is built (call before plan);
# a missing one fails the test: `make check` builds them first
need() {
	local f
	for f in "$@"; do
		[ -x "$f" ] || {
			echo "1..1"
			echo "not ok 1 - $f is built"
			_n=1 _failed=1
			exit 1
		}
	done
}
