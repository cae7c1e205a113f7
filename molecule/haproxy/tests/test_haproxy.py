# SPDX-License-Identifier: GPL-3.0-or-later
"""The load balancer as the internet and the operator see it: real TLS handshakes and HTTP requests
from the client container, real HAProxy reloads, real failed runs. Tests run in file order; the
later ones re-run converge.yml and leave the lab converged again."""
import json
import shutil
import subprocess

import pytest

from conftest import (FQDN, LIVE_BUNDLE, converge, file_serial, key_body, lab_pki, live_state,
                      master_pid, read, wait_for)


def test_https_reaches_both_application_servers_round_robin(internet):
    answers = [internet.served_app() for _ in range(4)]
    assert sorted(answers) == ["app hap-app1", "app hap-app1", "app hap-app2", "app hap-app2"], answers
    assert answers[0] != answers[1], "consecutive requests must alternate (round robin)"


def test_chain_verifies_with_only_the_root_trusted(internet):
    out = internet.s_client("-verify_return_error", "-CAfile /root/root-ca.pem").stdout
    assert "Verify return code: 0 (ok)" in out, out
    # The intermediate comes from the server: the client only has the root.
    assert "oth.stack lab intermediate CA" in out


def test_alpn_offers_h2_and_http11(internet):
    assert "ALPN protocol: h2" in internet.s_client("-alpn h2,http/1.1").stdout
    assert "ALPN protocol: http/1.1" in internet.s_client("-alpn http/1.1").stdout
    assert internet.curl(f"https://{FQDN}/", "--http2", "-o", "/dev/null", "-w", "%{http_version}").stdout == "2"


def test_tls_policy_is_mozilla_intermediate(internet):
    assert "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256" in internet.s_client(
        "-tls1_2", "-cipher ECDHE-ECDSA-AES128-GCM-SHA256").stdout
    # The alerts come from the server: the client was told to allow what it offers.
    assert "alert protocol version" in internet.s_client("-tls1_1", "-cipher 'DEFAULT:@SECLEVEL=0'").stdout
    assert "alert handshake failure" in internet.s_client("-tls1_2", "-cipher ECDHE-ECDSA-AES128-SHA").stdout


def test_hsts_header_when_enabled(internet):
    headers = internet.curl(f"https://{FQDN}/", "-D", "-", "-o", "/dev/null").stdout.lower()
    assert "strict-transport-security: max-age=63072000" in headers


def test_forwarded_headers_reach_the_application(internet, client):
    seen = json.loads(internet.curl(f"https://{FQDN}/headers").stdout)
    assert seen["x-forwarded-proto"] == "https"
    assert seen["x-forwarded-for"] == client.check_output("hostname -I").split()[0]
    assert seen["host"] == FQDN


def test_port_80_redirects_to_https(internet):
    out = internet.curl(f"http://{FQDN}/some/page?x=1", "-D", "-", "-o", "/dev/null").stdout
    assert out.startswith("HTTP/1.1 301"), out
    assert f"location: https://{FQDN}/some/page?x=1" in out.lower()


def test_acme_challenge_stays_on_http_and_goes_to_its_backend(internet):
    run = internet.curl(f"http://{FQDN}/.well-known/acme-challenge/token123", "-w", "\n%{http_code}")
    assert run.stdout.split() == ["acme", "hap-lb1", "200"], run.stdout


def test_redirect_opt_out_serves_the_application_on_port_80(internet, tmp_path):
    try:
        run = converge(tmp_path, haproxy_http_redirect=False)
        assert run.returncode == 0, run.output
        out = internet.curl(f"http://{FQDN}/", "-w", " %{http_code}").stdout.split()
        assert out[0] == "app" and out[1].startswith("hap-app") and out[2] == "200", out
        assert internet.curl(f"http://{FQDN}/.well-known/acme-challenge/t").stdout.startswith("acme ")
    finally:
        run = converge(tmp_path)
    assert run.returncode == 0, run.output
    assert internet.curl(f"http://{FQDN}/", "-o", "/dev/null", "-w", "%{http_code}").stdout == "301"


