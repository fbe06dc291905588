#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NAT traversal, ESP in UDP (RFC 3948): site A behind a NAT box that
# masquerades it, site B outside; espvti with encap udp at both ends (or
# the kernel's XFRM with encap espinudp at B). Traffic both ways, the UDP
# on the wire, keepalives while idle only, a new NAT mapping followed (and
# reported), a forged packet that moves nothing, hostile UDP payloads
# dropped and counted, a port that another socket holds.
#
#   siteA: veth0 10.1.0.1/24   nat: veth0 10.1.0.254/24   siteB: veth0 10.0.0.2/24
#          via 10.1.0.254           veth1 10.0.0.254/24          (no route to A)
#          vti0 172.16.0.1          masquerade out veth1         vti0 172.16.0.2
#
# DP_QUICK=1 (what `make check` sets for the slow debug kernel, about a
# minute a test there): daemon_socket (a daemon's socket taken and let
# go both ways, garbage on it) and daemon_takes_socket_back only; all of
# them run on the stock kernel
# (and anywhere with TESTS=... or DP_QUICK=0).
. "$(dirname "$0")/lib.sh"

# wait_stat NS COUNTER MIN: the counter reaches at least MIN within 5 s.
wait_stat() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(stat "$1" "$2")" -lt "$3" ] || return 0
		nap 0.1
	done
	fail "$1 $2: $(stat "$1" "$2"), want at least $3"
}

# wait_port NS PORT: a UDP socket is bound to PORT in NS (within 10 s).
wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ "$(ip netns exec "$1" ss -uan)" != *":$2 "* ]] || return 0
		nap 0.1
	done
	fail "nothing bound to UDP port $2 in $1"
}

# expect_no_carrier NS WHEN: vti0 in NS loses carrier within 5 s.
expect_no_carrier() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(ip netns exec "$1" cat /sys/class/net/vti0/carrier)" = 1 ] || break
		nap 0.1
	done
	expect_eq "no carrier $2" "$(ip netns exec "$1" cat /sys/class/net/vti0/carrier)" 0
}

# The three namespaces, the NAT rule; no tunnel yet.
topology() {
	ns_new siteA nat siteB
	ip link add veth0 netns siteA type veth peer name veth0 netns nat
	ip link add veth1 netns nat type veth peer name veth0 netns siteB
	ip -n siteA addr add 10.1.0.1/24 dev veth0
	ip -n nat addr add 10.1.0.254/24 dev veth0
	ip -n nat addr add 10.0.0.254/24 dev veth1
	ip -n siteB addr add 10.0.0.2/24 dev veth0
	ip -n siteA link set veth0 up
	ip -n nat link set veth0 up
	ip -n nat link set veth1 up
	ip -n siteB link set veth0 up
	ip -n siteA route add default via 10.1.0.254
	ip netns exec nat sysctl -qw net.ipv4.ip_forward=1
	nat_rule masquerade
}

# nat_rule RULE...: the NAT's only rule, for what site A sends out on veth1.
nat_rule() {
	ip netns exec nat nft flush ruleset
	ip netns exec nat nft add table ip nat
	ip netns exec nat nft add chain ip nat post \
		'{ type nat hook postrouting priority 100 ; }'
	ip netns exec nat nft add rule ip nat post oifname veth1 ip saddr 10.1.0.0/24 "$@"
}

# dev_side NS DEV LOCAL REMOTE INNER PEER OUT_SPI IN_SPI OUT_KEY IN_KEY
# [SET_ARGS...]: DEV up with its inner address, endpoints (SET_ARGS added
# to the set) and AES-GCM SAs both ways.
dev_side() {
	local ns=$1 dev=$2 local=$3 remote=$4 inner=$5 peer=$6 ospi=$7 ispi=$8 okey=$9
	local ikey=${10}
	shift 10
	ip -n "$ns" link add "$dev" type espvti
	ip -n "$ns" link set "$dev" up
	ip -n "$ns" addr add "$inner/32" peer "$peer" dev "$dev"
	expect_ok "$ESPVTI" -n "$ns" set "$dev" local "$local" remote "$remote" "$@"
	expect_ok "$ESPVTI" -n "$ns" sa add "$dev" dir out spi "$ospi" alg aes-gcm key "$okey"
	expect_ok "$ESPVTI" -n "$ns" sa add "$dev" dir in spi "$ispi" alg aes-gcm key "$ikey"
}

