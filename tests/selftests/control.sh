#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control plane: SA lifetimes and their events, acquires, hitless
# rekeys against espvti and against Linux XFRM, carrier that follows the
# outbound SA, SPI allocation, counters reset, and bad requests that are
# refused with a message and change nothing, privileged or not.
#
#   cpA: vethA 10.0.0.1/24, vti0 172.16.0.1 peer 172.16.0.2, fd01::1
#   cpB: vethB 10.0.0.2/24, vti0 (or xfrm0, if_id 42) 172.16.0.2, fd01::2
#
# Events are read with `espvti monitor -j`, each line stamped with the
# time it arrived (seconds since the epoch, bash's $EPOCHREALTIME).
#
# DP_QUICK=1 (the slow debug kernel): 5 rekeys under traffic instead of
# 20, pings every 100 ms instead of 20.
. "$(dirname "$0")/lib.sh"

ALG=aes-gcm
REKEYS=20 PING_I=0.02
[ "${DP_QUICK:-0}" = 1 ] && REKEYS=5 PING_I=0.1
BG_PIDS=()
TMPD=

cp_begin() {
	TMPD=$(mktemp -d /tmp/control.XXXXXX)
	trap 'rc=$?; cp_end; exit $rc' EXIT
}

cp_end() {
	local p
	# The monitors first (what runs in the test's namespaces): the
	# stamping loops' ends of the pipes go too.
	for p in "${NAMESPACES[@]}"; do
		ip netns pids "$p" | xargs -r kill 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	ns_cleanup
	rm -rf "$TMPD"
}

# q CMD...: run CMD; fail the test with its output when it fails.
q() {
	local out
	out=$("$@" 2>&1) || fail "'$*' failed: $out"
}

# key SPI: 16 bytes of AES key and 4 of salt, a function of the SPI.
key() {
	local k
	printf -v k '0x%08x%08x%08x%08x%08x' $(($1)) $(($1 * 3)) $(($1 * 5)) $(($1 * 7)) $(($1 * 11))
	echo "${k:0:42}"
}

# topo: the two namespaces and their underlay. IPv6 is off on the
# tunnels made afterwards: only what a test sends goes through them (no
# router solicitations or MLD reports), so packet and byte counts are
# exact.
topo() {
	ns_new cpA cpB
	q ip netns exec cpA sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	q ip netns exec cpB sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	q ip link add vethA netns cpA type veth peer name vethB netns cpB
	q ip -n cpA addr add 10.0.0.1/24 dev vethA
	q ip -n cpB addr add 10.0.0.2/24 dev vethB
	q ip -n cpA link set vethA up
	q ip -n cpB link set vethB up
}

# vti NS ME PEER: vti0 with its outer addresses and inner addresses, up,
# no SA.
vti() {
	q ip -n "$1" link add vti0 type espvti
	q "$ESPVTI" -n "$1" set vti0 local "10.0.0.$2" remote "10.0.0.$3"
	q ip -n "$1" link set vti0 up
	q ip -n "$1" addr add "172.16.0.$2/32" peer "172.16.0.$3" dev vti0
}

# sa NS DIR SPI [ARGS...]: an espvti SA on vti0.
sa() {
	local ns=$1 dir=$2 spi=$3
	shift 3
	q "$ESPVTI" -n "$ns" sa add vti0 dir "$dir" spi "$spi" alg "$ALG" key "$(key "$spi")" "$@"
}

# pair OUT IN: vti0 in cpA and cpB, A sends with OUT, B with IN.
pair() {
	vti cpA 1 2
	vti cpB 2 1
	sa cpA out "$1"
	sa cpB in "$1"
	sa cpB out "$2"
	sa cpA in "$2"
}

# xfrm_peer OUT IN: cpB runs an xfrm interface instead, A sends with OUT.
xfrm_peer() {
	ip -n cpB -batch - <<-EOF || fail "xfrm setup"
		link add xfrm0 type xfrm dev vethB if_id 42
		link set xfrm0 up
		addr add 172.16.0.2/32 peer 172.16.0.1 dev xfrm0
		xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi $1 reqid 1 mode tunnel if_id 42 flag af-unspec aead rfc4106(gcm(aes)) $(key "$1") 128
		xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi $2 reqid 1 mode tunnel if_id 42 flag af-unspec aead rfc4106(gcm(aes)) $(key "$2") 128
		xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 tmpl src 10.0.0.2 dst 10.0.0.1 proto esp reqid 1 mode tunnel
		xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 if_id 42 tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode tunnel
	EOF
	vti cpA 1 2
	sa cpA out "$1"
	sa cpA in "$2"
}

# listeners NS: generic netlink sockets in NS that joined a multicast
# group (a group id under 32 shows in /proc/net/netlink's Groups column).
listeners() {
	ip netns exec "$1" awk '$2 == 16 && $4 != "00000000" { n++ } END { print n + 0 }' \
		/proc/net/netlink
}

