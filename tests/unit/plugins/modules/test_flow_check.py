# SPDX-License-Identifier: GPL-3.0-or-later
"""oth.stack.flow_check and its module_utils, against listeners this test starts on 127.0.0.1."""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible.module_utils.testing import patch_module_args
from ansible_collections.oth.stack.plugins.module_utils import flow_check as fc
from ansible_collections.oth.stack.plugins.modules import flow_check as module

SERVER_NAME = "flow.oth-lab.test"


def _accept_forever(server, wrap=None):
    def loop():
        while True:
            try:
                conn, dummy_address = server.accept()
            except OSError:
                return
            try:
                if wrap:
                    conn = wrap(conn)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()
    threading.Thread(target=loop, daemon=True).start()


def _listen():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server


@pytest.fixture(scope="module")
def tcp_port():
    server = _listen()
    _accept_forever(server)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture(scope="module")
def closed_port():
    # A port that was just free: nothing listens there, connecting is refused.
    probe = _listen()
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A throwaway CA and a server certificate for SERVER_NAME, made for this test run."""
    out = tmp_path_factory.mktemp("pki")
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flow_check test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (out / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (out / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (out / "server.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return out


def _tls_server(pki, serve=None):
    """A listener that completes a TLS handshake with the test certificate, then hands the session
    to ``serve`` (if given); yields its port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(pki / "server.pem"), str(pki / "server.key"))
    server = _listen()

    def handshake(conn):
        conn.settimeout(5)
        tls = context.wrap_socket(conn, server_side=True)
        if serve:
            serve(tls)
        return tls

    _accept_forever(server, handshake)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture(scope="module")
def tls_port(pki):
    yield from _tls_server(pki)


