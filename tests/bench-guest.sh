#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-guest.sh MODDIR AEADDIR SECONDS ROUNDS MODE [perf|profile]: the guest part
# of tests/bench.sh (which reads it all back and prints the table; see
# there and Documentation/performance.rst). MODE:
#
#   full    every row, the bare AEAD speed, memory per SA (10k and 100k)
#   quick   veth, xfrmi and espvti over raw ESP; AEAD; memory (1k, 10k)
#   serial  every row, AEAD (the boot with one vCPU)
#
# ESPVTI_AB=NAME=VALUE adds a row espvti-ab after espvti-esp: the same
# tunnel, run with espvti.ko's parameter NAME set to VALUE (and back to
# what it was after each run), to compare a module change with itself in
# one boot, interleaved. NAME vti0.ATTR is the interface's sysfs
# attribute ATTR instead (/sys/class/net/vti0/ATTR, both ends).
#
# Loads espvti.ko from MODDIR and espvti_aeadbench.ko from AEADDIR; makes
# every tunnel at once, each between two namespaces of its own joined by a
# veth; warms each up; then ROUNDS rounds, the rows in one order in odd
# rounds and in the reverse order in even ones (A B, B A, ...), each row
# one TCP flow and 64-byte UDP for SECONDS. Writes only raw data to
# /tmp/out: env (the guest), crypto (/proc/crypto's AEADs once the tunnels
# are up), aead.log, raw/ROUND-ROW-TEST.json (iperf3) and .snap (counters
# before, in the window, after), mem, perf.txt, progress; with profile,
# profile-windows and kallsyms (the counts themselves are the plugin's).
set -u
moddir=$1 aeaddir=$2 secs=$3 rounds=$4 mode=$5 perf=${6:-}
repo=$(cd "$(dirname "$0")/.." && pwd)
espvti=$repo/tools/espvti/espvti
out=/tmp/out
raw=$out/raw
key_ab=0x000102030405060708090a0b0c0d0e0f10111213
key_ba=0x202122232425262728292a2b2c2d2e2f30313233
# ChaCha20-Poly1305: 32 bytes of key, 4 of salt.
ckey_ab=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223
ckey_ba=0x404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263
mkdir -p "$raw" /tmp/bench

log() { echo "# $*" >&2; }
# progress WHAT: a time-stamped line in the progress file (the phases' times).
progress() { echo "$EPOCHREALTIME $*" >> "$out/progress"; log "$*"; }

progress start
ncpu=$(nproc)
# The client on the first vCPU, the server on the second (one vCPU: both).
ccpu=0 scpu=$((ncpu > 1 ? 1 : 0))

# What udev would load on a real machine for its CPU (aesni_intel,
# ghash_clmulni_intel, the SIMD ChaCha and Poly1305...): the guest has no
# udev, and the crypto API would settle for the generic C code.
modprobe -a -q $(cat /sys/devices/system/cpu/modalias) 2>/dev/null
modprobe -a esp4 xfrm_interface wireguard chacha20poly1305 ||
	log "cannot load esp4, xfrm_interface, wireguard or chacha20poly1305"
