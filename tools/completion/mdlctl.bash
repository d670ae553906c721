# SPDX-License-Identifier: MIT
# bash completion for mdlctl (drm-mdl). Installed by the mdl-tools package
# as /usr/share/bash-completion/completions/mdlctl; from a checkout:
#   source tools/completion/mdlctl.bash
# packaging/check-completion.sh keeps it in step with `mdlctl ... --help`.

_mdlctl_flag_names="dont-zero local-node-only fully-required no-wait prefer-contiguous require-contiguous-chunks fast-large-pages"
_mdlctl_cache_names="cached wc uc"

_mdlctl()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion -n =: || return
	else
		# Without the bash-completion package: plain COMP_WORDS.
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi

	local global_opts="-h --help -d --device --pci --platform -j --json"
	local commands="list info clients alloc copy"
	local cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-d | --device) ((i++)) ;;
		list | info | clients | alloc | copy) cmd=${words[i]}; break ;;
		esac
	done

	# Option arguments.
	case $prev in
	-d | --device)
		local nodes
		nodes=$(compgen -G '/dev/dri/renderD*'; compgen -G '/dev/dri/card*')
		COMPREPLY=($(compgen -W "$nodes" -- "$cur"))
		[ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--cache | --src-cache | --dst-cache)
		COMPREPLY=($(compgen -W "$_mdlctl_cache_names 0 1 2" -- "$cur"))
		return
		;;
	--flags)
		# A comma list: complete the last element.
		local done_part="" last=$cur
		if [[ $cur == *,* ]]; then
			done_part=${cur%,*},
			last=${cur##*,}
		fi
		COMPREPLY=($(compgen -P "$done_part" -W "$_mdlctl_flag_names" -- "$last"))
		compopt -o nospace 2>/dev/null
		return
		;;
	--low | --high)
		COMPREPLY=($(compgen -W "0 0xffffffff max" -- "$cur"))
		return
		;;
	--skip | --src-offset | --dst-offset | --hold | --seed)
		return
		;;
	esac

	local opts
	case $cmd in
	"") opts="$global_opts $commands" ;;
	list | info | clients) opts="$global_opts" ;;
	alloc) opts="--low --high --skip --cache --flags --pages --hold $global_opts" ;;
	copy) opts="--src-offset --dst-offset --src-cache --dst-cache --seed $global_opts" ;;
	esac
	if [[ $cur == -* || -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == alloc || $cmd == copy ]]; then
		# SIZE: offer a few sizes, the parser takes any.
		COMPREPLY=($(compgen -W "4K 64K 1M 64M 1G" -- "$cur"))
	fi
}
complete -F _mdlctl mdlctl
