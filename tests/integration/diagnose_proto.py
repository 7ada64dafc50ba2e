#!/usr/bin/env python3
"""tests/integration/diagnose_proto.py SOCKET: a command that goes on
after its line (ping), over tunsh's framed protocol (shell/shell.h) by
hand: its replies come as OUTPUT before any STATUS, an INTERRUPT frame
ends it with its summary and STATUS, and a LINE sent while one runs ends
the session with a protocol error.  Exits 0, or 1 naming what differed.
"""
import socket
import struct
import sys

HELLO, LINE, INTERRUPT = 1, 2, 7
OUTPUT, PROMPT, STATUS, FATAL = 16, 17, 18, 20


def frame(kind, payload=b""):
    return b"T\x01" + bytes([kind, 0]) + struct.pack(">I", len(payload)) + payload


def reader(sock):
    buf = b""
    while True:
        while len(buf) < 8:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buf += chunk
        n = struct.unpack(">I", buf[4:8])[0]
        while len(buf) < 8 + n:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buf += chunk
        yield buf[2], buf[8:8 + n]
        buf = buf[8 + n:]


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def session(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(path)
    s.sendall(frame(HELLO, b"version=1\n"))
    frames = reader(s)
    kind, _ = next(frames)
    if kind != PROMPT:
        fail("no prompt after HELLO: %d" % kind)
    return s, frames


def main():
    path = sys.argv[1]
    # Ctrl-C: after the second reply, INTERRUPT; the summary, then STATUS.
    s, frames = session(path)
    s.sendall(frame(LINE, b"ping 10.20.5.1 count 50"))
    replies, out = 0, []
    for kind, p in frames:
        if kind == OUTPUT:
            out.append(p.decode())
            if p.startswith(b"reply from"):
                replies += 1
                if replies == 2:
                    s.sendall(frame(INTERRUPT))
        elif kind == STATUS:
            if p[0] != 0:
                fail("interrupted ping failed: %r" % p)
            break
        else:
            fail("frame %d before the ping's STATUS: %r" % (kind, p))
    summary = [l for l in out if l.startswith("--- 10.20.5.1: ")]
    if not summary or int(summary[0].split()[2]) >= 50:
        fail("INTERRUPT did not stop the ping: %r" % out)
    s.close()
    # A LINE while the ping runs: the session ends with a protocol error.
    s, frames = session(path)
    s.sendall(frame(LINE, b"ping 10.20.5.1 count 50"))
    for kind, p in frames:
        if kind == OUTPUT and p.startswith(b"reply from"):
            s.sendall(frame(LINE, b"show version"))
        elif kind == FATAL:
            if b"a line while the last one runs" not in p:
                fail("FATAL says: %r" % p)
            break
        elif kind == STATUS:
            fail("a second LINE while the ping ran was taken")
    else:
        fail("the session went on without a word")
    print("diagnose_proto: ok")


main()
