#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The interface and its namespaces: create and delete, what GET and
# `espvti show` list, teardown with a namespace and with the module, bad
# requests answered with an extack message, and the tool's text output.
. "$(dirname "$0")/lib.sh"

# They unload the module: nothing may run beside them.
EXCLUSIVE_TESTS="netns_teardown module_unload_with_interfaces"

# The link is a point-to-point, NOARP, multicast L3 device with no
# hardware address, and no carrier while it has no outbound SA.
test_link_properties() {
	ns_new evA
	expect_ok ip -n evA link add vti0 type espvti
	local d
	d=$(ip -n evA -d link show vti0)
	expect_match "flags" "$d" '<POINTOPOINT,MULTICAST,NOARP>'
	expect_match "link type" "$d" 'link/none'
	expect_match "kind" "$d" 'espvti'
	expect_match "mtu" "$d" 'mtu 1406 '
	expect_match "min/max mtu" "$d" 'minmtu 68 maxmtu 65438'
	expect_ok ip -n evA link set vti0 up
	d=$(ip -n evA link show vti0)
	expect_match "no carrier" "$d" 'NO-CARRIER'
	expect_match "oper state" "$d" 'state DOWN'
	# With no carrier nothing leaves, and what is sent is counted as
	# dropped: here packets that bypass the qdisc (PACKET_QDISC_BYPASS),
	# refused with ENOBUFS.
	expect_ok ip netns exec evA python3 -c "
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.setsockopt(263, 20, 1)  # SOL_PACKET, PACKET_QDISC_BYPASS
for _ in range(3):
    try:
        s.sendto(bytes([0x45]) + bytes(19), ('vti0', 0x0800))
    except OSError as e:
        assert e.errno == 105, e
"
	expect_eq "tx_dropped" "$(ip -n evA -s -j link show vti0 | jq '.[0].stats64.tx.dropped')" 3
	expect_eq "tx_packets" "$(ip -n evA -s -j link show vti0 | jq '.[0].stats64.tx.packets')" 0
	expect_ok ip -n evA link set vti0 mtu 1280
	expect_fail ip -n evA link set vti0 mtu 67
	expect_ok ip -n evA addr add 192.0.2.1/31 dev vti0
	expect_ok ip -n evA link del vti0
	expect_fail ip -n evA link show vti0
	expect_eq "after delete" "$(shown -n evA)" ""
}

# GET lists exactly the espvti interfaces of the caller's namespace.
test_show_lists_exactly() {
	ns_new evA evB
	ip -n evA link add vti0 type espvti
	ip -n evA link add vti1 type espvti
	ip -n evA link add dummy0 type dummy 2>/dev/null || true
	ip -n evB link add vti0 type espvti
	expect_eq "netns A" "$(shown -n evA)" "vti0 vti1"
	expect_eq "netns B" "$(shown -n evB)" "vti0"
	expect_eq "via ip netns exec" "$(ip netns exec evB "$ESPVTI" -j show | jq -r '.[0].ifname')" vti0

	local j ifindex id
	j=$("$ESPVTI" -n evA -j show vti1)
	expect_eq "one entry" "$(echo "$j" | jq length)" 1
	ifindex=$(ip -n evA -j link show vti1 | jq '.[0].ifindex')
	expect_eq "ifindex" "$(echo "$j" | jq '.[0].ifindex')" "$ifindex"
	expect_eq "mtu" "$(echo "$j" | jq '.[0].mtu')" 1406
	expect_eq "carrier" "$(echo "$j" | jq '.[0].carrier')" false
	id=$(echo "$j" | jq '.[0].id')

	# The id survives a rename; GET by ifindex agrees with GET by name.
	ip -n evA link set vti1 name tun9
	expect_eq "renamed" "$(shown -n evA)" "tun9 vti0"
	expect_eq "id after rename" "$("$ESPVTI" -n evA -j show tun9 | jq '.[0].id')" "$id"
	expect_match "by ifindex" "$(ip netns exec evA $GENL dev_get ifindex="$ifindex")" "ifname=tun9"
	expect_match "plain output" "$("$ESPVTI" -n evA show tun9)" "^tun9: id $id mtu 1406 carrier off"

	ip -n evA link del vti0
	expect_eq "after one delete" "$(shown -n evA)" "tun9"
	expect_eq "B untouched" "$(shown -n evB)" "vti0"
}