def test_hooks_are_applied(lb):
    # haproxy_frontends: the stats page on loopback; haproxy_global_directives: maxconn.
    stats = lb.check_output("curl -sS --max-time 5 'http://127.0.0.1:8404/stats;csv'")
    assert "application,hap-app1" in stats and "acme,responder" in stats
    info = lb.check_output("echo 'show info' | socat stdio /run/haproxy/admin.sock")
    assert "Maxconn: 2000" in info


def test_next_run_starts_a_stopped_haproxy(internet, lb, tmp_path):
    # The run's service facts show HAProxy stopped: the role must not skip starting it.
    lb.check_output("systemctl stop haproxy")
    run = converge(tmp_path)
    assert run.returncode == 0, run.output
    assert lb.check_output("systemctl is-active haproxy") == "active"
    assert lb.check_output("systemctl is-enabled haproxy") == "enabled"
    assert internet.served_app().startswith("app hap-app")


def test_hand_edits_of_the_config_and_the_bundle_are_put_back_on_the_next_run(internet, lb, tmp_path):
    # The role reads the config, the bundle (its SHA-256) and their directory first and skips the
    # writes when they are as wanted: an edit must still count as a difference.
    state = f"sha256sum /etc/haproxy/haproxy.cfg {LIVE_BUNDLE}; stat -c '%a %U:%G' /etc/haproxy/certs {LIVE_BUNDLE}"
    wanted = lb.check_output(state)
    assert wanted.endswith("750 root:root\n600 root:root")
    lb.check_output("echo '# a hand edit' >> /etc/haproxy/haproxy.cfg")
    lb.check_output(f"echo >> {LIVE_BUNDLE} && chmod 0644 {LIVE_BUNDLE}")
    lb.check_output("chmod 0755 /etc/haproxy/certs && chgrp haproxy /etc/haproxy/certs")
    run = converge(tmp_path)
    assert run.returncode == 0, run.output
    assert lb.check_output(state) == wanted
    assert internet.served_app().startswith("app hap-app")


def test_backend_that_goes_down_is_taken_out_of_rotation(internet, apps):
    app2 = apps[1]
    app2.check_output("systemctl stop stand-in-http")
    try:
        # fall 3 x inter 2s: out within about 6 s; meanwhile requests may still reach it.
        assert wait_for(lambda: all(internet.served_app() == "app hap-app1" for _ in range(4)), timeout=20)
        assert {internet.served_app() for _ in range(6)} == {"app hap-app1"}
    finally:
        app2.check_output("systemctl start stand-in-http")
    assert wait_for(lambda: {internet.served_app() for _ in range(4)} == {"app hap-app1", "app hap-app2"},
                    timeout=20), "the server comes back into rotation once its checks pass"


