#!/bin/bash
# Checkpoint and restart of a process holding SIZE MiB of random data and
# of compressible text (tests/workloads/memory -c), beside the physical
# limits on the same disk measured in the same run:
#   - dd writing as much (with and without fsync: cr_checkpoint syncs by
#     default, --nosync does not) right beside each checkpoint, its ratio
#     the median of the pairs' (beside), dd reading the context file (page cache),
#     and anon-read reading it into fresh anonymous memory, the floor of any
#     restore that copies;
# for each: cr_checkpoint (sync, --nosync, the --cow downtime, --compress
# and its size beside gzip -6 of the plain file), cr_restart (eager, --lazy
# to the point where the process runs, of the compressed file), and the
# eager and lazy restarts up to the point where the restored process,
# sent SIGUSR1, has hashed all its memory again and printed PASS (every
# page then in; a FAIL is printed loudly); the --nosync checkpoint and
# eager restart of the same memory filled by 4 threads (memory -T 4),
# which the checkpoint holds; at each size, tests/workloads/dirty's full
# --nosync checkpoint and its increment (--incremental) after 1% of the
# pages were written again, seconds and size, and what a never-touched
# mapping of SIZE MiB (memory -m 16 -u SIZE) adds to the --nosync
# checkpoint of 16 MiB beside -u 16, in ms and bytes; then a 50-process
# tree, tests/workloads/threads with 10 and 200 threads (checkpoint
# --nosync and restart, and what each more thread adds), and the memory
# workloads and the tree through CRIU and DMTCP when found (criu and
# dmtcp_launch on the PATH, or CRIU=/path/to/criu,
# DMTCP=/dmtcp/prefix/bin; only the figures those tools have: not the
# verified, 4-thread, incremental, never-touched or threads ones).  Each figure
# is the median of BENCH_RUNS (3) runs, the sizes and kinds interleaved in
# each run: this kind of machine's timings vary by 2x from run to run.
# Prints seconds and ratios; asserts nothing.  Run it with `make bench`.
#
#   bench/checkpoint-restart.sh [SIZE_MIB...] [big]
#
# Sizes default to 64 and 1024; `big` or BENCH_BIG=1 adds 4096 (a small CI
# machine may not hold it twice).  BENCH_DIR: where the files go (build/).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sizes=()
for a in "$@"; do
	case $a in
	big) sizes+=(4096) ;;
	*[!0-9]* | "") echo "usage: $0 [SIZE_MIB...] [big]" >&2; exit 2 ;;
	*) sizes+=("$a") ;;
	esac
