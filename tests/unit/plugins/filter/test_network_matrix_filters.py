# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network matrix filters: thin wrappers that turn matrix errors into filter errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.oth.stack.plugins.filter.network_matrix import (
    FilterModule,
    firewall_rules,
    network_matrix_table,
    node_variables,
)
from ansible_collections.oth.stack.plugins.filter.hosts_entries import hosts_entries
from ansible_collections.oth.stack.plugins.filter.input_layer import input_problems

MATRIX = [
    {"name": "web", "description": "HTTPS", "from": ["any"], "to": ["loadbalancer"], "ports": [443], "protocol": "tcp"},
    {"name": "staff_ssh", "from": ["oth_admin_sources"], "to": ["loadbalancer"], "ports": [22], "protocol": "tcp"},
]
GROUPS = {"all": ["lb1"], "loadbalancer": ["lb1"]}
HOSTVARS = {"lb1": {"oth_internal_ip": "10.0.0.2"}}


def test_filter_names():
    assert set(FilterModule().filters()) == {"firewall_rules", "network_matrix_table", "network_matrix_diagram",
                                              "node_variables"}


def test_firewall_rules_returns_the_hosts_rules():
    rules = firewall_rules(MATRIX, "lb1", HOSTVARS, GROUPS, {"oth_admin_sources": ["192.0.2.1/32"]})
    assert [r["id"] for r in rules] == ["staff_ssh:in:tcp/22:192.0.2.1/32", "web:in:tcp/443:any"]


def test_firewall_rules_without_variables():
    assert [r["id"] for r in firewall_rules(MATRIX[:1], "lb1", HOSTVARS, GROUPS)] == ["web:in:tcp/443:any"]


def test_bad_value_becomes_a_filter_error_naming_variable_and_value():
    with pytest.raises(AnsibleFilterError, match=r"oth.stack.firewall_rules: .*oth_admin_sources.*'192.0.2.1/99'"):
        firewall_rules(MATRIX, "lb1", HOSTVARS, GROUPS, {"oth_admin_sources": ["192.0.2.1/99"]})


def test_ssh_from_everywhere_becomes_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="allow_any_ssh"):
        firewall_rules(MATRIX, "lb1", HOSTVARS, GROUPS, {"oth_admin_sources": ["0.0.0.0/0"]})


def test_table_symbolic_and_resolved():
    symbolic = network_matrix_table(MATRIX, {"oth_admin_sources": ["192.0.2.1/32"]})
    assert "| web | any (0.0.0.0/0, ::/0) | loadbalancer | 443 | TCP | always | HTTPS |" in symbolic
    resolved = network_matrix_table(MATRIX, {"oth_admin_sources": []}, HOSTVARS, GROUPS)
    assert "loadbalancer: 10.0.0.2/32" in resolved
    assert "oth_admin_sources: (empty)" in resolved


def test_table_error_becomes_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="oth.stack.network_matrix_table: .*ports"):
        network_matrix_table([dict(MATRIX[0], ports=[70000])])


class TemplatedVars(dict):
    """One host's hostvars: reading a variable templates it, and a broken template raises."""

    def get(self, name, default=None):
        value = super().get(name, default)
        if isinstance(value, Exception):
            raise value
        return value


SITE_HOSTVARS = {
    "lb1": TemplatedVars(oth_internal_ip="10.0.0.2", hosts_aliases=["edge"], ansible_host="198.51.100.2",
                         ansible_facts={"default_ipv4": {"address": "10.0.0.99"}}, unrelated="x"),
    "app1": TemplatedVars(ansible_facts={"default_ipv4": {"address": "10.0.0.21"}, "packages": {}}),
    "app2": TemplatedVars(oth_internal_ip="10.0.0.22", oth_internal_ipv6="2001:db8::22"),
}
SITE_GROUPS = {"all": ["lb1", "app1", "app2"], "loadbalancer": ["lb1"], "application": ["app1", "app2"]}
SITE_MATRIX = MATRIX + [{"name": "traefik", "from": ["loadbalancer"], "to": ["application"], "ports": [80],
                         "protocol": "tcp"},
                        {"name": "from_app", "from": ["application"], "to": ["loadbalancer"], "ports": [8443],
                         "protocol": "tcp"}]


def test_node_variables_keeps_only_what_nodes_read_of_each_other():
    assert node_variables(SITE_HOSTVARS, SITE_GROUPS["all"]) == {
        "lb1": {"oth_internal_ip": "10.0.0.2", "hosts_aliases": ["edge"], "ansible_host": "198.51.100.2",
                "ansible_facts": {"default_ipv4": {"address": "10.0.0.99"}}},
        "app1": {"ansible_facts": {"default_ipv4": {"address": "10.0.0.21"}}},
        "app2": {"oth_internal_ip": "10.0.0.22", "oth_internal_ipv6": "2001:db8::22"},
    }


@pytest.mark.parametrize("host", SITE_GROUPS["all"])
def test_every_filter_gives_the_same_answer_from_the_copy_as_from_hostvars(host):
    copy = node_variables(SITE_HOSTVARS, SITE_GROUPS["all"])
    variables = {"oth_admin_sources": ["192.0.2.1/32"], "oth_egress_policy": "restricted"}
    assert (firewall_rules(SITE_MATRIX, host, copy, SITE_GROUPS, variables)
            == firewall_rules(SITE_MATRIX, host, SITE_HOSTVARS, SITE_GROUPS, variables))
    assert hosts_entries(copy, SITE_GROUPS["all"]) == hosts_entries(SITE_HOSTVARS, SITE_GROUPS["all"])
    assert input_problems({}, copy, SITE_GROUPS["all"]) == input_problems({}, SITE_HOSTVARS, SITE_GROUPS["all"])


def test_a_bad_address_in_the_copy_is_reported_as_from_hostvars():
    broken = dict(SITE_HOSTVARS, app2=TemplatedVars(oth_internal_ip="10.0.0.300"))
    copy = node_variables(broken, SITE_GROUPS["all"])
    assert input_problems({}, copy, SITE_GROUPS["all"]) == input_problems({}, broken, SITE_GROUPS["all"])
    assert any("hostvars[app2].oth_internal_ip" in p for p in input_problems({}, copy, SITE_GROUPS["all"]))


def test_a_template_that_fails_is_an_error_naming_host_and_variable_not_a_fallback():
    broken = dict(SITE_HOSTVARS, app1=TemplatedVars(oth_internal_ip=ValueError("'ips' is undefined"),
                                                     ansible_facts={"default_ipv4": {"address": "10.0.0.21"}}))
    with pytest.raises(AnsibleFilterError, match=r"oth.stack.node_variables: hostvars\['app1'\].oth_internal_ip "
                                                 r"cannot be evaluated: 'ips' is undefined"):
        node_variables(broken, SITE_GROUPS["all"])