read -ra deps <<< "$(modinfo -F depends "$moddir/espvti.ko" 2>/dev/null | tr , ' ')"
[ ${#deps[@]} -eq 0 ] || modprobe -a "${deps[@]}" || log "cannot load ${deps[*]}"
# bench.sh --param: espvti.ko's parameters (parallel=0...).
read -ra params <<< "${ESPVTI_PARAMS:-}"
insmod "$moddir/espvti.ko" "${params[@]}" || { log "cannot load $moddir/espvti.ko"; exit 1; }
{
	echo "kernel $(uname -r)"
	echo "cpus $ncpu"
	echo "mode $mode"
	echo "params ${ESPVTI_PARAMS:-none}"
	echo "ab ${ESPVTI_AB:-none}"
	echo "parallel $(cat /sys/module/espvti/parameters/parallel)"
	echo "rx on vCPU 0 (RPS to it alone, as a NIC with one queue)"
	echo "secs $secs"
	echo "rounds $rounds"
	echo "model $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1)"
	echo "flags $(sed -n 's/^flags\t*: //p' /proc/cpuinfo | head -n 1)"
	echo "modules $(lsmod | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ')"
	echo "memtotal $(sed -n 's/^MemTotal: *//p' /proc/meminfo)"
} > "$out/env"

# aead ALG KEYLEN: the bare AEAD speed of ALG (espvti_aeadbench.ko) into
# aead.log.
aead() {
	local ms=1000 sizes=96,1400
	[ "$mode" != quick ] || ms=500
	if ! insmod "$aeaddir/espvti_aeadbench.ko" alg="$1" keylen="$2" \
		sizes="$sizes" ms="$ms"; then
		log "espvti_aeadbench: $1 failed"
		dmesg | grep espvti_aeadbench >&2
		return 1
	fi
	rmmod espvti_aeadbench
	dmesg | grep 'espvti_aeadbench: alg' | grep -F "alg $1 " >> "$out/aead.log"
}

# ns_pid NS: a process that stays in NS (its /proc/PID/net is NS's), in
# $pid. Waits until it is there.
ns_pid() {
	local want have i
	ip netns exec "$1" sleep 100000 &
	pid=$!
	want="net:[$(stat -L -c %i "/run/netns/$1")]"
	for ((i = 0; i < 100; i++)); do
		have=$(readlink "/proc/$pid/ns/net" 2>/dev/null)
		[ "$have" != "$want" ] || return 0
		sleep 0.05
	done
	log "no process in $1"
	return 1
}

# topo ROW: namespaces ROW-a and ROW-b, a veth between them (MTU 1406
# for the veth row, whose traffic goes on the veth itself), each end
# receiving as a NIC with one queue whose interrupt vCPU 0 takes (RPS to
# vCPU 0 alone): in the order it was sent. A plain veth takes each packet
# on the vCPU that sent it, which reorders a flow its sender sends from
# two vCPUs (as XFRM does: from the application's vCPU and from the one
# its ACKs come on); RPS by hash keeps the sender's hash, where a NIC
# hashes the headers (load.sh's rss).
topo() {
	local a=$1-a b=$1-b
	ip netns add "$a" && ip netns add "$b" &&
	ip link add veth0 netns "$a" type veth peer name veth0 netns "$b" &&
	ip netns exec "$a" sh -c "echo 1 > /sys/class/net/veth0/queues/rx-0/rps_cpus" &&
	ip netns exec "$b" sh -c "echo 1 > /sys/class/net/veth0/queues/rx-0/rps_cpus" &&
	ip -n "$a" -batch - <<-EOF &&
		link set lo up
		addr add 10.0.0.1/24 dev veth0
		link set veth0 up
	EOF
	ip -n "$b" -batch - <<-EOF
		link set lo up
		addr add 10.0.0.2/24 dev veth0
		link set veth0 up
	EOF
}

# overlay NS DEV ME PEER
overlay() {
	ip -n "$1" link set "$2" mtu 1406 up &&
	ip -n "$1" addr add "172.16.0.$3/32" peer "172.16.0.$4" dev "$2"
}

# wait_port NS PORT: until something is bound to UDP PORT in NS (10 s).
wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ "$(ip netns exec "$1" ss -uan)" != *":$2 "* ]] || return 0
		sleep 0.1
	done
	log "nothing bound to UDP port $2 in $1"
	return 1
}

# encap_socket NS: XFRM takes ESP in UDP in only through a UDP socket with
# UDP_ENCAP (100) set to UDP_ENCAP_ESPINUDP (2), which an IKE daemon would
# hold: one on port 4500 in NS, open until the guest ends.
encap_socket() {
	ip netns exec "$1" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4500))
