#!/bin/bash
# 40-mapped-files: a file mapped shared and writable is the program's own
# to change: written through its mapping after the checkpoint (and its
# mtime moved), the restart takes it as it is, and the mapping shows the
# file's bytes, one file behind the mapping and the descriptor.  A file
# mapped privately that changed (a page it did not write) is refused,
# naming it, with no process.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/mapfile"
plan 9

# --- shared and writable: changed by the program, restarted ----------------
checkpointed shared "$wl/mapfile" "$T/shared"
# its write through the mapping moved the mtime already; make it certain
touch -m -d @1000000000 "$T/shared"
restarted shared

# --- private: changed by someone else, refused -------------------------------
checkpointed private "$wl/mapfile" -p -s 16384 "$T/private"
touch -m -d @1000000000 "$T/private"
restart_refused private.r private "mapped file $T/private changed" "$T/private.ctx"
! alive "$orig"
ok $? "private: no process was created"