# side NS LOCAL REMOTE INNER PEER OUT_SPI IN_SPI OUT_KEY IN_KEY [SET_ARGS...]:
# vti0 in ESP-in-UDP.
side() {
	local ns=$1
	shift
	dev_side "$ns" vti0 "${@:1:8}" encap udp "${@:9}"
}

# B knows A only as the NAT's outside address, port 4500 (masquerade keeps
# the port when it is free).
pair() {
	topology
	side siteA 10.1.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA "$@"
	side siteB 10.0.0.2 10.0.0.254 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB
}

# Settings shown, defaults, the 8 bytes of UDP in the MTU, a bad request
# changing nothing, encap none back to ESP.
test_settings() {
	local out pid
	topology
	ip -n siteB link add vti0 type espvti
	expect_fail "$ESPVTI" -n siteB set vti0 encap udp
	expect_match "no remote yet" "$OUT" 'no remote address'
	expect_ok "$ESPVTI" -n siteB set vti0 remote 10.0.0.254
	expect_ok "$ESPVTI" -n siteB sa add vti0 dir out spi 0x2001 alg aes-gcm key $KEY_BA
	expect_match "ESP MTU" "$(ip -n siteB link show vti0)" 'mtu 1446 '
	out=$("$ESPVTI" -n siteB -j show vti0)
	expect_eq "encap" "$(echo "$out" | jq -r '.[0].encap')" none
	expect_ok "$ESPVTI" -n siteB set vti0 encap udp
	out=$("$ESPVTI" -n siteB -j show vti0)
	expect_eq "settings" "$(echo "$out" |
		jq -c '.[0] | [.encap, .sport, .dport, .keepalive, .nat]')" \
		'["udp",4500,4500,0,"follow"]'
	expect_match "UDP MTU" "$(ip -n siteB link show vti0)" 'mtu 1438 '
	expect_match "socket" "$(ip netns exec siteB ss -uan)" '0\.0\.0\.0:4500 '
	expect_ok "$ESPVTI" -n siteB set vti0 encap udp sport 4501 dport 4600 keepalive on nat report
	expect_match "plain" "$("$ESPVTI" -n siteB show vti0)" \
		'encap udp sport 4501 dport 4600 keepalive 20 nat report'
	expect_match "moved socket" "$(ip netns exec siteB ss -uan)" ':4501 '
	[[ "$(ip netns exec siteB ss -uan)" != *":4500 "* ]] || fail "4500 still open"
	# Out of range: refused, with a reason, and nothing changes.
	expect_fail "$ESPVTI" -n siteB set vti0 keepalive 3601
	expect_fail "$ESPVTI" -n siteB set vti0 sport 0
	expect_match "unchanged" "$("$ESPVTI" -n siteB show vti0)" 'sport 4501 dport 4600'
	# A port someone else holds.
	timeout 10 ip netns exec siteB python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4777))
time.sleep(10)' &
	pid=$!
	wait_port siteB 4777
	expect_fail "$ESPVTI" -n siteB set vti0 sport 4777
	expect_match "in use" "$OUT" 'in use'
	expect_match "unchanged" "$("$ESPVTI" -n siteB show vti0)" 'sport 4501 '
	kill "$pid" 2>/dev/null || true
	# Back to ESP: the socket closes.
	expect_ok "$ESPVTI" -n siteB set vti0 encap none
	expect_match "ESP MTU again" "$(ip -n siteB link show vti0)" 'mtu 1446 '
	[[ "$(ip netns exec siteB ss -uan)" != *":4501 "* ]] || fail "4501 still open"
	# Two interfaces share a socket; deleting one keeps it for the other.
	expect_ok "$ESPVTI" -n siteB set vti0 encap udp
	ip -n siteB link add vti1 type espvti
	expect_ok "$ESPVTI" -n siteB set vti1 remote 10.0.0.77 encap udp
	ip -n siteB link del vti0
	expect_match "shared socket" "$(ip netns exec siteB ss -uan)" ':4500 '
	ip -n siteB link del vti1
	[[ "$(ip netns exec siteB ss -uan)" != *":4500 "* ]] || fail "4500 still open"
}

