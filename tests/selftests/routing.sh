#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Routing over espvti with Debian's FRR (zebra, ospfd, ospf6d, bgpd) in
# the namespaces: OSPFv2, OSPFv3 over link-local only, eBGP over the
# tunnel addresses and over IPv6 link-local, failover between two
# tunnels, OSPFv2 against a Linux xfrm interface, a BGP-learnt route
# that sends the tunnel into itself; and what routers read off the link
# (link-local address, /31 and unnumbered addressing).
#
#   lanA ---- rtA ===== vti0 over veth0 (10.0.0.0/24) ===== rtB ---- lanB
#                 ===== vti1 over veth1 (10.0.1.0/24) =====
#   lanA: 192.168.1.2/24 2001:db8:1::2/64   lanB: 192.168.2.2/24 2001:db8:2::2/64
#   vti0: 172.16.0.1/30 .2/30               vti1: 172.16.1.1/30 .2/30
#
# OSPF runs with a 1 s hello and a 4 s dead interval. The times to
# adjacency, to routes and to failover are printed as "# time: ..." lines.
#
# DP_QUICK=1 (what `make check` sets for the slow debug kernel, where FRR
# alone takes minutes a test): p2p_addressing only, to keep make check
# inside its time; the others run on the stock kernel (and anywhere with
# TESTS=... or DP_QUICK=0).
. "$(dirname "$0")/lib.sh"

FRR=/usr/lib/frr
KEY_AB=0x000102030405060708090a0b0c0d0e0f10111213
KEY_BA=0x101112131415161718191a1b1c1d1e1f20212223
KEY_AB1=0x202122232425262728292a2b2c2d2e2f30313233
KEY_BA1=0x303132333435363738393a3b3c3d3e3f40414243
DEAD=4

# usecs: microseconds since the epoch (no process).
usecs() { echo "${EPOCHREALTIME/./}"; }

# since USECS: seconds from USECS (a usecs) to now, to a tenth.
since() {
	local d=$(($(usecs) - $1))
	echo "$((d / 1000000)).$((d % 1000000 / 100000))"
}

# wait_for SECONDS WHAT CMD...: CMD succeeds within SECONDS (polled
# every 0.1 s); the time it took is in $WAITED.
wait_for() {
	local limit=$1 what=$2 t0
	shift 2
	t0=$(usecs)
	while ! "$@" >/dev/null 2>&1; do
		if [ $(($(usecs) - t0)) -gt $((limit * 1000000)) ]; then
			frr_dump
			fail "$what: not within $limit s"
		fi
		nap 0.1
	done
	WAITED=$(since "$t0")
}

# sites: rtA and rtB on veth0, each with a LAN namespace behind it.
sites() {
	local s n
	ns_new rtA rtB lanA lanB
	underlay 0
	for s in A B; do
		n=1
		[ "$s" = A ] || n=2
		ip link add eth0 netns "lan$s" type veth peer name lan0 netns "rt$s"
		ip -n "rt$s" addr add "192.168.$n.1/24" dev lan0
		ip -n "rt$s" addr add "2001:db8:$n::1/64" dev lan0 nodad
		ip -n "lan$s" addr add "192.168.$n.2/24" dev eth0
		ip -n "lan$s" addr add "2001:db8:$n::2/64" dev eth0 nodad
		ip -n "rt$s" link set lan0 up
		ip -n "lan$s" link set eth0 up
		ip -n "lan$s" route add default via "192.168.$n.1"
		ip -n "lan$s" -6 route add default via "2001:db8:$n::1"
		ip netns exec "rt$s" sysctl -qw net.ipv4.ip_forward=1
		ip netns exec "rt$s" sysctl -qw net.ipv6.conf.all.forwarding=1
	done
}

# underlay N: veth$N between rtA (10.0.N.1) and rtB (10.0.N.2).
underlay() {
	ip link add "veth$1" netns rtA type veth peer name "veth$1" netns rtB
	ip -n rtA addr add "10.0.$1.1/24" dev "veth$1"
	ip -n rtB addr add "10.0.$1.2/24" dev "veth$1"
	ip -n rtA link set "veth$1" up
	ip -n rtB link set "veth$1" up
}