# monitor NS NAME: `espvti monitor -j` in NS into $TMPD/NAME, stamped.
monitor() {
	local i n0
	n0=$(listeners "$1")
	ip netns exec "$1" "$ESPVTI" -j monitor 2>"$TMPD/$2.err" |
		while IFS= read -r line; do
			printf '%s %s\n' "$EPOCHREALTIME" "$line"
		done >"$TMPD/$2" &
	BG_PIDS+=($!)
	# Subscribed once a listener more shows in NS (or after 5 s: a
	# group id above 31 does not show).
	for ((i = 0; i < 50; i++)); do
		[ "$(listeners "$1")" -le "$n0" ] || return 0
		[ ! -s "$TMPD/$2.err" ] || return 0
		nap 0.1
	done
}

# events NAME [JQ FILTER]: the events seen so far, JSON, one per line.
events() {
	cut -d" " -f2- "$TMPD/$1" | jq -rc "${2:-.}"
}

# event_time NAME JQ-SELECT: when the first event selected arrived (one
# jq over the whole file: a selector that fails on an event, or a line
# still being written, selects nothing).
event_time() {
	local out
	out=$(jq -rR 'index(" ") as $i | .[:$i] as $t |
		[try (.[$i + 1:] | fromjson | '"$2"') catch empty] |
		select(length > 0 and (last | . != null and . != false)) | $t' \
		"$TMPD/$1" 2>/dev/null)
	[ -n "$out" ] || return 1
	echo "${out%%$'\n'*}"
}

# wait_event NAME JQ-SELECT SECONDS: until such an event arrives (looked
# for again only when more events came).
wait_event() {
	local i seen=-1 lines
	for ((i = 0; i < $3 * 10; i++)); do
		mapfile -t lines <"$TMPD/$1"
		if [ "${#lines[@]}" != "$seen" ]; then
			seen=${#lines[@]}
			event_time "$1" "$2" >/dev/null && return 0
		fi
		nap 0.1
	done
	event_time "$1" "$2" >/dev/null && return 0
	fail "no event $2 within $3 s: $(cat "$TMPD/$1")"
}

# count NAME JQ-SELECT: how many events selected.
count() {
	events "$1" "select($2)" | wc -l
}

# between WHAT VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals).
between() {
	awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v >= lo && v <= hi) }' ||
		fail "$1: $2, want $3..$4"
}

# carrier NS: 1 when vti0 in NS has carrier.
carrier() {
	ip netns exec "$1" cat /sys/class/net/vti0/carrier 2>/dev/null || echo 0
}

sa_json() {	# sa_json NS: the SAs of vti0
	"$ESPVTI" -n "$1" -j sa show vti0
}

# Packet limits: the SA carries exactly packet-hard packets; soft expiry
# is announced once, then hard expiry, the SA's removal (reason
# expired) and the loss of carrier, in that order.
test_lifetime_packets() {
	cp_begin
	topo
	pair 0x1001 0x2001
	q "$ESPVTI" -n cpA sa set vti0 dir out spi 0x1001 limit packet-soft 4 limit packet-hard 7
	monitor cpA mon
	ip netns exec cpA ping -c 10 -i 0.2 -W 1 172.16.0.2 >"$TMPD/ping" 2>&1 || true
	wait_event mon 'select(.event == "dev-change" and .carrier == false)' 5
	expect_eq "soft events" "$(count mon '.event == "sa-expire" and .expire == "soft"')" 1
	expect_eq "hard events" "$(count mon '.event == "sa-expire" and .expire == "hard"')" 1
	expect_eq "deletions" "$(events mon 'select(.event == "sa-del") | .reason + " " + (.sa.spi | tostring)')" \
		"expired $((0x1001))"
	expect_eq "order" "$(events mon 'select(.event != "acquire") | .event + (.expire // "")' | paste -sd' ')" \
		"sa-expiresoft sa-expirehard sa-del dev-change"
	# The pings after it meet no SA: the IKE daemon hears of them.
	[ "$(count mon '.event == "acquire"')" -ge 1 ] || fail "no acquire after the SA went"
	expect_eq "packets the peer received" \
		"$("$ESPVTI" -n cpB -j sa show vti0 | jq '.[] | select(.dir == "in") | .stats.rx_packets')" 7
	expect_eq "A's outbound SAs" "$(sa_json cpA | jq '[.[] | select(.dir == "out")] | length')" 0
	expect_eq "carrier" "$(carrier cpA)" 0
}

