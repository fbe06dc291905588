#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one raw espvti generic netlink request and print the answer.

    genl.py CMD [ATTR=VALUE...]

CMD is a command number or name (dev_get); ATTR is an attribute name
(ifindex, ifname, id, mtu, ...) or number, VALUE is typed by the attribute
("u32:5", "u16:5", "str:vti0", "bytes:vti0" with no NUL) or, for known
attributes, plain. Prints "error ERRNO: MESSAGE" and exits 1 on an error
reply, else "ok" and one "NAME=VALUE" line per reply attribute. This lets
the selftests send requests the espvti tool never would.
"""
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, GENL_ID_CTRL = 2, 16
CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 3, 1, 2
NLMSGERR_ATTR_MSG = 1

CMDS = {"dev_get": 1}
ATTRS = {"ifindex": (1, "u32"), "ifname": (2, "str"), "id": (3, "u32"),
         "mtu": (4, "u32"), "oper_up": (5, "u8"), "carrier": (6, "u8")}
NAMES = {num: (name, kind) for name, (num, kind) in ATTRS.items()}


def attr(num, payload):
    hdr = struct.pack("=HH", 4 + len(payload), num)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def encode(kind, value):
    if kind == "u32":
        return struct.pack("=I", int(value, 0))
    if kind == "u16":
        return struct.pack("=H", int(value, 0))
    if kind == "u8":
        return struct.pack("=B", int(value, 0))
    if kind == "str":
        return value.encode() + b"\0"
    if kind == "bytes":
        return value.encode()
    raise SystemExit(f"unknown type {kind}")


def attrs(buf):
    while len(buf) >= 4:
        length, num = struct.unpack_from("=HH", buf)
        if length < 4:
            break
        yield num & 0x3fff, buf[4:length]
        buf = buf[(length + 3) & ~3:]


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 0

    def request(self, family, cmd, payload, version=1):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + payload
        msg = struct.pack("=IHHII", 16 + len(body), family,
                          NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + body
        self.sock.send(msg)
        replies = []
        while True:
            data = self.sock.recv(65536)
            while data:
                length, typ, flags, _seq, _pid = struct.unpack_from("=IHHII", data)
                body, data = data[16:length], data[(length + 3) & ~3:]
                if typ != NLMSG_ERROR:
                    replies.append(body[4:])
                    continue
                err = -struct.unpack_from("=i", body)[0]
                extack = ""
                if flags & NLM_F_ACK_TLVS:
                    olen = 16 if flags & NLM_F_CAPPED else struct.unpack_from("=I", body, 4)[0]
                    for num, val in attrs(body[4 + ((olen + 3) & ~3):]):
                        if num == NLMSGERR_ATTR_MSG:
                            extack = val.rstrip(b"\0").decode()
                return err, extack, replies

    def family(self, name):
        err, extack, replies = self.request(
            GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
            attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        if err:
            raise SystemExit(f"family {name}: {os.strerror(err)} {extack}")
        for num, val in attrs(replies[0]):
            if num == CTRL_ATTR_FAMILY_ID:
                return struct.unpack("=H", val[:2])[0]
        raise SystemExit("no family id")


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    cmd = CMDS.get(argv[0]) or int(argv[0], 0)
    payload = b""
    for arg in argv[1:]:
        name, _, value = arg.partition("=")
        num, kind = ATTRS.get(name, (None, None))
        if num is None:
            num = int(name, 0)
        if ":" in value and value.split(":", 1)[0] in ("u32", "u16", "u8", "str", "bytes"):
            kind, value = value.split(":", 1)
        payload += attr(num, encode(kind or "u32", value))
    genl = Genl()
    err, extack, replies = genl.request(genl.family("espvti"), cmd, payload)
    if err:
        print(f"error {err}: {extack}")
        return 1
    print("ok")
    for reply in replies:
        for num, val in attrs(reply):
            name, kind = NAMES.get(num, (str(num), "bytes"))
            if kind == "str":
                text = val.rstrip(b"\0").decode()
                print(f"{name}={text}")
            elif kind in ("u32", "u8") and len(val) in (1, 4):
                print(f"{name}={int.from_bytes(val, sys.byteorder)}")
            else:
                print(f"{name}={val.hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
