#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Add many inbound SAs to an espvti interface, fast.

    sa-flood.py DEV COUNT [FIRST_SPI]

Adds COUNT inbound AES-GCM-128 SAs (ICV 16, replay window 64, all with
the same key) to the espvti interface DEV of this network namespace, SPIs
FIRST_SPI (default 0x10000000) upwards: one generic netlink socket, 500
requests per send() without asking for acknowledgements (the kernel
handles a send's requests before send() returns and answers only the
refused ones), then one request with an acknowledgement to collect any
refusal. Prints "added N SAs in S s"; exits 1 at the first refusal,
naming it. For tests/bench.sh's memory per SA: one `espvti sa add`
process per SA would take an hour in an emulated guest, and `espvti
setconf` checks each [SA] of its file against all before it.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "selftests"))
from genl import (Genl, attr, attrs, NLM_F_REQUEST, NLM_F_ACK, NLMSG_ERROR,  # noqa: E402
                  NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSGERR_ATTR_MSG)

SO_SNDBUFFORCE, SO_RCVBUFFORCE = 32, 33
CMD_DEV_GET, CMD_SA_ADD = 1, 3
A_IFNAME, A_SA = 2, 11
SA_DIR, SA_SPI, SA_ALG, SA_KEY, SA_ICV, SA_WINDOW = 1, 2, 3, 4, 6, 8
DIR_IN, ALG_AES_GCM = 1, 1
BATCH = 500


def errors(data, want_seq=None):
    """The refusals in DATA ((sequence number, why) of each NLMSG_ERROR
    with an error), and whether the acknowledgement of WANT_SEQ was among
    the messages."""
    found, acked = [], False
    while len(data) >= 16:
        length, typ, flags, seq, _pid = struct.unpack_from("=IHHII", data)
        body, data = data[16:length], data[(length + 3) & ~3:]
        if typ != NLMSG_ERROR:
            continue
        err = -struct.unpack_from("=i", body)[0]
        if seq == want_seq:
            acked = True
        if not err:
            continue
        msg = ""
        if flags & NLM_F_ACK_TLVS:
            olen = 16 if flags & NLM_F_CAPPED else struct.unpack_from("=I", body, 4)[0]
            for num, val in attrs(body[4 + ((olen + 3) & ~3):]):
                if num == NLMSGERR_ATTR_MSG:
                    msg = val.rstrip(b"\0").decode()
        found.append((seq, f"{os.strerror(err)}{': ' + msg if msg else ''}"))
    return found, acked


def main(argv):
    if len(argv) not in (2, 3):
        raise SystemExit(__doc__)
    dev, count = argv[0], int(argv[1], 0)
    first = int(argv[2], 0) if len(argv) == 3 else 0x10000000
    genl = Genl()
    family = genl.family("espvti")
    sock = genl.sock
    sock.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20)
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
    ifname = attr(A_IFNAME, dev.encode() + b"\0")
    fixed = (attr(SA_DIR, struct.pack("=B", DIR_IN)) +
             attr(SA_ALG, struct.pack("=B", ALG_AES_GCM)) +
             attr(SA_KEY, bytes(range(20))) +
             attr(SA_ICV, struct.pack("=B", 16)) +
             attr(SA_WINDOW, struct.pack("=I", 64)))
    start = time.monotonic()
    batch = []
    for i in range(count):
        sa = attr(0x8000 | A_SA, attr(SA_SPI, struct.pack("=I", first + i)) + fixed)
        body = struct.pack("=BBH", CMD_SA_ADD, 1, 0) + ifname + sa
        batch.append(struct.pack("=IHHII", 16 + len(body), family, NLM_F_REQUEST,
                                 i + 1, 0) + body)
        if len(batch) == BATCH or i == count - 1:
            sock.send(b"".join(batch))
            batch = []
            try:
                found, _ = errors(sock.recv(1 << 20, socket.MSG_DONTWAIT))
            except BlockingIOError:
                found = []
            if found:
                print(f"SA spi 0x{first + found[0][0] - 1:x} refused: {found[0][1]}")
                return 1
    # The last word: a request that is acknowledged, after every other answer.
    seq = count + 1
    body = struct.pack("=BBH", CMD_DEV_GET, 1, 0) + ifname
    sock.send(struct.pack("=IHHII", 16 + len(body), family,
                          NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body)
    acked = False
    while not acked:
        found, acked = errors(sock.recv(1 << 20), seq)
        if found:
            print(f"SA spi 0x{first + found[0][0] - 1:x} refused: {found[0][1]}")
            return 1
    print(f"added {count} SAs in {time.monotonic() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
