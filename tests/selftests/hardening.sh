#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a review of module/ found (issue 19), one test a defect, each
# failing on the module before its fix: who may do what from a namespace
# that does not own the underlay; IPv6 kept on a tunnel over a small path;
# xfrm states keyed by a mark (ip_vti, an IKE daemon's mark_in) still get
# their packets; keepalives from the tunnel's own local address; host xfrm
# policies that neither blackhole nor encrypt the tunnel's outer packets,
# over IPv4 as over IPv6; one key used both ways without GCM nonces
# repeating; events only for the administrator. (The SA that takes over when the current one
# goes: control.sh's carrier_follows_sa. The 32-bit expiry timer: KUnit
# espvti_life's life_wait.)
#
#   hA: veth0 10.0.0.1/24 fd00::1/64   hB: veth0 10.0.0.2/24 fd00::2/64
#       vti0 172.16.0.1 peer .2            vti0 172.16.0.2 peer .1
#
# Every test costs a few seconds, on the debug kernel too: all run there.
# events_need_admin reloads the module, long_lifetime_timer counts what
# the module queues: they run alone.
. "$(dirname "$0")/lib.sh"
EXCLUSIVE_TESTS="events_need_admin long_lifetime_timer"

pair() {
	ns_new hA hB
	underlay hA hB
	tunnel_side hA "${1:-10.0.0.1}" "${2:-10.0.0.2}" 172.16.0.1 172.16.0.2 \
		0x1001 0x2001 $KEY_AB $KEY_BA
	tunnel_side hB "${2:-10.0.0.2}" "${1:-10.0.0.1}" 172.16.0.2 172.16.0.1 \
		0x2001 0x1001 $KEY_BA $KEY_AB
}

# The privilege rule (design.rst, "Privilege"): the host makes vti0 and
# moves it into a namespace that a user namespace of its own owns (root
# there, nobody over the host's). In there, everything that only concerns
# the interface works; what claims something of the underlay (endpoints
# and UDP ports, an inbound SPI) is refused with the reason and changes
# nothing; the host itself still may.
test_privilege_across_namespaces() {
	local i
	ns_new ulA ulB
	underlay ulA ulB
	ip -n ulA link add vti0 type espvti
	unshare -Urn sleep 120 &
	pid=$!		# global: the trap runs after the function returned
	trap 'rc=$?; kill "$pid" 2>/dev/null || true; ns_cleanup; exit $rc' EXIT
	for ((i = 0; i < 50; i++)); do
		[ "$(readlink "/proc/$pid/ns/user")" = "$(readlink /proc/self/ns/user)" ] || break
		nap 0.1
	done
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] ||
		fail "no user namespace of its own for $pid"
	expect_ok ip -n ulA link set vti0 netns "$pid"
	# inside: as the user namespace's root; host: as the host's, in its netns.
	inside() { nsenter -t "$pid" -U -n -- "$ESPVTI" "$@"; }
	host() { nsenter -t "$pid" -n -- "$ESPVTI" "$@"; }

	expect_ok inside show vti0
	expect_fail inside set vti0 local 10.0.0.1 remote 10.0.0.2 encap udp sport 5000
	expect_match "set: the reason" "$OUT" 'underlay namespace'
	[[ "$(ip netns exec ulA ss -Huln)" != *":5000 "* ]] || fail "port 5000 bound in the underlay"
	expect_match "set changed nothing" "$(inside -j show vti0 | jq -c '.[0] | [.local, .remote]')" \
		'^\[null,null\]$|^\[\]$|^\["",""\]$'
	expect_fail inside sa allocspi vti0
	expect_match "allocspi: the reason" "$OUT" 'underlay namespace'
	expect_fail inside sa add vti0 dir in spi 0x2001 alg aes-gcm key $KEY_BA
	expect_match "inbound SA: the reason" "$OUT" 'underlay namespace'
	# Without an interface, the container reserves in its own namespace's
	# table (it administers it), which no SA of vti0 (underlay ulA) uses:
	# vti0 still takes no inbound SPI.
	expect_ok inside sa allocspi min 0x2001 max 0x2001
	expect_fail inside sa add vti0 dir in spi 0x2001 alg aes-gcm key $KEY_BA
	expect_match "inbound SA after an unbound reservation: the reason" "$OUT" \
		'underlay namespace'
	expect_eq "no SA added" "$(inside -j sa show vti0 | jq length)" 0

	# The host sets the endpoints and the inbound SA; the namespace's
	# root keys the way out, rekeys it, and manages what is its own.
	expect_ok host set vti0 local 10.0.0.1 remote 10.0.0.2
	expect_ok host sa add vti0 dir in spi 0x2001 alg aes-gcm key $KEY_BA
	expect_ok inside sa add vti0 dir out spi 0x1001 alg aes-gcm key $KEY_AB
	expect_match "carrier" "$(inside show vti0)" 'carrier on'
	expect_ok inside sa add vti0 dir out spi 0x1002 alg aes-gcm key $KEY_AB nocurrent
	expect_ok inside sa set vti0 dir out spi 0x1002 current
	expect_ok inside sa del vti0 dir out spi 0x1001
	expect_ok inside policy add vti0 src 172.16.0.0/24
	expect_ok inside policy flush vti0
	expect_ok inside stats vti0 reset
	# The MTU is the interface's own: a container may hand it back.
	expect_fail inside set vti0 mtu-auto on remote 10.0.0.3
	expect_match "set with an endpoint: the reason" "$OUT" 'underlay namespace'
	expect_ok inside set vti0 mtu-auto on
	expect_ok inside sa del vti0 dir in spi 0x2001
	expect_ok inside sa flush vti0
	expect_match "no carrier without SAs" "$(inside show vti0)" 'carrier off'
}

