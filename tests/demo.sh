#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build the module and the tool, boot the stock Debian kernel in
# the bench's VM, build a two-site topology in namespaces there and show
# the espvti interfaces. The transcript is printed and kept in
# tests/build/vm-stock/demo.txt.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
. tests/vm/lib.sh

tests/deps.sh
make -s -C tools/espvti >&2
headers=$(tests/vm/stock-kernel.sh | sed -n 3p)
moddir=$(tests/build-module.sh stock "$headers")
rc=0
tests/vm/run.sh --kernel stock -- tests/demo-guest.sh "$moddir" || rc=$?
cat tests/build/vm-stock/demo.txt
exit "$rc"
