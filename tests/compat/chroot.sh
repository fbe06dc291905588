#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# chroot.sh SUITE[:ARCH] [CMD...]
#
# A debootstrapped chroot of the project's own for one Debian suite (and
# architecture: i386 runs on an amd64 kernel with IA32 emulation), in
# $ESPVTI_CACHE/chroot-SUITE[-ARCH] (made on first use, minbase, from the same
# mirror as the machine's apt, never touching the machine's sources), and
# CMD run in it as root with /proc, /sys and /dev mounted in a private
# mount namespace (they go with CMD). Without CMD: just make sure it exists
# and print its path. It builds modules for kernels whose headers need a
# newer compiler than the machine's (sid's kernel and gcc-16), and for
# 32-bit kernels (bookworm:i386, Debian's 686 kernel) with a 32-bit gcc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"

[ $# -ge 1 ] || die "usage: chroot.sh SUITE [CMD...]"
suite=${1%%:*} arch=
case "$1" in *:*) arch=${1#*:} ;; esac
shift
[ "$(id -u)" = 0 ] || die "chroot.sh needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
mirror=${ESPVTI_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
name=chroot-$suite${arch:+-$arch}
root=$ESPVTI_CACHE/$name

mkdir -p "$ESPVTI_CACHE"
if [ ! -f "$root/.espvti-done" ]; then
	exec 9>"$ESPVTI_CACHE/$name.lock"
	flock 9
	if [ ! -f "$root/.espvti-done" ]; then
		log "debootstrapping a $suite${arch:+ $arch} chroot in $root (a few minutes, once)"
		rm -rf "$root"
		debootstrap --variant=minbase --include=make,ca-certificates ${arch:+--arch=$arch} \
			--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
			"$suite" "$root" "$mirror" > "$ESPVTI_CACHE/$name.log" 2>&1 ||
			{ tail -n 20 "$ESPVTI_CACHE/$name.log" >&2; die "debootstrap $suite${arch:+ $arch} failed"; }
		touch "$root/.espvti-done"
	fi
	exec 9>&-
fi
[ $# -gt 0 ] || { echo "$root"; exit 0; }

cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# The archive may be a dated snapshot, as the machine's apt is told too.
printf '%s\n' 'APT::Install-Recommends "false";' 'APT::Install-Suggests "false";' \
	'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/99espvti"
# A 32-bit chroot says so to what asks (uname -m: DKMS, Kbuild's ARCH).
personality=()
case "$arch" in i386) personality=(setarch i686) ;; esac
# The mounts live in a mount namespace of CMD's own: nothing to undo.
exec "${personality[@]}" unshare --mount --propagation private -- bash -c '
	root=$1; shift
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount --rbind /dev "$root/dev"
	exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
' chroot-sh "$root" "$@"
