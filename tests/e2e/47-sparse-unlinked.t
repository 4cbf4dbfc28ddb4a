#!/bin/bash
# 47-sparse-unlinked: an unlinked file of 256 MiB that is mostly holes
# (three 4 KiB blocks of data) is saved without its holes, and comes back
# unlinked, with its bytes, its offset, and its holes still holes.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/sparse"
plan 5

checkpointed sparse "$wl/sparse" $((256 << 20)) "$T/sparse"
size=$(stat -c %s "$T/sparse.ctx")
[ "$size" -lt $((16 << 20)) ]
ok $? "the context file holds its data, not its holes ($size bytes)"
# its check: unlinked, its bytes and offset, and no more than 1 MiB of disk
restarted sparse
