#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test probe: try every target at once and print which ones answered, as JSON.

stdin: a JSON list of [address, port, protocol]; stdout: a JSON list of booleans, same order.
A TCP target answers when the connection is accepted; a UDP one when a reply comes back.
Refused, reset, dropped or unanswered within the timeout all count as not answering.
"""
import errno
import json
import select
import socket
import sys
import time

TIMEOUT = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
targets = json.load(sys.stdin)
results = [False] * len(targets)
pending = {}
for index, (address, port, proto) in enumerate(targets):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    sock.setblocking(False)
    try:
        if proto == "tcp":
            code = sock.connect_ex((address, int(port)))
            if code not in (0, errno.EINPROGRESS):
                sock.close()
                continue
        else:
            sock.connect((address, int(port)))
            sock.send(b"ping")
    except OSError:
        sock.close()
        continue
    pending[sock] = (index, proto)

deadline = time.monotonic() + TIMEOUT
while pending and time.monotonic() < deadline:
    tcp = [s for s, (_i, p) in pending.items() if p == "tcp"]
    udp = [s for s, (_i, p) in pending.items() if p == "udp"]
    readable, writable, _ = select.select(udp, tcp, [], max(0.0, deadline - time.monotonic()))
    for sock in writable + readable:
        index, proto = pending.pop(sock)
        try:
            if proto == "tcp":
                results[index] = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
            else:
                results[index] = sock.recv(512).startswith(b"pong:")
        except OSError:
            results[index] = False
        sock.close()
json.dump(results, sys.stdout)