# The [Tunnel] keys of a config file: setconf applies them, showconf shows them.
test_conf() {
	local f out
	topology
	ip -n siteB link add vti0 type espvti
	f=$(mktemp)
	cat >"$f" <<-EOF
	[Tunnel]
	Remote = 10.0.0.254
	Encap = udp
	EncapSport = 4502
	Keepalive = on
	NatFollow = report
	EOF
	expect_ok "$ESPVTI" -n siteB setconf vti0 "$f"
	rm -f "$f"
	out=$("$ESPVTI" -n siteB showconf vti0)
	expect_match "showconf" "$(echo "$out" | tr '\n' ' ')" \
		'Encap = udp EncapSport = 4502 EncapDport = 4500 Keepalive = 20 NatFollow = report'
	expect_match "socket" "$(ip netns exec siteB ss -uan)" ':4502 '
}

# Ping both ways through the NAT; UDP 4500 with ESP inside on the wire.
test_ping_through_nat() {
	local cap pid
	pair
	cap=$(mktemp)
	ip netns exec nat timeout 5 tcpdump -nli veth1 -c 4 udp >"$cap" 2>/dev/null &
	pid=$!
	nap 1
	expect_ok ip netns exec siteA ping -c 2 -W 2 172.16.0.2
	expect_ok ip netns exec siteB ping -c 2 -W 2 172.16.0.1
	wait "$pid" || true
	expect_match "on the wire" "$(cat "$cap")" '10\.0\.0\.254\.4500 > 10\.0\.0\.2\.4500: .*ESP\(spi=0x00001001'
	rm -f "$cap"
	expect_eq "rx_nat_change at B" "$(stat siteB rx_nat_change)" 0
	[ "$(stat siteA rx_packets)" -ge 2 ] || fail "rx_packets at A: $(stat siteA rx_packets)"
}

# B knows a wrong endpoint for A: A's first authentic packet teaches it.
test_learn_endpoint() {
	topology
	side siteA 10.1.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	side siteB 10.0.0.2 10.0.0.99 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB \
		dport 1234
	ip netns exec siteA ping -c 1 -W 1 172.16.0.2 >/dev/null 2>&1 || true
	wait_stat siteB rx_nat_change 1
	expect_match "learnt" "$("$ESPVTI" -n siteB show vti0)" 'remote 10\.0\.0\.254 .*dport 4500'
	expect_ok ip netns exec siteA ping -c 2 -W 2 172.16.0.2
	expect_ok ip netns exec siteB ping -c 2 -W 2 172.16.0.1
}

# Keepalives (one byte 0xff) every 2 s while idle, none while busy.
test_keepalive() {
	local cap n pid
	pair keepalive 2
	cap=$(mktemp)
	ip netns exec nat timeout 7 tcpdump -nli veth1 -c 3 'udp and udp[4:2] = 9' \
		>"$cap" 2>/dev/null &
	pid=$!
	wait "$pid" || true
	n=$(grep -c ' IP ' "$cap" || true)
	[ "$n" -ge 2 ] || fail "keepalives on the wire: $n: $(cat "$cap")"
	rm -f "$cap"
	wait_stat siteB rx_keepalive 2
	# Busy: a ping every 0.5 s for 7 s; no keepalive in the middle 4 s.
	timeout 10 ip netns exec siteA ping -c 14 -i 0.5 -W 1 172.16.0.2 >/dev/null &
	pid=$!
	nap 1.5
	n=$(stat siteA tx_keepalive)
	nap 4
	expect_eq "keepalives while busy" "$(stat siteA tx_keepalive)" "$n"
	wait "$pid" || true
}