s.setsockopt(socket.SOL_UDP, 100, 2)
time.sleep(100000)' &
	wait_port "$1" 4500
}

# The ends: NS LOCAL REMOTE SPI_OUT KEY_OUT SPI_IN KEY_IN ME PEER ENCAP
# (udp or empty); each makes its device and says its name in $dev.

xfrm_end() {
	local e=
	if [ "${10}" = udp ]; then
		encap_socket "$1" || return 1
		e="encap espinudp 4500 4500 0.0.0.0"
	fi
	dev=xfrm0
	ip -n "$1" -batch - <<-EOF && overlay "$1" xfrm0 "$8" "$9"
		link add xfrm0 type xfrm dev veth0 if_id 42
		xfrm state add src $2 dst $3 proto esp spi $4 reqid 1 mode tunnel if_id 42 flag af-unspec aead rfc4106(gcm(aes)) $5 128 $e
		xfrm state add src $3 dst $2 proto esp spi $6 reqid 1 mode tunnel if_id 42 flag af-unspec replay-window 64 aead rfc4106(gcm(aes)) $7 128 $e
		xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 tmpl src $2 dst $3 proto esp reqid 1 mode tunnel
		xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 tmpl src $3 dst $2 proto esp reqid 1 mode tunnel
	EOF
}

espvti_end() {
	local alg=${11:-aes-gcm} icv=
	[ "$alg" != aes-gcm ] || icv="icv 16"
	dev=vti0
	ip -n "$1" link add vti0 type espvti &&
	"$espvti" -n "$1" set vti0 local "$2" remote "$3" ${10:+encap "${10}"} &&
	"$espvti" -n "$1" sa add vti0 dir out spi "$4" alg "$alg" key "$5" $icv &&
	"$espvti" -n "$1" sa add vti0 dir in spi "$6" alg "$alg" key "$7" $icv \
		replay-window 64 &&
	overlay "$1" vti0 "$8" "$9"
}

chacha_end() {
	espvti_end "$@" chacha20-poly1305
}

# WireGuard: the keys $wg_me (private key file) and $wg_peer (public key).
wg_end() {
	dev=wg0
	ip -n "$1" link add wg0 type wireguard &&
	ip netns exec "$1" wg set wg0 listen-port 51820 private-key "$wg_me" \
		peer "$wg_peer" endpoint "$3:51820" allowed-ips 0.0.0.0/0 &&
	overlay "$1" wg0 "$8" "$9"
}

