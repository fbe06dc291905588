# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the netns selftests (sourced). Each selftest file
# defines test_* functions and ends with `run_tests`; every function runs
# in a subshell of its own, prints "ok - NAME" or "not ok - NAME", and
# deletes the namespaces it made (ns_new registers them). TESTS="a b"
# runs only test_a and test_b.
ESPVTI_REPO=${ESPVTI_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
ESPVTI=${ESPVTI:-$ESPVTI_REPO/tools/espvti/espvti}
ESPVTI_KO=${ESPVTI_KO:-$ESPVTI_REPO/espvti.ko}
GENL="python3 $ESPVTI_REPO/tests/selftests/genl.py"

# A failed expectation ends the test with its reason on stderr.
fail() {
	echo "# FAIL: $*" >&2
	exit 1
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# expect_match WHAT TEXT REGEX
expect_match() {
	printf '%s' "$2" | grep -Eq -- "$3" || fail "$1: '$2' does not match /$3/"
}

# expect_ok CMD...: the command succeeds.
expect_ok() {
	"$@" >/tmp/selftest.out 2>&1 || fail "'$*' failed: $(cat /tmp/selftest.out)"
}

# expect_fail CMD...: the command fails; its output is in $OUT.
expect_fail() {
	if OUT=$("$@" 2>&1); then
		fail "'$*' succeeded: $OUT"
	fi
}

module_load() {
	grep -q '^espvti ' /proc/modules || insmod "$ESPVTI_KO" ||
		fail "cannot load $ESPVTI_KO"
}

module_unload() {
	if grep -q '^espvti ' /proc/modules; then
		rmmod espvti || fail "rmmod espvti failed"
	fi
}

NAMESPACES=()
# ns_new NAME...: fresh namespaces, deleted when the test ends.
ns_new() {
	local ns
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
		ip netns add "$ns" || fail "cannot create netns $ns"
		ip -n "$ns" link set lo up
		NAMESPACES+=("$ns")
	done
}

ns_cleanup() {
	local ns
	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	NAMESPACES=()
}

# The interface names `espvti -j show` lists, sorted, on one line.
shown() {
	"$ESPVTI" "$@" -j show | jq -r '[.[].ifname] | sort | join(" ")'
}

# Two keys for the two directions of a test tunnel (AES-GCM: 16 + 4 bytes).
KEY_AB=0x000102030405060708090a0b0c0d0e0f10111213
KEY_BA=0x101112131415161718191a1b1c1d1e1f20212223

# tunnel_side NS LOCAL REMOTE INNER PEER OUT_SPI IN_SPI OUT_KEY IN_KEY [UNDERLAY_NS]
# The interface is created from UNDERLAY_NS (default NS) and lives in NS.
tunnel_side() {
	local ns=$1 uns=${10:-$1}

	ip -n "$uns" link add vti0 type espvti
	[ "$uns" = "$ns" ] || ip -n "$uns" link set vti0 netns "$ns"
	tunnel_conf "$@"
}

# tunnel_conf NS LOCAL REMOTE INNER PEER OUT_SPI IN_SPI OUT_KEY IN_KEY: what
# tunnel_side does once NS has vti0: up, addressed, peer set, keyed.
tunnel_conf() {
	local ns=$1 local=$2 remote=$3 inner=$4 peer=$5 ospi=$6 ispi=$7 okey=$8 ikey=$9

	ip -n "$ns" link set vti0 up
	ip -n "$ns" addr add "$inner/32" peer "$peer" dev vti0
	expect_ok "$ESPVTI" -n "$ns" set vti0 local "$local" remote "$remote"
	expect_ok "$ESPVTI" -n "$ns" sa add vti0 dir out spi "$ospi" alg aes-gcm key "$okey"
	expect_ok "$ESPVTI" -n "$ns" sa add vti0 dir in spi "$ispi" alg aes-gcm key "$ikey"
}

# underlay NS_A NS_B: a veth between them with 10.0.0.1|2 and fd00::1|2.
underlay() {
	ip link add veth0 netns "$1" type veth peer name veth0 netns "$2"
	ip -n "$1" addr add 10.0.0.1/24 dev veth0
	ip -n "$2" addr add 10.0.0.2/24 dev veth0
	ip -n "$1" addr add fd00::1/64 dev veth0 nodad
	ip -n "$2" addr add fd00::2/64 dev veth0 nodad
	ip -n "$1" link set veth0 up
	ip -n "$2" link set veth0 up
}

# stat NS [DEV] COUNTER: one counter of DEV (vti0) in NS ("null" when
# there is none).
# Read from the text output in the shell: in a TCG guest every process
# costs tens of milliseconds of CPU, and polling loops call this often.
stat() {
	local ns=$1 dev=vti0 k v out
	if [ $# = 3 ]; then
		dev=$2
		shift
	fi
	out=$("$ESPVTI" -n "$ns" stats "$dev") || return 1
	while read -r k v; do
		if [ "$k" = "$2" ]; then
			echo "$v"
			return 0
		fi
	done <<< "$out"
	echo null
}

# counted NS COUNTER: vti0's COUNTER in NS is above 0.
counted() {
	[ "$(stat "$1" "$2")" -gt 0 ]
}

# esp CMD ARGS...: esp.py CMD (craft, ...) through one `esp.py serve` per
# shell (a Python start with its crypto costs seconds in a TCG guest);
# its output is in ESP_OUT. esp_end stops the server (it also ends when
# this shell does: its input closes).
ESPPY=$ESPVTI_REPO/tests/selftests/esp.py
ESP_PID=
esp() {
	local line out='' f=/tmp/.esp.$BASHPID
	if [ -z "$ESP_PID" ]; then
		rm -f "$f.in" "$f.out"
		mkfifo "$f.in" "$f.out"
		python3 "$ESPPY" serve <"$f.in" >"$f.out" 2>&1 &
		ESP_PID=$!
		exec 7>"$f.in" 8<"$f.out"
		rm -f "$f.in" "$f.out"
	fi
	printf '%q ' "$@" >&7
	echo >&7
	while IFS= read -r -t 120 line <&8; do
		case $line in
		@ok) ESP_OUT=$out; return 0 ;;
		"@error "*) fail "esp.py $*: ${line#@error } $out" ;;
		*) out+=$line$'\n' ;;
		esac
	done
	fail "esp.py $*: no answer"
}