def test_renewal_serves_the_new_certificate_without_restart(internet, lb, pki, tmp_path):
    old_serial, master = internet.served_serial(), master_pid(lb)
    lab_pki(pki, "--renew")
    assert file_serial(pki) != old_serial
    run = converge(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Reload HAProxy" in run.stdout
    assert wait_for(lambda: internet.served_serial() == file_serial(pki), timeout=10)
    assert master_pid(lb) == master, "a renewal reloads HAProxy, it does not restart it"
    assert "Verify return code: 0 (ok)" in internet.s_client("-verify_return_error", "-CAfile /root/root-ca.pem").stdout


def _refused(run, internet, lb, before, serial):
    assert run.returncode != 0, run.stdout
    assert live_state(lb) == before, "a refused run must leave the live files and the master alone"
    assert internet.served_serial() == serial
    assert internet.served_app().startswith("app hap-app")


def test_bundle_with_a_key_that_does_not_match_is_refused(internet, lb, pki, tmp_path):
    other = tmp_path / "other-pki"
    lab_pki(other)
    before, serial = live_state(lb), internet.served_serial()
    wrong_key = read(other / "server.key")
    run = converge(tmp_path, oth_tls_private_key=wrong_key)
    _refused(run, internet, lb, before, serial)
    assert "The TLS bundle from haproxy_tls_private_key" in run.output
    assert key_body(wrong_key) not in run.stdout + run.stderr, "the private key must never be printed"
    assert key_body(read(pki / "server.key")) not in run.stdout + run.stderr


def test_bundle_with_a_chain_from_another_ca_is_refused(internet, lb, tmp_path):
    other = tmp_path / "other-pki"
    lab_pki(other)
    before, serial = live_state(lb), internet.served_serial()
    run = converge(tmp_path, oth_tls_chain=[read(other / "intermediate-ca.pem"), read(other / "root-ca.pem")])
    _refused(run, internet, lb, before, serial)
    assert "haproxy_tls_chain" in run.output


@pytest.mark.parametrize("extra_vars, message", [
    ({"haproxy_acme_backend": "no-such-backend"},
     'haproxy_acme_backend names the backend "no-such-backend", which is not defined'),
    # A raw blob smuggled into a hook: one directive per list item, or nothing.
    ({"haproxy_https_directives": ["http-request deny\nfrontend sneaky"]},
     "haproxy_https_directives[0]: 'http-request deny\\nfrontend sneaky' holds a newline"),
    # The hostile shapes the input layer refuses before anything is installed or written.
    ({"haproxy_https_directives": ["http-request deny # if { src 10.0.0.0/8 }"]}, "holds '#'"),
    ({"oth_fqdn": "telehealth.oth-lab.test\nbind :8080"}, "haproxy_server_name: "),
    # The role's argument spec refuses these two first, in Ansible's words; either way the
    # variable and the value are named and nothing changes.
    ({"haproxy_backend_port": "80:80"}, ("haproxy_backend_port", "'80:80'", "int")),
    ({"oth_internal_ip": "10.0.0.5:80"}, ".oth_internal_ip: '10.0.0.5:80' looks like address:port"),
    ({"oth_internal_ip": ["10.0.0.5"]}, ".oth_internal_ip: ['10.0.0.5'] is a list of 1 items"),
    ({"haproxy_hsts_enabled": "nope"}, ("haproxy_hsts_enabled", "'nope'", "bool")),
    ({"haproxy_backends": [{"name": "acme", "servers": [{"name": "r", "address": "127.0.0.1\n    server x 10.0.0.9",
                                                         "port": 8888}]}]},
     "haproxy_backends[0].servers[0].address: "),
])
def test_bad_variable_fails_before_the_host_changes(internet, lb, tmp_path, extra_vars, message):
    before, serial = live_state(lb), internet.served_serial()
    run = converge(tmp_path, **extra_vars)
    _refused(run, internet, lb, before, serial)
    for fragment in message if isinstance(message, tuple) else (message,):
        assert fragment in run.output, run.output[-2000:]
    assert "changed: [hap-lb1]" not in run.stdout


def test_bundle_from_files_on_the_host(internet, lb, pki, tmp_path):
    """The *_path variables: the parts already sit on the load balancer, the PEM text variables
    (the lab's, still the old certificate) are ignored."""
    other = tmp_path / "renewed"
    shutil.copytree(pki, other)
    lab_pki(other, "--renew")
    lb.check_output("install -d -m 0700 /root/tls")
    for name in ("server.key", "server.pem", "intermediate-ca.pem", "root-ca.pem"):
        subprocess.run(["podman", "cp", str(other / name), f"hap-lb1:/root/tls/{name}"], check=True)
    try:
        run = converge(tmp_path, haproxy_tls_private_key_path="/root/tls/server.key",
                       haproxy_tls_certificate_path="/root/tls/server.pem",
                       haproxy_tls_chain_paths=["/root/tls/root-ca.pem", "/root/tls/intermediate-ca.pem"])
        assert run.returncode == 0, run.output
        assert wait_for(lambda: internet.served_serial() == file_serial(other), timeout=10)
        assert key_body(read(other / "server.key")) not in run.output
    finally:
        run = converge(tmp_path)
    assert run.returncode == 0, run.output
    assert wait_for(lambda: internet.served_serial() == file_serial(pki), timeout=10)


def test_config_rejected_by_haproxy_leaves_live_config_and_new_bundle_out(internet, lb, pki, tmp_path):
    """A renewed certificate and a directive HAProxy rejects in the same run: haproxy -c fails on
    the candidate, and neither the new bundle nor the new config goes live."""
    before, serial = live_state(lb), internet.served_serial()
    lab_pki(pki, "--renew")
    try:
        run = converge(tmp_path, haproxy_global_directives=["no-such-directive on"])
        _refused(run, internet, lb, before, serial)
        assert "haproxy -c rejected the new configuration or bundle" in run.output
        assert "unknown keyword 'no-such-directive'" in run.output, run.output
    finally:
        # The operator fixes the variable and runs again: the renewed certificate goes live.
        run = converge(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert wait_for(lambda: internet.served_serial() == file_serial(pki), timeout=10)
    assert lb.file(LIVE_BUNDLE).sha256sum != before["bundle"]


def _key_shapes(key_pem):
    """The private key as operators paste it wrong: blanks for line breaks, escaped newlines,
    indented (a YAML block gone wrong), cut short, glued to the certificate, the body alone."""
    lines = key_pem.strip().splitlines()
    body = "".join(lines[1:-1])
    return {
        "one-line": " ".join(lines),
        "escaped-newlines": "\\n".join(lines) + "\\n",
        "indented": "\n".join("  " + line for line in lines) + "\n",
        "truncated": "\n".join(lines[:-3]) + "\n",
        "glued": key_pem.strip() + "-----BEGIN CERTIFICATE-----\n",
        "body-alone": body,
        "as-a-list": lines,
    }


def test_a_key_in_any_wrong_shape_is_refused_and_never_printed(internet, lb, pki, tmp_path):
    key_pem = read(pki / "server.key")
    secret_lines = [line for line in key_pem.strip().splitlines()[1:-1] if len(line) >= 16]
    before, serial = live_state(lb), internet.served_serial()
    for shape, value in _key_shapes(key_pem).items():
        run = converge(tmp_path, "-vvv", oth_tls_private_key=value)
        _refused(run, internet, lb, before, serial)
        assert "haproxy_tls_private_key" in run.output, (shape, run.output[-2000:])
        raw = run.stdout + run.stderr
        leaked = [line for line in secret_lines if line[:16] in raw or line[:16] in run.output]
        assert not leaked, "%s: key material in the output" % shape


def test_a_quoted_false_switches_off(internet, lb, tmp_path):
    """INI inventories and -e hand booleans over as text: "false" means false."""
    try:
        run = converge(tmp_path, haproxy_hsts_enabled="false")
        assert run.returncode == 0, run.output[-3000:]
        assert "strict-transport-security" not in internet.curl(f"https://{FQDN}/", "-D", "-", "-o", "/dev/null").stdout.lower()
    finally:
        run = converge(tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    assert "strict-transport-security" in internet.curl(f"https://{FQDN}/", "-D", "-", "-o", "/dev/null").stdout.lower()


def test_check_diff_shows_the_new_bundle_in_public_terms_only(lb, pki, tmp_path):
    other = tmp_path / "renewed"
    shutil.copytree(pki, other)
    lab_pki(other, "--renew")
    before = live_state(lb)
    run = converge(tmp_path, "--check", "--diff", oth_tls_private_key=read(other / "server.key"),
                   oth_tls_certificate=read(other / "server.pem"),
                   oth_tls_chain=[read(other / "intermediate-ca.pem"), read(other / "root-ca.pem")])
    assert run.returncode == 0, run.output[-3000:]
    assert "Show the bundle that goes live" in run.output and "sha256_fingerprint" in run.output
    assert key_body(read(other / "server.key")) not in run.stdout + run.stderr
    assert live_state(lb) == before