# An IPv6 underlay of MTU 1280 leaves 1206 bytes under AES-GCM: the
# interface stays at 1280, so IPv6 (its addresses, link-local included)
# stays on it; a 1280-byte IPv6 packet goes in fragments of the outer
# packet; an IPv4 one with DF learns the MTU the path really leaves.
test_ipv6_mtu_floor() {
	local out
	ns_new hA hB
	underlay hA hB
	ip -n hA link set veth0 mtu 1280
	ip -n hB link set veth0 mtu 1280
	tunnel_side hA fd00::1 fd00::2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	tunnel_side hB fd00::2 fd00::1 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB
	expect_match "MTU" "$(ip -n hA link show vti0)" 'mtu 1280 '
	expect_ok ip -n hA addr add fd01::1/128 peer fd01::2 dev vti0 nodad
	expect_ok ip -n hB addr add fd01::2/128 peer fd01::1 dev vti0 nodad
	expect_match "IPv6 address kept" "$(ip -n hA -6 addr show dev vti0)" 'fd01::1'
	expect_ok ip netns exec hA ping -6 -c 2 -i 0.2 -W 2 -M do -s 1232 fd01::2
	ip netns exec hA ping -c 1 -W 1 -M do -s 1252 172.16.0.2 >/dev/null 2>&1 || true
	out=$(ip netns exec hA ping -c 1 -W 2 -M do -s 1252 172.16.0.2 2>&1 || true)
	expect_match "ICMP to the sender" "$out" 'mtu ?=? ?1206'
	expect_ok ip netns exec hA ping -c 1 -W 2 -M do -s 1178 172.16.0.2
}

