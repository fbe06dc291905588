# SPDX-License-Identifier: GPL-2.0
# bash completion for espvti(8); installed as
# /usr/share/bash-completion/completions/espvti.

_espvti_devs()
{
	local d
	for d in /sys/class/net/*; do
		[ -e "$d" ] && printf '%s\n' "${d##*/}"
	done
}

_espvti()
{
	local cur prev words cword i verb= sub= dev=
	_init_completion || return

	# The verb, the subcommand and the device, after the options.
	for ((i = 1; i < cword; i++)); do
		case "${words[i]}" in
		-n|--netns) ((i++)); continue ;;
		-*) continue ;;
		esac
		if [ -z "$verb" ]; then
			verb=${words[i]}
		elif [ -z "$sub" ] && { [ "$verb" = sa ] || [ "$verb" = policy ]; }; then
			sub=${words[i]}
		elif [ -z "$dev" ]; then
			dev=${words[i]}
		fi
	done

	case "$prev" in
	-n|--netns)
		COMPREPLY=($(compgen -W "$(ip netns list 2>/dev/null | awk '{print $1}')" -- "$cur"))
		return ;;
	alg)
		COMPREPLY=($(compgen -W 'aes-gcm chacha20-poly1305 aes-cbc-hmac-sha256 aes-gmac' -- "$cur"))
		return ;;
	dir)
		COMPREPLY=($(compgen -W 'in out' -- "$cur"))
		return ;;
	icv)
		COMPREPLY=($(compgen -W '8 12 16' -- "$cur"))
		return ;;
	family)
		COMPREPLY=($(compgen -W 'inet inet6' -- "$cur"))
		return ;;
	proto)
		COMPREPLY=($(compgen -W 'tcp udp icmp ipv6-icmp any' -- "$cur"))
		return ;;
	local|remote|spi|key|auth-key|replay-window|seq|src|dst|sport|dport)
		return ;;
	esac

	if [ -z "$verb" ]; then
		COMPREPLY=($(compgen -W 'show set stats sa policy help -j --json -n --netns --version' -- "$cur"))
		return
	fi
	case "$verb" in
	sa|policy)
		if [ -z "$sub" ]; then
			COMPREPLY=($(compgen -W 'add del show flush' -- "$cur"))
			return
		fi ;;
	show|set|stats) ;;
	*) return ;;
	esac
	if [ -z "$dev" ]; then
		COMPREPLY=($(compgen -W "$(_espvti_devs)" -- "$cur"))
		return
	fi
	case "$verb $sub" in
	"set ") COMPREPLY=($(compgen -W 'local remote' -- "$cur")) ;;
	"sa add") COMPREPLY=($(compgen -W 'dir spi alg key auth-key icv esn replay-window seq' -- "$cur")) ;;
	"sa del") COMPREPLY=($(compgen -W 'dir spi' -- "$cur")) ;;
	"policy add"|"policy del")
		COMPREPLY=($(compgen -W 'family src dst proto sport dport' -- "$cur")) ;;
	esac
} &&
	complete -F _espvti espvti
