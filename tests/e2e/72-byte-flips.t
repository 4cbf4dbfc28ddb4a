#!/bin/bash
# 72-byte-flips: every byte of a context file counts.  Each byte of the
# first 64 KiB of a small file, and one in 997 of the rest, flipped in
# turn: the reader cr_restart and cr_info share refuses every one (the
# padding between records too); and cr_restart itself, given some of them,
# refuses with a message naming the damage and starts no process.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/counter" "$build/tests/tools/flipcheck"
plan 5

counter_saved

run_cmd 300 "$T/flip.out" "$T/flip.err" "$build/tests/tools/flipcheck" "$T/ctx"
is "$?:$(tail -n 1 "$T/flip.out" | sed 's/flipped [0-9]*, //')" "0:accepted 0" \
	"every flipped byte is refused ($(tail -n 1 "$T/flip.out"))" || diag_file "$T/flip.out"

# cr_restart on a few: the header, a record's padding, page data, the end
size=$(stat -c %s "$T/ctx")
# the first padding byte after a record (records: 16-byte header with the
# length at 8, payload, 8-byte checksum, then zeros to a multiple of 8)
pad=$(python3 - "$T/ctx" <<'EOS'
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 0
while off + 24 <= len(d):
    n = struct.unpack_from("<Q", d, off + 8)[0]
    end = off + 16 + n + 8
    if end % 8:
        print(end)
        break
    off = end
EOS
)
refused=0 named=0 started=0
for off in 40 "$pad" $((size / 2)) $((size - 3)); do
	cp "$T/ctx" "$T/bad" && chmod u+w "$T/bad"
	printf '\xa5' | dd of="$T/bad" bs=1 seek="$off" conv=notrunc status=none
	run_cmd 60 "$T/r.out" "$T/r.err" "$bin/cr_restart" "$T/bad"
	failed_cleanly $? && refused=$((refused + 1))
	grep -qiE "damaged|not a ucr context file|cut short" "$T/r.err" && named=$((named + 1)) ||
		diag "offset $off: $(cat "$T/r.err")"
	[ -e "/proc/$orig" ] && started=$((started + 1))
done
is "$refused" 4 "cr_restart refuses each of 4 damaged copies"
is "$named" 4 "saying the file is damaged" || diag_file "$T/r.err"
is "$started" 0 "and starts no process"
