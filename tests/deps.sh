#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the build and the bench need and is missing (as root), and
# say what is installed; without root, list what is missing and fail.
set -euo pipefail

packages=(
	# build
	build-essential bc bison flex libelf-dev libssl-dev dwarves kmod cpio
	rsync xz-utils pkg-config libmnl-dev sparse
	linux-headers-amd64 linux-source-6.1
	# the bench's VMs
	qemu-system-x86 busybox-static file
	# run in the guests from the shared root
	iproute2 iputils-ping jq python3 tcpdump iperf3 procps
	# the bench's WireGuard row (tests/bench.sh): wg
	wireguard-tools
	# the data path selftests' ESP packet crafter (tests/selftests/esp.py)
	python3-cryptography
	# the NAT in the NAT traversal selftests (tests/selftests/natt.sh)
	nftables
	# the API spec check (tests/spec-check.py); setpriv for the selftests
	python3-yaml util-linux
	# the routing selftests (tests/selftests/routing.sh): zebra, ospfd,
	# ospf6d, bgpd
	frr
	# the IKE selftests (tests/selftests/strongswan.sh) and the plugin's
	# build (tools/strongswan: libcharon to link against, dpkg-dev for
	# `apt-get source`)
	strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
	dpkg-dev
	# ifup/ifdown with the espvti-config hooks (tests/selftests/boot.sh)
	ifupdown
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "[deps] missing packages: ${missing[*]}" >&2
	echo "[deps] as root: apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "[deps] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
