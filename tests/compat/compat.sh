#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make compat: for each kernel of tests/compat/kernels
#   1. fetch Debian's stock image and headers (tests/vm/stock-kernel.sh,
#      through a private apt configuration for other suites),
#   2. build the module with W=1 and fail on any warning (the machine's
#      gcc-12, or a chroot of the suite: tests/compat/chroot.sh),
#   2b. build it with its KUnit suites as a kernel with KUnit would
#      (CONFIG_KUNIT set for that build: Debian's kernels have none),
#   3. build it again the way users get it, through DKMS (dkms add + dkms
#      build with dkms.conf as installed, in a DKMS tree of its own so the
#      machine's DKMS state is not touched),
#   (a kernel of another architecture, SUITE:ARCH such as the 32-bit
#   bookworm:i386, is built in a chroot of it, and booted with that chroot
#   as the guest's root: Debian's kernel image, busybox, the selftests'
#   programs and a tool built there are installed in it first)
#   4. boot the stock image in the bench VM, load the module DKMS built
#      and run the data-path interop smoke: tests/selftests/datapath.sh
#      with DP_QUICK=1, the tests in COMPAT_TESTS: by default the XFRM
#      peer's own baseline, carrier, interop with Linux XFRM over AES-GCM
#      and ChaCha20-Poly1305 (two combinations of outer family and ESN
#      each, pings both ways over both inner families and 200 KB of TCP
#      each way) and espvti against itself; router.sh's
#      underlay_link_netns (link-netns reaches the module differently
#      since 6.15) and every test of hardening.sh (a few seconds each);
#      COMPAT_TESTS=all runs every test of the three files (four times as
#      long).
#   (a "kunit" line, SUITE linux-source, builds a kernel with KUnit from
#   that suite's linux-source (tests/vm/debug-kernel.sh SUITE: Debian's
#   kernels have no KUnit), builds the module and its KUnit suites against
#   it and runs them in the VM, with the same smoke)
# Prints one line per kernel and ends with "N passed, M failed" (kernels).
# Not part of `make check`: about 10 minutes a kernel on 2 cores, more
# the first time (downloads, the chroot).
#
#   COMPAT_KERNELS="6.12 7.2"   only these lines of tests/compat/kernels
#   COMPAT_TESTS="xfrm_baseline interop_aes_gcm"   other tests of those files
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
. tests/vm/lib.sh

[ "$(id -u)" = 0 ] || die "make compat needs root (DKMS, chroot, debootstrap)"
tests/deps.sh || die "the bench's packages are missing"
missing=()
for p in dkms debootstrap xz-utils zstd; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >&2 || die "cannot install ${missing[*]}"
fi
version=$(cat VERSION)
tests=${COMPAT_TESTS:-xfrm_baseline carrier interop_aes_gcm interop_chacha20_poly1305 espvti_to_espvti underlay_link_netns $(SELFTEST_LIST=1 bash tests/selftests/hardening.sh | awk '{ printf "%s ", $1 }')}
[ "$tests" != all ] || tests=
build=$repo/tests/build/compat
mkdir -p "$build"
passed=0 failed=0

# dkms_build DIR KVER HEADERS [CHROOT-SUITE]: DKMS in a tree of its own
# under DIR (inside the chroot when one is named); prints the module.
dkms_build() {
	local dir=$1 kver=$2 headers=$3 suite=${4:-} top run=()
	top=$dir
	if [ -n "$suite" ]; then
		top=$(tests/compat/chroot.sh "$suite")$dir
		run=(tests/compat/chroot.sh "$suite")
	fi
	rm -rf "$top"
	mkdir -p "$top/tree"
	make -s dkms-install DESTDIR="$top/stage" > /dev/null || return 1
	"${run[@]}" dkms add -m espvti -v "$version" --dkmstree "$dir/tree" \
		--sourcetree "$dir/stage/usr/src" >&2 || return 1
	if ! "${run[@]}" dkms build -m espvti -v "$version" -k "$kver" \
		--kernelsourcedir "$headers" --dkmstree "$dir/tree" \
		--sourcetree "$dir/stage/usr/src" >&2; then
		cat "$top/tree/espvti/$version/build/make.log" >&2 2>/dev/null
		return 1
	fi
	ls "$top/tree/espvti/$version/$kver/"*/module/espvti.ko* 2>/dev/null | head -n 1
}

# chroot_build NAME SUITE KVER: the W=1 build inside the suite's chroot,
# with the kernel's headers (and DKMS) installed there by apt.
chroot_build() {
	local name=$1 suite=$2 kver=$3 root dest
	root=$(tests/compat/chroot.sh "$suite") || return 1
	if ! tests/compat/chroot.sh "$suite" dpkg -s "linux-headers-$kver" dkms > /dev/null 2>&1; then
		log "installing linux-headers-$kver and dkms in the $suite chroot"
		tests/compat/chroot.sh "$suite" sh -c "apt-get update -q && apt-get install -y -q linux-headers-$kver dkms" >&2 ||
			return 1
	fi
	dest=/build/mod-$name
	copy_module_sources "$root$dest"
	if ! tests/compat/chroot.sh "$suite" make -C "/usr/src/linux-headers-$kver" M="$dest" W=1 modules \
		> "$root$dest/build.log" 2>&1; then
		cat "$root$dest/build.log" >&2
		return 1
	fi
	! grep -E 'warning:|error:' "$root$dest/build.log" >&2
}