# Time limits, from the time the SA was added: soft, then hard, on time.
test_lifetime_time() {
	cp_begin
	topo
	pair 0x1001 0x2001
	monitor cpB mon
	local t0
	t0=$EPOCHREALTIME
	sa cpB in 0x1002 limit time-soft 2 limit time-hard 4
	wait_event mon 'select(.event == "sa-del" and .sa.spi == 4098)' 15
	# Never early; late only by as much as a loaded slow guest makes it.
	between "soft expiry after" "$(awk -v a="$(event_time mon '.event == "sa-expire" and .expire == "soft"')" -v b="$t0" 'BEGIN { print a - b }')" 1.8 8
	between "hard expiry after" "$(awk -v a="$(event_time mon '.event == "sa-expire" and .expire == "hard"')" -v b="$t0" 'BEGIN { print a - b }')" 3.8 10
	expect_eq "SAs left" "$(sa_json cpB | jq -c '[.[] | .spi] | sort')" "[$((0x1001)),$((0x2001))]"
	# Soft expiry is only an event: the SA works on.
	expect_eq "soft only" "$(count mon '.event == "sa-expire" and .sa.spi == 4097')" 0
	# An inbound SA's hard expiry does not touch carrier.
	expect_eq "carrier" "$(carrier cpB)" 1
}

# Time since first use starts with the first packet.
test_lifetime_use_time() {
	cp_begin
	topo
	pair 0x1001 0x2001
	q "$ESPVTI" -n cpB sa set vti0 dir in spi 0x1001 limit time-use-hard 2
	monitor cpB mon
	nap 3
	expect_eq "unused: no expiry" "$(count mon '.event == "sa-expire"')" 0
	local t0
	t0=$EPOCHREALTIME
	q ip netns exec cpA ping -c 1 -W 2 172.16.0.2
	wait_event mon 'select(.event == "sa-del")' 10
	between "use expiry after" "$(awk -v a="$(event_time mon '.event == "sa-expire" and .expire == "hard"')" -v b="$t0" 'BEGIN { print a - b }')" 1.5 8
}

# Byte limits: soft and hard after as many bytes.
test_lifetime_bytes() {
	cp_begin
	topo
	pair 0x1001 0x2001
	q "$ESPVTI" -n cpA sa set vti0 dir out spi 0x1001 limit byte-soft 3000 limit byte-hard 6000
	monitor cpA mon
	# 1028-byte inner packets: soft at the third, hard at the sixth.
	ip netns exec cpA ping -c 8 -i 0.2 -W 1 -s 1000 172.16.0.2 >/dev/null 2>&1 || true
	wait_event mon 'select(.event == "sa-del")' 5
	expect_eq "events" "$(events mon 'select(.event == "sa-expire") | .expire + " " + (.sa.packets | tostring)' | paste -sd,)" \
		"soft 3,hard 6"
}

# A soft limit must be below its hard one; limits can change later.
test_lifetime_checks() {
	cp_begin
	topo
	vti cpA 1 2
	expect_fail "$ESPVTI" -n cpA sa add vti0 dir out spi 0x1001 alg aes-gcm key "$(key 1)" \
		limit packet-soft 10 limit packet-hard 10
	expect_match "message" "$OUT" 'soft limit must be below its hard limit'
	expect_eq "nothing added" "$(sa_json cpA | jq length)" 0
	sa cpA out 0x1001 limit time-soft 100 limit time-hard 200
	expect_fail "$ESPVTI" -n cpA sa set vti0 dir out spi 0x1001 limit time-hard 50
	expect_eq "unchanged" "$(sa_json cpA | jq -c '.[0] | [.soft.time, .hard.time]')" "[100,200]"
	q "$ESPVTI" -n cpA sa set vti0 dir out spi 0x1001 limit time-hard 300
	expect_eq "changed" "$(sa_json cpA | jq -c '.[0] | [.soft.time, .hard.time]')" "[100,300]"
}

# Traffic into a tunnel without SA: acquires with the flow, at most one
# a second; every packet counted.
test_acquire() {
	cp_begin
	topo
	vti cpA 1 2
	monitor cpA mon
	ip netns exec cpA ping -c 30 -i 0.1 -W 1 172.16.0.2 >/dev/null 2>&1 || true
	ip netns exec cpA bash -c 'echo x > /dev/udp/172.16.0.2/5000' 2>/dev/null || true
	nap 1.2
	ip netns exec cpA bash -c 'echo x > /dev/udp/172.16.0.2/5000' 2>/dev/null || true
	nap 0.5
	local n
	n=$(count mon '.event == "acquire"')
	between "acquires" "$n" 3 6
	expect_eq "first flow" "$(events mon 'select(.event == "acquire") | .flow | [.family, .src, .dst, .proto] | join(" ")' | head -1)" \
		"inet 172.16.0.1 172.16.0.2 1"
	expect_eq "udp flow ports" "$(events mon 'select(.event == "acquire" and .flow.proto == 17) | .flow.dport' | head -1)" 5000
	expect_match "counted" "$("$ESPVTI" -n cpA -j stats vti0)" '"tx_no_sa": *32[,}]'
}

