#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table of tests/bench.sh, from what its guests wrote.

    report.py OUT

OUT is tests/build/vm-bench-KERNEL: host (written by bench.sh on the
host), smp2/ and smp1/ (each a run.sh output folder with what
tests/bench-guest.sh wrote: env, accel, aead.log, crypto, progress,
raw/ROUND-ROW-TEST.json and .snap, mem, perf.txt). Prints the table.
Documentation/performance.rst explains every figure.
"""
import json
import os
import re
import statistics
import sys

# The rows, in the order they are printed, and their AEAD transform.
ROWS = ["veth", "xfrm-esp", "espvti-esp", "espvti-ab", "xfrm-udp", "espvti-udp",
        "wg", "espvti-chacha"]
GCM, CHACHA = "rfc4106(gcm(aes))", "rfc7539esp(chacha20,poly1305)"
ALG = {"xfrm-esp": GCM, "espvti-esp": GCM, "espvti-ab": GCM, "xfrm-udp": GCM,
       "espvti-udp": GCM, "wg": CHACHA, "espvti-chacha": CHACHA}
# The ratios: (numerator, denominator, what it says).
PAIRS = [("espvti-esp", "xfrm-esp", "espvti / xfrmi, raw ESP"),
         ("espvti-udp", "xfrm-udp", "espvti / xfrmi, ESP in UDP"),
         ("espvti-chacha", "wg", "espvti ChaCha20 / WireGuard"),
         ("espvti-udp", "espvti-esp", "espvti ESP in UDP / raw ESP"),
         ("xfrm-udp", "xfrm-esp", "xfrmi ESP in UDP / raw ESP"),
         ("espvti-esp", "veth", "espvti raw ESP / plain veth"),
         ("espvti-ab", "espvti-esp", "espvti --ab / as loaded, raw ESP"),
         ("espvti-ab", "xfrm-esp", "espvti --ab / xfrmi, raw ESP")]
# A busy host: a 1-minute load above this per core before the run, or
# other processes taking more than this share of the host's CPUs during a
# boot.
LOAD_PER_CORE = 0.5
OTHERS_SHARE = 0.10
# The idle loop's symbols in a profile.
IDLE = {"native_safe_halt", "default_idle", "acpi_idle_do_entry", "mwait_idle_with_hints",
        "cpu_idle_poll", "default_idle_call"}
# What an inner packet costs the AEAD beyond its bytes: ESP's trailer (2)
# and padding (1.5 on average for GCM's 4-byte alignment).
TRAILER = 3.5


def median(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def fmt(x, digits=0, none="-"):
    if x is None:
        return none
    return f"{x:,.{digits}f}"


def pct(x):
    return "-" if x is None else f"{100 * x:.0f}%"


def read_kv(path):
    """Lines "KEY VALUE..." of PATH, as a dict of the last value of each key."""
    kv = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition(" ")
                kv[k] = v
    return kv


def parse_snap(path):
    """A .snap file: {phase: {"time", "cpus": {cpuN: [ticks]}, "dev": {(side,
    name): [16 counters]}, "retrans": {side: n}, "xfrm": {side: {name: n}},
    "stats": {side: {...}}}}."""
    snaps, cur = {}, None
    tcp_head = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            src, _, rest = line.rstrip("\n").partition(" ")
            if src == "begin":
                cur = snaps.setdefault(rest, {"cpus": {}, "dev": {}, "retrans": {},
                                              "xfrm": {}, "stats": {}})
                continue
            if cur is None:
                continue
            if src == "time":
                cur["time"] = float(rest)
            elif src == "stat":
                f2 = rest.split()
                if f2[0] != "cpu":
                    cur["cpus"][f2[0]] = [int(x) for x in f2[1:]]
            elif src in ("devA", "devB"):
                name, _, counters = rest.partition(":")
                cur["dev"][(src[-1], name.strip())] = [int(x) for x in counters.split()]
            elif src in ("snmpA", "snmpB"):
                f2 = rest.split()[1:]
                if f2 and not f2[0].isdigit() and not f2[0].startswith("-"):
                    tcp_head[src] = f2
                elif src in tcp_head:
                    row = dict(zip(tcp_head[src], f2))
                    cur["retrans"][src[-1]] = int(row.get("RetransSegs", 0))
            elif src in ("xfrmA", "xfrmB"):
                f2 = rest.split()
                if len(f2) == 2:
                    cur["xfrm"].setdefault(src[-1], {})[f2[0]] = int(f2[1])
            elif src in ("statsA", "statsB"):
                try:
                    cur["stats"][src[-1]] = json.loads(rest)
                except ValueError:
                    pass
    return snaps


class Aead:
    """The bare AEAD speed of one boot (aead.log): rate[(alg, size, dir,
    cpus)] = (bytes/s, requests/s, driver), and a cost model per request
    t = a + b * bytes from the two sizes on one CPU."""

    def __init__(self, path):
        self.rate, self.drivers = {}, {}
        pat = re.compile(r"alg (\S+) driver (\S+) size (\d+) dir (\w+) cpus (\d+) "
                         r"ops (\d+) ns (\d+) bytes_per_s (\d+) min_cpu_bytes_per_s (\d+)")
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    m = pat.search(line)
                    if not m:
                        continue
                    alg, drv, size, d, cpus = m[1], m[2], int(m[3]), m[4], int(m[5])
                    bps = int(m[8])
                    self.rate[(alg, size, d, cpus)] = (bps, bps / size, int(m[9]))
                    self.drivers[alg] = drv

    def sizes(self, alg):
        return sorted({k[1] for k in self.rate if k[0] == alg})

    def cpus(self, alg):
        return sorted({k[3] for k in self.rate if k[0] == alg})

    def model(self, alg, d):
        """(a, b): seconds per request and per byte, on one CPU."""
        s = self.sizes(alg)
        if len(s) < 2 or (alg, s[0], d, 1) not in self.rate or (alg, s[-1], d, 1) not in self.rate:
            return None
        t1 = 1 / self.rate[(alg, s[0], d, 1)][1]
        t2 = 1 / self.rate[(alg, s[-1], d, 1)][1]
        b = (t2 - t1) / (s[-1] - s[0])
        return (t1 - b * s[0], b)

    def seconds(self, alg, packets, nbytes):
        """CPU seconds of the bare AEAD for PACKETS inner packets of NBYTES
        in all, each encrypted once and decrypted once."""
        me, md = self.model(alg, "enc"), self.model(alg, "dec")
        if not me or not md:
            return None
        cryptlen = nbytes + TRAILER * packets
        return packets * (me[0] + md[0]) + cryptlen * (me[1] + md[1])


class Boot:
    """One VM boot's measurements."""

    def __init__(self, d, hz):
        self.dir, self.hz = d, hz
        self.env = read_kv(os.path.join(d, "env"))
        self.accel = read_kv(os.path.join(d, "accel"))
        self.aead = Aead(os.path.join(d, "aead.log"))
        self.ncpu = int(self.env.get("cpus", "1"))
        self.runs = {}     # (round, row, test) -> dict
        raw = os.path.join(d, "raw")
        if os.path.isdir(raw):
            for name in sorted(os.listdir(raw)):
                # profile-ROW-TEST: --profile's windows (tests/bench/profile.py)
                if not name.endswith(".snap") or name.startswith("profile-"):
                    continue
                base = name[:-5]
                rnd, rest = base.split("-", 1)
                if rnd.startswith("sa"):
                    # sa1-1-espvti-esp-udp: the memory step's runs
                    n, rest = rest.split("-", 1)
                    rnd = f"{rnd}-{n}"
                row, test = rest.rsplit("-", 1)
                self.runs[(rnd, row, test)] = self.run(os.path.join(raw, base), row, test)

    def run(self, base, row, test):
        r = {"value": None, "busy": None, "retrans": None, "replay": None,
             "share": None, "lost": None, "error": None}
        try:
            with open(base + ".json", encoding="utf-8", errors="replace") as f:
                j = json.load(f)
            if "error" in j:
                r["error"] = j["error"]
            elif test == "tcp":
                r["value"] = j["end"]["sum_received"]["bits_per_second"] / 1e6
            else:
                s = j["end"]["sum"]
                r["value"] = (s["packets"] - s["lost_packets"]) / s["seconds"]
                r["lost"] = s["lost_packets"] / s["packets"] if s["packets"] else None
        except (OSError, ValueError, KeyError, ZeroDivisionError) as e:
            r["error"] = f"iperf3: {e}"
        try:
            snaps = parse_snap(base + ".snap")
        except OSError:
            return r
        pre, w0, w1, post = (snaps.get(p) for p in ("pre", "w0", "w1", "post"))
        if w0 and w1 and "time" in w0 and "time" in w1:
            secs = w1["time"] - w0["time"]
            busy = []
            for cpu in sorted(w0["cpus"], key=lambda c: int(c[3:])):
                a, b = w0["cpus"][cpu], w1["cpus"].get(cpu)
                if not b:
                    continue
                # user nice system idle iowait irq softirq (not steal)
                d = [y - x for x, y in zip(a, b)]
                busy.append((sum(d[:7]) - d[3] - d[4]) / self.hz / secs if secs > 0 else None)
            r["busy"] = busy
            r["window"] = secs
            dev = {"xfrm": "xfrm0", "espvti": "vti0", "wg": "wg0"}.get(row.split("-")[0], "veth0")
            alg = ALG.get(row)
            if alg and secs > 0:
                pk = by = 0
                for side in "AB":
                    x, y = w0["dev"].get((side, dev)), w1["dev"].get((side, dev))
                    if x and y:
                        by += y[8] - x[8]      # tx bytes
                        pk += y[9] - x[9]      # tx packets
                aead_s = self.aead.seconds(alg, pk, by)
                busy_s = sum(b for b in busy if b is not None) * secs
                if aead_s is not None and busy_s > 0:
                    r["share"] = aead_s / busy_s
        if pre and post:
            if "A" in pre["retrans"] and "A" in post["retrans"]:
                r["retrans"] = post["retrans"]["A"] - pre["retrans"]["A"]
            if row.startswith("espvti") and pre["stats"] and post["stats"]:
                r["replay"] = sum(post["stats"][s].get(k, 0) - pre["stats"][s].get(k, 0)
                                  for s in "AB" if s in pre["stats"] and s in post["stats"]
                                  for k in ("rx_replay", "rx_outside_window"))
            elif row.startswith("xfrm") and pre["xfrm"] and post["xfrm"]:
                r["replay"] = sum(post["xfrm"][s].get("XfrmInStateSeqError", 0) -
                                  pre["xfrm"][s].get("XfrmInStateSeqError", 0)
                                  for s in "AB" if s in pre["xfrm"] and s in post["xfrm"])
        return r

    def rounds(self):
        return sorted({k[0] for k in self.runs if k[0].isdigit()}, key=int)

    def rows(self):
        have = {k[1] for k in self.runs if k[0].isdigit()}
        return [r for r in ROWS if r in have]

    def series(self, row, test, key="value"):
        return [self.runs[(rnd, row, test)][key] for rnd in self.rounds()
                if (rnd, row, test) in self.runs]

    def busy_median(self, row, test):
        b = [x for x in self.series(row, test, "busy") if x]
        if not b:
            return None
        return [median([x[i] for x in b if i < len(x)]) for i in range(max(map(len, b)))]


