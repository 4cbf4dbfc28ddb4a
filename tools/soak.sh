#!/bin/bash
# tools/soak.sh BUILD [CYCLES]: make soak.  Checkpoint-restart cycles of
# self-checking workloads (one thread, 8 threads, a tree joined by a
# pipe, and a process under cr_run that checkpoints itself through
# libcr), CYCLES each (1000 by default): odd cycles checkpoint with --kill
# (the self-checkpointing one is killed after its checkpoint) and restart
# the file, even ones checkpoint and let it run on.  At the
# end each workload checks itself (PASS); the figures of the first and
# last cycles show any growth: descriptors, maps, threads and resident
# memory of the workload's root, and the largest resident size of
# cr_checkpoint and of cr_restart.  Exit 0 when every workload passed and
# nothing grew.
set -u
build=$(cd "$1" && pwd) cycles=${2:-1000}
bin=$build/bin wl=$build/tests
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ucr-soak.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fail=0

# figures PID: "fds maps threads rss_kib" of a process
figures() {
	local fds maps threads rss
	fds=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
	maps=$(wc -l <"/proc/$1/maps" 2>/dev/null)
	threads=$(ls "/proc/$1/task" 2>/dev/null | wc -l)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	echo "$fds $maps $threads ${rss:-0}"
}
gone() {	# gone PID...: none of them is there any more
	local p
	for p in "$@"; do [ -e "/proc/$p" ] && return 1; done
	return 0
}
wait_for() {	# wait_for SECONDS COMMAND...: until COMMAND succeeds
	local i limit=$(($1 * 20))
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
running() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }
# under ROOT RESTARTER: ROOT runs again, as the child of its cr_restart
under() { running "$1" && [ "$(awk '{ print $4 }' "/proc/$1/stat" 2>/dev/null)" = "$2" ]; }
# restarted ROOT RESTARTER: ROOT runs again, or its cr_restart has ended
# settled PID...: each has libcr mapped and serves no request: restored,
# and past its restart (a root is cr_restart's child from its clone on)
settled() {
	local p
	for p in "$@"; do
		grep -q libcr "/proc/$p/maps" 2>/dev/null || return 1
		ls -l "/proc/$p/fd" 2>/dev/null | grep -q ucr-busy && return 1
	done
	return 0
}
# restarted ROOT RESTARTER PID...: ROOT runs again with PIDs settled, or
# its cr_restart has ended
restarted() {
	local root=$1 rpid=$2
	shift 2
	{ under "$root" "$rpid" && settled "$@"; } || [ ! -e "/proc/$rpid" ]
}

# soak NAME CHECKER-OF-ROOT COMMAND...: COMMAND says ready on $tmp/ready
# (its last argument); CHECKER-OF-ROOT prints the pid to send SIGUSR1 to
# for the final check, given the root's pid
soak() {
	local name=$1 checker=$2 root rpid= first last ck_rss=0 ck_first=0 rs_rss=0 rs_first=0 i st r
	local tree try
	shift 2
	rm -f "$tmp/ready" "$tmp/out" && mkfifo "$tmp/ready"
	"$bin/cr_run" "$@" "$tmp/ready" </dev/null >"$tmp/out" 2>"$tmp/err" &
	root=$!
	disown "$root"
	pids+=("$root")
	timeout 60 cat "$tmp/ready" >/dev/null || { echo "$name: did not start"; fail=1; return; }
	first=$(figures "$root")
	for ((i = 1; i <= cycles; i++)); do
		if ((i % 2)); then
			# every pid and tid the restart will want again
			# shellcheck disable=SC2207 # pids are words
			tree=($(for p in "$root" $(pgrep -P "$root"); do ls "/proc/$p/task"; done))
			/usr/bin/time -f %M -o "$tmp/ck.rss" "$bin/cr_checkpoint" --kill --nosync \
				-f "$tmp/ctx" "$root" 2>"$tmp/ck.err" || break
			wait_for 30 gone "${tree[@]}" || break
			# a pid freed by the kill may be taken by a passing process
			# meanwhile (pids wrap at pid_max): a restart refused for
			# a pid in use is tried again
			for ((try = 0; try < 50; try++)); do
				"$bin/cr_restart" "$tmp/ctx" </dev/null >/dev/null 2>"$tmp/rs.err" &
				rpid=$!
				disown "$rpid"
				pids+=("$rpid")
				wait_for 30 restarted "$root" "$rpid" "${tree[@]}"
				under "$root" "$rpid" || ! grep -q "is in use" "$tmp/rs.err" && break
				sleep 0.1
			done
			under "$root" "$rpid" || break
			r=$(awk '/^VmHWM/ { print $2 }' "/proc/$rpid/status" 2>/dev/null)
			((i == 1)) && rs_first=${r:-0}
			rs_rss=${r:-0}
		else
			/usr/bin/time -f %M -o "$tmp/ck.rss" "$bin/cr_checkpoint" --nosync \
				-f "$tmp/ctx" "$root" 2>"$tmp/ck.err" || break
		fi
		r=$(cat "$tmp/ck.rss")
		((i == 1)) && ck_first=$r
		ck_rss=$r
	done
	last=$(figures "$root")
	if ((i <= cycles)); then
		echo "$name: cycle $i failed: $(cat "$tmp/ck.err" "$tmp/rs.err" 2>/dev/null | head -n 2)"
		fail=1
		return
	fi
	kill -USR1 "$($checker "$root")"
	wait_for 60 gone "$root"
	st=$(grep -c '^PASS' "$tmp/out")
	echo "$name: $cycles cycles, self-check $([ "$st" -ge 1 ] && echo PASS || echo FAIL)," \
	     "root fds/maps/threads/rss_kib $first -> $last," \
	     "cr_checkpoint max rss $ck_first -> $ck_rss KiB, cr_restart $rs_first -> $rs_rss KiB"
	[ "$st" -ge 1 ] || fail=1
	read -r f0 m0 t0 _ <<<"$first"
	read -r f1 m1 t1 _ <<<"$last"
	if [ "$f1" -gt "$f0" ] || [ "$m1" -gt $((m0 + 2)) ] || [ "$t1" -gt "$t0" ]; then
		echo "$name: GROWTH"
		fail=1
	fi
}

