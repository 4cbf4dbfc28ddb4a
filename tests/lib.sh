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

top=$(cd "$(dirname "$0")/../.." && pwd -P)
bin=$top/build/bin
# shellcheck disable=SC2034 # used by the tests
wl=$top/build/tests

ulimit -c 0		# a crash must not leave a core file anywhere

# Physical path: the commands see paths as /proc shows them (no symlinks).
if ! T=$(mktemp -d "${TMPDIR:-/tmp}/ucr-e2e.XXXXXX") || ! T=$(cd "$T" && pwd -P); then
	echo "Bail out! cannot make a temporary directory"
	exit 1
fi
mkfifo "$T/.nap" || exit 1

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

# _stat PID: sets _sf to the fields of /proc/PID/stat from field 3 (state)
# on, so that _sf[0] is the state, _sf[1] the ppid, _sf[19] the start time.
_stat() {
	local s
	{ s=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
	read -r -a _sf <<<"${s##*) }"
}

starttime() { _stat "$1" && echo "${_sf[19]}"; }
ppid_of() { _stat "$1" && echo "${_sf[1]}"; }
state_of() { _stat "$1" && echo "${_sf[0]}"; }

# track PID: remember a process to kill at the end.  A pid is killed only
# while it is still the same process (same start time), or when its command
# line names this test's directory (a restored process: same pid, new start
# time), so a recycled pid is never hit.
track() {
	_pids+=("$1:$(starttime "$1")")
}

_is_ours() {
	local pid=$1 st=$2 cmd
	_stat "$pid" || return 1
	[ -n "$st" ] && [ "${_sf[19]}" = "$st" ] && return 0
	{ cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline"); } 2>/dev/null || return 1
	[[ $cmd == *"$T"* ]]
}

_children() {
	cat "/proc/$1/task/"*/children 2>/dev/null
}

# _descendants PID: stop and print every descendant (a restored process is
# a child of cr_restart, not of the test shell)
_descendants() {
	local c
	for c in $(_children "$1"); do
		kill -STOP "$c" 2>/dev/null
		echo "$c"
		_descendants "$c"
	done
}

# alive PID: the process runs (exists and is not a zombie)
alive() {
	local s
	s=$(state_of "$1") && [ "$s" != Z ] && [ "$s" != X ]
}

_cleanup() {
	local e pid victims=()
	trap - EXIT TERM INT HUP
	for e in "${_pids[@]}"; do
		pid=${e%%:*}
		_is_ours "$pid" "${e#*:}" || continue
		kill -STOP "$pid" 2>/dev/null
		mapfile -t -O "${#victims[@]}" victims < <(_descendants "$pid")
		victims+=("$pid")
	done
	for pid in "${victims[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	for e in "${_pids[@]}"; do
		wait "${e%%:*}" 2>/dev/null
	done
	cd / && rm -rf "$T"
}

_on_exit() {
	local status=$?
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
	run_cmd 120 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" "$@"
	status=$?
	ok "$status" "$desc" && return 0
	diag "cr_checkpoint $* exited with $status"
	diag_file "$T/ck.err" "its stderr"
	return 1
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
	local n
	n=$(wc -l 2>/dev/null <"$1") || n=0
	echo "${n:-0}"
}

# wait_file_lines FILE N TIMEOUT: wait until FILE has at least N lines
wait_file_lines() {
	local file=$1 want=$2 limit=$3 i steps
	steps=$(awk -v t="$limit" 'BEGIN { printf "%d", t / 0.05 + 1 }')
	for ((i = 0; i < steps; i++)); do
		[ "$(lines "$file")" -ge "$want" ] && return 0
		nap 0.05
	done
	diag "$file: $(lines "$file") lines after $limit s, wanted $want"
	return 1
}

# wait_exit PID TIMEOUT: wait for the child PID (started by this shell) to
# end, then reap it; returns its wait status, or 255 if it is still running
wait_exit() {
	local pid=$1 limit=$2 i steps
	steps=$(awk -v t="$limit" 'BEGIN { printf "%d", t / 0.05 + 1 }')
	for ((i = 0; i < steps; i++)); do
		alive "$pid" || break
		nap 0.05
	done
	if alive "$pid"; then
		diag "pid $pid still running after $limit s"
		return 255
	fi
	wait "$pid" 2>/dev/null	# no "Killed" job notice on stderr
}

# wait_gone PID TIMEOUT: wait until PID (not necessarily a child) is gone
wait_gone() {
	local pid=$1 limit=$2 i steps
	steps=$(awk -v t="$limit" 'BEGIN { printf "%d", t / 0.05 + 1 }')
	for ((i = 0; i < steps; i++)); do
		alive "$pid" || return 0
		nap 0.05
	done
	diag "pid $pid still running after $limit s"
	return 1
}

# _waiting_for_usr1 PID: PID sleeps in rt_sigsuspend (x86_64 syscall 130)
# and catches SIGUSR1: the restored workload is back in wl_wait_usr1()
_waiting_for_usr1() {
	local pid=$1 sys cgt
	{ read -r sys _ <"/proc/$pid/syscall"; } 2>/dev/null || return 1
	[ "$sys" = 130 ] || return 1
	cgt=$(awk '/^SigCgt:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	[ -n "$cgt" ] && (((16#$cgt >> 9) & 1))
}

# wait_restored PID PARENT TIMEOUT: wait until the restored process PID is
# a child of PARENT (cr_restart) and waits for SIGUSR1 again; tracks it.
# Only then is SIGUSR1 safe to send: before, it could reach the process
# while its handlers are not yet restored.
wait_restored() {
	local pid=$1 parent=$2 limit=$3 i steps
	steps=$(awk -v t="$limit" 'BEGIN { printf "%d", t / 0.05 + 1 }')
	for ((i = 0; i < steps; i++)); do
		if [ "$(ppid_of "$pid")" = "$parent" ] && _waiting_for_usr1 "$pid"; then
			track "$pid"
			return 0
		fi
		alive "$parent" || break
		nap 0.05
	done
	diag "pid $pid not restored and waiting for SIGUSR1 under $parent within $limit s"
	return 1
}

# wait_child PARENT TIMEOUT: wait until PARENT has exactly one child, set
# $child to its pid and track it
wait_child() {
	local parent=$1 limit=$2 i steps kids=()
	child=
	steps=$(awk -v t="$limit" 'BEGIN { printf "%d", t / 0.05 + 1 }')
	for ((i = 0; i < steps; i++)); do
		read -r -a kids <<<"$(_children "$parent")"
		if [ "${#kids[@]}" -eq 1 ]; then
			child=${kids[0]}
			track "$child"
			return 0
		fi
		alive "$parent" || break
		nap 0.05
	done
	diag "no single child of $parent within $limit s (children: ${kids[*]:-none})"
	return 1
}

# kill_wait PID: SIGKILL a child of this shell and reap it (frees its pid)
kill_wait() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
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
