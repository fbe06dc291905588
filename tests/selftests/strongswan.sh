#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IKEv2 keys espvti: two charon instances (Debian's strongSwan with the
# kernel-espvti plugin of tools/strongswan), one in each namespace with its
# own configuration, private /run and log, negotiate with a PSK; their
# CHILD_SA's if_id 1 is the interface espvti1 at each end.
#
#   ssA: veth0 10.0.0.1/24 ---- ssB: veth0 10.0.0.2/24
#        espvti1 172.16.0.1          espvti1 172.16.0.2
#
# Needs strongswan-charon, strongswan-swanctl and the plugin built on the
# host (tests/check.sh builds it; by hand: make strongswan-plugin). Missing,
# the tests fail and say what is missing.
. "$(dirname "$0")/lib.sh"

SS_PLUGIN=$ESPVTI_REPO/tools/strongswan/libstrongswan-kernel-espvti.so
SS_CHARON=/usr/lib/ipsec/charon
SS_DIR=/tmp/strongswan.$$

ss_require() {
	[ -x "$SS_CHARON" ] ||
		fail "strongSwan's charon is not installed (apt-get install strongswan-charon libstrongswan-standard-plugins)"
	command -v swanctl > /dev/null ||
		fail "swanctl is not installed (apt-get install strongswan-swanctl)"
	[ -f "$SS_PLUGIN" ] ||
		fail "the kernel-espvti plugin is not built ($SS_PLUGIN: make strongswan-plugin)"
}

# Charon finds plugins only in its plugin directory: in this test's mount
# namespace, a copy of it with ours added takes its place.
ss_plugins() {
	local d=$SS_DIR/plugins
	mkdir -p "$d"
	cp /usr/lib/ipsec/plugins/*.so "$d/"
	cp "$SS_PLUGIN" "$d/"
	mount --bind "$d" /usr/lib/ipsec/plugins
}

# ss_conf NS LOCAL REMOTE ME PEER START_ACTION: NS's strongswan.conf and
# swanctl.conf under $SS_DIR/NS.
ss_conf() {
	local ns=$1 local=$2 remote=$3 me=$4 peer=$5 start=$6 d=$SS_DIR/$1
	mkdir -p "$d"
	cat > "$d/strongswan.conf" <<-EOF
	charon {
		load = random nonce openssl kdf aes sha1 sha2 hmac gcm pem pkcs1 x509 pubkey kernel-espvti kernel-netlink socket-default vici
		install_routes = no
		retransmit_tries = 3
		delete_rekeyed_delay = 2
		plugins {
			vici {
				socket = unix://$d/charon.vici
			}
		}
		filelog {
			log {
				path = $d/charon.log
				time_format = %T
				default = 1
				knl = 2
				ike = 1
				cfg = 1
				flush_line = yes
			}
		}
	}
	EOF
	cat > "$d/swanctl.conf" <<-EOF
	connections {
		t {
			version = 2
			local_addrs = $local
			remote_addrs = $remote
			proposals = aes128-sha256-modp2048
			rekey_time = 0
			local {
				auth = psk
				id = $me
			}
			remote {
				auth = psk
				id = $peer
			}
			children {
				c {
					local_ts = 0.0.0.0/0
					remote_ts = 0.0.0.0/0
					esp_proposals = aes128gcm16,aes256gcm16
					if_id_in = 1
					if_id_out = 1
					rekey_time = 0
					start_action = $start
				}
			}
		}
	}
	secrets {
		ike-1 {
			id-1 = $me
			id-2 = $peer
			secret = "espvti selftest pre-shared key"
		}
	}
	EOF
}

# ss_start NS: charon in NS with a private /run, its configuration loaded.
ss_start() {
	local ns=$1 d=$SS_DIR/$1 i
	ip netns exec "$ns" unshare --mount -- bash -c '
		mount -t tmpfs none /run
		STRONGSWAN_CONF=$1/strongswan.conf exec "$2" > "$1/charon.out" 2>&1' \
		- "$d" "$SS_CHARON" &
	echo $! > "$d/pid"
	for ((i = 0; i < 100; i++)); do
		[ -S "$d/charon.vici" ] && break
		nap 0.1
	done
	[ -S "$d/charon.vici" ] || fail "charon in $ns did not start: $(tail -n 20 "$d/charon.log" "$d/charon.out" 2>&1)"
	grep -q 'kernel-espvti: keying espvti' "$d/charon.log" ||
		fail "charon in $ns did not take espvti: $(grep -iE 'espvti|kernel' "$d/charon.log" | tail -n 20)"
	sw "$ns" --load-all --file "$d/swanctl.conf" > /dev/null
}

# sw NS ARGS...: swanctl against NS's charon.
sw() {
	local ns=$1
	shift
	# Its stderr: the plugins that Debian's default list names but are
	# not installed; shown when it fails.
	swanctl "$@" --uri "unix://$SS_DIR/$ns/charon.vici" 2> "$SS_DIR/swanctl.err" ||
		fail "swanctl $* in $ns failed: $(grep -v "failed to load" "$SS_DIR/swanctl.err")"
}

ss_stop() {
	local f pid
	for f in "$SS_DIR"/*/pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		pkill -TERM -P "$pid" 2>/dev/null || true
		kill "$pid" 2>/dev/null || true
	done
}

