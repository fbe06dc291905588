#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ESP data path: espvti against the kernel's own XFRM (an xfrm
# interface) and against itself, for every algorithm, inner and outer
# family, with and without ESN; what reaches the wire; and hostile input
# (wrong keys, replays, tampering, truncation, unknown SPIs, bad
# trailers, selectors, sequence number exhaustion) with the exact
# counters it must move.
#
# Two namespaces, joined by a veth:
#
#   esA: vethA 10.0.0.1/24 fd00::1/64      esB: vethB 10.0.0.2/24 fd00::2/64
#        vti0 (espvti) or xfrm0                  xfrm0 (if_id 42) or vti0
#        172.16.0.1 peer 172.16.0.2              172.16.0.2 peer 172.16.0.1
#        fd01::1 peer fd01::2                    fd01::2 peer fd01::1
#
# SPI 0x1001 carries A to B, 0x2001 B to A. Keys are a function of the
# SPI, so both ends compute the same ones. test_xfrm_baseline and
# test_crafter_vs_xfrm need no espvti: they prove the topology, the XFRM
# peer's configuration and esp.py (the packet crafter) right.
#
# When a test fails, both ends are described on "#   " lines: espvti's
# counters, SAs and policy, links, addresses, routes, XFRM states and
# the XFRM error counters.
#
# DP_QUICK=1 (what `make check` sets for the slow debug kernel): the
# first two combinations of each interop test only, and half the TCP;
# two of the XFRM baseline's four, three of the crafter's six transforms.
# DP_FULL=1: the interop tests run every transform with every
# combination of outer family and ESN (about twice as long); by default
# 11 combinations: every transform, and both outer families and both ESN
# states for each algorithm (all four combinations for AES-GCM). Each
# combination pings both ways over both inner families and moves 200 KB
# of TCP each way over each inner family (DP_QUICK=1: one way over IPv4
# and the other over IPv6, swapped with the outer family, so that the
# two combinations of a quick test, one per outer family, still move TCP
# each way over each inner family).
#
# Time: process creation is slow in a TCG guest (150-500 ms), so setup
# goes through `ip -batch`, pings run in parallel and esp.py serves a
# whole test from one process.
. "$(dirname "$0")/lib.sh"

SPI_AB=0x1001
SPI_BA=0x2001
IF_ID=42
# The transform of the next tunnel: algorithm, AES key bits, ICV bytes,
# ESN (0 or 1), outer family (4 or 6), replay window.
ALG=aes-gcm KEYBITS=128 ICV=16 ESN=0 OUTER=4 WINDOW=1024
# (A window wide enough that the reordering asynchronous crypto does on
# two CPUs never costs a packet, at either end.)
# Traffic counters may move unless a test names them; no other may.
TRAFFIC="tx_packets tx_bytes rx_packets rx_bytes"

BG_PIDS=()
TMPD=

# dp_begin: every test (and every subshell of a matrix) starts with it.
# Background processes, the temporary folder and the namespaces go when
# it ends; on a failure both ends are described first.
dp_begin() {
	TMPD=$(mktemp -d /tmp/datapath.XXXXXX)
	BG_PIDS=()
	ESP_PID=
	trap 'dp_end $?' EXIT
}

# (In the EXIT trap set -e holds, even where the test ignored it:
# nothing here may fail.)
dp_end() {
	local rc=$1 pid
	[ "$rc" = 0 ] || dp_diag >&2 || true
	esp_end
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	ns_cleanup
	[ -z "$TMPD" ] || rm -rf "$TMPD"
	exit "$rc"
}

dp_diag() {
	local ns
	for ns in esA esB; do
		[ -e "/run/netns/$ns" ] || continue
		{
			echo "== $ns"
			if ip -n "$ns" link show vti0 >/dev/null 2>&1; then
				echo "-- espvti -j stats vti0"
				"$ESPVTI" -n "$ns" -j stats vti0
				echo "-- espvti -j sa show vti0"
				"$ESPVTI" -n "$ns" -j sa show vti0
				echo "-- espvti policy show vti0"
				"$ESPVTI" -n "$ns" policy show vti0
			fi
			echo "-- ip -s link"
			ip -n "$ns" -s link
			echo "-- addresses, routes"
			ip -n "$ns" -br addr
			ip -n "$ns" route
			ip -n "$ns" -6 route
			if [ -n "$(ip -n "$ns" xfrm state)" ]; then
				echo "-- ip -s xfrm state"
				ip -n "$ns" -s xfrm state
				echo "-- xfrm_stat, non-zero"
				ip netns exec "$ns" awk '$2 != 0' /proc/net/xfrm_stat
			fi
		} 2>&1 | sed 's/^/#   /'
	done
}

# bg NS CMD...: CMD in NS in the background until the test ends.
bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	BG_PIDS+=($!)
}

# has WHAT TEXT REGEX: expect_match without a process (bash's =~).
has() {
	[[ $2 =~ $3 ]] || fail "$1: '$2' does not match /$3/"
}

# q CMD...: run CMD; fail the test with its output when it fails.
q() {
	local out
	out=$("$@" 2>&1) || fail "'$*' failed: $out"
}

# batch NS: `ip -n NS -batch -` of stdin; fails the test on any error.
batch() {
	local out
	out=$(ip -n "$1" -batch - 2>&1) || fail "ip -n $1 -batch failed: $out"
}

# The key helpers come in two forms: key_to VAR SPI sets VAR, key_of SPI
# prints; the first costs no process (a command substitution is a fork,
# and on the debug kernel every fork counts).

# hex_to VAR N SEED: N bytes of key material in hex, a function of SEED.
hex_to() {
	local _i _s=$(($3)) _h=
	for ((_i = 0; _i < $2; _i++)); do
		printf -v _h '%s%02x' "$_h" $(((_s * 131 + _i * 29 + (_s >> 8) * 7 + 3) & 255))
	done
	printf -v "$1" '%s' "$_h"
}

