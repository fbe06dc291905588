#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a router needs from the tunnel, espvti at both ends: the MTU it
# picks, ICMP "fragmentation needed" and ICMPv6 "packet too big" for a
# packet the path cannot carry (the path MTU set locally, or reported by
# a router on an IPv4 or IPv6 underlay), a tunnel routed into itself,
# DSCP and ECN on the outer header, ECN decapsulation (RFC 6040), the
# inner TTL left alone, big TCP (GSO) segments, and an interface that
# lives in one namespace and sends from another (the underlay).
#
#   rtA: veth 10.0.0.1/24 fd00::1/64   rtB: veth 10.0.0.2/24 fd00::2/64
#        vti0 172.16.0.1 peer .2            vti0 172.16.0.2 peer .1
#        (inner6: fd01::1 peer ::2)         (inner6: fd01::2 peer ::1)
. "$(dirname "$0")/lib.sh"


# inner6 NS ME PEER: the IPv6 inner addresses fd01::ME peer fd01::PEER
# on vti0 of NS.
inner6() {
	ip -n "$1" addr add "fd01::$2/128" peer "fd01::$3" dev vti0 nodad
}

pair() {
	ns_new rtA rtB
	underlay rtA rtB
	tunnel_side rtA 10.0.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	tunnel_side rtB 10.0.0.2 10.0.0.1 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB
}

# wait_stat NS COUNTER WANT: the counter reaches WANT within 5 s (the
# receive side completes asynchronously), and is exactly WANT.
wait_stat() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(stat "$1" "$2")" -lt "$3" ] || break
		nap 0.1
	done
	expect_eq "$1 $2" "$(stat "$1" "$2")" "$3"
}

# The MTU follows the SA: 1500 - 20 (IPv4) - 8 (SPI, seq) - 8 (IV) -
# 16 (ICV) = 1448, aligned to 4, less pad length and next header: 1446.
test_mtu_from_sa() {
	ns_new rtA rtB
	underlay rtA rtB
	ip -n rtA link add vti0 type espvti
	expect_match "before any SA" "$(ip -n rtA link show vti0)" 'mtu 1406 '
	ip -n rtA link del vti0
	tunnel_side rtA 10.0.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	expect_match "GCM over IPv4" "$(ip -n rtA link show vti0)" 'mtu 1446 '
	# A CBC SA (16-byte IV and block) replaces it: 1500 - 20 - 8 - 16 -
	# 16 = 1440, aligned to 16: 1440, - 2 = 1438. No flap: carrier stays.
	expect_ok "$ESPVTI" -n rtA sa add vti0 dir out spi 0x1002 alg aes-cbc-hmac-sha256 \
		key 0x000102030405060708090a0b0c0d0e0f \
		auth-key 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f
	expect_match "CBC over IPv4" "$(ip -n rtA link show vti0)" 'mtu 1438 .*state UP'
	# Set by hand, the MTU stays.
	ip -n rtA link set vti0 mtu 1300
	expect_ok "$ESPVTI" -n rtA sa add vti0 dir out spi 0x1003 alg aes-gcm key $KEY_AB
	expect_match "by hand" "$(ip -n rtA link show vti0)" 'mtu 1300 '
	# Given when the interface is made, too (ip link add ... mtu N).
	ip -n rtA link add vti1 mtu 1350 type espvti
	expect_ok "$ESPVTI" -n rtA set vti1 local 10.0.0.1 remote 10.0.0.2
	expect_ok "$ESPVTI" -n rtA sa add vti1 dir out spi 0x3001 alg aes-gcm key $KEY_AB
	expect_match "given at creation" "$(ip -n rtA link show vti1)" 'mtu 1350 '
}

