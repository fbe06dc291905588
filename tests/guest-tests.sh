#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-tests.sh MODDIR [SELFTEST...]: runs inside a bench VM. Loads
# espvti.ko from MODDIR, runs the KUnit suites (when the kernel has KUnit
# and MODDIR has espvti_kunit.ko) and the netns selftests (all of
# tests/selftests/*.sh, or those named; concurrently, by guest-selftests.sh),
# then unloads the module and asks kmemleak for leaks. Results go to stdout
# and to /tmp/out/results.tap, one "ok - NAME" or "not ok - NAME" line each;
# the time of each KUnit suite and selftest to /tmp/out/durations.tsv.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
moddir=$1
shift
results=/tmp/out/results.tap
: > "$results"

export ESPVTI_KO=$moddir/espvti.ko
# ESPVTI_TOOL: a tool built for the guest's root (a 32-bit one's).
export ESPVTI="${ESPVTI_TOOL:-$repo/tools/espvti/espvti}"

result() {	# result ok|not NAME
	local line
	if [ "$1" = ok ]; then line="ok - $2"; else line="not ok - $2"; fi
	echo "$line" | tee -a "$results"
}

kmemleak=/sys/kernel/debug/kmemleak
if [ -w "$kmemleak" ]; then
	echo scan > "$kmemleak"
	echo clear > "$kmemleak"
	# No scans of all memory every 10 minutes while the tests run (each
	# costs the emulated CPUs tens of seconds): the ones at the end see
	# every leak that they would.
	echo scan=off > "$kmemleak"
fi

# What the module needs (udp_tunnel, ip6_udp_tunnel): insmod loads none.
deps=$(modinfo -F depends "$ESPVTI_KO" 2>/dev/null | tr , ' ')
[ -z "$deps" ] || modprobe -a $deps || echo "# cannot load $deps"
if insmod "$ESPVTI_KO"; then
	result ok "module: loads"
else
	result not "module: loads"
fi

# KUnit: every case of every espvti suite, as debugfs reports it.
if [ -f "$moddir/espvti_kunit.ko" ] && [ -d /sys/kernel/debug/kunit ]; then
	before=$(dmesg | wc -l)
	printf 'start\tkunit\n' >> /tmp/out/progress
	if insmod "$moddir/espvti_kunit.ko"; then
		printf 'end\tkunit\n' >> /tmp/out/progress
		suites=$(ls -d /sys/kernel/debug/kunit/espvti_* 2>/dev/null)
		[ -n "$suites" ] || result not "kunit: the espvti suites ran"
		# The whole KTAP stream as the kernel logged it, for kunit.py parse.
		{
			printf 'KTAP version 1\n1..%d\n' "$(echo "$suites" | wc -w)"
			dmesg | tail -n +"$((before + 1))" | sed 's/^\[[^]]*\] //' |
				sed -n '/^    KTAP version 1$/,$p'
		} > /tmp/out/kunit.ktap
		for suite in $suites; do
			name=${suite##*/}
			cp "$suite/results" "/tmp/out/kunit-$name.ktap"
			echo "# KUnit suite $name:"
			sed 's/^/#   /' "$suite/results"
			# Cases are the "ok N name" lines one level in; their
			# parameters are one level deeper and not counted apart.
			cases=$(awk -v s="$name" '
				/^    (not )?ok [0-9]+ / {
					st = ($1 == "ok") ? "ok" : "not";
					sub(/^    (not )?ok [0-9]+ /, "");
					sub(/ #.*/, "");
					print st, "kunit: " s "." $0
				}' "$suite/results")
			# A suite that reports no case did not run them.
			[ -n "$cases" ] || result not "kunit: $name ran its cases"
			while read -r st case; do
				[ -z "$st" ] || result "$st" "$case"
			done <<< "$cases"
		done
		# Each suite's time, from the kernel log's time stamps.
		dmesg | tail -n +"$((before + 1))" | awk '
			{ ts = $0; sub(/^\[ */, "", ts); sub(/\].*/, "", ts) }
			# A suite is one level in, the subtests of its cases deeper.
			match($0, /\]     # Subtest: espvti_[a-z0-9_]+$/) {
				t0[substr($0, RSTART + 16)] = ts
			}
			/\] *(not )?ok [0-9]+ espvti_[a-z0-9_]+$/ && ($NF in t0) {
				printf "%.1f\tkunit: %s\n", ts - t0[$NF], $NF
			}' >> /tmp/out/durations.tsv
		rmmod espvti_kunit || result not "kunit: module unloads"
	else
		result not "kunit: module loads"
	fi
elif [ -d /sys/kernel/debug/kunit ]; then
	result not "kunit: the kernel has KUnit but $moddir has no espvti_kunit.ko"
fi

# The selftests, concurrently (tests/guest-selftests.sh).
bash "$repo/tests/guest-selftests.sh" "$@" | while IFS= read -r line; do
	case "$line" in
	"ok - "*) result ok "${line#ok - }" ;;
	"not ok - "*) result not "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done

if grep -q '^espvti ' /proc/modules; then
	if rmmod espvti; then
		result ok "module: unloads"
	else
		result not "module: unloads"
	fi
fi

if [ -w "$kmemleak" ]; then
	# kmemleak reports objects unreferenced for 5 s, after two scans.
	sleep 6
	echo scan > "$kmemleak"
	echo scan > "$kmemleak"
	if [ -s "$kmemleak" ]; then
		cat "$kmemleak"
		result not "kmemleak: no leaks"
	else
		result ok "kmemleak: no leaks"
	fi
fi
exit 0
