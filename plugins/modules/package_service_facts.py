#!/usr/bin/python
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: package_service_facts
short_description: Installed packages, service states and the standard facts in one quick call
version_added: 0.1.0
author:
  - oth.stack contributors (@oth)
description:
  - Sets C(ansible_facts.packages) and C(ansible_facts.services) in the shape
    M(ansible.builtin.package_facts) and M(ansible.builtin.service_facts) use, from two queries of
    the package database (dpkg or rpm) and two of systemd.
  - It exists for speed. On a Debian host it takes a fraction of the time of those two modules
    together (service_facts also runs the C(status) of every SysV init script); the roles of
    oth.stack skip their package and service tasks when these facts show the work done.
  - Each package lists C(name), C(version), C(arch) and C(source) (C(apt) or C(rpm)). Each service
    lists C(name), C(state) (C(running) or C(stopped)), C(status) (the unit file state, as
    C(enabled) or C(disabled)) and C(source) (C(systemd)). Without dpkg or rpm, or on a host not
    booted with systemd, the matching fact is an empty dict.
  - With O(gather_subset), the same call also collects those subsets of the standard facts, as
    M(ansible.builtin.setup) does, which saves that module's round trip.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  facts:
    support: full
  platform:
    platforms: posix
options:
  gather_subset:
    description:
      - Subsets of the standard facts to collect as well, with the names and the syntax of
        M(ansible.builtin.setup)'s O(ansible.builtin.setup#module:gather_subset), for example
        V([min, network]).
      - Empty, the default, collects none of them.
    type: list
    elements: str
    default: []
  only:
    description:
      - Names of the packages and services to report; the others are left out. A service matches
        by its unit name (V(ssh.service)) or without the suffix (V(ssh)).
      - For speed. Ansible copies every fact of a host for every task it runs there, and the
        full lists are most of a Debian host's facts. A name listed that is not installed is
        simply absent, as without O(only).
      - Empty, the default, reports every package and service.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  host_state:
    description:
      - Also read, in the same call, what M(oth.stack.host_state) reads with these options, and
        return it as RV(host_state). It exists for speed. C(playbooks/facts.yml) reads there what
        the roles compare before they write, and each role reads it again itself when this read
        does not hold what it needs.
      - Not set, the default, reads nothing of it.
    type: dict
    suboptions:
      files:
        description: Paths whose owner, group and mode to read.
        type: list
        elements: str
        default: []
      contents:
        description: Paths of O(host_state.files) whose content to return too, base64-encoded.
        type: list
        elements: str
        default: []
      checksums:
        description: Paths of O(host_state.files) whose SHA-256 to return too.
        type: list
        elements: str
        default: []
      accounts:
        description: Accounts to read.
        type: list
        elements: str
        default: []
      group:
        description: A group whose existence and members to read.
        type: str
      group_accounts:
        description: Whether to read every member of O(host_state.group) as O(host_state.accounts) does, too.
        type: bool
        default: false
        version_added: 0.3.0
      passwd:
        description: Whether to list every account (name, uid, gid, home, shell).
        type: bool
        default: false
      login:
        description:
          - Whether to read the account this run logs in with, C(SSH_CONNECTION) and that account's authorized_keys.
          - Under become, from the nearest process above the module that still holds C(SSH_CONNECTION).
        type: bool
        default: false
      ssh_algorithms:
        description: Whether to list the algorithms this host's OpenSSH supports.
        type: bool
        default: false
    version_added: 0.2.0
notes:
  - Only installed packages are listed; dpkg's removed-but-configured ones are not.
seealso:
  - module: ansible.builtin.package_facts
  - module: ansible.builtin.service_facts
"""

EXAMPLES = r"""
- name: Learn what is installed and running
  oth.stack.package_service_facts:

- name: The same, with the OS and the addresses, in one round trip
  oth.stack.package_service_facts:
    gather_subset: [min, network]

- name: Only what the next tasks look at (smaller facts, faster tasks)
  oth.stack.package_service_facts:
    only: [haproxy, haproxy.service]

- name: Install HAProxy only when it is missing
  ansible.builtin.package:
    name: haproxy
  when: "'haproxy' not in ansible_facts['packages']"
