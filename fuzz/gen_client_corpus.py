#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# gen_client_corpus.py -- write the hand-made seed conversations for
# fuzz_client (fuzz/fuzz_client.c) into fuzz/corpus/client/seed-*.
#
# Input format (see fuzz_client.c): config byte, RNG byte, then records.
#   datagram:  op (0 | 8 truncated | 0x10 registration token | 0x20 slot k + 8), route,
#              len16, bytes
#              route: bits 0-2 source, bits 3-5 slot k, 0x40 insert slot k's token,
#              0x80 patch in slot k's MID
#   advance:   3, ms16            jump to deadline: 4 (+ extra ms << 3)
#   action:    5, arg             script: 6, arg          repeat last datagram: 7
#   ICMP error: 0x0f, arg (bit 0 connected socket, bits 1-2 errno)
# Slots of the first round: 0 CON GET, 1 NON GET, 2 Block1 PUT, 3 Block2 GET,
# 4 Observe GET, 5 streaming POST (connected socket), 6 NON Observe FETCH (IPv6),
# 7 ping, 8 NON POST with No-Response 2.xx and its own token "nr!", 9 NON GET to
# the group 239.255.0.1 (multicast window 2 s, 300 ms with config bit 3).
# Slot 1's server is given as ::ffff:192.0.2.1; source 1 is the server in that form.
import os
import struct
import sys

CON, NON, ACK, RST = 0, 1, 2, 3
TOK, MID = 0x40, 0x80
SRC_MAPPED = 1
SRC_SERVER, SRC_FPORT, SRC_FADDR, SRC_SERVER6, SRC_FSCOPE6, SRC_CONN, SRC_CONN_PEER = 0, 2, 3, 4, 5, 6, 7


def code(c, d):
    return (c << 5) | d


def ext(v):
    if v >= 269:
        return 14, struct.pack(">H", v - 269)
    if v >= 13:
        return 13, bytes([v - 13])
    return v, b""


def uint(v):
    b = v.to_bytes(4, "big").lstrip(b"\0")
    return b


def msg(typ, c, opts=(), payload=b"", mid=0, token=b""):
    out = bytes([0x40 | (typ << 4) | len(token), c]) + struct.pack(">H", mid) + token
    prev = 0
    for num, val in sorted(opts, key=lambda o: o[0]):
        dn, de = ext(num - prev)
        ln, le = ext(len(val))
        out += bytes([(dn << 4) | ln]) + de + le + val
        prev = num
    if payload:
        out += b"\xff" + payload
    return out


def block(num, more, szx):
    return uint((num << 4) | (8 if more else 0) | szx)


def dgram(route, data, trunc=False, reg=False, high=False):
    op = (8 if trunc else 0) | (0x10 if reg else 0) | (0x20 if high else 0)
    return bytes([op, route]) + struct.pack(">H", len(data)) + data


def slot(k):
    return k << 3


def advance(ms):
    return bytes([3]) + struct.pack(">H", ms)


def deadline(extra=0):
    return bytes([4 | (extra << 3)])


def action(a):
    return bytes([5, a])


def script(a):
    return bytes([6, a])


REPEAT = bytes([7])


def icmp(a):
    return bytes([0x0F, a])


OBS, B1, B2, SIZE1, SIZE2, ETAG, ECHO, MAXAGE, CF = 6, 27, 23, 60, 28, 4, 252, 14, 12

seeds = {}
H = bytes([0x01, 0x00])  # fast parameters, liveness reregister
seeds["con-piggyback"] = H + dgram(slot(0) | TOK | MID, msg(ACK, 0x45, payload=b"hello"))
seeds["con-separate"] = (H + dgram(slot(0) | MID, msg(ACK, 0))
                         + dgram(slot(0) | TOK, msg(CON, 0x45, payload=b"late", mid=0x4242))
                         + REPEAT)