done
[ ${#sizes[@]} = 0 ] && sizes=(64 1024)
[ "${BENCH_BIG:-0}" = 1 ] && [[ " ${sizes[*]} " != *" 4096 "* ]] && sizes+=(4096)
runs=${BENCH_RUNS:-3}
dir=$(mktemp -d "${BENCH_DIR:-$top/build}/bench.XXXXXX")
bin=$top/build/bin
wl=$top/build/tests
pids=()
user=
# (set +e: under set -e the first kill of a process already gone would end
# the trap there, leaving the directory and the user behind, and make the
# script's status 1)
trap 'set +e; for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$dir"
      [ -n "$user" ] && { pkill -KILL -u "$user"; userdel "$user"; }' EXIT
# Run by root, the restart by an ordinary user too (in namespaces of its
# own, issue 11), beside root's: a throwaway user, removed at the end.
as=()
if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null && useradd -M -U "ucrbench$$" 2>/dev/null
then
	user=ucrbench$$
	chmod 755 "$dir"
	mkdir "$dir/user" && chown "$user:$user" "$dir/user"
	as=(setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups --)
fi

criu=${CRIU:-$(command -v criu || true)}
dmtcp=${DMTCP:-$(dirname "$(command -v dmtcp_launch || echo /nonexistent/x)")}
[ -x "$dmtcp/dmtcp_launch" ] || dmtcp=

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# rec KEY VALUE: one more measurement of KEY
rec() { echo "$2" >>"$dir/res.$1"; }
# timed KEY COMMAND...: COMMAND's seconds, recorded as KEY
timed() {
	local key=$1 t0
	shift
	t0=$(now)
	"$@" >/dev/null 2>"$dir/timed.err" || { echo "bench: $key: $* failed:" \
		"$(head -c 300 "$dir/timed.err")" >&2; }
	rec "$key" "$(secs "$t0" "$(now)")"
}
# restarted KEY ARGS...: cr_restart --kill ARGS timed as KEY; the restored
# processes are killed as soon as they run again, so the time is that of
# the restore (and of freeing their memory), and the status a kill's.
# Another status (-q prints not even errors) is a failure, said on stderr
# and counted in fail.KEY.
restarted() {
	local key=$1 t0 st=0
	shift
	t0=$(now)
	# (in a subshell whose stderr takes the shell's "Killed")
	(exec 2>/dev/null; "$bin/cr_restart" -q --kill "$@" >/dev/null 2>"$dir/timed.err") || st=$?
	rec "$key" "$(secs "$t0" "$(now)")"
	restart_status "$key" "$st" "cr_restart $*"
}
# restart_status KEY STATUS WHAT: a restart with --kill ends killed (137);
# else says so and counts it in fail.KEY
restart_status() {
	[ "$2" = 137 ] && return 0
	echo "bench: FAIL: $1: $3: exit status $2, not killed" >&2
	rec "fail.$1" "exit status $2, not killed"
}
# gone PGID: until no process of the group is left (the orphans of a
# killed tree are reaped by init, when it will), so that a restore can
# take their pids again
gone() {
	local i
	for ((i = 0; i < 1000; i++)); do
		kill -0 -- "-$1" 2>/dev/null || return 0
		sleep 0.01
	done
}
# nap SECONDS: sleep without a fork (a read that times out on a FIFO
# opened both ways, which never has data; opened for the read only, so
# that no process started inherits it), so that polling is fine-grained
mkfifo "$dir/nap"
nap() { read -r -t "$1" _ <>"$dir/nap" || true; }
# restored PID PARENT: PID is PARENT's child (cr_restart's, without
# --kill) and waits for SIGUSR1 in rt_sigsuspend with its handler
# installed, as tests/lib.sh's wait_restored sees it: only then may it be
# signalled.  Gives up after 300 s, or when PARENT ends.
restored() {
	local pid=$1 parent=$2 t0=$SECONDS st sys key val
	while ((SECONDS - t0 <= 300)) && kill -0 "$parent" 2>/dev/null; do
		if { read -r st <"/proc/$pid/stat" && read -r sys _ <"/proc/$pid/syscall"; } 2>/dev/null
		then
			st=${st##*) }	# after the command's name: state, ppid...
			st=${st#* }
			if [ "${st%% *}" = "$parent" ] && [ "$sys" = 130 ]; then
				val=0
				{ while read -r key val; do
					[ "$key" = SigCgt: ] && break
				done <"/proc/$pid/status"; } 2>/dev/null
				(((16#$val >> 9) & 1)) && return 0
			fi
		fi
		nap 0.001
	done
	return 1
}
# child_of PID PARENT: PID is PARENT's child (PARENT a child of this shell
# not waited for yet, so that PID cannot be another process's)
child_of() {
	local st
	{ read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
	st=${st##*) }
	st=${st#* }
	[ "${st%% *}" = "$2" ]
}
# said FILE TEXT SECONDS: until a line of FILE starts with TEXT, or FAIL,
# or SECONDS pass; the first such line in $said
said() {
	local file=$1 text=$2 limit=$3 t0 line
	t0=$SECONDS
	while ((SECONDS - t0 <= limit)); do
		while read -r line; do
			said=$line
			[[ $line == "$text"* || $line == FAIL* ]] && return 0
		done <"$file"
		nap 0.001
	done
	said=
	return 1
}
# verified KEY ARGS...: cr_restart ARGS (not --kill) of the memory
# workload $pid (the restored one has the pid it had and writes to
# $dir/wl.out, the original's stdout, emptied first), sent SIGUSR1 once it
# waits again: the seconds from the start of cr_restart until it printed
# PASS (having hashed all its memory again), recorded as KEY.  A FAIL or
# no answer within 300 s is said on stderr and counted in fail.KEY.
verified() {
	local key=$1 t0 r
	shift
	: >"$dir/wl.out"
	t0=$(now)
	"$bin/cr_restart" -q "$@" </dev/null >/dev/null 2>"$dir/verified.err" &
	r=$!
	pids+=("$r")
	if restored "$pid" "$r"; then
		kill -USR1 "$pid"
		said "$dir/wl.out" PASS 300 || true
	else
		said="not restored and waiting within 300 s: $(head -c 300 "$dir/verified.err")"
	fi
	if [ "$said" = PASS ]; then
		rec "$key" "$(secs "$t0" "$(now)")"
	else
		echo "bench: FAIL: $key: cr_restart $*: ${said:-no PASS within 300 s}" >&2
		rec "fail.$key" "${said:-no PASS within 300 s}"
	fi
	# (it may end between the look and the kill)
	{ child_of "$pid" "$r" && kill -9 "$pid"; } 2>/dev/null || true
	{ kill -9 "$r"; wait "$r"; } 2>/dev/null || true
	freed "$pid"
}
# freed PID: until no process has PID (10 s at most)
freed() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ -e "/proc/$1" ] || return 0
		nap 0.01
	done
}
# failures KEY: the failures counted in fail.KEY, loudly
failures() {
	[ -f "$dir/res.fail.$1" ] || return 0
	echo "  !!! FAIL in $(wc -l <"$dir/res.fail.$1") of $runs runs ($1): $(head -1 "$dir/res.fail.$1")"
}
# med KEY: the median of KEY's measurements, nothing (status 0: set -e)
# when there is none
med() {
	[ -f "$dir/res.$1" ] || return 0
	sort -g "$dir/res.$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# launch OUT COMMAND...: COMMAND in the background (its output to OUT),
# which names $dir/ready among its arguments and says there when it is
# ready; sets $pid (killed at the end) and waits for that, 300 s at most.
# The FIFO is everybody's: the user's workloads say ready in it too.
launch() {
	local out=$1
	shift
	rm -f "$dir/ready"
	mkfifo -m 666 "$dir/ready"
	"$@" </dev/null >"$out" 2>&1 &
	pid=$!
	pids+=("$pid")
	read -r -t 300 _ <"$dir/ready"
}

# start KIND SIZE [PREFIX...]: the memory workload, ready, with the
# options wl_opts holds too (none: wl_opts=()); sets $pid
wl_opts=()
start() {
	local kind=$1 size=$2 opt=
	shift 2
	[ "$kind" = text ] && opt=-c
	# -b 0: DMTCP's brk cannot grow the program break (sbrk fails)
	launch "$dir/wl.out" "$@" "$wl/memory" $opt -m "$size" -b 0 \
		${wl_opts[@]+"${wl_opts[@]}"} "$dir/ready"
}
stop() { { kill -9 "$pid"; wait "$pid"; } 2>/dev/null || true; }

# beside SYNC KEY COMMAND...: COMMAND timed as KEY, right beside dd
# writing as many bytes ($s MiB, with conv=fsync when SYNC is sync),
# timed as dd_SYNC.KEY, and the pair's ratio recorded as pair.KEY.  The
# pair starts after a sync, with nothing dirty, and its two run in turns,
# dd first in one pair and second in the next, the second always beside
# the first one's file (dd's is removed after both).  On this kind of
# virtual machine the cost of writing a file is mostly the host's for the
# memory the guest takes afresh (the guest gives freed memory back:
# virtio-balloon's free page reporting), which changes by several times
# within seconds, and the writeback of earlier files can meet either: a
# floor measured once a run said little about a checkpoint a minute later.
dd_turn=0
beside() {
	local sync=$1 key=$2 ddkey=dd_$1.$2 conv=()
	shift 2
	[ "$sync" = sync ] && conv=(conv=fsync)
	dd_turn=$((1 - dd_turn))
	sync
	[ "$dd_turn" = 1 ] && floor_dd "$ddkey" "${conv[@]}"
	timed "$key" "$@"
	[ "$dd_turn" = 0 ] && floor_dd "$ddkey" "${conv[@]}"
	rm -f "$dir/dd.out"
	rec "pair.$key" "$(awk -v a="$(tail -1 "$dir/res.$key")" -v b="$(tail -1 "$dir/res.$ddkey")" \
		'BEGIN { print (b > 0 ? a / b : 0) }')"
}
# floor_dd KEY [conv=fsync]: dd writing $s MiB into $dir/dd.out, timed as KEY
floor_dd() {
	timed "$1" dd if=/dev/zero of="$dir/dd.out" bs=1M count="$s" "${@:2}" status=none
}

ucr() {
	local k=$1 s=$2 key=$1.$2 t0 ms
	start "$k" "$s" "$bin/cr_run"
	beside sync "ck_sync.$key" "$bin/cr_checkpoint" -q -f "$dir/ctx" "$pid"
	rm -f "$dir/ctx"
	beside nosync "ck_nosync.$key" "$bin/cr_checkpoint" -q --nosync -f "$dir/ctx" "$pid"
	ms=$("$bin/cr_checkpoint" -v --cow --nosync -f "$dir/ctx.cow" "$pid" 2>&1 |
	     sed -n 's/.*ran again after \([0-9.]*\) ms.*/\1/p')
	rec "cow_ms.$key" "${ms:-nan}"
	rm -f "$dir/ctx.cow"
	timed "ck_z.$key" "$bin/cr_checkpoint" -q --nosync --compress -f "$dir/ctx.z" "$pid"
	stop
	rec "size.$key" "$(stat -c %s "$dir/ctx")"
	rec "zsize.$key" "$(stat -c %s "$dir/ctx.z")"
	timed "dd_read.$key" dd if="$dir/ctx" of=/dev/null bs=1M status=none
	rec "anon.$key" "$("$top/build/bench/anon-read" "$dir/ctx")"
	restarted "rst.$key" "$dir/ctx"
	restarted "rst_lazy.$key" --lazy "$dir/ctx"
	restarted "rst_z.$key" "$dir/ctx.z"
	# cr_info reads and checks the file as a restart does: the difference
	# is the decompression
	timed "info.$key" "$bin/cr_info" "$dir/ctx"
	timed "info_z.$key" "$bin/cr_info" "$dir/ctx.z"
	if [ "$k" = text ] && [ ! -f "$dir/res.gzip.$key" ]; then
		rec "gzip.$key" "$(gzip -6 -c "$dir/ctx" | wc -c)"
	fi
	# the same file restored up to the process's check of all its memory,
	# eagerly and lazily (every page then comes in)
	verified "rst_verified.$key" "$dir/ctx"
	verified "rst_lazy_verified.$key" --lazy "$dir/ctx"
	rm -f "$dir/ctx" "$dir/ctx.z"
}

# ucr_threads KIND SIZE: the same with the mapping filled by 4 threads,
# which the checkpoint holds: its --nosync checkpoint and eager restart
ucr_threads() {
	local key=$1.$2 s=$2
	wl_opts=(-T 4)
	start "$1" "$2" "$bin/cr_run"
	wl_opts=()
	beside nosync "ck_nosync_t4.$key" "$bin/cr_checkpoint" -q --nosync -f "$dir/ctx" "$pid"
	stop
	restarted "rst_t4.$key" "$dir/ctx"
	rm -f "$dir/ctx"
}

# incremental SIZE: tests/workloads/dirty's SIZE MiB, a full checkpoint,
# then 1% of its pages written again (SIGUSR2, "gen 1") and the increment
# of that over the full one
incremental() {
	local s=$1
	launch "$dir/wl.out" "$bin/cr_run" "$wl/dirty" -m "$s" "$dir/ready"
	timed "ck_full.$s" "$bin/cr_checkpoint" -q --nosync -f "$dir/base" "$pid"
	kill -USR2 "$pid"
	if said "$dir/wl.out" "gen 1" 300 && [ "$said" = "gen 1" ]; then
		timed "ck_incr.$s" "$bin/cr_checkpoint" -q --nosync --incremental="$dir/base" \
			-f "$dir/incr" "$pid"
		rec "size_full.$s" "$(stat -c %s "$dir/base")"
		rec "size_incr.$s" "$(stat -c %s "$dir/incr")"
	else
		echo "bench: FAIL: dirty -m $s did not say gen 1: ${said:-nothing in 300 s}" >&2
	fi
	stop
	rm -f "$dir/base" "$dir/incr"
}

# untouched SIZE: the memory workload with 16 MiB written and SIZE MiB
# mapped after it but never touched (-u), its --nosync checkpoint's
# seconds and size, just after the same with 16 MiB untouched (the
# reference, keyed ref.SIZE)
untouched() {
	local s=$1 u key
	for key in "ref.$s" "$s"; do
		u=16
		[ "$key" = "$s" ] && u=$s
		wl_opts=(-u "$u")
		start random 16 "$bin/cr_run"
		wl_opts=()
		timed "ck_untouched.$key" "$bin/cr_checkpoint" -q --nosync -f "$dir/ctx" "$pid"
		stop
		rec "size_untouched.$key" "$(stat -c %s "$dir/ctx")"
		rm -f "$dir/ctx"
	done
}

# threads_round N: tests/workloads/threads with N threads working, its
# --nosync checkpoint and restart
threads_round() {
	local n=$1
	launch /dev/null "$bin/cr_run" "$wl/threads" -n "$n" "$dir/ready"
	timed "ck_nosync.thr$n" "$bin/cr_checkpoint" -q --nosync -f "$dir/ctx" "$pid"
	stop
	restarted "rst.thr$n" "$dir/ctx"
	rm -f "$dir/ctx"
}

# user_round SIZE: the user's own checkpoint of random data, and their
# restart of it, timed as the root's is
user_round() {
	local s=$1
	launch /dev/null "${as[@]}" "$bin/cr_run" "$wl/memory" -m "$s" -b 0 "$dir/ready"
	"${as[@]}" "$bin/cr_checkpoint" -q --nosync -f "$dir/user/ctx" "$pid"
	stop
	timed "rst_user.random.$s" "${as[@]}" sh -c '"$1" -q --kill "$2" >/dev/null 2>&1
		echo $? >"$3"' sh "$bin/cr_restart" "$dir/user/ctx" "$dir/user/status"
	restart_status "rst_user.random.$s" "$(cat "$dir/user/status")" "the user's cr_restart"
	rm -f "$dir/user/ctx" "$dir/user/status"
}

# tree [PREFIX...]: the 50-process tree in a session of its own, ready
tree() {
	launch /dev/null setsid "$@" "$wl/tree" "$dir/ready" 7 6
}

tree_ucr() {
	tree "$bin/cr_run"
	timed "ck_nosync.tree" "$bin/cr_checkpoint" -q --nosync -f "$dir/ctx" "$pid"
	{ kill -9 -- "-$pid"; wait "$pid"; } 2>/dev/null || true
	gone "$pid"
	restarted "rst.tree" "$dir/ctx"
	rm -f "$dir/ctx"
}

# criu_round KEY WORKLOAD...: dump (the process killed) and restore
# (detached: criu returns once it runs) of WORKLOAD in a session of its own
criu_round() {
	local key=$1
	shift
	rm -rf "$dir/criu" && mkdir "$dir/criu"
	timed "criu_dump.$key" "$criu" dump -t "$pid" -D "$dir/criu" -o dump.log
	{ wait "$pid"; } 2>/dev/null || true
	gone "$pid"
	rec "criu_size.$key" "$(du -sb "$dir/criu" | cut -f1)"
	timed "criu_rst.$key" "$criu" restore -D "$dir/criu" -d -o restore.log
	kill -9 -- "-$pid" 2>/dev/null || true
	gone "$pid"
	rm -rf "$dir/criu"
}

criu_mem() {
	start "$1" "$2" setsid
	criu_round "$1.$2"
}

criu_tree() {
	tree
	criu_round tree
}

# dmtcp_wait_running PORTFILE: until the coordinator says its peers run
dmtcp_wait_running() {
	local i
	for ((i = 0; i < 6000; i++)); do
		[ -s "$1" ] && "$dmtcp/dmtcp_command" -p "$(cat "$1")" -s 2>/dev/null |
			grep -q RUNNING=yes && return 0
		sleep 0.01
	done
}

# dmtcp_round KEY GZIP WORKLOAD...: checkpoint (blocking) and restart of
# WORKLOAD under a coordinator of its own, with DMTCP's gzip or without
dmtcp_round() {
	local key=$1 gzip=$2 t0 port
	shift 2
	rm -rf "$dir/dmtcp" && mkdir "$dir/dmtcp"
	rm -f "$dir/port"
	launch /dev/null "$dmtcp/dmtcp_launch" --new-coordinator --coord-port 0 \
		--port-file "$dir/port" --ckptdir "$dir/dmtcp" "$gzip" "$@"
	port=$(cat "$dir/port")
	timed "dmtcp_ck$gzip.$key" "$dmtcp/dmtcp_command" -p "$port" -bc
	rec "dmtcp_size$gzip.$key" "$(du -cb "$dir"/dmtcp/ckpt_*.dmtcp | tail -1 | cut -f1)"
	"$dmtcp/dmtcp_command" -p "$port" -q >/dev/null 2>&1 || true
	wait "$pid" 2>/dev/null || true
	rm -f "$dir/port"
	t0=$(now)
	"$dmtcp/dmtcp_restart" --new-coordinator --coord-port 0 --port-file "$dir/port" \
		"$dir"/dmtcp/ckpt_*.dmtcp </dev/null >/dev/null 2>&1 &
	pid=$!
	pids+=("$pid")
	dmtcp_wait_running "$dir/port"
	rec "dmtcp_rst$gzip.$key" "$(secs "$t0" "$(now)")"
	"$dmtcp/dmtcp_command" -p "$(cat "$dir/port")" -q >/dev/null 2>&1 || true
	wait "$pid" 2>/dev/null || true
	rm -rf "$dir/dmtcp"
}

dmtcp_mem() {
	local opt=
	[ "$1" = text ] && opt=-c
	dmtcp_round "$1.$2" --no-gzip "$wl/memory" $opt -m "$2" -b 0 "$dir/ready"
	[ "$1" = text ] && dmtcp_round "$1.$2" --gzip "$wl/memory" $opt -m "$2" -b 0 "$dir/ready"
	return 0
}

echo "$runs runs of: ${sizes[*]} MiB, random and text; in $dir"
# (bash says "Killed" of every workload a checkpointer kills: not news)
for ((run = 1; run <= runs; run++)); do
	for s in "${sizes[@]}"; do
		for k in random text; do
			ucr "$k" "$s"
			[ "$k" = random ] && [ -n "$user" ] && user_round "$s"
			ucr_threads "$k" "$s"
			[ -n "$criu" ] && criu_mem "$k" "$s"
			[ -n "$dmtcp" ] && dmtcp_mem "$k" "$s"
		done
		incremental "$s"
		untouched "$s"
	done
	tree_ucr
	threads_round 10
	threads_round 200
	[ -n "$criu" ] && criu_tree
	[ -n "$dmtcp" ] && dmtcp_round tree --no-gzip "$wl/tree" "$dir/ready" 7 6
	echo "run $run done"
done 2> >(grep -v ' Killed ' >&2)

# line LABEL KEY [FLOOR-KEY]: the median, and its ratio to the floor's:
# the median of the ratios of KEY's pairs with it when they were measured
# side by side (beside), else the ratio of the medians (and the failures
# counted in fail.KEY, loudly)
line() {
	local v f
	v=$(med "$2")
	if [ -z "$v" ]; then
		:
	elif [ -f "$dir/res.pair.$2" ]; then
		printf '  %-40s %8.3f s  %5.2fx %s\n' "$1" "$v" "$(med "pair.$2")" "${4:-} beside it"
	elif [ -n "${3:-}" ] && f=$(med "$3") && [ -n "$f" ]; then
		printf '  %-40s %8.3f s  %5.2fx %s\n' "$1" "$v" "$(awk -v a="$v" -v b="$f" \
			'BEGIN { print (b > 0 ? a / b : 0) }')" "${4:-}"
	else
		printf '  %-40s %8.3f s\n' "$1" "$v"
	fi
	failures "$2"
}
# ratio KEY BY-KEY: KEY's median over BY-KEY's
ratio() {
	awk -v a="$(med "$1")" -v b="$(med "$2")" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}
mib() { awk -v b="$(med "$1")" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
# speed BYTES-KEY SECONDS-KEY [MINUS-KEY]: MB/s of the content
speed() {
	awk -v b="$(med "$1")" -v t="$(med "$2")" -v m="$([ -n "${3:-}" ] && med "$3" || echo 0)" \
		'BEGIN { d = t - m; if (d > 0) printf "%.0f MB/s", b / d / 1e6; else print "-" }'
}

echo
echo "medians of $runs runs ($(nproc) CPUs, load average now $(cut -d' ' -f1-3 /proc/loadavg))"
for s in "${sizes[@]}"; do
	for k in random text; do
		key=$k.$s
		echo "$s MiB of $k data (context file $(mib "size.$key"))"
		echo "  dd beside each checkpoint: write + fsync $(med "dd_sync.ck_sync.$key") s," \
		     "write $(med "dd_nosync.ck_nosync.$key") s (4 threads': $(med "dd_nosync.ck_nosync_t4.$key") s)"
		# (their ratios are the pairs': no floor key)
		line "cr_checkpoint (sync)" "ck_sync.$key" "" "dd+fsync"
		line "cr_checkpoint --nosync" "ck_nosync.$key" "" "dd"
		line "cr_checkpoint --nosync, 4 threads" "ck_nosync_t4.$key" "" "dd"
		printf '  %-40s %8.1f ms %5.1f%% of --nosync\n' "cr_checkpoint --cow: downtime" \
			"$(med "cow_ms.$key")" "$(awk -v a="$(med "cow_ms.$key")" \
			-v b="$(med "ck_nosync.$key")" 'BEGIN { print a / 10 / b }')"
		line "dd reading the context file" "dd_read.$key"
		line "read into fresh anonymous memory" "anon.$key"
		line "cr_restart" "rst.$key" "anon.$key" "anon-read"
		line "cr_restart, 4 threads" "rst_t4.$key" "anon.$key" "anon-read"
		line "cr_restart --lazy (to running)" "rst_lazy.$key" "rst.$key" "eager"
		line "cr_restart, to memory verified" "rst_verified.$key" "rst.$key" "eager"
		line "cr_restart --lazy, to memory verified" "rst_lazy_verified.$key" "rst.$key" \
			"eager; $(ratio "rst_lazy_verified.$key" "rst_verified.$key")x eager verified"
		[ "$k" = random ] && line "cr_restart by a user (namespaces of its own)" \
			"rst_user.$key" "rst.$key" "root's"
		line "cr_checkpoint --nosync --compress" "ck_z.$key" "ck_nosync.$key" "plain"
		line "cr_restart of the compressed file" "rst_z.$key" "rst.$key" "plain"
		echo "    compressed: $(mib "zsize.$key")$([ -f "$dir/res.gzip.$key" ] &&
			echo ", gzip -6 of the plain file $(mib "gzip.$key")");" \
			"compressing $(speed "size.$key" "ck_z.$key"), decompressing" \
			"$(speed "size.$key" "info_z.$key" "info.$key") (cr_info's read less the plain one's)"
		if [ -n "$criu" ]; then
			line "CRIU dump ($(mib "criu_size.$key"))" "criu_dump.$key" "ck_nosync.$key" "ucr"
			line "CRIU restore" "criu_rst.$key" "rst.$key" "ucr"
		fi
		if [ -n "$dmtcp" ]; then
			line "DMTCP checkpoint ($(mib "dmtcp_size--no-gzip.$key"))" \
				"dmtcp_ck--no-gzip.$key" "ck_nosync.$key" "ucr"
			line "DMTCP restart" "dmtcp_rst--no-gzip.$key" "rst.$key" "ucr"
			if [ "$k" = text ]; then
				line "DMTCP gzip checkpoint ($(mib "dmtcp_size--gzip.$key"))" \
					"dmtcp_ck--gzip.$key" "ck_z.$key" "ucr --compress"
				line "DMTCP gzip restart" "dmtcp_rst--gzip.$key" "rst_z.$key" \
					"ucr --compress"
			fi
		fi
	done
	echo "$s MiB of tests/workloads/dirty, then 1% of its pages written again"
	line "cr_checkpoint --nosync (full)" "ck_full.$s"
	line "cr_checkpoint --nosync --incremental" "ck_incr.$s" "ck_full.$s" "full"
	[ -f "$dir/res.size_incr.$s" ] && echo "    increment: $(mib "size_incr.$s")," \
		"$(awk -v a="$(med "size_incr.$s")" -v b="$(med "size_full.$s")" \
		'BEGIN { printf "%.2f", 100 * a / b }')% of the full file ($(mib "size_full.$s"))"
	[ -f "$dir/res.ck_untouched.$s" ] &&
		echo "never-touched $s MiB: adds $(awk -v a="$(med "ck_untouched.$s")" \
			-v b="$(med "ck_untouched.ref.$s")" 'BEGIN { printf "%.1f", 1000 * (a - b) }')" \
			"ms and $(awk -v a="$(med "size_untouched.$s")" -v b="$(med "size_untouched.ref.$s")" \
			'BEGIN { printf "%d", a - b }') bytes to the checkpoint of 16 MiB written" \
			"($(med "ck_untouched.$s") s, $(med "size_untouched.$s") bytes; with 16 MiB" \
			"untouched $(med "ck_untouched.ref.$s") s, $(med "size_untouched.ref.$s") bytes)"
done
echo "a tree of 50 processes"
line "cr_checkpoint --nosync" "ck_nosync.tree"
line "cr_restart" "rst.tree"
if [ -n "$criu" ]; then
	line "CRIU dump" "criu_dump.tree" "ck_nosync.tree" "ucr"
	line "CRIU restore" "criu_rst.tree" "rst.tree" "ucr"
else
	echo "CRIU: skipped (no criu on the PATH; CRIU=/path/to/criu)"
fi
if [ -n "$dmtcp" ]; then
	line "DMTCP checkpoint" "dmtcp_ck--no-gzip.tree" "ck_nosync.tree" "ucr"
	line "DMTCP restart" "dmtcp_rst--no-gzip.tree" "rst.tree" "ucr"
else
	echo "DMTCP: skipped (no dmtcp_launch on the PATH; DMTCP=/dmtcp/prefix/bin)"
fi
# per KEY N: KEY's median with N threads, in ms a thread
per() { awk -v t="$(med "$1.thr$2")" -v n="$2" 'BEGIN { printf "%.2f", 1000 * t / n }'; }
# more KEY: in ms, what each of the 190 more threads of 200 adds to 10's
more() { awk -v a="$(med "$1.thr200")" -v b="$(med "$1.thr10")" \
	'BEGIN { printf "%.2f", 1000 * (a - b) / 190 }'; }
echo "tests/workloads/threads, 200 threads beside 10"
line "cr_checkpoint --nosync, 10 threads" "ck_nosync.thr10"
line "cr_checkpoint --nosync, 200 threads" "ck_nosync.thr200" "ck_nosync.thr10" "10 threads"
line "cr_restart, 10 threads" "rst.thr10"
line "cr_restart, 200 threads" "rst.thr200" "rst.thr10" "10 threads"
if [ -f "$dir/res.rst.thr200" ] && [ -f "$dir/res.rst.thr10" ]; then
	echo "    a thread: checkpoint $(per ck_nosync 200) ms with 200, $(per ck_nosync 10) ms" \
		"with 10; restart $(per rst 200) ms with 200, $(per rst 10) ms with 10"
	echo "    each of the 190 more threads adds $(more ck_nosync) ms to the checkpoint," \
		"$(more rst) ms to the restart"
fi
