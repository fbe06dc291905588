#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh OUT [MODROOT KVER]
# Build the bench's initramfs: static busybox, tests/vm/init and, for a
# kernel whose virtio/9p drivers are modules, those modules in load order.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

out=$1
modroot=${2:-}
kver=${3:-}
# BUSYBOX: another one (run.sh: a 32-bit guest's, from its root).
busybox=${BUSYBOX:-$(command -v busybox || true)}
[ -n "$busybox" ] || die "busybox is missing (apt-get install busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$busybox" 2>&1 | grep -q 'not a dynamic' ||
	die "$busybox is not static (apt-get install busybox-static)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$busybox" "$tmp/bin/busybox"
cp "$here/init" "$tmp/init"
chmod 755 "$tmp/init"

if [ -n "$modroot" ]; then
	: > "$tmp/modules.order"
	modprobe -d "$modroot" -S "$kver" -a --show-depends \
		virtio_pci 9pnet_virtio 9p virtio_rng |
	while read -r verb path _; do
		[ "$verb" = insmod ] || continue
		name=$(basename "$path")
		# busybox's insmod takes no compressed modules (6.12 on: .ko.xz).
		case "$name" in
		*.xz) name=${name%.xz} unpack="xz -dc" ;;
		*.zst) name=${name%.zst} unpack="zstd -dc" ;;
		*.gz) name=${name%.gz} unpack="gzip -dc" ;;
		*) unpack=cat ;;
		esac
		grep -qx "$name" "$tmp/modules.order" && continue
		$unpack "$path" > "$tmp/lib/modules/$name"
		echo "$name" >> "$tmp/modules.order"
	done
fi

(cd "$tmp" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out"