seeds["con-rst"] = H + dgram(slot(0) | MID, msg(RST, 0))
seeds["non-response"] = H + dgram(slot(1) | TOK, msg(NON, 0x45, [(CF, b"")], b"n", mid=7))
seeds["con-retransmit-timeout"] = H + deadline() * 12
seeds["block1-put"] = (H + dgram(slot(2) | TOK | MID, msg(ACK, code(2, 31), [(B1, block(0, True, 6))]))
                       + dgram(slot(2) | TOK | MID, msg(ACK, code(2, 31), [(B1, block(1, True, 6))]))
                       + dgram(slot(2) | TOK | MID, msg(ACK, code(2, 4), [(B1, block(2, False, 6))])))
seeds["block1-smaller-szx"] = (H + dgram(slot(2) | TOK | MID, msg(ACK, code(2, 31), [(B1, block(0, True, 4))]))
                               + dgram(slot(2) | TOK | MID, msg(ACK, code(2, 31), [(B1, block(4, True, 4))])))
seeds["block1-413"] = H + dgram(slot(2) | TOK | MID, msg(ACK, code(4, 13), [(B1, block(0, False, 2))]))
seeds["block1-408"] = (H + dgram(slot(2) | TOK | MID, msg(ACK, code(2, 31), [(B1, block(0, True, 6))]))
                       + dgram(slot(2) | TOK | MID, msg(ACK, code(4, 8))))
seeds["block1-then-block2"] = (H + dgram(slot(2) | TOK | MID, msg(ACK, code(2, 31), [(B1, block(0, True, 6))]))
                               + dgram(slot(2) | TOK | MID, msg(ACK, code(2, 31), [(B1, block(1, True, 6))]))
                               + dgram(slot(2) | TOK | MID, msg(ACK, code(2, 4), [(B1, block(2, False, 6)), (B2, block(0, True, 2))], bytes(64)))
                               + dgram(slot(2) | TOK | MID, msg(ACK, 0x45, [(B2, block(1, False, 2))], b"end")))
body = bytes(range(256)) * 2
H2 = bytes([0x41, 0x00])  # early Block2 (64-byte blocks)
seeds["block2-get"] = (H2 + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(0, True, 2)), (ETAG, b"e1"), (SIZE2, uint(150))], body[:64]))
                       + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(1, True, 2)), (ETAG, b"e1")], body[64:128]))
                       + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(2, False, 2)), (ETAG, b"e1")], body[128:150])))
seeds["block2-smaller-then-larger"] = (H + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(0, True, 6))], bytes(1024)))
                                       + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(4, True, 4))], bytes(256)))
                                       + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(1, False, 6))], bytes(100))))
seeds["block2-etag-change"] = (H2 + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(0, True, 2)), (ETAG, b"a")], bytes(64)))
                               + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(1, False, 2)), (ETAG, b"b")], b"x")))
seeds["block2-truncated"] = (H + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(0, True, 6))], bytes(1100))[:1152], trunc=True)
                             + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(0, True, 6))], bytes(1024))))
seeds["observe"] = (H + dgram(slot(4) | TOK | MID, msg(ACK, 0x45, [(OBS, uint(5)), (MAXAGE, uint(2))], b"v5"))
                    + dgram(slot(4) | TOK, msg(CON, 0x45, [(OBS, uint(6))], b"v6", mid=100), reg=True)
                    + dgram(slot(4) | TOK, msg(NON, 0x45, [(OBS, uint(4))], b"v4", mid=101), reg=True)
                    + REPEAT
                    + dgram(slot(4) | TOK, msg(CON, 0x45, [(OBS, uint(7)), (B2, block(0, True, 2))], bytes(64), mid=102), reg=True)
                    + dgram(slot(4) | TOK | MID, msg(ACK, 0x45, [(B2, block(1, False, 2))], b"tail"))
                    + advance(9000) + deadline()
                    + dgram(slot(4) | TOK | MID, msg(ACK, 0x45, [(OBS, uint(1))], b"again"))
                    + action((4 << 2) | 2)
                    + dgram(slot(4) | TOK | MID, msg(ACK, 0x45, [], b"bye")))