# rekey NS_A NS_B N: N make-before-break rekeys of an espvti pair, the
# recipe of Documentation/design.rst.
rekeys_espvti() {
	local i out=0x1001 in=0x2001 nout nin
	for ((i = 1; i <= $1; i++)); do
		nout=$((0x1001 + i * 16)) nin=$((0x2001 + i * 16))
		sa cpA in "$nin"		# 1. new inbound SAs, both ends
		sa cpB in "$nout"
		sa cpA out "$nout"		# 2. new outbound SAs: current at once
		sa cpB out "$nin"
		q "$ESPVTI" -n cpA sa del vti0 dir out spi "$out"	# 3. old outbound go
		q "$ESPVTI" -n cpB sa del vti0 dir out spi "$in"
		nap 0.5			# 4. old inbound go once the peer switched
		q "$ESPVTI" -n cpA sa del vti0 dir in spi "$in"
		q "$ESPVTI" -n cpB sa del vti0 dir in spi "$out"
		out=$nout in=$nin
	done
}

# The same against XFRM in cpB.
rekeys_xfrm() {
	local i out=0x1001 in=0x2001 nout nin
	for ((i = 1; i <= $1; i++)); do
		nout=$((0x1001 + i * 16)) nin=$((0x2001 + i * 16))
		sa cpA in "$nin"
		q ip -n cpB xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi "$nout" reqid 1 \
			mode tunnel if_id 42 flag af-unspec aead 'rfc4106(gcm(aes))' "$(key "$nout")" 128
		sa cpA out "$nout"
		q ip -n cpB xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi "$nin" reqid 1 \
			mode tunnel if_id 42 flag af-unspec aead 'rfc4106(gcm(aes))' "$(key "$nin")" 128
		q "$ESPVTI" -n cpA sa del vti0 dir out spi "$out"
		q ip -n cpB xfrm state del src 10.0.0.2 dst 10.0.0.1 proto esp spi "$in"
		nap 0.5
		q "$ESPVTI" -n cpA sa del vti0 dir in spi "$in"
		q ip -n cpB xfrm state del src 10.0.0.1 dst 10.0.0.2 proto esp spi "$out"
		out=$nout in=$nin
	done
}

# rekey_under_traffic PEER: 20 rekeys while pings flow both ways, none
# lost; carrier never drops (ip monitor link, espvti monitor).
rekey_under_traffic() {
	ip -n cpA monitor link >"$TMPD/links" 2>&1 &
	BG_PIDS+=($!)
	monitor cpA mon
	ip netns exec cpA ping -i "$PING_I" -W 3 172.16.0.2 >"$TMPD/pingA" 2>&1 &
	local pa=$!
	ip netns exec cpB ping -i "$PING_I" -W 3 172.16.0.1 >"$TMPD/pingB" 2>&1 &
	local pb=$!
	nap 1
	"rekeys_$1" "$REKEYS"
	nap 1
	kill -INT "$pa" "$pb"
	wait "$pa" "$pb" || true
	# Every echo request answered: no gap in the sequence numbers of the
	# replies (the one in flight when ping was stopped is not a loss).
	local s seqs
	for s in pingA pingB; do
		seqs=$(grep -o 'icmp_seq=[0-9]*' "$TMPD/$s" | cut -d= -f2 | sort -n | uniq)
		[ "$(wc -l <<< "$seqs")" -gt 20 ] || fail "$s: too few replies: $(tail -3 "$TMPD/$s")"
		expect_eq "$s: replies 1..last, none missing" \
			"$(head -1 <<< "$seqs") $(wc -l <<< "$seqs")" "1 $(tail -1 <<< "$seqs")"
	done
	expect_eq "carrier changes" "$(count mon '.event == "dev-change"')" 0
	if grep -E 'vti0.*(NO-CARRIER|state DOWN)' "$TMPD/links"; then
		fail "vti0 lost carrier during the rekeys: $(cat "$TMPD/links")"
	fi
	expect_eq "the last outbound SA" "$(sa_json cpA | jq -c '[.[] | select(.dir == "out") | [.spi, .current]]')" \
		"[[$((0x1001 + REKEYS * 16)),true]]"
	expect_eq "SAs added" "$(count mon '.event == "sa-add"')" $((REKEYS * 2))
	expect_eq "SAs deleted" "$(count mon '.event == "sa-del" and .reason == "requested"')" $((REKEYS * 2))
	local st
	st=$("$ESPVTI" -n cpA -j stats vti0)
	expect_match "no drops: $st" "$st" '"tx_no_sa": *0[,}]'
	expect_match "no unknown SPI: $st" "$st" '"rx_unknown_spi": *0[,}]'
}

test_rekey_espvti() {
	cp_begin
	topo
	pair 0x1001 0x2001
	rekey_under_traffic espvti
}

