# SPDX-License-Identifier: GPL-3.0-or-later
"""The spec's network matrix, proven by traffic: every required flow connects, others do not.

Each refused flow targets a port where a listener runs (stand-ins from tools/lab-services.yml,
HAProxy, sshd), so a refusal is the firewall's doing; the allowed flows prove the listeners are up.
"""
import pytest

from conftest import connects

STORAGE_PORTS = (3306, 5671, 5672, 15761, 15762, 9000)


@pytest.mark.parametrize("lb", ("lb1", "lb2"))
@pytest.mark.parametrize("port", (80, 443, 22))
def test_load_balancer_takes_web_and_admin_ssh_from_the_client(port, lb, ip):
    # The client is the lab's admin source, so it may also reach 22.
    assert connects("client1", ip[lb], port)


@pytest.mark.parametrize("port", (80, 443))
def test_the_floating_address_takes_web_from_the_client(port, vip):
    assert connects("client1", vip, port)


@pytest.mark.parametrize("app", ("app1", "app2"))
def test_application_servers_take_port_80_from_the_load_balancer_only(app, ip):
    assert connects("lb1", ip[app], 80)
    assert connects("lb2", ip[app], 80)
    assert not connects("client1", ip[app], 80)
    assert not connects("storage1", ip[app], 80)


@pytest.mark.parametrize("port", STORAGE_PORTS)
def test_storage_takes_its_ports_from_the_application_servers_only(port, ip):
    assert connects("app1", ip["storage1"], port)
    assert connects("app2", ip["storage1"], port)
    assert not connects("lb1", ip["storage1"], port)
    assert not connects("lb2", ip["storage1"], port)
    assert not connects("client1", ip["storage1"], port)


@pytest.mark.parametrize("target", ("app1", "app2", "storage1"))
def test_ssh_to_inner_nodes_only_from_the_bastions(target, ip):
    # Either load balancer of the pair is a bastion (oth_bastion_address: every load balancer).
    assert connects("lb1", ip[target], 22)
    assert connects("lb2", ip[target], 22)
    assert not connects("client1", ip[target], 22)


def test_application_servers_reach_the_solution_over_https(ip):
    # Outbound 443 from the application servers, inbound 443 on the load balancer.
    assert connects("app1", ip["lb1"], 443)


@pytest.mark.parametrize("source", ("app1", "storage1"))
def test_load_balancer_refuses_ssh_from_non_admin_sources(source, ip):
    assert not connects(source, ip["lb1"], 22)
    assert not connects(source, ip["lb2"], 22)