esp_end() {
	if [ -n "$ESP_PID" ]; then
		exec 7>&- 8<&-
		kill "$ESP_PID" 2>/dev/null || true
		ESP_PID=
	fi
}

# now: seconds since the epoch, with microseconds (no process).
now() { echo "$EPOCHREALTIME"; }

# nap SECONDS: sleep without starting a process: a read that times out on
# a FIFO that nobody writes to (opened once per shell).
NAP_FD=
nap() {
	if [ -z "$NAP_FD" ]; then
		mkfifo "/tmp/.nap.$BASHPID" &&
			exec {NAP_FD}<>"/tmp/.nap.$BASHPID" &&
			rm -f "/tmp/.nap.$BASHPID"
	fi
	read -rt "$1" -u "$NAP_FD" _ || :
}

# nap_to USECS: sleep until $EPOCHREALTIME (without its dot) reaches USECS.
nap_to() {
	local left=$(($1 - ${EPOCHREALTIME/./}))
	[ "$left" -le 0 ] || nap "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))"
}

# nap_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds; 1
# when it did not within SECONDS.
nap_until() {
	local i n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		nap 0.1
	done
	return 1
}

# The tests this file runs, one "NAME concurrent|exclusive" line each
# (SELFTEST_LIST=1; what tests/guest-selftests.sh schedules). A file lists
# in EXCLUSIVE_TESTS the tests that must run with nothing else beside them
# (they unload the module).
list_tests() {
	local t kind
	for t in $(declare -F | awk '$3 ~ /^test_/ { print $3 }'); do
		# TESTS="a b": only the tests named (without test_).
		if [ -n "${TESTS:-}" ] && [[ " $TESTS " != *" ${t#test_} "* ]]; then
			continue
		fi
		kind=concurrent
		[[ " ${EXCLUSIVE_TESTS:-} " != *" ${t#test_} "* ]] || kind=exclusive
		echo "${t#test_} $kind"
	done
}

# xtrace: with SELFTEST_XTRACE=1, every command the test runs goes to
# its log with the time it started and the function it is in (where a
# test spends its time: subtract consecutive times).
xtrace() {
	[ "${SELFTEST_XTRACE:-0}" = 1 ] || return 0
	PS4='+ ${EPOCHREALTIME} ${FUNCNAME[0]:-}: '
	set -x
}

run_tests() {
	local t rc failed=0 t0
	if [ "${SELFTEST_LIST:-0}" = 1 ]; then
		list_tests
		return 0
	fi
	module_load
	for t in $(list_tests | awk '{ print $1 }'); do
		t0=$(now)
		# Not as an `if` condition: there bash would ignore set -e.
		(trap 'rc=$?; ns_cleanup; exit $rc' EXIT; set -e; xtrace; "test_$t")
		rc=$?
		echo "$(now) $t0 $t" | awk '{ printf "# duration: %s %.1f\n", $3, $1 - $2 }'
		if [ "$rc" = 0 ]; then
			echo "ok - $t"
		else
			echo "not ok - $t"
			failed=1
		fi
	done
	return "$failed"
}