# An ip_vti tunnel (key 5: its xfrm states and policies carry mark 5)
# between the same two hosts as an espvti tunnel: its ESP reaches it. The
# states match only once ip_vti has marked the packet, after espvti saw
# it; an SPI that xfrm knows under any mark is not espvti's to drop.
test_xfrm_marked_states_pass() {
	local ns l r i p
	ns_new hA hB
	underlay hA hB
	for side in "hA 10.0.0.1 10.0.0.2 192.168.5.1 192.168.5.2" \
		"hB 10.0.0.2 10.0.0.1 192.168.5.2 192.168.5.1"; do
		read -r ns l r i p <<<"$side"
		ip -n "$ns" link add vti5 type vti local "$l" remote "$r" key 5
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.vti5.disable_policy=1
		ip -n "$ns" addr add "$i/32" peer "$p" dev vti5
		ip -n "$ns" link set vti5 up
		ip -n "$ns" xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x501 \
			mode tunnel mark 5 aead 'rfc4106(gcm(aes))' $KEY_AB 128
		ip -n "$ns" xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x502 \
			mode tunnel mark 5 aead 'rfc4106(gcm(aes))' $KEY_BA 128
		ip -n "$ns" xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 mark 5 \
			tmpl src "$l" dst "$r" proto esp mode tunnel
		ip -n "$ns" xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 mark 5 \
			tmpl src "$r" dst "$l" proto esp mode tunnel
	done
	# espvti's tunnel to the same peer, without SAs of its own.
	ip -n hA link add vti0 type espvti
	expect_ok "$ESPVTI" -n hA set vti0 local 10.0.0.1 remote 10.0.0.2
	expect_ok ip netns exec hA ping -c 2 -i 0.2 -W 2 192.168.5.2
	expect_eq "rx_unknown_spi" "$(stat hA rx_unknown_spi)" 0
	# An SPI nobody at A knows, from the peer: espvti's to drop and count.
	ip -n hA xfrm state flush
	ip netns exec hB ping -c 1 -W 1 192.168.5.1 >/dev/null 2>&1 || true
	expect_match "the one unknown to all" "$(stat hA rx_unknown_spi)" '^[1-9]'
}

# Keepalives leave from the tunnel's local address (a second address of
# the host, not the one the route would pick), as its ESP does: the NAT
# binding they refresh is the ESP's.
test_keepalive_from_local() {
	local cap n
	ns_new hA hB
	underlay hA hB
	ip -n hA addr add 10.0.0.9/24 dev veth0
	tunnel_side hA 10.0.0.9 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_BA
	tunnel_side hB 10.0.0.2 10.0.0.9 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_BA $KEY_AB
	expect_ok "$ESPVTI" -n hB set vti0 encap udp
	cap=$(mktemp)
	ip netns exec hB timeout 6 tcpdump -nli veth0 -c 2 'udp and udp[4:2] = 9' \
		>"$cap" 2>/dev/null &
	n=$!
	nap 0.5
	expect_ok "$ESPVTI" -n hA set vti0 encap udp keepalive 1
	wait "$n" || true
	n=$(grep -c ' IP ' "$cap" || true)
	[ "$n" -ge 1 ] || fail "no keepalive on the wire"
	expect_eq "keepalives not from 10.0.0.9:4500" \
		"$(grep ' IP ' "$cap" | grep -vc ' IP 10\.0\.0\.9\.4500 > 10\.0\.0\.2\.4500:' || true)" 0
	rm -f "$cap"
	expect_match "counted at B" "$(stat hB rx_keepalive)" '^[1-9]'
	expect_ok ip netns exec hA ping -c 1 -W 2 172.16.0.2
}

# Host policies that block ESP between the endpoints, for both families:
# the tunnel's outer packets are ESP already and meet no host policy, as
# an xfrm interface's do not, over IPv4 as over IPv6.
test_outer_ignores_host_policy() {
	pair
	ip -n hA xfrm policy add dir out src 10.0.0.1/32 dst 10.0.0.2/32 proto esp action block
	ip -n hA xfrm policy add dir out src fd00::1/128 dst fd00::2/128 proto esp action block
	expect_ok ip netns exec hA ping -c 1 -W 2 172.16.0.2
	expect_eq "tx_no_route over IPv4" "$(stat hA tx_no_route)" 0
	expect_ok "$ESPVTI" -n hA set vti0 local fd00::1 remote fd00::2
	expect_ok "$ESPVTI" -n hB set vti0 local fd00::2 remote fd00::1
	expect_ok ip netns exec hA ping -c 1 -W 2 172.16.0.2
	expect_eq "tx_no_route over IPv6" "$(stat hA tx_no_route)" 0
}