# key_to VAR SPI: the key of that SA for $ALG and $KEYBITS, salt
# included.
key_to() {
	local _n
	case $ALG in
	aes-gcm|aes-gmac) _n=$((KEYBITS / 8 + 4)) ;;
	chacha20-poly1305) _n=36 ;;
	aes-cbc-hmac-*) _n=$((KEYBITS / 8)) ;;
	*) fail "unknown algorithm $ALG" ;;
	esac
	hex_to "$1" "$_n" "$2"
	printf -v "$1" '0x%s' "${!1}"
}

# authkey_to VAR SPI: the HMAC key of that SA (aes-cbc-hmac-*: 20 bytes for
# SHA-1, 32 for SHA-256, 48 for SHA-384, 64 for SHA-512).
authkey_to() {
	local _n=32
	case $ALG in
	aes-cbc-hmac-sha1) _n=20 ;;
	aes-cbc-hmac-sha384) _n=48 ;;
	aes-cbc-hmac-sha512) _n=64 ;;
	esac
	hex_to "$1" "$_n" $(($2 + 0x5a5a))
	printf -v "$1" '0x%s' "${!1}"
}

key_of() {
	local k
	key_to k "$1"
	echo "$k"
}

authkey_of() {
	local k
	authkey_to k "$1"
	echo "$k"
}

# xfrm_alg KEY AUTHKEY: the algorithm of `ip xfrm state add` for $ALG.
xfrm_alg() {
	case $ALG in
	aes-gcm) echo "aead rfc4106(gcm(aes)) $1 $((ICV * 8))" ;;
	chacha20-poly1305) echo "aead rfc7539esp(chacha20,poly1305) $1 128" ;;
	aes-cbc-hmac-sha1) echo "enc cbc(aes) $1 auth-trunc hmac(sha1) $2 96" ;;
	aes-cbc-hmac-sha256) echo "enc cbc(aes) $1 auth-trunc hmac(sha256) $2 128" ;;
	aes-cbc-hmac-sha384) echo "enc cbc(aes) $1 auth-trunc hmac(sha384) $2 192" ;;
	aes-cbc-hmac-sha512) echo "enc cbc(aes) $1 auth-trunc hmac(sha512) $2 256" ;;
	aes-gmac) echo "aead rfc4543(gcm(aes)) $1 128" ;;
	esac
}

# espvti_alg KEY AUTHKEY: the algorithm of `espvti sa add` for $ALG.
espvti_alg() {
	case $ALG in
	aes-gcm) echo "alg aes-gcm key $1 icv $ICV" ;;
	aes-cbc-hmac-*) echo "alg $ALG key $1 auth-key $2" ;;
	*) echo "alg $ALG key $1" ;;
	esac
}

# transform: the current transform in words, for messages.
transform() {
	local t=$ALG e=off
	case $ALG in
	aes-gcm) t+="/$KEYBITS/icv$ICV" ;;
	aes-gmac|aes-cbc-hmac-*) t+="/$KEYBITS" ;;
	esac
	[ "$ESN" != 1 ] || e=on
	echo "$t outer-v$OUTER esn-$e"
}

# set_transform SPEC: ALG/KEYBITS/ICV/OUTER/ESN.
set_transform() {
	IFS=/ read -r ALG KEYBITS ICV OUTER ESN <<< "$1"
	outer_addrs
}

outer_addrs() {
	if [ "$OUTER" = 6 ]; then
		OUTER_A=fd00::1 OUTER_B=fd00::2
	else
		OUTER_A=10.0.0.1 OUTER_B=10.0.0.2
	fi
}

# topo [v4only]: the two namespaces and the underlay. v4only disables
# IPv6 on the tunnel interfaces made afterwards, so that nothing but
# what the test sends goes through them (no MLD, no router
# solicitations); the outer family must then be IPv4.
topo() {
	ns_new esA esB
	q ip link add vethA netns esA type veth peer name vethB netns esB
	batch esA <<-EOF
		addr add 10.0.0.1/24 dev vethA
		addr add fd00::1/64 dev vethA nodad
		link set vethA up
	EOF
	batch esB <<-EOF
		addr add 10.0.0.2/24 dev vethB
		addr add fd00::2/64 dev vethB nodad
		link set vethB up
	EOF
	outer_addrs
	V6=1
	if [ "${1:-}" = v4only ]; then
		V6=0
		q ip netns exec esA sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		q ip netns exec esB sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	fi
}

# The ends' parameters: end NS sets L (local), R (remote), SO (outbound
# SPI), SI (inbound SPI), DEV (underlay), ME and PEER (1 or 2).
end() {
	if [ "$1" = esA ]; then
		L=$OUTER_A R=$OUTER_B SO=$SPI_AB SI=$SPI_BA DEV=vethA ME=1 PEER=2
	else
		L=$OUTER_B R=$OUTER_A SO=$SPI_BA SI=$SPI_AB DEV=vethB ME=2 PEER=1
	fi
}

# conf_xfrm NS [KEY_IN]: an xfrm interface xfrm0 (if_id 42, not up) with
# one SA each way and policies for both inner families. KEY_IN: another
# inbound key (a wrong one). XFRM_IN_EXTRA: more for the inbound state
# (replay-seq N). States are af-unspec: XFRM matches a state's selector
# family to the inner packet's, and these carry both.
XFRM_IN_EXTRA=
conf_xfrm() {
	local ns=$1 ki=${2:-} flags=af-unspec fam ko ao ai
	end "$ns"
	[ "$ESN" = 1 ] && flags+=" esn"
	[ -n "$ki" ] || key_to ki "$SI"
	key_to ko "$SO"
	authkey_to ao "$SO"
	authkey_to ai "$SI"
	{
		echo "link add xfrm0 type xfrm dev $DEV if_id $IF_ID"
		echo "link set xfrm0 mtu 1400"
		echo "xfrm state add src $L dst $R proto esp spi $SO reqid 1" \
			"mode tunnel if_id $IF_ID flag $flags replay-window $WINDOW" \
			"$(xfrm_alg "$ko" "$ao")"
		echo "xfrm state add src $R dst $L proto esp spi $SI reqid 1" \
			"mode tunnel if_id $IF_ID flag $flags replay-window $WINDOW" \
			"$XFRM_IN_EXTRA $(xfrm_alg "$ki" "$ai")"
		for fam in 0.0.0.0/0 ::/0; do
			echo "xfrm policy add dir out src $fam dst $fam if_id $IF_ID" \
				"tmpl src $L dst $R proto esp reqid 1 mode tunnel"
			echo "xfrm policy add dir in src $fam dst $fam if_id $IF_ID" \
				"tmpl src $R dst $L proto esp reqid 1 mode tunnel"
		done
	} | batch "$ns"
	TUN[$ns]=xfrm0
}

