#!/bin/bash
# 36-options: each command's options, as its parser knows them
# (--list-options), are all in its --help and in its man page; and the
# bash completion, which reads them from the command, completes them.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_run" "$bin/cr_info"
plan 10

for cmd in cr_checkpoint cr_restart cr_run cr_info; do
	mapfile -t opts < <("$bin/$cmd" --list-options)
	"$bin/$cmd" --help >"$T/$cmd.help"
	missing=""
	for o in "${opts[@]}" --list-options; do
		name=${o%=}
		# in the man page's source a "-" is "\-"
		grep -qF -- "${name//-/\\-}" "$top/docs/man/$cmd.1" || missing="$missing man:$name"
		grep -qF -- "$name" "$T/$cmd.help" || missing="$missing help:$name"
	done
	is "${#opts[@]}:${missing:-none}" "${#opts[@]}:none" \
		"$cmd: each of its ${#opts[@]} options is in --help and in $cmd(1)"
done
# and every option --help names is one the parser takes
stray=""
for cmd in cr_checkpoint cr_restart cr_run cr_info; do
	known=$("$bin/$cmd" --list-options | sed 's/=$//')
	for o in $(grep -oE -- '--[a-z][a-z-]+' "$T/$cmd.help" | sort -u); do
		grep -qx -- "$o" <<<"$known" || [ "$o" = --list-options ] || stray="$stray $cmd:$o"
	done
done
is "${stray:-none}" none "every option the --help texts name is one their parser takes"

# the completion, as bash-completion would run it
PATH=$bin:$PATH
# shellcheck source=/dev/null
. "$top/dist/bash-completion/ucr"
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_ucr_complete "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	echo "${COMPREPLY[*]}"
}
is "$(complete_words cr_checkpoint --save-)" "--save-exe --save-private --save-shared --save-all --save-none" \
	"cr_checkpoint --save-<TAB> completes the --save options"
is "$(complete_words cr_restart --no-restore-p)" "--no-restore-pid --no-restore-pgid" \
	"cr_restart --no-restore-p<TAB> completes both"
is "$(complete_words cr_info --v)" "--verify --version" "cr_info --v<TAB> completes --verify and --version"
check "the completion is registered for the four commands" \
	test "$(complete -p cr_checkpoint cr_restart cr_run cr_info 2>/dev/null | grep -c _ucr_complete)" = 4
run_cmd 300 "$T/install.out" "$T/install.err" make -C "$top" -s install B="$build" PREFIX="$T/prefix"
installed=$(cd "$T/prefix/share/bash-completion/completions" 2>/dev/null && ls | tr '\n' ' ')
is "$installed" "cr_checkpoint cr_info cr_restart cr_run " \
	"make install puts it where bash-completion looks, under each command's name"