# One key for both directions (a hand configuration's mistake that xfrm
# survives, its seqiv salting the IVs): the GCM nonce is the key's salt
# and the IV, so the IVs of the two directions must never meet. With the
# bare sequence number as IV they would (packet N each way, same nonce);
# salted per SA, IV XOR sequence number is one value per SA, different
# for the two. Read from a capture on the underlay.
test_same_key_both_ways() {
	local pcap out
	ns_new hA hB
	underlay hA hB
	tunnel_side hA 10.0.0.1 10.0.0.2 172.16.0.1 172.16.0.2 0x1001 0x2001 $KEY_AB $KEY_AB
	tunnel_side hB 10.0.0.2 10.0.0.1 172.16.0.2 172.16.0.1 0x2001 0x1001 $KEY_AB $KEY_AB
	pcap=$(mktemp)
	ip netns exec hB timeout 10 tcpdump -nli veth0 -c 6 -w "$pcap" esp 2>/dev/null &
	nap 1
	expect_ok ip netns exec hA ping -c 3 -i 0.2 -W 2 172.16.0.2
	wait || true
	# pcap: 24-byte file header, then per packet 16 bytes and the frame:
	# Ethernet 14, IPv4 20, SPI 4, sequence number 4, IV 8. Prints each
	# SPI with the distinct values of IV XOR sequence number it used.
	out=$(python3 - "$pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, salts = 24, {}
while off + 16 <= len(d):
    n = struct.unpack_from("<I", d, off + 8)[0]
    spi, seq, iv = struct.unpack_from("!IIQ", d, off + 16 + 34)
    salts.setdefault(spi, set()).add(iv ^ seq)
    off += 16 + n
for spi in sorted(salts):
    print("%x %s" % (spi, " ".join("%016x" % s for s in sorted(salts[spi]))))
PY
)
	rm -f "$pcap"
	expect_eq "both ways captured, one value each" \
		"$(awk '{ printf "%s %d ", $1, NF - 1 }' <<<"$out")" "1001 1 2001 1 "
	[ "$(awk '{ print $2 }' <<<"$out" | sort -u | wc -l)" = 2 ] ||
		fail "the two directions' IVs meet: $out"
}

