#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-guest.sh MODDIR SECONDS: the guest part of tests/bench.sh. Loads
# espvti.ko from MODDIR and measures (AES-GCM-128, ICV 16, outer IPv4,
# inner MTU 1406) xfrmi <-> xfrmi and espvti <-> espvti over raw ESP, then
# both again with ESP in UDP (RFC 3948, ports 4500/4500): one TCP flow and
# 64-byte UDP, SECONDS each, and writes the table to /tmp/out/bench.txt.
set -u
moddir=$1 secs=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
espvti=$repo/tools/espvti/espvti
results=/tmp/out/bench.txt
key_ab=0x000102030405060708090a0b0c0d0e0f10111213
key_ba=0x202122232425262728292a2b2c2d2e2f30313233

log() { echo "# $*" >&2; }

# What the module needs (udp_tunnel, ip6_udp_tunnel): insmod loads none.
read -ra deps <<< "$(modinfo -F depends "$moddir/espvti.ko" 2>/dev/null | tr , ' ')"
[ ${#deps[@]} -eq 0 ] || modprobe -a "${deps[@]}" || log "cannot load ${deps[*]}"
insmod "$moddir/espvti.ko" || log "cannot load $moddir/espvti.ko"

# topo: namespaces bA and bB, a veth between them.
topo() {
	local ns
	for ns in bA bB; do
		ip netns del "$ns" 2>/dev/null
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	ip link add vethA netns bA type veth peer name vethB netns bB &&
	ip -n bA addr add 10.0.0.1/24 dev vethA &&
	ip -n bB addr add 10.0.0.2/24 dev vethB &&
	ip -n bA link set vethA up &&
	ip -n bB link set vethB up
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
# hold: one on port 4500 in NS, kept open until measure kills it (its pid
# goes to holders).
encap_socket() {
	ip netns exec "$1" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4500))
s.setsockopt(socket.SOL_UDP, 100, 2)
time.sleep(3600)' &
	holders+=("$!")
	wait_port "$1" 4500
}

# The ends read $encap ("udp" or empty for raw ESP), set by measure.

# xfrm_end NS DEV LOCAL REMOTE SPI_OUT KEY_OUT SPI_IN KEY_IN ME PEER
xfrm_end() {
	local e=
	if [ "$encap" = udp ]; then
		encap_socket "$1" || return 1
		e="encap espinudp 4500 4500 0.0.0.0"
	fi
	ip -n "$1" -batch - <<-EOF && overlay "$1" xfrm0 "$9" "${10}"
		link add xfrm0 type xfrm dev $2 if_id 42
		xfrm state add src $3 dst $4 proto esp spi $5 reqid 1 mode tunnel if_id 42 flag af-unspec aead rfc4106(gcm(aes)) $6 128 $e
		xfrm state add src $4 dst $3 proto esp spi $7 reqid 1 mode tunnel if_id 42 flag af-unspec replay-window 64 aead rfc4106(gcm(aes)) $8 128 $e
		xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 tmpl src $3 dst $4 proto esp reqid 1 mode tunnel
		xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 tmpl src $4 dst $3 proto esp reqid 1 mode tunnel
	EOF
}

# espvti_end NS DEV LOCAL REMOTE SPI_OUT KEY_OUT SPI_IN KEY_IN ME PEER
espvti_end() {
	ip -n "$1" link add vti0 type espvti &&
	"$espvti" -n "$1" set vti0 local "$3" remote "$4" ${encap:+encap "$encap"} &&
	"$espvti" -n "$1" sa add vti0 dir out spi "$5" alg aes-gcm key "$6" icv 16 &&
	"$espvti" -n "$1" sa add vti0 dir in spi "$7" alg aes-gcm key "$8" icv 16 \
		replay-window 64 &&
	overlay "$1" vti0 "$9" "${10}"
}

# tunnel KIND: configures KIND at both ends and measures through it.
tunnel() {
	local kind=$1 j n
	topo || { log "$label: no topology"; return 1; }
	"${kind}_end" bA vethA 10.0.0.1 10.0.0.2 0x1001 $key_ab 0x2001 $key_ba 1 2 &&
	"${kind}_end" bB vethB 10.0.0.2 10.0.0.1 0x2001 $key_ba 0x1001 $key_ab 2 1 ||
		{ log "$label: cannot configure the tunnel"; return 1; }
	if ! ip netns exec bA ping -c 2 -W 2 -q 172.16.0.2 >/dev/null; then
		log "$label: the tunnel carries nothing"
		return 1
	fi
	# The pings went in UDP (ESP in UDP) or not at all (raw ESP).
	n=$(ip netns exec bB awk '/^Udp:/ { if (h) print $2; h = 1 }' /proc/net/snmp)
	log "$label: $n UDP datagrams in at bB after the pings"
	if [ "$encap" = udp ] && ! [ "${n:-0}" -ge 2 ]; then
		log "$label: the pings did not go in UDP"
		return 1
	fi
	ip netns exec bB iperf3 -s >/dev/null 2>&1 &
	holders+=("$!")
	sleep 1
	j=$(ip netns exec bA iperf3 -c 172.16.0.2 -t "$secs" -J 2>/dev/null)
	TCP=$(echo "$j" | jq -r '.end.sum_received.bits_per_second / 1e6 | . * 100 | round / 100' 2>/dev/null || echo n/a)
	j=$(ip netns exec bA iperf3 -c 172.16.0.2 -u -l 64 -b 0 -t "$secs" -J 2>/dev/null)
	PPS=$(echo "$j" | jq -r '.end.sum | (.packets - .lost_packets) / .seconds | round' 2>/dev/null || echo n/a)
	log "$label: TCP $TCP Mbit/s, UDP 64 B $PPS packets/s"
}

# measure KIND [udp]: sets TCP (Mbit/s) and PPS, or "n/a"; then kills what
# it started (the iperf3 server, encap sockets) and removes the namespaces.
measure() {
	local kind=$1 encap=${2:-} label="$1 ${2:-esp}" holders=() rc=0
	TCP=n/a PPS=n/a
	tunnel "$kind" || rc=1
	if [ ${#holders[@]} -gt 0 ]; then
		kill "${holders[@]}" 2>/dev/null
		wait "${holders[@]}" 2>/dev/null
	fi
	ip netns del bA 2>/dev/null
	ip netns del bB 2>/dev/null
	return "$rc"
}

ratio() {
	if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && [ "$2" != 0 ]; then
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
	else
		echo n/a
	fi
}

rc=0
# The first measurement after boot comes out low (the guest still
# settles): one of xfrm, thrown away.
measure xfrm || true
measure xfrm || rc=1
x_tcp=$TCP x_pps=$PPS
measure espvti || rc=1
e_tcp=$TCP e_pps=$PPS
measure xfrm udp || rc=1
xu_tcp=$TCP xu_pps=$PPS
measure espvti udp || rc=1
eu_tcp=$TCP eu_pps=$PPS
row() { printf '%-32s %14s %16s\n' "$@"; }
{
	echo "# espvti bench: AES-GCM-128 ICV 16, outer IPv4, inner MTU 1406,"
	echo "# ESP in UDP on ports 4500/4500,"
	echo "# $(uname -r), $(nproc) CPUs, ${secs} s per measurement"
	row "" "TCP Mbit/s" "UDP 64 B pkt/s"
	row "xfrmi <-> xfrmi, ESP" "$x_tcp" "$x_pps"
	row "espvti <-> espvti, ESP" "$e_tcp" "$e_pps"
	row "xfrmi <-> xfrmi, ESP-in-UDP" "$xu_tcp" "$xu_pps"
	row "espvti <-> espvti, ESP-in-UDP" "$eu_tcp" "$eu_pps"
	row "espvti / xfrmi, ESP" "$(ratio "$e_tcp" "$x_tcp")" \
		"$(ratio "$e_pps" "$x_pps")"
	row "espvti / xfrmi, ESP-in-UDP" "$(ratio "$eu_tcp" "$xu_tcp")" \
		"$(ratio "$eu_pps" "$xu_pps")"
	row "espvti ESP-in-UDP / ESP" "$(ratio "$eu_tcp" "$e_tcp")" \
		"$(ratio "$eu_pps" "$e_pps")"
} > "$results"
cat "$results"
exit "$rc"
