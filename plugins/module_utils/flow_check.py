# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Network flow checks run from a managed node: name resolution, TCP connect, TLS handshake.

Shared by the ``oth.stack.flow_check`` module; pure standard library so it runs on any managed
node's Python. Every check only reads: it resolves, connects and closes.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time

KINDS = ("resolve", "tcp", "tls", "https")

STATUS_PASS = "pass"
STATUS_FAIL = "fail"
STATUS_NOT_TESTED = "not tested"


class FlowError(ValueError):
    """A flow definition that cannot be checked (a caller's mistake, not a network failure)."""


def normalize_flow(flow, index, default_timeout):
    """Return a validated copy of one flow definition, or raise FlowError naming the problem."""
    if not isinstance(flow, dict):
        raise FlowError("flows[%d] must be a dict, got %r" % (index, flow))
    name = flow.get("name") or "flow %d" % index
    kind = flow.get("kind", "tcp")
    if kind not in KINDS:
        raise FlowError("flow %r: kind must be one of %s, got %r" % (name, ", ".join(KINDS), kind))
    host = flow.get("host")
    if not host or not isinstance(host, str):
        raise FlowError("flow %r: host must be a non-empty string, got %r" % (name, host))
    port = flow.get("port")
    if kind in ("tcp", "tls", "https"):
        try:
            port = int(port)
        except (TypeError, ValueError):
            raise FlowError("flow %r: port must be an integer for kind %s, got %r" % (name, kind, port))
        if not 0 < port < 65536:
            raise FlowError("flow %r: port must be between 1 and 65535, got %d" % (name, port))
    expect = flow.get("expect") or []
    if isinstance(expect, str):
        expect = [expect]
    timeout = flow.get("timeout")
    timeout = float(default_timeout if timeout is None else timeout)
    if timeout <= 0:
        raise FlowError("flow %r: timeout must be positive, got %r" % (name, timeout))
    return {
        "name": name,
        "kind": kind,
        "host": host,
        "port": port,
        "expect": [str(a) for a in expect],
        "timeout": timeout,
        "server_name": flow.get("server_name") or host,
        "verify": flow.get("verify", True),
        "ca_file": flow.get("ca_file"),
        "ca_pem": flow.get("ca_pem"),
        "required": flow.get("required", True),
        "test": flow.get("test", True),
        "reason": flow.get("reason") or "",
        "path": flow.get("path") or "/",
        "expect_status": [int(code) for code in flow.get("expect_status") or [200]],
    }


def target_of(flow):
    if flow["kind"] == "resolve":
        return flow["host"]
    if ":" in flow["host"]:
        return "[%s]:%d" % (flow["host"], flow["port"])
    return "%s:%d" % (flow["host"], flow["port"])


def _resolve(host):
    infos = socket.getaddrinfo(host, None, 0, socket.SOCK_STREAM)
    addresses = []
    for info in infos:
        address = info[4][0]
        if address not in addresses:
            addresses.append(address)
    return addresses


def _describe_error(exc):
    if isinstance(exc, socket.gaierror):
        return "name does not resolve (%s)" % (exc.strerror or exc)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "certificate does not verify: %s" % (exc.verify_message or exc.reason or exc)
    if isinstance(exc, ssl.SSLError):
        return "TLS handshake failed: %s" % (exc.reason or exc)
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or exc.__class__.__name__


def _check_resolve(flow):
    addresses = _resolve(flow["host"])
    missing = [a for a in flow["expect"] if a not in addresses]
    if missing:
        return False, "resolves to %s, expected %s" % (", ".join(addresses), ", ".join(missing))
    return True, "resolves to %s" % ", ".join(addresses)


def _tls_context(flow):
    if not flow["verify"]:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=flow["ca_file"] or None, cadata=flow["ca_pem"] or None)


def _subject_cn(cert):
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return "?"


def _check_connect(flow):
    with socket.create_connection((flow["host"], flow["port"]), timeout=flow["timeout"]) as sock:
        peer = sock.getpeername()[0]
        if flow["kind"] == "tcp":
            return True, "connected to %s" % peer
        context = _tls_context(flow)
        with context.wrap_socket(sock, server_hostname=flow["server_name"]) as tls:
            if not flow["verify"]:
                return True, "%s handshake with %s, certificate not verified" % (tls.version(), peer)
            cert = tls.getpeercert()
            verified = "%s to %s, certificate for %s verifies, expires %s" % (
                tls.version(), peer, _subject_cn(cert), cert.get("notAfter", "?"))
            if flow["kind"] == "tls":
                return True, verified
            return _https_request(tls, flow, verified)