# A user's MTU handed back: `set DEV mtu-auto on` makes the MTU the one
# the current SA leaves of the path again (or a new interface's default
# without an SA), with no carrier flap; `mtu-auto off` pins the present
# one. show says whose the MTU is.
test_mtu_auto() {
	local j flaps
	ns_new rtA rtB
	underlay rtA rtB
	tunnel_side rtA 10.0.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	expect_match "auto at first" "$("$ESPVTI" -n rtA show vti0)" '^vti0: id [0-9]+ mtu 1446 carrier on'
	expect_eq "JSON: auto" "$("$ESPVTI" -n rtA -j show vti0 | jq '.[0].mtu_auto')" true
	ip -n rtA link set vti0 mtu 1300
	expect_match "by hand" "$("$ESPVTI" -n rtA show vti0)" '^vti0: id [0-9]+ mtu 1300 mtu-auto off carrier on'
	expect_eq "JSON: by hand" "$("$ESPVTI" -n rtA -j show vti0 | jq '.[0].mtu_auto')" false
	flaps=$(ip netns exec rtA cat /sys/class/net/vti0/carrier_changes)
	expect_ok "$ESPVTI" -n rtA set vti0 mtu-auto on
	expect_match "handed back" "$(ip -n rtA link show vti0)" 'mtu 1446 .*state UP'
	expect_match "show: auto again" "$("$ESPVTI" -n rtA show vti0)" '^vti0: id [0-9]+ mtu 1446 carrier on'
	expect_eq "no flap" "$(ip netns exec rtA cat /sys/class/net/vti0/carrier_changes)" "$flaps"
	# Auto again: a CBC SA changes the MTU as it would have.
	expect_ok "$ESPVTI" -n rtA sa add vti0 dir out spi 0x1002 alg aes-cbc-hmac-sha256 \
		key 0x000102030405060708090a0b0c0d0e0f \
		auth-key 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f
	expect_match "follows the SA" "$(ip -n rtA link show vti0)" 'mtu 1438 '
	# Off pins the present MTU: the next SA leaves it.
	expect_ok "$ESPVTI" -n rtA set vti0 mtu-auto off
	expect_ok "$ESPVTI" -n rtA sa add vti0 dir out spi 0x1003 alg aes-gcm key $KEY_AB
	expect_match "pinned" "$("$ESPVTI" -n rtA show vti0)" '^vti0: id [0-9]+ mtu 1438 mtu-auto off carrier on'
	# An MTU given at creation, on an interface without SA or peer: back to
	# a new interface's default.
	ip -n rtA link add vti1 mtu 1350 type espvti
	expect_match "given at creation" "$("$ESPVTI" -n rtA show vti1)" '^vti1: id [0-9]+ mtu 1350 mtu-auto off carrier off'
	expect_ok "$ESPVTI" -n rtA set vti1 mtu-auto on
	expect_match "default without SA" "$(ip -n rtA link show vti1)" 'mtu 1406 '
	j=$("$ESPVTI" -n rtA -j show vti1)
	expect_eq "JSON after" "$(echo "$j" | jq -c '.[0] | [.mtu, .mtu_auto, .carrier]')" '[1406,true,false]'
	# Bad input changes nothing.
	ip -n rtA link set vti1 mtu 1350
	expect_fail "$ESPVTI" -n rtA set vti1 mtu-auto maybe
	expect_match "unchanged" "$(ip -n rtA link show vti1)" 'mtu 1350 '
	expect_fail "$ESPVTI" -n rtA set vti1 mtu-auto on remote 10.0.0.2 local fd00::1
	expect_match "a refused set keeps it" "$(ip -n rtA link show vti1)" 'mtu 1350 '
}

# A packet with DF that the path cannot carry: "fragmentation needed" to
# the sender, with the MTU the tunnel can carry, counted as too big.
test_pmtu_frag_needed() {
	local out
	pair
	# The path to the peer shrinks to 1400: 1400 - 52 = 1348 - 2 = 1346.
	ip -n rtA route replace 10.0.0.2/32 dev veth0 mtu 1400
	out=$(ip netns exec rtA ping -c 1 -W 2 -M do -s 1400 172.16.0.2 2>&1 || true)
	expect_match "ICMP to the sender" "$out" 'mtu ?=? ?1346'
	expect_eq "tx_too_big" "$(stat rtA tx_too_big)" 1
	# What fits goes through: 1346 - 20 - 8 = 1318 bytes of ping data.
	expect_ok ip netns exec rtA ping -c 1 -W 2 -M do -s 1318 172.16.0.2
	[ "$(stat rtB rx_packets)" -ge 1 ] || fail "rx_packets at B: $(stat rtB rx_packets)"
	# Without DF it is sent anyway; the outer packet is fragmented.
	expect_ok ip netns exec rtA ping -c 1 -W 2 -M dont -s 1400 172.16.0.2
}

