# SPDX-License-Identifier: GPL-3.0-or-later
"""oth.stack.hosts after converge: every node resolves every other, the FQDN where required."""

from __future__ import annotations

import pytest

from pf_helpers import MARKER, NODES, address_of, resolve

FQDN = "telehealth.oth-lab.test"


@pytest.fixture(scope="module")
def addresses():
    return {name: address_of(name) for name in NODES}


@pytest.mark.parametrize("name", NODES)
def test_every_node_resolves_every_node_to_one_address(host, addresses, name):
    # A node's own name may be listed twice (podman adds it too), never with another address.
    assert set(resolve(host, name)) == {addresses[name]}


def test_application_nodes_resolve_the_fqdn_to_the_public_ip(host, addresses):
    groups = host.ansible.get_variables()["group_names"]
    if "application" in groups:
        assert resolve(host, FQDN) == [addresses["pf-lb1"]]
    else:
        # Optional elsewhere (hosts_resolve_fqdn), and off by default.
        assert resolve(host, FQDN) == []


def test_the_users_own_lines_survive(host):
    assert resolve(host, "users-own-entry") == ["192.0.2.50"]
    assert "127.0.0.1\tlocalhost" in host.file("/etc/hosts").content_string


def test_one_block_at_the_top(host):
    lines = host.file("/etc/hosts").content_string.splitlines()
    assert lines[0] == "# BEGIN " + MARKER
    assert sum(1 for line in lines if line == "# END " + MARKER) == 1
