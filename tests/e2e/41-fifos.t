#!/bin/bash
# 41-fifos: named FIFOs, both ends in one process, with unread bytes, as
# BLCR keeps them.  A FIFO whose name is gone at restart is made again at
# it with its mode; two hard links to one FIFO, both gone, come back as
# one FIFO; a FIFO unlinked before the checkpoint comes back without a
# name (and leaves none behind); --relocate moves a FIFO with its
# directory.  Each time the process checks its three descriptors (one
# FIFO, its mode and links, O_NONBLOCK on the read end alone) and the
# bytes in it.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/fifoself"
plan 27

# --- a FIFO still there; then one removed after the checkpoint ----------------
checkpointed named "$wl/fifoself" "$T/fifo"
restarted named
rm "$T/fifo"
restarted named
[ -p "$T/fifo" ] && [ "$(file_mode "$T/fifo")" = 604 ]
ok $? "named: the FIFO is made again at its path, mode 604"

# --- two names of one FIFO, both removed ---------------------------------------
checkpointed linked "$wl/fifoself" -l "$T/link2" "$T/link1"
rm "$T/link1" "$T/link2"
restarted linked
[ -p "$T/link1" ] && [ "$(stat -c %i "$T/link1")" = "$(stat -c %i "$T/link2")" ]
ok $? "linked: both names are back, on one FIFO"

# --- unlinked before the checkpoint --------------------------------------------
checkpointed unlinked "$wl/fifoself" -u "$T/gone"
restarted unlinked
[ ! -e "$T/gone" ] && [ -z "$(find "$T" -maxdepth 1 -name '.ucr-fifo*')" ]
ok $? "unlinked: it has no name after the restart, and left none"
mkdir "$T/sub"
checkpointed unlinked-sub "$wl/fifoself" -u "$T/sub/gone"
rmdir "$T/sub"
restarted unlinked-sub
[ ! -e "$T/sub" ] && [ -z "$(find /tmp -maxdepth 1 -name ".ucr-fifo.$rpid.*")" ]
ok $? "unlinked, its directory gone: made in /tmp, and left nothing there"

# --- relocated ------------------------------------------------------------------
mkdir "$T/old"
checkpointed moved "$wl/fifoself" "$T/old/fifo"
mv "$T/old" "$T/new"
rm "$T/new/fifo"
restarted moved --relocate "$T/old=$T/new"
[ -p "$T/new/fifo" ] && [ ! -e "$T/old" ]
ok $? "moved: the FIFO is made again under the new directory"
