# SPDX-License-Identifier: GPL-3.0-or-later
"""HAProxy on the load balancer serves the customer's chain and routes to both application servers."""
from conftest import FQDN, node


def curl(client_files, ip, url, *extra):
    return node("client1").run(
        f"curl -sS --max-time 5 --cacert {client_files}/root-ca.pem --resolve {FQDN}:443:{ip['lb1']} "
        f"--resolve {FQDN}:80:{ip['lb1']} {' '.join(extra)} {url}")


def test_chain_verifies_with_only_the_root_trusted(client_files, ip):
    result = node("client1").run(
        f"openssl s_client -connect {ip['lb1']}:443 -servername {FQDN} "
        f"-CAfile {client_files}/root-ca.pem -verify_return_error </dev/null")
    assert result.rc == 0, result.stderr
    assert "Verify return code: 0 (ok)" in result.stdout


def test_https_reaches_both_application_servers(client_files, ip):
    seen = {curl(client_files, ip, f"https://{FQDN}/").stdout.strip() for _ in range(6)}
    assert seen == {"app1", "app2"}


def test_http_redirects_to_https(client_files, ip):
    result = curl(client_files, ip, f"http://{FQDN}/some/path", "-o /dev/null -w '%{http_code} %{redirect_url}'")
    assert result.stdout == f"301 https://{FQDN}/some/path"