# A router on the underlay path with a smaller MTU: its "fragmentation
# needed" about our ESP reaches espvti's ICMP handler, the outer route
# learns 1300, and the next too-big inner packet gets "fragmentation
# needed" with what 1300 leaves: 1300 - 52 = 1248 - 2 = 1246.
test_pmtu_from_underlay_router() {
	local out
	ns_new rtA rtR rtB
	ip link add veth0 netns rtA type veth peer name veth0 netns rtR
	ip link add veth1 netns rtR type veth peer name veth1 netns rtB
	ip -n rtA addr add 10.0.0.1/24 dev veth0
	ip -n rtR addr add 10.0.0.254/24 dev veth0
	ip -n rtR addr add 10.0.1.254/24 dev veth1
	ip -n rtB addr add 10.0.1.2/24 dev veth1
	ip -n rtR link set veth1 mtu 1300
	ip -n rtB link set veth1 mtu 1300
	for l in rtA:veth0 rtR:veth0 rtR:veth1 rtB:veth1; do
		ip -n "${l%:*}" link set "${l#*:}" up
	done
	ip -n rtA route add default via 10.0.0.254
	ip -n rtB route add default via 10.0.1.254
	ip netns exec rtR sysctl -qw net.ipv4.ip_forward=1
	tunnel_side rtA 10.0.0.1 10.0.1.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	tunnel_side rtB 10.0.1.2 10.0.0.1 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB
	expect_match "A's MTU, from its own link" "$(ip -n rtA link show vti0)" 'mtu 1446 '
	# 1400 + 28 fits A's interface, but not R's second link: R answers.
	ip netns exec rtA ping -c 1 -W 1 -M do -s 1400 172.16.0.2 >/dev/null 2>&1 || true
	out=$(ip netns exec rtA ping -c 1 -W 2 -M do -s 1400 172.16.0.2 2>&1 || true)
	expect_match "ICMP to the sender" "$out" 'mtu ?=? ?1246'
	expect_ok ip netns exec rtA ping -c 1 -W 2 -M do -s 1218 172.16.0.2
}

# An IPv6 packet the path cannot carry (nothing fragments IPv6 on the
# way: DF is implied): dropped, counted as too big, and "packet too big"
# with the MTU the tunnel can carry reaches the sender, whose route
# learns it; the sender on rtA itself, then a host (rtH) that rtA routes
# into the tunnel. (The host pings fd04::2 on rtB: to fd01::2 rtA's own
# route, which learnt 1346, would answer before the tunnel sees it.)
test_pmtu_too_big_v6() {
	local out
	pair
	inner6 rtA 1 2
	inner6 rtB 2 1
	ns_new rtH
	ip link add veth1 netns rtH type veth peer name veth1 netns rtA
	ip -n rtH addr add fd03::2/64 dev veth1 nodad
	ip -n rtA addr add fd03::1/64 dev veth1 nodad
	ip -n rtH link set veth1 up
	ip -n rtA link set veth1 up
	ip -n rtH -6 route add default via fd03::1
	ip -n rtB -6 route add fd03::/64 dev vti0
	ip -n rtB addr add fd04::2/128 dev lo
	ip -n rtA -6 route add fd04::/64 dev vti0
	ip netns exec rtA sysctl -qw net.ipv6.conf.all.forwarding=1
	# The path to the peer shrinks to 1400: 1400 - 52 = 1348 - 2 = 1346,
	# less than the interface's 1446.
	ip -n rtA route replace 10.0.0.2/32 dev veth0 mtu 1400
	expect_match "interface MTU" "$(ip -n rtA link show vti0)" 'mtu 1446 '
	# 1350 + 8 + 40 = 1398 bytes: the interface takes them, the path not.
	out=$(ip netns exec rtA ping -6 -c 1 -W 2 -M do -s 1350 fd01::2 2>&1 || true)
	expect_match "ICMPv6 to the sender" "$out" 'mtu ?=? ?1346'
	expect_eq "tx_too_big" "$(stat rtA tx_too_big)" 1
	expect_match "the sender's route" "$(ip -n rtA -6 route get fd01::2)" ' mtu 1346 '
	# What fits goes through: 1346 - 40 - 8 = 1298 bytes of ping data.
	expect_ok ip netns exec rtA ping -6 -c 1 -W 2 -M do -s 1298 fd01::2
	# Forwarded: the host is told by rtA, and its route learns it.
	expect_ok ip netns exec rtH ping -6 -c 1 -W 2 fd04::2
	out=$(ip netns exec rtH ping -6 -c 1 -W 2 -M do -s 1350 fd04::2 2>&1 || true)
	expect_match "ICMPv6 to the host" "$out" 'mtu ?=? ?1346'
	expect_eq "tx_too_big" "$(stat rtA tx_too_big)" 2
	expect_match "the host's route" "$(ip -n rtH -6 route get fd04::2)" ' mtu 1346 '
	expect_ok ip netns exec rtH ping -6 -c 1 -W 2 -M do -s 1298 fd04::2
	expect_eq "tx_too_big" "$(stat rtA tx_too_big)" 2
}