seeds["observe-end-error"] = (bytes([0x09, 0x01]) + dgram(slot(4) | TOK | MID, msg(ACK, 0x45, [(OBS, uint(9))], b"x"))
                              + dgram(slot(4) | TOK, msg(NON, code(4, 4), [], b"gone", mid=5), reg=True))
seeds["observe-wait-cancel"] = (bytes([0x09, 0x02]) + dgram(slot(4) | TOK | MID, msg(ACK, 0x45, [(OBS, uint(1))], b"x"))
                                + action((4 << 2) | 0)
                                + dgram(slot(4) | TOK, msg(CON, 0x45, [(OBS, uint(2))], b"y", mid=9), reg=True))
seeds["stream-connected"] = (H + dgram(SRC_CONN | slot(5) | TOK | MID, msg(ACK, code(2, 31), [(B1, block(0, True, 6))]))
                             + dgram(SRC_CONN_PEER | slot(5) | TOK | MID, msg(ACK, code(2, 31), [(B1, block(1, True, 6))]))
                             + script(0x80)
                             + dgram(SRC_CONN | slot(5) | TOK | MID, msg(ACK, code(2, 31), [(B1, block(2, False, 6))])))
seeds["observe-ipv6-non"] = (H + dgram(SRC_SERVER6 | slot(6) | TOK, msg(NON, 0x45, [(OBS, uint(1))], b"a", mid=1))
                             + dgram(SRC_FSCOPE6 | slot(6) | TOK, msg(NON, 0x45, [(OBS, uint(2))], b"spoof", mid=2), reg=True)
                             + dgram(SRC_SERVER6 | slot(6) | TOK, msg(NON, 0x45, [(OBS, uint(3))], b"b", mid=3), reg=True)
                             + action((6 << 2) | 2))
seeds["echo"] = (H + dgram(slot(0) | TOK | MID, msg(ACK, code(4, 1), [(ECHO, b"abcdefgh")]))
                 + dgram(slot(0) | TOK | MID, msg(ACK, code(4, 1), [(ECHO, bytes(40))]))
                 + dgram(slot(0) | TOK | MID, msg(ACK, 0x45, [(ECHO, b"z")], b"ok"))
                 + action(3))
seeds["foreign-sources"] = (H + dgram(SRC_FPORT | slot(0) | TOK | MID, msg(ACK, 0x45, [], b"spoof"))
                            + dgram(SRC_FADDR | slot(0) | TOK, msg(CON, 0x45, [], b"spoof", mid=3))
                            + dgram(SRC_FPORT | slot(0) | MID, msg(RST, 0))
                            + dgram(SRC_SERVER | slot(0) | TOK | MID, msg(ACK, 0x45, [], b"real")))
seeds["send-failures"] = (H + script(1) + deadline() + script(2) + deadline()
                          + script(3) + dgram(slot(1) | TOK, msg(CON, 0x45, [], b"x", mid=77))
                          + action(1) + action(3))
seeds["malformed"] = (H + dgram(slot(0) | TOK | MID, bytes([0x60, 0x45, 0, 0, 0xff]))
                      + dgram(slot(0) | TOK, bytes([0x40, 0x45, 0, 1, 0xf1, 0x00]))
                      + dgram(0, bytes([0x4f, 0x45, 0, 2]) + bytes(15))
                      + dgram(0, bytes([0x40, 0x00, 0, 3]))
                      + dgram(0, bytes([0x50, 0x00, 0, 3]))
                      + dgram(0, bytes([0x40, 0x01, 0, 4, 0xb3]) + b"abc")
                      + dgram(0, bytes([0x40, 0xe0, 0, 5])))
seeds["separate-timeout"] = (bytes([0x81, 0x00]) + dgram(slot(0) | MID, msg(ACK, 0)) + advance(600))
seeds["mid-wrap"] = bytes([0x11, 0x03]) + dgram(slot(0) | TOK | MID, msg(ACK, 0x45)) + deadline() * 4 + action(3)

