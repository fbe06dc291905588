#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel-log-check.sh LOG: fail (and print the lines) when a kernel log has
# a KASAN/KMEMLEAK/lockdep/RCU report, an oops, a BUG, a WARN or a panic.
pattern='BUG:|WARNING:|Oops|Kernel panic|KASAN|kmemleak: [0-9]+ new suspected|unreferenced object|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|lock held when returning|sleeping function called from invalid context|refcount_t:|list_(add|del) corruption|Call Trace:'
[ -r "$1" ] || { echo "no kernel log: $1"; exit 1; }
if grep -E -n "$pattern" "$1"; then
	exit 1
fi
exit 0