# ss_log NS: the end of NS's charon log (for a failure's message).
ss_log() {
	tail -n 40 "$SS_DIR/$1/charon.log"
}

# The pair: namespaces, underlay, espvti1 at each end, charon at each end.
ss_pair() {
	ss_require
	ns_new ssA ssB
	underlay ssA ssB
	ip -n ssA link add espvti1 type espvti
	ip -n ssB link add espvti1 type espvti
	ip -n ssA link set espvti1 up
	ip -n ssB link set espvti1 up
	ip -n ssA addr add 172.16.0.1/32 peer 172.16.0.2 dev espvti1
	ip -n ssB addr add 172.16.0.2/32 peer 172.16.0.1 dev espvti1
	trap 'rc=$?; ss_stop; ns_cleanup; exit $rc' EXIT
	ss_plugins
	ss_conf ssA 10.0.0.1 10.0.0.2 a.test b.test none
	ss_conf ssB 10.0.0.2 10.0.0.1 b.test a.test none
	ss_start ssA
	ss_start ssB
}

# The SPIs of the installed CHILD_SA in NS's charon, "in out" (hex, 8
# digits each; swanctl prints "in  SPI (-|0xIF_ID), ...").
sw_spis() {
	sw "$1" --list-sas | awk '
		/^  [^ ].*: #[0-9]+, reqid/ { inst = / INSTALLED,/ }
		inst && $1 == "in" { i = substr($2, 1, 8) }
		inst && $1 == "out" { o = substr($2, 1, 8) }
		END { print i " " o }'
}

# The installed SA SPIs of espvti1 in NS, "in out", as sw_spis prints them
# (the newest inbound, the current outbound).
espvti_spis() {
	"$ESPVTI" -n "$1" -j sa show espvti1 |
		jq -r '[(map(select(.dir == "in")) | min_by(.age) | .spi),
			(map(select(.dir == "out" and .current)) | first | .spi)] |
			map(. // 0) | "\(.[0]) \(.[1])"' |
		{ read -r i o; printf '%08x %08x' "$i" "$o"; }
}

# carrier_changes NS: espvti1's carrier changes in NS.
carrier_changes() {
	ip netns exec "$1" cat /sys/class/net/espvti1/carrier_changes
}

# wait_installed NS N: NS's charon has N installed CHILD_SAs (within 20 s).
wait_installed() {
	local i n
	for ((i = 0; i < 200; i++)); do
		n=$(sw "$1" --list-sas | grep -c 'INSTALLED')
		[ "$n" != "$2" ] || return 0
		nap 0.1
	done
	fail "$1: $n CHILD_SAs installed, want $2: $(sw "$1" --list-sas; ss_log "$1")"
}

