# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
name: hosts_entries
short_description: The /etc/hosts lines that make every node resolve every other node
version_added: 0.1.0
description:
  - Builds the lines of the C(oth.stack.hosts) managed block from the inventory. Each node of
    O(nodes) contributes its inventory name and its C(hosts_aliases), at its C(oth_internal_ip)
    (or, when that is unset, its gathered C(ansible_facts.default_ipv4.address)).
  - Optionally adds O(fqdn) at O(public_ip).
  - Every address is checked with netaddr and every name for host-name syntax. A name that would
    resolve to two addresses is refused. Errors name the host, the variable and the value.
  - A node whose inventory name is an IP address contributes only its aliases.
author:
  - oth.stack contributors
requirements:
  - netaddr (on the controller)
positional: nodes
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  nodes:
    description: The inventory host names to resolve, in order.
    type: list
    elements: str
    required: true
  fqdn:
    description: A public name to add, for example C(oth_fqdn). Omitted when empty.
    type: str
  public_ip:
    description: The address for O(fqdn), for example C(oth_public_ip).
    type: str
"""

EXAMPLES = r"""
- name: Lines for every node of three groups, plus the public name
  ansible.builtin.set_fact:
    hosts_lines: >-
      {{ hostvars | oth.stack.hosts_entries(groups['loadbalancer'] + groups['application'],
                                             fqdn=oth_fqdn, public_ip=oth_public_ip) }}
"""

RETURN = r"""
_value:
  description: One line per address, C(ADDRESS NAME [NAME...]), addresses padded to one width.
  type: list
  elements: str
  sample: ["10.0.0.5  lb1 telehealth.example.com", "10.0.0.11 app1"]
"""

from ansible.errors import AnsibleError, AnsibleFilterError


def _node_records(hostvars, node):
    from ansible_collections.oth.stack.plugins.module_utils.hosts_entries import is_address
    from ansible_collections.oth.stack.plugins.module_utils.network_matrix import default_ipv4_address

    try:
        variables = hostvars[node]
    except KeyError:
        raise AnsibleFilterError("hosts_entries: %r is not a host of this inventory" % node)
    try:
        address = variables.get("oth_internal_ip")
        address_var = "oth_internal_ip"
        if address in (None, ""):
            address = default_ipv4_address(variables)
            address_var = "ansible_facts.default_ipv4.address (the fact used when oth_internal_ip is unset)"
        aliases = variables.get("hosts_aliases") or []
    except AnsibleError as exc:
        raise AnsibleFilterError("hosts_entries: the variables of host %s cannot be evaluated: %s" % (node, exc))
    if address in (None, ""):
        raise AnsibleFilterError(
            "hosts_entries: host %s has no oth_internal_ip and no gathered default IPv4 fact; set "
            "oth_internal_ip for it, or gather its facts in the same run (it may be outside --limit)" % node)
    if isinstance(aliases, str) or not isinstance(aliases, (list, tuple)):
        raise AnsibleFilterError("hosts_entries: hosts_aliases of host %s must be a list of names, got %r"
                                 % (node, aliases))
    names = [] if is_address(node) else [(node, "the inventory name")]
    names += [(alias, "hosts_aliases") for alias in aliases]
    return [{"name": name, "name_var": name_var, "address": address, "address_var": address_var, "host": node}
            for name, name_var in names]


def hosts_entries(hostvars, nodes, fqdn=None, public_ip=None):
    # Imported here, not with the file: Ansible imports every filter file up to the one it needs
    # in each task's worker to find any oth.stack filter, and netaddr is only needed here.
    from ansible_collections.oth.stack.plugins.module_utils.hosts_entries import (
        HostsEntriesError,
        build_entries,
        render_lines,
    )

    records = []
    for node in nodes:
        records.extend(_node_records(hostvars, node))
    if fqdn:
        records.append({"name": fqdn, "name_var": "oth_fqdn", "address": public_ip,
                        "address_var": "oth_public_ip", "host": None})
    try:
        return render_lines(build_entries(records))
    except HostsEntriesError as exc:
        raise AnsibleFilterError("hosts_entries: %s" % exc)


class FilterModule:
    def filters(self):
        return {"hosts_entries": hosts_entries}
