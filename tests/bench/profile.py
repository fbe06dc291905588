#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""profile.py BOOTDIR [TOP]: the instruction profile of bench.sh --profile.

BOOTDIR is one boot's folder of tests/build/vm-bench-KERNEL/ (smp2, smp1):
profile.N are tests/bench/tcg-profile.c's counts ("VADDR INSNS" per
translated block) of window N, profile-windows says which window is which
row and test, kallsyms names the addresses, raw/profile-ROW-TEST.snap has
the tunnel's counters at the window's ends.

Prints, for the TCP and then the 64-byte UDP window, the guest's
instructions per packet the tunnel's sending end sent (TCP: per data
packet, ACKs' work included), per row, and the functions that differ
most between the rows: the instructions of each function per packet, its
own only (not those of what it calls), each row in a column. Instructions
are not time (an emulated AES instruction costs many host instructions);
compare the work beside the cryptography, row against row.
"""
import bisect
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import parse_snap  # noqa: E402

def load_kallsyms(path):
    """Sorted addresses and their names ("name [module]") of text symbols."""
    syms = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            p = line.split()
            if len(p) < 3 or p[1] not in "tTwW":
                continue
            name = p[2] + (" " + p[3] if len(p) > 3 else "")
            syms.append((int(p[0], 16), name))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def symbolize(path, addrs, names):
    """({function: instructions}, {caller: bytes of REP string instructions})
    of one window's counts."""
    out, rep = collections.Counter(), collections.Counter()

    def name(a):
        if a < 0xffff800000000000:
            return "[user space]"
        i = bisect.bisect_right(addrs, a) - 1
        return names[i] if i >= 0 else "[kernel, unnamed]"

    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if p[0] == "C":
                chain = []
                for a in p[1].split(","):
                    n = name(int(a, 16)).split(" [")[0]
                    if not chain or chain[-1] != n:
                        chain.append(n)
                rep[" > ".join(chain)] += int(p[2])
            else:
                out[name(int(p[0], 16))] += int(p[1])
    return out, rep


def packets(snap_path):
    """Packets the sending end put on the wire (its veth) in the window:
    the tunnel devices count differently (an xfrm interface counts a GSO
    packet once, espvti each segment)."""
    s = parse_snap(snap_path)
    try:
        return s["w1"]["dev"][("A", "veth0")][9] - s["w0"]["dev"][("A", "veth0")][9]
    except (KeyError, IndexError):
        return 0


def largest(tables, order, top):
    """The keys among the TOP largest of any row's table, largest first."""
    keys = set()
    for r in order:
        keys.update(k for k, _ in sorted(tables[r].items(), key=lambda kv: -kv[1])[:top])
    return sorted(keys, key=lambda k: -max(tables[r].get(k, 0) for r in order))


def main():
    d = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    addrs, names = load_kallsyms(os.path.join(d, "kallsyms"))
    windows = collections.defaultdict(dict)
    with open(os.path.join(d, "profile-windows"), encoding="utf-8") as f:
        for line in f:
            n, row, test = line.split()
            path = os.path.join(d, "profile." + n)
            if not os.path.exists(path):
                print(f"# {row} {test}: no counts (QEMU ran without the plugin: not TCG?)")
                continue
            pk = packets(os.path.join(d, "raw", f"profile-{row}-{test}.snap"))
            windows[test][row] = (symbolize(path, addrs, names), pk)
    boot = os.path.basename(os.path.normpath(d))
    for test in ("tcp", "udp"):
        rows = windows.get(test)
        if not rows:
            continue
        order = list(rows)
        what = "one TCP flow, per data packet sent" if test == "tcp" else \
            "64-byte UDP, per packet sent"
        print(f"== {boot} instruction profile, {what} (QEMU's count, whole guest)")
        w = max(12, max(len(r) for r in order) + 1)
        print(f"{'':34s}" + "".join(f"{r:>{w}s}" for r in order))
        print(f"{'packets sent in the window':34s}" +
              "".join(f"{rows[r][1]:>{w},d}" for r in order))
        per, rper = {}, {}
        for r in order:
            (prof, rep), pk = rows[r]
            per[r] = {k: v / max(pk, 1) for k, v in prof.items()}
            rper[r] = {k: v / max(pk, 1) for k, v in rep.items()}
        print(f"{'instructions per packet':34s}" +
              "".join(f"{sum(per[r].values()):>{w},.0f}" for r in order))
        # The functions that matter: the largest in any row, and those
        # that differ most between the first two rows.
        keys = set(largest(per, order, top))
        if len(order) > 1:
            a, b = order[0], order[1]
            diff = sorted(set(per[a]) | set(per[b]),
                          key=lambda k: -abs(per[a].get(k, 0) - per[b].get(k, 0)))
            keys.update(diff[:top])
        for k in sorted(keys, key=lambda k: -max(per[r].get(k, 0) for r in order)):
            label = k if len(k) <= 33 else k[:32] + "~"
            print(f"{label:34s}" + "".join(f"{per[r].get(k, 0):>{w},.0f}" for r in order))
        if any(rper[r] for r in order):
            print("bytes set or copied by REP STOS/MOVS per packet (memset, memcpy, clear_page,")
            print("copy_user), by the calls before them (the last 12, oldest first: its callers")
            print("when the calls in between were few; a call that returned stays in the list)")
            print(f"{'all':34s}" + "".join(f"{sum(rper[r].values()):>{w},.0f}" for r in order))
            for k in largest(rper, order, top):
                if max(rper[r].get(k, 0) for r in order) < 10:
                    continue
                print(f"{'':34s}" + "".join(f"{rper[r].get(k, 0):>{w},.0f}" for r in order))
                print(f"  {k}")
        print()


if __name__ == "__main__":
    main()