# The same over an IPv6 underlay: a router on the path with a smaller
# MTU sends "packet too big" about our ESP, which reaches espvti's ICMPv6
# handler; the outer route learns 1400, and the next too-big inner
# packet, IPv4 or IPv6, gets ICMP with what 1400 leaves: 1400 - 40 - 8 -
# 8 - 16 = 1328 - 2 = 1326.
test_pmtu6_from_underlay_router() {
	local out
	ns_new rtA rtR rtB
	ip link add veth0 netns rtA type veth peer name veth0 netns rtR
	ip link add veth1 netns rtR type veth peer name veth1 netns rtB
	ip -n rtA addr add fd00::1/64 dev veth0 nodad
	ip -n rtR addr add fd00::fe/64 dev veth0 nodad
	ip -n rtR addr add fd02::fe/64 dev veth1 nodad
	ip -n rtB addr add fd02::2/64 dev veth1 nodad
	ip -n rtR link set veth1 mtu 1400
	ip -n rtB link set veth1 mtu 1400
	for l in rtA:veth0 rtR:veth0 rtR:veth1 rtB:veth1; do
		ip -n "${l%:*}" link set "${l#*:}" up
	done
	ip -n rtA -6 route add default via fd00::fe
	ip -n rtB -6 route add default via fd02::fe
	ip netns exec rtR sysctl -qw net.ipv6.conf.all.forwarding=1
	tunnel_side rtA fd00::1 fd02::2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	tunnel_side rtB fd02::2 fd00::1 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB
	inner6 rtA 1 2
	inner6 rtB 2 1
	# 1500 - 40 - 8 - 8 - 16 = 1428 - 2.
	expect_match "A's MTU, from its own link" "$(ip -n rtA link show vti0)" 'mtu 1426 '
	expect_ok ip netns exec rtA ping -c 1 -W 2 172.16.0.2
	# 1380 + 28 fits A's interface, but not R's second link: R answers.
	ip netns exec rtA ping -c 1 -W 1 -M do -s 1380 172.16.0.2 >/dev/null 2>&1 || true
	expect_match "the outer route learnt it" "$(ip -n rtA -6 route get fd02::2)" ' mtu 1400 '
	out=$(ip netns exec rtA ping -c 1 -W 2 -M do -s 1380 172.16.0.2 2>&1 || true)
	expect_match "ICMP to the sender" "$out" 'mtu ?=? ?1326'
	expect_ok ip netns exec rtA ping -c 1 -W 2 -M do -s 1298 172.16.0.2
	# 1300 + 48 = 1348 > 1326: "packet too big" for inner IPv6 too.
	out=$(ip netns exec rtA ping -6 -c 1 -W 2 -M do -s 1300 fd01::2 2>&1 || true)
	expect_match "ICMPv6 to the sender" "$out" 'mtu ?=? ?1326'
	expect_ok ip netns exec rtA ping -6 -c 1 -W 2 -M do -s 1278 fd01::2
	expect_eq "tx_too_big" "$(stat rtA tx_too_big)" 2
}

# The tunnel's outer destination routed into the tunnel itself.
test_routing_loop() {
	local sent
	pair
	ip -n rtA route add 10.0.0.2/32 dev vti0
	sent=$(stat rtA tx_packets)
	ip netns exec rtA ping -c 2 -i 0.2 -W 1 172.16.0.2 >/dev/null 2>&1 || true
	# The pings, and whatever IPv6 sends (MLD reports) meanwhile.
	[ "$(stat rtA tx_loop)" -ge 2 ] || fail "tx_loop: $(stat rtA tx_loop)"
	expect_eq "tx_packets" "$(stat rtA tx_packets)" "$sent"
	ip -n rtA route del 10.0.0.2/32 dev vti0
	expect_ok ip netns exec rtA ping -c 1 -W 2 172.16.0.2
}

# (Counts are lower bounds where IPv6 may send MLD reports meanwhile.)