# IKEv2 with PSK brings the tunnel up: traffic both ways, charon's SPIs are
# espvti's, carrier on.
test_ike_up() {
	ss_pair
	sw ssA --initiate --child c > /dev/null
	wait_installed ssA 1
	wait_installed ssB 1
	expect_ok ip netns exec ssA ping -c 2 -W 2 172.16.0.2
	expect_ok ip netns exec ssB ping -c 2 -W 2 172.16.0.1
	local a b
	a=$(sw_spis ssA)
	b=$(sw_spis ssB)
	expect_match "charon's SPIs in ssA" "$a" '^[0-9a-f]{8} [0-9a-f]{8}$'
	expect_eq "ssA: espvti's SPIs are charon's" "$(espvti_spis ssA)" "$a"
	expect_eq "ssB: espvti's SPIs are charon's" "$(espvti_spis ssB)" "$b"
	expect_eq "ssA's in is ssB's out" "${a%% *}" "${b##* }"
	expect_eq "carrier" "$(ip netns exec ssA cat /sys/class/net/espvti1/carrier)" 1
	grep -q 'kernel-espvti: espvti1: added inbound SA' "$SS_DIR/ssA/charon.log" ||
		fail "no log line of the SA: $(ss_log ssA)"
	echo "# SPIs (in out): ssA $a, ssB $b"
	grep 'kernel-espvti' "$SS_DIR/ssA/charon.log" | sed 's/^/# ssA: /'
}

# CHILD_SA rekeys from both sides under paced traffic: no packet lost, no
# carrier change, the new SPIs in espvti, the old SAs gone.
test_ike_rekey() {
	ss_pair
	sw ssA --initiate --child c > /dev/null
	wait_installed ssA 1
	expect_ok ip netns exec ssA ping -c 1 -W 2 172.16.0.2
	local ca cb spis_before n pid out i side
	ca=$(carrier_changes ssA)
	cb=$(carrier_changes ssB)
	spis_before=$(sw_spis ssA)
	n=4
	ip netns exec ssA ping -q -i 0.05 -c $((n * 60 + 40)) -W 2 172.16.0.2 \
		> "$SS_DIR/ping.out" 2>&1 &
	pid=$!
	nap 1
	for ((i = 0; i < n; i++)); do
		side=ssA
		[ $((i % 2)) = 0 ] || side=ssB
		sw "$side" --rekey --child c > /dev/null
		nap 2.5
	done
	wait "$pid" || true
	out=$(cat "$SS_DIR/ping.out")
	echo "# $(grep 'packet loss' <<< "$out")"
	grep -E 'kernel-espvti|rekey' "$SS_DIR/ssB/charon.log" | sed 's/^/# ssB: /'
	expect_match "no packet lost over $n rekeys" "$out" ' 0% packet loss'
	expect_eq "ssA: no carrier change" "$(carrier_changes ssA)" "$ca"
	expect_eq "ssB: no carrier change" "$(carrier_changes ssB)" "$cb"
	wait_installed ssA 1
	[ "$(sw_spis ssA)" != "$spis_before" ] || fail "the SPIs did not change"
	expect_eq "ssA: espvti's SPIs are charon's after the rekeys" \
		"$(espvti_spis ssA)" "$(sw_spis ssA)"
	# Charon deletes the old SAs (delete_rekeyed_delay 2 s): one pair left.
	for ((i = 0; i < 50; i++)); do
		[ "$("$ESPVTI" -n ssA -j sa show espvti1 | jq length)" != 2 ] || break
		nap 0.2
	done
	expect_eq "ssA: only the current SA pair" \
		"$("$ESPVTI" -n ssA -j sa show espvti1 | jq length)" 2
	expect_eq "ssB: only the current SA pair" \
		"$("$ESPVTI" -n ssB -j sa show espvti1 | jq length)" 2
}

run_tests
