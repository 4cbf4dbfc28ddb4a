#!/bin/bash
# tools/fuzz-seeds.sh BUILD DIR: context files of several kinds into DIR,
# the seeds of make fuzz: one process, threads, a tree joined by a pipe,
# the same compressed, a tree joined by sockets, listeners, event objects,
# TCP and UDP sockets, descriptors in flight, inotify, message queues.
# Each workload is checkpointed with --kill.
set -eu
build=$1 dir=$2
bin=$build/bin wl=$build/tests
mkdir -p "$dir"
tmp=$(mktemp -d)
mq=/ucr-fuzz-seed-$$
trap 'rm -rf "$tmp"; python3 -c "import ctypes, sys; ctypes.CDLL(None).mq_unlink(sys.argv[1].encode())" "$mq"' EXIT

# seed NAME CHECKPOINT-OPTIONS -- WORKLOAD...: WORKLOAD says ready on the
# FIFO given as its last argument, then is saved as DIR/NAME
seed() {
	local name=$1 opts=() pid
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	rm -f "$tmp/ready" && mkfifo "$tmp/ready"
	"$bin/cr_run" "$@" "$tmp/ready" </dev/null >/dev/null 2>&1 &
	pid=$!
	timeout 30 cat "$tmp/ready" >/dev/null
	rm -f "$dir/$name"
	"$bin/cr_checkpoint" --kill "${opts[@]}" -f "$dir/$name" "$pid"
	wait "$pid" 2>/dev/null || true
}

seed counter -- "$wl/counter" -n 5 "$tmp/count" -r
seed threads -- "$wl/threads" -n 8
seed pipeseq -- "$wl/pipeseq"
seed pipeseq.zst --compress -- "$wl/pipeseq"
seed sockpair -- "$wl/sockpair" tree
seed socklisten -- "$wl/socklisten" self "$tmp/sock"
seed epolloop -- "$wl/epolloop"
seed tcpflow -- "$wl/tcpflow" tree 4 50000
seed fdpass -- "$wl/fdpass" self "$tmp/file"
mkdir "$tmp/watched"
seed inotifier -- "$wl/inotifier" "$tmp/watched"
seed mqueuer -- "$wl/mqueuer" "$mq"
ls -l "$dir"
