#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ESP (RFC 4303, tunnel mode) for the data path selftests.

    esp.py craft --dst ADDR --spi SPI --seq SEQ --alg ALG --key HEX
                 [--auth-key HEX] [--icv N] [--esn-hi N] [--inner SPEC]
                 [--next-header N] [--pad ok|bad|long] [--flip N]
                 [--truncate N] [--count N] [--tos N] [--outer-tos N]
                 [--print]
        Builds ESP packets and sends them with a raw socket (IPPROTO_ESP)
        to ADDR (the kernel picks the outer source), or prints them in hex.
        ALG: aes-gcm (rfc4106), chacha20-poly1305 (rfc7539esp), aes-gmac
        (rfc4543), aes-cbc-hmac-sha256; KEY includes the 4-byte salt of
        the first three. --esn-hi N: an ESN SA, N the high half of the
        sequence number (authenticated, never sent). --inner
        ping4:SRC,DST, ping6:SRC,DST or hex:BYTES (default ping4 from
        172.16.0.2 to 172.16.0.1). --pad bad: a padding byte that is not
        1, 2, 3...; --pad long: a pad length larger than the payload.
        --flip N: flip the byte N bytes before the end (in the ICV for N
        up to the ICV's length). --truncate N: only N bytes follow the
        SPI and sequence number, nothing valid. --count N: N packets,
        sequence numbers SEQ, SEQ+1, ...
        --tos N: the DS field (DSCP and ECN) of a ping4/ping6 inner
        packet; --outer-tos N: the same of the outer header (IP_TOS or
        IPV6_TCLASS on the raw socket), e.g. 3 for CE.
    esp.py frame PCAP --spi SPI [--index N]
        The Nth (from 0) Ethernet frame carrying ESP with that SPI, in hex.
    esp.py send-frame IFACE HEX [--count N] [--flip N]
        Sends an Ethernet frame (AF_PACKET) N times, with the byte --flip
        bytes before its end flipped.
    esp.py serve
        Reads one command a line (the arguments above, shell-quoted) and
        answers with its output and a line "@ok" or "@error MESSAGE":
        one process for a whole test, since starting Python and loading
        the crypto library takes seconds in a TCG guest.

craft and send-frame take --netns NAME: the network namespace
(/run/netns/NAME) to send from. Only python3-cryptography is needed.
"""
import argparse
import ctypes
import io
import shlex
import os
import socket
import struct
import sys

IPPROTO_ESP = 50
CLONE_NEWNET = 0x40000000


def enter_netns(name):
    if not name:
        return
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + name)
    finally:
        os.close(fd)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ping4(src, dst, tos=0, ident=0x4242, seq=1,
          data=b"espvti-selftest!" * 2):
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(icmp), 1, 0x4000,
                      64, 1, 0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + icmp


def ping6(src, dst, tos=0, ident=0x4242, seq=1,
          data=b"espvti-selftest!" * 2):
    s = socket.inet_pton(socket.AF_INET6, src)
    d = socket.inet_pton(socket.AF_INET6, dst)
    icmp = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + data
    pseudo = s + d + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    return struct.pack("!IHBB", 6 << 28 | tos << 20, len(icmp), 58,
                       64) + s + d + icmp


def inner_packet(spec, tos=0):
    kind, _, rest = spec.partition(":")
    if kind == "hex":
        return bytes.fromhex(rest), None
    src, _, dst = rest.partition(",")
    if kind == "ping4":
        return ping4(src, dst, tos), 4
    if kind == "ping6":
        return ping6(src, dst, tos), 41
    raise SystemExit("unknown inner packet " + spec)


class Sa:
    """One SA's transform: encrypt(spi, seq, seq_hi, plaintext) -> wire."""

    def __init__(self, alg, key, auth_key, icv, esn_hi):
        self.alg, self.icv, self.esn_hi = alg, icv, esn_hi
        if alg in ("aes-gcm", "aes-gmac", "chacha20-poly1305"):
            self.key, self.salt = key[:-4], key[-4:]
            self.align, self.ivlen = 4, 8
        elif alg == "aes-cbc-hmac-sha256":
            self.key, self.auth_key = key, auth_key
            self.align, self.ivlen = 16, 16
        else:
            raise SystemExit("unknown algorithm " + alg)

    def seal(self, spi, seq, plain, iv):
        # Imported here: loading the library takes seconds in a TCG guest.
        from cryptography.hazmat.primitives import hashes, hmac
        from cryptography.hazmat.primitives.ciphers import (Cipher, algorithms,
                                                            modes)
        from cryptography.hazmat.primitives.ciphers.aead import (
            AESGCM, ChaCha20Poly1305)
        esn = self.esn_hi is not None
        hdr = struct.pack("!II", spi, seq & 0xffffffff)
        # RFC 4106 section 5: with ESN the AAD is SPI, high half, low half.
        aad = struct.pack("!III", spi, self.esn_hi, seq) if esn else hdr
        if self.alg in ("aes-gcm", "chacha20-poly1305"):
            if self.alg == "aes-gcm":
                out = AESGCM(self.key).encrypt(self.salt + iv, plain, aad)
            else:
                out = ChaCha20Poly1305(self.key).encrypt(self.salt + iv,
                                                         plain, aad)
            out = out[:len(plain) + self.icv]
            return hdr + iv + out
        if self.alg == "aes-gmac":
            # RFC 4543: nothing encrypted, the IV and payload authenticated.
            tag = AESGCM(self.key).encrypt(self.salt + iv, b"",
                                           aad + iv + plain)
            return hdr + iv + plain + tag[:self.icv]
        enc = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
        ct = enc.update(plain) + enc.finalize()
        mac = hmac.HMAC(self.auth_key, hashes.SHA256())
        # RFC 4303 section 2.2.1: the high half follows, never sent.
        mac.update(hdr + iv + ct + (struct.pack("!I", self.esn_hi)
                                    if esn else b""))
        return hdr + iv + ct + mac.finalize()[:self.icv]


def trailer(payload, align, next_header, pad):
    padlen = (-(len(payload) + 2)) % align
    if pad == "bad" and padlen < 2:
        padlen += align
    padding = bytes(range(1, padlen + 1))
    if pad == "bad":
        padding = padding[:-1] + b"\xff"
    tail = padding + bytes([padlen, next_header])
    if pad == "long":
        tail = padding + bytes([255, next_header])
    return payload + tail


def cmd_craft(a):
    key = bytes.fromhex(a.key.removeprefix("0x"))
    auth = bytes.fromhex(a.auth_key.removeprefix("0x")) if a.auth_key else None
    sa = Sa(a.alg, key, auth, a.icv, a.esn_hi)
    payload, nh = inner_packet(a.inner, a.tos)
    nh = a.next_header if a.next_header is not None else nh
    if nh is None:
        raise SystemExit("--next-header is needed with hex: inner packets")
    sock = None
    if not a.print:
        enter_netns(a.netns)
        family = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_RAW, IPPROTO_ESP)
        if a.outer_tos is not None:
            if family == socket.AF_INET:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, a.outer_tos)
            else:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS,
                                a.outer_tos)
    for i in range(a.count):
        seq = a.seq + i
        if a.truncate is not None:
            pkt = struct.pack("!II", a.spi, seq) + os.urandom(a.truncate)
        else:
            plain = trailer(payload, sa.align, nh, a.pad)
            pkt = sa.seal(a.spi, seq, plain, os.urandom(sa.ivlen))
        if a.flip:
            pkt = bytearray(pkt)
            pkt[-a.flip] ^= 0x5a
            pkt = bytes(pkt)
        if sock:
            sock.sendto(pkt, (a.dst, 0))
        else:
            print(pkt.hex())
    if sock:
        sock.close()