def _https_request(tls, flow, verified):
    """One HTTP/1.1 GET over the verified TLS session; the status line decides."""
    request = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nUser-Agent: oth.stack flow_check\r\n\r\n" % (
        flow["path"], flow["server_name"])
    tls.sendall(request.encode("ascii"))
    head = b""
    while b"\r\n" not in head and len(head) < 4096:
        chunk = tls.recv(1024)
        if not chunk:
            break
        head += chunk
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return False, "%s; no HTTP response to GET %s (got %r)" % (verified, flow["path"], status_line[:60])
    status = int(parts[1])
    if status not in flow["expect_status"]:
        return False, "%s; GET %s answered %d, expected %s" % (
            verified, flow["path"], status, ", ".join(map(str, flow["expect_status"])))
    return True, "%s; GET %s answered %d" % (verified, flow["path"], status)


def check_one(flow):
    """Run one normalized flow; return (ok, detail). Never raises for network failures."""
    try:
        if flow["kind"] == "resolve":
            return _check_resolve(flow)
        return _check_connect(flow)
    except (OSError, ssl.SSLError, ValueError) as exc:
        return False, _describe_error(exc)


def _result(flow, status, detail, elapsed_ms):
    return {
        "name": flow["name"],
        "kind": flow["kind"],
        "target": target_of(flow),
        "ok": status == STATUS_PASS if status != STATUS_NOT_TESTED else None,
        "status": status,
        "required": bool(flow["required"]),
        "detail": detail,
        "elapsed_ms": elapsed_ms,
    }


def run_flows(flows, deadline=10.0, max_workers=16, default_timeout=3.0):
    """Check every flow concurrently, all within ``deadline`` seconds.

    Returns a list of result dicts in the order of ``flows``. Worker threads are daemons: a
    resolver stuck past the deadline cannot keep the module from returning.
    """
    normalized = [normalize_flow(flow, i, default_timeout) for i, flow in enumerate(flows)]
    results = [None] * len(normalized)
    slots = threading.BoundedSemaphore(max(1, int(max_workers)))
    start = time.monotonic()

    def work(index, flow):
        with slots:
            began = time.monotonic()
            ok, detail = check_one(flow)
            results[index] = _result(flow, STATUS_PASS if ok else STATUS_FAIL, detail,
                                     int((time.monotonic() - began) * 1000))

    threads = []
    for index, flow in enumerate(normalized):
        if not flow["test"]:
            results[index] = _result(flow, STATUS_NOT_TESTED, flow["reason"] or "not tested", 0)
            continue
        thread = threading.Thread(target=work, args=(index, flow), daemon=True)
        thread.start()
        threads.append((index, thread))

    for index, thread in threads:
        thread.join(max(0.0, deadline - (time.monotonic() - start)))
        if results[index] is None:
            results[index] = _result(normalized[index], STATUS_FAIL,
                                     "not finished within the %gs deadline" % deadline,
                                     int((time.monotonic() - start) * 1000))
    return results


def summarize(results):
    return {
        "total": len(results),
        "passed": sum(1 for r in results if r["status"] == STATUS_PASS),
        "failed": sum(1 for r in results if r["status"] == STATUS_FAIL),
        "not_tested": sum(1 for r in results if r["status"] == STATUS_NOT_TESTED),
        "failed_required": ["%s (%s)" % (r["name"], r["target"]) for r in results
                            if r["status"] == STATUS_FAIL and r["required"]],
    }


def render_table(results, title=None):
    """Aligned plain-text table, one row per flow, for a human to read in the play output."""
    header = ("RESULT", "FLOW", "KIND", "TARGET", "MS", "DETAIL")
    rows = []
    for r in results:
        status = r["status"].upper()
        if r["status"] == STATUS_FAIL and not r["required"]:
            status = "FAIL (optional)"
        rows.append((status, r["name"], r["kind"], r["target"], str(r["elapsed_ms"]), r["detail"]))
    lines = [title] if title else []
    if not rows:
        return "\n".join(lines + ["no flows to check from this node"])
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header) - 1)]
    for row in [header] + rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
