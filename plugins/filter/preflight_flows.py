# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
name: preflight_flows
short_description: The flows one node checks in the preflight, from the network matrix
version_added: 0.1.0
description:
  - >-
    Turns the network matrix into the O(oth.stack.flow_check#module:flows) of
    M(oth.stack.flow_check) for one host. Every TCP rule the host would need outbound under
    C(oth_egress_policy=restricted) towards a single address becomes a TCP connect to that
    address (named after the matrix flow and the peer's inventory name).
  - Matrix flows to C(any) have no address to try; for those named in O(external) whose
    condition holds and whose sending side includes the host, each endpoint is added as an
    optional flow, not tested unless O(test_external).
  - Uses the same matrix and variables as the firewall role, so the preflight checks what the
    rules open.
author:
  - oth.stack contributors
requirements:
  - netaddr (on the controller)
positional: host, hostvars, groups, variables
options:
  _input:
    description: The network matrix (C(oth_network_matrix) plus C(oth_network_matrix_extra)).
    type: list
    elements: dict
    required: true
  host:
    description: The inventory name of the checking node.
    type: str
    required: true
  hostvars:
    description: C(hostvars).
    type: dict
    required: true
  groups:
    description: C(groups).
    type: dict
    required: true
  variables:
    description: The named variables the matrix refers to (C(oth_features), C(oth_mariadb_host), ...).
    type: dict
    required: true
  external:
    description: Matrix flow name to a list of C({host, port}) outside endpoints.
    type: dict
    default: {}
  test_external:
    description: Whether the outside endpoints are tried or only listed.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Check what the matrix says this node must reach
  oth.stack.flow_check:
    flows: >-
      {{ oth_network_matrix | oth.stack.preflight_flows(inventory_hostname, hostvars, groups,
           {'oth_admin_sources': oth_admin_sources, 'oth_admin_ssh_to_application': false,
            'oth_features': oth_features, 'oth_object_storage': oth_object_storage,
            'oth_egress_policy': 'open', 'oth_bastion_address': groups['loadbalancer'],
            'oth_mariadb_host': groups['storage'][0], 'oth_rabbitmq_host': groups['storage'][0],
            'oth_minio_host': groups['storage'][0]},
           external={'sms': [{'host': 'api.twilio.com', 'port': 443}]}) }}
"""

RETURN = r"""
_value:
  description:
    - Flows for M(oth.stack.flow_check), each with C(name), C(kind), C(host), C(port).
    - For outside endpoints also C(required=false), C(test) and C(reason).
  type: list
  elements: dict
  sample: [{name: mariadb storage1, kind: tcp, host: 10.0.0.20, port: 3306}]
"""

from ansible.errors import AnsibleFilterError


def preflight_flows(matrix, host, hostvars, groups, variables, external=None, test_external=False):
    # Imported here, not with the file (as in hosts_entries.py): netaddr only when needed.
    from ansible_collections.oth.stack.plugins.module_utils.network_matrix import MatrixError
    from ansible_collections.oth.stack.plugins.module_utils.preflight import preflight_flows as _preflight_flows

    try:
        return _preflight_flows(matrix, host, hostvars, groups, variables or {}, external or {}, test_external)
    except MatrixError as exc:
        raise AnsibleFilterError("oth.stack.preflight_flows: %s" % exc)


class FilterModule:
    def filters(self):
        return {"preflight_flows": preflight_flows}
