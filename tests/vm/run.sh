#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh --kernel stock|stock:SUITE[:HEADERS]|debug|debug:SUITE|chroot:SUITE:ARCH
#        [--out DIR] [--timeout S] [--shell] [--] [CMD...]
#
# Boot a bench kernel under QEMU with the host's root shared read-only, run
# CMD (a bash command line) in the repository inside the guest, and exit
# with its status. debug:SUITE is the KUnit kernel built from SUITE's
# linux-source (debug-kernel.sh SUITE); chroot:SUITE:ARCH boots the kernel
# installed in that chroot of tests/compat/chroot.sh (Debian's 686 kernel
# in bookworm:i386) with the chroot, not the host, as the guest's root
# (the repository is shared beside it). DIR (default tests/build/vm-KERNEL) gets console.log and
# whatever the guest writes to /tmp/out. The kernel log is checked: a
# KASAN, lockdep or kmemleak report, an oops, a WARN or a panic fails the
# run even when CMD succeeded.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

kernel=stock out= timeout=1800 shell=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	--) shift; break ;;
	*) break ;;
	esac
done
cmd=${*:-true}
out=${out:-$repo/tests/build/vm-$kernel}

modroot= root=/ guest_modroot=
case "$kernel" in
stock|stock:*)
	IFS=: read -r _ suite hpkg <<< "$kernel"
	{ read -r kver; read -r modroot; read -r _; } < \
		<("$here/stock-kernel.sh" ${suite:+"$suite"} ${hpkg:+"$hpkg"})
	[ -n "$modroot" ] || die "no stock kernel '$kernel'"
	bzimage=$modroot/boot/vmlinuz-$kver
	;;
debug|debug:*)
	suite=${kernel#debug}
	kdir=$("$here/debug-kernel.sh" ${suite:+"${suite#:}"})
	bzimage=$kdir/arch/x86/boot/bzImage
	;;
chroot:*:*)
	root=$("$repo/tests/compat/chroot.sh" "${kernel#chroot:}") || die "no chroot for '$kernel'"
	kver=$(ls "$root/lib/modules" 2>/dev/null | sort -V | tail -n 1)
	bzimage=$root/boot/vmlinuz-$kver
	[ -n "$kver" ] && [ -f "$bzimage" ] || die "no kernel installed in the chroot of '$kernel'"
	[ -x "$root/bin/busybox" ] || die "no busybox in the chroot of '$kernel' (busybox-static)"
	modroot=$root guest_modroot=/
	export BUSYBOX=$root/bin/busybox
	;;
