#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, build the module against Debian's
# headers (W=1, sparse) and the tool, then in each bench VM (the stock
# Debian kernel and the debug kernel) load the module and run the KUnit
# suites and the netns selftests. Ends with the time of each phase (wall
# and CPU), the ten slowest tests, the ten that used the most CPU, and
# one line "N passed, M failed".
#
# One VM at a time, after everything else (the debug kernel's build on a
# cold cache included): a VM never shares the host's cores. Side by side,
# two VMs of 2 vCPUs on a 2-core host took 28 minutes where one after the
# other takes half that: an emulated CPU that waits for a lock held by a
# vCPU the host has descheduled spins (TCG has no pause-loop exiting), and
# every test that polls polls longer. Inside each VM the selftests run
# concurrently (tests/guest-selftests.sh).
#
#   tests/check.sh --quick  the kernel developer's loop (make quick): only
#                           the debug kernel, its KUnit suites and a smoke of
#                           the data path (QUICK_TESTS), no host-side checks
#
#   KERNELS="stock debug"   which VMs to run (default both)
#   SELFTESTS="netns-basic.sh"  which selftest files to run (default all)
#   TESTS="link_properties"     which tests of those files (default all)
#   DP_QUICK=1 / DP_FULL=1      fewer / all interop combinations in
#                               datapath.sh (default: quick on debug only)
#   SELFTEST_JOBS=N             selftests at once in a VM (default 4)
#   SELFTEST_TIMEOUT=S          a selftest running longer is killed and
#                               fails by its name (default 900)
#   VM_TIMEOUT=S                a VM running longer is stopped (3000)
#   LD_CAPTURE=DIR              load.sh's rekey_under_load keeps captures
#                               in the guest's DIR (/tmp/out/X: the host's
#                               tests/build/vm-KERNEL/X) and says where
#                               each TCP flow was reordered
#   ESPVTI_SMP_STOCK, ESPVTI_SMP_DEBUG, ESPVTI_SMP  a VM's -smp (default 2)
#   ESPVTI_ACCEL=kvm|tcg        the accelerator (default: KVM where a probe
#                               boot works, else TCG)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
. tests/vm/lib.sh

quick=0
if [ "${1:-}" = --quick ]; then
	quick=1
	KERNELS=debug DP_QUICK=1
	SELFTESTS=${SELFTESTS:-datapath.sh}
	TESTS=${TESTS:-${QUICK_TESTS:-interop_aes_gcm espvti_to_espvti wrong_key replay_and_tamper}}
fi
kernels=${KERNELS:-stock debug}
read -r -a selftests <<< "${SELFTESTS:-}"
mkdir -p tests/build
results=tests/build/results.tap
phases=tests/build/phases.tsv
: > "$results"
: > "$phases"
rm -f tests/build/durations-*.tsv tests/build/cpu-*.tsv tests/build/results-*.tap
t_start=$(date +%s)

result() {	# result ok|not NAME
	if [ "$1" = ok ]; then
		echo "ok - $2" | tee -a "$results"
	else
		echo "not ok - $2" | tee -a "$results"
	fi
}

