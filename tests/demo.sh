#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build the module and the tool, boot the stock Debian kernel in
# the bench's VM and run tests/demo-guest.sh there: two sites in
# namespaces joined by an encrypted espvti tunnel set up from the config
# files in tests/demo/, pings across it, a rekey that loses nothing, and
# the state with its counters. The transcript is printed and kept in
# tests/build/vm-demo/demo.txt (its own build and VM folders: make check
# may run beside it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
. tests/vm/lib.sh

tests/deps.sh
make -s -C tools/espvti >&2
headers=$(tests/vm/stock-kernel.sh | sed -n 3p)
moddir=$(tests/build-module.sh demo "$headers")
rc=0
tests/vm/run.sh --kernel stock --out tests/build/vm-demo -- tests/demo-guest.sh "$moddir" || rc=$?
cat tests/build/vm-demo/demo.txt
exit "$rc"
