#!/bin/bash
# 69-disk-faults: the disk fills up at the start, in the middle and at the
# end of the context file (a small tmpfs the test mounts), or the file
# system is read-only: cr_checkpoint fails with ENOSPC (28) or EROFS (30),
# leaves nothing in the directory (no file at the final name, no
# temporary one), and the process runs on with its memory intact (its own
# check of every page).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$wl/memory"
plan 9

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/memory" -m 32 -b 1 "$T/ready"
orig=$spawned
wait_ready "$T/ready" 60 || { diag_file "$T/err"; die "memory did not start"; }
checkpoint "a checkpoint to a roomy disk exits 0" --nosync -f "$T/whole" "$orig"
size=$(stat -c %s "$T/whole")
rm -f "$T/whole"

mnt=$T/mnt
mkdir "$mnt"
at_cleanup umount "$mnt"
# full_at NAME KIB OPTIONS: a tmpfs of KIB KiB (mounted with OPTIONS),
# and a checkpoint into it; its status and what the directory holds
full_at() {
	local name=$1 kib=$2 opts=$3 st
	mount -t tmpfs -o "size=${kib}k$opts" tmpfs "$mnt" || die "cannot mount a tmpfs"
	run_cmd 60 "$T/$name.out" "$T/$name.err" "$bin/cr_checkpoint" -f "$mnt/ctx" "$orig"
	st=$?
	echo "$st [$(ls -A "$mnt")]"
	umount "$mnt"
}
kib=$(((size + 1023) / 1024))
is "$(full_at start 4 "")" "28 []" "the disk full at the start: ENOSPC, nothing left"
is "$(full_at middle $((kib / 2)) "")" "28 []" "in the middle ($((kib / 2)) of $kib KiB): ENOSPC, nothing left"
# (64 KiB short: a few pages of stack and libc differ from one checkpoint
# to the next)
is "$(full_at end $((kib - 64)) "")" "28 []" "at the end ($((kib - 64)) of $kib KiB): ENOSPC, nothing left"
is "$(full_at ro $((kib * 2)) ",ro")" "30 []" "a read-only file system: EROFS, nothing left"
grep -q "No space left on device" "$T/middle.err"
ok $? "cr_checkpoint says so" || diag_file "$T/middle.err"

check "the process still runs" alive "$orig"
kill -USR1 "$orig"
wait_exit "$orig" 30
is "$?" 0 "and its memory is intact (its own check)"
is "$(tail -n 1 "$T/out")" PASS "it says PASS"