# soak_self NAME: selfckpt -l under cr_run, which checkpoints itself on
# each SIGUSR1 and says so ("continue N", "restarted N" after a restart);
# odd cycles kill it after its checkpoint and restart the file.  Its
# lines must count every cycle, in order, each as it should end.
soak_self() {
	local name=$1 root rpid= first last rs_first=0 rs_rss=0 i r want
	rm -f "$tmp/ready" "$tmp/out" && mkfifo "$tmp/ready"
	"$bin/cr_run" "$wl/selfckpt" -l "$tmp/ctx" "$tmp/ready" </dev/null >"$tmp/out" 2>"$tmp/err" &
	root=$!
	disown "$root"
	pids+=("$root")
	timeout 60 cat "$tmp/ready" >/dev/null || { echo "$name: did not start"; fail=1; return; }
	first=$(figures "$root")
	for ((i = 1; i <= cycles; i++)); do
		kill -USR1 "$root"
		wait_for 30 grep -qx "continue $i" "$tmp/out" || break
		((i % 2)) || continue
		kill -KILL "$root"
		wait_for 30 gone "$root" || break
		"$bin/cr_restart" "$tmp/ctx" </dev/null >/dev/null 2>"$tmp/rs.err" &
		rpid=$!
		disown "$rpid"
		pids+=("$rpid")
		# the restart cuts its stdout back to the checkpoint's size:
		# "restarted N" takes the place of "continue N"
		wait_for 30 grep -qx "restarted $i" "$tmp/out" || break
		under "$root" "$rpid" || break
		r=$(awk '/^VmHWM/ { print $2 }' "/proc/$rpid/status" 2>/dev/null)
		((i == 1)) && rs_first=${r:-0}
		rs_rss=${r:-0}
	done
	last=$(figures "$root")
	kill -KILL "$root" 2>/dev/null
	want=$(for ((r = 1; r < i; r++)); do
		if ((r % 2)); then echo "restarted $r"; else echo "continue $r"; fi
	done)
	if ((i <= cycles)) || [ "$(cat "$tmp/out")" != "$want" ]; then
		echo "$name: cycle $i failed: $(diff <(echo "$want") "$tmp/out" | head -n 3)" \
		     "$(head -n 2 "$tmp/rs.err" "$tmp/err" 2>/dev/null)"
		fail=1
		return
	fi
	echo "$name: $cycles cycles, self-check PASS, root fds/maps/threads/rss_kib $first -> $last," \
	     "cr_restart $rs_first -> $rs_rss KiB"
	read -r f0 m0 t0 _ <<<"$first"
	read -r f1 m1 t1 _ <<<"$last"
	if [ "$f1" -gt "$f0" ] || [ "$m1" -gt $((m0 + 2)) ] || [ "$t1" -gt "$t0" ]; then
		echo "$name: GROWTH"
		fail=1
	fi
}

self() { echo "$1"; }
child() { pgrep -P "$1" | head -n 1; }
soak counter self "$wl/counter" -n 5 "$tmp/count" -r
soak threads self "$wl/threads" -n 8
soak pipeseq child "$wl/pipeseq"
soak_self selfckpt
exit $fail
