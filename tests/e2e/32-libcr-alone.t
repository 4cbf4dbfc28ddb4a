#!/bin/bash
# 32-libcr-alone: libcr.so.0 is the agent alone.  It needs no library but
# libc, exports nothing its version script does not name, stays small, and
# a program under cr_run maps neither libzstd nor libxxhash.  Its restart
# requests run cr_restart: a program restarts a context file twenty times
# in a row through cr_request_restart() while it is itself checkpointed
# over and over and the checkpoint signal is queued to the cr_restart it
# runs, at whatever moment each arrives; every restart succeeds, every root
# is the program's child and ends as it should.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
lib=$build/lib/libcr.so.0
need "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_run" "$wl/restarter" "$wl/exit7" "$wl/sigq"
plan 9

# --- what the library is made of ---------------------------------------------
needed=$(readelf -dW "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
	grep -vx 'libc\.so\.6\|ld-linux-x86-64\.so\.2' | tr '\n' ' ')
is "${needed:-none}" "none" "libcr.so.0 needs libc (and the dynamic loader) alone"

# every name the library defines must match a pattern of the version script
mapfile -t patterns < <(sed -n '/global:/,/local:/p' "$top/src/agent/libcr.map" |
	sed -e 's,/\*.*\*/,,g' -e '/^[[:space:]]*\/\?\*/d' -e 's/global:\|local:/ /' | tr ';' '\n' |
	tr -d ' \t' | grep -v '^$')
stray=""
while read -r sym; do
	sym=${sym%%@*}
	matched=0
	for p in "${patterns[@]}"; do
		# shellcheck disable=SC2053 # the pattern is a glob on purpose
		[[ $sym == $p ]] && { matched=1; break; }
	done
	[ "$matched" = 1 ] || stray="$stray $sym"
done < <(nm -D --defined-only "$lib" | awk '$2 ~ /[TtDdBbRrVvWwi]/ { print $3 }')
is "${stray:-none}" "none" "libcr.so.0 exports only what src/agent/libcr.map names"
check "the version script was read (${#patterns[@]} patterns)" [ "${#patterns[@]}" -gt 10 ]

text=$(size -B "$lib" | awk 'NR == 2 { print $1 }')
check "libcr.so.0's text is under 48 KiB ($text bytes)" [ "$text" -lt 49152 ]

mkfifo "$T/ready"
spawn "$T/e7.out" "$T/e7.err" "$bin/cr_run" "$wl/exit7" "$T/ready"
orig=$spawned
wait_ready "$T/ready" 30 || die "exit7 did not start"
maps=$(grep -c 'libzstd\|libxxhash' "/proc/$orig/maps")
is "$maps" 0 "a program under cr_run maps neither libzstd nor libxxhash"

# --- cr_request_restart() under checkpoint signals -------------------------------
checkpoint "cr_checkpoint of exit7 exits 0" -f "$T/e7.ctx" "$orig"
kill_wait "$orig"
wait_gone "$orig" 30
rounds=40
spawn "$T/rs.out" "$T/rs.err" "$wl/restarter" -n "$rounds" "$T/e7.ctx"
restarter=$spawned
# the checkpoint signal, queued to each cr_restart it runs (just seen as
# its child), as a checkpoint of its tree or group would
while alive "$restarter"; do
	for kid in $(pgrep -P "$restarter" -x cr_restart); do
		"$wl/sigq" 64 0 "$kid" && echo queued
	done
done >"$T/queued" &
track $!
queuer=$!
self_ckpts=0
while alive "$restarter"; do
	run_cmd 30 /dev/null "$T/self.err" "$bin/cr_checkpoint" --pid -f "$T/self.ctx" "$restarter" &&
		self_ckpts=$((self_ckpts + 1))
done
wait "$restarter"
is "$?" 0 "the program's $rounds restarts all succeeded" || diag_file "$T/rs.out"
wait "$queuer"
queued=$(grep -c queued "$T/queued")
expected=$(for ((i = 0; i < rounds; i++)); do echo "round $i root=$orig exited 7"; done)
is "$(cat "$T/rs.out")" "$expected" \
	"each root came back with its pid, as the program's child, and exited 7"
check "checkpoints of the program ($self_ckpts) and signals to its cr_restart ($queued) came meanwhile" \
	[ "$self_ckpts" -gt 0 -a "$queued" -gt 0 ]