# Limits (design.rst, "Privilege"): an interface holds at most 64
# outbound SAs and 1024 SPI reservations, a namespace 1024 reservations of
# no interface; one more is refused with the reason and changes nothing; a
# slot comes back when an SA goes or a reservation is taken by its SA (or,
# of no interface, given back). (Inbound SAs need privilege over the
# underlay; every SA is charged to the adder's memory cgroup.)
test_sa_limits() {
	local i k reqs= made out spi ureqs umade
	ns_new lA
	ip -n lA link add vti0 type espvti
	k=hex:000102030405060708090a0b0c0d0e0f10111213
	for ((i = 0; i < 64; i++)); do
		reqs+="sa_add ifname=vti0 sa.dir=u8:2 sa.spi=$((0x1000 + i)) sa.alg=u8:1 sa.key=$k"$'\n'
	done
	for ((i = 0; i < 1024; i++)); do
		reqs+=$'spi_alloc ifname=vti0\n'
	done
	made=$(ip netns exec lA $GENL --batch <<< "$reqs")
	expect_eq "64 outbound SAs and 1024 reservations made" \
		"$(grep -c '^-- exit 0$' <<< "$made")" 1088
	out=$(ip netns exec lA $GENL --refused vti0 sa_add ifname=vti0 sa.dir=u8:2 \
		sa.spi=0x2000 sa.alg=u8:1 sa.key=$k) || fail "65th outbound SA: $out"
	expect_match "65th outbound SA" "$out" 'most outbound SAs it may \(64\)'
	out=$(ip netns exec lA $GENL --refused vti0 spi_alloc ifname=vti0) ||
		fail "1025th reservation: $out"
	expect_match "1025th reservation" "$out" 'most SPI reservations it may \(1024\)'
	# A namespace's reservations of no interface: 1024, then refused; one
	# given back (SA_DEL without an interface) or taken makes room again.
	ureqs=
	for ((i = 0; i < 1024; i++)); do
		ureqs+=$'spi_alloc\n'
	done
	umade=$(ip netns exec lA $GENL --batch <<< "$ureqs")
	expect_eq "1024 unbound reservations made" "$(grep -c '^-- exit 0$' <<< "$umade")" 1024
	out=$(ip netns exec lA $GENL --refused vti0 spi_alloc) || fail "1025th unbound: $out"
	expect_match "1025th unbound reservation" "$out" \
		'most SPI reservations without an interface it may \(1024\)'
	spi=$(grep -m1 -o 'sa\.spi=[0-9]*' <<< "$umade" | cut -d= -f2)
	expect_ok ip netns exec lA $GENL sa_del sa.dir=u8:1 sa.spi="$spi"
	expect_ok ip netns exec lA $GENL spi_alloc
	spi=$(grep -o 'sa\.spi=[0-9]*' <<< "$umade" | sed -n 2p | cut -d= -f2)
	expect_ok "$ESPVTI" -n lA sa add vti0 dir in spi "$spi" alg aes-gcm key "$KEY_BA"
	expect_ok ip netns exec lA $GENL spi_alloc
	# Room again: an outbound SA deleted, a reservation taken by its SA.
	expect_ok "$ESPVTI" -n lA sa del vti0 dir out spi 0x1000
	expect_ok ip netns exec lA $GENL sa_add ifname=vti0 sa.dir=u8:2 sa.spi=0x2000 \
		sa.alg=u8:1 sa.key=$k
	spi=$(grep -m1 -o 'sa\.spi=[0-9]*' <<< "$made" | cut -d= -f2)
	[ -n "$spi" ] || fail "no reserved SPI to take in: $(head -n 20 <<< "$made")"
	expect_ok "$ESPVTI" -n lA sa add vti0 dir in spi "$spi" alg aes-gcm key "$KEY_AB"
	expect_ok ip netns exec lA $GENL spi_alloc ifname=vti0
}

