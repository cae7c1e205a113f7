# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: haproxy_input_problems
short_description: Every problem with the variables of oth.stack.haproxy
version_added: 0.1.0
description:
- Checks that the server name and the certificate parts are given, that the application backend
  has servers with addresses, the names of the extra frontends and backends, that every hook
  directive list holds one-line directives, that every referenced backend exists and every port
  is a TCP port.
- Returns one message per problem, naming the variable and the fix, or an empty list.
  C(oth.stack.haproxy) fails with all of them before anything on the host changes. The
  certificate parts themselves are checked by M(oth.stack.haproxy_pem).
author:
- oth.stack contributors
positional: servers, parts_given
options:
  _input:
    description: The role's variables by name (C(haproxy_server_name), C(haproxy_frontends), the ports...).
    type: dict
    required: true
  servers:
    description: The backend's servers from the inventory, each C({name, address}).
    type: list
    elements: dict
    required: true
  parts_given:
    description: Whether the private key and the certificate are both given.
    type: bool
    required: true
"""

EXAMPLES = r"""
- name: Check the variables before anything on the host changes
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
  vars:
    problems: >-
      {{ {'haproxy_server_name': 'telehealth.example.com', 'haproxy_https_port': 443}
         | oth.stack.haproxy_input_problems([{'name': 'app1', 'address': '10.0.0.11'}], true) }}
"""

RETURN = r"""
_value:
  description: One message per problem; empty when there is none.
  type: list
  elements: str
  sample: ["haproxy_https_port is 70000: a TCP port is a number from 1 to 65535."]
"""

from ansible_collections.oth.stack.plugins.module_utils.haproxy_inputs import input_problems


def haproxy_input_problems(variables, servers, parts_given):
    return input_problems(dict(variables), list(servers), bool(parts_given))


class FilterModule:
    def filters(self):
        return {"haproxy_input_problems": haproxy_input_problems}