# kunit_build DIR HEADERS [CHROOT-SUITE]: the module and its KUnit suites
# built against HEADERS as a kernel with KUnit would have them (Debian's
# kernels have no KUnit: CONFIG_KUNIT is set for this build only, and
# modpost only warns about the KUnit symbols the headers' kernel lacks).
# It catches what a KUnit-enabled kernel of that version would break on:
# the symbol namespace the suites import (a string literal since 6.13).
kunit_build() {
	local dir=$1 headers=$2 suite=${3:-} top=$1 run=()
	if [ -n "$suite" ]; then
		top=$(tests/compat/chroot.sh "$suite")$dir
		run=(tests/compat/chroot.sh "$suite")
	fi
	copy_module_sources "$top"
	"${run[@]}" make -C "$headers" M="$dir" CONFIG_KUNIT=m KCFLAGS=-DCONFIG_KUNIT_MODULE=1 \
		KBUILD_MODPOST_WARN=1 modules > "$top/build.log" 2>&1
	local rc=$?
	cat "$top/build.log"
	# modpost only warns here (KUNIT symbols the kernel lacks): any other
	# undefined symbol (a 64-bit division on a 32-bit kernel) fails.
	[ "$rc" = 0 ] && [ -f "$top/espvti_kunit.ko" ] &&
		! grep -E 'warning:|error:|namespace' "$top/build.log" >&2 &&
		! grep -E 'undefined!' "$top/build.log" | grep -vE 'modpost: "(__)?kunit_' >&2
}

# guest_root NAME SUITE:ARCH KVER: the chroot made ready to boot as a guest
# of its architecture: the kernel image of KVER, busybox and what the
# selftests run, and the tool built there (prints its path in the chroot).
guest_root() {
	local name=$1 suite=$2 kver=$3 root dest
	root=$(tests/compat/chroot.sh "$suite") || return 1
	tests/compat/chroot.sh "$suite" sh -c "apt-get install -y -q linux-image-$kver busybox-static \
		iproute2 iputils-ping jq python3 python3-cryptography tcpdump iperf3 procps kmod nftables \
		util-linux netbase libmnl-dev pkg-config gcc libc6-dev make" >&2 || return 1
	dest=/build/tool-$name
	rm -rf "$root$dest"
	mkdir -p "$root$dest"
	rsync -a --exclude '*.o' --exclude tools/espvti/espvti tools uapi VERSION "$root$dest/" &&
		tests/compat/chroot.sh "$suite" make -s -C "$dest/tools/espvti" VERSION="$version" >&2 &&
		echo "$dest/tools/espvti/espvti"
}

# kunit_kernel NAME SUITE: the KUnit kernel from SUITE's linux-source, the
# module and its suites built against it (W=1), booted with the smoke.
kunit_kernel() {
	local name=$1 suite=$2 kdir mod
	b=FAIL k=FAIL d="n/a (built from source)" v=FAIL
	log "$name: building or reusing the $suite kernel with KUnit (cold: ~10 min on 2 cores)"
	kdir=$(tests/vm/debug-kernel.sh "$suite" 2>>"$logf") || return 1
	kver=$(make -s -C "$kdir" kernelrelease 2>/dev/null)
	log "$name: $kver: building with W=1 and the KUnit suites"
	mod=$(tests/build-module.sh "compat-$name" "$kdir" 2>>"$logf") || return 1
	b=ok
	[ -f "$mod/espvti_kunit.ko" ] && k=ok
	log "$name: $kver: booting it with the module, its KUnit suites and the smoke"
	vm_smoke "debug:$suite" "$mod"
}

# vm_smoke KERNEL MODDIR [VAR=VALUE...]: the smoke in a VM of KERNEL; sets $v.
vm_smoke() {
	local spec=$1 mod=$2 n_ok n_not rc
	shift 2
	tests/vm/run.sh --kernel "$spec" --out "$out/vm" -- \
		"$@" DP_QUICK=1 "TESTS=$(printf '%q' "$tests")" \
		tests/guest-tests.sh "$mod" datapath.sh router.sh hardening.sh \
		>> "$logf" 2>&1
	rc=$?
	n_ok=$(grep -c '^ok - ' "$out/vm/results.tap" 2>/dev/null)
	n_not=$(grep -c '^not ok - ' "$out/vm/results.tap" 2>/dev/null)
	if [ "$rc" = 0 ] && [ "${n_not:-1}" = 0 ] && [ "${n_ok:-0}" -gt 2 ]; then
		v="ok ($n_ok passed)"
	else
		v="FAIL (exit $rc, ${n_ok:-0} passed, ${n_not:-?} failed)"
	fi
}