# DSCP and ECN of the inner packet reach the outer header (RFC 6040 normal
# mode copies the ECN field); the inner TTL is the sender's.
test_dscp_ecn_ttl() {
	local out
	pair
	# Only the ping on the wire: no IPv6 control traffic (MLD, router
	# solicitations) of the tunnels' own in the two ESP packets caught.
	ip netns exec rtA sysctl -qw net.ipv6.conf.vti0.disable_ipv6=1
	ip netns exec rtB sysctl -qw net.ipv6.conf.vti0.disable_ipv6=1
	nap 0.5
	ip netns exec rtB tcpdump -l -n -v -i veth0 -c 2 esp > /tmp/rt-tcpdump.txt 2>/dev/null &
	nap 1.5
	out=$(ip netns exec rtA ping -c 1 -W 2 -Q 0xba 172.16.0.2)
	wait
	expect_match "outer TOS" "$(cat /tmp/rt-tcpdump.txt)" 'tos 0xba'
	expect_match "inner TTL untouched" "$out" 'ttl=64'
	rm -f /tmp/rt-tcpdump.txt
}

# RFC 6040 decapsulation: CE on the outer header of an ESP packet marks
# an ECN-capable (ECT(0)) inner packet CE; an inner packet that is
# Not-ECT is dropped, counted as rx_malformed (the counter espvti_deliver
# uses), and never delivered. Inner IPv4 and IPv6, over outer IPv4 and
# IPv6. esp.py crafts the ESP on rtB with the key of rtA's inbound SA;
# rtB has no tunnel, so nothing else reaches rtA's vti0.
test_ecn_decap() {
	local seq=0 drops=0 got=0 cap pid outer inner i
	ns_new rtA rtB
	underlay rtA rtB
	tunnel_side rtA 10.0.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	inner6 rtA 1 2
	cap=$(mktemp /tmp/rt-ecn.XXXXXX)
	ip netns exec rtA tcpdump -l -n -v -Q in -i vti0 >"$cap" 2>"$cap.log" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		! grep -q 'listening on' "$cap.log" || break
		nap 0.1
	done
	expect_match "tcpdump" "$(cat "$cap.log")" 'listening on'
	# craft DST INNER TOS: one echo request with that inner DS field in
	# ESP whose outer header is CE.
	craft() {
		seq=$((seq + 1))
		esp craft --netns rtB --dst "$1" --spi 0x2001 \
			--seq $seq --key $KEY_BA --inner "$2" --tos "$3" --outer-tos 3
	}
	for outer in 10.0.0.1 fd00::1; do
		if [ "$outer" = fd00::1 ]; then
			expect_ok "$ESPVTI" -n rtA set vti0 local fd00::1 remote fd00::2
		fi
		for inner in ping4:172.16.0.2,172.16.0.1 ping6:fd01::2,fd01::1; do
			craft "$outer" "$inner" 0
			drops=$((drops + 1))
			wait_stat rtA rx_malformed $drops
			expect_eq "$outer $inner Not-ECT: rx_packets" "$(stat rtA rx_packets)" $got
			craft "$outer" "$inner" 2
			got=$((got + 1))
			wait_stat rtA rx_packets $got
			expect_eq "$outer $inner ECT(0): rx_malformed" "$(stat rtA rx_malformed)" $drops
		done
	done
	expect_eq "other counters" "$("$ESPVTI" -n rtA -j stats vti0 | jq -c 'to_entries |
		map(select(.value != 0 and (.key | test("^(rx|tx)_(packets|bytes)$|^rx_malformed$") | not))) |
		from_entries')" '{}'
	expect_eq "vti0 rx dropped" \
		"$(ip -n rtA -s -j link show vti0 | jq '.[0].stats64.rx.dropped')" 4
	esp_end
	nap 0.5
	kill "$pid"
	wait "$pid" || true
	# What vti0 delivered: the four ECT(0) requests, each marked CE.
	expect_eq "IPv4 packets delivered" "$(grep -c ' IP (tos ' "$cap")" 2
	expect_eq "IPv4 packets delivered CE" "$(grep -c ' IP (tos 0x3,CE, ' "$cap")" 2
	expect_eq "IPv6 packets delivered" "$(grep -c ' IP6 ' "$cap")" 2
	expect_eq "IPv6 packets delivered CE" "$(grep -c ' IP6 (class 0x03, ' "$cap")" 2
	rm -f "$cap" "$cap.log"
}

