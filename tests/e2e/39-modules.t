#!/bin/bash
# 39-modules: a site installation.  `make install' puts modulefiles beside
# the prefix; in a clean shell, Environment Modules' `module load ucr'
# finds cr_run and the other commands, their man pages and libcr's
# pkg-config file, and cr_run runs a program; and so does Lmod's (run
# unpacked from its Debian package, which conflicts with Environment
# Modules': tools/deps.sh puts it in /opt/ucr-deps/lmod).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run"
plan 7

init=/usr/share/modules/init/bash
[ -r "$init" ] || die "Environment Modules is not installed (tools/deps.sh installs environment-modules)"
prefix=$T/prefix
run_cmd 300 "$T/install.out" "$T/install.err" make -C "$top" -s install B="$build" PREFIX="$prefix"
ok $? "make install PREFIX=... installs" || { diag_file "$T/install.err"; die "no install"; }
check "it installs a modulefile for Environment Modules and one for Lmod" \
	test -f "$prefix/share/modulefiles/ucr/$(sed -n 's/^VERSION *:\{0,1\}= *//p' "$top/Makefile")" -a \
	-n "$(ls "$prefix"/share/lmod/modulefiles/ucr/*.lua 2>/dev/null)"

# a clean shell: nothing of ucr in its environment but what the module sets
run_cmd 60 "$T/m.out" "$T/m.err" env -i HOME="$T" PATH=/usr/bin:/bin bash -c '
	. "$1" && module use "$2/share/modulefiles" && module load ucr || exit 9
	command -v cr_run cr_checkpoint cr_restart cr_info
	man -w cr_checkpoint
	pkg-config --libs libcr
	cr_run /bin/sh -c "echo ran"' modules "$init" "$prefix"
ok $? "module load ucr works in a clean shell" || diag_file "$T/m.err"
is "$(head -5 "$T/m.out" | tr '\n' ' ')" \
	"$prefix/bin/cr_run $prefix/bin/cr_checkpoint $prefix/bin/cr_restart $prefix/bin/cr_info $prefix/share/man/man1/cr_checkpoint.1 " \
	"then the commands and man cr_checkpoint are the prefix's"
is "$(tail -2 "$T/m.out" | tr '\n' ' ')" "-L$prefix/lib -lcr  ran " \
	"pkg-config --libs libcr names its library, and cr_run runs a program"

lmod=/opt/ucr-deps/lmod/usr/share/lmod/lmod/libexec/lmod
[ -x "$lmod" ] || die "Lmod is not unpacked in /opt/ucr-deps/lmod (tools/deps.sh does it)"
# what Lmod's init script defines, without its paths of an installed Lmod
run_cmd 60 "$T/l.out" "$T/l.err" env -i HOME="$T" PATH=/usr/bin:/bin bash -c '
	lmod=$1
	module() { eval "$(lua5.3 "$lmod" bash "$@")"; }
	export MODULEPATH=$2/share/lmod/modulefiles
	module load ucr || exit 9
	command -v cr_run
	man -w cr_checkpoint
	pkg-config --libs libcr
	cr_run /bin/sh -c "echo ran"' lmod "$lmod" "$prefix"
ok $? "Lmod: module load ucr works in a clean shell" || diag_file "$T/l.err"
is "$(tr '\n' ' ' <"$T/l.out")" \
	"$prefix/bin/cr_run $prefix/share/man/man1/cr_checkpoint.1 -L$prefix/lib -lcr  ran " \
	"Lmod: the commands, man cr_checkpoint and pkg-config are the prefix's, and cr_run runs"
