#!/bin/bash
# 43-save-options: with --save-exe, --save-private and --save-shared a
# file-backed area whose every page was saved comes back as anonymous
# memory from the context file, and its file is neither opened nor
# checked.  An executable emptied after the checkpoint is refused,
# naming it, unless it was saved (--save-exe); a privately mapped file
# replaced by other bytes likewise (--save-private), and the process then
# sees its saved bytes; a file mapped shared by two processes and removed
# comes back as one shared memory object (--save-shared) for both, with
# the saved bytes.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/mapfile"
plan 24

# --- the executable, emptied ---------------------------------------------
mkdir "$T/bin"
cp "$wl/mapfile" "$T/bin/exe"
checkpointed exe-plain "$T/bin/exe" -p -c "$T/data0"
checkpointed exe-saved --save-exe -- "$T/bin/exe" -p -c "$T/data0"
: >"$T/bin/exe"
chmod -x "$T/bin/exe"
restart_refused exe-plain.r "without --save-exe" "the executable $T/bin/exe changed" \
	"$T/exe-plain.ctx"
restart_began exe-saved
[[ $(readlink "/proc/$orig/exe") == */cr_restart ]]
ok $? "exe-saved: the emptied executable was not taken: /proc/PID/exe is cr_restart's"
restart_checked exe-saved
rm "$T/bin/exe"
restarted exe-saved

# --- a private mapping, its file replaced --------------------------------------
checkpointed private-plain "$wl/mapfile" -p -c -s 16384 "$T/data1"
checkpointed private-saved --save-private -- "$wl/mapfile" -p -c -s 16384 "$T/data1"
rm "$T/data1"
head -c 16384 /dev/zero >"$T/data1"
restart_refused private-plain.r "without --save-private" "mapped file $T/data1 changed" \
	"$T/private-plain.ctx"
restarted private-saved

# --- a shared mapping, its file removed -------------------------------------------
checkpointed shared-saved --save-shared -- "$wl/mapfile" -c -f -s 16384 "$T/data2"
rm "$T/data2"
restart_began shared-saved
grep -q '/memfd:ucr-shm' "/proc/$orig/maps" && [ ! -e "$T/data2" ]
ok $? "shared-saved: its memory is a shared object now; the file was not made again" ||
	diag_file "/proc/$orig/maps"
# its check: a byte the parent writes is what its child reads in its copy
restart_checked shared-saved