# cpu_used VAR: sets VAR to the CPU seconds (user and system) of the
# processes this shell has waited for so far (bash's `times`, second
# line; not in a command substitution, which would be another shell).
cpu_used() {
	local f=tests/build/.times.$BASHPID u s t sec n=0
	times > "$f"
	{ read -r _ _; read -r u s; } < "$f"
	rm -f "$f"
	for t in "$u" "$s"; do
		sec=${t#*m}
		n=$((n + 10#${t%%m*} * 60 + 10#${sec%%.*}))
	done
	printf -v "$1" '%d' "$n"
}

# phase NAME CMD...: run CMD, and note when it started and ended and the
# CPU it used (exact where the phase runs in a shell of its own, as the
# VMs do: QEMU's CPU is the guest's work).
phase() {
	local name=$1 t0 c0 c1 rc
	shift
	t0=$(date +%s)
	cpu_used c0
	"$@"
	rc=$?
	cpu_used c1
	printf '%s\t%s\t%s\t%s\n' "$name" "$((t0 - t_start))" "$(($(date +%s) - t_start))" \
		"$((c1 - c0))" >> "$phases"
	return "$rc"
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

# The phases, from the earliest start: where the time went.
phase_table() {
	printf '#   %-36s %6s %6s %6s %6s\n' "phase (m:ss from the start)" start end time cpu
	sort -t "$(printf '\t')" -k2,2n "$phases" | awk -F'\t' '{
		printf "#   %-36s %3d:%02d %3d:%02d %3d:%02d %3d:%02d\n", $1,
			$2 / 60, $2 % 60, $3 / 60, $3 % 60, ($3 - $2) / 60, ($3 - $2) % 60,
			$4 / 60, $4 % 60 }'
}

# The ten slowest tests of both VMs.
slowest() {
	cat tests/build/durations-*.tsv 2>/dev/null | sort -t "$(printf '\t')" -k1,1gr |
		head -n 10 | awk -F'\t' 'NR == 1 { print "# the ten slowest tests (seconds):" }
			{ printf "#   %7.1f  %s\n", $1, $2 }'
}

# The ten tests that used the most CPU in the guests (what they ran and
# waited for), and each VM's total: on a machine where the VMs share the
# host's cores, CPU, not waiting, sets the wall time.
hungriest() {
	cat tests/build/cpu-*.tsv 2>/dev/null | sort -t "$(printf '\t')" -k1,1gr |
		head -n 10 | awk -F'\t' 'NR == 1 { print "# the ten tests that used the most guest CPU (seconds):" }
			{ printf "#   %7.1f  %s\n", $1, $2 }'
	cat tests/build/cpu-*.tsv 2>/dev/null | awk -F'\t' '{ split($2, k, ":"); n[k[1]] += $1 }
		END { for (v in n) printf "#   selftests of %s: %.0f s of guest CPU\n", v, n[v] }' | sort
}

summary() {
	local passed failed total
	total=$(($(date +%s) - t_start))
	phase_table
	slowest
	hungriest
	printf '# make check took %d:%02d\n' "$((total / 60))" "$((total % 60))"
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

phase "dependencies" tests/deps.sh || { result not "dependencies installed"; exit 1; }

phase "build: tool" check "build: espvti tool, no warnings" \
	bash -c 'make -s -C tools/espvti clean && make -C tools/espvti 2>&1 | tee /dev/stderr | (! grep -E "warning:|error:")' || exit 1

# The strongSwan plugin (tests/selftests/strongswan.sh loads it into the
# guests' charon): on a cold cache this fetches and configures strongSwan's
# source first (tools/strongswan/source.sh, about 20 s), then a second.
phase "build: strongswan plugin" check "build: kernel-espvti strongSwan plugin, no warnings" \
	bash -c 'tools/strongswan/source.sh > /dev/null && make -s -C tools/strongswan clean &&
		make -C tools/strongswan all mismatch 2>&1 | tee /dev/stderr | (! grep -E "warning:|error:")'

# vm KERNEL KDIR: build the module for KDIR, boot KERNEL, run the tests.
# Its results go to tests/build/results-KERNEL.tap, what it prints to
# tests/build/report-KERNEL.txt (both shown by vm_run).
vm() {
	local kernel=$1 kdir=$2 moddir rc vm quick
	local results=tests/build/results-$kernel.tap
	phase "build: module for $kernel" \
		check "build: module against the $kernel kernel, W=1, no warnings" \
		tests/build-module.sh "$kernel" "$kdir" || return
	moddir=$repo/tests/build/mod-$kernel
	# The debug kernel is slow: fewer interop combinations there.
	quick=0
	[ "$kernel" != debug ] || quick=1
	# 50 minutes at most for a VM (a test that hangs is killed in the
	# guest after SELFTEST_TIMEOUT and named; this is for a guest that
	# hangs as a whole: not a bound on a slow but healthy run, which on a
	# busy shared host can take half as long again as on a quiet one).
	# Its vCPUs: ESPVTI_SMP_<KERNEL>, else ESPVTI_SMP, else run.sh's 2.
	local smp_var=ESPVTI_SMP_${kernel^^}
	ESPVTI_SMP=${!smp_var:-${ESPVTI_SMP:-}} \
	phase "vm: $kernel" tests/vm/run.sh --kernel "$kernel" --timeout "${VM_TIMEOUT:-3000}" -- \
		"TESTS=$(printf '%q' "${TESTS:-}")" "DP_QUICK=${DP_QUICK:-$quick}" \
		"DP_FULL=${DP_FULL:-0}" "SELFTEST_JOBS=${SELFTEST_JOBS:-4}" \
		"SELFTEST_TIMEOUT=${SELFTEST_TIMEOUT:-900}" "LD_CAPTURE=${LD_CAPTURE:-}" \
		tests/guest-tests.sh "$moddir" "${selftests[@]}" > "tests/build/vm-$kernel.log" 2>&1
	rc=$?
	vm=tests/build/vm-$kernel
	sed "s/^\(\(not \)\?ok - \)/\1$kernel: /" "$vm/results.tap" 2>/dev/null >> "$results"
	sed "s/\t/\t$kernel: /" "$vm/durations.tsv" > "tests/build/durations-$kernel.tsv" 2>/dev/null
	sed "s/\t/\t$kernel: /" "$vm/cpu.tsv" > "tests/build/cpu-$kernel.tsv" 2>/dev/null
	# What was still running when a guest that hung as a whole was
	# stopped: each test by its name.
	awk '$1 == "start" { run[$2] = 1 } $1 == "end" { delete run[$2] }
		END { for (t in run) print t }' FS='\t' "$vm/progress" 2>/dev/null |
	while IFS= read -r t; do
		result not "$kernel: $t (still running when the VM ended)"
	done
	# Why tests failed: their messages, and what the kernel log shows.
	grep -E '^not ok - |^(#   )?# FAIL' "$vm/console.log" 2>/dev/null | sed 's/^/#   /'
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

# vm_run KERNEL KDIR: vm, then its report and results.
vm_run() {
	log "the $1 kernel's VM: starting (results when it ends)"
	vm "$@" > "tests/build/report-$1.txt" 2>&1
	cat "tests/build/report-$1.txt"
	cat "tests/build/results-$1.tap" >> "$results" 2>/dev/null
}

# The kernels (KDIR of each), fetched or built.
declare -A kdir
for kernel in $kernels; do
	case "$kernel" in
	stock)
		if phase "stock kernel: fetch" check "stock kernel: fetch Debian's image matching linux-headers-amd64" \
			tests/vm/stock-kernel.sh; then
			kdir[stock]=$(tests/vm/stock-kernel.sh | sed -n 3p)
			[ "$quick" = 1 ] ||
				phase "build: sparse" check "build: module against ${kdir[stock]} with sparse (C=2)" \
				tests/sparse.sh "${kdir[stock]}"
		fi
		;;
	debug)
		log "building or reusing the debug kernel (cold: ~7 min on 2 cores)"
		if phase "debug kernel: build or reuse" check "debug kernel: build or reuse" \
			tests/vm/debug-kernel.sh; then
			kdir[debug]=$(tests/vm/debug-kernel.sh)
		fi
		;;
	*) result not "unknown kernel '$kernel'" ;;
	esac
done

if [ "$quick" = 0 ]; then
	phase "style: checkpatch" check "style: checkpatch --strict clean" tests/style.sh
	phase "spec check" check "spec: YAML spec, uapi header and kernel policies agree" tests/spec-check.py
	phase "packaging check" check "packaging: one version in VERSION, dkms.conf, debian/changelog, module and tool; dkms.conf matches Kbuild; espvti@.service verifies" \
		tests/packaging-check.sh
fi

for kernel in $kernels; do
	[ -z "${kdir[$kernel]:-}" ] || vm_run "$kernel" "${kdir[$kernel]}"
done

# The selftests' times in the format of tests/selftests/durations.
for kernel in $kernels; do
	sed -n "s/^\([0-9.]*\)\t$kernel: selftest: /$kernel\t\1\t/p" \
		"tests/build/durations-$kernel.tsv" 2>/dev/null
done > tests/build/selftest-durations
