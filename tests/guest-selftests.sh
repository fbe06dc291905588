#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-selftests.sh [FILE...]: runs inside a bench VM (from guest-tests.sh).
# Runs the netns selftests (every test of tests/selftests/*.sh, or of the
# files named; TESTS= and each file's own choice honoured) SELFTEST_JOBS at
# a time (default 4), the slowest first (tests/selftests/durations).
#
# Each test runs by itself (`TESTS=NAME bash FILE`) in new mount and
# network namespaces with its own /tmp, /run/netns and /run/frr, so that
# two tests can use the same namespace, file and daemon names. The tests a
# file lists in EXCLUSIVE_TESTS (they unload the module) run afterwards,
# one at a time. A test that runs past SELFTEST_TIMEOUT seconds (default
# 900) is killed with everything it started and fails by its name.
#
# Prints "ok - selftest: FILE: TEST" or "not ok - ..." as each test ends
# (with the end of its log when it failed), keeps every test's log in
# /tmp/out/selftests/FILE/TEST.log, its wall time in
# /tmp/out/durations.tsv ("SECONDS<TAB>NAME") and the CPU time of what it
# ran and waited for (user and system, bash's `times`: daemons that
# detach are not counted) in /tmp/out/cpu.tsv; /tmp/out/progress has a
# "start<TAB>NAME" and an "end<TAB>NAME" line for each, so that the host
# can name what ran when a guest hung as a whole.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
jobs=${SELFTEST_JOBS:-4}
limit=${SELFTEST_TIMEOUT:-900}
kernel=${ESPVTI_KERNEL:-stock}
out=/tmp/out
mkdir -p "$out/selftests" /run/netns /run/frr

if [ $# -gt 0 ]; then
	files=("$@")
else
	files=("$repo"/tests/selftests/*.sh)
fi

# The queue: "WEIGHT FILE TEST KIND", the heaviest first. A test's weight
# is its last measured time on this kernel; one not measured yet counts
# as slow, so that it does not start last.
declare -A weight
while IFS=$'\t' read -r k w n; do
	[ "$k" != "$kernel" ] || weight[$n]=$w
done < <(cat "$repo/tests/selftests/durations" 2>/dev/null)
queue=()
for f in "${files[@]}"; do
	case "$f" in */lib.sh) continue ;; esac
	[ -f "$f" ] || f=$repo/tests/selftests/$f
	name=${f##*/}
	mkdir -p "$out/selftests/${name%.sh}"
	while read -r t kind; do
		queue+=("${weight[$name: $t]:-100} $f $t $kind")
	done < <(SELFTEST_LIST=1 bash "$f")
done
mapfile -t queue < <(printf '%s\n' "${queue[@]}" | sort -k1,1gr)

now() { date +%s.%N; }

# run_one FILE TEST: the test alone in its namespaces, its output in its
# log; exits with the test's status (124 or 137: it ran past the limit).
# The repository stays where it is when it lies under /tmp (a clone there
# is a mount of its own in the guest): moved aside and back over the new
# /tmp.
run_one() {
	local f=$1 t=$2 name=${1##*/}
	timeout -k 10 "$limit" unshare --mount --net -- bash -c '
		set -e
		case "$3/" in
		/tmp/*) mkdir -p /run/selftest-repo
			mount --rbind "$3" /run/selftest-repo ;;
		esac
		mount -t tmpfs -o mode=1777 tmpfs /tmp
		case "$3/" in
		/tmp/*) mkdir -p "$3"
			mount --move /run/selftest-repo "$3" ;;
		esac
		mount -t tmpfs tmpfs /run/netns
		mount -t tmpfs tmpfs /run/frr
		ip link set lo up
		rc=0
		TESTS=$2 bash "$1" 3>&- || rc=$?
		times >&3
		exit $rc' _ "$f" "$t" "$repo" \
		> "$out/selftests/${name%.sh}/$t.log" 2>&1 </dev/null \
		3> "$out/selftests/${name%.sh}/$t.cpu"
}

# report PID: the result of the test that process ran.
declare -A job_file job_test job_t0
running=0
report() {
	local pid=$1 rc=$2 f t name log secs what
	f=${job_file[$pid]} t=${job_test[$pid]} name=${job_file[$pid]##*/}
	log=$out/selftests/${name%.sh}/$t.log
	secs=$(awk -v a="$(now)" -v b="${job_t0[$pid]}" 'BEGIN { printf "%.1f", a - b }')
	# The second line of `times`: the children's user and system time.
	awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); n += p[1] * 60 + p[2] }
		printf "%.1f\tselftest: %s: %s\n", n, name, t }' name="$name" t="$t" \
		"${log%.log}.cpu" >> "$out/cpu.tsv" 2>/dev/null
	unset "job_file[$pid]" "job_test[$pid]" "job_t0[$pid]"
	running=$((running - 1))
	printf 'end\tselftest: %s: %s\n' "$name" "$t" >> "$out/progress"
	printf '%s\tselftest: %s: %s\n' "$secs" "$name" "$t" >> "$out/durations.tsv"
	if [ "$rc" = 0 ] && grep -qx "ok - $t" "$log"; then
		echo "ok - selftest: $name: $t"
		return
	fi
	case "$rc" in
	124|137) what=" (killed after ${limit}s: it hung)" ;;
	*) grep -qx "not ok - $t" "$log" && what= || what=" (exit $rc, no result)" ;;
	esac
	echo "not ok - selftest: $name: $t$what"
	echo "# log of $name: $t (${secs}s), the end of tests/build/vm-$kernel/selftests/${name%.sh}/$t.log:"
	tail -n 40 "$log" | sed 's/^/#   /'
}

# start FILE TEST: run it in the background.
start() {
	printf 'start\tselftest: %s: %s\n' "${1##*/}" "$2" >> "$out/progress"
	run_one "$1" "$2" &
	job_file[$!]=$1 job_test[$!]=$2 job_t0[$!]=$(now)
	running=$((running + 1))
}

# wait_one: wait for one test to end and report it.
wait_one() {
	local pid rc
	wait -n -p pid
	rc=$?
	report "$pid" "$rc"
}

exclusive=()
for entry in "${queue[@]}"; do
	read -r _ f t kind <<< "$entry"
	if [ "$kind" = exclusive ]; then
		exclusive+=("$f $t")
		continue
	fi
	while [ "$running" -ge "$jobs" ]; do
		wait_one
	done
	start "$f" "$t"
done
while [ "$running" -gt 0 ]; do
	wait_one
done
for entry in "${exclusive[@]}"; do
	read -r f t <<< "$entry"
	start "$f" "$t"
	wait_one
done
exit 0
