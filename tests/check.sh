#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, build the module against Debian's
# headers (W=1, sparse) and the tool, then in each bench VM (the stock
# Debian kernel and the debug kernel) load the module and run the KUnit
# suites and the netns selftests. Ends with one line "N passed, M failed".
#
#   KERNELS="stock debug"   which VMs to run (default both)
#   SELFTESTS="netns-basic.sh"  which selftest files to run (default all)
#   TESTS="link_properties"     which tests of those files (default all)
#   DP_QUICK=1 / DP_FULL=1      fewer / all interop combinations in
#                               datapath.sh (default: quick on debug only)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
. tests/vm/lib.sh

kernels=${KERNELS:-stock debug}
read -r -a selftests <<< "${SELFTESTS:-}"
mkdir -p tests/build
results=tests/build/results.tap
: > "$results"

result() {	# result ok|not NAME
	if [ "$1" = ok ]; then
		echo "ok - $2" | tee -a "$results"
	else
		echo "not ok - $2" | tee -a "$results"
	fi
}

# check NAME CMD...: one result from one command, its output in the log.
check() {
	local name=$1 logf
	shift
	logf=tests/build/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-').log
	if "$@" > "$logf" 2>&1; then
		result ok "$name"
	else
		result not "$name"
		tail -n 30 "$logf" | sed 's/^/#   /'
		return 1
	fi
}

summary() {
	local passed failed
	passed=$(grep -c '^ok - ' "$results")
	failed=$(grep -c '^not ok - ' "$results")
	if [ "$failed" -gt 0 ]; then
		echo "# failed:"
		grep '^not ok - ' "$results" | sed 's/^/#   /'
	fi
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}
trap summary EXIT

tests/deps.sh || { result not "dependencies installed"; exit 1; }

check "build: espvti tool, no warnings" \
	bash -c 'make -s -C tools/espvti clean && make -C tools/espvti 2>&1 | tee /dev/stderr | (! grep -E "warning:|error:")' || exit 1

check "style: checkpatch --strict clean" tests/style.sh
check "spec: YAML spec, uapi header and kernel policies agree" tests/spec-check.py

check "packaging: one version in VERSION, dkms.conf, debian/changelog, module and tool; dkms.conf matches Kbuild" \
	tests/packaging-check.sh

# run_vm KERNEL KDIR: build the module for KDIR, boot KERNEL, run the tests.
run_vm() {
	local kernel=$1 kdir=$2 moddir rc vm quick
	check "build: module against the $kernel kernel, W=1, no warnings" \
		tests/build-module.sh "$kernel" "$kdir" || return
	moddir=$repo/tests/build/mod-$kernel
	log "running the tests in the $kernel kernel's VM"
	# The debug kernel is slow: fewer interop combinations there.
	quick=0
	[ "$kernel" != debug ] || quick=1
	# An hour at most per kernel: a slow, busy 2-core host takes about 35
	# minutes for the stock kernel's run.
	tests/vm/run.sh --kernel "$kernel" --timeout 3600 -- \
		"TESTS=$(printf '%q' "${TESTS:-}")" "DP_QUICK=${DP_QUICK:-$quick}" \
		"DP_FULL=${DP_FULL:-0}" tests/guest-tests.sh "$moddir" \
		"${selftests[@]}" > "tests/build/vm-$kernel.log" 2>&1
	rc=$?
	vm=tests/build/vm-$kernel
	sed "s/^\(\(not \)\?ok - \)/\1$kernel: /" "$vm/results.tap" 2>/dev/null |
		tee -a "$results"
	# Why tests failed: their messages, and what the kernel log shows.
	grep -E '^# FAIL' "$vm/console.log" 2>/dev/null | sed 's/^/#   /'
	sed 's/^/#   /' "tests/build/vm-$kernel.log" | grep -v '^#   \[bench\] booting'
	# The kernel's own KTAP parser over the whole KUnit stream.
	if [ -f "$vm/kunit.ktap" ] && [ -f "$kdir/tools/testing/kunit/kunit.py" ]; then
		check "$kernel: kunit.py parse: every KUnit test passed" \
			bash -c "python3 '$kdir/tools/testing/kunit/kunit.py' parse '$repo/$vm/kunit.ktap' |
				tee /dev/stderr | grep -E 'Testing complete. Ran [1-9][0-9]* tests: passed: [0-9]+\$'"
	fi
	case "$rc" in
	0) result ok "$kernel: kernel log clean, guest finished" ;;
	254) result not "$kernel: kernel log clean (see tests/build/vm-$kernel/kernel-problems.txt)" ;;
	*) result not "$kernel: guest finished (exit $rc, see tests/build/vm-$kernel/console.log)" ;;
	esac
}

for kernel in $kernels; do
	case "$kernel" in
	stock)
		if check "stock kernel: fetch Debian's image matching linux-headers-amd64" \
			tests/vm/stock-kernel.sh; then
			headers=$(tests/vm/stock-kernel.sh | sed -n 3p)
			check "build: module against $headers with sparse (C=2)" \
				tests/sparse.sh "$headers"
			run_vm stock "$headers"
		fi
		;;
	debug)
		log "building or reusing the debug kernel (cold: ~15 min)"
		if check "debug kernel: build or reuse" tests/vm/debug-kernel.sh; then
			run_vm debug "$(tests/vm/debug-kernel.sh)"
		fi
		;;
	*) result not "unknown kernel '$kernel'" ;;
	esac
done