# TCP hands the interface GSO packets; each segment is encrypted alone,
# and every byte arrives.
test_gso_tcp() {
	pair
	ip netns exec rtB python3 -c '
import socket, sys
s = socket.create_server(("172.16.0.2", 5001))
print("listening", flush=True)
c, _ = s.accept()
n = 0
while True:
    b = c.recv(65536)
    if not b:
        break
    n += len(b)
print(n, flush=True)
' > /tmp/rt-recv.txt &
	nap 1.5
	expect_ok ip netns exec rtA python3 -c '
import socket
s = socket.create_connection(("172.16.0.2", 5001))
s.sendall(bytes(4 << 20))
s.close()
'
	wait
	expect_eq "bytes received" "$(sed -n 2p /tmp/rt-recv.txt)" $((4 << 20))
	rm -f /tmp/rt-recv.txt
	expect_eq "tx_too_big" "$(stat rtA tx_too_big)" 0
	expect_eq "tx_malformed" "$(stat rtA tx_malformed)" 0
	expect_eq "rx_auth_failed" "$(stat rtB rx_auth_failed)" 0
}

# The interface lives in rtO and sends through rtA, where it was created
# (as WireGuard's do); it goes when its underlay namespace goes.
test_underlay_netns() {
	local d
	ns_new rtA rtB rtO
	underlay rtA rtB
	tunnel_side rtO 10.0.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 \
		$KEY_AB $KEY_BA rtA
	tunnel_side rtB 10.0.0.2 10.0.0.1 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB
	expect_eq "not in the underlay" "$(shown -n rtA)" ""
	d=$(ip -n rtO -d link show vti0)
	expect_match "link-netns" "$d" 'link-netns|link-netnsid'
	expect_ok ip netns exec rtO ping -c 1 -W 2 172.16.0.2
	expect_ok ip netns exec rtB ping -c 1 -W 2 172.16.0.1
	[ "$(stat rtO rx_packets)" -ge 2 ] || fail "rx_packets in rtO: $(stat rtO rx_packets)"
	ip netns del rtA
	nap 1
	expect_fail ip -n rtO link show vti0
}

# The same in one step: `ip link add vti0 link-netnsid ID type espvti`
# in rtO, ID naming rtA there. The underlay is rtA on every kernel (6.15
# and later hand link-netns apart from the requester's namespace).
test_underlay_link_netns() {
	ns_new rtA rtB rtO
	underlay rtA rtB
	ip -n rtO netns set rtA 7
	ip -n rtO link add vti0 link-netnsid 7 type espvti
	tunnel_conf rtO 10.0.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	tunnel_side rtB 10.0.0.2 10.0.0.1 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB
	expect_match "link-netns" "$(ip -n rtO -d link show vti0)" 'link-netns(id)? (rtA|7) '
	expect_ok ip netns exec rtO ping -c 1 -W 2 172.16.0.2
	expect_eq "tx_no_route" "$(stat rtO tx_no_route)" 0
}

# A namespace deleted while ESP keeps arriving in it: espvti's part of
# its cleanup (the SA table) runs while its veth still delivers, before
# the devices go (it was a use-after-free in espvti_rcv). Twice, with
# nothing in the kernel log.
test_netns_dies_under_esp() {
	local i n p1 p2 log
	log=$(dmesg | wc -l)
	for i in 1 2; do
		pair
		ip netns exec rtB ping -q -f -W 0.01 172.16.0.1 >/dev/null 2>&1 &
		p1=$!
		ip netns exec rtB ping -q -f -W 0.01 -s 1000 172.16.0.1 >/dev/null 2>&1 &
		p2=$!
		nap 1
		[ "$(stat rtA rx_packets)" -gt 0 ] || fail "no ESP reached rtA"
		ip netns del rtA
		# The veth pair goes at the end of rtA's cleanup.
		for ((n = 0; n < 100; n++)); do
			ip -n rtB link show veth0 >/dev/null 2>&1 || break
			nap 0.1
		done
		kill "$p1" "$p2" 2>/dev/null || true
		wait "$p1" "$p2" || true
		expect_fail ip -n rtB link show veth0
		ns_cleanup
	done
	expect_eq "kernel log" "$(dmesg | tail -n +$((log + 1)) |
		grep -E 'BUG|WARNING|Oops|KASAN|Call Trace' || true)" ""
}

run_tests
