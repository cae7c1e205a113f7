# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks and the admission policy of oth.stack.ssh_access; the logic lives in
module_utils/ssh_access_policy.py.

Their documentation is in ssh_access_input_problems.yml and ssh_access_admission.yml next to
this file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oth.stack.plugins.module_utils import ssh_access_policy


def ssh_access_input_problems(sources_by_variable, users, key_types, permit_open):
    return ssh_access_policy.input_problems(dict(sources_by_variable), list(users), list(key_types),
                                            list(permit_open))


def ssh_access_admission(ssh_peers, host_lines, users, management_user, management_sources,
                         allow_controller, permit_root_login, jump_host, host, own_address, bastion):
    """See ssh_access_policy.admission; the role's tasks/management_path.yml shows the call."""
    return ssh_access_policy.admission(
        list(ssh_peers), list(host_lines), list(users), management_user or "",
        list(management_sources), bool(allow_controller), bool(permit_root_login), jump_host,
        host, own_address or "", bastion)


class FilterModule:
    def filters(self):
        return {
            "ssh_access_input_problems": ssh_access_input_problems,
            "ssh_access_admission": ssh_access_admission,
        }
