#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: firewall_apply
short_description: Apply a host's whole firewall rule set with ufw or firewalld in one call
version_added: 0.1.0
description:
  - Makes the host's firewall hold exactly the given allow rules among the rules this module
    owns, adding the missing ones and removing the stale ones, and leaves every other rule alone.
  - Owned rules are marked. With C(ufw), by a rule comment C(<marker>:<rule id>). With
    C(firewalld), by living in two policies named after the marker, C(oth-stack-inbound)
    (ANY to HOST, target CONTINUE, evaluated before the zones) and C(oth-stack-outbound)
    (HOST to ANY, target REJECT, present only when O(egress_policy=restricted)). Zones are not
    edited, so their rules keep working. The peers of each flow are an ipset of its own
    (C(hash:net), named C(<marker>-<flow>-<i|o|r><4|6>), for example C(oth-stack-mariadb-i4)),
    named by one rich rule per port, so the number of rich rules does not grow with the peers.
  - Any number of rules is applied in one step. With C(ufw), its rule files are written once,
    through ufw's own Python library, and loaded with one C(iptables-restore --noflush) per
    address family (the C(ufw) command, one process per rule, is the fallback when the module's
    Python cannot import that library). With C(firewalld), new and gone peers are one command per
    ipset.
  - Incoming traffic is denied by default (C(ufw) default policy, or the zone's target with
    C(firewalld)). Outgoing traffic is allowed unless O(egress_policy=restricted).
  - Never locks out. New allow rules are added before stale ones are removed and before a
    default-deny is switched on or C(ufw) is enabled. It never flushes or resets the firewall.
  - Reads the current state once and changes nothing when it already matches, so a no-change
    run costs a few read-only commands whatever the number of rules.
  - The rules normally come from the P(oth.stack.firewall_rules#filter) filter.
author:
  - oth.stack contributors (@oth)
options:
  backend:
    description:
      - The firewall to drive.
      - C(firewalld) changes both the permanent and the runtime configuration; when the daemon
        is stopped it writes the permanent configuration with C(firewall-offline-cmd), so that
        the rules are in place before the daemon first starts.
    type: str
    required: true
    choices: [ufw, firewalld]
  rules:
    description:
      - The complete list of allow rules the host must have, as produced by
        P(oth.stack.firewall_rules#filter). An empty list removes every owned rule.
      - Required with O(state=applied).
    type: list
    elements: dict
    suboptions:
      id:
        description: Stable identifier of the rule; with C(ufw) it is stored in the comment.
        type: str
        required: true
      direction:
        description: C(in) for traffic to this host, C(out) for traffic it opens.
        type: str
        required: true
        choices: [in, out]
      protocol:
        description:
          - Transport protocol, or C(vrrp) (IP protocol 112, which has no ports).
          - C(ufw) cannot express C(vrrp) on its command line; those rules go to a marked block in
            C(/etc/ufw/before.rules) and C(before6.rules), removed when no such rule is wanted.
        type: str
        required: true
        choices: [tcp, udp, vrrp]
      port:
        description:
          - Destination port, or a C(low-high) range; this host's source port on a reply rule.
          - Empty for C(vrrp).
        type: str
        required: true
      peer:
        description: The remote side, C(any) or a CIDR.
        type: str
        required: true
      family:
        description: Address family of O(rules[].peer); C(any) covers IPv4 and IPv6.
        type: str
        required: true
        choices: [any, ipv4, ipv6]
      flow:
        description: Name of the matrix flow the rule comes from (informational).
        type: str
      reply:
        description:
          - With direction C(out), allow this host's replies from O(rules[].port) to
            O(rules[].peer) even when no connection is tracked, as for an SSH session open
            before the firewall first started.
        type: bool
        default: false
  egress_policy:
    description:
      - C(open) allows all outgoing traffic.
      - C(restricted) denies outgoing traffic except the O(rules) with direction C(out)
        (and, with C(firewalld), ICMP). Replies to allowed connections always pass.
    type: str
    default: open
    choices: [open, restricted]
  exclusive_ports:
    description:
      - C(firewalld) only. Ports, as C(port/protocol), whose incoming traffic is rejected unless
        one of O(rules) allows it, even when a zone opens them to everyone (the stock
        C(ssh) service of the C(public) zone).
      - C(ufw) opens nothing by default and ignores this option.
    type: list
    elements: str
    default: []
  marker:
    description:
      - Marks the rules this module owns; other rules are never touched.
      - Changing it orphans the rules written under the old marker.
    type: str
    default: oth.stack
  state:
    description:
      - C(applied) makes the firewall hold O(rules).
      - C(confirmed) cancels the restore that an earlier C(applied) with O(confirm_timeout)
        scheduled on the host. Run it over a new connection (after a C(reset_connection) task of
        M(ansible.builtin.meta)), since the one the change was made over survives the change by
        connection tracking, whatever the new rules say. When the host has
        already restored its previous rules, the task fails and says so. O(rules) is ignored.
    type: str
    default: applied
    choices: [applied, confirmed]
  confirm_timeout:
    description:
      - Seconds after which the host restores its previous firewall configuration by itself
        unless a task with O(state=confirmed) cancels it; C(0) applies without a confirm window.
      - Only a run that changes the firewall schedules anything. Before its first command the
        host saves the backend's configuration (C(/etc/ufw) and C(/etc/default/ufw), or
        C(/etc/firewalld)) under C(/run/oth-stack/firewall-restore) and starts a transient
        systemd timer, so the restore fires even when the controller is gone. A confirmation or
        a restore removes both. Check mode schedules nothing.
      - The P(oth.stack.firewall#role) role turns it on (C(firewall_confirm_timeout)) and
        confirms over a new connection; a playbook that calls this module with it must do the
        same, or the change is undone.
    type: int
    default: 0
  container_filter:
    description:
      - Also write the filter of ports that Docker publishes, from the inbound O(rules), as
        C(/usr/local/sbin/oth-stack-container-filter), which loads them as the chain
        C(OTH-STACK-CONTAINERS) behind Docker's C(DOCKER-USER) (checked with C(sh -n) before it
        replaces the old one), and the unit C(oth-stack-container-filter.service) that runs it
        whenever Docker starts. Each file is written only when it differs; enabling the unit and
        running it is left to the caller (the P(oth.stack.firewall#role) role does both).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports the rules that would be added and removed; nothing is changed.
  diff_mode:
    support: full
    description: Shows the owned rules and default policies before and after.
  platform:
    support: full
    platforms: posix
    description: Hosts with ufw or firewalld.
requirements:
  - ufw, or firewalld with firewall-cmd (a policy-capable version, 0.9 or later)
notes:
  - With C(firewalld), creating, deleting or re-targeting a policy needs a
    C(firewall-cmd --reload), which drops runtime-only rules of other tools; that happens on the
    first run or when O(egress_policy) changes, never on a run that only adds or removes rules.
seealso:
  - plugin: oth.stack.firewall_rules
    plugin_type: filter
  - module: community.general.ufw
  - module: ansible.posix.firewalld
"""

EXAMPLES = r"""
- name: Apply a flow of one's own to this host with ufw (the firewall role applies the whole matrix)
  oth.stack.firewall_apply:
    backend: ufw
    rules: >-
      {{ [{'name': 'syslog', 'from': ['192.0.2.0/24'], 'to': [inventory_hostname], 'ports': [514], 'protocol': 'udp'}]
         | oth.stack.firewall_rules(inventory_hostname, hostvars, groups, {'oth_egress_policy': 'open'}) }}

- name: Apply a hand-written rule set with firewalld and restricted egress
  oth.stack.firewall_apply:
    backend: firewalld
    egress_policy: restricted
    exclusive_ports: [22/tcp]
    rules:
      - {id: "ssh:in:tcp/22:192.0.2.10/32", direction: in, protocol: tcp, port: "22", peer: 192.0.2.10/32, family: ipv4}
      - {id: "https:out:tcp/443:any", direction: out, protocol: tcp, port: "443", peer: any, family: any}
      - {id: "ssh:reply:tcp/22:192.0.2.10/32", direction: out, reply: true, protocol: tcp, port: "22",
         peer: 192.0.2.10/32, family: ipv4}

- name: Apply with a confirm window of 60 s ...
  oth.stack.firewall_apply:
    backend: ufw
    rules: "{{ my_rules }}"
    confirm_timeout: 60
  register: applied

- name: ... close the connection the change was made over ...
  ansible.builtin.meta: reset_connection

- name: ... and confirm over a new one, which proves the path still works
  oth.stack.firewall_apply:
    backend: ufw
    state: confirmed
  when: applied.confirm_pending
"""

RETURN = r"""
added:
  description: Ids of the rules added (or that would be added in check mode).
  returned: always
  type: list
  elements: str
  sample: ["lb_https:in:tcp/443:any"]
removed:
  description:
    - Ids of the owned rules removed (or that would be). With C(firewalld), a rich rule that
      matches no wanted rule is reported by its text.
  returned: always
  type: list
  elements: str
  sample: ["storage_mariadb:in:tcp/3306:10.0.0.7/32"]
rules:
  description: One line per wanted rule, C(direction protocol/port from|to peer [id]).
  returned: always
  type: list
  elements: str
  sample: ["in tcp/443 from any [lb_https:in:tcp/443:any]"]
confirm_pending:
  description:
    - With O(state=applied), whether the host will restore its previous firewall unless a task
      with O(state=confirmed) runs within O(confirm_timeout).
  returned: always
  type: bool
restore:
  description:
    - With O(state=applied), the scheduled restore (C(unit), C(fires_at) as a Unix time,
      C(timeout)); with O(state=confirmed), what was confirmed or, on failure, restored
      (C(restored_at), C(log), C(change)).
  returned: when a restore is scheduled, confirmed or done
  type: dict
container_filter_written:
  description: With O(container_filter), the files of the container filter written (or that would be).
  returned: always
  type: list
  elements: str
  sample: [/usr/local/sbin/oth-stack-container-filter]
commands:
  description: The commands run, read-only ones included.
  returned: always
  type: list
  elements: str
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oth.stack.plugins.module_utils import container_filter
from ansible_collections.oth.stack.plugins.module_utils.firewall_backends import (
    BACKENDS,
    BackendError,
    rule_line,
)
from ansible_collections.oth.stack.plugins.module_utils.firewall_restore import (
    ConfirmWindow,
    RestoreError,
)

RULE_SPEC = dict(
    id=dict(type="str", required=True),
    direction=dict(type="str", required=True, choices=["in", "out"]),
    protocol=dict(type="str", required=True, choices=["tcp", "udp", "vrrp"]),
    port=dict(type="str", required=True),
    peer=dict(type="str", required=True),
    family=dict(type="str", required=True, choices=["any", "ipv4", "ipv6"]),
    flow=dict(type="str"),
    reply=dict(type="bool", default=False),
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            backend=dict(type="str", required=True, choices=list(BACKENDS)),
            rules=dict(type="list", elements="dict", options=RULE_SPEC),
            egress_policy=dict(type="str", default="open", choices=["open", "restricted"]),
            exclusive_ports=dict(type="list", elements="str", default=[]),
            marker=dict(type="str", default="oth.stack"),
            state=dict(type="str", default="applied", choices=["applied", "confirmed"]),
            confirm_timeout=dict(type="int", default=0),
            container_filter=dict(type="bool", default=False),
        ),
        required_if=[("state", "applied", ["rules"])],
        supports_check_mode=True,
    )
    params = module.params
    window = ConfirmWindow(module, params["backend"])
    if params["state"] == "confirmed":
        confirm(module, window)
    if params["confirm_timeout"] < 0:
        module.fail_json(msg="confirm_timeout must be 0 (no confirm window) or a number of seconds, not %d"
                         % params["confirm_timeout"])
    rules = params["rules"]
    ids = [r["id"] for r in rules]
    if len(set(ids)) != len(ids):
        module.fail_json(msg="rule ids must be unique", rules=ids)

    bad_ports = [p for p in params["exclusive_ports"] if not re.match(r"^\d+(-\d+)?/(tcp|udp)$", p)]
    if bad_ports:
        module.fail_json(msg="exclusive_ports must be port/protocol, as 22/tcp: %s" % ", ".join(bad_ports))

    backend = BACKENDS[params["backend"]](module, params["marker"])
    timeout = params["confirm_timeout"]
    armed = {}

    def arm_restore():
        # Runs after the plan, before the first command that changes the firewall.
        armed.update(window.arm(timeout, backend.summary, backend.active))

    try:
        result = backend.apply(rules, params["egress_policy"], params["exclusive_ports"], module.check_mode,
                               before_change=arm_restore if timeout else None)
        if timeout and not armed and not module.check_mode and window.pending():
            # No change now, but an earlier run's change is still unconfirmed: confirm it too,
            # or the host would undo it after this run reported success.
            armed.update(window.arm(timeout, {"added": [], "removed": []}, backend.active))
            result["changed"] = True
        # After the rules, in the same call: the filter of container-published ports follows them.
        filter_written = []
        if params["container_filter"]:
            filter_written = container_filter.sync(module, rules, params["marker"], module.check_mode)
            result["changed"] = result["changed"] or bool(filter_written)
    except (BackendError, RestoreError, OSError, ValueError) as exc:
        module.fail_json(msg=str(exc), commands=backend.commands + window.commands)

    by_id = dict((r["id"], r) for r in rules)

    def lines(ids):
        return sorted(rule_line(by_id[i]) if i in by_id else i for i in ids)

    wanted = lines(by_id)
    module.exit_json(
        changed=result["changed"],
        added=result["added"],
        removed=result["removed"],
        rules=wanted,
        confirm_pending=bool(armed),
        container_filter_written=filter_written,
        restore=dict((k, armed[k]) for k in ("unit", "fires_at", "timeout")) if armed else None,
        commands=backend.commands + window.commands,
        diff=dict(
            before="\n".join(result["before_state"] + lines(result["current_ids"])) + "\n",
            after="\n".join(result["after_state"] + lines(result["wanted_ids"])) + "\n",
            before_header="%s (owned rules)" % params["backend"],
            after_header="%s (owned rules)" % params["backend"],
        ),
    )


def confirm(module, window):
    if module.check_mode:
        module.exit_json(changed=bool(window.pending()), msg="check mode: nothing confirmed")
    try:
        outcome, info = window.confirm()
    except (RestoreError, OSError) as exc:
        module.fail_json(msg=str(exc), commands=window.commands)
    if outcome == "confirmed":
        module.exit_json(changed=True, restore=info, commands=window.commands,
                         msg="confirmed: the host keeps its new firewall rules")
    if outcome == "none":
        module.exit_json(changed=False, commands=window.commands, msg="no firewall change was waiting for confirmation")
    change = info.get("change") or {}
    module.fail_json(
        msg=("The host restored its previous firewall configuration by itself at %s: the change was not "
             "confirmed within %ss of applying it, which means this run could not open a new connection to "
             "the host after the change. Nothing of the change remains. It had added %s and removed %s. Check "
             "the sources of the management path (firewall_management_sources, oth_admin_sources, "
             "oth_bastion_address, the address Ansible connects from) and run again."
             % (info.get("restored_at"), info.get("timeout"),
                ", ".join(change.get("added", [])) or "no rule", ", ".join(change.get("removed", [])) or "no rule")),
        restored=True, restore=info, commands=window.commands)


if __name__ == "__main__":
    main()