"""

RETURN = r"""
ansible_facts:
  description: The packages and the services.
  returned: always
  type: complex
  contains:
    packages:
      description: Package name to the list of its installed versions.
      returned: always
      type: dict
      sample: {"ufw": [{"name": "ufw", "version": "0.36.2-1", "arch": "all", "source": "apt"}]}
    services:
      description: Unit name to its state and unit file status.
      returned: always
      type: dict
      sample: {"ssh.service": {"name": "ssh.service", "state": "running", "status": "enabled", "source": "systemd"}}
    ansible_*:
      description: The standard facts of O(gather_subset), as M(ansible.builtin.setup) returns them.
      returned: when O(gather_subset) is not empty
      type: raw
      sample: {"ansible_os_family": "Debian", "ansible_default_ipv4": {"address": "10.0.0.5"}}
host_state:
  description: What O(host_state) asked for, as M(oth.stack.host_state) returns it in RV(oth.stack.host_state#module:state).
  returned: when O(host_state) is set
  type: dict
  sample: {"login": {"user": "deploy", "ssh_connection": "10.0.0.1 50000 10.0.0.21 22", "authorized_keys": "ssh-ed25519 AAAA..."}}
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.facts import ansible_collector, default_collectors
from ansible.module_utils.facts.collector import CollectorNotFoundError, CycleFoundInFactDeps, UnresolvedFactDep
from ansible.module_utils.facts.namespace import PrefixFactNamespace

from ansible_collections.oth.stack.plugins.module_utils import host_state
from ansible_collections.oth.stack.plugins.module_utils.package_service_state import (
    DPKG_QUERY_FORMAT,
    RPM_QUERY_FORMAT,
    only,
    parse_packages,
    parse_services,
    unit_patterns,
)


def read_packages(module):
    dpkg_query = module.get_bin_path("dpkg-query")
    if dpkg_query:
        _rc, out, _err = module.run_command([dpkg_query, "-W", "-f", DPKG_QUERY_FORMAT], check_rc=True)
        return parse_packages(out, "apt")
    rpm = module.get_bin_path("rpm")
    if rpm:
        _rc, out, _err = module.run_command([rpm, "-qa", "--qf", RPM_QUERY_FORMAT], check_rc=True)
        return parse_packages(out, "rpm")
    return {}


def read_services(module, names):
    systemctl = module.get_bin_path("systemctl")
    # systemd is the init only when this exists (sd_booted); elsewhere systemctl cannot answer.
    if not systemctl or not os.path.isdir("/run/systemd/system"):
        return {}
    # With names, systemd lists only the units they can match: listing every unit file makes it
    # scan all of them, about 0.4 s of its CPU on a Debian host for each call.
    common = ["--type=service", "--no-pager", "--no-legend", "--plain", "--"] + unit_patterns(names)
    _rc, unit_files, _err = module.run_command([systemctl, "list-unit-files"] + common, check_rc=True)
    _rc, units, _err = module.run_command([systemctl, "list-units", "--all"] + common, check_rc=True)
    return parse_services(unit_files, units)


# What ansible.builtin.setup's "min" means.
MINIMAL_GATHER_SUBSET = frozenset((
    "apparmor", "caps", "cmdline", "date_time", "distribution", "dns", "env", "fips", "local", "lsb",
    "pkg_mgr", "platform", "python", "selinux", "service_mgr", "ssh_pub_keys", "user"))


def read_standard_facts(module, gather_subset):
    """The facts ansible.builtin.setup returns for gather_subset, with the same collectors."""
    if not gather_subset:
        return {}
    try:
        collector = ansible_collector.get_ansible_collector(
            all_collector_classes=default_collectors.collectors,
            namespace=PrefixFactNamespace(namespace_name="ansible", prefix="ansible_"),
            filter_spec=[], gather_subset=gather_subset, gather_timeout=10,
            minimal_gather_subset=MINIMAL_GATHER_SUBSET)
    except (TypeError, CollectorNotFoundError, CycleFoundInFactDeps, UnresolvedFactDep) as exc:
        module.fail_json(msg="gather_subset: %s" % exc)
    return collector.collect(module=module)


def main():
    module = AnsibleModule(
        argument_spec={"gather_subset": {"type": "list", "elements": "str", "default": []},
                       "only": {"type": "list", "elements": "str", "default": []},
                       "host_state": {"type": "dict", "options": dict(host_state.READ_OPTIONS)}},
        supports_check_mode=True,
    )
    facts = read_standard_facts(module, module.params["gather_subset"])
    facts.update(packages=read_packages(module), services=read_services(module, module.params["only"]))
    if module.params["only"]:
        facts.update(only(facts["packages"], facts["services"], module.params["only"]))
    extra = {}
    if module.params["host_state"] is not None:
        extra["host_state"] = host_state.read_state(module, module.params["host_state"])
    module.exit_json(changed=False, ansible_facts=facts, **extra)


if __name__ == "__main__":
    main()
