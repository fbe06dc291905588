#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [--kernel stock|debug] [--time S]: the ESP data path's speed,
# espvti against the kernel's XFRM, in one boot of a bench VM.
#
# Two namespaces joined by a veth carry AES-GCM-128 (ICV 16) over IPv4,
# inner MTU 1406 on all four tunnels: an xfrm interface at each end, then
# espvti at each end, both over raw ESP (IP protocol 50); then the same
# two with ESP in UDP (RFC 3948, ports 4500/4500): xfrm states with
# "encap espinudp" and, in each namespace, a UDP socket on 4500 with
# UDP_ENCAP_ESPINUDP held open as an IKE daemon would; espvti with
# "encap udp" and its own socket. Same peer type each time: the ratios
# compare the two implementations, not an interop pair. Each is measured
# with
#
#   - one TCP flow, iperf3 -t S (default 5): Mbit/s the receiver got;
#   - 64-byte UDP, iperf3 -u -l 64 -b 0 -t S: packets per second the
#     receiver got (sent minus lost);
#
# and a table of the four rows with the ratios espvti/xfrmi over raw ESP,
# espvti/xfrmi over ESP in UDP, and espvti ESP-in-UDP/raw ESP (what the
# encapsulation costs) is printed (and kept in
# tests/build/vm-bench-KERNEL/bench.txt). This is not a test: it fails only
# when it cannot run (a build, the VM, a tunnel that carries nothing),
# never on slowness. Numbers from a TCG guest (no /dev/kvm) say little
# about real hardware; compare ratios, and only between runs on one
# machine.
#
#   tests/bench.sh                   # stock kernel, 5 s per measurement
#   tests/bench.sh --kernel debug    # the KASAN kernel: slow, for curiosity
#   tests/bench.sh --time 10
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
. tests/vm/lib.sh

kernel=stock secs=5
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--time) secs=$2; shift 2 ;;
	-h|--help) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (--kernel stock|debug, --time S)" ;;
	esac
done

tests/deps.sh
make -s -C tools/espvti >&2
case "$kernel" in
stock) kdir=$(tests/vm/stock-kernel.sh | sed -n 3p) ;;
debug) kdir=$(tests/vm/debug-kernel.sh) ;;
*) die "unknown kernel '$kernel' (stock or debug)" ;;
esac
moddir=$(tests/build-module.sh "$kernel" "$kdir")
out=tests/build/vm-bench-$kernel
rc=0
tests/vm/run.sh --kernel "$kernel" --out "$out" -- \
	tests/bench-guest.sh "$moddir" "$secs" || rc=$?
if [ -f "$out/bench.txt" ]; then
	cat "$out/bench.txt"
else
	log "no results; the guest's console: $out/console.log"
fi
exit "$rc"
