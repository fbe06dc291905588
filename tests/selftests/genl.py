#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one raw espvti generic netlink request and print the answer.

    genl.py [--dump] CMD [ATTR=VALUE...]
    genl.py --refused IFNAME CMD [ATTR=VALUE...]
    genl.py --batch < REQUESTS
    genl.py --listen SECONDS

CMD is a command number or name (dev_get, sa_add, ...); ATTR is an
attribute name or number, dotted for nests (sa.spi, sa.hard.packets,
sel.src); VALUE is typed by the attribute or explicitly ("u64:5", "u32:5",
"u16:5", "u8:5", "str:vti0", "bytes:vti0" with no NUL, "hex:c0000201").
Prints "error ERRNO: MESSAGE" and exits 1 on an error reply, else "ok" and
one "PATH=VALUE" line per reply attribute. This lets the selftests send
requests the espvti tool never would. --refused: the request must be
refused with a message, and IFNAME's SAs, selectors and parameters (as
the kernel reports them) must be the same after it as before. --batch:
each line of stdin holds the arguments of one such call; each is answered
as that call would be, then a line "-- exit N" with its exit status (one
process for many requests: a python start is slow in an emulated guest).
--listen: join the "events" multicast group, print "joined" (or "error
ERRNO: join"), then "event CMD" for each message that arrives within
SECONDS.
"""
import os
import shlex
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_DONE = 3
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, GENL_ID_CTRL = 2, 16
CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 3, 1, 2
NLMSGERR_ATTR_MSG = 1

CMDS = {"dev_get": 1, "dev_set": 2, "sa_add": 3, "sa_del": 4, "sa_get": 5,
        "sa_flush": 6, "sel_add": 7, "sel_del": 8, "sel_get": 9, "sel_flush": 10,
        "sa_set": 11, "stats_get": 12, "stats_reset": 13, "spi_alloc": 14,
        "events_subscribe": 21}
CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 7, 1, 2
NETLINK_ADD_MEMBERSHIP = 1
# name: (number, type, nested set)
ATTRS = {"ifindex": (1, "u32"), "ifname": (2, "str"), "id": (3, "u32"),
         "mtu": (4, "u32"), "oper_up": (5, "u8"), "carrier": (6, "u8"),
         "local": (7, "hex"), "remote": (8, "hex"), "link_netnsid": (9, "u32"),
         "stats": (10, "nest"), "sa": (11, "nest"), "sel": (12, "nest"),
         "spi_min": (13, "u32"), "spi_max": (14, "u32"), "reason": (15, "u8"),
         "expire": (16, "u8"), "flow": (17, "nest"), "diag": (28, "nest")}
SA_ATTRS = {"dir": (1, "u8"), "spi": (2, "u32"), "alg": (3, "u8"), "key": (4, "hex"),
            "auth_key": (5, "hex"), "icv_len": (6, "u8"), "esn": (7, "u8"),
            "replay_window": (8, "u32"), "seq": (9, "u64"), "current": (10, "u8"),
            "stats": (11, "nest"), "soft": (12, "nest"), "hard": (13, "nest"),
            "age": (14, "u64"), "use_age": (15, "u64"), "bytes": (16, "u64"),
            "packets": (17, "u64"), "soft_expired": (18, "u8")}
LIFE_ATTRS = {"add_secs": (1, "u64"), "use_secs": (2, "u64"), "bytes": (3, "u64"),
              "packets": (4, "u64")}
SEL_ATTRS = {"family": (1, "u16"), "src": (2, "hex"), "src_prefix": (3, "u8"),
             "dst": (4, "hex"), "dst_prefix": (5, "u8"), "proto": (6, "u8"),
             "sport_min": (7, "u16"), "sport_max": (8, "u16"),
             "dport_min": (9, "u16"), "dport_max": (10, "u16")}
DIAG_ATTRS = {"unknown_spi": (1, "u32"), "replay_behind": (2, "u32"),
              "too_big_mtu": (3, "u32"), "refused": (4, "nest"),
              "refused_dir": (5, "u8"), "event": (6, "nest")}
EVENT_ATTRS = {"type": (1, "u8"), "age_ms": (2, "u64"), "dir": (3, "u8"),
               "spi": (4, "u32"), "reason": (5, "u8")}
NESTS = {"sa": SA_ATTRS, "sel": SEL_ATTRS, "flow": SEL_ATTRS,
         "soft": LIFE_ATTRS, "hard": LIFE_ATTRS, "diag": DIAG_ATTRS,
         "refused": SEL_ATTRS, "event": EVENT_ATTRS}
NAMES = {num: (name, kind) for name, (num, kind) in ATTRS.items()}


def attr(num, payload):
    hdr = struct.pack("=HH", 4 + len(payload), num)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def encode(kind, value):
    if kind == "u64":
        return struct.pack("=Q", int(value, 0))
    if kind == "hex":
        return bytes.fromhex(value)
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

    def request(self, family, cmd, payload, version=1, dump=False):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + payload
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        msg = struct.pack("=IHHII", 16 + len(body), family, flags,
                          self.seq, 0) + body
        self.sock.send(msg)
        replies = []
        while True:
            data = self.sock.recv(65536)
            while data:
                length, typ, flags, _seq, _pid = struct.unpack_from("=IHHII", data)
                body, data = data[16:length], data[(length + 3) & ~3:]
                if typ == NLMSG_DONE:
                    return 0, "", replies
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

    def family(self, name, group=None):
        err, extack, replies = self.request(
            GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
            attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        if err:
            raise SystemExit(f"family {name}: {os.strerror(err)} {extack}")
        for num, val in attrs(replies[0]):
            if num == CTRL_ATTR_FAMILY_ID and group is None:
                return struct.unpack("=H", val[:2])[0]
            if num == CTRL_ATTR_MCAST_GROUPS and group is not None:
                for _, grp in attrs(val):
                    f = dict(attrs(grp))
                    if f.get(CTRL_ATTR_MCAST_GRP_NAME, b"").rstrip(b"\0") == group.encode():
                        return struct.unpack("=I", f[CTRL_ATTR_MCAST_GRP_ID][:4])[0]
        raise SystemExit(f"no {'family id' if group is None else 'group ' + group}")


def listen(seconds):
    genl = Genl()
    group = genl.family("espvti", "events")
    try:
        genl.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)
    except OSError as e:
        print(f"error {e.errno}: join", flush=True)
        return 1
    print("joined", flush=True)
    genl.sock.settimeout(seconds)
    try:
        while True:
            data = genl.sock.recv(65536)
            while len(data) >= 20:
                length = struct.unpack_from("=I", data)[0]
                print(f"event {data[16]}", flush=True)
                data = data[(length + 3) & ~3:]
    except socket.timeout:
        return 0


def lookup(table, name):
    """(number, type) of attribute NAME (or a number) in TABLE."""
    if name in table:
        return table[name]
    return int(name, 0), None


def build(args):
    """Nested attributes from PATH=[TYPE:]VALUE arguments (sa.spi=256)."""
    tree = {}
    for arg in args:
        path, _, value = arg.partition("=")
        node, table = tree, ATTRS
        parts = path.split(".")
        for part in parts[:-1]:
            num, _kind = lookup(table, part)
            node = node.setdefault((num, "nest"), {})
            table = NESTS.get(part, {})
        num, kind = lookup(table, parts[-1])
        if ":" in value and value.split(":", 1)[0] in (
                "u64", "u32", "u16", "u8", "str", "bytes", "hex"):
            kind, value = value.split(":", 1)
        node[(num, len(node))] = encode(kind or "u32", value)
    return encode_tree(tree)


def encode_tree(tree):
    out = b""
    for (num, _), val in tree.items():
        out += attr(num | (0x8000 if isinstance(val, dict) else 0),
                    encode_tree(val) if isinstance(val, dict) else val)
    return out


def show(buf, table, prefix, out):
    names = {num: (name, kind) for name, (num, kind) in table.items()}
    for num, val in attrs(buf):
        name, kind = names.get(num, (str(num), "bytes"))
        if kind == "nest":
            show(val, NESTS.get(name, {}), prefix + name + ".", out)
        elif kind == "str":
            out.append(f"{prefix}{name}={val.rstrip(bytes(1)).decode()}")
        elif kind in ("u64", "u32", "u16", "u8") and len(val) in (1, 2, 4, 8):
            out.append(f"{prefix}{name}={int.from_bytes(val, sys.byteorder)}")
        else:
            out.append(f"{prefix}{name}={val.hex()}")


def state(genl, family, ifname):
    """What the kernel says about IFNAME's SAs, selectors and itself, less
    what moves by itself (ages, the ages of the events it remembers,
    counters)."""
    out = []
    name = attr(2, ifname.encode() + bytes(1))
    for cmd, dump in ((5, True), (9, True), (1, False)):
        err, extack, replies = genl.request(family, cmd, name, dump=dump)
        out.append(f"cmd {cmd}: {err} {extack}")
        for reply in replies:
            show(reply, ATTRS, "", out)
    return [line for line in out if ".age=" not in line and "use_age=" not in line
            and ".age_ms=" not in line and not line.startswith("stats.")]


def refused_unchanged(argv):
    """--refused IFNAME CMD ATTRS...: the request is refused with a message
    and IFNAME's state is what it was (exit 0); else exit 1, saying why."""
    ifname, cmd, args = argv[0], argv[1], argv[2:]
    genl = Genl()
    family = genl.family("espvti")
    before = state(genl, family, ifname)
    err, extack, _replies = genl.request(family, CMDS.get(cmd) or int(cmd, 0),
                                         build(args))
    after = state(genl, family, ifname)
    print(f"error {err}: {extack}" if err else "accepted")
    if before != after:
        print("state changed:", [l for l in after if l not in before],
              [l for l in before if l not in after])
        return 1
    return 0 if err and extack else 1


def batch():
    """--batch: one call's arguments a line, each answered, then its status."""
    for line in sys.stdin:
        argv = shlex.split(line)
        if not argv:
            continue
        try:
            status = main(argv)
        except SystemExit as err:
            print(err.code)
            status = 1
        print(f"-- exit {status}", flush=True)
    return 0


def main(argv):
    if argv == ["--batch"]:
        return batch()
    if len(argv) == 2 and argv[0] == "--listen":
        return listen(float(argv[1]))
    if argv and argv[0] == "--refused":
        return refused_unchanged(argv[1:])
    dump = bool(argv) and argv[0] == "--dump"
    if dump:
        argv = argv[1:]
    if not argv:
        raise SystemExit(__doc__)
    cmd = CMDS.get(argv[0]) or int(argv[0], 0)
    payload = build(argv[1:])
    genl = Genl()
    err, extack, replies = genl.request(genl.family("espvti"), cmd, payload,
                                        dump=dump)
    if err:
        print(f"error {err}: {extack}")
        return 1
    print("ok")
    for reply in replies:
        out = []
        show(reply, ATTRS, "", out)
        print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
