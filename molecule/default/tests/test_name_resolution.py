"""Every node resolves the others by name; application nodes resolve the FQDN to the load balancer."""
import pytest

from conftest import FQDN, NODES, node


@pytest.mark.parametrize("source", NODES)
def test_every_node_resolves_every_other_by_name(source, ip):
    for target in NODES:
        resolved = node(source).run(f"getent ahostsv4 {target}").stdout.split()
        assert resolved and resolved[0] == ip[target], f"{source} resolves {target} to {resolved[:1]}"


@pytest.mark.parametrize("source", ["app1", "app2"])
def test_application_nodes_resolve_the_fqdn_to_the_load_balancer(source, ip):
    resolved = node(source).run(f"getent ahostsv4 {FQDN}").stdout.split()
    assert resolved and resolved[0] == ip["lb1"]
