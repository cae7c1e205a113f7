# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The trust boundary of every role; the logic lives in module_utils/inputs.py.

Their documentation is in input_names.yml and input_problems.yml next to this file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.oth.stack.plugins.module_utils import inputs


def input_names(role):
    try:
        return inputs.names(role)
    except inputs.InputError as error:
        raise AnsibleFilterError("oth.stack.input_names: %s" % error)


def input_problems(values, hostvars=None, hosts=None, servers=None):
    return inputs.problems(dict(values), hostvars, list(hosts or []),
                           None if servers is None else list(servers))


class FilterModule:
    def filters(self):
        return {"input_names": input_names, "input_problems": input_problems}
