#!/bin/bash
# 54-compress: cr_checkpoint --compress writes zstd frames of 4 MiB of the
# context file each, compressed on every CPU, and cr_restart decompresses
# them on every CPU.  A process holding compressible text comes back
# exactly from a file much smaller than the plain one, also through pipes
# both ways, and the copy cr_restart decompresses into is freed as the
# process's memory is read from it.  Memory mostly random is stored in raw
# frames where it does not compress, at most 1% larger than plain, and
# comes back too; memory all random makes a plain file (a sample of it
# does not compress), which comes back as fast as one made without
# --compress.  A file with a byte
# flipped in a frame, or cut short, is refused with a message and nothing
# is created (its pages are checked before any process is).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/memory" "$fbin"
plan 34

# saved NAME MEMORY-OPTIONS...: the memory workload checkpointed plain
# ($T/NAME.plain), compressed ($T/NAME.ctx) and compressed into a pipe
# ($T/NAME.piped), then checked after continue and killed: four TAP tests
saved() {
	local name=$1
	shift
	mkfifo "$T/$name.ready"
	spawn "$T/$name.wl" "$T/$name.wlerr" "$bin/cr_run" "$wl/memory" "$@" "$T/$name.ready"
	orig=$spawned
	wait_ready "$T/$name.ready" 60 || { diag_file "$T/$name.wlerr"; die "$name did not start"; }
	checkpoint "$name: cr_checkpoint --compress exits 0" --compress -f "$T/$name.ctx" "$orig"
	checkpoint "$name: and a plain one, to compare" -f "$T/$name.plain" "$orig"
	timeout 60 "$bin/cr_checkpoint" --compress -F 1 "$orig" 2>"$T/$name.pk.err" |
		cat >"$T/$name.piped"
	is "${PIPESTATUS[0]}" 0 "$name: cr_checkpoint --compress -F 1 into a pipe exits 0" ||
		diag_file "$T/$name.pk.err"
	ask_report "$orig" "$T/$name.wl"
	is "$(cat "$T/$name.wl")" PASS "$name: after continue, its check says PASS"
	kill_wait "$orig"
	wait_pid_free "$orig"
}

# restored NAME DESC CR_RESTART-ARGS...: the process back, its check PASS,
# then killed: one TAP test
restored() {
	local name=$1 desc=$2
	shift 2
	: >"$T/$name.wl"
	"$bin/cr_restart" "$@" </dev/null >"$T/$name.r.out" 2>"$T/$name.r.err" &
	rpid=$!
	track "$rpid"
	if wait_restored "$orig" "$rpid" 60; then
		ask_report "$orig" "$T/$name.wl"
	fi
	is "$(cat "$T/$name.wl")" PASS "$name: $desc: restarted, its check says PASS" ||
		diag_file "$T/$name.r.err"
	kill -KILL "$orig" 2>/dev/null
	wait_exit "$rpid" 30
	[ $? = 255 ] && kill_wait "$rpid"
	wait_pid_free "$orig"
}

# --- compressible: text -----------------------------------------------------------
saved text -c -m 64 -b 1
zsize=$(stat -c %s "$T/text.ctx")
psize=$(stat -c %s "$T/text.plain")
check "text: the compressed file is under half the plain one ($zsize, $psize bytes)" \
	[ $((zsize * 2)) -lt "$psize" ]
"$bin/cr_info" "$T/text.ctx" >"$T/text.info" 2>&1
grep -q "zstd-compressed" "$T/text.info" && [ "$(grep -c '^process' "$T/text.info")" = 1 ]
ok $? "text: cr_info reads it and says it is compressed" || diag_file "$T/text.info"
if command -v zstd >/dev/null; then
	frames=$(zstd -lv "$T/text.ctx" 2>/dev/null | awk '/^# Zstandard Frames/ { print $NF }')
	check "text: it is one zstd frame per 4 MiB of content ($frames frames)" \
		[ "${frames:-0}" -ge 16 ]
else
	ok 0 "# SKIP zstd is not installed: its frames are not counted"
