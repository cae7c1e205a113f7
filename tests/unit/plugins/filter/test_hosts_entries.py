# SPDX-License-Identifier: GPL-3.0-or-later
"""oth.stack.hosts_entries: the lines of the hosts role's block, and the errors a user sees."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.oth.stack.plugins.filter.hosts_entries import hosts_entries

HOSTVARS = {
    "lb1": {"oth_internal_ip": "10.0.0.5"},
    "app1": {"oth_internal_ip": "10.0.0.11", "hosts_aliases": ["app-one"]},
    "app2": {"ansible_default_ipv4": {"address": "10.0.0.12"}},
    "storage1": {"oth_internal_ip": "10.0.0.20"},
    "10.0.0.30": {"oth_internal_ip": "10.0.0.30"},
}


def test_every_node_and_the_fqdn():
    lines = hosts_entries(HOSTVARS, ["lb1", "app1", "app2", "storage1"],
                          fqdn="telehealth.example.com", public_ip="10.0.0.5")
    assert lines == [
        "10.0.0.5  lb1 telehealth.example.com",
        "10.0.0.11 app1 app-one",
        "10.0.0.12 app2",
        "10.0.0.20 storage1",
    ]


def test_the_default_address_comes_from_ansible_facts_when_facts_are_not_injected():
    hostvars = dict(HOSTVARS, app2={"ansible_facts": {"default_ipv4": {"address": "10.0.0.13"}}})
    assert hosts_entries(hostvars, ["app2"]) == ["10.0.0.13 app2"]


def test_a_node_in_two_groups_appears_once():
    assert hosts_entries(HOSTVARS, ["lb1", "lb1"]) == ["10.0.0.5 lb1"]


def test_an_address_named_host_contributes_only_aliases():
    assert hosts_entries(HOSTVARS, ["10.0.0.30"]) == []


def test_ipv6_is_canonicalized():
    lines = hosts_entries({"n": {"oth_internal_ip": "FD00:0:0::1"}}, ["n"])
    assert lines == ["fd00::1 n"]


@pytest.mark.parametrize("value, message", [
    ("10.0.0.300", "oth_internal_ip of host bad is '10.0.0.300', which is not an IPv4 or IPv6 address"),
    ("10.0.0.5/24", "it has a prefix length"),
    ("127.0.0.1", "which other nodes cannot reach"),
    ("0.0.0.0", "which other nodes cannot reach"),
    ("224.0.0.1", "which other nodes cannot reach"),
    ("10.1", "not an IPv4 or IPv6 address"),
])
def test_bad_addresses_name_host_variable_and_value(value, message):
    with pytest.raises(AnsibleFilterError, match=message.replace("(", r"\(").replace(".", r"\.")):
        hosts_entries({"bad": {"oth_internal_ip": value}}, ["bad"])


def test_missing_address_and_fact_is_explained():
    with pytest.raises(AnsibleFilterError, match="host ghost has no oth_internal_ip and no gathered"):
        hosts_entries({"ghost": {}}, ["ghost"])


def test_unknown_host_is_explained():
    with pytest.raises(AnsibleFilterError, match="'nobody' is not a host of this inventory"):
        hosts_entries(HOSTVARS, ["nobody"])


def test_bad_public_ip_names_the_variable():
    with pytest.raises(AnsibleFilterError, match="oth_public_ip is 'not-an-ip'"):
        hosts_entries(HOSTVARS, ["lb1"], fqdn="telehealth.example.com", public_ip="not-an-ip")


def test_bad_alias_is_refused():
    with pytest.raises(AnsibleFilterError, match="hosts_aliases of host x holds the name 'bad name'"):
        hosts_entries({"x": {"oth_internal_ip": "10.0.0.7", "hosts_aliases": ["bad name"]}}, ["x"])


def test_aliases_must_be_a_list():
    with pytest.raises(AnsibleFilterError, match="hosts_aliases of host x must be a list"):
        hosts_entries({"x": {"oth_internal_ip": "10.0.0.7", "hosts_aliases": "alias"}}, ["x"])


def test_duplicate_name_is_refused_with_both_origins():
    hostvars = dict(HOSTVARS, app2={"oth_internal_ip": "10.0.0.12", "hosts_aliases": ["APP1"]})
    with pytest.raises(AnsibleFilterError) as error:
        hosts_entries(hostvars, ["app1", "app2"])
    message = str(error.value)
    assert "the name 'APP1' would resolve to two addresses" in message
    assert "10.0.0.11 (oth_internal_ip of host app1)" in message
    assert "10.0.0.12 (oth_internal_ip of host app2)" in message


def test_fqdn_that_is_a_node_name_on_another_address_is_refused():
    with pytest.raises(AnsibleFilterError, match="'lb1' would resolve to two addresses"):
        hosts_entries(HOSTVARS, ["lb1"], fqdn="lb1", public_ip="10.0.0.9")


MARKER = "# {mark} managed"
CURRENT = """127.0.0.1 localhost
127.0.1.1 app1.example app1
# BEGIN managed
10.0.0.99 storage1
# END managed
10.0.0.11 app1   # the node's own address, as podman writes it
192.0.2.50 users-own-entry
192.0.2.99 storage1 other   # stale
127.0.0.2 lb1
"""


def test_conflicts_outside_the_block_are_reported():
    from ansible_collections.oth.stack.plugins.filter.hosts_conflicts import hosts_conflicts
    lines = ["10.0.0.5 lb1", "10.0.0.11 app1", "10.0.0.20 storage1"]
    conflicts = hosts_conflicts(CURRENT, lines, MARKER, ["app1"])
    assert conflicts == [
        "line 8 '192.0.2.99 storage1 other   # stale' maps storage1 to 192.0.2.99, but the inventory gives it 10.0.0.20",
        "line 9 '127.0.0.2 lb1' maps lb1 to 127.0.0.2, but the inventory gives it 10.0.0.5",
    ]


def test_no_conflicts_without_contradicting_lines():
    from ansible_collections.oth.stack.plugins.filter.hosts_conflicts import hosts_conflicts
    assert hosts_conflicts("127.0.0.1 localhost\n10.0.0.5 lb1\n", ["10.0.0.5 lb1"], MARKER, []) == []
