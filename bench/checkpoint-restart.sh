#!/bin/bash
# Checkpoint and restart of a process holding SIZE MiB (default 1024) of
# random data (and the cost of --compress on it, which cannot shrink it),
# beside the physical limits on the same disk:
#   - dd writing as much (with and without fsync: cr_checkpoint syncs by
#     default, --nosync does not);
#   - cat reading the context file (page cache), and anon-read reading it
#     into fresh anonymous memory, the floor of any restore that copies;
# and cr_restart --lazy, to the point where the process runs;
# and, run by root, the same restart by a throwaway user without privilege
# (in namespaces of its own) beside root's.
# Prints seconds and ratios; asserts nothing.  Run it with `make bench`.
#
#   bench/checkpoint-restart.sh [SIZE_MIB] [DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
size=${1:-1024}
dir=$(mktemp -d "${2:-$top/build}/bench.XXXXXX")
bin=$top/build/bin
pid=
user=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"
      [ -n "$user" ] && { pkill -KILL -u "$user"; userdel "$user"; }' EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
timed() { local t0; t0=$(now); "$@"; secs "$t0" "$(now)"; }

as=()	# the command prefix that runs as the user, when there is one

start() {
	rm -f "$dir/ready"
	mkfifo -m 666 "$dir/ready"
	"${as[@]}" "$bin/cr_run" "$top/build/tests/memory" -m "$size" -b 8 "$dir/ready" \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	read -r -t 120 _ < "$dir/ready"
}
stop() { kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

dd_sync=$(timed dd if=/dev/zero of="$dir/dd.out" bs=1M count="$size" conv=fsync status=none)
rm -f "$dir/dd.out"
dd_nosync=$(timed dd if=/dev/zero of="$dir/dd.out" bs=1M count="$size" status=none)
rm -f "$dir/dd.out"

start
ckpt_sync=$(timed "$bin/cr_checkpoint" -q -f "$dir/ctx" "$pid")
rm -f "$dir/ctx"
ckpt_nosync=$(timed "$bin/cr_checkpoint" -q --nosync -f "$dir/ctx" "$pid")
# random data does not compress: this is the cost of trying
ckpt_z=$(timed "$bin/cr_checkpoint" -q --nosync --compress -f "$dir/ctx.z" "$pid")
z_mib=$(( $(stat -c %s "$dir/ctx.z") >> 20 ))
rm -f "$dir/ctx.z"
stop
file_mib=$(( $(stat -c %s "$dir/ctx") >> 20 ))

cat_r=$(timed sh -c 'cat "$1" > /dev/null' cat "$dir/ctx")
anon_r=$("$top/build/bench/anon-read" "$dir/ctx")
# --kill: the restored process is killed as soon as it runs again, so the
# time is that of the restore (and of freeing its memory)
rst=$(t0=$(now); "$bin/cr_restart" -q --kill "$dir/ctx" 2>/dev/null || true; secs "$t0" "$(now)")
# --lazy: to the first instruction, the pages left in the file
rst_lazy=$(t0=$(now); "$bin/cr_restart" -q --lazy --kill "$dir/ctx" 2>/dev/null || true
	   secs "$t0" "$(now)")

# The same as an ordinary user: their own checkpoint, their restart.
rst_user=
if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null && useradd -M -U "ucrbench$$" 2>/dev/null; then
	user=ucrbench$$
	chmod 755 "$dir"
	mkdir "$dir/user" && chown "$user:$user" "$dir/user"
	as=(setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups --)
	start
	"${as[@]}" "$bin/cr_checkpoint" -q --nosync -f "$dir/user/ctx" "$pid"
	stop
	rst_user=$(t0=$(now); "${as[@]}" "$bin/cr_restart" -q --kill "$dir/user/ctx" 2>/dev/null || true
		   secs "$t0" "$(now)")
fi

echo "process of $size MiB, context file $file_mib MiB, in $dir"
printf '%-36s %8s s\n' \
	"dd write $size MiB + fsync" "$dd_sync" "cr_checkpoint (--sync, default)" "$ckpt_sync" \
	"dd write $size MiB" "$dd_nosync" "cr_checkpoint --nosync" "$ckpt_nosync" \
	"cr_checkpoint --nosync --compress" "$ckpt_z" \
	"cat context file (page cache)" "$cat_r" "read into new anonymous memory" "$anon_r" \
	"cr_restart" "$rst" "cr_restart --lazy (to running)" "$rst_lazy"
echo "checkpoint/dd: $(ratio "$ckpt_sync" "$dd_sync")x synced, $(ratio "$ckpt_nosync" "$dd_nosync")x not synced"
echo "compressed (random data, zstd level 1): $z_mib MiB, $(ratio "$ckpt_z" "$ckpt_nosync")x the plain checkpoint's time"
echo "restart/cat: $(ratio "$rst" "$cat_r")x   restart/anon-read: $(ratio "$rst" "$anon_r")x"
if [ -n "$rst_user" ]; then
	echo "cr_restart by a user without privilege: $rst_user s, $(awk -v a="$rst_user" -v b="$rst" \
		'BEGIN { printf "%+.0f", (a - b) * 1000 }') ms against root's (namespaces of its own)"
else
	echo "cr_restart by a user: not measured (run the bench as root to create a throwaway user)"
fi
for tool in criu dmtcp_launch; do
	if command -v "$tool" >/dev/null; then
		echo "$tool is installed; it is not compared yet (Debian's criu does not run on this kernel)"
	fi
done