def pcap_frames(path):
    """(link type, frame) of each packet of a pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise SystemExit(path + ": not a pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        yield linktype, data[off + 16:off + 16 + incl]
        off += 16 + incl


def frames(path):
    """The Ethernet frames of a pcap file."""
    for linktype, frame in pcap_frames(path):
        if linktype != 1:
            raise SystemExit("%s: link type %d, want Ethernet" % (path, linktype))
        yield frame


def esp_of(frame):
    """(spi, seq) of an Ethernet frame carrying ESP, else None."""
    etype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800 and ip[9] == IPPROTO_ESP:
        l4 = ip[(ip[0] & 15) * 4:]
    elif etype == 0x86dd and ip[6] == IPPROTO_ESP:
        l4 = ip[40:]
    else:
        return None
    return struct.unpack("!II", l4[:8]) if len(l4) >= 8 else None


def cmd_frame(a):
    n = 0
    for fr in frames(a.pcap):
        e = esp_of(fr)
        if e and e[0] == a.spi:
            if n == a.index:
                print(fr.hex())
                return
            n += 1
    raise SystemExit("no frame %d with SPI 0x%x in %s" % (a.index, a.spi,
                                                         a.pcap))


def cmd_send_frame(a):
    fr = bytearray.fromhex(a.hex)
    if a.flip:
        fr[-a.flip] ^= 0x5a
    enter_netns(a.netns)
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((a.iface, 0))
        for _ in range(a.count):
            s.send(bytes(fr))


def cmd_serve(parser):
    for line in sys.stdin:
        out = io.StringIO()
        old, sys.stdout = sys.stdout, out
        try:
            a = parser.parse_args(shlex.split(line))
            if a.cmd == "serve":
                raise SystemExit("nested serve")
            a.func(a)
            status = "@ok"
        except SystemExit as e:
            status = "@error %s" % (e.code if e.code is not None else "exit")
        except Exception as e:	# pylint: disable=broad-except
            status = "@error %s: %s" % (type(e).__name__, e)
        finally:
            sys.stdout = old
        sys.stdout.write(out.getvalue() + status + "\n")
        sys.stdout.flush()


def num(s):
    return int(s, 0)


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                exit_on_error=False)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("craft")
    c.add_argument("--netns")
    c.add_argument("--dst", required=True)
    c.add_argument("--spi", type=num, required=True)
    c.add_argument("--seq", type=num, default=1)
    c.add_argument("--alg", default="aes-gcm")
    c.add_argument("--key", required=True)
    c.add_argument("--auth-key")
    c.add_argument("--icv", type=int, default=16)
    c.add_argument("--esn-hi", type=num)
    c.add_argument("--inner", default="ping4:172.16.0.2,172.16.0.1")
    c.add_argument("--next-header", type=int)
    c.add_argument("--pad", choices=("ok", "bad", "long"), default="ok")
    c.add_argument("--flip", type=int, default=0)
    c.add_argument("--truncate", type=int)
    c.add_argument("--count", type=int, default=1)
    c.add_argument("--tos", type=num, default=0)
    c.add_argument("--outer-tos", type=num)
    c.add_argument("--print", action="store_true")
    c.set_defaults(func=cmd_craft)
    f = sub.add_parser("frame")
    f.add_argument("pcap")
    f.add_argument("--spi", type=num, required=True)
    f.add_argument("--index", type=int, default=0)
    f.set_defaults(func=cmd_frame)
    r = sub.add_parser("send-frame")
    r.add_argument("--netns")
    r.add_argument("iface")
    r.add_argument("hex")
    r.add_argument("--count", type=int, default=1)
    r.add_argument("--flip", type=int, default=0)
    r.set_defaults(func=cmd_send_frame)
    sub.add_parser("serve")
    return p


def main():
    p = parser()
    a = p.parse_args()
    if a.cmd == "serve":
        cmd_serve(p)
    else:
        a.func(a)


if __name__ == "__main__":
    main()
