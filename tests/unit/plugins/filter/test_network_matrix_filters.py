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
)

MATRIX = [
    {"name": "web", "description": "HTTPS", "from": ["any"], "to": ["loadbalancer"], "ports": [443], "protocol": "tcp"},
    {"name": "staff_ssh", "from": ["oth_admin_sources"], "to": ["loadbalancer"], "ports": [22], "protocol": "tcp"},
]
GROUPS = {"all": ["lb1"], "loadbalancer": ["lb1"]}
HOSTVARS = {"lb1": {"oth_internal_ip": "10.0.0.2"}}


def test_filter_names():
    assert set(FilterModule().filters()) == {"firewall_rules", "network_matrix_table", "network_matrix_diagram"}


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
