#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stock-kernel.sh [SUITE [HEADERS-PACKAGE]]
#
# Fetch (once) one of Debian's stock kernels without installing it:
# apt-get download + dpkg-deb -x into the cache, then depmod over the
# extracted tree.
#
# Without arguments: the image whose version matches the installed
# linux-headers-amd64 (the headers are the installed ones).
# With SUITE (bookworm-backports, trixie, sid, ...): the kernel of that
# suite's HEADERS-PACKAGE (default linux-headers-amd64, the newest; or an
# exact linux-headers-KVER-amd64), fetched through a private apt
# configuration (apt-suite.sh); its headers are extracted beside the image.
#
# Prints three lines: the kernel release, the extracted root, the headers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

suite=${1:-}
if [ -z "$suite" ]; then
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null) ||
		die "linux-headers-amd64 is not installed (apt-get install linux-headers-amd64)"
	# "linux-headers-6.1.0-56-amd64 (= 6.1.192-2)"
	kver=$(printf '%s\n' "$dep" | sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
	pkgver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver")
	headers=/usr/src/linux-headers-$kver
	[ -n "$kver" ] && [ -d "$headers" ] || die "cannot tell the headers' kernel from '$dep'"
	dir="$ESPVTI_CACHE/stock-$kver-$pkgver"
	fetch=("linux-image-$kver=$pkgver")
	aptdl() { apt-get download -q -o APT::Sandbox::User=root "$@"; }
else
	hpkg=${2:-linux-headers-amd64}
	show() { "$here/apt-suite.sh" "$suite" apt-cache show --no-all-versions "$1" 2>/dev/null; }
	field() { sed -n "s/^$1: //p" | head -n 1; }
	info=$(show "$hpkg") || die "$suite has no package $hpkg"
	case "$hpkg" in
	linux-headers-[0-9]*) kver=${hpkg#linux-headers-} ;;
	*) kver=$(printf '%s\n' "$info" | field Depends | tr ',' '\n' |
		sed -n 's/^ *linux-headers-\([0-9][^ ]*\).*/\1/p' | head -n 1) ;;
	esac
	[ -n "$kver" ] || die "cannot tell the kernel of $hpkg in $suite"
	pkgver=$(show "linux-headers-$kver" | field Version)
	[ -n "$pkgver" ] || die "$suite has no linux-headers-$kver"
	dir="$ESPVTI_CACHE/stock-$kver-$pkgver"
	headers=$dir/root/usr/src/linux-headers-$kver
	# The headers and the image with the packages of theirs that carry
	# this kernel (common headers, kbuild, binary, modules, base files),
	# following the first choice of each dependency.
	fetch=() todo=("linux-headers-$kver" "linux-image-$kver")
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		case " ${fetch[*]} " in *" $p "*) continue ;; esac
		pi=$(show "$p") || die "$suite has no package $p (needed by linux-headers-$kver)"
		fetch+=("$p")
		while read -r d; do
			todo+=("$d")
		done < <(printf '%s\n' "$pi" | field Depends | tr ',' '\n' | sed 's/|.*//' |
			sed -n 's/^ *\(linux-\(headers\|kbuild\|image\|binary\|modules\|base\)-[0-9][^ ]*\).*/\1/p')
	done
	aptdl() { "$here/apt-suite.sh" "$suite" apt-get download -q "$@"; }
fi

if [ ! -f "$dir/.espvti-done" ]; then
	mkdir -p "$ESPVTI_CACHE"
	exec 9>"$ESPVTI_CACHE/stock.lock"
	flock 9
	if [ ! -f "$dir/.espvti-done" ]; then
		log "fetching ${fetch[*]} ($pkgver)"
		rm -rf "$dir"
		mkdir -p "$dir/deb" "$dir/root"
		# apt's sandbox user cannot write into root's cache.
		(cd "$dir/deb" && aptdl "${fetch[@]}" >&2)
		for deb in "$dir"/deb/*.deb; do
			dpkg-deb -x "$deb" "$dir/root"
		done
		# Images of merged-/usr kernels keep their modules in usr/lib.
		if [ ! -e "$dir/root/lib" ] && [ -d "$dir/root/usr/lib/modules" ]; then
			ln -s usr/lib "$dir/root/lib"
		fi
		if [ ! -e "$dir/root/boot/vmlinuz-$kver" ]; then
			mkdir -p "$dir/root/boot"
			v=$(find "$dir/root" -name "vmlinuz-$kver" -o -name "vmlinuz" -path "*$kver*" | head -n 1)
			[ -n "$v" ] || die "no vmlinuz-$kver in ${fetch[*]}"
			ln -s "../${v#"$dir/root/"}" "$dir/root/boot/vmlinuz-$kver"
		fi
		# The flavour's Makefile includes the common headers' by an
		# absolute path: point it into the extracted tree.
		if [ -n "$suite" ]; then
			sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" \
				"$dir"/root/usr/src/linux-headers-*/Makefile
		fi
		depmod -b "$dir/root" "$kver"
		rm -rf "$dir/deb"
		touch "$dir/.espvti-done"
	fi
fi
[ -d "$headers" ] || die "no headers at $headers"
printf '%s\n%s\n%s\n' "$kver" "$dir/root" "$headers"
