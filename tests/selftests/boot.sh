#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnels started by the system: espvti@.service (espvti-quick) and the
# ifupdown hooks, as `make install` installs them. systemd is not PID 1 in
# the bench's guest: the unit's ExecStart, ExecReload and ExecStop are read
# from the installed unit file, %i replaced, and run as systemd runs them
# (a clean environment, systemd's PATH), in the tunnel's namespace. ifup
# and ifdown run with an interfaces file of the test's own.
#
# Each test has a private /etc (a copy on its /tmp, bind-mounted) and
# /usr/local/sbin (a tmpfs), into which `make install PREFIX=/usr/local`
# puts espvti, espvti-quick, the ifupdown hooks and /etc/espvti; the unit
# goes to /tmp/units. The guest's root is the host's, read-only.
#
#   bA: veth0 10.0.0.1/24, vti0 172.16.0.1/30 (the unit's, or ifupdown's)
#   bB: veth0 10.0.0.2/24, vti0 172.16.0.2/30 (espvti-quick up FILE),
#       dummy0 10.2.0.1/24 (the LAN behind it, Route = 10.2.0.0/24 on bA)
. "$(dirname "$0")/lib.sh"

UNIT=/tmp/units/espvti@.service
SYSTEMD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The keys' hex, without 0x: what no output may show.
HEX_AB=${KEY_AB#0x} HEX_BA=${KEY_BA#0x}
KEY_AB2=0x202122232425262728292a2b2c2d2e2f30313233
KEY_BA2=0x303132333435363738393a3b3c3d3e3f40414243
BG_PIDS=()

boot_begin() {
	trap 'rc=$?; boot_end; exit $rc' EXIT
	# /etc: links to the real one's entries, /etc/network a copy.
	mkdir /tmp/.etc /tmp/etc
	mount --bind /etc /tmp/.etc
	ln -s /tmp/.etc/* /tmp/etc/
	rm /tmp/etc/network
	cp -a /tmp/.etc/network /tmp/etc/
	mount --bind /tmp/etc /etc
	mount -t tmpfs tmpfs /usr/local/sbin
	expect_ok make -s -C "$ESPVTI_REPO/tools/espvti" install PREFIX=/usr/local \
		UNITDIR=/tmp/units MANDIR=/tmp/man COMPLETIONDIR=/tmp/completion
	expect_eq "/etc/espvti's mode" "$(command stat -c %a /etc/espvti)" 700
	ns_new bA bB
	underlay bA bB
	ip -n bB link add dummy0 type dummy
	ip -n bB addr add 10.2.0.1/24 dev dummy0
	ip -n bB link set dummy0 up
}

boot_end() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	ns_cleanup
}

# sa_conf DIR SPI KEY: an [SA].
sa_conf() {
	printf '\n[SA]\nDirection = %s\nSPI = %s\nAlgorithm = aes-gcm\nKey = %s\n' "$@"
}

# conf_side FILE LOCAL REMOTE IFACE_LINES SA...: one side's file ("in SPI
# KEY" or "out SPI KEY" each SA, the last outbound one current), mode 0600,
# replaced whole.
conf_side() {
	local f=$1 local=$2 remote=$3 iface=$4 sa
	shift 4
	{
		[ -z "$iface" ] || printf '[Interface]\n%s\n\n' "$iface"
		printf '[Tunnel]\nLocal = %s\nRemote = %s\n' "$local" "$remote"
		for sa in "$@"; do
			# shellcheck disable=SC2086 # DIR SPI KEY
			sa_conf $sa
		done
	} >"$f.new"
	chmod 600 "$f.new"
	mv "$f.new" "$f"
}

# conf_a FILE IFACE_LINES SA...: bA's side.
conf_a() {
	local f=$1 iface=$2
	shift 2
	conf_side "$f" 10.0.0.1 10.0.0.2 "$iface" "$@"
}

# conf_b FILE SA...: bB's side, the mirror.
conf_b() {
	local f=$1
	shift
	conf_side "$f" 10.0.0.2 10.0.0.1 'Address = 172.16.0.2/30' "$@"
}

# unit ACTION INSTANCE: the unit's ExecACTION with %i replaced, run in bA
# as systemd runs it; its output in $OUT, its status returned.
unit() {
	local cmd rc=0
	cmd=$(sed -n "s/^Exec$1=//p" "$UNIT")
	[ -n "$cmd" ] || fail "$UNIT has no Exec$1="
	cmd=${cmd//%i/$2}
	# shellcheck disable=SC2086 # the command line, split as systemd splits it (no quotes in it)
	OUT=$(ip netns exec bA env -i PATH="$SYSTEMD_PATH" $cmd 2>&1) || rc=$?
	no_keys "Exec$1" "$OUT"
	return "$rc"
}

# no_keys WHAT TEXT: TEXT shows no key.
no_keys() {
	local h
	for h in "$HEX_AB" "$HEX_BA" "${KEY_AB2#0x}" "${KEY_BA2#0x}"; do
		[[ "${2,,}" != *"$h"* ]] || fail "$1 printed a key: $2"
	done
}

ifindex() {
	ip -n "$1" -j link show vti0 | jq '.[0].ifindex'
}

# The peer, bB, from its file with espvti-quick (a FILE argument); again
# after bA's interface was made anew, whose SAs start counting from 1
# (the peer's old inbound SA would take them for replays).
peer_restart() {
	expect_ok ip netns exec bB /usr/local/sbin/espvti-quick down /tmp/b/vti0.conf
	expect_ok ip netns exec bB /usr/local/sbin/espvti-quick up /tmp/b/vti0.conf
}

peer_up() {
	mkdir -p /tmp/b
	conf_b /tmp/b/vti0.conf "in 0x1001 $KEY_AB" "out 0x2001 $KEY_BA"
	expect_ok ip netns exec bB /usr/local/sbin/espvti-quick up /tmp/b/vti0.conf
}

# ping_ok NS DST: a few pings cross.
ping_ok() {
	ip netns exec "$1" ping -c 2 -i 0.2 -W 2 "$2" >/tmp/ping.out 2>&1 ||
		fail "ping $2 from $1: $(tail -2 /tmp/ping.out)
$(for n in bA bB; do echo "# $n:"; "$ESPVTI" -n $n -s show; ip -n $n route; done)"
}

# The unit: enable (start) brings the tunnel up whole from
# /etc/espvti/vti0.conf; a reload through a make-before-break rekey, with
# [Interface] changed too, loses no packet and keeps the interface and its
# carrier; stop deletes it. A file others may read is refused, and nothing
# is created.
test_systemd_unit() {
	local idx p seqs s
	boot_begin
	expect_match "ConditionPathExists" "$(cat "$UNIT")" \
		'ConditionPathExists=/etc/espvti/%i.conf'
	expect_match "ordering" "$(grep '^Before=' "$UNIT")" 'network-online.target.*frr.service'
	peer_up
	local iface=$'Address = 172.16.0.1/30\nMTU = 1400\nRoute = 10.2.0.0/24'
	conf_a /etc/espvti/vti0.conf "$iface" "in 0x2001 $KEY_BA" "out 0x1001 $KEY_AB"

	# Keys others may read: refused before anything is made.
	chmod 644 /etc/espvti/vti0.conf
	unit Start vti0 && fail "started with a file others may read: $OUT"
	expect_match "refusal" "$OUT" 'vti0.conf: keys in a file others may read or write \(mode 0644\): chmod 600'
	expect_fail ip -n bA link show vti0
	chmod 600 /etc/espvti/vti0.conf

	unit Start vti0 || fail "ExecStart: $OUT"
	expect_eq "ExecStart's output" "$OUT" ""
	expect_match "address" "$(ip -n bA -o addr show dev vti0)" 'inet 172\.16\.0\.1/30 '
	expect_match "mtu" "$(ip -n bA link show vti0)" ' mtu 1400 .*state UP'
	expect_match "route" "$(ip -n bA route show dev vti0)" '^10\.2\.0\.0/24 proto static'
	expect_match "SAs" "$("$ESPVTI" -n bA sa show vti0 | grep -c '^dir')" '^2$'
	ping_ok bA 172.16.0.2
	ping_ok bA 10.2.0.1
	unit Start vti0 && fail "started twice: $OUT"
	expect_match "second start" "$OUT" 'vti0 already exists'
	idx=$(ifindex bA)

	# A rekey under a ping every 50 ms: each step on both sides before the
	# next, bA by the unit's reload, bB by espvti-quick reload FILE.
	ip -n bA monitor link >/tmp/links 2>&1 &
	BG_PIDS+=($!)
	ip netns exec bA ping -i 0.05 -W 3 10.2.0.1 >/tmp/ping 2>&1 &
	p=$!
	BG_PIDS+=("$p")
	nap 0.5
	# 1. The new inbound SAs.
	conf_a /etc/espvti/vti0.conf "$iface" "in 0x2001 $KEY_BA" "in 0x2002 $KEY_BA2" \
		"out 0x1001 $KEY_AB"
	conf_b /tmp/b/vti0.conf "in 0x1001 $KEY_AB" "in 0x1002 $KEY_AB2" "out 0x2001 $KEY_BA"
	unit Reload vti0 || fail "ExecReload (1): $OUT"
	expect_ok ip netns exec bB /usr/local/sbin/espvti-quick reload /tmp/b/vti0.conf
	nap 0.3
	# 2. The new outbound SAs, current; the old outbound ones go. The
	# [Interface] changes too: another MTU, a second route.
	iface=$'Address = 172.16.0.1/30\nMTU = 1380\nRoute = 10.2.0.0/24\nRoute = 10.3.0.0/24'
	conf_a /etc/espvti/vti0.conf "$iface" "in 0x2001 $KEY_BA" "in 0x2002 $KEY_BA2" \
		"out 0x1002 $KEY_AB2"
	conf_b /tmp/b/vti0.conf "in 0x1001 $KEY_AB" "in 0x1002 $KEY_AB2" "out 0x2002 $KEY_BA2"
	unit Reload vti0 || fail "ExecReload (2): $OUT"
	expect_ok ip netns exec bB /usr/local/sbin/espvti-quick reload /tmp/b/vti0.conf
	nap 0.3
	# 3. The old inbound SAs go.
	conf_a /etc/espvti/vti0.conf "$iface" "in 0x2002 $KEY_BA2" "out 0x1002 $KEY_AB2"
	conf_b /tmp/b/vti0.conf "in 0x1002 $KEY_AB2" "out 0x2002 $KEY_BA2"
	unit Reload vti0 || fail "ExecReload (3): $OUT"
	expect_ok ip netns exec bB /usr/local/sbin/espvti-quick reload /tmp/b/vti0.conf
	nap 0.5
	kill -INT "$p"
	wait "$p" || true
	# Every echo request answered: no gap in the replies' sequence numbers
	# (the one in flight when ping was stopped is not a loss).
	seqs=$(grep -o 'icmp_seq=[0-9]*' /tmp/ping | cut -d= -f2 | sort -n | uniq)
	[ "$(wc -l <<< "$seqs")" -gt 10 ] || fail "too few replies: $(tail -3 /tmp/ping)"
	expect_eq "replies 1..last, none missing" \
		"$(head -1 <<< "$seqs") $(wc -l <<< "$seqs")" "1 $(tail -1 <<< "$seqs")"
	echo "# reload under ping: $(grep -E 'packets transmitted' /tmp/ping)"
	if grep -E 'vti0.*(NO-CARRIER|state DOWN)|Deleted.*vti0' /tmp/links; then
		fail "vti0 flapped during the reloads: $(cat /tmp/links)"
	fi
	expect_eq "ifindex after the reloads" "$(ifindex bA)" "$idx"
	s=$("$ESPVTI" -n bA -j sa show vti0 | jq -c '[.[] | [.dir, .spi]] | sort')
	expect_eq "the new SAs only" "$s" '[["in",8194],["out",4098]]'
	expect_match "new mtu" "$(ip -n bA link show vti0)" ' mtu 1380 '
	expect_match "second route" "$(ip -n bA route show dev vti0)" '10\.3\.0\.0/24 proto static'
	# A route, an address no longer in the file: the reload removes them.
	ip -n bA addr add 192.0.2.9/32 dev vti0
	conf_a /etc/espvti/vti0.conf $'Address = 172.16.0.1/30\nRoute = 10.2.0.0/24' \
		"in 0x2002 $KEY_BA2" "out 0x1002 $KEY_AB2"
	unit Reload vti0 || fail "ExecReload (4): $OUT"
	expect_eq "routes" "$(ip -n bA route show dev vti0 proto static | awk '{ print $1 }')" 10.2.0.0/24
	expect_eq "addresses" "$(ip -n bA -o addr show dev vti0 scope global | awk '{ print $4 }')" \
		172.16.0.1/30
	# The MTU taken out of the file: espvti's own again (GCM over IPv4).
	expect_eq "MTU back to espvti" "$("$ESPVTI" -n bA -j show vti0 | jq -c '.[0] | [.mtu, .mtu_auto]')" \
		'[1446,true]'
	ping_ok bA 10.2.0.1

	unit Stop vti0 || fail "ExecStop: $OUT"
	expect_fail ip -n bA link show vti0
	unit Stop vti0 && fail "stopped twice: $OUT"
	# Up again from the same file, the peer's SAs new first: a packet of its
	# old ones (an IPv6 report, say) would move bA's new window past the
	# numbers its new ones start at, the same SPIs and keys (a flake: the
	# ping's replies outside the window).
	peer_restart
	unit Start vti0 || fail "ExecStart again: $OUT"
	ping_ok bA 10.2.0.1
	unit Stop vti0 || fail "ExecStop: $OUT"
}

# espvti-quick: a file that does not check creates nothing (not even the
# interface for a moment), and one whose setconf fails leaves none behind.
test_quick_errors() {
	local f=/etc/espvti/vti1.conf
	boot_begin
	printf '[Interface]\nAdress = 172.16.0.1/30\n' >"$f"
	chmod 600 "$f"
	expect_fail ip netns exec bA /usr/local/sbin/espvti-quick up vti1
	expect_match "typo" "$OUT" 'vti1.conf:2: \[Interface\] has no key "Adress"'
	expect_fail ip -n bA link show vti1
	# The kernel refuses it (a reserved SPI is caught before; an ICV the
	# module takes but two SAs with one inbound SPI in one underlay it does not).
	conf_a "$f" 'Address = 172.16.0.1/30' "in 0x2001 $KEY_BA" "out 0x1001 $KEY_AB"
	ip -n bA link add vti9 type espvti
	expect_ok "$ESPVTI" -n bA sa add vti9 dir in spi 0x2001 alg aes-gcm key "$KEY_BA"
	expect_fail ip netns exec bA /usr/local/sbin/espvti-quick up vti1
	no_keys "espvti-quick up" "$OUT"
	expect_match "not up" "$OUT" 'vti1: not brought up \(deleted again\)'
	expect_fail ip -n bA link show vti1
	expect_fail ip netns exec bA /usr/local/sbin/espvti-quick reload vti1
	expect_fail ip netns exec bA /usr/local/sbin/espvti-quick sideways vti1
	expect_match "usage" "$OUT" '^usage: espvti-quick up\|reload\|down DEV\|FILE'
	# A key file others may read, named by the config file or on the command line.
	echo "$KEY_BA" >/etc/espvti/in.key
	chmod 640 /etc/espvti/in.key
	conf_a "$f" '' "in 0x2003 @in.key"
	expect_fail ip netns exec bA /usr/local/sbin/espvti-quick up vti1
	expect_match "key file" "$OUT" 'Key file /etc/espvti/in.key: others may read or write it \(mode 0640\): chmod 600 /etc/espvti/in.key'
	no_keys "espvti-quick up" "$OUT"
	expect_fail "$ESPVTI" -n bA sa add vti9 dir in spi 0x2003 alg aes-gcm key @/etc/espvti/in.key
	expect_match "key @FILE" "$OUT" '^espvti: sa add: key file /etc/espvti/in.key: others may read or write it'
	chmod 600 /etc/espvti/in.key
	expect_ok "$ESPVTI" -n bA sa add vti9 dir in spi 0x2003 alg aes-gcm key @/etc/espvti/in.key
	# A file without keys in it may be read by all.
	conf_a "$f" '' "in 0x2004 @in.key"
	chmod 644 "$f"
	expect_ok ip netns exec bA /usr/local/sbin/espvti-quick up vti1
	expect_match "admin up" "$(ip -n bA link show vti1)" '<[^>]*,UP[,>]'
}

# ifupdown: an iface stanza with espvti-config brings the tunnel up with
# ifup (the if-pre-up.d hook: module, interface, setconf; the stanza:
# address, MTU, route) and ifdown deletes it (the if-post-down.d hook).
test_ifupdown() {
	local ifs=/tmp/interfaces st=/tmp/ifstate
	boot_begin
	peer_up
	mkdir -p "$st"
	conf_a /etc/espvti/vti0.conf '' "in 0x2001 $KEY_BA" "out 0x1001 $KEY_AB"
	cat >"$ifs" <<-EOF
	iface vti0 inet static
	    address 172.16.0.1/30
	    mtu 1400
	    espvti-config /etc/espvti/vti0.conf
	    up ip route add 10.2.0.0/24 dev vti0
	EOF
	OUT=$(ip netns exec bA ifup -i "$ifs" --state-dir "$st" vti0 2>&1) || fail "ifup: $OUT"
	no_keys ifup "$OUT"
	expect_match "address" "$(ip -n bA -o addr show dev vti0)" 'inet 172\.16\.0\.1/30 '
	expect_match "mtu" "$(ip -n bA link show vti0)" ' mtu 1400 .*state UP'
	expect_match "route" "$(ip -n bA route show dev vti0)" '^10\.2\.0\.0/24 '
	ping_ok bA 172.16.0.2
	ping_ok bA 10.2.0.1
	OUT=$(ip netns exec bA ifdown -i "$ifs" --state-dir "$st" vti0 2>&1) || fail "ifdown: $OUT"
	expect_fail ip -n bA link show vti0
	# Up and down again; then a file with an [Interface]: refused, nothing left.
	OUT=$(ip netns exec bA ifup -i "$ifs" --state-dir "$st" vti0 2>&1) || fail "ifup again: $OUT"
	peer_restart
	ping_ok bA 10.2.0.1
	OUT=$(ip netns exec bA ifdown -i "$ifs" --state-dir "$st" vti0 2>&1) || fail "ifdown again: $OUT"
	expect_fail ip -n bA link show vti0
	conf_a /etc/espvti/vti0.conf 'MTU = 1400' "in 0x2001 $KEY_BA" "out 0x1001 $KEY_AB"
	expect_fail ip netns exec bA ifup -i "$ifs" --state-dir "$st" vti0
	expect_match "[Interface] refused" "$OUT" '\[Interface\] is for espvti-quick'
	expect_fail ip -n bA link show vti0
}

run_tests
