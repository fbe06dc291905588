#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [--kernel stock|debug] [--time S] [--rounds N] [--quick [--vcpus 1]]
#          [--perf|--profile] [--param NAME=VALUE]... [--ab NAME=VALUE]:
# the ESP data path's speed, espvti against the kernel's XFRM and
# WireGuard, with what it costs in CPU and memory and the physical limit
# beside it. Documentation/performance.rst says what it measures, how,
# and what it measured last.
#
# Two VM boots (one with --quick): two vCPUs, then one. In each, every
# row is a tunnel between two namespaces of its own joined by a veth,
# inner MTU 1406, all made at once and warmed up first:
#
#   veth            no IPsec: the veth alone
#   xfrm-esp        xfrm interfaces, AES-GCM-128 (ICV 16), raw ESP
#   espvti-esp      espvti, the same
#   xfrm-udp        xfrm interfaces, ESP in UDP 4500 (a UDP_ENCAP socket held)
#   espvti-udp      espvti, encap udp
#   wg              WireGuard
#   espvti-chacha   espvti, ChaCha20-Poly1305, encap udp (WireGuard's shape)
#
# Each row is measured with one TCP flow (Mbit/s) and 64-byte UDP
# (packets/s the receiver got), S seconds each (default 5), the iperf3
# client on vCPU 0 and the server on vCPU 1, in N rounds (default 5), the
# rows in one order in odd rounds and reversed in even ones, so that each
# pair is measured A B B A. Printed: each row's medians with their range,
# the busy time of each vCPU, TCP retransmits, replay drops and the
# AEAD share (how much of the busy time the bare AEAD work of those bytes
# would take); the median and the smallest of the per-round ratios
# espvti/xfrmi and espvti/WireGuard; the serial efficiency (one vCPU
# against two); the bare AEAD speed of both transforms at 96 and 1400
# bytes on one and on all vCPUs (tests/bench/espvti_aeadbench.c); memory
# per inbound SA (10k and 100k on one interface) and 64-byte UDP with 1
# SA and with 100k; the host (its load before and after, the CPU other
# processes took during each boot: a busy host is flagged), the
# accelerator, QEMU, the guest's CPU flags and AEAD drivers. All of it
# goes to tests/build/vm-bench-KERNEL/bench.txt beside the raw data.
#
# Not a test: it fails only when it cannot run (a build, the VM, a tunnel
# that carries nothing), never on slowness. Under TCG (no working KVM)
# the figures say little about real hardware: compare ratios, and only
# between runs on one machine.
#
#   tests/bench.sh                   # stock kernel, 5 s, 5 rounds (~18 min)
#   tests/bench.sh --quick           # 3 rows, one boot, 2 rounds of 2 s
#   tests/bench.sh --time 10 --rounds 7 --perf
#   tests/bench.sh --quick --vcpus 1 # the quick rows in a one-vCPU boot
#   tests/bench.sh --quick --rounds 1 --time 6 --profile  # instructions
#                                    # per packet and per function, counted
#                                    # by QEMU (TCG; tests/bench/profile.py)
#   tests/bench.sh --kernel debug    # the KASAN kernel: slow, for curiosity
#   tests/bench.sh --param parallel=0  # espvti.ko's module parameters
#   tests/bench.sh --quick --ab parallel=0  # a row espvti-ab: espvti-esp
#                                    # with the parameter set while it runs
#   tests/bench.sh --quick --ab vti0.threaded=1  # or the interface's sysfs
#                                    # attribute (/sys/class/net/vti0/)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
. tests/vm/lib.sh

kernel=stock secs= rounds= quick=0 perf= params= ab= vcpus=2
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--time) secs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	--vcpus) vcpus=$2; shift 2 ;;
	--perf) perf=perf; shift ;;
	--profile) perf=profile; shift ;;
	--param)
		[[ ${2:-} =~ ^[a-z_]+=[A-Za-z0-9_]+$ ]] || die "--param takes NAME=VALUE"
		params="${params:+$params }$2"; shift 2 ;;
	--ab)
		[[ ${2:-} =~ ^[a-z0-9_.]+=[A-Za-z0-9_]+$ ]] || die "--ab takes NAME=VALUE"
		ab=$2; shift 2 ;;
	-h|--help) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (--kernel stock|debug, --time S, --rounds N, --quick, --vcpus 1|2, --perf, --profile, --param NAME=VALUE, --ab NAME=VALUE)" ;;
	esac
done
if [ "$quick" = 1 ]; then
	secs=${secs:-2} rounds=${rounds:-2}
else
	secs=${secs:-5} rounds=${rounds:-5}
fi
[ "$vcpus" = 1 ] || [ "$vcpus" = 2 ] || die "--vcpus takes 1 or 2"
[ "$vcpus" = 2 ] || [ "$quick" = 1 ] || die "--vcpus 1 goes with --quick (the full bench boots both)"
[[ $secs =~ ^[0-9]+$ ]] && [ "$secs" -ge 2 ] || die "--time takes whole seconds, 2 or more"
[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] || die "--rounds takes a number, 1 or more"