# The NAT's mapping changes: B follows A's new port, the first packet
# through it is answered through it, the event says so.
test_nat_rebind() {
	local mon out i pid
	pair
	# No IPv6 on the tunnels: the ping below is the first packet through
	# the new mapping (no router solicitation or MLD report before it).
	ip netns exec siteA sysctl -qw net.ipv6.conf.vti0.disable_ipv6=1
	ip netns exec siteB sysctl -qw net.ipv6.conf.vti0.disable_ipv6=1
	# Mappings time out fast; none is left when the rule changes.
	ip netns exec nat sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1 \
		net.netfilter.nf_conntrack_udp_timeout_stream=1
	expect_ok ip netns exec siteA ping -c 1 -W 2 172.16.0.2
	mon=$(mktemp)
	timeout 20 ip netns exec siteB "$ESPVTI" monitor -j >"$mon" &
	pid=$!
	nap 2.5
	nat_rule ip protocol udp snat to 10.0.0.254:40000
	ip netns exec nat sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 \
		net.netfilter.nf_conntrack_udp_timeout_stream=120
	# The first packet through the new mapping is answered through it:
	# B's reply goes to the new port at once (one round trip).
	expect_ok ip netns exec siteA ping -c 1 -W 2 172.16.0.2
	wait_stat siteB rx_nat_change 1
	expect_match "followed" "$("$ESPVTI" -n siteB show vti0)" \
		'remote 10\.0\.0\.254 .*dport 40000'
	expect_ok ip netns exec siteA ping -c 2 -W 2 172.16.0.2
	expect_ok ip netns exec siteB ping -c 2 -W 2 172.16.0.1
	for ((i = 0; i < 20; i++)); do
		grep -q '"dport":40000' "$mon" && break
		nap 0.1
	done
	kill "$pid" 2>/dev/null || true
	# The last event is the move to the new mapping (a packet that left
	# while the NAT had no rule may have made one before it).
	out=$(grep nat-change "$mon" | tail -1)
	rm -f "$mon"
	expect_eq "event" "$(echo "$out" |
		jq -c '[.old_dport, .remote, .dport, .followed]')" '[4500,"10.0.0.254",40000,true]'
}

# nat report: the change is reported, the endpoint stays.
test_nat_report() {
	topology
	side siteA 10.1.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	side siteB 10.0.0.2 10.0.0.99 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB \
		nat report
	ip netns exec siteA ping -c 2 -W 1 172.16.0.2 >/dev/null 2>&1 || true
	wait_stat siteB rx_nat_change 1
	expect_eq "once" "$(stat siteB rx_nat_change)" 1
	expect_match "stays" "$("$ESPVTI" -n siteB show vti0)" 'remote 10\.0\.0\.99 .*dport 4500'
}

# hex TEXT: TEXT in hex digits.
hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

# send NS SRC PORT HEXPAYLOAD...: UDP datagrams to 10.0.0.2:4500.
send() {
	local ns=$1 src=$2 port=$3
	shift 3
	ip netns exec "$ns" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
for h in sys.argv[3:]:
    s.sendto(bytes.fromhex(h), ("10.0.0.2", 4500))
' "$src" "$port" "$@"
}

