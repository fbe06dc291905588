#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# packaging-check.sh: the packaging agrees with itself, cheaply (no build):
#  - one version: VERSION; dkms.conf takes it (#MODULE_VERSION#, filled in
#    by make dkms-install, make dist and dh_dkms -V) or states the same;
#    debian/changelog's upstream version; what Kbuild compiles into the
#    module (compat-probe.sh's ESPVTI_VERSION, and no other definition in
#    module/); the tool's --version (when built);
#  - dkms.conf's BUILT_MODULE_NAME/LOCATION is where Kbuild puts the .ko
#    (obj-m in that directory's Kbuild), DEST_MODULE_LOCATION is under
#    /updates, AUTOINSTALL is on, and BUILD_EXCLUSIVE_KERNEL admits every
#    kernel of tests/compat/kernels;
#  - espvti@.service, as make install writes it, passes systemd-analyze
#    verify without a word (where systemd-analyze is), and debian/rules
#    installs it where dh_installsystemd looks.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "packaging: $*" >&2; exit 1; }
conf() { sed -n "s/^$1=\"\\{0,1\\}\\([^\"]*\\)\"\\{0,1\\}\$/\\1/p" dkms.conf; }

version=$(cat VERSION)
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([~+.-][0-9A-Za-z.~+-]+)?$ ]] ||
	fail "VERSION '$version' is not a version"
echo "VERSION: $version"

v=$(conf PACKAGE_VERSION)
[ "$v" = '#MODULE_VERSION#' ] || [ "$v" = "$version" ] ||
	fail "dkms.conf's PACKAGE_VERSION '$v' is neither #MODULE_VERSION# nor $version"
[ "$(conf PACKAGE_NAME)" = espvti ] || fail "dkms.conf's PACKAGE_NAME is not espvti"
echo "dkms.conf: PACKAGE_VERSION $v"

v=$(sed -n '1s/^espvti (\([^)]*\)).*/\1/p' debian/changelog)
[ "${v%-*}" = "$version" ] || fail "debian/changelog's version $v is not $version-N"
echo "debian/changelog: $v"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/k/include/linux"
module/compat-probe.sh "$tmp/k" "$tmp/k" "$tmp/out" VERSION
v=$(sed -n 's/^#define ESPVTI_VERSION "\(.*\)"$/\1/p' "$tmp/out/espvti_probed.h")
[ "$v" = "$version" ] || fail "Kbuild would compile in version '$v'"
! grep -rn 'define[[:space:]]\+ESPVTI_VERSION' module/*.c module/*.h ||
	fail "module/ defines ESPVTI_VERSION itself"
grep -q 'MODULE_VERSION(ESPVTI_VERSION)' module/*.c || fail "no MODULE_VERSION(ESPVTI_VERSION)"
echo "module: MODULE_VERSION $v"

if [ -x tools/espvti/espvti ]; then
	v=$(tools/espvti/espvti --version)
	[ "$v" = "espvti $version" ] || fail "espvti --version says '$v'"
	echo "tool: $v"
fi

name=$(conf 'BUILT_MODULE_NAME\[0\]') loc=$(conf 'BUILT_MODULE_LOCATION\[0\]')
[ -f "${loc:-.}/Kbuild" ] &&
	grep -Eq "^obj-m[[:space:]]*:?=[[:space:]]*$name\\.o\\b" "${loc:-.}/Kbuild" ||
	fail "dkms.conf: $name.ko is not built in '${loc:-.}' (no obj-m := $name.o in its Kbuild)"
dest=$(conf 'DEST_MODULE_LOCATION\[0\]')
[[ "$dest" == /updates* ]] || fail "dkms.conf: DEST_MODULE_LOCATION '$dest' is not under /updates"
[ "$(conf AUTOINSTALL)" = yes ] || fail "dkms.conf: AUTOINSTALL is not yes"
echo "dkms.conf: $name.ko in '$loc', installed to $dest"

range=$(conf BUILD_EXCLUSIVE_KERNEL)
while read -r k _; do
	case "$k" in ''|'#'*) continue ;; esac
	# NAME: the version, and what tells builds of it apart (6.1-686).
	[[ "${k%%-*}.0-1-amd64" =~ $range ]] ||
		fail "dkms.conf's BUILD_EXCLUSIVE_KERNEL leaves out $k (tests/compat/kernels)"
done < tests/compat/kernels
echo "dkms.conf: BUILD_EXCLUSIVE_KERNEL $range admits every kernel of tests/compat/kernels"

if command -v systemd-analyze >/dev/null; then
	# Installed under $tmp: its commands and man pages where it says.
	mkdir -p "$tmp/sbin" "$tmp/man/man8" "$tmp/unit"
	cp tools/espvti/espvti-quick "$tmp/sbin/"
	cp tools/espvti/espvti.8 tools/espvti/espvti-quick.8 "$tmp/man/man8/"
	sed "s|@SBINDIR@|$tmp/sbin|g" tools/espvti/systemd/espvti@.service.in \
		>"$tmp/unit/espvti@.service"
	out=$(MANPATH=$tmp/man systemd-analyze verify "$tmp/unit/espvti@.service" 2>&1) ||
		fail "systemd-analyze verify espvti@.service: $out"
	[ -z "$out" ] || fail "systemd-analyze verify espvti@.service: $out"
	echo "systemd: espvti@.service verifies clean"
fi
grep -q 'UNITDIR=/lib/systemd/system' debian/rules ||
	fail "debian/rules does not install the unit to /lib/systemd/system"
