#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stands for traefik on an application server (or an ACME client on the load balancer).

    stand_in_server.py PORT [BIND_ADDRESS] [LABEL]

GET /headers answers with the request headers as JSON; any other path answers "LABEL HOSTNAME"
(LABEL defaults to "app"), so a test sees which server a request reached.
"""
import http.server
import json
import socket
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    label = "app"

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        if self.path == "/headers":
            body, kind = json.dumps(dict(self.headers.items())), "application/json"
        else:
            body, kind = "{0} {1}\n".format(self.label, socket.gethostname()), "text/plain"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    port = int(sys.argv[1])
    bind = sys.argv[2] if len(sys.argv) > 2 else ""
    Handler.label = sys.argv[3] if len(sys.argv) > 3 else "app"
    http.server.ThreadingHTTPServer((bind, port), Handler).serve_forever()


if __name__ == "__main__":
    main()