# The rows: name, the end function, encap, keys.
all_rows=(veth xfrm-esp espvti-esp xfrm-udp espvti-udp wg espvti-chacha)
[ "$mode" != quick ] || all_rows=(veth xfrm-esp espvti-esp)
ab_name= ab_value= ab_default=
# ab_file: the file ESPVTI_AB names (a vti0 attribute: inside a namespace).
ab_file() {
	case "$ab_name" in
	vti0.*) echo "/sys/class/net/vti0/${ab_name#vti0.}" ;;
	*) echo "/sys/module/espvti/parameters/$ab_name" ;;
	esac
}
# ab_set VALUE: ESPVTI_AB's parameter or attribute set to VALUE.
ab_set() {
	local ns
	for ns in espvti-ab-a espvti-ab-b; do
		ip netns exec "$ns" sh -c "echo $1 > $(ab_file)" || log "cannot set $ab_name to $1"
	done
}
if [ -n "${ESPVTI_AB:-}" ]; then
	ab_name=${ESPVTI_AB%%=*} ab_value=${ESPVTI_AB#*=}
	if [[ $ab_name != vti0.* ]] && ! [ -w "$(ab_file)" ]; then
		log "espvti.ko has no writable parameter '$ab_name'"
		exit 1
	fi
	for ((i = 0; i < ${#all_rows[@]}; i++)); do
		[ "${all_rows[i]}" != espvti-esp ] ||
			all_rows=("${all_rows[@]:0:i+1}" espvti-ab "${all_rows[@]:i+1}")
	done
fi
declare -A devA devB pidA pidB dst

# setup ROW: its namespaces and tunnel, a process in each namespace, the
# iperf3 server in ROW-b; a ping must cross it.
setup() {
	local row=$1 a=$1-a b=$1-b end encap= ka=$key_ab kb=$key_ba n
	topo "$row" || { log "$row: no topology"; return 1; }
	case "$row" in
	veth) ip -n "$a" link set veth0 mtu 1406 && ip -n "$b" link set veth0 mtu 1406
		dev=veth0 end= ;;
	xfrm-esp) end=xfrm_end ;;
	espvti-esp|espvti-ab) end=espvti_end ;;
	xfrm-udp) end=xfrm_end encap=udp ;;
	espvti-udp) end=espvti_end encap=udp ;;
	espvti-chacha) end=chacha_end encap=udp ka=$ckey_ab kb=$ckey_ba ;;
	wg) end=wg_end
		wg genkey > /tmp/bench/wg-a && wg genkey > /tmp/bench/wg-b || return 1 ;;
	esac
	if [ -n "$end" ]; then
		[ "$row" != wg ] || { wg_me=/tmp/bench/wg-a; wg_peer=$(wg pubkey < /tmp/bench/wg-b); }
		"$end" "$a" 10.0.0.1 10.0.0.2 0x1001 "$ka" 0x2001 "$kb" 1 2 "$encap" ||
			{ log "$row: cannot configure the tunnel"; return 1; }
		[ "$row" != wg ] || { wg_me=/tmp/bench/wg-b; wg_peer=$(wg pubkey < /tmp/bench/wg-a); }
		"$end" "$b" 10.0.0.2 10.0.0.1 0x2001 "$kb" 0x1001 "$ka" 2 1 "$encap" ||
			{ log "$row: cannot configure the tunnel"; return 1; }
		dst[$row]=172.16.0.2
	else
		dst[$row]=10.0.0.2
	fi
	devA[$row]=$dev devB[$row]=$dev
	if ! ip netns exec "$a" ping -c 2 -W 2 -q "${dst[$row]}" >/dev/null; then
		log "$row: the tunnel carries nothing"
		return 1
	fi
	if [ -n "$encap" ]; then
		n=$(ip netns exec "$b" awk '/^Udp:/ { if (h) print $2; h = 1 }' /proc/net/snmp)
		if ! [ "${n:-0}" -ge 2 ]; then
			log "$row: the pings did not go in UDP"
			return 1
		fi
	fi
	ns_pid "$a" && pidA[$row]=$pid && ns_pid "$b" && pidB[$row]=$pid || return 1
	ip netns exec "$b" iperf3 -s -A "$scpu" >/dev/null 2>&1 &
	progress "$row: up"
}

# snap ROW: the counters of ROW's ends and the CPUs' times, read by bash
# alone (no process: it runs while iperf3 does), as lines
# "SOURCE LINE" for tests/bench/report.py.
snap() {
	local row=$1 l s f p
	s="time $EPOCHREALTIME"$'\n'
	while read -r l; do
		[[ $l != cpu* ]] || s+="stat $l"$'\n'
	done < /proc/stat
	for f in A B; do
		if [ "$f" = A ]; then p=${pidA[$row]}; else p=${pidB[$row]}; fi
		while read -r l; do
			[[ $l != *:* ]] || s+="dev$f $l"$'\n'
		done < "/proc/$p/net/dev"
		while read -r l; do
			[[ $l != Tcp:* ]] || s+="snmp$f $l"$'\n'
		done < "/proc/$p/net/snmp"
		if [[ $row == xfrm* ]]; then
			while read -r l; do
				s+="xfrm$f $l"$'\n'
			done < "/proc/$p/net/xfrm_stat"
		fi
	done
	printf '%s' "$s"
}