fi
restored text "from the compressed file" "$T/text.ctx"
restored text "from the compressed stream through a pipe" -F 3 3< <(cat "$T/text.piped")

# memfd_bytes PID: the bytes the decompressed copy of cr_restart PID holds
memfd_bytes() {
	local f
	for f in /proc/"$1"/fd/*; do
		[[ $(readlink "$f" 2>/dev/null) == /memfd:ucr-context* ]] &&
			stat -L -c '%b %B' "$f" | awk '{ print $1 * $2 }' && return 0
	done
	return 1
}
# (the test build's UCR_FAULT=pause:restored holds it once the processes
# have their memory, before they run)
start_faulty freed pause:restored "$fbin" "$T/text.ctx"
paused freed restored
ok $? "freed: cr_restart pauses once the process has its memory"
held=$(memfd_bytes "$rpid")
check "freed: its decompressed copy was freed as it was read (${held:-no} bytes left of 64 MiB)" \
	[ "${held:-$((64 << 20))}" -lt $((8 << 20)) ]
go_on freed
: >"$T/freed.out"
usr1_restored "$orig" "$rpid" 60
is "$?" 0 "freed: the process then runs, and its memory check exits 0" || diag_file "$T/freed.err"
wait_pid_free "$orig"

# --- mostly incompressible: random data (brk) before some text ------------------------
saved mixed -c -m 16 -b 48
zsize=$(stat -c %s "$T/mixed.ctx")
psize=$(stat -c %s "$T/mixed.plain")
"$bin/cr_info" "$T/mixed.ctx" >"$T/mixed.info" 2>&1
grep -q "zstd-compressed" "$T/mixed.info"
ok $? "mixed: the file is compressed" || diag_file "$T/mixed.info"
# between: a number over half another and at most 1% more than it
between() { [ $(($1 * 2)) -gt "$2" ] && [ $(($1 * 100)) -le $(($2 * 101)) ]; }
check "mixed: its random part stored raw, the file over half the plain one ($zsize, $psize bytes)" \
	between "$zsize" "$psize"
restored mixed "from the compressed file" "$T/mixed.ctx"

# --- incompressible: random ---------------------------------------------------------
saved random -m 64 -b 1
rsize=$(stat -c %s "$T/random.ctx")
psize=$(stat -c %s "$T/random.plain")
"$bin/cr_info" "$T/random.ctx" >"$T/random.info" 2>&1
! grep -q "zstd-compressed" "$T/random.info" && grep -q '^process' "$T/random.info"
ok $? "random: a sample does not compress, and the file is a plain one" ||
	diag_file "$T/random.info"
check "random: no larger than the one made without --compress ($rsize, $psize bytes)" \
	[ $((rsize * 100)) -le $((psize * 101)) ]
restored random "from the compressed file" "$T/random.ctx"

# --- damaged ----------------------------------------------------------------------------
flipped_copy "$T/text.ctx" "$T/flip.ctx" >/dev/null
restart_refused flip "a byte flipped in a compressed frame" "damaged" "$T/flip.ctx"
head -c $((zsize / 3)) "$T/mixed.ctx" >"$T/short.ctx"
restart_refused short "a compressed file cut short" "cut short" "$T/short.ctx"
# (the middle of the file is in its random part)
flipped_copy "$T/mixed.ctx" "$T/rflip.ctx" >/dev/null
# a raw frame has no checksum of zstd's: the record's catches the flip
restart_refused rflip "a byte flipped in a raw frame" "checksum mismatch in record" "$T/rflip.ctx"
# the copy in memory is checked before the restorers free it: a damaged
# file never gets as far as its processes (UCR_FAULT=pause:created would
# hold cr_restart there, and nobody answers that pause)
start_faulty early pause:created "$fbin" "$T/rflip.ctx"
wait_exit "$rpid" 20
status=$?
[ "$status" = 255 ] && kill_tree "$rpid"
check "rflip: refused before any process is created (exit status $status)" \
	failed_cleanly "$status"
! alive "$orig"
ok $? "no damaged file created a process"
