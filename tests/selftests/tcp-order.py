#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the TCP flows carried by ESP were reordered, from captures.

    tcp-order.py --keys FILE SENT ARRIVED [DELIVERED]

SENT and ARRIVED: pcap files of the same ESP (AES-GCM, raw or in UDP
4500) where it left the sender's veth and where it reached the
receiver's; DELIVERED: the receiver's tunnel device (the inner packets
it handed to the stack, after GRO). FILE: one "SPI KEY" line for each SA
(hex, the key with its 4-byte salt, as `espvti sa add` takes it). Only
the first bytes of each packet are needed (160 is plenty): AES-GCM is
AES-CTR, so the inner IP and TCP headers decrypt without the rest and
without checking the ICV.

For each capture and each TCP flow inside: the data segments that
bring bytes not seen before and start behind the highest byte already
seen, which the receiving TCP takes for a hole (its out-of-order queue;
enough of them and the sender retransmits). Retransmissions (bytes seen
before) are not counted. So a flow in order where it was SENT and out of
order where it ARRIVED was reordered between the two veths, and one in
order where it ARRIVED and out of order where DELIVERED by the tunnel.
Used by load.sh's rekey_under_load with LD_CAPTURE set.
"""
import argparse
import bisect
import socket
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from esp import pcap_frames  # beside this file


def ipv4_of(linktype, frame):
    """The IPv4 packet in a frame (Ethernet, cooked or raw), else None."""
    if linktype == 1:
        ip, etype = frame[14:], frame[12:14]
    elif linktype == 113:
        ip, etype = frame[16:], frame[14:16]
    elif linktype in (12, 101, 228):
        ip, etype = frame, b"\x08\x00"
    else:
        raise SystemExit("link type %d" % linktype)
    if etype != b"\x08\x00" or len(ip) < 20 or ip[0] >> 4 != 4:
        return None
    return ip


def tcp_of(ip):
    """(flow, seq, data length) of an IPv4 TCP packet, else None."""
    if ip is None or len(ip) < 40 or ip[0] >> 4 != 4 or ip[9] != 6:
        return None
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    sport, dport, seq = struct.unpack("!HHI", ip[ihl:ihl + 8])
    doff = (ip[ihl + 12] >> 4) * 4
    flow = "%s:%d > %s:%d" % (socket.inet_ntoa(ip[12:16]), sport,
                              socket.inet_ntoa(ip[16:20]), dport)
    return flow, seq, tot - ihl - doff


def inner_of(ip, keys):
    """The first bytes of the inner packet of an ESP packet, else None."""
    if ip is None:
        return None
    ihl = (ip[0] & 15) * 4
    esp = ip[ihl:]
    if ip[9] == 17 and len(esp) > 16 and esp[2:4] == b"\x11\x94":
        esp = esp[8:]			# ESP in UDP 4500
    elif ip[9] != 50:
        return None
    if len(esp) < 16 or esp[:4] == b"\0\0\0\0":
        return None
    spi = struct.unpack("!I", esp[:4])[0]
    key = keys.get(spi)
    if key is None:
        return None
    nonce = key[-4:] + esp[8:16]	# salt, explicit IV; counter 2 onwards
    dec = Cipher(algorithms.AES(key[:-4]), modes.CTR(nonce + b"\0\0\0\2"))
    return dec.decryptor().update(esp[16:])


class Flow:
    """The bytes of one flow seen so far (unwrapped sequence numbers)."""

    def __init__(self, seq):
        self.base = seq
        self.last = 0
        self.starts = []		# covered [start, end) intervals, sorted
        self.ends = []
        self.high = 0

    def unwrap(self, seq):
        d = (seq - self.base - self.last) & 0xffffffff
        if d >= 0x80000000:
            d -= 0x100000000
        self.last += d
        return self.last

    def add(self, seq, length):
        """True when [seq, seq + length) brings bytes not seen before and
        starts behind the highest byte seen."""
        start = self.unwrap(seq)
        end = start + length
        i = bisect.bisect_right(self.starts, start) - 1
        covered = i >= 0 and self.ends[i] >= end
        behind = not covered and start < self.high
        if not covered:
            lo, hi = start, end
            j = max(i, 0)
            while j < len(self.starts) and self.starts[j] <= hi:
                if self.ends[j] >= lo:
                    lo, hi = min(lo, self.starts[j]), max(hi, self.ends[j])
                    del self.starts[j]
                    del self.ends[j]
                else:
                    j += 1
            k = bisect.bisect_left(self.starts, lo)
            self.starts.insert(k, lo)
            self.ends.insert(k, hi)
            self.high = max(self.high, end)
        return behind


def count(segments):
    """{flow: [data segments, out of order]} of (flow, seq, len) in order."""
    flows, out = {}, {}
    for flow, seq, length in segments:
        if length <= 0:
            continue
        if flow not in flows:
            flows[flow] = Flow(seq)
            out[flow] = [0, 0]
        out[flow][0] += 1
        if flows[flow].add(seq, length):
            out[flow][1] += 1
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--keys", required=True)
    p.add_argument("sent")
    p.add_argument("arrived")
    p.add_argument("delivered", nargs="?")
    a = p.parse_args()
    keys = {}
    with open(a.keys, encoding="ascii") as f:
        for line in f:
            if line.strip():
                spi, key = line.split()
                keys[int(spi, 16)] = bytes.fromhex(key.removeprefix("0x"))
    caps = [("sent", a.sent, True), ("arrived", a.arrived, True)]
    if a.delivered:
        caps.append(("delivered", a.delivered, False))
    total = {}
    for name, path, esp in caps:
        segs = []
        for linktype, frame in pcap_frames(path):
            ip = ipv4_of(linktype, frame)
            t = tcp_of(inner_of(ip, keys) if esp else ip)
            if t:
                segs.append(t)
        total[name] = count(segs)
    for flow in sorted({f for c in total.values() for f in c}):
        print("# %s: %s" % (flow, ", ".join(
            "%s %d of %d out of order" % (name, total[name].get(flow, [0, 0])[1],
                                          total[name].get(flow, [0, 0])[0])
            for name, _, _ in caps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