# espvti_stats ROW: both ends' counters (JSON), for the replay drops.
espvti_stats() {
	[[ $1 == espvti* ]] || return 0
	echo "statsA $("$espvti" -n "$1-a" -j stats vti0)"
	echo "statsB $("$espvti" -n "$1-b" -j stats vti0)"
}

# measure ROUND ROW TEST [SECONDS [MARK]]: one iperf3 run (TCP or UDP
# 64 B) of SECONDS from ROW-a to ROW-b, the client pinned; the counters
# before, in the window (from 1 s after the start to 0.5 s before the
# end) and after go to raw/ROUND-ROW-TEST.snap, iperf3's JSON beside it.
# MARK: a program run at both ends of the window (profile_round's).
measure() {
	local round=$1 row=$2 test=$3 t=${4:-$secs} mark=${5:-} f=$raw/$1-$2-$3 args=() client wms
	[ "$test" = tcp ] || args=(-u -l 64 -b 0)
	wms=$((t * 1000 - 1500))
	if [ "$row" = espvti-ab ]; then
		[ -n "$ab_default" ] || ab_default=$(ip netns exec espvti-ab-a cat "$(ab_file)")
		ab_set "$ab_value"
	fi
	{
		echo "begin pre"; espvti_stats "$row"; snap "$row"
		ip netns exec "$row-a" iperf3 -c "${dst[$row]}" -A "$ccpu" -t "$t" \
			"${args[@]}" -J > "$f.json" 2>&1 &
		client=$!
		sleep 1
		echo "begin w0"; snap "$row"
		[ -z "$mark" ] || "$mark"
		sleep "$((wms / 1000)).$(printf %03d $((wms % 1000)))"
		[ -z "$mark" ] || "$mark"
		echo "begin w1"; snap "$row"
		wait "$client"
		echo "begin post"; snap "$row"; espvti_stats "$row"
	} > "$f.snap"
	[ "$row" != espvti-ab ] || ab_set "$ab_default"
}

# perf_round: a profile of the whole guest during one espvti TCP run.
perf_round() {
	local t=$((secs > 4 ? secs : 4)) client
	if ! perf record -e cpu-clock -a -o /tmp/bench/perf.data -- true >/dev/null 2>&1; then
		echo "perf does not work in this guest" > "$out/perf.txt"
		return 0
	fi
	ip netns exec espvti-esp-a iperf3 -c 172.16.0.2 -A "$ccpu" -t "$t" >/dev/null 2>&1 &
	client=$!
	sleep 1
	perf record -e cpu-clock -a -o /tmp/bench/perf.data -- sleep $((t - 2)) >/dev/null 2>&1
	wait "$client"
	timeout 120 perf report -i /tmp/bench/perf.data --stdio --no-children --sort sym \
		--percent-limit 0.2 2>/dev/null | grep -v '^$' > "$out/perf.txt"
}

# profile_round: the guest's instructions, counted by QEMU (bench.sh
# --profile loads tests/bench/tcg-profile.c into it), in a window of a
# TCP and a 64-byte UDP run of every tunnel row. profile-mark opens and
# closes each window (the plugin writes what it counted since the last
# mark at each, numbered); profile-windows says which number is which
# row; kallsyms names the addresses, espvti.ko's and the other modules'.
profile_round() {
	local mark=$repo/tests/build/profile/profile-mark row test n=0
	for row in "${rows[@]}"; do
		[ "$row" != veth ] || continue
		for test in tcp udp; do
			measure profile "$row" "$test" "$((secs > 4 ? secs : 4))" "$mark"
			n=$((n + 2))
			echo "$n $row $test" >> "$out/profile-windows"
		done
	done
	cat /proc/kallsyms > "$out/kallsyms"
}