# sas NS DEV N: the SAs of tunnel N (SPIs 0x1N01 A to B, 0x2N01 B to A).
sas() {
	local ns=$1 dev=$2 n=$3 ab=$KEY_AB ba=$KEY_BA
	[ "$n" = 0 ] || { ab=$KEY_AB1; ba=$KEY_BA1; }
	if [ "$ns" = rtA ]; then
		expect_ok "$ESPVTI" -n rtA sa add "$dev" dir out spi "0x1${n}01" alg aes-gcm key "$ab"
		expect_ok "$ESPVTI" -n rtA sa add "$dev" dir in spi "0x2${n}01" alg aes-gcm key "$ba"
	else
		expect_ok "$ESPVTI" -n rtB sa add "$dev" dir out spi "0x2${n}01" alg aes-gcm key "$ba"
		expect_ok "$ESPVTI" -n rtB sa add "$dev" dir in spi "0x1${n}01" alg aes-gcm key "$ab"
	fi
}

# tunnel N [SIDES]: vtiN over vethN between rtA and rtB (both sides, or
# those named), 172.16.N.1|2/30, no route of its own but the connected one.
tunnel() {
	local n=$1 sides=${2:-A B} s me peer
	for s in $sides; do
		me=1 peer=2
		[ "$s" = A ] || { me=2; peer=1; }
		ip -n "rt$s" link add "vti$n" type espvti
		expect_ok "$ESPVTI" -n "rt$s" set "vti$n" local "10.0.$n.$me" remote "10.0.$n.$peer"
		sas "rt$s" "vti$n" "$n"
		ip -n "rt$s" addr add "172.16.$n.$me/30" dev "vti$n"
		ip -n "rt$s" link set "vti$n" up
	done
}

# frr NS DAEMON: start DAEMON of FRR in NS with the configuration on
# stdin (zebra first). Pathspace NS: its sockets are in /var/run/frr/NS.
FRR_NS=()
frr() {
	local ns=$1 d=$2 dir=/tmp/frr-$1
	[ -x "$FRR/$d" ] || fail "FRR's $d is not installed (Debian package frr)"
	mkdir -p "$dir" "/var/run/frr/$ns"
	cat > "$dir/$d.conf"
	chown -R frr:frr "$dir" "/var/run/frr/$ns"
	ip netns exec "$ns" "$FRR/$d" -d -N "$ns" -f "$dir/$d.conf" -i "$dir/$d.pid" \
		-P 0 --log "file:$dir/$d.log" --log-level debug > "$dir/$d.out" 2>&1 ||
		fail "$d in $ns does not start: $(cat "$dir/$d.out")"
	[[ " ${FRR_NS[*]} " == *" $ns "* ]] || FRR_NS+=("$ns")
}

vtysh() {	# vtysh NS COMMAND
	ip netns exec "$1" /usr/bin/vtysh -N "$1" -c "$2" 2>/dev/null
}