# Hostile payloads: dropped and counted by name; forged packets (valid
# SPI, bad ICV, from a third address; one of them in IP fragments) move
# nothing; a lone fragment never reaches the tunnel; ESP without UDP is
# refused.
test_hostile() {
	pair
	expect_ok ip netns exec siteA ping -c 1 -W 2 172.16.0.2
	# From zero: A's first IPv6 packets may have come before B's SAs.
	expect_ok "$ESPVTI" -n siteB stats vti0 reset
	ip -n nat addr add 10.0.0.3/24 dev veth1
	# 0..7 bytes (not one 0xff): too short. 0xff: a keepalive.
	send nat 10.0.0.3 5555 "" 01 0000 616263 61626364 6162636465 616263646566 \
		61626364656667 ff
	# The non-ESP marker with garbage after it; an unknown SPI.
	send nat 10.0.0.3 5555 00000000deadbeef "0000999900000001$(printf '%080d' 0)"
	# B's inbound SPI, sequence number 1000, garbage for IV, data, ICV.
	send nat 10.0.0.3 5555 "00001001000003e8$(printf 'ab%.0s' $(seq 40))"
	# The same, 3000 bytes: three IP fragments, which B reassembles.
	send nat 10.0.0.3 5555 "00001001000003e9$(printf 'cd%.0s' $(seq 3000))"
	# A first fragment alone (MF, 1400 of 3008 UDP bytes): never whole.
	ip netns exec nat python3 -c '
import socket, struct
udp = struct.pack("!HHHH", 5555, 4500, 3008, 0) + bytes.fromhex("00001001000003ea") + b"\xee" * 1392
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x4242, 0x2000, 64, 17, 0,
                 socket.inet_aton("10.0.0.3"), socket.inet_aton("10.0.0.2"))
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW).sendto(ip + udp, ("10.0.0.2", 0))
'
	# B's SPI over IP protocol 50: the tunnel takes ESP in UDP only.
	ip netns exec nat python3 -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_RAW, 50).sendto(
    bytes.fromhex("00001001000003eb") + b"\xab" * 40, ("10.0.0.2", 0))
'
	wait_stat siteB rx_udp_malformed 8
	wait_stat siteB rx_auth_failed 2
	expect_eq "rx_udp_malformed" "$(stat siteB rx_udp_malformed)" 8
	expect_eq "rx_keepalive" "$(stat siteB rx_keepalive)" 1
	expect_eq "rx_udp_non_esp" "$(stat siteB rx_udp_non_esp)" 1
	expect_eq "rx_unknown_spi" "$(stat siteB rx_unknown_spi)" 1
	nap 0.5
	expect_eq "rx_auth_failed" "$(stat siteB rx_auth_failed)" 2
	expect_eq "rx_udp_wrong_encap" "$(stat siteB rx_udp_wrong_encap)" 1
	expect_eq "rx_nat_change" "$(stat siteB rx_nat_change)" 0
	expect_match "endpoint stays" "$("$ESPVTI" -n siteB show vti0)" \
		'remote 10\.0\.0\.254 .*dport 4500'
	expect_ok ip netns exec siteB ping -c 1 -W 2 172.16.0.1
}

# B is the kernel's XFRM (encap espinudp, an xfrm interface, a UDP socket
# with UDP_ENCAP_ESPINUDP on 4500): espvti behind the NAT talks to it.
test_xfrm_interop() {
	local pid
	topology
	side siteA 10.1.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	timeout 30 ip netns exec siteB python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4500))
s.setsockopt(socket.SOL_UDP, 100, 2)
time.sleep(30)' &
	pid=$!
	wait_port siteB 4500
	ip -n siteB link add xfrm0 type xfrm dev veth0 if_id 42 ||
		fail "no xfrm interface"
	ip -n siteB link set xfrm0 up
	ip -n siteB addr add 172.16.0.2/32 peer 172.16.0.1 dev xfrm0
	ip -n siteB xfrm state add src 10.0.0.2 dst 10.0.0.254 proto esp spi 0x2001 reqid 1 \
		mode tunnel if_id 42 aead 'rfc4106(gcm(aes))' $KEY_BA 128 \
		encap espinudp 4500 4500 0.0.0.0
	ip -n siteB xfrm state add src 10.0.0.254 dst 10.0.0.2 proto esp spi 0x1001 reqid 1 \
		mode tunnel if_id 42 aead 'rfc4106(gcm(aes))' $KEY_AB 128 \
		encap espinudp 4500 4500 0.0.0.0
	ip -n siteB xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 \
		tmpl src 10.0.0.2 dst 10.0.0.254 proto esp reqid 1 mode tunnel
	ip -n siteB xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 \
		tmpl src 10.0.0.254 dst 10.0.0.2 proto esp reqid 1 mode tunnel
	expect_ok ip netns exec siteA ping -c 2 -W 2 172.16.0.2
	expect_ok ip netns exec siteB ping -c 2 -W 2 172.16.0.1
	[ "$(stat siteA rx_packets)" -ge 4 ] || fail "rx_packets at A: $(stat siteA rx_packets)"
	kill "$pid" 2>/dev/null || true
}

