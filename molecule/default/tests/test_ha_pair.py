# SPDX-License-Identifier: GPL-3.0-or-later
"""The HA pair: lb1 (ufw) and lb2 (firewalld) hold oth_public_ip with keepalived.

A client polls https://FQDN/ on the floating address every 0.1 s with the chain verified while
the holder's HAProxy stops, while the holder freezes, when it comes back, and while a converge
replaces the certificate on both. The figures of each case go to .cache/ha-failover.json.
"""
import json
import os
import pathlib
import subprocess
import time

import pytest

from conftest import FQDN, LOAD_BALANCERS, connects, holders, node

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCENARIO = pathlib.Path(__file__).resolve().parents[1]
FIGURES = ROOT / ".cache" / "ha-failover.json"
# The bar of the issue: the address serves again within 2 s of a failure.
MAX_GAP = 2.0


@pytest.fixture(scope="module")
def poller(client_files):
    subprocess.run(["podman", "cp", str(SCENARIO / "files" / "poll_https.py"), "client1:/root/poll_https.py"],
                   check=True)

    class Poller:
        def start(self, vip, max_seconds=60):
            node("client1").run("rm -f /root/poll.stop")
            self.process = subprocess.Popen(
                ["podman", "exec", "client1", "python3", "/root/poll_https.py", vip, FQDN,
                 f"{client_files}/root-ca.pem", "0.1", str(max_seconds), "/root/poll.stop"],
                stdout=subprocess.PIPE, text=True)
            time.sleep(1.5)

        def stop(self):
            node("client1").run("touch /root/poll.stop")
            out, _ = self.process.communicate(timeout=30)
            return json.loads(out)

    return Poller()


def record(case, figures):
    FIGURES.parent.mkdir(exist_ok=True)
    data = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    data[case] = figures
    FIGURES.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def master_entries():
    """How often each load balancer's keepalived entered MASTER state since it started."""
    return {lb: node(lb).run("journalctl -u keepalived --no-pager -o cat | grep -c 'Entering MASTER STATE'")
            .stdout.strip() for lb in LOAD_BALANCERS}


def wait_for_one_holder(vip, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = holders(vip)
        if len(found) == 1:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"not exactly one holder of {vip}: {holders(vip)}")


