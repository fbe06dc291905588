#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sparse.sh KDIR: run sparse (C=2) over every file of the module; fails on
# any report.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tests/vm/lib.sh"

kdir=$1
dest=$repo/tests/build/sparse
copy_module_sources "$dest"
command -v sparse >/dev/null || die "sparse is not installed"
make -C "$kdir" M="$dest" C=2 modules 2>&1 | tee "$dest/sparse.log"
! grep -E 'warning:|error:' "$dest/sparse.log"
