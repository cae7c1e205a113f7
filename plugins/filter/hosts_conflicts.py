# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
name: hosts_conflicts
short_description: Lines of an /etc/hosts outside the managed block that contradict it
version_added: 0.1.0
description:
- Internal to the P(oth.stack.hosts#role) role, not a general tool; its
  options may change in any release. Use the role.
- Reads an /etc/hosts text and returns a message for every line outside the block (found by O(marker))
  that maps one of the block's names to another address. The resolver would return both addresses, so
  the C(oth.stack.hosts) role refuses to go on while such a line exists.
- Loopback lines for the node's own names (O(own_names)), such as Debian's C(127.0.1.1 host), are allowed.
author:
- oth.stack contributors
positional: lines, marker, own_names
options:
  _input:
    description: The current /etc/hosts text.
    type: str
    required: true
  lines:
    description: The block's lines, as returned by P(oth.stack.hosts_entries#filter).
    type: list
    elements: str
    required: true
  marker:
    description: The block's marker with C({mark}), as given to M(ansible.builtin.blockinfile).
    type: str
    required: true
  own_names:
    description: The names of the node itself.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Refuse contradicting lines
  ansible.builtin.assert:
    that: conflicts | length == 0
    fail_msg: "{{ conflicts | join('; ') }}"
  vars:
    conflicts: "{{ hosts_text | oth.stack.hosts_conflicts(lines, '# {mark} managed', [inventory_hostname]) }}"
"""

RETURN = r"""
_value:
  description: One message per contradicting name, with the line number and text.
  type: list
  elements: str
  sample:
  - line 12 '192.0.2.99 storage1' maps storage1 to 192.0.2.99, but the inventory gives it 10.0.0.20
"""


def hosts_conflicts(current, lines, marker, own_names=None):
    # Imported here, not with the file (as in hosts_entries.py): netaddr only when needed.
    from ansible_collections.oth.stack.plugins.module_utils.hosts_entries import find_conflicts

    return find_conflicts(lines, current, marker, own_names or [])


class FilterModule:
    def filters(self):
        return {"hosts_conflicts": hosts_conflicts}
