#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A client of the site: GET https://FQDN/ on one address every INTERVAL seconds, the chain
verified against the lab's root CA, until STOP_FILE exists or MAX_SECONDS pass. Prints one JSON
document: every attempt's time and outcome, the longest time without a successful response and
the failed requests.

    poll_https.py ADDRESS FQDN CA_FILE INTERVAL MAX_SECONDS STOP_FILE
"""
import json
import os
import socket
import ssl
import sys
import time

address, fqdn, ca_file, interval, max_seconds, stop_file = sys.argv[1:7]
interval, max_seconds = float(interval), float(max_seconds)
context = ssl.create_default_context(cafile=ca_file)
request = ("GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % fqdn).encode()


def attempt():
    with socket.create_connection((address, 443), timeout=0.5) as sock:
        with context.wrap_socket(sock, server_hostname=fqdn) as tls:
            tls.sendall(request)
            head = tls.recv(64)
            return head.split(b" ", 2)[1:2] == [b"200"]


start = time.monotonic()
attempts = []
while time.monotonic() - start < max_seconds and not os.path.exists(stop_file):
    began = time.monotonic()
    try:
        ok = attempt()
        error = "" if ok else "not 200"
    except (OSError, ssl.SSLError) as exc:
        ok, error = False, exc.__class__.__name__
    attempts.append({"t": round(began - start, 3), "ok": ok, "error": error})
    time.sleep(max(0.0, interval - (time.monotonic() - began)))
end = round(time.monotonic() - start, 3)
successes = [a["t"] for a in attempts if a["ok"]]
gaps = [b - a for a, b in zip(successes, successes[1:])]
print(json.dumps({
    "attempts": len(attempts),
    "failed": sum(not a["ok"] for a in attempts),
    "longest_gap": round(max(gaps, default=end), 3),
    "first_failure": next((a["t"] for a in attempts if not a["ok"]), None),
    "errors": sorted({a["error"] for a in attempts if a["error"]}),
    "seconds": end,
}))
