# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall proved by traffic: every node probes every port of every other node, IPv4 and
IPv6, and the outcome must equal the spec's matrix, written out here independently of the role.

Phase 1 is the converge of molecule.yml (restricted egress, MinIO, every feature); phase 2 the
side effect (RabbitMQ's flow dropped, S3 instead of MinIO, open egress).
"""

import json

import pytest
import testinfra

ROLES = {
    "fw-lb1": "loadbalancer",
    "fw-app1": "application",
    "fw-app2": "application",
    "fw-storage1": "storage",
}
CLIENT = "fw-client1"
HOSTS = list(ROLES) + [CLIENT]
APPS = ("fw-app1", "fw-app2")
# Hand-added before the first converge (prepare.yml): the role must leave them working.
FOREIGN_8080 = ("fw-lb1", "fw-storage1")
RABBITMQ = (5671, 5672, 15761, 15762)
PROBES = [("tcp", p) for p in (22, 80, 443, 2195, 3306, 5671, 5672, 8080, 8081, 9000, 15761, 15762)] + [
    ("udp", p) for p in (443, 8081)
]


def node(name):
    # podman exec straight into the container: a tenth of the ansible backend's cost per command.
    return testinfra.get_host("podman://%s" % name)


@pytest.fixture(scope="module")
def addresses():
    found = {}
    for name in HOSTS:
        data = json.loads(node(name).check_output("ip -j addr show dev eth0"))
        infos = data[0]["addr_info"]
        found[name] = {
            "ipv4": next(a["local"] for a in infos if a["family"] == "inet"),
            "ipv6": next(a["local"] for a in infos if a["family"] == "inet6" and a["scope"] == "global"),
        }
    return found


@pytest.fixture(scope="module")
def phase():
    return int(node(CLIENT).run("cat /etc/oth-firewall-phase").stdout.strip() or 1)


@pytest.fixture(scope="module")
def backend():
    # The seeded hosts' backend (OTH_FW_BACKEND); fw-app2 runs ufw whatever it is.
    return "ufw" if node("fw-lb1").exists("ufw") else "firewalld"


def inbound_allowed(dst, src, proto, port, phase):
    role = ROLES.get(dst)
    tcp = proto == "tcp"
    if role is None:
        return True
    if tcp and port == 8080 and dst in FOREIGN_8080:
        return True
    if role == "loadbalancer":
        return tcp and (port in (80, 443) or (port == 22 and src == CLIENT))
    if role == "application":
        return tcp and port in (22, 80) and src == "fw-lb1"
    # storage
    if tcp and port == 22:
        return src == "fw-lb1"
    storage_ports = {3306} | (set(RABBITMQ) | {9000} if phase == 1 else set())
    return tcp and port in storage_ports and src in APPS


def outbound_allowed(src, dst, proto, port, phase):
    role = ROLES.get(src)
    tcp = proto == "tcp"
    if role is None or phase == 2:
        return True
    if role == "loadbalancer":
        return tcp and ((port == 22 and dst in ROLES) or (port == 80 and dst in APPS))
    if role == "application":
        if port == 443:
            return True  # 443/tcp to anywhere, and Vidyo's 443/udp
        return tcp and dst == "fw-storage1" and port in (3306, 9000) + RABBITMQ
    return False


def expected(src, dst, proto, port, phase):
    return outbound_allowed(src, dst, proto, port, phase) and inbound_allowed(dst, src, proto, port, phase)


def test_traffic_matches_the_matrix(addresses, phase):
    mismatches = []
    for src in HOSTS:
        targets = [
            (dst, family, proto, port)
            for dst in HOSTS
            if dst != src
            for family in ("ipv4", "ipv6")
            for proto, port in PROBES
        ]
        request = json.dumps([[addresses[dst][family], port, proto] for dst, family, proto, port in targets])
        result = node(src).run("echo '%s' | /usr/local/bin/oth-probe 2" % request)
        assert result.rc == 0, result.stderr
        for (dst, family, proto, port), answered in zip(targets, json.loads(result.stdout)):
            want = expected(src, dst, proto, port, phase)
            if answered != want:
                mismatches.append(
                    "%s -> %s %s %s/%d: %s, expected %s"
                    % (src, dst, family, proto, port, "open" if answered else "closed", "open" if want else "closed")
                )
    assert not mismatches, "phase %d:\n%s" % (phase, "\n".join(mismatches))


@pytest.mark.parametrize("name", FOREIGN_8080)
def test_foreign_rule_survives(name, backend):
    host = node(name)
    if backend == "ufw":
        assert "ufw allow 8080/tcp" in host.check_output("ufw show added")
    else:
        assert "8080/tcp" in host.check_output("firewall-cmd --permanent --zone=public --list-ports").split()
        assert "8080/tcp" in host.check_output("firewall-cmd --zone=public --list-ports").split()


def test_stale_rule_of_ours_is_gone(backend, addresses):
    host = node("fw-storage1")
    client = addresses[CLIENT]["ipv4"]
    if backend == "ufw":
        assert client not in host.check_output("ufw show added")
    else:
        for flag in ("--permanent ", ""):
            assert client not in host.check_output("firewall-cmd %s--policy=oth-stack-inbound --list-rich-rules" % flag)
            # Nor in the ipsets that hold the flows' peers.
            for ipset in host.check_output("firewall-cmd %s--get-ipsets" % flag).split():
                if ipset.startswith("oth-stack-"):
                    entries = host.check_output("firewall-cmd %s--ipset=%s --get-entries" % (flag, ipset)).split()
                    assert client + "/32" not in entries, ipset


@pytest.mark.parametrize("name", list(ROLES))
def test_firewall_is_enabled_for_both_families(name):
    host = node(name)
    if host.exists("ufw"):
        assert host.check_output("ufw status").startswith("Status: active")
        assert host.file("/etc/default/ufw").contains("^IPV6=yes")
        assert host.service("ufw").is_enabled
    else:
        assert host.service("firewalld").is_running
        assert host.service("firewalld").is_enabled