def host_load(host):
    """Lines on the host's load, and whether it was busy."""
    cpus = int(host.get("host_cpus", "1"))
    hz = int(host.get("hz", "100"))
    lines, why = [], []
    before = host.get("loadavg_before", "").split()
    after = host.get("loadavg_after", "").split()
    if before:
        lines.append(f"host load (1, 5, 15 min) before: {' '.join(before[:3])}; "
                     f"after: {' '.join(after[:3])} (after counts the bench's own QEMU)")
        if float(before[0]) > LOAD_PER_CORE * cpus:
            why.append(f"load {before[0]} before the run")
    return lines, why, cpus, hz


def boots_load(path, cpus, hz):
    """From host's "idle_before" and "boot" lines: the CPU other processes
    took (the host's busy time less the bench's own children's, QEMU
    among them) and the steal, before the first boot and during each;
    each boot's wall time; and the reasons to call the host busy."""
    lines, why = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            f2 = line.split()
            if not f2 or f2[0] not in ("boot", "idle_before"):
                continue
            name = f2.pop(1) if f2[0] == "boot" else "before"
            t0, t1 = float(f2[1]), float(f2[2])
            b0, s0, o0, b1, s1, o1 = (int(x) for x in f2[3:9])
            wall = t1 - t0
            cap = wall * hz * cpus
            others = max(0, (b1 - b0) - (o1 - o0)) / cap if cap else 0
            steal = (s1 - s0) / cap if cap else 0
            busy = others > OTHERS_SHARE
            what = "the 3 s before the first boot" if name == "before" else f"boot {name}"
            if busy:
                why.append(f"others took {100 * others:.0f}% of the CPUs in {what}")
            lines.append(f"{what}: other processes took {100 * others:.0f}% of the host's "
                         f"{cpus} CPUs, steal {100 * steal:.0f}%"
                         + ("" if name == "before" else
                            f"; {wall / 60:.1f} min, exit {f2[-1]}")
                         + ("  <- BUSY" if busy else ""))
    return lines, why


