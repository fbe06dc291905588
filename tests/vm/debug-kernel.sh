#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug kernel of the test bench from Debian's
# linux-source-6.1: allnoconfig + config/kernel.config + config/debug.config.
# The tree is cached outside the work tree, keyed by the source version and
# the fragments' hash, so every clone on this machine shares it.
#
# Prints the build directory on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

linux_source
hash=$(cat "$here/config/kernel.config" "$here/config/debug.config" | sha256sum | cut -c1-12)
dir="$ESPVTI_CACHE/debug-kernel-$srcver-$hash"

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

log "building the debug kernel in $dir (once; ~7 min on 2 cores)"
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
tar -xf "$tarball" -C "$dir.tmp" --strip-components=1
cat "$here/config/kernel.config" "$here/config/debug.config" > "$dir.tmp/espvti.config"
make -C "$dir.tmp" -s KCONFIG_ALLCONFIG=espvti.config allnoconfig >&2

# Every option a fragment asks for must have survived Kconfig.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		if ! grep -qx -- "$line" "$dir.tmp/.config"; then
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