# daemon NS DEV...: an IKE daemon's stand-in in NS, in the background: it
# binds UDP 4500, hands the socket to DEV... (espvti set DEV encap udp fd N)
# and prints "attach DEV RC ERROR" for each, "early HEX" for what it had
# received before, then "rx HEX" for every datagram it receives, into
# $DAEMON_OUT; $DAEMON_PID is its pid.
daemon() {
	local ns=$1
	shift
	DAEMON_OUT=$(mktemp)
	timeout 300 ip netns exec "$ns" python3 -c '
import socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4500))
for dev in sys.argv[2:]:
    r = subprocess.run([sys.argv[1], "set", dev, "encap", "udp", "fd", str(s.fileno())],
                       pass_fds=[s.fileno()], capture_output=True, text=True)
    print("attach", dev, r.returncode, r.stderr.strip(), flush=True)
# What came before the tunnels took the socket (the first ESP of the peer) was
# for the plain UDP socket.
s.setblocking(False)
try:
    while True:
        print("early", s.recv(4000).hex(), flush=True)
except BlockingIOError:
    pass
s.setblocking(True)
while True:
    print("rx", s.recv(4000).hex(), flush=True)
' "$ESPVTI" "$@" >"$DAEMON_OUT" 2>&1 &
	DAEMON_PID=$!
}

# wait_line FILE ERE: FILE has a line matching ERE within 10 s.
wait_line() {
	local i
	for ((i = 0; i < 100; i++)); do
		! grep -Eq "$2" "$1" || return 0
		nap 0.1
	done
	fail "no line /$2/ in: $(cat "$1")"
}

# An IKE daemon that sets UDP_ENCAP on the socket it handed in (here for
# the kernel's xfrm) takes it back: B's tunnel lets it go at the next
# packet it sends, loses carrier and counts that packet as tx_no_socket,
# rather than keep a socket whose ESP no longer reaches it.
test_daemon_takes_socket_back() {
	local out
	topology
	side siteA 10.1.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	dev_side siteB vti0 10.0.0.2 10.0.0.254 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB
	out=$(mktemp)
	timeout 120 ip netns exec siteB python3 -c '
import os, socket, subprocess, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4500))
r = subprocess.run([sys.argv[1], "set", "vti0", "encap", "udp", "fd", str(s.fileno())],
                   pass_fds=[s.fileno()], capture_output=True, text=True)
print("attach", r.returncode, r.stderr.strip(), flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.1)
s.setsockopt(socket.SOL_UDP, 100, 2)	# UDP_ENCAP: UDP_ENCAP_ESPINUDP
print("taken back", flush=True)
time.sleep(120)' "$ESPVTI" "$out.back" >"$out" 2>&1 &
	wait_line "$out" '^attach '
	expect_eq "attached" "$(head -n 1 "$out")" "attach 0 "
	expect_ok ip netns exec siteA ping -c 2 -W 2 172.16.0.2
	touch "$out.back"
	wait_line "$out" '^taken back'
	ip netns exec siteB ping -c 1 -W 1 172.16.0.1 >/dev/null 2>&1 || true
	expect_no_carrier siteB "once the socket is taken back"
	[ "$(stat siteB tx_no_socket)" -ge 1 ] || fail "tx_no_socket: $(stat siteB tx_no_socket)"
	expect_match "socket none" "$("$ESPVTI" -n siteB show vti0)" 'socket none'
	kill %1 2>/dev/null || true
	rm -f "$out" "$out.back"
}