test_rekey_xfrm() {
	cp_begin
	topo
	xfrm_peer 0x1001 0x2001
	rekey_under_traffic xfrm
	expect_eq "XFRM errors" "$(ip netns exec cpB awk '$2 != 0' /proc/net/xfrm_stat)" ""
}

# Carrier follows the outbound SA: another outbound SA takes over when
# the current one goes, and carrier drops with the last.
test_carrier_follows_sa() {
	cp_begin
	topo
	vti cpA 1 2
	expect_eq "no SA" "$(carrier cpA)" 0
	sa cpA in 0x2001
	expect_eq "inbound only" "$(carrier cpA)" 0
	sa cpA out 0x1001
	expect_eq "outbound" "$(carrier cpA)" 1
	sa cpA out 0x1002 nocurrent
	expect_eq "still the first" "$(sa_json cpA | jq -c '[.[] | select(.current) | .spi]')" "[$((0x1001))]"
	q "$ESPVTI" -n cpA sa set vti0 dir out spi 0x1002 current
	expect_eq "switched" "$(sa_json cpA | jq -c '[.[] | select(.current) | .spi]')" "[$((0x1002))]"
	q "$ESPVTI" -n cpA sa del vti0 dir out spi 0x1002
	expect_eq "the other took over" "$(sa_json cpA | jq -c '[.[] | select(.current) | .spi]')" "[$((0x1001))]"
	expect_eq "carrier kept" "$(carrier cpA)" 1
	q "$ESPVTI" -n cpA sa del vti0 dir out spi 0x1001
	expect_eq "last gone" "$(carrier cpA)" 0
	sa cpA out 0x1003
	expect_eq "back" "$(carrier cpA)" 1
	q "$ESPVTI" -n cpA sa flush vti0
	expect_eq "flushed" "$(carrier cpA)" 0
	# The one made current before takes over, not one added after it to
	# stand by (the peer may not have that yet); a standing-by SA only
	# when no earlier current one is left.
	sa cpA out 0x1004
	sa cpA out 0x1005
	sa cpA out 0x1006 nocurrent
	q "$ESPVTI" -n cpA sa del vti0 dir out spi 0x1005
	expect_eq "the previous current took over" \
		"$(sa_json cpA | jq -c '[.[] | select(.current) | .spi]')" "[$((0x1004))]"
	q "$ESPVTI" -n cpA sa del vti0 dir out spi 0x1004
	expect_eq "then the standing-by one" \
		"$(sa_json cpA | jq -c '[.[] | select(.current) | .spi]')" "[$((0x1006))]"
	expect_eq "carrier throughout" "$(carrier cpA)" 1
}

# Events for SAs added and removed, with the reason.
test_sa_events() {
	cp_begin
	topo
	vti cpA 1 2
	monitor cpA mon
	sa cpA out 0x1001
	sa cpA in 0x2001
	q "$ESPVTI" -n cpA sa del vti0 dir in spi 0x2001
	sa cpA in 0x2002
	q "$ESPVTI" -n cpA sa flush vti0
	sa cpA in 0x2003
	q ip -n cpA link del vti0
	wait_event mon 'select(.event == "sa-del" and .reason == "dev-gone")' 10
	expect_eq "events" "$(events mon '[.event, (.sa.spi // 0), (.reason // ""), (if has("carrier") then .carrier else "" end)] | map(tostring) | join(":")' | paste -sd' ')" \
		"sa-add:4097:: dev-change:0::true sa-add:8193:: sa-del:8193:requested: sa-add:8194:: sa-del:4097:flushed: sa-del:8194:flushed: dev-change:0::false sa-add:8195:: dev-change:0::false sa-del:8195:dev-gone:"
	# No event ever carries key material.
	if grep -qi "$(key 0x1001 | cut -c3-)" "$TMPD/mon"; then
		fail "a key in the events"
	fi
}

# SPI allocation: random, in range, reserved for the interface that
# asked until an SA takes it.
test_spi_alloc() {
	cp_begin
	topo
	vti cpA 1 2
	q ip -n cpA link add vti1 type espvti
	local s1 s2 out
	s1=$("$ESPVTI" -n cpA sa allocspi vti0)
	s2=$("$ESPVTI" -n cpA sa allocspi vti0)
	expect_match "format" "$s1" '^0x[0-9a-f]{8}$'
	[ "$s1" != "$s2" ] || fail "the same SPI twice: $s1"
	[ $((s1)) -ge 256 ] || fail "reserved SPI $s1"
	expect_fail "$ESPVTI" -n cpA sa add vti1 dir in spi "$s1" alg aes-gcm key "$(key 1)"
	expect_match "reserved elsewhere" "$OUT" 'already in use'
	sa cpA in "$s1"
	expect_eq "taken" "$(sa_json cpA | jq '.[0].spi')" "$((s1))"
	out=$("$ESPVTI" -n cpA sa allocspi vti0 min 0x5000 max 0x5000)
	expect_eq "range of one" "$out" 0x00005000
	expect_fail "$ESPVTI" -n cpA sa allocspi vti0 min 0x5000 max 0x5000
	expect_match "range full" "$OUT" 'no free SPI'
	expect_fail "$ESPVTI" -n cpA sa allocspi vti0 min 0x6000 max 0x5000
	expect_fail "$ESPVTI" -n cpA sa allocspi vti0 min 0x10 max 0x5000
	# A reserved SPI is not an SA: ESP for it counts as unknown.
	expect_eq "dump" "$(sa_json cpA | jq length)" 1
}

