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
# namespace, a copy of it with ours (or PLUGIN) added takes its place.
ss_plugins() {
	local d=$SS_DIR/plugins
	mkdir -p "$d"
	cp /usr/lib/ipsec/plugins/*.so "$d/"
	cp "${1:-$SS_PLUGIN}" "$d/libstrongswan-kernel-espvti.so"
	mount --bind "$d" /usr/lib/ipsec/plugins
}

# What ss_conf writes, unless a test says otherwise before ss_pair: the
# CHILD_SA's ESP proposals, its rekey time (0: only when told), its if_id;
# the plugins charon loads; lines added to charon's section, the
# connection and the CHILD_SA (SS_CHARON_EXTRA, SS_CONN_EXTRA,
# SS_CHILD_EXTRA; SS_<NS>_<WHAT> for one namespace alone, e.g.
# SS_ssB_LOAD).
SS_ESP=aes128gcm16,aes256gcm16
SS_CHILD_REKEY=0
SS_CHILD_LIFE=0
SS_IF_ID=1
SS_LOAD="random nonce openssl kdf aes sha1 sha2 hmac gcm pem pkcs1 x509 pubkey kernel-espvti kernel-netlink socket-default vici"
SS_RETRANSMIT_TRIES=3
SS_CHARON_EXTRA=
SS_CONN_EXTRA=
SS_CHILD_EXTRA=

# ss_var NS WHAT: SS_<NS>_<WHAT> if set, else SS_<WHAT>.
ss_var() {
	local v=SS_$1_$2 d=SS_$2
	if [ -n "${!v+set}" ]; then
		printf '%s' "${!v}"
	else
		printf '%s' "${!d}"
	fi
}

# ss_conf NS LOCAL REMOTE ME PEER START_ACTION: NS's strongswan.conf and
# swanctl.conf under $SS_DIR/NS.
ss_conf() {
	local ns=$1 local=$2 remote=$3 me=$4 peer=$5 start=$6 d=$SS_DIR/$1
	mkdir -p "$d"
	cat > "$d/strongswan.conf" <<-EOF
	charon {
		load = $(ss_var "$ns" LOAD)
		install_routes = no
		retransmit_tries = $(ss_var "$ns" RETRANSMIT_TRIES)
		$(ss_var "$ns" CHARON_EXTRA)
		delete_rekeyed_delay = 2
		make_before_break = yes
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
			$(ss_var "$ns" CONN_EXTRA)
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
					esp_proposals = $SS_ESP
					if_id_in = $SS_IF_ID
					if_id_out = $SS_IF_ID
					rekey_time = $SS_CHILD_REKEY
					$([ "$SS_CHILD_LIFE" = 0 ] || echo "life_time = $SS_CHILD_LIFE")
					start_action = $start
					$(ss_var "$ns" CHILD_EXTRA)
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
	rm -f "$d/charon.vici" "$d/charon.log"
	ip netns exec "$ns" unshare --mount -- bash -c '
		mount -t tmpfs none /run
		STRONGSWAN_CONF=$1/strongswan.conf exec "$2" > "$1/charon.out" 2>&1' \
		- "$d" "$SS_CHARON" &
	echo $! > "$d/pid"
	# (30 s: on the debug guest beside load.sh, 10 s were once too few)
	for ((i = 0; i < 300; i++)); do
		[ -S "$d/charon.vici" ] && break
		nap 0.1
	done
	[ -S "$d/charon.vici" ] || fail "charon in $ns did not start: $(tail -n 20 "$d/charon.log" "$d/charon.out" 2>&1)"
	[[ " $(ss_var "$ns" LOAD) " != *" kernel-espvti "* ]] ||
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

# ss_dump: what the plugin and charon's CHILD_SAs did, for a failed test
# (with SS_KEEP=DIR, the whole logs are copied to DIR/NS.log too).
ss_dump() {
	local ns
	for ns in ssA ssB; do
		[ -f "$SS_DIR/$ns/charon.log" ] || continue
		[ -z "${SS_KEEP:-}" ] || { mkdir -p "$SS_KEEP" && cp "$SS_DIR/$ns/charon.log" "$SS_KEEP/$ns.log"; }
		grep -E 'kernel-espvti|CHILD_SA|IKE_SA .* (established|rekeyed)|collision|deleting' \
			"$SS_DIR/$ns/charon.log" | sed "s/^/# $ns: /" | tail -n 150
		"$ESPVTI" -n "$ns" sa show espvti1 2>&1 | sed "s/^/# $ns espvti1: /"
	done
}

# ss_log NS: the end of NS's charon log (for a failure's message).
ss_log() {
	tail -n 40 "$SS_DIR/$1/charon.log"
}

# ss_pair [START_ACTION_A]: namespaces, underlay, espvti1 at each end,
# charon at each end (ssA's CHILD_SA's start_action: none by default).
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
	trap 'rc=$?; [ $rc = 0 ] || ss_dump >&2; ss_stop; ns_cleanup; exit $rc' EXIT
	ss_plugins
	ss_conf ssA 10.0.0.1 10.0.0.2 a.test b.test "${1:-none}"
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

# expect_same_spis NS: espvti's SPIs are those of NS's charon (again
# within 5 s: a rekey may be half done when they are read).
expect_same_spis() {
	local i e s
	for ((i = 0; i < 25; i++)); do
		e=$(espvti_spis "$1")
		s=$(sw_spis "$1")
		[ "$e" != "$s" ] || return 0
		nap 0.2
	done
	fail "$1: espvti's SPIs '$e' are not charon's '$s'"
}

# carrier_changes NS: espvti1's carrier changes in NS.
carrier_changes() {
	ip netns exec "$1" cat /sys/class/net/espvti1/carrier_changes
}

# wait_installed NS N: NS's charon has N installed CHILD_SAs (within 20 s).
wait_installed() {
	local i n
	for ((i = 0; i < 200; i++)); do
		# (grep -c exits 1 on none: not the end of the test under set -e)
		n=$(sw "$1" --list-sas | grep -c 'INSTALLED' || true)
		[ "$n" != "$2" ] || return 0
		nap 0.1
	done
	fail "$1: $n CHILD_SAs installed, want $2: $(sw "$1" --list-sas; ss_log "$1")"
}

# wait_added NS N: NS's plugin has added N SAs since charon started
# (within 20 s; fewer: a rekey is missing).
wait_added() {
	local i n
	for ((i = 0; i < 100; i++)); do
		n=$(grep -cE 'added (in|out)bound SA' "$SS_DIR/$1/charon.log" || true)
		[ "$n" -lt "$2" ] || break
		nap 0.2
	done
	echo "# $1: SAs added: $n"
	[ "$n" -ge "$2" ] || fail "$1: $n SAs added, want $2 (a rekey is missing): $(ss_log "$1")"
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

# paced_ping NS DST [SECONDS]: ping DST from NS every 50 ms in the
# background, for SECONDS or (without) until ping_stop; ping_wait waits for
# a counted one, ping_result says how it went.
paced_ping() {
	ip netns exec "$1" ping -D -O -i 0.05 ${3:+-c $(($3 * 20))} -W 2 "$2" \
		> "$SS_DIR/ping.out" 2>&1 &
	PING_PID=$!
}

ping_result() {
	grep 'packet loss' "$SS_DIR/ping.out" || echo "no ping summary: $(tail -n 5 "$SS_DIR/ping.out")"
	grep 'no answer yet' "$SS_DIR/ping.out" | head -n 5 | sed 's/^/lost: /'
}

# ping_wait: the paced ping ended (in this shell: it is its child).
ping_wait() {
	wait "$PING_PID" || true
}

# ping_stop: interrupt the open-ended paced ping; ping_lost then prints
# "N sent, M lost" and the lost icmp_seq, not counting the last second's
# 20 (still in flight when it was interrupted).
ping_stop() {
	kill -INT "$PING_PID" 2>/dev/null || true
	wait "$PING_PID" || true
}

ping_lost() {
	awk '/icmp_seq=[0-9]+ ttl=/ {
			match($0, /icmp_seq=[0-9]+/)
			got[substr($0, RSTART + 9, RLENGTH - 9)] = 1
		}
		/ packets transmitted/ { sent = $1 }
		END {
			n = 0
			for (s = 1; s <= sent - 20; s++)
				if (!(s in got)) { n++; l = l " " s }
			printf "%d sent, %d lost%s\n", sent, n, n ? " (icmp_seq" l ")" : ""
		}' "$SS_DIR/ping.out"
}

# wait_spis_change NS OLD SECONDS: NS's charon's SPIs differ from OLD.
wait_spis_change() {
	local i
	for ((i = 0; i < $3 * 5; i++)); do
		[ "$(sw_spis "$1")" = "$2" ] || return 0
		nap 0.2
	done
	fail "$1: the SPIs are still $2 after $3 s: $(ss_log "$1")"
}

# wait_pairs NS N: espvti1 in NS has N SAs (within 10 s).
wait_sas() {
	local i n
	for ((i = 0; i < 50; i++)); do
		n=$("$ESPVTI" -n "$1" -j sa show espvti1 | jq length)
		[ "$n" != "$2" ] || return 0
		nap 0.2
	done
	fail "$1: espvti1 has $n SAs, want $2: $("$ESPVTI" -n "$1" sa show espvti1)"
}

# spis_gone NS "IN OUT": espvti1 in NS has neither SA.
spis_gone() {
	! "$ESPVTI" -n "$1" -j sa show espvti1 | jq -r '.[].spi' | xargs -r printf '%08x\n' |
		grep -qxF -e "${2% *}" -e "${2#* }"
}

# 20 CHILD_SA rekeys (6 with DP_QUICK=1) from alternating sides, an IKE_SA rekey and a
# reauthentication (make-before-break) under paced traffic: no packet lost,
# no carrier change, no rekey missing, espvti's SPIs are charon's, the old
# SAs gone after charon's delete delay.
#
# The IKE_SA rekey waits until the last rekeyed CHILD_SA is deleted at both
# ends: charon 5.9.8 loses a rekeyed CHILD_SA whose delayed delete
# (delete_rekeyed_delay) runs while an IKE_SA rekey moves it to the new
# IKE_SA ("CHILD_SA {N} not found for delete"); it then stays in state
# DELETED with its inbound SA, and charon refuses to reauthenticate ("unable
# to reauthenticate in CHILD_SA DELETED state") until its hard lifetime,
# none here. That race, whatever the kernel backend, was this test's
# failure in 1 run of 6 (3 of 6 with the guest's CPUs busy).
test_ike_rekey() {
	ss_pair
	sw ssA --initiate --child c > /dev/null
	wait_installed ssA 1
	wait_installed ssB 1
	expect_ok ip netns exec ssA ping -c 1 -W 2 172.16.0.2
	local ca cb spis_before n=20 out i side
	# DP_QUICK=1 (the slow debug kernel's run): 6 CHILD_SA rekeys.
	[ "${DP_QUICK:-0}" != 1 ] || n=6
	ca=$(carrier_changes ssA)
	cb=$(carrier_changes ssB)
	spis_before=$(sw_spis ssA)
	paced_ping ssA 172.16.0.2
	nap 1
	for ((i = 0; i < n; i++)); do
		side=ssA
		[ $((i % 2)) = 0 ] || side=ssB
		sw "$side" --rekey --child c > /dev/null
		nap 1.5
	done
	wait_sas ssA 2
	wait_sas ssB 2
	sw ssB --rekey --ike t > /dev/null
	nap 3
	sw ssA --rekey --ike t --reauth > /dev/null
	# Each CHILD_SA (the first, n rekeyed, the reauthentication's) adds an
	# inbound and an outbound SA at each end; then 3 s of traffic on it.
	wait_added ssA $((2 * n + 4))
	wait_added ssB $((2 * n + 4))
	nap 3
	ping_stop
	out=$(ping_lost)
	echo "# $n CHILD_SA rekeys, an IKE_SA rekey, a reauthentication: $out"
	expect_match "no packet lost" "$out" ' sent, 0 lost$'
	expect_eq "ssA: no ESP for a deleted SA" "$(stat ssA espvti1 rx_unknown_spi)" 0
	expect_eq "ssB: no ESP for a deleted SA" "$(stat ssB espvti1 rx_unknown_spi)" 0
	expect_eq "ssA: never no SA to send with" "$(stat ssA espvti1 tx_no_sa)" 0
	expect_eq "ssB: never no SA to send with" "$(stat ssB espvti1 tx_no_sa)" 0
	[ "${out%% sent*}" -ge $((30 * n)) ] || fail "the ping ran short: $out"
	expect_eq "ssA: no carrier change" "$(carrier_changes ssA)" "$ca"
	expect_eq "ssB: no carrier change" "$(carrier_changes ssB)" "$cb"
	wait_installed ssA 1
	[ "$(sw_spis ssA)" != "$spis_before" ] || fail "the SPIs did not change"
	expect_same_spis ssA
	expect_same_spis ssB
	# Charon deletes the old SAs (delete_rekeyed_delay 2 s): one pair left.
	wait_sas ssA 2
	wait_sas ssB 2
	expect_ok ip netns exec ssB ping -c 1 -W 2 172.16.0.1
}

# Rekeying driven by espvti's lifetimes: the soft expiry event makes
# charon rekey (no swanctl --rekey), nothing lost.
test_ike_lifetime() {
	# Rekey after 4-6 s, the hard limit at 20 s: with a 12 s life (and
	# charon's default jitter, 0-6 s) the slow debug guest once took
	# longer than the rest to rekey and the hard expiry cut the ping.
	SS_CHILD_REKEY=6 SS_CHILD_LIFE=20 SS_CHILD_EXTRA="rand_time = 2s"
	ss_pair
	sw ssA --initiate --child c > /dev/null
	wait_installed ssA 1
	local spis out
	spis=$(sw_spis ssA)
	paced_ping ssA 172.16.0.2 12
	wait_spis_change ssA "$spis" 15
	ping_wait
	out=$(ping_result)
	echo "# $out"
	grep -hE 'soft lifetime|hard lifetime' "$SS_DIR"/ss?/charon.log | sed 's/^/# /'
	grep -q 'reached its soft lifetime' "$SS_DIR/ssA/charon.log" "$SS_DIR/ssB/charon.log" ||
		fail "no soft expiry reported: $(ss_log ssA)"
	expect_match "no packet lost" "$out" ' 0% packet loss'
	# (No SPI comparison here: with a rekey every 6 s, one is often half
	# done; ike_up and ike_rekey compare them.)
	wait_installed ssA 1
}

# start_action = trap: no SA until traffic; the first packets bring the
# tunnel up through an acquire, and again after the IKE_SA is terminated.
test_ike_trap() {
	ss_pair trap
	expect_eq "no SA before traffic" "$("$ESPVTI" -n ssA -j sa show espvti1 | jq length)" 0
	ip netns exec ssA ping -c 8 -i 0.5 -W 1 172.16.0.2 > /dev/null || true
	wait_installed ssA 1
	grep -q 'kernel-espvti: espvti1: acquire for reqid' "$SS_DIR/ssA/charon.log" ||
		fail "no acquire: $(ss_log ssA)"
	expect_ok ip netns exec ssA ping -c 2 -W 2 172.16.0.2
	expect_eq "ssA: espvti's SPIs are charon's" "$(espvti_spis ssA)" "$(sw_spis ssA)"
	local acq old
	acq=$(grep -c 'acquire for reqid' "$SS_DIR/ssA/charon.log" || true)
	old=$(espvti_spis ssA)
	sw ssA --terminate --ike t > /dev/null
	# The old SAs go; new ones may come at once, from an acquire for
	# whatever ssA sends next (on a slow guest, before a look finds none).
	nap_until 10 spis_gone ssA "$old" ||
		fail "ssA: the SAs $old are still there: $("$ESPVTI" -n ssA sa show espvti1)"
	ip netns exec ssA ping -c 8 -i 0.5 -W 1 172.16.0.2 > /dev/null || true
	wait_installed ssA 1
	expect_ok ip netns exec ssA ping -c 2 -W 2 172.16.0.2
	[ "$(grep -c 'acquire for reqid' "$SS_DIR/ssA/charon.log")" -gt "$acq" ] ||
		fail "no acquire after the IKE_SA was terminated: $(ss_log ssA)"
}

# charon killed (SIGKILL) and started again: the SAs it left are flushed
# (no tunnel on stale keys, no carrier), the new IKE_SA brings it back.
test_ike_restart() {
	ss_pair
	sw ssA --initiate --child c > /dev/null
	wait_installed ssA 1
	expect_ok ip netns exec ssA ping -c 1 -W 2 172.16.0.2
	kill -KILL "$(cat "$SS_DIR/ssA/pid")"
	wait "$(cat "$SS_DIR/ssA/pid")" 2>/dev/null || true
	expect_eq "the killed charon's SAs stay" \
		"$("$ESPVTI" -n ssA -j sa show espvti1 | jq length)" 2
	ss_start ssA
	grep -q 'kernel-espvti: espvti1: flushed its SAs' "$SS_DIR/ssA/charon.log" ||
		fail "no flush on start: $(ss_log ssA)"
	expect_eq "flushed" "$("$ESPVTI" -n ssA -j sa show espvti1 | jq length)" 0
	expect_eq "no carrier on stale keys" \
		"$(ip netns exec ssA cat /sys/class/net/espvti1/carrier)" 0
	sw ssA --initiate --child c > /dev/null
	wait_installed ssA 1
	expect_ok ip netns exec ssA ping -c 2 -W 2 172.16.0.2
	expect_ok ip netns exec ssB ping -c 2 -W 2 172.16.0.1
	expect_eq "ssA: espvti's SPIs are charon's" "$(espvti_spis ssA)" "$(sw_spis ssA)"
}

# What the plugin refuses fails the CHILD_SA with a log line that names the
# reason: an algorithm espvti lacks, a CHILD_SA without an if_id.
test_ike_refusals() {
	SS_ESP=aes128ctr-sha256
	ss_pair
	expect_fail swanctl --initiate --child c --uri "unix://$SS_DIR/ssA/charon.vici"
	grep -hq 'kernel-espvti: refused SA .* unsupported algorithm AES_CTR' \
		"$SS_DIR/ssA/charon.log" "$SS_DIR/ssB/charon.log" ||
		fail "no refusal of the algorithm: $(ss_log ssB)"
	grep -h 'kernel-espvti: refused' "$SS_DIR"/ss?/charon.log | sed 's/^/# /'
	expect_eq "no SA" "$("$ESPVTI" -n ssA -j sa show espvti1 | jq length)" 0
	SS_ESP=aes128gcm16 SS_IF_ID=0
	ss_conf ssA 10.0.0.1 10.0.0.2 a.test b.test none
	ss_conf ssB 10.0.0.2 10.0.0.1 b.test a.test none
	sw ssA --load-all --file "$SS_DIR/ssA/swanctl.conf" > /dev/null
	sw ssB --load-all --file "$SS_DIR/ssB/swanctl.conf" > /dev/null
	expect_fail swanctl --initiate --child c --uri "unix://$SS_DIR/ssA/charon.vici"
	grep -hq 'kernel-espvti: refused: the CHILD_SA has no if_id' \
		"$SS_DIR/ssA/charon.log" "$SS_DIR/ssB/charon.log" ||
		fail "no refusal of the missing if_id: $(ss_log ssB)"
}

# wait_carrier NS VALUE SECONDS: espvti1's carrier in NS is VALUE.
wait_carrier() {
	local i
	for ((i = 0; i < $3 * 5; i++)); do
		[ "$(ip netns exec "$1" cat /sys/class/net/espvti1/carrier)" != "$2" ] || return 0
		nap 0.2
	done
	fail "$1: espvti1's carrier is not $2 after $3 s: $(ss_log "$1")"
}

# rekeys_under_ping N: N CHILD_SA rekeys from alternating sides (ssA first)
# under a 20 Hz ping from ssA to 172.16.0.2 (the ends' charons reachable
# as ssA and ssB); prints ping_lost's line.
rekeys_under_ping() {
	local i side
	paced_ping ssA 172.16.0.2
	nap 1
	for ((i = 0; i < $1; i++)); do
		side=ssA
		[ $((i % 2)) = 0 ] || side=ssB
		sw "$side" --rekey --child c > /dev/null
		nap 1.5
	done
	nap 1
	ping_stop
	ping_lost
}

# Dead peer detection: the underlay cut (netem drops everything both ways)
# takes the CHILD_SA down at ssA (dpd_delay 2 s, two retransmits 2 s
# apart), the SAs go, espvti1 loses its carrier (operstate DOWN) and the
# kernel's route over it is "linkdown" and, with
# ignore_routes_with_linkdown, no longer used; the underlay restored,
# charon (dpd_action restart, keyingtries 0) brings it back: carrier, route,
# traffic. Made to fail: with dpd_delay 0 (no DPD) the carrier stays on.
test_ike_dpd() {
	SS_CHARON_EXTRA="retransmit_timeout = 2
		retransmit_base = 1
		retransmit_jitter = 0"
	SS_CONN_EXTRA="dpd_delay = 2s
			keyingtries = 0"
	SS_ssA_CHILD_EXTRA="dpd_action = restart"
	SS_ssB_CHILD_EXTRA="dpd_action = clear"
	SS_RETRANSMIT_TRIES=2
	ss_pair
	ip netns exec ssA sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1
	ip netns exec ssA sysctl -qw net.ipv4.conf.espvti1.ignore_routes_with_linkdown=1
	ip -n ssA route add 10.9.0.0/24 dev espvti1
	sw ssA --initiate --child c > /dev/null
	wait_installed ssA 1
	wait_carrier ssA 1 10
	expect_match "route up" "$(ip -n ssA route get 10.9.0.1 2>&1)" 'dev espvti1'
	expect_ok ip netns exec ssA ping -c 1 -W 2 172.16.0.2
	local t0 t1
	t0=$(now)
	ip netns exec ssA tc qdisc add dev veth0 root netem loss 100%
	ip netns exec ssB tc qdisc add dev veth0 root netem loss 100%
	wait_carrier ssA 0 30
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "# underlay cut: carrier off after %.1f s\n", $2 - $1 }'
	grep -hE 'giving up after|retransmit [0-9]' "$SS_DIR/ssA/charon.log" | tail -n 3 | sed 's/^/# ssA: /'
	wait_sas ssA 0
	expect_eq "no CHILD_SA installed" "$(sw ssA --list-sas | grep -c INSTALLED)" 0
	expect_match "operstate" "$(ip -n ssA link show espvti1)" 'NO-CARRIER.* state DOWN'
	expect_match "route linkdown" "$(ip -n ssA route show 10.9.0.0/24)" 'linkdown'
	expect_fail ip -n ssA route get 10.9.0.1
	ip netns exec ssA tc qdisc del dev veth0 root
	ip netns exec ssB tc qdisc del dev veth0 root
	t0=$(now)
	wait_installed ssA 1
	wait_carrier ssA 1 30
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "# underlay restored: carrier on after %.1f s\n", $2 - $1 }'
	expect_match "route back" "$(ip -n ssA route get 10.9.0.1 2>&1)" 'dev espvti1'
	expect_ok ip netns exec ssA ping -c 2 -W 2 172.16.0.2
	expect_same_spis ssA
}

# ss_nat_underlay: namespaces ssA, nat and ssB; ssA (10.1.0.1) behind
# nat's masquerade (10.0.0.254), ssB at 10.0.0.2, veth0 in each end.
ss_nat_underlay() {
	ns_new ssA nat ssB
	ip link add veth0 netns ssA type veth peer name veth0 netns nat
	ip link add veth1 netns nat type veth peer name veth0 netns ssB
	ip -n ssA addr add 10.1.0.1/24 dev veth0
	ip -n nat addr add 10.1.0.254/24 dev veth0
	ip -n nat addr add 10.0.0.254/24 dev veth1
	ip -n ssB addr add 10.0.0.2/24 dev veth0
	ip -n ssA link set veth0 up
	ip -n nat link set veth0 up
	ip -n nat link set veth1 up
	ip -n ssB link set veth0 up
	ip -n ssA route add default via 10.1.0.254
	ip netns exec nat sysctl -qw net.ipv4.ip_forward=1
	ss_nat_rule masquerade
}

# ss_nat_initiate: both charons configured and started, ssA (behind the
# NAT, which ssB does not know) initiating.
ss_nat_initiate() {
	ss_conf ssA 10.1.0.1 10.0.0.2 a.test b.test none
	ss_conf ssB 10.0.0.2 %any b.test a.test none
	ss_start ssA
	ss_start ssB
	sw ssA --initiate --child c > /dev/null
}

# ss_nat_rule NFT...: what nat does to ssA's packets out to ssB (the rule
# replaces the one before).
ss_nat_rule() {
	ip netns exec nat nft flush ruleset
	ip netns exec nat nft add table ip nat
	ip netns exec nat nft add chain ip nat post '{ type nat hook postrouting priority 100 ; }'
	ip netns exec nat nft add rule ip nat post oifname veth1 ip saddr 10.1.0.0/24 "$@"
}

# NAT traversal through charon's own socket: ssA behind natt.sh's
# masquerading namespace (nat), ssB outside (knows ssA only as the NAT's
# 10.0.0.254). charon finds the NAT and encapsulates: both interfaces run
# ESP in UDP on charon's port-4500 socket ("socket attached"), traffic
# crosses, IKE still reaches charon (rekeys from both sides work), and 4
# rekeys under a 20 Hz ping lose nothing. Then the NAT rebinds ssA to port
# 40000: ssB's espvti reports it, the plugin tells charon (mapping, a line
# in charon's log), the IKE_SA moves to 10.0.0.254[40000] (swanctl), the SA
# sends there, and 2 more rekeys lose nothing. Made to fail: with the
# plugin's encap-fd left out, the interface's own socket cannot bind 4500
# (charon has it) and the SA add fails.
test_ike_natt() {
	ss_require
	ss_nat_underlay
	ip -n ssA link add espvti1 type espvti
	ip -n ssB link add espvti1 type espvti
	ip -n ssA link set espvti1 up
	ip -n ssB link set espvti1 up
	ip -n ssA addr add 172.16.0.1/32 peer 172.16.0.2 dev espvti1
	ip -n ssB addr add 172.16.0.2/32 peer 172.16.0.1 dev espvti1
	trap 'rc=$?; [ $rc = 0 ] || ss_dump >&2; ss_stop; ns_cleanup; exit $rc' EXIT
	ss_plugins
	ss_nat_initiate
	wait_installed ssA 1
	wait_installed ssB 1
	grep -h 'NAT' "$SS_DIR/ssA/charon.log" | head -n 2 | sed 's/^/# ssA: /'
	local a b out
	a=$("$ESPVTI" -n ssA show espvti1)
	b=$("$ESPVTI" -n ssB show espvti1)
	echo "# ssA: $a"
	echo "# ssB: $b"
	expect_match "ssA: ESP in UDP on charon's socket" "$a" 'encap udp .*dport 4500.* socket attached'
	expect_match "ssB: the peer is the NAT" "$b" 'remote 10\.0\.0\.254 .*encap udp .* socket attached'
	expect_ok ip netns exec ssA ping -c 2 -W 2 172.16.0.2
	expect_ok ip netns exec ssB ping -c 2 -W 2 172.16.0.1
	expect_eq "ssA: espvti's SPIs are charon's" "$(espvti_spis ssA)" "$(sw_spis ssA)"
	out=$(rekeys_under_ping 4)
	echo "# 4 CHILD_SA rekeys through the NAT: $out"
	expect_match "no packet lost" "$out" ' sent, 0 lost$'
	wait_added ssA 10
	wait_added ssB 10
	expect_eq "ssA: no ESP for a deleted SA" "$(stat ssA espvti1 rx_unknown_spi)" 0
	expect_eq "ssB: no ESP for a deleted SA" "$(stat ssB espvti1 rx_unknown_spi)" 0
	expect_same_spis ssA
	expect_same_spis ssB
	expect_match "ssA still on charon's socket" "$("$ESPVTI" -n ssA show espvti1)" 'socket attached'

	# The NAT rebinds A to another port: B's espvti sees the ESP come
	# from it (nat-change), charon hears of it (kernel-espvti's mapping)
	# and moves the IKE_SA and the SA's endpoint there; the tunnel and
	# IKE go on through the new mapping.
	# The mapping times out: 1 s from its next packet (each packet
	# renews it for the timeout of the moment), then a pause. Set at
	# the start, 1 s let it lapse between two pings of a slow guest.
	ip netns exec nat sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1 \
		net.netfilter.nf_conntrack_udp_timeout_stream=1
	ip netns exec ssA ping -c 1 -W 2 172.16.0.2 > /dev/null || true
	nap 2.5
	ss_nat_rule ip protocol udp snat to 10.0.0.254:40000
	ip netns exec nat sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 \
		net.netfilter.nf_conntrack_udp_timeout_stream=120
	ip netns exec ssA ping -c 1 -W 2 172.16.0.2 > /dev/null || true
	nap_until 10 ss_log_has ssB 'the peer is at 10.0.0.254\[40000\] now' ||
		fail "ssB: charon's log has no mapping to 10.0.0.254[40000]"
	nap_until 10 remote_port_is ssB 40000 ||
		fail "ssB: swanctl --list-sas: the IKE_SA is not at 10.0.0.254[40000]: $(sw ssB --list-sas)"
	expect_match "ssB: espvti sends to the new mapping" "$("$ESPVTI" -n ssB show espvti1)" \
		'remote 10\.0\.0\.254 .*dport 40000'
	expect_ok ip netns exec ssA ping -c 2 -W 2 172.16.0.2
	expect_ok ip netns exec ssB ping -c 2 -W 2 172.16.0.1
	out=$(rekeys_under_ping 2)
	echo "# 2 CHILD_SA rekeys through the new mapping: $out"
	expect_match "no packet lost after the rebind" "$out" ' sent, 0 lost$'
}

# ss_log_has NS PATTERN: charon's log in NS has a line matching PATTERN.
ss_log_has() {
	grep -q -- "$2" "$SS_DIR/$1/charon.log"
}

# remote_port_is NS PORT: NS's IKE_SA is with a peer at port PORT.
remote_port_is() {
	sw "$1" --list-sas | grep -q "\[$2\]"
}

# The far end is Debian's charon as it is (kernel-netlink, XFRM) on an
# xfrm interface of if_id 1; espvti at ssA initiates (IKE_SA and the
# first rekey) or responds: traffic both ways, espvti's SPIs are charon's,
# 4 CHILD_SA rekeys from alternating sides under a 20 Hz ping lose nothing.
# A stock charon's plugins: kernel-netlink (XFRM) where espvti's has ours.
SS_XFRM_LOAD="random nonce openssl kdf aes sha1 sha2 hmac gcm pem pkcs1 x509 pubkey kernel-netlink socket-default vici"

# ss_xfrm_ends [E X]: espvti1 at E (ssA), an XFRM interface xfrm1 (if_id 1)
# at X (ssB), over their veth0; the plugins. The addresses stay those of
# the namespaces (ssA 172.16.0.1, ssB 172.16.0.2) whichever end is which.
ss_xfrm_ends() {
	local e=${1:-ssA} x=${2:-ssB} el xl
	el=172.16.0.1 xl=172.16.0.2
	[ "$e" = ssA ] || { el=172.16.0.2 xl=172.16.0.1; }
	SS_XFRM_E=$e
	ip -n "$e" link add espvti1 type espvti
	ip -n "$e" link set espvti1 up
	ip -n "$e" addr add $el/32 peer $xl dev espvti1
	ip -n "$x" link add xfrm1 type xfrm dev veth0 if_id 1
	ip -n "$x" link set xfrm1 up
	ip -n "$x" addr add $xl/32 peer $el dev xfrm1
	trap 'rc=$?; [ $rc = 0 ] || { ss_dump >&2; ip -n '"$x"' xfrm state | sed "s/^/# '"$x"' xfrm: /" >&2; }; ss_stop; ns_cleanup; exit $rc' EXIT
	ss_plugins
}

ss_xfrm_pair() {
	SS_ssB_LOAD=$SS_XFRM_LOAD
	ss_require
	ns_new ssA ssB
	underlay ssA ssB
	ss_xfrm_ends
	ss_conf ssA 10.0.0.1 10.0.0.2 a.test b.test none
	ss_conf ssB 10.0.0.2 10.0.0.1 b.test a.test none
	ss_start ssA
	ss_start ssB
}

# ss_xfrm_check WHAT: traffic both ways, espvti's SPIs are its charon's and
# the XFRM end's mirror them, 4 rekeys from alternating sides under ping
# lose nothing, the old SAs go (espvti at $SS_XFRM_E).
ss_xfrm_check() {
	local out e=$SS_XFRM_E x=ssB
	[ "$e" = ssA ] || x=ssA
	wait_installed ssA 1
	wait_installed ssB 1
	expect_ok ip netns exec ssA ping -c 2 -W 2 172.16.0.2
	expect_ok ip netns exec ssB ping -c 2 -W 2 172.16.0.1
	expect_eq "$e: espvti's SPIs are charon's" "$(espvti_spis "$e")" "$(sw_spis "$e")"
	expect_eq "$x's XFRM SPIs mirror $e's" "$(sw_spis "$x")" \
		"$(sw_spis "$e" | awk '{ print $2 " " $1 }')"
	out=$(rekeys_under_ping 4)
	echo "# 4 CHILD_SA rekeys against XFRM ($1): $out"
	expect_match "no packet lost" "$out" ' sent, 0 lost$'
	expect_eq "$e: no ESP for a deleted SA" "$(stat "$e" espvti1 rx_unknown_spi)" 0
	expect_same_spis "$e"
	wait_sas "$e" 2
}

test_ike_xfrm_espvti_initiates() {
	ss_xfrm_pair
	sw ssA --initiate --child c > /dev/null
	ss_xfrm_check "espvti initiated"
}

test_ike_xfrm_espvti_responds() {
	ss_xfrm_pair
	sw ssB --initiate --child c > /dev/null
	ss_xfrm_check "XFRM initiated"
}

# Interop behind a NAT: espvti's charon (ssA) behind ike_natt's masquerade
# initiates to a stock charon on an XFRM interface (ssB, kernel-netlink,
# which installs espinudp states): ESP in UDP on charon's socket at ssA,
# traffic both ways, the SPIs mirrored, 4 rekeys under ping lose nothing.
test_ike_xfrm_natt() {
	SS_ssB_LOAD=$SS_XFRM_LOAD
	ss_require
	ss_nat_underlay
	ss_xfrm_ends
	ss_nat_initiate
	ss_xfrm_check "espvti behind a NAT initiated"
	expect_match "ssA: ESP in UDP on charon's socket" "$("$ESPVTI" -n ssA show espvti1)" \
		'encap udp .*dport 4500.* socket attached'
	expect_match "ssB: XFRM's states are ESP in UDP" "$(ip -n ssB xfrm state)" 'encap type espinudp'
}

# The other way round: a stock charon on an XFRM interface behind the NAT
# (ssA) initiates to espvti's charon outside (ssB), which responds, finds
# the NAT in IKE_SA_INIT and sends ESP in UDP to the NAT's mapping from
# charon's own socket: traffic both ways, the SPIs mirrored, 4 rekeys from
# alternating sides under ping lose nothing; espvti's peer is the NAT's
# address and port, XFRM's states are espinudp.
test_ike_xfrm_natt_responds() {
	SS_ssA_LOAD=$SS_XFRM_LOAD
	ss_require
	ss_nat_underlay
	ss_xfrm_ends ssB ssA
	ss_nat_initiate
	ss_xfrm_check "espvti outside the NAT responded"
	local b
	b=$("$ESPVTI" -n ssB show espvti1)
	echo "# ssB: $b"
	expect_match "ssB: ESP in UDP to the NAT, on charon's socket" "$b" \
		'remote 10\.0\.0\.254 .*encap udp .* socket attached'
	expect_match "ssA: XFRM's states are ESP in UDP" "$(ip -n ssA xfrm state)" 'encap type espinudp'
}

# And espvti responding from behind the NAT: the NAT forwards UDP 500 and
# 4500 to ssA (a published responder, as a hub behind a firewall is); the
# stock charon with XFRM outside (ssB) initiates to the NAT's address;
# espvti's charon finds itself behind the NAT and both ends switch to ESP
# in UDP: on charon's socket at ssA, espinudp at ssB; traffic both ways,
# the SPIs mirrored, 4 rekeys from alternating sides lose nothing.
test_ike_xfrm_natt_forwarded() {
	SS_ssB_LOAD=$SS_XFRM_LOAD
	ss_require
	ss_nat_underlay
	ip netns exec nat nft add chain ip nat pre '{ type nat hook prerouting priority -100 ; }'
	ip netns exec nat nft add rule ip nat pre iifname veth1 udp dport '{ 500, 4500 }' dnat to 10.1.0.1
	ss_xfrm_ends
	ss_conf ssA 10.1.0.1 %any a.test b.test none
	ss_conf ssB 10.0.0.2 10.0.0.254 b.test a.test none
	ss_start ssA
	ss_start ssB
	sw ssB --initiate --child c > /dev/null
	ss_xfrm_check "espvti behind a NAT responded"
	local a
	a=$("$ESPVTI" -n ssA show espvti1)
	echo "# ssA: $a"
	expect_match "ssA: ESP in UDP on charon's socket" "$a" \
		'remote 10\.0\.0\.2 .*encap udp sport 4500 dport 4500.* socket attached'
	expect_match "ssB: XFRM's states are ESP in UDP to the NAT" "$(ip -n ssB xfrm state)" \
		'encap type espinudp sport 4500 dport 4500'
}

# Rekeys driven by byte lifetimes under iperf3: espvti counts the bytes and
# its soft expiry makes charon rekey, again and again, before any hard
# limit; no packet is dropped for a reason a rekey could cause (ESP for an
# SA gone or not there yet, nothing to send with, past a hard limit). TCP's
# retransmissions are printed, not asserted: the emulated guest has them
# without any rekey (the same transfer without lifetimes). This test found
# the responder's switch dropping packets that had just found the old SA
# current (tx_no_sa 10 in 6 rekeys): sa.c now drops an unlinked SA's last
# reference a grace period late. Made to fail: with the soft byte limit left out of SA_ADD,
# charon rekeys no more and the hard limit kills the SA (carrier off, the
# transfer stalls). The hard limit is 16 to 20 MB past the soft one (8 to
# 12 MB, rand_bytes below): both ends
# reach the soft limit of one SA at once and their rekeys collide, which
# takes charon seconds; 8 MB was 2.3 s at the 28 Mbit/s of a guest busy
# with other tests, and the old SA died first (one run, 2026-12-06).
# rand_bytes is set: by default it is life - rekey (16 MB), a random part
# of which charon subtracts from 12 MB, so one pick in four went below
# zero: a soft limit above the hard one, which is no soft limit (the
# plugin sends none, as a kernel would never reach it). When both ends
# drew such a pick, no one rekeyed and the SA died at its hard limit (the
# debug suite, 2026-12-06).
test_ike_bytes() {
	SS_CHILD_EXTRA="rekey_bytes = 12000000
					rand_bytes = 4000000
					life_bytes = 28000000"
	ss_pair
	sw ssA --initiate --child c > /dev/null
	wait_installed ssA 1
	wait_installed ssB 1
	local spis out soft hard rt side c n=40M tmo=120
	[ "${DP_QUICK:-0}" != 1 ] || { n=30M; tmo=400; }
	spis=$(sw_spis ssA)
	ip netns exec ssB iperf3 -s -1 -B 172.16.0.2 > "$SS_DIR/iperf-s.out" 2>&1 &
	nap 1
	# A size, not a time: at least 2 rekeys whatever the kernel's speed.
	out=$(timeout "$tmo" ip netns exec ssA iperf3 -c 172.16.0.2 -n "$n" -J 2>&1) || fail "iperf3 (stalled or failed): $(tail -n 5 <<< "$out")"
	rt=$(jq -r '.end.sum_sent.retransmits' <<< "$out")
	echo "# iperf3: $(jq -r '.end.sum_received.bytes / 1e6 | floor' <<< "$out") MB received," \
		"$(jq -r '.end.sum_received.bits_per_second / 1e6 | floor' <<< "$out") Mbit/s, $rt retransmissions"
	soft=$(grep -hc 'reached its soft lifetime' "$SS_DIR/ssA/charon.log" "$SS_DIR/ssB/charon.log" |
		awk '{ n += $1 } END { print n }')
	hard=$(grep -hc 'reached its hard lifetime' "$SS_DIR/ssA/charon.log" "$SS_DIR/ssB/charon.log" |
		awk '{ n += $1 } END { print n }')
	echo "# soft expiries (bytes): $soft, hard: $hard"
	for side in ssA ssB; do
		echo "# $side espvti1: $("$ESPVTI" -n "$side" stats espvti1 |
			awk '$2 != 0 { printf "%s %s  ", $1, $2 }')"
	done
	[ "$soft" -ge 2 ] || fail "$soft soft expiries, want at least 2: $(ss_log ssA)"
	expect_eq "no hard expiry" "$hard" 0
	[ "$(sw_spis ssA)" != "$spis" ] || fail "the SPIs did not change"
	# What a rekey could lose: a packet for an SA gone or not there yet,
	# none to send with (or the one found just deleted), one counted past
	# a hard limit. (Not the replay window's drops: the emulated guest's
	# crypto reorders beyond charon's window of 32 without any rekey.)
	for side in ssA ssB; do
		for c in rx_unknown_spi tx_no_sa tx_expired rx_expired; do
			expect_eq "$side: $c" "$(stat "$side" espvti1 "$c")" 0
		done
	done
	wait_installed ssA 1
	expect_ok ip netns exec ssA ping -c 1 -W 2 172.16.0.2
}

# A plugin built for another strongSwan (make mismatch: it says 0.0.1)
# refuses to load, with a log line naming both versions, before it touches
# any of charon's structures; charon runs on without it (kernel-netlink
# keeps the kernel-ipsec slot). Made to fail: with the check taken out,
# the line is missing and charon keys espvti.
test_ike_version_refusal() {
	local other=$ESPVTI_REPO/tools/strongswan/kernel-espvti-mismatch.so
	ss_require
	[ -f "$other" ] || fail "no $other (make -C tools/strongswan mismatch)"
	ns_new ssA
	trap 'rc=$?; ss_stop; ns_cleanup; exit $rc' EXIT
	ss_plugins "$other"
	ss_conf ssA 10.0.0.1 10.0.0.2 a.test b.test none
	ip netns exec ssA unshare --mount -- bash -c '
		mount -t tmpfs none /run
		STRONGSWAN_CONF=$1/strongswan.conf exec "$2" > "$1/charon.out" 2>&1' \
		- "$SS_DIR/ssA" "$SS_CHARON" &
	echo $! > "$SS_DIR/ssA/pid"
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$SS_DIR/ssA/charon.vici" ] && break
		nap 0.1
	done
	[ -S "$SS_DIR/ssA/charon.vici" ] || fail "charon did not start: $(ss_log ssA)"
	grep 'kernel-espvti' "$SS_DIR/ssA/charon.log" | sed 's/^/# /'
	grep -q 'kernel-espvti: refused to load: built for strongSwan 0.0.1, but this is strongSwan 5' \
		"$SS_DIR/ssA/charon.log" || fail "no refusal: $(ss_log ssA)"
	grep -q "plugin 'kernel-espvti': failed to load" "$SS_DIR/ssA/charon.log" ||
		fail "the plugin loaded: $(ss_log ssA)"
	! grep -q 'kernel-espvti: keying espvti' "$SS_DIR/ssA/charon.log" ||
		fail "the plugin keys espvti: $(ss_log ssA)"
}

run_tests
