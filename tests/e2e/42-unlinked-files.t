#!/bin/bash
# 42-unlinked-files: a regular file unlinked while open and mapped is
# saved whole and comes back, after the restart, as one file without a
# name behind both the descriptor and the mapping, with its bytes, its
# offset and its mode: a 64 MiB one mapped shared, a small one mapped
# privately, one made with O_TMPFILE (it never had a name), one whose
# directory moved (--relocate), one whose directory is gone (kept in
# memory, with a warning) and one opened with O_NOFOLLOW, as shm_open(3)
# and the MPI libraries' shared memory open theirs (reopened through
# /proc, a symbolic link, without the flag).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/mapfile"
plan 32

# unlinked_fd PID: "MODE LINKS TARGET" of PID's descriptor on a deleted file
unlinked_fd() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[[ $(readlink "$fd") == *" (deleted)" ]] || continue
		echo "$(stat -L -c '%a %h' "$fd") $(readlink "$fd")"
		return 0
	done
	echo none
}

# restarted_unlinked NAME WHERE [CR_RESTART-OPTIONS]: restarted NAME, and
# its file is still unlinked, mode 640, its path starting with WHERE
restarted_unlinked() {
	local name=$1 where=$2 got
	shift 2
	restart_began "$name" "$@"
	got=$(unlinked_fd "$orig")
	[[ $got == "640 0 $where"*" (deleted)" ]]
	ok $? "$name: its file is unlinked again, mode 640, at $where..." || diag "got: $got"
	# its check: the bytes, the offset, one file behind fd and mapping
	restart_checked "$name"
}

checkpointed big "$wl/mapfile" -u -s $((64 << 20)) "$T/big"
size=$(stat -c %s "$T/big.ctx")
[ "$size" -gt $((64 << 20)) ]
ok $? "big: the context file holds its 64 MiB ($size bytes)"
restarted_unlinked big "$T/"

checkpointed private "$wl/mapfile" -u -p -s 16384 "$T/private"
restarted_unlinked private "$T/"

checkpointed tmpfile "$wl/mapfile" -t "$T/tmpfile"
restarted_unlinked tmpfile "$T/"

checkpointed nofollow "$wl/mapfile" -u -n "$T/nofollow"
restarted_unlinked nofollow "$T/"

mkdir "$T/old"
checkpointed moved "$wl/mapfile" -u "$T/old/file"
mv "$T/old" "$T/new"
restarted_unlinked moved "$T/new/" --relocate "$T/old=$T/new"

mkdir "$T/gone"
checkpointed gone "$wl/mapfile" -u "$T/gone/file"
rmdir "$T/gone"
restarted_unlinked gone /memfd:ucr-unlinked --kmsg-warning
grep -q "cannot make $T/gone/file (deleted) again in its directory" "$T/gone.r.err"
ok $? "gone: a warning says it is kept in memory" || diag_file "$T/gone.r.err"
