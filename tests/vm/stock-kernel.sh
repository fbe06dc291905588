#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch (once) Debian's stock kernel image whose version matches the
# installed linux-headers-amd64, without installing it: apt-get download +
# dpkg-deb -x into the cache, then depmod over the extracted tree.
#
# Prints three lines: the kernel release, the extracted root, the headers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null) ||
	die "linux-headers-amd64 is not installed"
# "linux-headers-6.1.0-56-amd64 (= 6.1.192-2)"
kver=$(printf '%s\n' "$dep" | sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
pkgver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver")
headers=/usr/src/linux-headers-$kver
[ -n "$kver" ] && [ -d "$headers" ] || die "cannot tell the headers' kernel from '$dep'"

dir="$ESPVTI_CACHE/stock-$kver-$pkgver"
if [ ! -f "$dir/.espvti-done" ]; then
	mkdir -p "$ESPVTI_CACHE"
	exec 9>"$ESPVTI_CACHE/stock.lock"
	flock 9
	if [ ! -f "$dir/.espvti-done" ]; then
		log "fetching linux-image-$kver $pkgver"
		rm -rf "$dir"
		mkdir -p "$dir/deb" "$dir/root"
		# apt's sandbox user cannot write into root's cache.
		(cd "$dir/deb" && apt-get download -q -o APT::Sandbox::User=root \
			"linux-image-$kver=$pkgver" >&2)
		dpkg-deb -x "$dir"/deb/linux-image-*.deb "$dir/root"
		depmod -b "$dir/root" "$kver"
		rm -rf "$dir/deb"
		touch "$dir/.espvti-done"
	fi
fi
printf '%s\n%s\n%s\n' "$kver" "$dir/root" "$headers"
