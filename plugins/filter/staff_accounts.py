# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
name: staff_accounts_as_wanted
short_description: The staff accounts and key files that need no change
version_added: 0.1.0
description:
- Internal to the P(oth.stack.ssh_access#role) role, not a general tool; its
  options may change in any release. Use the role.
- Reads what M(oth.stack.host_state) returned about each listed staff account (shell, groups,
  whether its home exists, password lock, expiry, C(authorized_keys)) and returns the names whose
  account, resp. key file, is already as the role's
  M(ansible.builtin.user) and M(ansible.posix.authorized_key) calls would leave it.
- The role skips those calls for them. Anything unexpected counts as different, so the module
  runs and decides.
author:
- oth.stack contributors
positional: users, shell, staff_group
options:
  _input:
    description: The C(state.accounts) of M(oth.stack.host_state), account name to its state.
    type: dict
    required: true
  users:
    description: The listed accounts, each with C(name) and C(authorized_keys).
    type: list
    elements: dict
    required: true
  shell:
    description: The login shell staff accounts get.
    type: str
    required: true
  staff_group:
    description: The group every staff account is a member of.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Create the staff accounts that are not as wanted yet
  ansible.builtin.user:
    name: "{{ item.name }}"
  loop: "{{ users }}"
  when: item.name not in (read.state.accounts | oth.stack.staff_accounts_as_wanted(users, '/bin/bash', 'oth-staff')).accounts
"""

RETURN = r"""
_value:
  description: C(accounts), the names needing no account change; C(key_files), those needing no key file change.
  type: dict
  sample: {"accounts": ["alice"], "key_files": ["alice", "bob"]}
"""

from ansible_collections.oth.stack.plugins.module_utils.staff_accounts import accounts_as_wanted


def staff_accounts_as_wanted(accounts, users, shell, staff_group):
    return accounts_as_wanted(dict(accounts), list(users), shell, staff_group)


class FilterModule:
    def filters(self):
        return {"staff_accounts_as_wanted": staff_accounts_as_wanted}
