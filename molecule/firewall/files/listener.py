#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test listener: accept TCP and answer UDP on the given ports, IPv4 and IPv6 alike.

    listener.py tcp:80,443 udp:443
"""
import selectors
import socket
import sys

selector = selectors.DefaultSelector()
for spec in sys.argv[1:]:
    proto, _sep, ports = spec.partition(":")
    for port in ports.split(","):
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        sock = socket.socket(socket.AF_INET6, kind)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("::", int(port)))
        if kind == socket.SOCK_STREAM:
            sock.listen(64)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, proto)

while True:
    for key, _mask in selector.select():
        sock = key.fileobj
        try:
            if key.data == "tcp":
                conn, _addr = sock.accept()
                conn.close()
            else:
                data, addr = sock.recvfrom(512)
                sock.sendto(b"pong:" + data, addr)
        except OSError:
            pass
