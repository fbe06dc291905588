#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [SUITE]
#
# Build (once) the debug kernel of the test bench from Debian's
# linux-source-6.1: allnoconfig + config/kernel.config + config/debug.config.
# With SUITE (sid, trixie, ...), a KUnit kernel instead, from that suite's
# linux-source (`make compat`'s newer kernel with KUnit, which Debian's
# kernels lack): allnoconfig + config/kernel.config + config/kunit.config.
# The tree is cached outside the work tree, keyed by the source version and
# the fragments' hash, so every clone on this machine shares it.
#
# Prints the build directory on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

suite=${1:-}
if [ -z "$suite" ]; then
	linux_source
	fragments=("$here/config/kernel.config" "$here/config/debug.config")
	name=debug-kernel-$srcver
else
	linux_source_of "$suite"
	fragments=("$here/config/kernel.config" "$here/config/kunit.config")
	name=kunit-kernel-$srcver
fi
hash=$(cat "${fragments[@]}" | sha256sum | cut -c1-12)
dir="$ESPVTI_CACHE/$name-$hash"

if [ -f "$dir/.espvti-built" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$ESPVTI_CACHE"
exec 9>"$ESPVTI_CACHE/debug-kernel.lock"
flock 9
if [ -f "$dir/.espvti-built" ]; then
	echo "$dir"
	exit 0
fi

kind=${suite:+"$suite KUnit"}
log "building the ${kind:-debug} kernel in $dir (once; 7-10 min on 2 cores)"
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
tar -xf "$tarball" -C "$dir.tmp" --strip-components=1
cat "${fragments[@]}" > "$dir.tmp/espvti.config"
make -C "$dir.tmp" -s KCONFIG_ALLCONFIG=espvti.config allnoconfig >&2

# Every option a fragment asks for must have survived Kconfig.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		sym=${line%%=*}
		if grep -qx -- "$line" "$dir.tmp/.config"; then
			:
		elif ! grep -rqsx --include='Kconfig*' -E "(menu)?config ${sym#CONFIG_}" "$dir.tmp"; then
			# Gone from a newer kernel (a crypto library now): nothing to ask for.
			log "config: $sym is not in this kernel's Kconfig"
		else
			log "config: $line did not stick"
			missing=1
		fi ;;
	esac
done < "$dir.tmp/espvti.config"
[ "$missing" = 0 ] || die "config fragments do not apply cleanly"

make -C "$dir.tmp" -s -j"$(nproc)" >&2
mv "$dir.tmp" "$dir"
touch "$dir/.espvti-built"
echo "$dir"