# SPI allocation for no interface yet (an IKE daemon's get_spi): reserved
# in the namespace, taken by an inbound SA on any interface whose underlay
# that namespace is (one moved to another namespace too), refused to
# another allocation meanwhile, given back by SA_DEL without an
# interface; ESP for it before then counts as unknown.
test_spi_alloc_unbound() {
	cp_begin
	topo
	vti cpA 1 2
	q ip -n cpA link add vti1 type espvti
	q ip -n cpA link add vti2 type espvti
	q ip -n cpA link set vti2 netns cpB
	local s1 s2 s3 out
	s1=$("$ESPVTI" -n cpA sa allocspi)
	s2=$("$ESPVTI" -n cpA sa allocspi min 0x5000 max 0x5001)
	expect_match "format" "$s1" '^0x[0-9a-f]{8}$'
	expect_match "in range" "$s2" '^0x0000500[01]$'
	expect_eq "json: no interface" "$("$ESPVTI" -n cpA -j sa allocspi min 0x6000 max 0x6000)" \
		'{"ifname":null,"spi":24576}'
	# Reserved: no other allocation, bound or not, gets it.
	expect_fail "$ESPVTI" -n cpA sa allocspi min 0x6000 max 0x6000
	expect_match "range full" "$OUT" 'no free SPI'
	expect_fail "$ESPVTI" -n cpA sa allocspi vti0 min 0x6000 max 0x6000
	expect_match "range full (bound)" "$OUT" 'no free SPI'
	# Any interface of the underlay takes it: vti1 here, vti2 from cpB.
	q "$ESPVTI" -n cpA sa add vti1 dir in spi "$s1" alg "$ALG" key "$(key 1)"
	expect_eq "taken by vti1" "$("$ESPVTI" -n cpA -j sa show vti1 | jq '.[0].spi')" "$((s1))"
	q "$ESPVTI" -n cpB sa add vti2 dir in spi "$s2" alg "$ALG" key "$(key 2)"
	expect_eq "taken by vti2 (in cpB)" "$("$ESPVTI" -n cpB -j sa show vti2 | jq '.[0].spi')" \
		"$((s2))"
	# Taken means gone as a reservation: nothing to give back.
	out=$(ip netns exec cpA $GENL sa_del sa.dir=u8:1 sa.spi=$((s1))) &&
		fail "a taken reservation given back: $out"
	expect_match "taken: none to give back" "$out" 'no SPI reservation without one'
	# Given back: free again.
	s3=$("$ESPVTI" -n cpA sa allocspi min 0x7000 max 0x7000)
	expect_ok ip netns exec cpA $GENL sa_del sa.dir=u8:1 sa.spi=$((s3))
	expect_eq "free again" "$("$ESPVTI" -n cpA sa allocspi vti0 min 0x7000 max 0x7000)" 0x00007000
	# A bound reservation is not given back without its interface.
	out=$(ip netns exec cpA $GENL sa_del sa.dir=u8:1 sa.spi=$((0x7000))) &&
		fail "a bound reservation given back without its interface: $out"
	expect_match "bound" "$out" 'no SPI reservation without one'
	out=$(ip netns exec cpA $GENL sa_del sa.dir=u8:2 sa.spi=$((0x6000))) &&
		fail "an outbound SA deleted without an interface: $out"
	expect_match "outbound needs an interface" "$out" 'an interface is needed'
	# The reservation is the underlay's: cpB's own table is another.
	expect_eq "cpB's table" "$("$ESPVTI" -n cpB sa allocspi min 0x6000 max 0x6000)" 0x00006000
	# ESP for a reserved SPI (no SA yet) counts as unknown.
	vti cpB 2 1
	q "$ESPVTI" -n cpB sa allocspi min 0x8000 max 0x8000
	sa cpA out 0x8000
	ip netns exec cpA ping -c 1 -W 1 172.16.0.2 > /dev/null 2>&1 || true
	expect_eq "unknown SPI" "$(stat cpB rx_unknown_spi)" 1
	expect_eq "no SA in the dump" "$("$ESPVTI" -n cpB -j sa show vti0 | jq length)" 0
	# A namespace deleted with reservations in it (the kernel log check
	# of the run catches a table left with entries).
	ns_new cpC
	q "$ESPVTI" -n cpC sa allocspi
	ip netns del cpC
}