# A lifetime of a year does not fit a 32-bit unsigned long of jiffies (at
# HZ 250, 198 days): truncated, the SA's expiry work would be due at once
# and run every tick under RTNL. The work waits at most an hour and re-arms
# (espvti_life_wait): in 2 s the "espvti" workqueue queues nothing (a work
# running every tick: ~500). Counted by tracing where the kernel has it
# (Debian's, amd64 and the 32-bit 686 that make compat boots; the debug
# kernel has no tracing: there only the SA staying and no expiry event).
test_long_lifetime_timer() {
	local t=/sys/kernel/tracing inst n mon=/tmp/long-life-events
	ns_new llA
	ip -n llA link add vti0 type espvti
	expect_ok "$ESPVTI" -n llA set vti0 local 10.0.0.1 remote 10.0.0.2
	timeout 5 "$ESPVTI" -n llA monitor > "$mon" 2>&1 &
	sleep 0.3
	expect_ok "$ESPVTI" -n llA sa add vti0 dir out spi 0x1001 alg aes-gcm key $KEY_AB \
		limit time-soft 31000000 limit time-hard 31536000
	expect_ok "$ESPVTI" -n llA sa add vti0 dir in spi 0x2001 alg aes-gcm key $KEY_BA \
		limit time-hard 63072000 limit time-use-hard 40000000
	[ -d "$t/events" ] || mount -t tracefs nodev "$t" 2>/dev/null || true
	if [ -d "$t/events/workqueue/workqueue_queue_work" ]; then
		inst=$t/instances/espvti-long-life
		rmdir "$inst" 2>/dev/null || true
		mkdir "$inst" || fail "cannot make a tracing instance"
		echo 'workqueue == "espvti"' > "$inst/events/workqueue/workqueue_queue_work/filter"
		echo 1 > "$inst/events/workqueue/workqueue_queue_work/enable"
		sleep 2
		echo 0 > "$inst/events/workqueue/workqueue_queue_work/enable"
		n=$(grep -c 'workqueue_queue_work:' "$inst/trace" || true)
		rmdir "$inst"
		[ "$n" -le 2 ] || fail "the espvti workqueue queued $n works in 2 s"
		echo "# espvti works queued in 2 s: $n"
	else
		echo "# no tracing in this kernel: only the SA and its events checked"
		sleep 2
	fi
	expect_ok "$ESPVTI" -n llA sa get vti0 dir out spi 0x1001
	expect_ok "$ESPVTI" -n llA sa get vti0 dir in spi 0x2001
	expect_match "carrier" "$("$ESPVTI" -n llA show vti0)" 'carrier on'
	wait
	[[ "$(cat "$mon")" != *expire* ]] || fail "an expiry event: $(cat "$mon")"
}

# Events are for the administrator. Where the kernel cannot make joining
# the events group need CAP_NET_ADMIN (before 6.7, unless the stable
# backport is in), events go by unicast to the sockets that subscribed,
# which only CAP_NET_ADMIN may; events_unicast=1 makes this kernel one of
# those (the group then carries no flag). A user without the capability
# joins the group and receives nothing, and may not subscribe; root's
# monitor gets the events.
test_events_need_admin() {
	local d=/tmp/nobody i got=
	module_unload
	insmod "$ESPVTI_KO" events_unicast=1 ||
		fail "cannot load $ESPVTI_KO with events_unicast=1"
	trap 'rc=$?; kill $(jobs -p) 2>/dev/null; wait; ns_cleanup
		module_unload; module_load; exit $rc' EXIT
	ns_new evA
	ip -n evA link add vti0 type espvti
	# What nobody runs, where nobody may read it.
	mkdir -p -m 755 "$d"
	cp "$ESPVTI" "$ESPVTI_REPO/tests/selftests/genl.py" "$d/"
	nobody() {
		ip netns exec evA setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	}
	nobody python3 "$d/genl.py" --listen 60 > "$d/listen" 2>&1 &
	ip netns exec evA "$ESPVTI" -j monitor > "$d/monitor" 2> "$d/monitor.err" &
	for ((i = 0; i < 100; i++)); do
		[ ! -s "$d/listen" ] || break
		nap 0.1
	done
	expect_eq "nobody joins the group" "$(<"$d/listen")" joined
	expect_fail nobody "$d/espvti" monitor
	expect_match "nobody may not subscribe" "$OUT" \
		'cannot subscribe to events: Operation not permitted'
	# Until root's monitor (subscribed by then) shows an SA come and go.
	for ((i = 0; i < 30; i++)); do
		expect_ok ip netns exec evA "$ESPVTI" sa add vti0 dir out spi $((0x1000 + i)) \
			alg aes-gcm key "$KEY_AB"
		expect_ok ip netns exec evA "$ESPVTI" sa del vti0 dir out spi $((0x1000 + i))
		nap 0.3
		got=$(<"$d/monitor")
		[[ $got != *'"sa-del"'* ]] || break
	done
	[[ $got == *'"sa-add"'*'"sa-del"'* ]] ||
		fail "root's monitor got no events: $got $(<"$d/monitor.err")"
	nap 0.5
	expect_eq "what nobody received" "$(<"$d/listen")" joined
}

run_tests
