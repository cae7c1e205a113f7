# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over the network matrix; the logic lives in module_utils/network_matrix.py.

Their documentation is in firewall_rules.yml, network_matrix_table.yml, network_matrix_diagram.yml
and node_variables.yml next to this file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError


def firewall_rules(matrix, host, hostvars, groups, variables=None):
    """Return the concrete firewall rules of one host."""
    # Imported here, not with the file (as in hosts_entries.py): netaddr only when needed.
    from ansible_collections.oth.stack.plugins.module_utils.network_matrix import MatrixError, host_rules

    try:
        return host_rules(matrix, host, hostvars, groups, variables or {})
    except MatrixError as exc:
        raise AnsibleFilterError("oth.stack.firewall_rules: %s" % exc)


def node_variables(hostvars, hosts):
    """The variables every node reads of the others, read once (module_utils/network_matrix.py)."""
    from ansible_collections.oth.stack.plugins.module_utils.network_matrix import MatrixError
    from ansible_collections.oth.stack.plugins.module_utils.network_matrix import node_variables as read

    try:
        return read(hostvars, list(hosts))
    except MatrixError as exc:
        raise AnsibleFilterError("oth.stack.node_variables: %s" % exc)


def network_matrix_table(matrix, variables=None, hostvars=None, groups=None, active_only=False):
    """Render the matrix as a Markdown table."""
    from ansible_collections.oth.stack.plugins.module_utils.network_matrix import MatrixError, render_table

    try:
        return render_table(matrix, variables or {}, hostvars, groups, active_only=active_only)
    except MatrixError as exc:
        raise AnsibleFilterError("oth.stack.network_matrix_table: %s" % exc)


def network_matrix_diagram(matrix, variables=None, hostvars=None, groups=None, active_only=False,
                           variable_tiers=None):
    """Render the matrix as a Graphviz diagram (DOT text)."""
    from ansible_collections.oth.stack.plugins.module_utils.network_matrix import MatrixError
    from ansible_collections.oth.stack.plugins.module_utils.network_matrix_diagram import render_diagram

    try:
        return render_diagram(matrix, variables or {}, hostvars, groups, active_only=active_only,
                              variable_tiers=variable_tiers)
    except MatrixError as exc:
        raise AnsibleFilterError("oth.stack.network_matrix_diagram: %s" % exc)


class FilterModule:
    def filters(self):
        return {
            "firewall_rules": firewall_rules,
            "network_matrix_table": network_matrix_table,
            "network_matrix_diagram": network_matrix_diagram,
            "node_variables": node_variables,
        }