# mem_step LABEL: the kernel's memory after the caches are dropped.
mem_step() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	echo "begin $1"
	grep -E '^(Slab|SReclaimable|SUnreclaim|Percpu|MemFree):' /proc/meminfo
	sed -n '3,$p' /proc/slabinfo | awk '{ print "slab", $1, $2, $4 }'
}

# memory N1 N2: flood0, a second espvti interface in espvti-esp-b, with
# N1 and then N2 inbound SAs (the SPI table is the namespace's: vti0's SA
# is found among them), the memory after each; then 64-byte UDP through
# espvti-esp in as many rounds as the rows (at least 3), with the N2 SAs
# and with none (flood0 deleted, and made again), in the order N 1, 1 N,
# N 1, ...: a drift of the guest or the host hits both sides of a round's
# ratio alike.
memory() {
	local n1=$1 n2=$2 flood="python3 $repo/tests/bench/sa-flood.py" r
	{
		ip -n espvti-esp-b link add flood0 type espvti
		ip netns exec espvti-esp-b $flood flood0 0 | sed 's/^/flood0 /'
		mem_step base
		ip netns exec espvti-esp-b $flood flood0 "$n1" 0x10000000 | sed "s/^/flood$n1 /"
		mem_step "$n1"
		ip netns exec espvti-esp-b $flood flood0 "$((n2 - n1))" \
			$((0x10000000 + n1)) | sed "s/^/flood$n2 /"
		mem_step "$n2"
	} > "$out/mem" 2>&1
	progress "memory: $(grep '^flood' "$out/mem" | tr '\n' ' ')"
	for ((r = 1; r <= (rounds > 3 ? rounds : 3); r++)); do
		if ((r % 2)); then
			measure "sa$n2-$r" espvti-esp udp
			ip -n espvti-esp-b link del flood0
			measure "sa1-$r" espvti-esp udp
		else
			measure "sa1-$r" espvti-esp udp
			{ ip -n espvti-esp-b link add flood0 type espvti &&
				ip netns exec espvti-esp-b $flood flood0 "$n2" 0x10000000 >/dev/null; } ||
				log "flood0: cannot make it again with $n2 SAs"
			measure "sa$n2-$r" espvti-esp udp
		fi
	done
}

rc=0
progress "aead"
aead 'rfc4106(gcm(aes))' 20 || rc=1
[ "$mode" = quick ] || aead 'rfc7539esp(chacha20,poly1305)' 36 || rc=1

progress "setup"
rows=()
for row in "${all_rows[@]}"; do
	if setup "$row"; then rows+=("$row"); else rc=1; fi
done
[ ${#rows[@]} -gt 0 ] || { log "no row to measure"; exit 1; }
grep -A7 -E '^name *: .*(gcm|chacha|poly1305)' /proc/crypto > "$out/crypto"
lsmod | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ' | sed 's/^/modules /' >> "$out/env"

progress "warm-up"
for row in "${rows[@]}"; do
	measure warm "$row" tcp 2
	measure warm "$row" udp 2
done

for ((r = 1; r <= rounds; r++)); do
	progress "round $r"
	if ((r % 2)); then order=("${rows[@]}"); else
		order=()
		for ((i = ${#rows[@]} - 1; i >= 0; i--)); do order+=("${rows[i]}"); done
	fi
	for row in "${order[@]}"; do
		measure "$r" "$row" tcp
		measure "$r" "$row" udp
	done
done

if [ "$perf" = perf ] && [[ " ${rows[*]} " == *" espvti-esp "* ]]; then
	progress "perf"
	perf_round
elif [ "$perf" = profile ]; then
	progress "profile"
	profile_round
fi
if [[ " ${rows[*]} " == *" espvti-esp "* ]]; then
	case "$mode" in
	full) progress "memory"; memory 10000 100000 ;;
	quick) progress "memory"; memory 1000 10000 ;;
	esac
fi
progress "end"
exit "$rc"