frr_stop() {
	local ns p pids=() i
	for ns in "${FRR_NS[@]}"; do
		for p in /tmp/frr-"$ns"/*.pid; do
			[ -f "$p" ] && pids+=("$(cat "$p")")
		done
	done
	[ ${#pids[@]} = 0 ] || kill "${pids[@]}" 2>/dev/null || true
	for ((i = 0; i < 30; i++)); do
		for p in "${pids[@]}"; do
			kill -0 "$p" 2>/dev/null && break
		done || break
		nap 0.1
	done
	[ ${#pids[@]} = 0 ] || kill -9 "${pids[@]}" 2>/dev/null || true
	for ns in "${FRR_NS[@]}"; do
		rm -rf "/tmp/frr-$ns" "/var/run/frr/$ns"
	done
	FRR_NS=()
}

# On a failure: what the routers think, to stderr.
frr_dump() {
	local ns
	for ns in "${FRR_NS[@]}"; do
		{
			echo "-- $ns"
			ip -n "$ns" -d link show type espvti
			ip -n "$ns" addr
			ip -n "$ns" route
			ip -n "$ns" -6 route
			vtysh "$ns" 'show ip ospf neighbor'
			vtysh "$ns" 'show ipv6 ospf6 neighbor'
			vtysh "$ns" 'show bgp summary'
			"$ESPVTI" -n "$ns" stats vti0
			tail -n 20 /tmp/frr-"$ns"/*.log
		} 2>&1 | sed 's/^/# /' >&2
	done
}

cleanup() {
	frr_stop
	ns_cleanup
}

zebra() {
	frr "$1" zebra <<-EOF
		hostname $1
		log timestamp precision 3
	EOF
}

# ospf NS ID [IFACE:COST...]: ospfd on the interfaces named (default
# vti0), point-to-point; the LAN (lan0) in area 0 too, passive.
ospf() {
	local ns=$1 id=$2 i conf
	shift 2
	[ $# -gt 0 ] || set -- vti0:10
	conf=$(
		for i in "$@"; do
			cat <<-EOF
				interface ${i%:*}
				 ip ospf network point-to-point
				 ip ospf hello-interval 1
				 ip ospf dead-interval $DEAD
				 ip ospf cost ${i#*:}
				 ip ospf area 0
			EOF
		done
		cat <<-EOF
			interface lan0
			 ip ospf area 0
			 ip ospf passive
			router ospf
			 ospf router-id 10.255.0.$id
			 timers throttle spf 0 50 500
		EOF
	)
	frr "$ns" ospfd <<< "$conf"
}

ospf6() {	# ospf6 NS ID
	frr "$1" ospf6d <<-EOF
		interface vti0
		 ipv6 ospf6 area 0
		 ipv6 ospf6 network point-to-point
		 ipv6 ospf6 hello-interval 1
		 ipv6 ospf6 dead-interval $DEAD
		interface lan0
		 ipv6 ospf6 area 0
		 ipv6 ospf6 passive
		router ospf6
		 ospf6 router-id 10.255.0.$2
		 timers throttle spf 0 50 500
	EOF
}

# ospf_full NS PROTO: NS has a neighbour in state Full (ip or ipv6).
ospf_full() {
	if [ "$2" = ip ]; then
		vtysh "$1" 'show ip ospf neighbor' | grep -q ' Full/'
	else
		vtysh "$1" 'show ipv6 ospf6 neighbor' | grep -q ' Full/'
	fi
}

# route_via NS PREFIX DEV: the kernel routes PREFIX over DEV.
route_via() {
	ip -n "$1" route show "$2" | grep -q " dev $3 " ||
		ip -n "$1" -6 route show "$2" | grep -q " dev $3 "
}

no_route() { ! ip -n "$1" route show "$2" | grep -q .; }

# lan_routes WHAT 4|6 [DEV_A [DEV_B]]: within 120 s each router routes
# the other's LAN (IPv4 or IPv6) over its tunnel (vti0 by default).
lan_routes() {
	local a=${3:-vti0} b=${4:-${3:-vti0}}
	if [ "$2" = 4 ]; then
		wait_for 120 "$1 route to lanB" route_via rtA 192.168.2.0/24 "$a"
		wait_for 120 "$1 route to lanA" route_via rtB 192.168.1.0/24 "$b"
	else
		wait_for 120 "$1 route to lanB" route_via rtA 2001:db8:2::/64 "$a"
		wait_for 120 "$1 route to lanA" route_via rtB 2001:db8:1::/64 "$b"
	fi
}

ping_lan() {	# ping_lan [-6]: lanA reaches lanB
	if [ "${1:-}" = -6 ]; then
		ip netns exec lanA ping -6 -c 1 -W 1 2001:db8:2::2
	else
		ip netns exec lanA ping -c 1 -W 1 192.168.2.2
	fi
}

# The link-local address: one per interface, generated without a
# hardware address, the same after a down/up and after the carrier went
# with the SA and came back; link-local to link-local works through
# the tunnel. ip -d link show reports the kind and a point-to-point link.
test_link_local() {
	local ll ll_b out
	ns_new rtA rtB
	underlay 0
	tunnel 0
	wait_for 5 "A's link-local address" \
		bash -c "ip -n rtA -6 addr show dev vti0 scope link | grep -q fe80::"
	ll=$(ip -n rtA -6 addr show dev vti0 scope link | awk '/inet6/ { print $2 }')
	expect_eq "link-local addresses on vti0" "$(echo "$ll" | wc -l)" 1
	wait_for 5 "B's link-local address" \
		bash -c "ip -n rtB -6 addr show dev vti0 scope link | grep -q fe80::"
	ll_b=$(ip -n rtB -6 addr show dev vti0 scope link | awk '/inet6/ { print $2 }')
	[ "$ll" != "$ll_b" ] || fail "both ends have $ll"
	wait_for 30 "ping B's link-local address" \
		ip netns exec rtA ping -6 -c 1 -W 1 "${ll_b%/*}%vti0"
	ip -n rtA link set vti0 down
	ip -n rtA link set vti0 up
	wait_for 5 "link-local after down/up" \
		bash -c "ip -n rtA -6 addr show dev vti0 scope link | grep -q '$ll'"
	expect_ok "$ESPVTI" -n rtA sa del vti0 dir out spi 0x1001
	# The carrier goes at once (LOWER_UP); the operational state, which
	# NO-CARRIER shows, follows from the kernel's linkwatch work, within
	# a second unless the machine is busy.
	[[ "$(ip -n rtA link show vti0)" != *LOWER_UP* ]] || fail "carrier without an SA"
	wait_for 5 "no carrier without an SA" \
		bash -c "ip -n rtA link show vti0 | grep -q NO-CARRIER"
	expect_ok "$ESPVTI" -n rtA sa add vti0 dir out spi 0x1001 alg aes-gcm key $KEY_AB
	wait_for 5 "link-local after the carrier came back" \
		bash -c "ip -n rtA -6 addr show dev vti0 scope link | grep -q '$ll'"
	wait_for 30 "ping B's link-local address after down/up and carrier loss" \
		ip netns exec rtA ping -6 -c 1 -W 1 "${ll_b%/*}%vti0"
	out=$(ip -n rtA -d link show vti0)
	expect_match "kind" "$out" 'espvti'
	expect_match "flags" "$out" '<POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP>'
	expect_match "MTU" "$out" 'mtu 1446 '
}

# Addressing routers use: /31 (RFC 3021) and unnumbered, each end
# borrowing its loopback's address, routes "dev vti0" and "onlink".
test_p2p_addressing() {
	ns_new rtA rtB
	underlay 0
	tunnel 0
	ip -n rtA addr flush dev vti0 scope global
	ip -n rtB addr flush dev vti0 scope global
	ip -n rtA addr add 172.16.0.0/31 dev vti0
	ip -n rtB addr add 172.16.0.1/31 dev vti0
	expect_ok ip netns exec rtA ping -c 1 -W 2 172.16.0.1
	expect_ok ip netns exec rtB ping -c 1 -W 2 172.16.0.0
	# Unnumbered: only 192.0.2.N/32 on lo.
	ip -n rtA addr flush dev vti0 scope global
	ip -n rtB addr flush dev vti0 scope global
	ip -n rtA addr add 192.0.2.1/32 dev lo
	ip -n rtB addr add 192.0.2.2/32 dev lo
	ip -n rtA route add 192.0.2.2/32 dev vti0 src 192.0.2.1
	ip -n rtB route add 192.0.2.1/32 via 192.0.2.1 dev vti0 onlink
	expect_ok ip netns exec rtA ping -c 1 -W 2 192.0.2.2
	expect_ok ip netns exec rtB ping -c 1 -W 2 -I 192.0.2.2 192.0.2.1
}

# OSPFv2 and OSPFv3 over one tunnel: both reach Full, the LAN prefixes
# are learnt both ways, LAN to LAN works, and the underlay carries
# nothing but ESP (and its own link's neighbour discovery).
test_ospf() {
	local cap n
	trap cleanup EXIT
	sites
	tunnel 0
	for s in A B; do
		zebra "rt$s"
	done
	local t0
	t0=$(usecs)
	ospf rtA 1
	ospf rtB 2
	ospf6 rtA 1
	ospf6 rtB 2
	wait_for 120 "OSPFv2 Full at A" ospf_full rtA ip
	echo "# time: OSPFv2 adjacency Full after $(since "$t0") s"
	wait_for 120 "OSPFv3 Full at A" ospf_full rtA ipv6
	echo "# time: OSPFv3 adjacency Full after $(since "$t0") s"
	lan_routes OSPFv2 4
	echo "# time: OSPFv2 LAN routes after $(since "$t0") s"
	lan_routes OSPFv3 6
	echo "# time: OSPFv3 LAN routes after $(since "$t0") s"
	expect_match "OSPFv3 next hop is link-local" \
		"$(ip -n rtA -6 route show 2001:db8:2::/64)" 'via fe80::'
	expect_eq "global IPv6 addresses on vti0" \
		"$(ip -n rtA -6 addr show dev vti0 scope global)" ""
	# Only ESP on the underlay while the LANs talk.
	cap=/tmp/rt-underlay.pcap
	ip netns exec rtA tcpdump -n -i veth0 -w "$cap" -U 'not (icmp6 or arp)' 2>/dev/null &
	nap 1.5
	expect_ok ip netns exec lanA ping -c 3 -i 0.2 -W 2 192.168.2.2
	expect_ok ip netns exec lanA ping -6 -c 3 -i 0.2 -W 2 2001:db8:2::2
	expect_ok ip netns exec lanB ping -c 1 -W 2 192.168.1.2
	nap 0.5
	kill $!
	wait
	n=$(tcpdump -n -r "$cap" 2>/dev/null | wc -l)
	[ "$n" -ge 14 ] || fail "underlay: $n packets, want at least the 14 pings"
	expect_eq "underlay packets that are not ESP" \
		"$(tcpdump -n -r "$cap" 'not esp' 2>/dev/null | wc -l)" 0
	rm -f "$cap"
	# Nothing dropped at either end for want of a policy or an SA.
	for s in A B; do
		expect_eq "rt$s tx_no_policy" "$(stat "rt$s" vti0 tx_no_policy)" 0
		expect_eq "rt$s rx_selector_mismatch" "$(stat "rt$s" vti0 rx_selector_mismatch)" 0
	done
}

# bgp NS ASN PEER_ASN PEER4 [EXTRA]: eBGP with PEER4 (IPv4 unicast) and
# with whoever is at the far end of vti0, on the link-local addresses
# (IPv6 unicast; FRR learns the peer's from its router advertisements).
bgp() {
	frr "$1" bgpd <<-EOF
		router bgp $2
		 bgp router-id 10.255.0.${2#6500}
		 no bgp ebgp-requires-policy
		 no bgp network import-check
		 neighbor $4 remote-as $3
		 neighbor $4 timers 20 60
		 neighbor $4 timers connect 1
		 neighbor $4 advertisement-interval 0
		 neighbor vti0 interface v6only remote-as $3
		 neighbor vti0 timers 20 60
		 neighbor vti0 timers connect 1
		 neighbor vti0 advertisement-interval 0
		 address-family ipv4 unicast
		  redistribute connected route-map lan
		  no neighbor vti0 activate
		  ${5:-}
		 exit-address-family
		 address-family ipv6 unicast
		  redistribute connected route-map lan
		  neighbor vti0 activate
		 exit-address-family
		route-map lan permit 10
		 match interface lan0
	EOF
}

bgp_up() {	# bgp_up NS PEER: the session with PEER is Established
	vtysh "$1" 'show bgp neighbors json' |
		jq -e --arg p "$2" '.[$p].bgpState == "Established"'
}

# eBGP over the tunnel, IPv4 on the tunnel addresses and IPv6 on the
# link-local addresses (neighbor vti0 interface v6only): the LAN prefixes go
# both ways and LAN to LAN works. Without BFD, the sessions drop as soon
# as the carrier goes (the SA deleted), not after the 60 s hold time,
# and come back with the SA.
test_bgp() {
	local t0
	trap cleanup EXIT
	sites
	tunnel 0
	zebra rtA
	zebra rtB
	t0=$(usecs)
	bgp rtA 65001 65002 172.16.0.2
	bgp rtB 65002 65001 172.16.0.1
	wait_for 120 "BGP IPv4 session" bgp_up rtA 172.16.0.2
	wait_for 120 "BGP link-local session" bgp_up rtA vti0
	echo "# time: BGP sessions Established after $(since "$t0") s"
	lan_routes BGP 4
	lan_routes "BGP IPv6" 6
	echo "# time: BGP LAN routes after $(since "$t0") s"
	expect_match "IPv4 via the peer's tunnel address" \
		"$(ip -n rtA route show 192.168.2.0/24)" 'via 172.16.0.2 dev vti0 proto bgp'
	expect_match "IPv6 via the peer's link-local address" \
		"$(ip -n rtA -6 route show 2001:db8:2::/64)" 'via fe80::.* dev vti0 proto bgp'
	expect_ok ping_lan
	expect_ok ping_lan -6
	# Carrier loss: A's outbound SA goes.
	t0=$(usecs)
	expect_ok "$ESPVTI" -n rtA sa del vti0 dir out spi 0x1001
	wait_for 40 "the LAN route withdrawn, well before the 60 s hold time" \
		no_route rtA 192.168.2.0/24
	echo "# time: BGP route withdrawn $(since "$t0") s after the carrier went (hold time 60 s)"
	wait_for 20 "the IPv4 session down" \
		bash -c "! ip netns exec rtA vtysh -N rtA -c 'show bgp neighbors json' 2>/dev/null |
			jq -e '.\"172.16.0.2\".bgpState == \"Established\"'"
	expect_ok "$ESPVTI" -n rtA sa add vti0 dir out spi 0x1001 alg aes-gcm key $KEY_AB
	t0=$(usecs)
	wait_for 120 "the session comes back" bgp_up rtA 172.16.0.2
	wait_for 120 "the LAN route comes back" route_via rtA 192.168.2.0/24 vti0
	echo "# time: BGP back $(since "$t0") s after the SA"
	expect_ok ping_lan
}

# Failover between two tunnels, OSPF preferring vti0 (cost 10) over vti1
# (cost 100), a 15 s dead interval. The SAs of vti0 deleted: the carrier
# goes, OSPF drops the adjacency at once and the route moves to vti1
# before the dead interval could have; back when the SAs return. vti0's
# underlay cut (the SAs still valid, so no carrier signal): the dead
# interval finds it.
test_failover() {
	local t0
	trap cleanup EXIT
	DEAD=15
	sites
	underlay 1
	tunnel 0
	tunnel 1
	zebra rtA
	zebra rtB
	ospf rtA 1 vti0:10 vti1:100
	ospf rtB 2 vti0:10 vti1:100
	lan_routes "OSPF over vti0" 4
	wait_for 120 "both adjacencies" \
		bash -c "[ \$(ip netns exec rtA vtysh -N rtA -c 'show ip ospf neighbor' 2>/dev/null | grep -c ' Full/') = 2 ]"
	expect_ok ping_lan
	# The SAs of vti0 go at both ends.
	t0=$(usecs)
	expect_ok "$ESPVTI" -n rtA sa flush vti0
	expect_ok "$ESPVTI" -n rtB sa flush vti0
	wait_for $((DEAD - 1)) "failover to vti1 on SA loss, before the dead interval" \
		route_via rtA 192.168.2.0/24 vti1
	echo "# time: route over vti1 $(since "$t0") s after the SAs went (dead interval $DEAD s)"
	wait_for 10 "failover to vti1 at B" route_via rtB 192.168.1.0/24 vti1
	wait_for 10 "LAN to LAN over vti1" ping_lan
	echo "# time: LAN to LAN over vti1 $(since "$t0") s after the SAs went"
	[ "$(stat rtA vti1 tx_packets)" -gt 0 ] || fail "nothing sent on vti1"
	t0=$(usecs)
	sas rtA vti0 0
	sas rtB vti0 0
	lan_routes "back to vti0:" 4
	wait_for 10 "LAN to LAN over vti0" ping_lan
	echo "# time: back on vti0 $(since "$t0") s after the SAs returned"
	# The underlay of vti0 cut: B's end of veth0 down.
	t0=$(usecs)
	ip -n rtB link set veth0 down
	wait_for $((DEAD + 20)) "failover to vti1 on underlay loss" route_via rtA 192.168.2.0/24 vti1
	echo "# time: route over vti1 $(since "$t0") s after the underlay went (dead interval $DEAD s)"
	wait_for 10 "LAN to LAN over vti1" ping_lan
	ip -n rtB link set veth0 up
	wait_for 120 "back to vti0 with the underlay" route_via rtA 192.168.2.0/24 vti0
	expect_ok ping_lan
}

# OSPFv2 with the far router on a Linux xfrm interface (B: xfrm0, if_id
# 42, multicast switched on since xfrm interfaces come without it):
# hellos and updates are multicast both ways.
test_ospf_xfrmi() {
	local t0
	trap cleanup EXIT
	sites
	tunnel 0 A
	ip -n rtB link add xfrm0 type xfrm dev veth0 if_id 42
	ip -n rtB xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x2001 reqid 1 \
		mode tunnel aead 'rfc4106(gcm(aes))' $KEY_BA 128 if_id 42
	ip -n rtB xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1001 reqid 1 \
		mode tunnel aead 'rfc4106(gcm(aes))' $KEY_AB 128 if_id 42
	ip -n rtB xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 \
		tmpl src 10.0.0.2 dst 10.0.0.1 proto esp reqid 1 mode tunnel
	ip -n rtB xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 \
		tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode tunnel
	ip -n rtB xfrm policy add dir fwd src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 \
		tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode tunnel
	ip -n rtB link set xfrm0 multicast on mtu 1400 up
	ip -n rtB addr add 172.16.0.2/30 dev xfrm0
	# OSPF compares MTUs in its database exchange: the same at both ends.
	ip -n rtA link set vti0 mtu 1400
	zebra rtA
	zebra rtB
	t0=$(usecs)
	ospf rtA 1
	ospf rtB 2 xfrm0:10
	wait_for 120 "OSPFv2 Full at A" ospf_full rtA ip
	wait_for 120 "OSPFv2 Full at B (xfrm)" ospf_full rtB ip
	echo "# time: OSPFv2 Full with xfrmi after $(since "$t0") s"
	lan_routes OSPFv2 4 vti0 xfrm0
	expect_ok ping_lan
	expect_ok ip netns exec lanB ping -c 1 -W 2 192.168.1.2
	[ "$(stat rtA vti0 rx_packets)" -gt 0 ] || fail "nothing received on vti0"
	expect_eq "rx_selector_mismatch" "$(stat rtA vti0 rx_selector_mismatch)" 0
}

# A route learnt over the tunnel that covers the tunnel's own outer
# destination (B announces 10.0.0.2/32 by BGP): the tunnel would send
# into itself. espvti drops and counts those packets as tx_loop; the
# underlay sees no storm, and removing the bad route heals the tunnel.
test_bgp_loop() {
	local sent0 sent1 lp
	trap cleanup EXIT
	sites
	tunnel 0
	zebra rtA
	zebra rtB
	bgp rtA 65001 65002 172.16.0.2
	bgp rtB 65002 65001 172.16.0.1 'network 10.0.0.2/32'
	wait_for 120 "the looping route is installed" route_via rtA 10.0.0.2/32 vti0
	ip netns exec lanA ping -c 5 -i 0.2 -W 1 192.168.2.2 >/dev/null 2>&1 || true
	ip netns exec rtA ping -c 5 -i 0.2 -W 1 172.16.0.2 >/dev/null 2>&1 || true
	lp=$(stat rtA vti0 tx_loop)
	[ "$lp" -ge 5 ] || fail "tx_loop: $lp"
	# No storm: in 2 s of a pinging LAN the underlay carries next to nothing.
	sent0=$(ip -n rtA -s -j link show veth0 | jq '.[0].stats64.tx.packets')
	ip netns exec lanA ping -c 10 -i 0.2 -W 1 192.168.2.2 >/dev/null 2>&1 || true
	sent1=$(ip -n rtA -s -j link show veth0 | jq '.[0].stats64.tx.packets')
	[ $((sent1 - sent0)) -lt 20 ] || fail "underlay sent $((sent1 - sent0)) packets in 2 s"
	# B stops announcing it and A resets its sessions: the tunnel heals.
	ip netns exec rtB /usr/bin/vtysh -N rtB -c 'configure terminal' -c 'router bgp 65002' \
		-c 'address-family ipv4 unicast' -c 'no network 10.0.0.2/32' >/dev/null 2>&1
	vtysh rtA 'clear ip bgp *' >/dev/null
	wait_for 5 "the looping route goes" no_route rtA 10.0.0.2/32
	wait_for 120 "the tunnel works again" ping_lan
}

if [ "${DP_QUICK:-0}" = 1 ] && [ -z "${TESTS:-}" ]; then
	TESTS="p2p_addressing"
fi
run_tests
