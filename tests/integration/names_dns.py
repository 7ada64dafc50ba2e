#!/usr/bin/env python3
"""tests/integration/names_dns.py: a small DNS server for names.sh, on UDP
ADDR:53 in the test's own network namespace.  It reads the zone file
(JSON) at every query, so the test changes an answer by rewriting it:

  {"peer.test": {"a": ["192.0.2.10"], "aaaa": [], "ttl": 5},
   "v6.test": {"aaaa": ["2001:db8::10"]},
   "trunc.test": {"garbage": "truncated"}, ...}

Garbage kinds, what a hostile or broken server sends: "truncated" (TC
set, no answer), "cname-loop" (a -> b -> a, no address), "many" (1000 A
records), "bad-label" (a compression pointer to itself), "short" (a
header cut in the middle), "silent" (no reply at all).  A name not in the
zone is NXDOMAIN.  Each query is logged to stderr as "QNAME QTYPE".
"""
import json
import socket
import struct
import sys


def parse_question(pkt):
    """The question's raw bytes, name (lower case) and type; None if bad."""
    i, labels = 12, []
    while i < len(pkt):
        n = pkt[i]
        if n == 0:
            break
        if n > 63 or i + 1 + n > len(pkt):
            return None
        labels.append(pkt[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    if i + 5 > len(pkt):
        return None
    qtype = struct.unpack("!H", pkt[i + 1:i + 3])[0]
    return pkt[12:i + 5], ".".join(labels).lower(), qtype


def encode_name(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(name_ptr, rtype, ttl, rdata):
    return name_ptr + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def answer(pkt, zone):
    q = parse_question(pkt)
    if q is None:
        return None
    raw, name, qtype = q
    tid = pkt[:2]
    entry = zone.get(name)
    sys.stderr.write("%s %d\n" % (name, qtype))
    sys.stderr.flush()
    flags, answers = 0x8180, []  # response, RD, RA, NOERROR
    ptr = b"\xc0\x0c"  # the question's name
    if entry is None:
        flags |= 3  # NXDOMAIN
    else:
        garbage = entry.get("garbage")
        ttl = int(entry.get("ttl", 5))
        if garbage == "silent":
            return None
        if garbage == "short":
            return tid + b"\x81"
        if garbage == "truncated":
            flags |= 0x0200
        elif garbage == "cname-loop":
            other = "b." + name
            answers.append(rr(ptr, 5, ttl, encode_name(other)))
            answers.append(rr(encode_name(other), 5, ttl, encode_name(name)))
        elif garbage == "many" and qtype == 1:
            for k in range(1000):
                answers.append(rr(ptr, 1, ttl,
                                  bytes([198, 51, 100 + k // 250, k % 250 + 1])))
        elif garbage == "bad-label":
            # An answer whose name points at itself: a loop to a parser
            # that follows it.
            off = 12 + len(raw)
            answers.append(rr(bytes([0xc0 | (off >> 8), off & 0xff]), 1,
                              ttl, bytes([192, 0, 2, 99])))
        elif qtype == 1:
            for a in entry.get("a", []):
                answers.append(rr(ptr, 1, ttl, socket.inet_pton(socket.AF_INET, a)))
        elif qtype == 28:
            for a in entry.get("aaaa", []):
                answers.append(rr(ptr, 28, ttl, socket.inet_pton(socket.AF_INET6, a)))
    head = tid + struct.pack("!HHHHH", flags, 1, len(answers), 0, 0)
    return head + raw + b"".join(answers)


def main():
    addr, zone_path = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    print("ready", flush=True)
    while True:
        pkt, peer = s.recvfrom(4096)
        with open(zone_path) as f:
            zone = json.load(f)
        out = answer(pkt, zone)
        if out is not None:
            s.sendto(out, peer)


if __name__ == "__main__":
    main()