# report 1|0 LINE: a kernel's result line, counted; a failure with the
# lines of its log that say why.
report() {
	if [ "$1" = 1 ]; then
		echo "ok - $2"
		passed=$((passed + 1))
	else
		echo "not ok - $2 (log: ${logf#"$repo/"})"
		grep -E '^not ok|error|warning:|\[bench\] error' "$logf" | head -n 20 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}

while read -r name suite headers builder; do
	case "$name" in ''|'#'*) continue ;; esac
	if [ -n "${COMPAT_KERNELS:-}" ] && [[ " $COMPAT_KERNELS " != *" $name "* ]]; then
		continue
	fi
	out=$build/$name
	rm -rf "$out"
	mkdir -p "$out"
	logf=$out/compat.log
	b=FAIL k=FAIL d=FAIL v=FAIL kver=?
	if [ "$builder" = kunit ]; then
		kunit_kernel "$name" "$suite"
		ok=0
		[ "$b" = ok ] && [ "$k" = ok ] && [ "${v%% *}" = ok ] &&
			grep -q '^ok - kunit: ' "$out/vm/results.tap" && ok=1
		report "$ok" "compat: $name $kver: build W=1 $b, with KUnit $k, dkms $d, vm smoke (KUnit run) $v"
		continue
	fi
	log "$name: fetching the kernel"
	args=() spec=stock
	if [ "$suite" != installed ]; then
		args=("$suite" "$headers")
		spec=stock:$suite:$headers
	fi
	if [[ $suite == *:* ]]; then
		# Another architecture (a 32-bit kernel): built in a chroot of
		# it, which tells the kernel (no image for the bench's VM).
		info=$(tests/compat/chroot.sh "$suite" sh -c \
			"apt-get update -q >/dev/null && apt-cache depends $headers" 2>>"$logf" |
			sed -n 's/^ *Depends: linux-headers-\([0-9][^ ]*\)$/\1/p' | head -n 1)
		info=${info:+$info$'\n'-$'\n'/usr/src/linux-headers-$info}
	else
		info=$(tests/vm/stock-kernel.sh "${args[@]}" 2>>"$logf")
	fi
	if [ -n "$info" ]; then
		{ read -r kver; read -r _; read -r hdir; } <<< "$info"
		log "$name: $kver: building with W=1"
		if [ "$builder" = chroot ]; then
			chroot_build "$name" "$suite" "$kver" >> "$logf" 2>&1 && b=ok
			hdir=/usr/src/linux-headers-$kver
		else
			tests/build-module.sh "compat-$name" "$hdir" >> "$logf" 2>&1 && b=ok
		fi
		log "$name: $kver: building with the KUnit suites"
		if [ "$builder" = chroot ]; then
			kunit_build "/build/kunit-$name" "$hdir" "$suite" >> "$logf" 2>&1 && k=ok
		else
			kunit_build "$out/kunit" "$hdir" >> "$logf" 2>&1 && k=ok
		fi
		log "$name: $kver: building through DKMS"
		if [ "$builder" = chroot ]; then
			ko=$(dkms_build "/build/dkms-$name" "$kver" "$hdir" "$suite" 2>>"$logf")
		else
			ko=$(dkms_build "$out/dkms" "$kver" "$hdir" 2>>"$logf")
		fi
		if [ -n "$ko" ]; then
			mkdir -p "$out/mod"
			case "$ko" in
			*.xz) xz -dc "$ko" > "$out/mod/espvti.ko" ;;
			*.zst) zstd -dc "$ko" > "$out/mod/espvti.ko" ;;
			*) cp "$ko" "$out/mod/espvti.ko" ;;
			esac
			modinfo -F vermagic "$out/mod/espvti.ko" | grep -q "^$kver " &&
				[ "$(modinfo -F version "$out/mod/espvti.ko")" = "$version" ] && d=ok
		fi
		if [ "$d" = ok ] && [[ $suite == *:* ]]; then
			log "$name: $kver: readying the $suite chroot as the guest's root"
			if tool=$(guest_root "$name" "$suite" "$kver" 2>>"$logf"); then
				log "$name: $kver: booting Debian's image with the DKMS module, the chroot as root"
				vm_smoke "chroot:$suite" "$out/mod" "ESPVTI_TOOL=$tool"
			else
				v="FAIL (the guest's root could not be made ready)"
			fi
		elif [ "$d" = ok ]; then
			log "$name: $kver: booting the stock image with the DKMS module"
			vm_smoke "$spec" "$out/mod"
		fi
	fi
	ok=0
	[ "$b" = ok ] && [ "$k" = ok ] && [ "$d" = ok ] && [ "${v%% *}" = ok ] && ok=1
	report "$ok" "compat: $name $kver: build W=1 $b, with KUnit $k, dkms $d, vm smoke $v"
done < tests/compat/kernels

echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
