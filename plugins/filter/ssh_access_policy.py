# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The checks and the admission policy of oth.stack.ssh_access; the logic lives in
module_utils/ssh_access_policy.py.

Its documentation is in ssh_access_admission.yml next to this file; the inputs are checked by
the collection's input layer (input_problems).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oth.stack.plugins.module_utils import ssh_access_policy


def ssh_access_admission(ssh_peers, host_state, users, management_user, management_sources,
                         allow_controller, permit_root_login, jump_host, host, own_address, bastion):
    """See ssh_access_policy.admission; the role's tasks/management_path.yml shows the call."""
    return ssh_access_policy.admission(
        list(ssh_peers), dict(host_state), list(users), management_user or "",
        list(management_sources), allow_controller, permit_root_login, jump_host,
        host, own_address or "", bastion)


def ssh_access_algorithms(host_algorithms, wanted):
    """See ssh_access_policy.supported_algorithms; the role's vars/main.yml shows the call."""
    return ssh_access_policy.supported_algorithms(dict(host_algorithms), dict(wanted))


class FilterModule:
    def filters(self):
        return {
            "ssh_access_admission": ssh_access_admission,
            "ssh_access_algorithms": ssh_access_algorithms,
        }