# conf_espvti NS [KEY_IN [OUT_ARGS...]]: vti0 (not up) with its outer
# addresses and one SA each way. OUT_ARGS go to the outbound `sa add`
# (seq N).
conf_espvti() {
	local ns=$1 ki=${2:-} esn="" ko ao ai
	shift
	[ $# -gt 0 ] && shift
	end "$ns"
	[ "$ESN" = 1 ] && esn=esn
	[ -n "$ki" ] || key_to ki "$SI"
	key_to ko "$SO"
	authkey_to ao "$SO"
	authkey_to ai "$SI"
	q ip -n "$ns" link add vti0 type espvti
	q "$ESPVTI" -n "$ns" set vti0 local "$L" remote "$R"
	# shellcheck disable=SC2046,SC2086
	q "$ESPVTI" -n "$ns" sa add vti0 dir out spi "$SO" \
		$(espvti_alg "$ko" "$ao") $esn "$@"
	# shellcheck disable=SC2046,SC2086
	q "$ESPVTI" -n "$ns" sa add vti0 dir in spi "$SI" \
		$(espvti_alg "$ki" "$ai") $esn replay-window "$WINDOW"
	TUN[$ns]=vti0
}

# TUN[NS]: the tunnel interface conf_espvti or conf_xfrm made in NS
# (remembered, not asked from ip: on the debug kernel every process
# costs).
declare -A TUN

# up NS [DEV]: the tunnel interface up, with its inner addresses. Up
# first: IPv6 does not restore the route to a peer address added while
# the link was down.
up() {
	local dev=${2:-${TUN[$1]:-}}
	[ -n "$dev" ] || fail "up $1: no tunnel made by conf_espvti or conf_xfrm"
	end "$1"
	{
		echo "link set $dev up"
		echo "addr add 172.16.0.$ME/32 peer 172.16.0.$PEER dev $dev"
		if [ "$V6" = 1 ]; then
			echo "addr add fd01::$ME/128 peer fd01::$PEER dev $dev nodad"
		fi
	} | batch "$1"
}

# down NS: the tunnel interface and every XFRM state and policy of NS
# go, for the next combination.
down() {
	local dev=${TUN[$1]:-}
	[ -n "$dev" ] || fail "down $1: no tunnel made by conf_espvti or conf_xfrm"
	batch "$1" <<-EOF
		link del $dev
		xfrm state flush
		xfrm policy flush
	EOF
	unset "TUN[$1]"
}

# pings NS:DST...: in parallel, 2 echo requests to each, all answered.
pings() {
	local p i=0 pids=() out tf
	tf=$(transform)
	for p in "$@"; do
		ip netns exec "${p%%:*}" ping -c 2 -i 0.2 -W 2 "${p#*:}" \
			>"$TMPD/ping.$i" 2>&1 &
		pids+=($!)
		i=$((i + 1))
	done
	wait "${pids[@]}"
	i=0
	for p in "$@"; do
		out=$(<"$TMPD/ping.$i")
		has "ping ${p/:/ -> } $tf" "$out" ' 2 received'
		i=$((i + 1))
	done
}

# ping_none NS DST N [PING ARGS...]: N echo requests, no reply (what
# was sent is for the counters to tell).
ping_none() {
	local out
	out=$(ip netns exec "$1" ping -c "$3" -i 0.2 -W 1 "${@:4}" "$2" 2>&1) || true
	has "ping $1 -> $2 (no reply wanted)" "$out" ' 0 received'
}

# iperf_server NS: iperf3 -s in NS until the test ends.
iperf_server() {
	local i
	bg "$1" iperf3 -s --forceflush >"$TMPD/iperf-server.log" 2>&1
	for ((i = 0; i < 100; i++)); do
		[[ $(<"$TMPD/iperf-server.log") == *"listening"* ]] && return 0
		nap 0.1
	done
	fail "iperf3 server in $1 did not start"
}

# iperf_ok NS DST [-R]: 200 KB over TCP from NS to DST (-R: back); sets
# RATE (Mbit/s, as the receiver saw it).
iperf_ok() {
	local out re='([0-9.]+) Mbits/sec[^[:cntrl:]]*receiver'
	out=$(ip netns exec "$1" timeout 120 iperf3 -c "$2" -n 200K -f m \
		--connect-timeout 5000 "${@:3}" 2>&1) ||
		fail "iperf3 $1 -> $2 $* $(transform): $out"
	[[ $out =~ $re ]] || fail "iperf3 $1 -> $2 $*: no rate in: $out"
	RATE=${BASH_REMATCH[1]}
}

# cap_start NS DEV [pcap]: tcpdump on DEV until cap_stop, as text in
# $TMPD/cap.txt or (pcap) as $TMPD/cap.pcap.
cap_start() {
	local i out=(-l) file=$TMPD/cap.txt
	if [ "${3:-}" = pcap ]; then
		out=(-U -w "$TMPD/cap.pcap")
		file=/dev/null
	fi
	: >"$TMPD/tcpdump.log"
	bg "$1" tcpdump -Z root -i "$2" -nn "${out[@]}" >"$file" 2>"$TMPD/tcpdump.log"
	CAP_PID=$!
	for ((i = 0; i < 200; i++)); do
		[[ $(<"$TMPD/tcpdump.log") == *"listening on"* ]] && return 0
		nap 0.1
	done
	fail "tcpdump did not start: $(<"$TMPD/tcpdump.log")"
}

# cap_stop: stop tcpdump. Sets WIRE_ESP (SPI -> count), WIRE_SEQ (SPI ->
# the sequence numbers, in order) and WIRE_OTHER: every frame that is
# neither ESP nor underlay control (ARP, neighbour discovery, MLD).
declare -A WIRE_ESP WIRE_SEQ
cap_stop() {
	local line re='ESP\(spi=(0x[0-9a-f]+),seq=(0x[0-9a-f]+)\)' spi
	local ctl='^[0-9:.]+ (ARP,|IP6 .*ICMP6, (neighbor (solicitation|advertisement)|router solicitation|multicast listener))'
	nap 0.2
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null || true
	WIRE_ESP=() WIRE_SEQ=() WIRE_OTHER=
	[ -f "$TMPD/cap.txt" ] || return 0
	while IFS= read -r line; do
		if [ -z "$line" ]; then
			continue
		elif [[ $line =~ $re ]]; then
			spi=$((BASH_REMATCH[1]))
			WIRE_ESP[$spi]=$((${WIRE_ESP[$spi]:-0} + 1))
			WIRE_SEQ[$spi]+=" $((BASH_REMATCH[2]))"
		elif ! [[ $line =~ $ctl ]]; then
			WIRE_OTHER+="$line"$'\n'
		fi
	done <"$TMPD/cap.txt"
}

# expect_wire WHAT SPI...: the capture holds ESP with exactly these
# SPIs, each at least once, and nothing else but underlay control.
expect_wire() {
	local what=$1 got want spis=() s
	shift
	expect_eq "$what: frames that are not ESP" "$WIRE_OTHER" ""
	sorted_to got "${!WIRE_ESP[@]}"
	for s in "$@"; do
		spis+=("$((s))")
	done
	sorted_to want "${spis[@]}"
	expect_eq "$what: SPIs (decimal) on the wire" "$got" "$want"
}

# sorted_to VAR N...: the numbers in ascending order, space-separated
# (an insertion sort in bash: the lists are a few SPIs long).
sorted_to() {
	local _v=$1 _a=() _x _i
	shift
	for _x in "$@"; do
		_i=${#_a[@]}
		while [ "$_i" -gt 0 ] && [ "${_a[_i - 1]}" -gt "$_x" ]; do
			_a[_i]=${_a[_i - 1]}
			_i=$((_i - 1))
		done
		_a[_i]=$_x
	done
	printf -v "$_v" '%s' "${_a[*]}"
}

# stats NS: espvti's counters of vti0 in NS, as JSON.
stats() {
	local out
	out=$("$ESPVTI" -n "$1" -j stats vti0 2>&1) ||
		fail "espvti -n $1 -j stats vti0: $out"
	echo "$out"
}

# expect_deltas WHAT BEFORE AFTER [NAME=N | NAME=+N]...: between two
# snapshots (stats), each named counter moved by exactly N (+N: at least
# N); the traffic counters may move when not named; no other counter
# moved.
expect_deltas() {
	local what=$1 after=$3 kv k v w
	local -A want=() a=() b=()
	if ! counters_to a "$2" || ! counters_to b "$3"; then
		fail "$what: unreadable stats: '$2' '$3'"
	fi
	shift 3
	for kv in "$@"; do
		want[${kv%%=*}]=${kv#*=}
	done
	for k in "${!b[@]}"; do
		v=$((b[$k] - ${a[$k]:-0}))
		if [ -n "${want[$k]+x}" ]; then
			w=${want[$k]}
			unset "want[$k]"
			case $w in
			+*) [ "$v" -ge "${w#+}" ] ||
				fail "$what: $k moved by $v, want at least ${w#+}" ;;
			*) [ "$v" = "$w" ] || fail "$what: $k moved by $v, want $w" ;;
			esac
		elif [[ " $TRAFFIC " != *" $k "* ]] && [ "$v" != 0 ]; then
			fail "$what: $k moved by $v, want 0"
		fi
	done
	[ ${#want[@]} = 0 ] || fail "$what: no counter ${!want[*]} in: $after"
}

# counters_to ARRAY JSON: the counters of `espvti -j stats` (one flat
# object of numbers) into the associative ARRAY, without starting jq;
# fails on anything else.
counters_to() {
	local -n _c=$1
	local _s=$2 _re='^[{,] *"([a-z0-9_]+)": *([0-9]+) *'
	while [[ $_s =~ $_re ]]; do
		_c["${BASH_REMATCH[1]}"]=${BASH_REMATCH[2]}
		_s=${_s:${#BASH_REMATCH[0]}}
	done
	[ "$_s" = "}" ] && [ ${#_c[@]} -gt 0 ]
}

# xfrm_stat NS: /proc/net/xfrm_stat of NS.
xfrm_stat() {
	ip netns exec "$1" cat /proc/net/xfrm_stat
}

# expect_xfrm_clean NS [BEFORE [NAME=N...]]: the XFRM of NS counted no
# error since BEFORE (an xfrm_stat; empty: ever) but N of each NAME.
expect_xfrm_clean() {
	local ns=$1 now k v got='' want='' kv
	local -A was=()
	while read -r k v; do
		[ -z "$k" ] || was[$k]=$v
	done <<< "${2:-}"
	shift
	[ $# -gt 0 ] && shift
	for kv in "$@"; do
		want+="${kv%%=*}+${kv#*=} "
	done
	now=$(xfrm_stat "$ns")
	while read -r k v; do
		[ "$v" = "${was[$k]:-0}" ] || got+="$k+$((v - ${was[$k]:-0})) "
	done <<< "$now"
	expect_eq "XFRM errors in $ns $(transform)" "$got" "$want"
}

# link_stat NS DEV rx|tx packets|errors|dropped
link_stat() {
	ip -n "$1" -s -j link show "$2" | jq ".[0].stats64.$3.$4"
}

# tcp_transfers: the TCP transfers of the current combination, as
# INNER-FAMILY/DIRECTION words (4 or 6; up: A to B, down: B to A): each
# way over each inner family; with DP_QUICK=1 one way over each, which
# way depending on the outer family; without IPv6 inside, IPv4 only.
tcp_transfers() {
	if [ "$V6" != 1 ]; then
		echo 4/up 4/down
	elif [ "${DP_QUICK:-0}" != 1 ]; then
		echo 4/up 4/down 6/up 6/down
	elif [ "$OUTER" = 4 ]; then
		echo 4/up 6/down
	else
		echo 6/up 4/down
	fi
}

# traffic KIND_A KIND_B: both ends for the current transform (KIND
# espvti or xfrm), pings both ways over both inner families, 200 KB of
# TCP each way over each inner family (tcp_transfers); ESP with the two
# SPIs and nothing else on the wire; espvti's traffic counters grew and
# no other moved; XFRM counted no error. One "# " line.
traffic() {
	local ka=$1 kb=$2 before_a='' before_b='' xs_a='' xs_b='' ns t0=$SECONDS
	local t dst rates='' tf
	tf=$(transform)
	"conf_$ka" esA
	"conf_$kb" esB
	up esA
	up esB
	if [ "$ka" = espvti ]; then
		before_a=$(stats esA) || exit 1
	else
		xs_a=$(xfrm_stat esA)
	fi
	if [ "$kb" = espvti ]; then
		before_b=$(stats esB) || exit 1
	else
		xs_b=$(xfrm_stat esB)
	fi
	cap_start esB vethB
	if [ "$V6" = 1 ]; then
		pings esA:172.16.0.2 esB:172.16.0.1 esA:fd01::2 esB:fd01::1
	else
		pings esA:172.16.0.2 esB:172.16.0.1
	fi
	for t in $(tcp_transfers); do
		dst=172.16.0.2
		[ "${t%/*}" = 4 ] || dst=fd01::2
		if [ "${t#*/}" = up ]; then
			iperf_ok esA "$dst"
		else
			iperf_ok esA "$dst" -R
		fi
		rates+=" v$t $RATE"
	done
	cap_stop
	expect_wire "$ka <-> $kb $tf" $SPI_AB $SPI_BA
	if [ -n "$before_a" ]; then
		expect_deltas "esA $tf" "$before_a" "$(stats esA)" \
			tx_packets=+8 rx_packets=+8
	else
		expect_xfrm_clean esA "$xs_a"
	fi
	if [ -n "$before_b" ]; then
		expect_deltas "esB $tf" "$before_b" "$(stats esB)" \
			tx_packets=+8 rx_packets=+8
	else
		expect_xfrm_clean esB "$xs_b"
	fi
	echo "# $ka <-> $kb $tf: ok, ESP packets" \
		"${WIRE_ESP[$((SPI_AB))]}/${WIRE_ESP[$((SPI_BA))]}, TCP (Mbit/s)$rates," \
		"$((SECONDS - t0)) s"
	for ns in esA esB; do
		down $ns
	done
}

# matrix KIND_A KIND_B SPEC...: traffic for each SPEC
# (ALG/KEYBITS/ICV/OUTER/ESN) over one underlay, each in a subshell of
# its own; fails at the end, naming every combination that failed.
# Nothing here relies on set -e: each combination runs as an `if`
# condition, where bash ignores it; failures are fail, expect_* and exit.
matrix() {
	local ka=$1 kb=$2 spec failed=()
	shift 2
	dp_begin
	topo
	iperf_server esB
	for spec in "$@"; do
		set_transform "$spec"
		if ! (
			TMPD=$TMPD/c
			mkdir -p "$TMPD"
			CAP_PID=
			trap 'rc=$?; kill $CAP_PID 2>/dev/null || true
				[ $rc = 0 ] || dp_diag >&2 || true' EXIT
			traffic "$ka" "$kb"
		); then
			echo "# $ka <-> $kb $(transform): FAILED"
			failed+=("$(transform)")
			# A clean slate for the next combination.
			topo
			iperf_server esB
		fi
	done
	[ ${#failed[@]} = 0 ] || fail "$ka <-> $kb failed for: $(printf '[%s] ' "${failed[@]}")"
}

# specs TRANSFORM... -- SPEC...: the SPECs; with DP_FULL=1 instead every
# TRANSFORM (ALG/KEYBITS/ICV) with all four combinations of outer family
# and ESN.
specs() {
	local t
	if [ "${DP_QUICK:-0}" = 1 ]; then
		# The first two SPECs (both outer families, both ESN states).
		set -- "${@:$(($(arg_index -- "$@") + 1))}"
		echo "${@:1:2}"
		return
	fi
	if [ "${DP_FULL:-0}" != 1 ]; then
		echo "${@:$(($(arg_index -- "$@") + 1))}"
		return
	fi
	for t in "$@"; do
		[ "$t" != -- ] || break
		echo "$t/4/0 $t/6/1 $t/6/0 $t/4/1"
	done
}

# arg_index WORD ARGS...: the position of WORD among ARGS (from 1).
arg_index() {
	local w=$1 i=1
	shift
	while [ $# -gt 0 ] && [ "$1" != "$w" ]; do
		i=$((i + 1))
		shift
	done
	echo "$i"
}

# XFRM on both ends, each algorithm once: the topology and the peer's
# configuration that the other tests use are right (no espvti here).
# DP_QUICK=1: the first two (both outer families, both ESN states).
test_xfrm_baseline() {
	local specs=(aes-gcm/128/16/4/0 chacha20-poly1305/256/16/6/1
		aes-cbc-hmac-sha256/128/16/4/1 aes-gmac/128/16/6/0)
	[ "${DP_QUICK:-0}" != 1 ] || specs=("${specs[@]:0:2}")
	matrix xfrm xfrm "${specs[@]}"
}

# esp.py's packets are what XFRM accepts: a crafted echo request over
# each inner family is decrypted and counted, for each algorithm, with
# and without ESN, over both outer families; a flipped ICV byte is not.
# DP_QUICK=1: three algorithms (both outer families, both ESN states).
test_crafter_vs_xfrm() {
	local spec inner n want seq esn xs
	local specs=(aes-gcm/128/16/4/0 chacha20-poly1305/256/16/6/1
		aes-cbc-hmac-sha256/256/16/4/1 aes-gcm/256/12/4/1 aes-gcm/128/8/6/0
		aes-gmac/256/16/6/0)
	[ "${DP_QUICK:-0}" != 1 ] || specs=("${specs[@]:0:3}")
	dp_begin
	topo
	for spec in "${specs[@]}"; do
		set_transform "$spec"
		conf_xfrm esA
		up esA xfrm0
		xs=$(xfrm_stat esA)
		esn=()
		if [ "$ESN" = 1 ]; then
			esn=(--esn-hi 0)
		fi
		want=0 seq=6
		for inner in ping4:172.16.0.2,172.16.0.1 ping6:fd01::2,fd01::1 bad; do
			seq=$((seq + 1))
			if [ "$inner" = bad ]; then
				esp craft --netns esB --dst "$OUTER_A" --spi $SPI_BA \
					--seq $seq --alg "$ALG" --key "$(key_of $SPI_BA)" \
					--auth-key "$(authkey_of $SPI_BA)" --icv "$ICV" \
					"${esn[@]}" --flip 1
				nap 0.3
			else
				want=$((want + 1))
				esp craft --netns esB --dst "$OUTER_A" --spi $SPI_BA \
					--seq $seq --alg "$ALG" --key "$(key_of $SPI_BA)" \
					--auth-key "$(authkey_of $SPI_BA)" --icv "$ICV" \
					"${esn[@]}" --inner "$inner"
			fi
			for ((n = 0; n < 50; n++)); do
				[ "$(link_stat esA xfrm0 rx packets)" -lt $want ] || break
				nap 0.1
			done
			expect_eq "$(transform) $inner: xfrm0 rx packets" \
				"$(link_stat esA xfrm0 rx packets)" $want
		done
		expect_xfrm_clean esA "$xs" XfrmInStateProtoError=1
		echo "# crafter accepted by XFRM: $(transform)"
		down esA
	done
}

# espvti (A) against an xfrm interface (B), one test per algorithm
# family: every key size and ICV length, outer IPv4 and IPv6, ESN off
# and on, inner IPv4 and IPv6.
test_interop_aes_gcm() {
	# shellcheck disable=SC2046
	matrix espvti xfrm $(specs aes-gcm/128/16 aes-gcm/256/12 aes-gcm/128/8 -- \
		aes-gcm/128/16/4/0 aes-gcm/128/16/6/1 aes-gcm/256/12/6/0 \
		aes-gcm/256/12/4/1 aes-gcm/128/8/4/0)
}

test_interop_chacha20_poly1305() {
	# shellcheck disable=SC2046
	matrix espvti xfrm $(specs chacha20-poly1305/256/16 -- \
		chacha20-poly1305/256/16/4/0 chacha20-poly1305/256/16/6/1)
}

test_interop_aes_cbc_hmac_sha256() {
	# shellcheck disable=SC2046
	matrix espvti xfrm $(specs aes-cbc-hmac-sha256/128/16 aes-cbc-hmac-sha256/256/16 -- \
		aes-cbc-hmac-sha256/128/16/4/1 aes-cbc-hmac-sha256/256/16/6/0)
}

# HMAC-SHA-1-96, HMAC-SHA-384-192 and HMAC-SHA-512-256 with AES-CBC (what
# IKE peers propose by default: Cisco, FortiGate, strongSwan's defaults).
test_interop_aes_cbc_hmac_sha1_sha384_sha512() {
	# shellcheck disable=SC2046
	matrix espvti xfrm $(specs aes-cbc-hmac-sha1/128/12 aes-cbc-hmac-sha1/256/12 \
		aes-cbc-hmac-sha384/256/24 aes-cbc-hmac-sha512/256/32 -- \
		aes-cbc-hmac-sha1/128/12/4/1 aes-cbc-hmac-sha1/256/12/6/0 \
		aes-cbc-hmac-sha384/256/24/4/0 aes-cbc-hmac-sha512/256/32/6/1)
}

test_interop_aes_gmac() {
	# shellcheck disable=SC2046
	matrix espvti xfrm $(specs aes-gmac/128/16 aes-gmac/256/16 -- \
		aes-gmac/128/16/6/1 aes-gmac/256/16/4/0)
}

# espvti on both ends: each algorithm, both outer families, ESN off and
# on.
test_espvti_to_espvti() {
	local list=(aes-gcm/128/16/4/0 aes-gcm/256/8/6/1 chacha20-poly1305/256/16/4/1
		    aes-cbc-hmac-sha256/256/16/6/0 aes-gmac/128/16/4/1)

	# DP_QUICK=1: two of them (the debug kernel's run).
	[ "${DP_QUICK:-0}" != 1 ] || list=("${list[@]:0:2}")
	matrix espvti espvti "${list[@]}"
}

# An ESN SA crosses 2^32: espvti sends 2^32 - 3 up to 2^32 + 2 (the low
# half on the wire wraps to 0) and XFRM, told where the sequence is,
# accepts them all.
test_esn_wrap() {
	local out
	dp_begin
	ESN=1
	topo v4only
	conf_espvti esA "" seq 4294967292
	XFRM_IN_EXTRA="replay-seq 4294967290"
	conf_xfrm esB
	up esA
	up esB
	cap_start esB vethB
	out=$(ip netns exec esA ping -c 6 -i 0.2 -W 2 172.16.0.2 2>&1) || true
	has "pings across 2^32" "$out" ' 6 received'
	cap_stop
	expect_eq "low halves on the wire" "${WIRE_SEQ[$((SPI_AB))]}" \
		" 4294967293 4294967294 4294967295 0 1 2"
	expect_xfrm_clean esB
	out=$("$ESPVTI" -n esA -j sa show vti0) || fail "sa show: $out"
	expect_eq "the SA's last number" \
		"$(echo "$out" | jq '.[] | select(.dir == "out") | .seq')" 4294967298
}

# A wrong inbound key: every packet fails authentication, nothing is
# delivered, nothing is answered.
test_wrong_key() {
	local before
	dp_begin
	topo v4only
	conf_espvti esA "$(key_of 0x7777)"
	conf_xfrm esB
	up esA
	up esB
	before=$(stats esA) || exit 1
	ping_none esB 172.16.0.1 5
	expect_deltas "wrong key" "$before" "$(stats esA)" \
		rx_auth_failed=5 rx_packets=0 rx_bytes=0 tx_packets=0
	expect_eq "vti0 rx_packets" "$(link_stat esA vti0 rx packets)" 0
	# The other way the key is right: B reads A's requests, A cannot
	# read the replies.
	before=$(stats esA) || exit 1
	ping_none esA 172.16.0.2 3
	expect_deltas "wrong key, replies" "$before" "$(stats esA)" \
		rx_auth_failed=3 rx_packets=0 tx_packets=3
	expect_xfrm_clean esB
}

# A captured packet that A never saw is accepted once; copies with a
# flipped byte fail authentication; replays of it are refused.
test_replay_and_tamper() {
	local before frame
	dp_begin
	topo v4only
	conf_espvti esA
	conf_xfrm esB
	up esA
	up esB
	pings esB:172.16.0.1
	# While A has no underlay address, B's next request reaches A's
	# link but not its ESP input: captured, never seen by espvti.
	q ip -n esA addr del 10.0.0.1/24 dev vethA
	cap_start esB vethB pcap
	ping_none esB 172.16.0.1 1
	cap_stop
	esp frame "$TMPD/cap.pcap" --spi $SPI_BA
	frame=${ESP_OUT%$'\n'}
	q ip -n esA addr add 10.0.0.1/24 dev vethA
	before=$(stats esA) || exit 1
	# A flipped byte in the ICV, then in the ciphertext.
	esp send-frame --netns esB vethB "$frame" --flip 1
	esp send-frame --netns esB vethB "$frame" --flip 20
	nap 0.5
	expect_deltas "tampered" "$before" "$(stats esA)" rx_auth_failed=2 \
		rx_packets=0
	# The original is accepted (and answered), then only replays.
	before=$(stats esA) || exit 1
	esp send-frame --netns esB vethB "$frame"
	nap 0.5
	expect_deltas "original" "$before" "$(stats esA)" rx_packets=1 tx_packets=1
	before=$(stats esA) || exit 1
	esp send-frame --netns esB vethB "$frame" --count 3
	nap 0.5
	expect_deltas "replayed" "$before" "$(stats esA)" rx_replay=3 \
		rx_packets=0 tx_packets=0
}

# Crafted packets, with valid ICVs where it matters: a dummy packet
# (next header 59), bad padding, a pad length past the payload,
# truncation, a flipped ICV, an unknown SPI, sequence number 0, left of
# the window, a replay; each counted exactly where it belongs.
test_crafted_input() {
	dp_begin
	topo v4only
	WINDOW=64
	conf_espvti esA
	up esA
	local base=(--netns esB --dst "$OUTER_A" --spi $SPI_BA --key "$(key_of $SPI_BA)")
	# step WHAT CRAFT-ARGS... -- COUNTER=N...
	step() {
		local what=$1 args=() before
		shift
		while [ "$1" != -- ]; do
			args+=("$1")
			shift
		done
		shift
		before=$(stats esA) || exit 1
		esp craft "${base[@]}" "${args[@]}"
		nap 0.3
		expect_deltas "$what" "$before" "$(stats esA)" "$@"
		echo "# crafted: $what"
	}
	step "valid echo request" --seq 10 -- rx_packets=1 tx_packets=1
	step "dummy (next header 59)" --seq 11 --inner hex:00000000 \
		--next-header 59 -- rx_dummy=1 rx_packets=0 tx_packets=0
	step "bad padding" --seq 12 --pad bad -- rx_bad_trailer=1 rx_packets=0
	step "pad length past the payload" --seq 13 --pad long -- \
		rx_bad_trailer=1 rx_packets=0
	step "truncated" --seq 14 --truncate 12 -- rx_malformed=1 rx_packets=0
	step "flipped ICV" --seq 15 --flip 3 -- rx_auth_failed=1 rx_packets=0
	step "unknown SPI" --seq 16 --spi 0xdead -- rx_unknown_spi=1 rx_packets=0
	step "sequence number 0" --seq 0 -- rx_outside_window=1 rx_packets=0
	step "far ahead" --seq 1000 -- rx_packets=1 tx_packets=1
	step "left of the window" --seq 900 -- rx_outside_window=1 rx_packets=0
	step "inside the window" --seq 990 -- rx_packets=1 tx_packets=1
	step "replayed" --seq 990 -- rx_replay=1 rx_packets=0
	step "valid again" --seq 2000 -- rx_packets=1 tx_packets=1
}

# Selectors: an inner packet from outside them is refused on input; on
# output a destination, protocol or port outside them is not sent.
test_selectors() {
	local before udp
	dp_begin
	topo v4only
	conf_espvti esA
	conf_xfrm esB
	up esA
	up esB
	q "$ESPVTI" -n esA policy flush vti0
	q "$ESPVTI" -n esA policy add vti0 family inet src 172.16.0.0/24 dst 172.16.0.0/24
	pings esB:172.16.0.1
	q ip -n esB addr add 10.99.0.1/32 dev xfrm0
	before=$(stats esA) || exit 1
	ping_none esB 172.16.0.1 3 -I 10.99.0.1
	expect_deltas "source outside" "$before" "$(stats esA)" \
		rx_selector_mismatch=3 rx_packets=0 tx_packets=0
	q ip -n esA route add 10.98.0.0/24 dev vti0
	before=$(stats esA) || exit 1
	ping_none esA 10.98.0.1 3
	expect_deltas "destination outside" "$before" "$(stats esA)" \
		tx_no_policy=3 tx_packets=0
	q "$ESPVTI" -n esA policy flush vti0
	q "$ESPVTI" -n esA policy add vti0 family inet dst 172.16.0.2/32 proto udp dport 7000-7001
	udp="import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in sys.argv[1:]:
    s.sendto(b'x' * 20, ('172.16.0.2', int(p)))"
	before=$(stats esA) || exit 1
	q ip netns exec esA python3 -c "$udp" 7000 7001 6999 7002
	nap 0.3
	# B answers the two that it gets with port unreachable: ICMP, which
	# the UDP-only selectors refuse on the way in.
	expect_deltas "ports" "$before" "$(stats esA)" tx_packets=2 \
		tx_no_policy=2 rx_selector_mismatch=2 rx_packets=0
	ping_none esA 172.16.0.2 2
	expect_deltas "protocol" "$before" "$(stats esA)" tx_packets=2 \
		tx_no_policy=4 rx_selector_mismatch=2 rx_packets=0
	has "policy show" "$("$ESPVTI" -n esA policy show vti0)" '7000-7001'
}

# no_carrier WHAT: vti0 of esA has no carrier at once (no LOWER_UP), and
# its operational state follows within 3 s (NO-CARRIER: linkwatch works
# asynchronously).
no_carrier() {
	local l i
	l=$(ip -n esA link show vti0)
	[[ $l != *LOWER_UP* ]] || fail "$1: carrier: $l"
	for ((i = 0; i < 30; i++)); do
		l=$(ip -n esA link show vti0)
		[[ $l == *NO-CARRIER* ]] && return 0
		nap 0.1
	done
	fail "$1: not NO-CARRIER after 3 s: $l"
}

# Carrier follows the outbound SA: none before it, none with an inbound
# SA only, carrier with it, none after sa del and after sa flush.
test_carrier() {
	local sas spis s l dec=()
	dp_begin
	topo v4only
	q ip -n esA link add vti0 type espvti
	q ip -n esA link set vti0 up
	no_carrier "no SA"
	q "$ESPVTI" -n esA set vti0 local 10.0.0.1 remote 10.0.0.2
	# shellcheck disable=SC2046
	q "$ESPVTI" -n esA sa add vti0 dir in spi $SPI_BA \
		$(espvti_alg "$(key_of $SPI_BA)" "") replay-window 64
	no_carrier "inbound SA only"
	# shellcheck disable=SC2046
	q "$ESPVTI" -n esA sa add vti0 dir out spi $SPI_AB \
		$(espvti_alg "$(key_of $SPI_AB)" "")
	l=$(ip -n esA link show vti0)
	has "outbound SA" "$l" '[<,]LOWER_UP[,>]'
	[[ $l != *NO-CARRIER* ]] || fail "no carrier with an outbound SA: $l"
	sas=$("$ESPVTI" -n esA -j sa show vti0) || fail "sa show: $sas"
	expect_eq "SAs" "$(echo "$sas" | jq -c '[.[] | [.dir, (.current // false)]] | sort')" \
		'[["in",false],["out",true]]'
	for s in $(echo "$sas" | jq -r '.[].spi'); do
		dec+=("$((s))")
	done
	sorted_to spis "${dec[@]}"
	expect_eq "SPIs" "$spis" "$((SPI_AB)) $((SPI_BA))"
	q "$ESPVTI" -n esA sa del vti0 dir out spi $SPI_AB
	no_carrier "outbound SA deleted"
	# shellcheck disable=SC2046
	q "$ESPVTI" -n esA sa add vti0 dir out spi $SPI_AB \
		$(espvti_alg "$(key_of $SPI_AB)" "")
	l=$(ip -n esA link show vti0)
	[[ $l != *NO-CARRIER* ]] || fail "no carrier after sa add: $l"
	q "$ESPVTI" -n esA sa flush vti0
	no_carrier "after sa flush"
	expect_eq "no SA left" "$("$ESPVTI" -n esA -j sa show vti0 | jq length)" 0
}

# An outbound SA never wraps: started at 2^32 - 3 (the last number used)
# it sends 2^32 - 2 and 2^32 - 1, then counts tx_seq_overflow and sends
# nothing more.
test_seq_overflow() {
	local before
	dp_begin
	topo v4only
	conf_espvti esA "" seq 4294967293
	up esA
	before=$(stats esA) || exit 1
	cap_start esB vethB
	ip netns exec esA ping -c 5 -i 0.2 -W 1 172.16.0.2 >/dev/null 2>&1 || true
	cap_stop
	expect_eq "on the wire" "${WIRE_SEQ[$((SPI_AB))]}" " 4294967294 4294967295"
	# A spent SA is a hard expiry: it goes, and carrier with it. The
	# third packet at least is counted as overflow; those after the SA
	# went meet no SA.
	expect_deltas "overflow" "$before" "$(stats esA)" tx_packets=2 \
		tx_seq_overflow=+1 tx_no_sa=+0 rx_packets=0
	expect_eq "the spent SA is gone" \
		"$("$ESPVTI" -n esA -j sa show vti0 | jq '[.[] | select(.dir == "out")] | length')" 0
}

run_tests
