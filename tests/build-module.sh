#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh NAME KDIR: build espvti.ko (and the KUnit module when the
# kernel has KUnit) against KDIR in tests/build/mod-NAME, a copy of the
# sources, so that builds for several kernels do not overwrite each other.
# W=1; fails on any compiler warning. Prints the build directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tests/vm/lib.sh"

name=$1 kdir=$2
dest=$repo/tests/build/mod-$name
copy_module_sources "$dest"
if ! make -C "$kdir" M="$dest" W=1 modules > "$dest/build.log" 2>&1; then
	cat "$dest/build.log" >&2
	die "the module does not build against $kdir"
fi
if grep -E 'warning:|error:' "$dest/build.log" >&2; then
	die "the module builds with warnings against $kdir"
fi
echo "$dest"