# B's two tunnels (vti0, vti1: two SPI pairs to A, which has two tunnels on
# its own socket) receive on an IKE daemon's UDP socket: IKE datagrams (the
# non-ESP marker) reach the daemon untouched while ESP flows through both
# tunnels; keepalives and garbage reach neither. A socket that the
# kernel's xfrm claimed (UDP_ENCAP) and other wrong sockets are refused and
# change nothing. Deleting a tunnel keeps the socket for the other; when
# the daemon closes it, B's tunnel loses carrier (tx_no_socket) and gets
# it back with a socket of its own; the daemon's socket, given back, is a
# plain UDP socket.
test_daemon_socket() {
	local out i
	topology
	side siteA 10.1.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	dev_side siteA vti1 10.1.0.1 10.0.0.2 172.16.1.1 172.16.1.2 0x1002 0x2002 \
		$KEY_AB $KEY_BA encap udp
	for i in 0 1; do
		dev_side siteB vti$i 10.0.0.2 10.0.0.254 172.16.$i.2 172.16.$i.1 \
			0x200$((i + 1)) 0x100$((i + 1)) $KEY_BA $KEY_AB
	done
	daemon siteB vti0 vti1
	wait_line "$DAEMON_OUT" '^attach vti1 '
	expect_eq "attached" "$(grep -c '^attach vti[01] 0 $' "$DAEMON_OUT")" 2
	expect_match "show" "$("$ESPVTI" -n siteB show vti1)" \
		'encap udp sport 4500 dport 4500 .*socket attached'
	expect_eq "one socket" "$(ip netns exec siteB ss -uan | grep -c ':4500 ')" 1
	# ESP both ways on both tunnels, IKE to the daemon in between.
	expect_ok ip netns exec siteA ping -c 2 -W 2 172.16.0.2
	send nat 10.0.0.254 5000 "00000000$(hex IKE_SA_INIT-1)" ff 0102 \
		"00000000$(hex IKE_AUTH-2)"
	expect_ok ip netns exec siteB ping -c 2 -W 2 172.16.1.1
	expect_ok ip netns exec siteA ping -c 2 -W 2 172.16.1.2
	send nat 10.0.0.254 5000 "00000000$(hex INFORMATIONAL-3)"
	expect_ok ip netns exec siteB ping -c 2 -W 2 172.16.0.1
	wait_line "$DAEMON_OUT" "^rx 00000000$(hex INFORMATIONAL-3)\$"
	expect_eq "the daemon got the IKE datagrams, untouched, and nothing else" \
		"$(grep '^rx ' "$DAEMON_OUT" | tr '\n' ' ')" \
		"rx 00000000$(hex IKE_SA_INIT-1) rx 00000000$(hex IKE_AUTH-2) rx 00000000$(hex INFORMATIONAL-3) "
	expect_eq "keepalive consumed" "$(stat siteB rx_keepalive)" 1
	expect_eq "garbage dropped" "$(stat siteB rx_udp_malformed)" 1
	expect_eq "no IKE counted as ours" "$(stat siteB rx_udp_non_esp)" 0
	out=$("$ESPVTI" -n siteB -j stats vti1)
	[ "$(echo "$out" | jq -r .rx_packets)" -ge 2 ] || fail "vti1 rx: $out"
	# Sockets that cannot be used: nothing changes.
	ip netns exec siteB python3 -c '
import socket, subprocess, sys
def attach(s, fd=None):
    fd = s.fileno() if fd is None else fd
    r = subprocess.run([sys.argv[1], "set", "vti1", "encap", "udp", "fd", str(fd)],
                       pass_fds=[s.fileno()], capture_output=True, text=True)
    print(r.returncode, r.stderr.strip())
x = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
x.bind(("0.0.0.0", 4600))
x.setsockopt(socket.SOL_UDP, 100, 2)	# UDP_ENCAP, UDP_ENCAP_ESPINUDP
attach(x)
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
attach(t)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
attach(u)
v = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
v.bind(("::", 4601))
attach(v)
attach(x, 999)
' "$ESPVTI" >"$DAEMON_OUT.bad" 2>&1
	out=$(tr '\n' '|' <"$DAEMON_OUT.bad")
	rm -f "$DAEMON_OUT.bad"
	expect_match "UDP_ENCAP socket refused" "$out" '^[1-9][0-9]* [^|]*claimed for encapsulation already \(UDP_ENCAP\)\|'
	expect_match "TCP socket refused" "$out" '\|[1-9][0-9]* [^|]*not a UDP socket\|'
	expect_match "unbound socket refused" "$out" '\|[1-9][0-9]* [^|]*not bound to a port\|'
	expect_match "IPv6 socket, IPv4 tunnel refused" "$out" "\|[1-9][0-9]* [^|]*family is not the tunnel's\|"
	expect_match "no such fd" "$out" '\|[1-9][0-9]* [^|]*not a socket of the caller\|$'
	expect_match "unchanged" "$("$ESPVTI" -n siteB show vti1)" 'sport 4500 .*socket attached'
	expect_ok ip netns exec siteA ping -c 1 -W 2 172.16.1.2
	# One tunnel deleted: the other keeps the socket.
	ip -n siteB link del vti1
	expect_ok ip netns exec siteA ping -c 1 -W 2 172.16.0.2
	# The daemon goes: its socket closes, B's tunnel cannot receive.
	kill "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	expect_no_carrier siteB "without a socket"
	expect_match "socket none" "$("$ESPVTI" -n siteB show vti0)" 'socket none'
	[[ "$(ip netns exec siteB ss -uan)" != *":4500 "* ]] || fail "4500 still open"
	ip netns exec siteB ping -c 1 -W 1 172.16.0.1 >/dev/null 2>&1 || true
	[ "$(stat siteB tx_no_socket)" -ge 1 ] || fail "tx_no_socket: $(stat siteB tx_no_socket)"
	# A socket of its own: the tunnel works again.
	expect_ok "$ESPVTI" -n siteB set vti0 encap udp
	expect_match "own socket" "$("$ESPVTI" -n siteB show vti0)" 'socket own'
	expect_ok ip netns exec siteB ping -c 2 -W 2 172.16.0.1
	ip -n siteB link del vti0
	# A daemon whose tunnels are all deleted has a plain UDP socket again:
	# what looks like ESP reaches it.
	rm -f "$DAEMON_OUT"
	ip -n siteB link add vti0 type espvti
	expect_ok "$ESPVTI" -n siteB set vti0 local 10.0.0.2 remote 10.0.0.254
	daemon siteB vti0
	wait_line "$DAEMON_OUT" '^attach vti0 0 $'
	ip -n siteB link del vti0
	send nat 10.0.0.254 5000 0000100100000001abababababababab
	wait_line "$DAEMON_OUT" '^rx 0000100100000001abababababababab$'
	kill "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	rm -f "$DAEMON_OUT"
}

# IPv6 outer (no NAT): the UDP checksum is valid, traffic flows.
test_ipv6_outer() {
	ns_new siteA siteB
	ip link add veth0 netns siteA type veth peer name veth0 netns siteB
	ip -n siteA addr add fd00::1/64 dev veth0 nodad
	ip -n siteB addr add fd00::2/64 dev veth0 nodad
	ip -n siteA link set veth0 up
	ip -n siteB link set veth0 up
	side siteA fd00::1 fd00::2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	side siteB fd00::2 fd00::1 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB
	expect_match "UDP MTU over IPv6" "$(ip -n siteA link show vti0)" 'mtu 1418 '
	expect_ok ip netns exec siteA ping -c 2 -W 2 172.16.0.2
	expect_ok ip netns exec siteB ping -c 2 -W 2 172.16.0.1
}

if [ "${DP_QUICK:-0}" = 1 ] && [ -z "${TESTS:-}" ]; then
	TESTS="daemon_socket daemon_takes_socket_back"
fi
run_tests