*) die "unknown kernel '$kernel' (stock, stock:SUITE[:HEADERS], debug, debug:SUITE or chroot:SUITE:ARCH)" ;;
esac
guest_modroot=${guest_modroot:-$modroot}

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
"$here/initramfs.sh" "$out/initramfs.cpio.gz" ${modroot:+"$modroot" "$kver"}
# The guest puts tmpfs over /tmp, /run and /var: host folders it needs from
# there (a clone in /tmp, a cache in /var) are shared and mounted apart; with
# another root than the host's (a chroot), the repository and cache always.
extra=() mounts=
for p in "$repo" "$ESPVTI_CACHE"; do
	[ -d "$p" ] || continue
	case "$p/" in
	/tmp/*|/run/*|/var/*) ;;
	*) [ "$root" != / ] || continue
		mkdir -p "$root$p" ;;	# the mount point, in the read-only root
	esac
	tag=extra${#extra[@]}
	extra+=(-virtfs "local,path=$p,mount_tag=$tag,security_model=none,readonly=on,multidevs=remap")
	mounts+=" $tag:$p"
done
{
	printf 'ESPVTI_MOUNTS=%q\n' "$mounts"
	printf 'ESPVTI_REPO=%q\n' "$repo"
	printf 'ESPVTI_MODROOT=%q\n' "$guest_modroot"
	printf 'ESPVTI_KERNEL=%q\n' "$kernel"
	printf 'ESPVTI_SHELL=%q\n' "$shell"
	printf 'ESPVTI_CMD=%q\n' "$cmd"
	printf 'export ESPVTI_REPO ESPVTI_MODROOT ESPVTI_KERNEL\n'
	cat "$here/boot.sh.in"
} > "$out/boot.sh"

append="console=ttyS0 panic=-1 oops=panic mitigations=off random.trust_cpu=on"
# kunit.autorun: a KUnit module's suites run when it loads (a kernel made
# from allnoconfig defaults to not, since 6.8).
append+=" loglevel=6 no_hash_pointers kunit.enable=1 kunit.autorun=1"
qemu=(qemu-system-x86_64 -nodefaults -no-reboot -machine pc
	-smp "${ESPVTI_SMP:-2,sockets=2,cores=1}" -m 2048 -kernel "$bzimage" -initrd "$out/initramfs.cpio.gz"
	-device virtio-rng-pci -display none -monitor none)
tcg=(-accel tcg,thread=multi -cpu "${ESPVTI_TCG_CPU:-max}")
kvm=(-accel kvm -cpu host)

# probe_kvm: boot this kernel with KVM and these options until the
# initramfs answers (espvti.probe on the command line), or say why not.
probe_kvm() {
	local plog=$out/kvm-probe.log
	[ -e /dev/kvm ] || { why="there is no /dev/kvm"; return 1; }
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || { why="/dev/kvm is not readable and writable"; return 1; }
	# (In a subshell of its own: QEMU's abort is not reported by bash.)
	( timeout 60 "${qemu[@]}" "${kvm[@]}" -append "$append espvti.probe" \
		-serial "file:$plog" </dev/null > "$out/kvm-probe.err" 2>&1; exit 0 ) 2>/dev/null
	grep -q '^espvti-probe: ok' "$plog" 2>/dev/null && return 0
	why=$(grep -v '^$' "$out/kvm-probe.err" | tail -n 1)
	why=${why:-"the guest said nothing within 60 s"}
	return 1
}

# The accelerator: KVM only where a probe boot with the same options works
# (a /dev/kvm can be there and writable on a CPU without vmx/svm, and
# QEMU then aborts); otherwise TCG. ESPVTI_ACCEL=kvm|tcg decides instead.
why=
case "${ESPVTI_ACCEL:-auto}" in
tcg) accel=tcg ;;
kvm) probe_kvm || die "ESPVTI_ACCEL=kvm, but KVM does not work on this machine ($why)"
	accel=kvm ;;
auto) if probe_kvm; then accel=kvm; else accel=tcg; fi ;;
*) die "ESPVTI_ACCEL must be kvm, tcg or auto, not '$ESPVTI_ACCEL'" ;;
esac
if [ "$accel" = kvm ]; then
	qemu+=("${kvm[@]}")
	log "accelerator: kvm (a probe boot with -accel kvm -cpu host worked)"
else
	qemu+=("${tcg[@]}")
	log "accelerator: tcg${why:+ (not KVM: $why)}"
	# ESPVTI_TCG_PLUGIN: a TCG plugin and its arguments (bench.sh --profile).
	[ -z "${ESPVTI_TCG_PLUGIN:-}" ] || qemu+=(-plugin "$ESPVTI_TCG_PLUGIN")
fi
echo "$accel" > "$out/accel"
qemu+=(-append "$append"
	-virtfs "local,path=$root,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$out,mount_tag=out,security_model=none,multidevs=remap"
	"${extra[@]}")

log "booting the $kernel kernel: $cmd"
if [ "$shell" = 1 ]; then
	"${qemu[@]}" -serial mon:stdio
	exit 0
fi
set +e
timeout "$timeout" "${qemu[@]}" -serial "file:$out/console.log" </dev/null
qrc=$?
set -e
[ "$qrc" = 124 ] && log "the VM ran past ${timeout}s"

if [ -f "$out/rc" ]; then
	rc=$(cat "$out/rc")
else
	log "the guest did not finish; the end of its console:"
	tail -n 40 "$out/console.log" >&2
	exit 255
fi
if ! "$here/kernel-log-check.sh" "$out/dmesg.txt" > "$out/kernel-problems.txt"; then
	log "the kernel log shows problems:"
	head -n 40 "$out/kernel-problems.txt" >&2
	[ "$rc" != 0 ] || rc=254
fi
exit "$rc"
