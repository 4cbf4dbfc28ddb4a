#!/bin/bash
# 84-epoll: an epoll loop over a pipe, a socket, an eventfd, a signalfd
# and a timerfd keeps working after the restart: the instance watches
# them again with the data they were added with, the bytes, the count and
# the timer's interval are there, a signal sent afterwards is read.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/epolloop"
plan 7

checkpointed loop "$wl/epolloop"
"$bin/cr_info" "$T/loop.ctx" >"$T/loop.info" 2>&1
grep -q '^  event [0-9]*: epoll, 5 descriptors watched$' "$T/loop.info"
ok $? "cr_info lists the epoll instance with its five descriptors" || diag_file "$T/loop.info"
restarted loop
restarted loop