# Counters reset for espvti; the netdevice's statistics keep counting.
test_stats_reset() {
	cp_begin
	topo
	pair 0x1001 0x2001
	q ip netns exec cpA ping -c 3 -i 0.2 -W 2 172.16.0.2
	expect_match "before" "$("$ESPVTI" -n cpA -j stats vti0)" '"tx_packets": *3[,}]'
	q "$ESPVTI" -n cpA stats vti0 reset
	expect_match "after" "$("$ESPVTI" -n cpA -j stats vti0)" '"tx_packets": *0[,}]'
	expect_eq "SA after" "$(sa_json cpA | jq '.[] | select(.dir == "out") | .stats.tx_packets')" 0
	expect_eq "lifetime count kept" "$(sa_json cpA | jq '.[] | select(.dir == "out") | .packets')" 3
	expect_eq "ip -s link" "$(ip -n cpA -s -j link show vti0 | jq '.[0].stats64.tx.packets')" 3
	q ip netns exec cpA ping -c 1 -W 2 172.16.0.2
	expect_match "counting again" "$("$ESPVTI" -n cpA -j stats vti0)" '"tx_packets": *1[,}]'
}

# bad NS WANT-REGEX CMD ATTRS...: a raw request to be refused with a
# message matching WANT-REGEX, changing nothing (genl.py --refused);
# queued, and sent by bad_check with the others in one genl.py.
BAD_NS= BAD_WANT=() BAD_REQ=()
bad() {
	BAD_NS=$1
	BAD_WANT+=("$2")
	shift 2
	BAD_REQ+=("$*")
}

# bad_check: every queued request answered as bad wants, in order.
bad_check() {
	local i=0 line out=
	while IFS= read -r line; do
		if [[ $line =~ ^--\ exit\ ([0-9]+)$ ]]; then
			out=${out%$'\n'}
			[ "${BASH_REMATCH[1]}" = 0 ] || fail "'${BAD_REQ[i]}': $out"
			[[ $out =~ ${BAD_WANT[i]} ]] ||
				fail "'${BAD_REQ[i]}': '$out' does not match /${BAD_WANT[i]}/"
			i=$((i + 1)) out=
		else
			out+=$line$'\n'
		fi
	done < <(printf -- '--refused vti0 %s\n' "${BAD_REQ[@]}" |
		ip netns exec "$BAD_NS" $GENL --batch)
	expect_eq "requests answered" "$i" "${#BAD_REQ[@]}"
	BAD_WANT=() BAD_REQ=()
}

# state NS: what the kernel says about vti0 (genl.py --refused's view).
state() {
	ip netns exec "$1" $GENL --dump sa_get ifname=vti0 | grep -v -e '\.age=' -e 'use_age='
	ip netns exec "$1" $GENL --dump sel_get ifname=vti0
	ip netns exec "$1" $GENL dev_get ifname=vti0 | grep -v -e '^stats\.' -e '\.age_ms='
}

