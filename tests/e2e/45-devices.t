#!/bin/bash
# 45-devices: of a process's descriptors on character devices, those on
# /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom are
# reopened by the restart (by their names, also from a node of theirs
# elsewhere) and work; any other (/dev/ptmx) is closed, and cr_restart
# names it, process, descriptor and path, in a warning shown by default.
# (/dev/tty, reopened too, needs a controlling terminal, which make check
# has not.)
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/devices"
plan 7

mknod "$T/null" c 1 3 && mknod "$T/full" c 1 7 || die "cannot make device nodes"

# fds PID: where descriptors 3 to 10 of PID lead, "-" for none
fds() {
	local fd out=()
	for fd in 3 4 5 6 7 8 9 10; do
		out+=("$fd=$(readlink "/proc/$1/fd/$fd" 2>/dev/null || echo -)")
	done
	echo "${out[*]}"
}

checkpointed dev "$wl/devices" /dev/null /dev/zero /dev/random /dev/urandom /dev/full \
	/dev/ptmx "$T/null" "$T/full"
restart_began dev
is "$(fds "$orig")" \
	"3=/dev/null 4=/dev/zero 5=/dev/random 6=/dev/urandom 7=/dev/full 8=- 9=/dev/null 10=/dev/full" \
	"the five devices are reopened, at any path, /dev/ptmx is closed"
# (/dev/ptmx may be a link to /dev/pts/ptmx)
grep -q "warning: fd 8 of pid $orig (/dev/\(pts/\)\?ptmx) is closed after the restart" "$T/dev.r.err"
ok $? "cr_restart names the closed device, with no option asked" || diag_file "$T/dev.r.err"
is "$(grep -c warning "$T/dev.r.err")" 1 "and nothing else"
restart_checked dev