@pytest.fixture(scope="module")
def silent_port():
    """Accepts TCP but never answers a TLS ClientHello: the handshake can only time out."""
    server = _listen()
    held = []

    def loop():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return
    threading.Thread(target=loop, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for conn in held:
        conn.close()


def _one(flow, **kwargs):
    return fc.run_flows([flow], **kwargs)[0]


def test_resolve_passes_and_checks_expected_address():
    result = _one({"name": "lo", "kind": "resolve", "host": "localhost", "expect": ["127.0.0.1"]})
    assert result["status"] == "pass", result
    assert "127.0.0.1" in result["detail"]


def test_resolve_fails_on_wrong_expected_address():
    result = _one({"kind": "resolve", "host": "localhost", "expect": ["192.0.2.1"]})
    assert result["ok"] is False
    assert "expected 192.0.2.1" in result["detail"]


def test_unresolvable_name_fails_clearly():
    result = _one({"kind": "resolve", "host": "nothing-here.invalid"})
    assert result["ok"] is False
    assert "does not resolve" in result["detail"]


def test_tcp_to_listener_passes(tcp_port):
    result = _one({"name": "db", "host": "127.0.0.1", "port": tcp_port})
    assert result["status"] == "pass", result
    assert result["target"] == "127.0.0.1:%d" % tcp_port
    assert result["kind"] == "tcp"
    assert isinstance(result["elapsed_ms"], int)


def test_tcp_to_closed_port_is_refused(closed_port):
    result = _one({"host": "127.0.0.1", "port": closed_port})
    assert result["ok"] is False
    assert result["detail"] == "connection refused"


def test_tcp_to_unresolvable_name_fails():
    result = _one({"host": "nothing-here.invalid", "port": 443})
    assert result["ok"] is False
    assert "does not resolve" in result["detail"]


def test_tls_verifies_with_ca_file(tls_port, pki):
    result = _one({"kind": "tls", "host": "127.0.0.1", "port": tls_port, "server_name": SERVER_NAME,
                   "ca_file": str(pki / "ca.pem")})
    assert result["status"] == "pass", result
    assert "verifies" in result["detail"] and SERVER_NAME in result["detail"]


def test_tls_verifies_with_ca_pem(tls_port, pki):
    result = _one({"kind": "tls", "host": "127.0.0.1", "port": tls_port, "server_name": SERVER_NAME,
                   "ca_pem": (pki / "ca.pem").read_text()})
    assert result["status"] == "pass", result


def test_tls_fails_against_system_store(tls_port):
    # The throwaway CA is in no system store: verification must fail, not pass silently.
    result = _one({"kind": "tls", "host": "127.0.0.1", "port": tls_port, "server_name": SERVER_NAME})
    assert result["ok"] is False
    assert "does not verify" in result["detail"]


def test_tls_fails_on_wrong_server_name(tls_port, pki):
    result = _one({"kind": "tls", "host": "127.0.0.1", "port": tls_port, "server_name": "other.oth-lab.test",
                   "ca_file": str(pki / "ca.pem")})
    assert result["ok"] is False
    assert "does not verify" in result["detail"]


def test_tls_without_verification_only_needs_a_handshake(tls_port):
    result = _one({"kind": "tls", "host": "127.0.0.1", "port": tls_port, "verify": False})
    assert result["status"] == "pass", result
    assert "not verified" in result["detail"]


def test_tls_handshake_times_out_on_a_silent_server(silent_port):
    result = _one({"kind": "tls", "host": "127.0.0.1", "port": silent_port, "verify": False, "timeout": 0.5})
    assert result["ok"] is False
    assert "timed out" in result["detail"]


def test_flows_run_concurrently_within_the_deadline(silent_port, tcp_port):
    flows = [{"name": "slow %d" % i, "kind": "tls", "host": "127.0.0.1", "port": silent_port,
              "verify": False, "timeout": 5} for i in range(4)]
    flows.append({"name": "fast", "host": "127.0.0.1", "port": tcp_port})
    began = time.monotonic()
    results = fc.run_flows(flows, deadline=1.0)
    took = time.monotonic() - began
    assert took < 2.5, took
    assert [r["name"] for r in results] == [f["name"] for f in flows]
    assert results[-1]["status"] == "pass"
    for result in results[:4]:
        assert result["ok"] is False and "deadline" in result["detail"]


def test_untested_flow_sends_nothing_and_is_reported(closed_port):
    result = _one({"name": "push", "host": "127.0.0.1", "port": closed_port, "test": False,
                   "reason": "outside service"})
    assert result["status"] == "not tested"
    assert result["ok"] is None
    assert result["detail"] == "outside service"


@pytest.mark.parametrize("flow, message", [
    ({"kind": "ping", "host": "x"}, "kind must be one of"),
    ({"kind": "tcp", "host": "x"}, "port must be an integer"),
    ({"kind": "tcp", "host": "x", "port": 70000}, "between 1 and 65535"),
    ({"kind": "tcp", "port": 80}, "host must be"),
])
def test_bad_flow_definitions_are_refused(flow, message):
    with pytest.raises(fc.FlowError, match=message):
        fc.run_flows([flow])


def test_summary_and_table(tcp_port, closed_port):
    results = fc.run_flows([
        {"name": "up", "host": "127.0.0.1", "port": tcp_port},
        {"name": "down", "host": "127.0.0.1", "port": closed_port},
        {"name": "optional down", "host": "127.0.0.1", "port": closed_port, "required": False},
        {"name": "outside", "host": "127.0.0.1", "port": closed_port, "test": False},
    ])
    summary = fc.summarize(results)
    assert summary == {"total": 4, "passed": 1, "failed": 2, "not_tested": 1,
                       "failed_required": ["down (127.0.0.1:%d)" % closed_port]}
    lines = fc.render_table(results, "node1").splitlines()
    assert lines[0] == "node1"
    assert lines[1].split()[:2] == ["RESULT", "FLOW"]
    # Columns line up: every row's FLOW column starts where the header's does.
    column = lines[1].index("FLOW")
    assert [line[column:].split("  ")[0] for line in lines[2:]] == ["up", "down", "optional down", "outside"]
    assert lines[2].startswith("PASS") and lines[3].startswith("FAIL ")
    assert lines[4].startswith("FAIL (optional)") and lines[5].startswith("NOT TESTED")


def test_empty_table_says_so():
    assert fc.render_table([], "node3") == "node3\nno flows to check from this node"


def _run_module(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_module_reports_without_failing_by_default(tcp_port, closed_port, capsys):
    code, out = _run_module({"title": "n1", "flows": [
        {"name": "up", "host": "127.0.0.1", "port": tcp_port},
        {"name": "down", "host": "127.0.0.1", "port": closed_port},
    ]}, capsys)
    assert code == 0
    assert out["changed"] is False
    assert [r["status"] for r in out["results"]] == ["pass", "fail"]
    assert out["summary"]["failed_required"] == ["down (127.0.0.1:%d)" % closed_port]
    assert out["table"].splitlines()[0] == "n1"


def test_module_fails_when_asked(closed_port, capsys):
    code, out = _run_module({"fail_on_error": True, "flows": [
        {"name": "down", "host": "127.0.0.1", "port": closed_port}]}, capsys)
    assert code == 1
    assert out["failed"] is True
    assert "down" in out["msg"]
    assert out["results"][0]["status"] == "fail"


def test_module_ignores_failed_optional_flows_with_fail_on_error(closed_port, capsys):
    code, out = _run_module({"fail_on_error": True, "flows": [
        {"name": "down", "host": "127.0.0.1", "port": closed_port, "required": False}]}, capsys)
    assert code == 0
    assert out["summary"]["failed"] == 1


def test_module_runs_in_check_mode(tcp_port, capsys):
    code, out = _run_module({"_ansible_check_mode": True, "flows": [
        {"host": "127.0.0.1", "port": tcp_port}]}, capsys)
    assert code == 0
    assert out["results"][0]["status"] == "pass"


def test_module_requires_a_port_for_tcp(capsys):
    code, out = _run_module({"flows": [{"host": "127.0.0.1", "kind": "tcp"}]}, capsys)
    assert code == 1
    assert "port" in out["msg"]


@pytest.fixture(scope="module")
def https_port(pki):
    """Answers GET /ok with 200 and anything else with 503, over TLS."""
    def answer(tls):
        request = tls.recv(4096).decode("ascii")
        assert "\r\nHost: %s\r\n" % SERVER_NAME in request
        status = "200 OK" if request.startswith("GET /ok ") else "503 Service Unavailable"
        tls.sendall(("HTTP/1.1 %s\r\nContent-Length: 0\r\n\r\n" % status).encode("ascii"))

    yield from _tls_server(pki, answer)


def test_https_sends_a_request_and_checks_the_status(https_port, pki):
    flow = {"kind": "https", "host": "127.0.0.1", "port": https_port, "server_name": SERVER_NAME,
            "ca_file": str(pki / "ca.pem"), "path": "/ok"}
    result = _one(flow)
    assert result["status"] == "pass", result
    assert "verifies" in result["detail"] and "GET /ok answered 200" in result["detail"]
    result = _one(dict(flow, path="/elsewhere"))
    assert result["ok"] is False and "answered 503, expected 200" in result["detail"]
    assert _one(dict(flow, path="/elsewhere", expect_status=[200, 503]))["status"] == "pass"


def test_https_does_not_pass_on_a_certificate_that_does_not_verify(https_port):
    result = _one({"kind": "https", "host": "127.0.0.1", "port": https_port, "server_name": SERVER_NAME,
                   "path": "/ok"})
    assert result["ok"] is False and "does not verify" in result["detail"]


def test_https_to_a_tls_server_that_never_answers_http_fails(tls_port, pki):
    result = _one({"kind": "https", "host": "127.0.0.1", "port": tls_port, "server_name": SERVER_NAME,
                   "ca_file": str(pki / "ca.pem")}, default_timeout=1)
    assert result["ok"] is False


def test_module_runs_an_https_flow(https_port, pki, capsys):
    code, out = _run_module({"flows": [
        {"name": "health", "kind": "https", "host": "127.0.0.1", "port": https_port, "server_name": SERVER_NAME,
         "ca_pem": (pki / "ca.pem").read_text(), "path": "/ok"}], "fail_on_error": True}, capsys)
    assert code == 0, out
    assert out["results"][0]["status"] == "pass"