def phases(d):
    """The guest's phases and their lengths, from its progress file."""
    p = os.path.join(d, "progress")
    if not os.path.exists(p):
        return ""
    marks = []
    with open(p, encoding="utf-8") as f:
        for line in f:
            t, _, what = line.rstrip("\n").partition(" ")
            if ": " in what and not what.startswith("memory:"):
                continue
            marks.append((float(t), what))
    out, rounds = [], 0.0
    for (t, what), (t2, _) in zip(marks, marks[1:]):
        if what.startswith("round"):
            rounds += t2 - t
            continue
        if what.startswith("memory:"):
            continue
        out.append(f"{what} {t2 - t:.0f} s")
    if rounds:
        out.append(f"rounds {rounds:.0f} s")
    return ", ".join(out)


def crypto_drivers(d):
    """The AEAD drivers in /proc/crypto once the tunnels were up: those of
    the transforms the rows use, with their priority and refcnt."""
    p = os.path.join(d, "crypto")
    if not os.path.exists(p):
        return []
    entries, cur = [], {}
    with open(p, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.strip() == "--":
                continue
            k, _, v = line.partition(":")
            k, v = k.strip(), v.strip()
            if k == "name":
                cur = {"name": v}
                entries.append(cur)
            elif cur is not None:
                cur[k] = v
    want = ("rfc4106(gcm(aes))", "gcm(aes)", "rfc7539esp(chacha20,poly1305)",
            "seqiv(rfc4106(gcm(aes)))", "seqiv(rfc7539esp(chacha20,poly1305))",
            "chacha20", "poly1305")
    out = []
    for e in entries:
        if e["name"] in want:
            out.append(f"  {e['name']:<38} {e.get('driver', '?'):<44} "
                       f"prio {e.get('priority', '?'):>4} refcnt {e.get('refcnt', '?')}")
    return out


def main(argv):
    if len(argv) != 1:
        raise SystemExit(__doc__)
    out = argv[0]
    host = read_kv(os.path.join(out, "host"))
    load_lines, busy, hcpus, hz = host_load(host)
    bl, why = boots_load(os.path.join(out, "host"), hcpus, hz)
    busy += why
    boots = {n: Boot(os.path.join(out, n), hz) for n in ("smp2", "smp1")
             if os.path.isdir(os.path.join(out, n))}
    if not boots or not any(b.rounds() for b in boots.values()):
        print("bench: no measurements", file=sys.stderr)
        return 1
    b2 = boots.get("smp2") or next(iter(boots.values()))
    p = print

    p("# espvti bench (tests/bench.sh; Documentation/performance.rst)")
    p(f"# {host.get('date', '?')}, {host.get('commit', '?')}, "
      f"{host.get('options', '')}")
    p(f"# host: {host.get('host_model', '?')}, {hcpus} CPUs, kernel "
      f"{host.get('host_kernel', '?')}; {host.get('qemu', '?')}")
    for n, b in boots.items():
        flags = b.env.get("flags", "").split()
        rel = [x for x in ("aes", "pclmulqdq", "vaes", "vpclmulqdq", "avx", "avx2",
                           "avx512f", "sse4_1", "sse4_2", "ssse3", "sha_ni") if x in flags]
        p(f"# {n}: {b.ncpu} vCPU, accelerator {next(iter(b.accel), '?')}, guest "
          f"{b.env.get('kernel', '?')}, CPU {b.env.get('model', '?')}; flags: {' '.join(rel)}")
        if b.env.get("rx"):
            p(f"# {n}: veths receive: {b.env['rx']}")
    for line in load_lines + bl:
        p(f"# {line}")
    wall = host.get("wall", "").split()
    if len(wall) == 2:
        p(f"# whole run: {(float(wall[1]) - float(wall[0])) / 60:.1f} min")
    if busy:
        p(f"# BUSY HOST ({'; '.join(busy)}; the marks: a load above {LOAD_PER_CORE} "
          f"per core, others above {100 * OTHERS_SHARE:.0f}% of the CPUs): other work "
          "ran beside the VM, the figures are disturbed, the per-round ratios less so")
    for n, b in boots.items():
        ph = phases(b.dir)
        if ph:
            p(f"# {n} phases: {ph}")
    p("")

    for n, b in boots.items():
        rounds = b.rounds()
        p(f"== {n}: {b.ncpu} vCPU, {len(rounds)} rounds of {b.env.get('secs', '?')} s, "
          "median [min-max]; vCPU busy % in the window; AEAD: its share of the busy time")
        cpus_h = "/".join(f"cpu{i}" for i in range(b.ncpu))
        p(f"{'TCP, one flow':<15} {'Mbit/s':>9} {'[min-max]':>15} {cpus_h + ' %':>11} "
          f"{'retrans':>8} {'replay':>7} {'AEAD':>5}")
        for row in b.rows():
            v = b.series(row, "tcp")
            good = [x for x in v if x is not None]
            bm = b.busy_median(row, "tcp")
            rt = median(b.series(row, "tcp", "retrans"))
            rp = b.series(row, "tcp", "replay")
            rp = sum(x for x in rp if x is not None) if any(x is not None for x in rp) else None
            p(f"{row:<15} {fmt(median(v), 1):>9} "
              f"{'[' + fmt(min(good, default=None), 0) + '-' + fmt(max(good, default=None), 0) + ']':>15} "
              f"{'/'.join(fmt(100 * x if x is not None else None) for x in bm) if bm else '-':>11} "
              f"{fmt(rt):>8} {fmt(rp):>7} {pct(median(b.series(row, 'tcp', 'share'))):>5}")
        p(f"{'UDP, 64 B':<15} {'pkt/s':>9} {'[min-max]':>15} {cpus_h + ' %':>11} "
          f"{'lost':>8} {'replay':>7} {'AEAD':>5}")
        for row in b.rows():
            v = b.series(row, "udp")
            good = [x for x in v if x is not None]
            bm = b.busy_median(row, "udp")
            rp = b.series(row, "udp", "replay")
            rp = sum(x for x in rp if x is not None) if any(x is not None for x in rp) else None
            p(f"{row:<15} {fmt(median(v)):>9} "
              f"{'[' + fmt(min(good, default=None)) + '-' + fmt(max(good, default=None)) + ']':>15} "
              f"{'/'.join(fmt(100 * x if x is not None else None) for x in bm) if bm else '-':>11} "
              f"{pct(median(b.series(row, 'udp', 'lost'))):>8} {fmt(rp):>7} "
              f"{pct(median(b.series(row, 'udp', 'share'))):>5}")
        errs = sorted({r["error"] for r in b.runs.values() if r["error"]})
        for e in errs[:5]:
            p(f"  (a run failed: {e})")
        p(f"{'ratio (per round)':<30} {'TCP median':>10} {'smallest':>9} "
          f"{'UDP median':>11} {'smallest':>9}")
        for num, den, what in PAIRS:
            if num not in b.rows() or den not in b.rows():
                continue
            cells = []
            for test in ("tcp", "udp"):
                rs = []
                for rnd in rounds:
                    x = b.runs.get((rnd, num, test), {}).get("value")
                    y = b.runs.get((rnd, den, test), {}).get("value")
                    if x is not None and y:
                        rs.append(x / y)
                cells += [fmt(median(rs), 2), fmt(min(rs, default=None), 2)]
            p(f"{what:<30} {cells[0]:>10} {cells[1]:>9} {cells[2]:>11} {cells[3]:>9}")
        p("")

    if "smp1" in boots and "smp2" in boots:
        b1 = boots["smp1"]
        p("== serial efficiency: one vCPU against two (medians); speedup = 2 vCPU / 1 vCPU;")
        p("   per CPU = (figure / busy vCPUs) at 2 vCPUs over the same at 1 (1.00: no SMP overhead)")
        p(f"{'row':<15} {'TCP 1':>8} {'TCP 2':>8} {'speedup':>8} {'per CPU':>8} "
          f"{'UDP 1':>8} {'UDP 2':>8} {'speedup':>8} {'per CPU':>8}")
        for row in b2.rows():
            if row not in b1.rows():
                continue
            cells = []
            for test in ("tcp", "udp"):
                v1, v2 = median(b1.series(row, test)), median(b2.series(row, test))
                u1, u2 = b1.busy_median(row, test), b2.busy_median(row, test)
                sp = v2 / v1 if v1 and v2 else None
                pc = None
                if sp and u1 and u2 and sum(u2) and sum(u1):
                    pc = (v2 / sum(u2)) / (v1 / sum(u1))
                cells += [fmt(v1, 0 if test == "udp" else 1), fmt(v2, 0 if test == "udp" else 1),
                          fmt(sp, 2), fmt(pc, 2)]
            p(f"{row:<15} " + " ".join(f"{c:>8}" for c in cells))
        p("")

    p("== the physical limit: bare AEAD (tests/bench/espvti_aeadbench.c), ESP's request shape,")
    p("   MB/s (10^6 bytes) of data encrypted; all = every vCPU at once, one thread each")
    for n, b in boots.items():
        for alg in (GCM, CHACHA):
            if not b.aead.sizes(alg):
                continue
            top = max(b.aead.cpus(alg))
            p(f"{n}: {alg} ({b.aead.drivers.get(alg, '?')})")
            p(f"  {'bytes':>6} {'enc 1 CPU':>10} {'dec 1 CPU':>10}"
              + (f" {'enc ' + str(top) + ' CPUs':>11} {'dec ' + str(top) + ' CPUs':>11} "
                 f"{'slowest CPU':>11}" if top > 1 else ""))
            for size in b.aead.sizes(alg):
                def mb(d, c):
                    x = b.aead.rate.get((alg, size, d, c))
                    return fmt(x[0] / 1e6, 1) if x else "-"
                line = f"  {size:>6} {mb('enc', 1):>10} {mb('dec', 1):>10}"
                if top > 1:
                    mins = [b.aead.rate.get((alg, size, d, top)) for d in ("enc", "dec")]
                    slow = min((x[2] for x in mins if x), default=None)
                    line += (f" {mb('enc', top):>11} {mb('dec', top):>11} "
                             f"{fmt(slow / 1e6 if slow else None, 1):>11}")
                p(line)
            # The ceiling: every byte encrypted and decrypted in this guest.
            sizes = b.aead.sizes(alg)
            e = b.aead.rate.get((alg, sizes[-1], "enc", top))
            d = b.aead.rate.get((alg, sizes[-1], "dec", top))
            e0 = b.aead.rate.get((alg, sizes[0], "enc", top))
            d0 = b.aead.rate.get((alg, sizes[0], "dec", top))
            if e and d and e0 and d0:
                p(f"  ceiling with {top} vCPU doing nothing but AEAD, both ends in this guest: "
                  f"{8 / (1 / e[0] + 1 / d[0]) / 1e6:,.0f} Mbit/s of {sizes[-1]}-byte packets, "
                  f"{1 / (1 / e0[1] + 1 / d0[1]):,.0f} packets/s of {sizes[0]} bytes")
    dr = crypto_drivers(b2.dir)
    if dr:
        p("AEAD drivers in /proc/crypto with the tunnels up (smp2):")
        for line in dr:
            p(line)
    p("")

    mem = os.path.join(b2.dir, "mem")
    if os.path.exists(mem):
        steps, slabs, floods, cur = {}, {}, {}, None
        with open(mem, encoding="utf-8", errors="replace") as f:
            for line in f:
                f2 = line.split()
                if not f2:
                    continue
                if f2[0] == "begin":
                    cur = f2[1]
                    steps[cur], slabs[cur] = {}, {}
                elif f2[0].startswith("flood") and "added" in line:
                    floods[f2[0][5:]] = f"{float(f2[-2]):.1f} s"
                elif f2[0].startswith("flood"):
                    floods[f2[0][5:]] = "failed: " + line.split(" ", 1)[1].strip()
                elif cur and f2[0] == "slab" and len(f2) == 4:
                    slabs[cur][f2[1]] = (int(f2[2]), int(f2[3]))
                elif cur and f2[0].endswith(":") and len(f2) >= 2:
                    steps[cur][f2[0][:-1]] = int(f2[1])
        p("== memory per inbound SA on one espvti interface (Slab + Percpu, caches dropped)")
        p(f"{'SAs':>8} {'added in':>9} {'Slab kB':>9} {'Percpu kB':>10} {'bytes/SA':>9}")
        base = steps.get("base", {})
        last = None
        for n in (k for k in steps if k != "base"):
            s = steps[n]
            ds = s.get("Slab", 0) - base.get("Slab", 0)
            dp = s.get("Percpu", 0) - base.get("Percpu", 0)
            per = (ds + dp) * 1024 / int(n) if n.isdigit() and int(n) else None
            p(f"{int(n):>8,} {floods.get(n, '?'):>9} {ds:>+9,} {dp:>+10,} {fmt(per):>9}")
            last = n
        if last and "base" in slabs:
            grow = []
            for name, (act, size) in slabs[last].items():
                a0 = slabs["base"].get(name, (0, size))[0]
                grow.append(((act - a0) * size, name, act - a0, size))
            grow.sort(reverse=True)
            p("  grew most (objects x size): " + ", ".join(
                f"{name} +{n:,} x {size} B" for _, name, n, size in grow[:5] if n > 0))
        # sa1-R and saN-R: round R with 1 SA and with N
        sa1 = {k[0].split("-")[1]: b2.runs[k]["value"] for k in b2.runs
               if k[0].startswith("sa1-")}
        san = {k[0].split("-")[1]: b2.runs[k]["value"] for k in b2.runs
               if k[0].startswith("sa") and not k[0].startswith("sa1-")}
        if sa1 and san and last:
            m1, mn = median(list(sa1.values())), median(list(san.values()))
            ratios = [san[r] / sa1[r] for r in sa1 if sa1[r] and san.get(r)]
            p(f"  64-byte UDP through espvti-esp: {fmt(m1)} pkt/s with 1 inbound SA, "
              f"{fmt(mn)} with {int(last) + 1:,} in the namespace; per-round ratio "
              f"median {fmt(median(ratios) if ratios else None, 2)}, smallest "
              f"{fmt(min(ratios) if ratios else None, 2)} ({len(ratios)} rounds, "
              "alternately N 1 and 1 N)")
        p("")

    perf = os.path.join(b2.dir, "perf.txt")
    if os.path.exists(perf):
        syms, idle, other = [], 0.0, []
        with open(perf, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.match(r"^\s+([0-9.]+)%\s+\[.\]\s+(\S+)", line)
                if m:
                    if m[2] in IDLE:
                        idle += float(m[1])
                    else:
                        syms.append((float(m[1]), m[2]))
                elif "does not" in line:
                    other.append(line.strip())
        p("== perf: the whole guest (cpu-clock) during one espvti-esp TCP run; "
          f"idle {idle:.0f}% of the samples; the busy samples by symbol:")
        for x, name in syms[:20]:
            p(f"  {100 * x / (100 - idle) if idle < 100 else 0:5.1f}%  {name}")
        for line in other:
            p(f"  {line}")
        p("")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