# A dump larger than one netlink message is resumed without loss.
test_dump_many() {
	ns_new evA
	local i
	for ((i = 0; i < 300; i++)); do
		echo "link add vti$i type espvti"
	done | ip -n evA -batch - || fail "cannot create 300 interfaces"
	expect_eq "count" "$("$ESPVTI" -n evA -j show | jq length)" 300
	expect_eq "distinct" "$("$ESPVTI" -n evA -j show | jq '[.[].id] | unique | length')" 300
}

# An interface moved to another namespace is listed there, keeps its id,
# and dies with that namespace.
test_move_namespace() {
	ns_new evA evB
	ip -n evA link add vti0 type espvti
	ip -n evA link add vti1 type espvti
	local id
	id=$("$ESPVTI" -n evA -j show vti0 | jq '.[0].id')
	expect_ok ip -n evA link set vti0 netns evB
	expect_eq "left A" "$(shown -n evA)" "vti1"
	expect_eq "joined B" "$(shown -n evB)" "vti0"
	expect_eq "id after move" "$("$ESPVTI" -n evB -j show vti0 | jq '.[0].id')" "$id"
	expect_ok ip -n evB link set vti0 netns evA name vti2
	expect_eq "back in A" "$(shown -n evA)" "vti1 vti2"
	expect_eq "B empty" "$(shown -n evB)" ""
	ip -n evA link set vti1 netns evB
	ip netns del evB
	expect_eq "A keeps its own" "$(shown -n evA)" "vti2"
}

# Interfaces die with their namespace; the module can then be unloaded
# (which waits for namespace cleanup) with nothing left behind.
test_netns_teardown() {
	ns_new evA evC
	ip -n evC link add vti0 type espvti
	ip -n evC link add vti1 type espvti
	ip -n evC link set vti0 up
	ip -n evA link add vti0 type espvti
	ip netns del evC
	expect_eq "A untouched" "$(shown -n evA)" "vti0"
	ip -n evA link del vti0
	module_unload
	module_load
	expect_eq "nothing after reload" "$(shown -n evA)" ""
}

# Unloading the module with interfaces in several namespaces removes them.
test_module_unload_with_interfaces() {
	ns_new evA evB
	ip -n evA link add vti0 type espvti
	ip -n evA link set vti0 up
	ip -n evA addr add 192.0.2.1/31 dev vti0
	ip -n evB link add vti0 type espvti
	ip -n evB link add vti7 type espvti
	module_unload
	expect_fail ip -n evA link show vti0
	expect_fail ip -n evB link show vti7
	module_load
	expect_eq "none after reload" "$(shown -n evB)" ""
}