def wait_until_serving(lb, seconds=15):
    """Until the node's own keepalived check passes again (its HAProxy answers)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if node(lb).run("python3 /etc/keepalived/oth-haproxy-serves").rc == 0:
            # rise 2: two passing checks at 1 s before keepalived leaves FAULT.
            time.sleep(3)
            return
        time.sleep(0.2)
    raise AssertionError(f"{lb}'s HAProxy does not serve again")


def test_exactly_one_load_balancer_holds_the_address_and_both_run_keepalived(vip):
    assert len(holders(vip)) == 1
    # Since the first converge, through the idempotence and check-mode runs on a busy machine,
    # the address was taken once: no flap.
    assert sorted(master_entries().values()) == ["0", "1"], master_entries()
    for lb in LOAD_BALANCERS:
        assert node(lb).service("keepalived").is_running
        assert node(lb).file("/etc/keepalived/keepalived.conf").mode == 0o600


def test_vrrp_is_let_in_from_the_peer_only_on_both_backends(ip):
    before = node("lb1").file("/etc/ufw/before.rules").content_string
    assert f"-A ufw-before-input -p vrrp -s {ip['lb2']}/32 -j ACCEPT" in before
    # firewalld: one rule naming the flow's ipset, which holds the peer and nothing else.
    rich = node("lb2").run("firewall-cmd --policy oth-stack-inbound --list-rich-rules").stdout
    assert 'rule family="ipv4" source ipset="oth-stack-loadbalancer_vrrp-i4" protocol value="vrrp" accept' in rich
    assert rich.count('protocol value="vrrp"') == 1
    peers = node("lb2").run("firewall-cmd --ipset oth-stack-loadbalancer_vrrp-i4 --get-entries").stdout.split()
    assert peers == [f"{ip['lb1']}/32"]


def test_a_stopped_haproxy_hands_the_address_over(vip, poller):
    holder = wait_for_one_holder(vip)
    poller.start(vip)
    node(holder).run("systemctl stop haproxy")
    time.sleep(6)
    figures = poller.stop()
    new_holder = wait_for_one_holder(vip)
    node(holder).run("systemctl start haproxy")
    wait_until_serving(holder)
    record("a_haproxy_stopped", dict(figures, holder_before=holder, holder_after=new_holder))
    assert new_holder != holder
    assert figures["longest_gap"] <= MAX_GAP, figures


def test_a_frozen_holder_hands_over_and_coming_back_moves_nothing_back(vip, poller):
    holder = wait_for_one_holder(vip)
    poller.start(vip)
    subprocess.run(["podman", "pause", holder], check=True)
    try:
        time.sleep(6)
        frozen = poller.stop()
        new_holder = wait_for_one_holder(vip)
    finally:
        poller.start(vip)
        subprocess.run(["podman", "unpause", holder], check=True)
    time.sleep(8)
    back = poller.stop()
    final_holder = wait_for_one_holder(vip)
    record("b_holder_frozen", dict(frozen, holder_before=holder, holder_after=new_holder))
    record("c_holder_back", dict(back, holder_after=final_holder))
    assert new_holder != holder
    assert frozen["longest_gap"] <= MAX_GAP, frozen
    assert back["longest_gap"] <= MAX_GAP, back


def test_a_converge_that_replaces_the_certificate_loses_no_request(vip, ip, poller, pki_dir, client_files):
    subprocess.run(["python3", str(ROOT / "tools" / "lab-pki.py"), str(pki_dir), "--renew"], check=True)
    wanted = subprocess.run(["openssl", "x509", "-noout", "-serial", "-in", str(pki_dir / "server.pem")],
                            check=True, capture_output=True, text=True).stdout.strip()
    holder = wait_for_one_holder(vip)
    masters = master_entries()
    poller.start(vip, max_seconds=900)
    run = converge_load_balancers(pki_dir)
    time.sleep(2)
    figures = poller.stop()
    record("d_certificate_replaced", dict(figures, holder_before=holder, holder_after=holders(vip)))
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    assert figures["failed"] == 0, figures
    # Nothing failed, so nothing may have moved: no flap during the converge.
    assert holders(vip) == [holder]
    assert master_entries() == masters
    for lb in LOAD_BALANCERS:
        served = node("client1").run(
            f"openssl s_client -connect {ip[lb]}:443 -servername {FQDN} -CAfile {client_files}/root-ca.pem "
            f"</dev/null 2>/dev/null | openssl x509 -noout -serial")
        assert served.stdout.strip() == wanted, lb


def converge_load_balancers(pki_dir, *extra):
    return subprocess.run(
        ["ansible-playbook", "-i", os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]),
         str(SCENARIO / "apply_loadbalancers.yml"), *extra],
        cwd=ROOT, env=dict(os.environ, OTH_LAB_PKI_DIR=str(pki_dir), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
        capture_output=True, text=True, timeout=900, check=False)


def test_a_config_that_does_not_serve_stops_the_run_at_the_first_load_balancer(vip, poller, pki_dir):
    # haproxy -c accepts it, yet the frontend rejects every connection: only the request after
    # the reload can tell. lb1 changes first (serial), fails that request, and lb2 is not touched.
    broken = json.dumps({"haproxy_https_directives": ["tcp-request connection reject"]})
    lb2_config = node("lb2").file("/etc/haproxy/haproxy.cfg").content_string
    poller.start(vip, max_seconds=900)
    run = converge_load_balancers(pki_dir, "-e", broken)
    time.sleep(2)
    figures = poller.stop()
    record("rolling_bad_config", dict(figures, holder_after=holders(vip)))
    output = run.stdout + run.stderr
    assert run.returncode != 0, output[-3000:]
    assert "lb1 does not serve HTTPS after the change" in output, output[-3000:]
    assert node("lb2").file("/etc/haproxy/haproxy.cfg").content_string == lb2_config
    assert "tcp-request connection reject" in node("lb1").file("/etc/haproxy/haproxy.cfg").content_string
    # The site kept serving: lb2 holds the address (lb1's check fails).
    assert holders(vip) == ["lb2"]
    assert figures["longest_gap"] <= MAX_GAP, figures
    fixed = converge_load_balancers(pki_dir)
    assert fixed.returncode == 0, (fixed.stdout + fixed.stderr)[-3000:]
    wait_until_serving("lb1")
    wait_for_one_holder(vip)


def test_vrrp_refused_by_the_firewall_is_reported_by_preflight(vip, ip, pki_dir):
    wait_for_one_holder(vip)
    # Each load balancer stops letting in the other's adverts, as when their addresses are missing
    # from the flow: each believes it is alone and takes the address. (Removing the allow rules
    # would not do it here: conntrack keeps passing the adverts it already tracks, and firewalld
    # owns its nft table; a table of the test's own drops them before anything else sees them.)
    for lb in LOAD_BALANCERS:
        peer = next(other for other in LOAD_BALANCERS if other != lb)
        drop = node(lb).run(
            "nft add table inet oth_test_vrrp && nft add chain inet oth_test_vrrp input "
            "'{ type filter hook input priority -300; }' && "
            f"nft add rule inet oth_test_vrrp input ip saddr {ip[peer]} ip protocol vrrp drop")
        assert drop.rc == 0, drop.stderr
    try:
        deadline = time.monotonic() + 15
        while len(holders(vip)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(holders(vip)) == 2, {lb: node(lb).run("journalctl -u keepalived -n 8 --no-pager -o cat").stdout
                                        for lb in LOAD_BALANCERS}
        run = subprocess.run(
            ["ansible-playbook", "-i", os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]),
             str(ROOT / "playbooks" / "preflight.yml"), "-e", json.dumps({"preflight_ca_file": str(pki_dir / "root-ca.pem")})],
            cwd=ROOT, env=dict(os.environ, OTH_LAB_PKI_DIR=str(pki_dir), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
            capture_output=True, text=True, timeout=600, check=False)
        output = run.stdout + run.stderr
        assert run.returncode != 0, output[-3000:]
        assert f"2 load balancer(s) hold {vip}" in output, output[-3000:]
        assert "do not hear the VRRP adverts of the others" in output
    finally:
        for lb in LOAD_BALANCERS:
            node(lb).run("nft delete table inet oth_test_vrrp")
    wait_for_one_holder(vip)
    # The holder that stays announces the address again: the nodes that last heard the other
    # one reach it within seconds, without waiting for their ARP entries to expire.
    deadline = time.monotonic() + 5
    while not connects("app1", vip, 443) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert connects("app1", vip, 443)