start=$EPOCHREALTIME
tests/deps.sh
make -s -C tools/espvti >&2
case "$kernel" in
stock) kdir=$(tests/vm/stock-kernel.sh | sed -n 3p) ;;
debug) kdir=$(tests/vm/debug-kernel.sh) ;;
*) die "unknown kernel '$kernel' (stock or debug)" ;;
esac
moddir=$(tests/build-module.sh "$kernel" "$kdir")
# The AEAD speed module, built as the espvti module is.
aeaddir=$repo/tests/build/aeadbench-$kernel
mkdir -p "$aeaddir"
cp tests/bench/Kbuild tests/bench/espvti_aeadbench.c "$aeaddir/"
if ! make -C "$kdir" M="$aeaddir" W=1 modules > "$aeaddir/build.log" 2>&1 ||
	grep -E 'warning:|error:' "$aeaddir/build.log" >&2; then
	cat "$aeaddir/build.log" >&2
	die "tests/bench/espvti_aeadbench.c does not build cleanly against $kdir"
fi

out=tests/build/vm-bench-$kernel
rm -rf "$out"
mkdir -p "$out"

# --profile: QEMU counts the guest's instructions (TCG only) with
# tests/bench/tcg-profile.c; profile-mark, linked at a fixed address that
# no other guest program has, marks the windows.
plugin=
if [ "$perf" = profile ]; then
	pdir=$repo/tests/build/profile
	mkdir -p "$pdir"
	gcc -O2 -Wall -Wno-unused-parameter -shared -fPIC -o "$pdir/tcg-profile.so" \
		tests/bench/tcg-profile.c || die "tests/bench/tcg-profile.c does not build"
	gcc -O2 -Wall -nostdlib -static -fno-pie -no-pie -Wl,-Ttext-segment=0x13370000 \
		-o "$pdir/profile-mark" tests/bench/profile-mark.c || die "tests/bench/profile-mark.c does not build"
	mark=$(nm "$pdir/profile-mark" | awk '$3 == "_start" { print $1 }')
	plugin=$pdir/tcg-profile.so,marker=$mark,callers=on
fi

# host_cpu: the host's busy and steal ticks (all CPUs), and those of this
# script's finished children (QEMU among them), as "busy steal own".
host_cpu() {
	local l own
	read -r l < /proc/stat
	read -r own < /proc/$$/stat
	own=${own##*) }
	read -ra l <<< "$l"
	read -ra own <<< "$own"
	echo "$((l[1] + l[2] + l[3] + l[6] + l[7])) ${l[8]} $((own[13] + own[14]))"
}

{
	echo "date $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "host_model $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1)"
	echo "host_cpus $(nproc)"
	echo "host_kernel $(uname -r)"
	echo "qemu $(qemu-system-x86_64 --version | head -n 1)"
	echo "commit $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- module 2>/dev/null || echo ' (module/ modified)')"
	echo "options kernel $kernel time $secs rounds $rounds quick $quick perf ${perf:-off} params ${params:-none} ab ${ab:-none}"
	echo "loadavg_before $(cat /proc/loadavg)"
	echo "hz $(getconf CLK_TCK)"
} > "$out/host"
# The host's CPU over 3 s before the first boot, the bench idle: the load
# average still remembers the last minute, this is now.
c0=$(host_cpu) t0=$EPOCHREALTIME
sleep 3
echo "idle_before $t0 $EPOCHREALTIME $c0 $(host_cpu)" >> "$out/host"

# boot NAME SMP MODE: one VM (ESPVTI_SMP=SMP) into $out/NAME; the wall
# time and the host's CPU around it into $out/host.
boot() {
	local name=$1 smp=$2 mode=$3 t0 c0 rc=0
	t0=$EPOCHREALTIME c0=$(host_cpu)
	log "boot $name: $smp vCPU, $mode"
	ESPVTI_SMP=$smp ESPVTI_TCG_PLUGIN=${plugin:+$plugin,out=$repo/$out/$name/profile} \
		tests/vm/run.sh --kernel "$kernel" --out "$out/$name" --timeout 3600 -- \
		"ESPVTI_PARAMS=$(printf '%q' "$params")" "ESPVTI_AB=$(printf '%q' "$ab")" tests/bench-guest.sh "$moddir" "$aeaddir" "$secs" "$rounds" "$mode" $perf ||
		rc=$?
	echo "boot $name $t0 $EPOCHREALTIME $c0 $(host_cpu) rc $rc" >> "$out/host"
	return "$rc"
}

rc=0
if [ "$quick" = 1 ] && [ "$vcpus" = 1 ]; then
	boot smp1 1 quick || rc=$?
elif [ "$quick" = 1 ]; then
	boot smp2 2,sockets=2,cores=1 quick || rc=$?
else
	boot smp2 2,sockets=2,cores=1 full || rc=$?
	# One vCPU: the serial efficiency, in as many rounds (its TCP rows
	# carry a target of their own, and one vCPU's rounds spread the most
	# with the host); not the memory, which one boot says.
	boot smp1 1 serial || rc=$?
fi
echo "loadavg_after $(cat /proc/loadavg)" >> "$out/host"
echo "wall $start $EPOCHREALTIME" >> "$out/host"
if ! python3 tests/bench/report.py "$out" > "$out/bench.txt"; then
	log "no table; the guests' consoles: $out/*/console.log"
	exit 1
fi
if [ "$perf" = profile ]; then
	for d in "$out"/smp*; do
		[ -f "$d/profile-windows" ] || continue
		python3 tests/bench/profile.py "$d" > "$d/profile.txt" ||
			log "no profile table for $d"
		{ echo; cat "$d/profile.txt"; } >> "$out/bench.txt"
	done
fi
cat "$out/bench.txt"
exit "$rc"
