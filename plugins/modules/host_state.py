#!/usr/bin/python
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: host_state
short_description: Read, in one round trip, what the oth.stack roles compare before they write
version_added: 0.2.0
author:
  - oth.stack contributors (@oth)
description:
  - Returns, as structured data, the state of files, accounts, a group, the login and the OpenSSH
    algorithms of a host, so that a role can compare it with what it would write and skip the
    writes already as wanted. Nothing on the host changes.
  - The format lives here and in C(module_utils/host_state.py) only; the roles read named keys,
    never positional lines.
  - Password hashes are never returned (only whether the password is locked and the expiry day),
    and a file's content only when asked for in O(contents); ask for the checksum of a file that
    holds a key, never for its content.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  files:
    description:
      - Paths whose owner, group and mode to read (a missing one reads as C(exists=false)).
      - The result is keyed by each path exactly as given.
    type: list
    elements: str
    default: []
  contents:
    description: Paths of O(files) whose content to return too, base64-encoded.
    type: list
    elements: str
    default: []
  checksums:
    description: Paths of O(files) whose SHA-256 to return too.
    type: list
    elements: str
    default: []
  accounts:
    description: Accounts to read - shell, home, groups, password lock, expiry, authorized_keys.
    type: list
    elements: str
    default: []
  group:
    description: A group whose existence and members to read.
    type: str
  group_accounts:
    description: Whether to read every member of O(group) as O(accounts) does, too.
    type: bool
    default: false
    version_added: 0.3.0
  passwd:
    description: Whether to list every account (name, uid, gid, home, shell).
    type: bool
    default: false
  login:
    description:
      - Whether to read the account this run logs in with, C(SSH_CONNECTION) and that account's
        authorized_keys.
      - Under become, which drops C(SSH_CONNECTION), they are read from the nearest process above
        the module that still holds it (the become process or the login's shell), and the account
        from C(SUDO_UID) or that process's owner.
    type: bool
    default: false
  ssh_algorithms:
    description: Whether to list the algorithms this host's OpenSSH supports (C(ssh -Q)); empty lists without OpenSSH.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read the live config and the bundle's checksum
  oth.stack.host_state:
    files: [/etc/haproxy/haproxy.cfg, /etc/haproxy/certs/site.pem]
    contents: [/etc/haproxy/haproxy.cfg]
    checksums: [/etc/haproxy/certs/site.pem]
  register: live

- name: Show whether the bundle is private
  ansible.builtin.debug:
    msg: "{{ live.state.files['/etc/haproxy/certs/site.pem'].mode == '600' }}"
"""

RETURN = r"""
state:
  description: What was asked for; keys not asked for are absent.
  returned: always
  type: dict
  contains:
    files:
      description: Path to C(exists), C(owner), C(group), C(mode) (octal text, C(644)), C(sha256), C(content) (base64).
      type: dict
      returned: when O(files) is given
      sample: {"/etc/ssh/sshd_config": {"exists": true, "owner": "root", "group": "root", "mode": "644",
                                        "sha256": "", "content": "IyBtYW5hZ2Vk"}}
    accounts:
      description: >-
        Name to C(exists), C(shell), C(home), C(home_exists), C(groups), C(password_locked),
        C(expires) (the shadow field, empty for never), C(shadow_found), C(authorized_keys) (text).
      type: dict
      returned: when O(accounts) or O(group_accounts) is given
    group:
      description: C(name) (as asked), C(exists) and C(members).
      type: dict
      returned: when O(group) is given
    passwd:
      description: Account name to C(uid), C(gid), C(home), C(shell).
      type: dict
      returned: when O(passwd) is true
    login:
      description: C(user), C(ssh_connection) and C(authorized_keys) (text) of the account the module runs as.
      type: dict
      returned: when O(login) is true
    ssh_algorithms:
      description: C(kex), C(cipher), C(mac) and C(key-sig) to the lists C(ssh -Q) prints.
      type: dict
      returned: when O(ssh_algorithms) is true
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oth.stack.plugins.module_utils import host_state


def main():
    module = AnsibleModule(argument_spec=dict(host_state.READ_OPTIONS), supports_check_mode=True)
    module.exit_json(changed=False, state=host_state.read_state(module, module.params))


if __name__ == "__main__":
    main()