# Issue 18: v4-mapped sources, ICMP errors, truncated datagrams that are not responses.
seeds["v4-mapped"] = (H + dgram(SRC_MAPPED | slot(0) | TOK | MID, msg(ACK, 0x45, payload=b"m"))
                      + dgram(SRC_SERVER | slot(1) | TOK, msg(NON, 0x45, [], b"n", mid=11))
                      + dgram(SRC_MAPPED | slot(4) | MID, msg(ACK, 0))
                      + dgram(SRC_MAPPED | slot(4) | TOK, msg(CON, 0x45, [(OBS, uint(3))], b"o", mid=12), reg=True)
                      + REPEAT)
seeds["icmp"] = (H + dgram(slot(0) | TOK | MID, msg(ACK, 0x45, payload=b"a"))
                 + icmp(0) + action(3) + icmp(1 | (1 << 1)) + icmp(2 << 1))
seeds["truncated-not-response"] = (H + dgram(slot(2) | TOK | MID, msg(ACK, code(3, 1), [], bytes(1100))[:1152], trunc=True)
                                   + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(65001, b"c")], bytes(1100))[:1152], trunc=True)
                                   + dgram(slot(3) | TOK, msg(CON, 0x45, [(ETAG, b"e"), (8, bytes(200))], bytes(1100))[:20], trunc=True)
                                   + dgram(slot(0) | TOK, msg(CON, 0x45, [], bytes(1100), mid=99)[:1152], trunc=True)
                                   + REPEAT)
seeds["separate-block2-dup"] = (H + dgram(slot(3) | MID, msg(ACK, 0))
                                + dgram(slot(3) | TOK, msg(CON, 0x45, [(B2, block(0, True, 6))], bytes(1024), mid=0x300))
                                + REPEAT
                                + dgram(slot(3) | TOK | MID, msg(ACK, 0x45, [(B2, block(1, False, 6))], b"end"))
                                + REPEAT)

# Issue 14 / 17: ping, No-Response with its own token, multicast.
seeds["ping-rst"] = H + dgram(slot(7) | MID, msg(RST, 0)) + action(3)
seeds["ping-ack-timeout"] = (H + dgram(SRC_FADDR | slot(7) | MID, msg(RST, 0))
                             + dgram(slot(7) | MID, msg(ACK, 0)) + action(3) + deadline() * 8)
seeds["noresp-other-class"] = (H + dgram(slot(0) | TOK, msg(NON, code(4, 4), [], b"no", mid=21), high=True)
                               + action(3) + advance(2500) + deadline())
seeds["noresp-silence"] = H + deadline() * 3 + dgram(slot(0) | TOK, msg(NON, 0x45, [], b"late", mid=22), high=True)
seeds["multicast"] = (bytes([0x09, 0x00])
                      + dgram(SRC_FADDR | slot(1) | TOK, msg(NON, 0x45, [], b"m1", mid=1), high=True)
                      + dgram(SRC_SERVER | slot(1) | TOK, msg(NON, 0x45, [], b"m2", mid=1), high=True)
                      + REPEAT
                      + dgram(SRC_FPORT | slot(1) | TOK, msg(CON, 0x45, [], b"con", mid=2), high=True)
                      + dgram(SRC_FADDR | slot(1) | TOK, msg(NON, 0x45, [(B2, block(0, True, 2))], bytes(64), mid=3), high=True)
                      + dgram(SRC_FADDR | slot(1) | TOK, msg(NON, code(4, 4), [], b"x", mid=4), high=True)
                      + dgram(SRC_SERVER | slot(1) | MID, msg(RST, 0), high=True)
                      + dgram(SRC_CONN | slot(1) | TOK, msg(NON, 0x45, [], b"conn", mid=5), high=True)
                      + deadline() + action(3))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "client")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, "seed-" + name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), out), file=sys.stderr)