# What the tool prints as text (and the JSON field order) for an interface,
# an SA, a selector, the counters and showconf: the output the man page
# shows, asserted line by line (where the kernel's numbers vary, by pattern).
test_text_output() {
	local out
	ns_new evA
	ip -n evA link add vti0 type espvti
	expect_ok "$ESPVTI" -n evA set vti0 local 10.0.0.1 remote 10.0.0.2
	expect_ok "$ESPVTI" -n evA sa add vti0 dir out spi 0x1001 alg aes-gcm key "$KEY_AB" \
		icv 12 limit time-soft 100 limit byte-hard 5000
	expect_ok "$ESPVTI" -n evA sa add vti0 dir in spi 0x2001 alg aes-gcm key "$KEY_BA" \
		replay-window 128 esn
	expect_ok "$ESPVTI" -n evA policy flush vti0
	expect_ok "$ESPVTI" -n evA policy add vti0 dst 192.168.0.0/24 proto udp dport 53

	expect_match "show" "$("$ESPVTI" -n evA show vti0)" \
		'^vti0: id [0-9]+ mtu [0-9]+ carrier (on|off) oper (up|down) local 10\.0\.0\.1 remote 10\.0\.0\.2 encap none$'
	out=$("$ESPVTI" -n evA sa get vti0 dir out spi 0x1001)
	expect_eq "sa get: lines" "$(wc -l <<< "$out")" 3
	expect_match "sa get: the SA" "$(sed -n 1p <<< "$out")" \
		'^dir out spi 0x00001001 alg aes-gcm icv 12 esn off replay-window [0-9]+ seq [0-9]+ current$'
	expect_match "sa get: its use" "$(sed -n 2p <<< "$out")" '^    age [0-9]+s bytes 0 packets 0$'
	expect_eq "sa get: its limits" "$(sed -n 3p <<< "$out")" '    soft time 100s hard bytes 5000'
	expect_match "sa get: inbound" "$("$ESPVTI" -n evA sa get vti0 dir in spi 0x2001 | head -1)" \
		'^dir in spi 0x00002001 alg aes-gcm icv 16 esn on replay-window 128 seq [0-9]+$'
	expect_match "sa get: JSON" "$("$ESPVTI" -n evA -j sa get vti0 dir out spi 0x1001)" \
		'^\{"dir":"out","spi":4097,"current":true,"alg":"aes-gcm","icv":12,"esn":false,"replay_window":[0-9]+,"seq":[0-9]+,"age":[0-9]+,"bytes":0,"packets":0,"soft_expired":false,"soft":\{"time":100\},"hard":\{"bytes":5000\},"stats":\{"'
	expect_eq "policy show" "$("$ESPVTI" -n evA policy show vti0)" \
		'inet src 0.0.0.0/0 dst 192.168.0.0/24 proto udp sport 0-65535 dport 53-53'
	expect_eq "policy show: JSON" "$("$ESPVTI" -n evA -j policy show vti0)" \
		'[{"family":"inet","src":"0.0.0.0/0","dst":"192.168.0.0/24","proto":17,"sport":[0,65535],"dport":[53,53]}]'
	expect_eq "stats" "$("$ESPVTI" -n evA stats vti0 | head -2 | tr '\n' ' ')" 'tx_packets 0 tx_bytes 0 '
	expect_match "stats -s" "$("$ESPVTI" -n evA stats -s vti0 | grep '^sa ' | sort | tr '\n' ' ')" \
		'^sa dir in spi 0x00002001 sa dir out spi 0x00001001 current $'
	expect_ok "$ESPVTI" -n evA sa del vti0 dir in spi 0x2001
	expect_eq "showconf" "$("$ESPVTI" -n evA showconf vti0)" "$(cat <<-EOF
	# vti0: espvti showconf. Keys are write-only: setconf needs them added.
	[Tunnel]
	Local = 10.0.0.1
	Remote = 10.0.0.2

	[SA]
	Direction = out
	SPI = 0x00001001
	Algorithm = aes-gcm
	# Key = (write-only, not shown)
	ICV = 12
	ESN = no
	Current = yes
	TimeSoft = 100
	ByteHard = 5000

	[Policy]
	Family = inet
	Dst = 192.168.0.0/24
	Proto = udp
	DPort = 53
	EOF
	)"
}

# Bad requests are refused with a clear extack message.
test_bad_requests() {
	ns_new evA
	ip -n evA link add vti0 type espvti
	ip -n evA link add dummy0 type dummy 2>/dev/null || true
	local lo_idx
	lo_idx=$(ip -n evA -j link show lo | jq '.[0].ifindex')

	expect_fail "$ESPVTI" -n evA show nosuch
	expect_match "unknown name" "$OUT" 'No such device: no such interface in this namespace'
	expect_fail "$ESPVTI" -n evA show lo
	expect_match "wrong kind" "$OUT" 'not an espvti interface'

	local g="ip netns exec evA $GENL dev_get"
	expect_fail $g
	expect_match "missing attributes" "$OUT" '^error 22: an interface is needed'
	expect_fail $g ifindex=9999
	expect_match "unknown ifindex" "$OUT" '^error 19: no such interface'
	expect_fail $g ifindex="$lo_idx"
	expect_match "wrong kind by ifindex" "$OUT" '^error 95: not an espvti interface'
	expect_fail $g ifindex=0
	expect_match "ifindex 0" "$OUT" '^error 34: .+'
	expect_fail $g ifindex="$lo_idx" ifname=vti0
	expect_match "disagreeing" "$OUT" '^error 22: ifindex and ifname name different interfaces'
	expect_fail $g ifname=bytes:vti0
	expect_match "unterminated name" "$OUT" '^error 22: .+'
	expect_fail $g ifname=vti0 mtu=1400
	expect_match "read-only attribute" "$OUT" '^error 22: .+'
	expect_fail $g ifname=vti0 99=u32:1
	expect_match "unknown attribute" "$OUT" '^error 22: .+'
	# The interface named in another namespace is not visible here.
	ns_new evB
	expect_fail ip netns exec evB $GENL dev_get ifname=vti0
	expect_match "other namespace" "$OUT" '^error 19: '
	# Nothing changed.
	expect_eq "still there" "$(shown -n evA)" "vti0"
}

run_tests