test_bad_requests() {
	cp_begin
	topo
	vti cpA 1 2
	sa cpA out 0x1001
	sa cpA in 0x2001
	q ip -n cpA link add dummy0 type dummy
	local k s
	k=hex:$(key 0x3001 | cut -c3-)
	s="ifname=vti0 sa.dir=u8:2 sa.spi=0x3001 sa.alg=u8:1 sa.key=$k"
	# shellcheck disable=SC2086
	{
	bad cpA 'interface is needed' sa_add ${s#ifname=vti0 }
	bad cpA 'no such interface' sa_add ifname=vti9 ${s#ifname=vti0 }
	bad cpA 'not an espvti interface' sa_add ifname=dummy0 ${s#ifname=vti0 }
	bad cpA 'SA .ESPVTI_A_SA. is needed' sa_add ifname=vti0
	bad cpA 'SPI is needed' sa_add ifname=vti0 sa.dir=u8:2 sa.alg=u8:1 sa.key=$k
	bad cpA 'direction is needed' sa_add ifname=vti0 sa.spi=0x3001 sa.alg=u8:1 sa.key=$k
	bad cpA 'key is needed' sa_add ifname=vti0 sa.dir=u8:2 sa.spi=0x3001 sa.alg=u8:1
	bad cpA '.' sa_add $s sa.dir=u8:3
	bad cpA '.' sa_add ${s/0x3001/0} 
	bad cpA '.' sa_add ${s/0x3001/255}
	bad cpA '.' sa_add ${s/sa.alg=u8:1/sa.alg=u8:9}
	bad cpA 'wrong length' sa_add ${s/$k/hex:0011}
	bad cpA '.' sa_add $s sa.key=hex:$(printf '%0130d' 0)
	bad cpA 'not one the algorithm allows' sa_add $s sa.icv_len=u8:17
	bad cpA '.' sa_add $s sa.icv_len=u8:33
	bad cpA '.' sa_add $s sa.replay_window=u32:65537
	bad cpA '.' sa_add $s sa.spi=u16:5
	bad cpA 'read-only' sa_add $s sa.packets=u64:1
	bad cpA 'read-only' sa_add $s sa.age=u64:1
	bad cpA 'below its hard' sa_add $s sa.soft.packets=u64:5 sa.hard.packets=u64:5
	bad cpA '.' sa_add $s sa.hard.packets=u32:5
	bad cpA 'already' sa_add ${s/0x3001/0x1001}
	bad cpA 'already' sa_add ${s/sa.dir=u8:2/sa.dir=u8:1}  sa.spi=0x2001
	bad cpA 'only an outbound SA can be current' sa_add ${s/sa.dir=u8:2/sa.dir=u8:1} sa.current=u8:1
	bad cpA 'no such SA' sa_del ifname=vti0 sa.dir=u8:2 sa.spi=0x3001
	bad cpA 'SPI is needed' sa_del ifname=vti0 sa.dir=u8:2
	bad cpA 'no such SA' sa_get ifname=vti0 sa.dir=u8:1 sa.spi=0x1001
	bad cpA 'only lifetimes and current' sa_set ifname=vti0 sa.dir=u8:2 sa.spi=0x1001 sa.alg=u8:2
	bad cpA 'nothing to change' sa_set ifname=vti0 sa.dir=u8:2 sa.spi=0x1001
	bad cpA 'make another SA current' sa_set ifname=vti0 sa.dir=u8:2 sa.spi=0x1001 sa.current=u8:0
	bad cpA 'only an outbound' sa_set ifname=vti0 sa.dir=u8:1 sa.spi=0x2001 sa.current=u8:1
	bad cpA '.' spi_alloc ifname=vti0 spi_min=1
	bad cpA 'below the lowest' spi_alloc ifname=vti0 spi_min=0x9000 spi_max=0x8000
	bad cpA 'read-only' dev_set ifname=vti0 mtu=1000
	bad cpA 'nothing to set' dev_set ifname=vti0
	bad cpA '4 .IPv4. or 16' dev_set ifname=vti0 remote=hex:0a00
	bad cpA 'one family' dev_set ifname=vti0 local=hex:0a000001 remote=hex:fd000000000000000000000000000002
	bad cpA '.' dev_set ifname=vti0 ifindex=0
	bad cpA '.' dev_set ifname=$(printf 'x%.0s' {1..20}) remote=hex:0a000002
	bad cpA 'different interfaces' sa_flush ifname=vti0 ifindex=1
	bad cpA 'selector' sel_add ifname=vti0 sel.family=u16:2 sel.src=hex:fd000000000000000000000000000002
	bad cpA '.' sel_add ifname=vti0 sel.src_prefix=u8:129
	}
	bad_check
}

# Without CAP_NET_ADMIN: reads of the interface work, changes and SA
# dumps are refused; no answer ever holds key bytes.
test_unprivileged() {
	cp_begin
	topo
	vti cpA 1 2
	sa cpA out 0x1001
	sa cpA in 0x2001
	local nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
	local before after
	before=$(state cpA)
	expect_ok ip netns exec cpA $nobody "$ESPVTI" show vti0
	expect_fail ip netns exec cpA $nobody "$ESPVTI" sa add vti0 dir out spi 0x3001 alg aes-gcm key "$(key 3)"
	expect_match "refused" "$OUT" 'ermitted'
	expect_fail ip netns exec cpA $nobody "$ESPVTI" sa del vti0 dir out spi 0x1001
	expect_fail ip netns exec cpA $nobody "$ESPVTI" sa flush vti0
	expect_fail ip netns exec cpA $nobody "$ESPVTI" set vti0 remote 10.0.0.9
	expect_fail ip netns exec cpA $nobody "$ESPVTI" stats vti0 reset
	expect_fail ip netns exec cpA $nobody "$ESPVTI" sa allocspi vti0
	expect_fail ip netns exec cpA $nobody "$ESPVTI" sa allocspi
	expect_fail ip netns exec cpA $nobody "$ESPVTI" sa show vti0
	# In a user namespace of its own, root there is nobody here.
	expect_fail ip netns exec cpA $nobody unshare -U -r "$ESPVTI" sa flush vti0
	after=$(state cpA)
	expect_eq "state" "$after" "$before"
	# As root: every answer, raw, and no key bytes anywhere.
	local all k
	all=$(ip netns exec cpA $GENL --dump sa_get ifname=vti0; ip netns exec cpA $GENL --dump dev_get)
	for k in 0x1001 0x2001; do
		if [[ $all == *"$(key $k | cut -c3-)"* ]]; then
			fail "key of SPI $k in a dump"
		fi
	done
	if [[ $all == *"sa.key="* ]]; then
		fail "a key attribute in a dump"
	fi
}

run_tests
