# SPDX-License-Identifier: GPL-3.0-or-later
"""Ports published by Docker obey the matrix, by traffic.

Both application servers run Debian's docker.io with a container publishing 80 and 8088
(tasks/docker_published.yml): fw-app1 (firewalld, Debian 13) before the role first ran, fw-app2 (ufw,
Debian 12) from the side effect on, after it ran. Port 80 answers the load balancer only, 8088
nobody; still so after Docker restarts, the firewall reloads and Docker starts on empty tables
as at boot. Without the role's chain the client does reach the container: the bypass is real
here, and the test would see it.
"""

import time

import pytest
import testinfra

CHAIN = "OTH-STACK-CONTAINERS"
BACKENDS = {"fw-app1": "firewalld", "fw-app2": "ufw"}
RELOAD = {"ufw": "ufw reload", "firewalld": "firewall-cmd --reload"}


def node(name):
    return testinfra.get_host("podman://%s" % name)


def phase():
    return int(node("fw-client1").run("cat /etc/oth-firewall-phase").stdout.strip() or 1)


def docker_hosts():
    # fw-app2 gets Docker in the side effect: phase 2 only.
    return ["fw-app1"] + (["fw-app2"] if phase() == 2 else [])


def ipv4(name):
    return node(name).check_output("ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1")


def served_by_container(source, name):
    out = node(source).run("curl -s --max-time 3 http://%s/" % ipv4(name))
    return out.rc == 0 and ("served by a container on %s" % name) in out.stdout


def answers(source, name, port):
    return node(source).run("nc -zw2 %s %d" % (ipv4(name), port)).rc == 0


def wait_until_served(name, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if served_by_container("fw-lb1", name):
            return True
        time.sleep(1)
    return False


def assert_matrix_holds(name, when):
    assert served_by_container("fw-lb1", name), "%s: the load balancer gets no answer on 80 %s" % (name, when)
    for source, port in (("fw-client1", 80), ("fw-client1", 8088), ("fw-lb1", 8088), ("fw-storage1", 80)):
        assert not answers(source, name, port), "%s answers %s on %d %s" % (name, source, port, when)


@pytest.mark.parametrize("name", docker_hosts())
def test_published_ports_follow_the_matrix(name):
    host = node(name)
    assert host.service("docker").is_running
    assert host.service("oth-stack-container-filter").is_running
    assert wait_until_served(name), "the container on %s never served the load balancer" % name
    assert_matrix_holds(name, "after the converge")

    host.check_output("systemctl restart docker")
    assert wait_until_served(name)
    assert_matrix_holds(name, "after a restart of Docker")

    host.check_output(RELOAD[BACKENDS[name]])
    time.sleep(2)
    assert_matrix_holds(name, "after a firewall reload")


def test_a_start_of_docker_on_empty_tables_as_at_boot_loads_the_filter():
    # What a reboot does to the packet filter, on the firewalld host (firewalld's own nftables
    # table is not iptables'): Docker stopped, iptables' tables empty, then Docker started,
    # which pulls in the filter's unit as at boot.
    host = node("fw-app1")
    host.check_output("systemctl stop docker.service docker.socket")
    assert not host.service("oth-stack-container-filter").is_running
    for table in ("filter", "nat"):
        host.check_output("iptables -t %s -F && iptables -t %s -X" % (table, table))
    assert host.run("iptables -S %s" % CHAIN).rc != 0
    host.check_output("systemctl start docker.service")
    assert wait_until_served("fw-app1")
    assert host.service("oth-stack-container-filter").is_running
    assert_matrix_holds("fw-app1", "after a start of Docker on empty tables")


def test_the_bypass_is_real_without_the_chain():
    host = node("fw-app1")
    host.check_output("iptables -D DOCKER-USER -j %s" % CHAIN)
    try:
        assert answers("fw-client1", "fw-app1", 8088), "Docker's published port is closed even without the chain"
    finally:
        host.check_output("systemctl restart oth-stack-container-filter")
    assert not answers("fw-client1", "fw-app1", 8088)


def test_rules_the_role_did_not_write_stay():
    host = node("fw-app1")
    chain = host.check_output("iptables -S DOCKER-USER")
    assert "-j %s" % CHAIN in chain
    # Docker's own chains still hold its NAT of both published ports.
    nat = host.check_output("iptables -t nat -S DOCKER")
    assert "--dport 80 " in nat and "--dport 8088 " in nat
