# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who oth.stack.ssh_access admits over SSH, and the checks that keep a run from locking itself out.

Two steps, both on the controller, both before anything on the host changes:

- ``input_problems``: every problem with the role's inputs, each message naming the variable,
  the value and the fix;
- ``admission``: from the firewall's sources for port 22 and the one read of the host (the
  login, ``SSH_CONNECTION``, the staff group's members, the accounts), the networks sshd admits
  staff and the management account from, the accounts to retire, and every way this run would
  lock itself out.

Addresses are read by the collection's one parser (module_utils/inputs.py); the inputs
themselves are checked there too, by the role's first task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oth.stack.plugins.module_utils import inputs

ANY_NETWORKS = ["0.0.0.0/0", "::/0"]
SSH_PORT = 22


def network_text(value):
    """'network/prefix' text of an address or network (None if it is neither)."""
    try:
        return inputs.parse_network(value)
    except inputs.InputError:
        return None


def in_any_network(address, networks):
    """Whether the address lies in one of the networks (texts; invalid ones never match)."""
    return inputs.address_in_networks(address, networks)


def _unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _key_set(text):
    """The (type, base64) pairs of an authorized_keys text; options and comments do not matter."""
    keys = set()
    for line in text.splitlines():
        fields = line.split()
        for index, field in enumerate(fields[:-1]):
            if fields[index + 1].startswith("AAAA"):
                keys.add((field, fields[index + 1]))
                break
    return keys


def ssh_sources(rules):
    """The sources the firewall admits to sshd: inbound TCP rules whose port (or range) covers 22.

    One test of "is this SSH" for the firewall and sshd alike, so a flow giving 20-30/tcp admits
    its sources to sshd as it does through the firewall."""
    return _unique([rule["peer"] for rule in rules
                    if rule.get("direction") == "in" and rule.get("protocol") == "tcp"
                    and inputs.covers_port([rule.get("port")], SSH_PORT)])


def _is_jump_host(override, host, own_address, bastion):
    """The host forwards connections when told so, or when it is the bastion by name or address."""
    if override is not None and override != "":
        return inputs.parse_bool(override)
    items = [str(item).strip() for item in ([bastion] if isinstance(bastion, str) else bastion)]
    return host in items or bool(own_address) and in_any_network(own_address, items)


def admission(ssh_peers, host, users, management_user, management_sources, allow_controller,
              permit_root_login, jump_host, host_name, own_address, bastion):
    """Whom sshd admits on this host, whom it retires, and how this run could lock itself out.

    ssh_peers: the sources the firewall admits to port 22 ('any' for everyone), or the host's
        firewall rules, of which those that admit SSH are taken (see ssh_sources()).
    host: the read of the host (tasks/read_host.yml, module oth.stack.host_state): its ``login``
        (user, ssh_connection, authorized_keys), ``group`` (the staff group) and ``passwd``.
    The other arguments are the role's variables of those names; ``host_name`` is the inventory name.

    Returns a dict: sources_net, management_net, present_users, jump_host, login_user, client,
    manager, retired, and problems (messages; empty when the run keeps its own way in).
    """
    if any(isinstance(peer, dict) for peer in ssh_peers):
        ssh_peers = ssh_sources(ssh_peers)
    allow_controller = inputs.parse_bool(allow_controller)
    permit_root_login = inputs.parse_bool(permit_root_login)
    login = host.get("login") or {}
    login_user = login.get("user", "")
    connection = str(login.get("ssh_connection", "")).split()
    client = connection[0] if connection else ""
    members = list((host.get("group") or {}).get("members") or [])
    login_keys = _key_set(login.get("authorized_keys", ""))
    accounts = set(host.get("passwd") or {})

    # sudo as a real boolean: the sudoers template tests it, and "false" must not grant root.
    present = [dict(user, sudo=inputs.parse_bool(user.get("sudo", False)))
               for user in users if user.get("state", "present") == "present"]
    present_names = [user["name"] for user in present]
    listed_absent = [user["name"] for user in users if user.get("state", "present") == "absent"]

    sources_net = _unique([peer for peer in ssh_peers if peer != "any"]
                          + (ANY_NETWORKS if "any" in ssh_peers else []))
    manager = management_user or (login_user if client else "")
    controller = [network_text(client)] if allow_controller and client and network_text(client) else []
    management_net = _unique(sources_net + [text for text in map(network_text, management_sources) if text]
                             + controller)
    retired = [name for name in _unique(members + listed_absent)
               if name not in present_names and name in accounts]

    problems = []
    if manager and (manager in listed_absent or (manager == "root" and not permit_root_login)):
        reason = ("ssh_access_permit_root_login is false" if manager == "root"
                  else "it is listed with state: absent in oth_admin_users")
        problems.append(
            "Ansible manages this host as '{0}', which this run would lock out ({1}). Connect as a "
            "sudo user (ansible_user), or set ssh_access_permit_root_login: true for a first "
            "install.".format(manager, reason))
    # The account this run logs in with may be listed (staff who run Ansible themselves), but
    # never so that the run replaces the key it may be using or takes its sudo away.
    for user in present:
        if user["name"] not in (manager, login_user) or not (client or user["name"] == manager):
            continue
        dropped = login_keys - _key_set("\n".join(user.get("authorized_keys") or []))
        if user["name"] == login_user and dropped or not user["sudo"]:
            problems.append(
                "Ansible logs in to this host as '{0}', which oth_admin_users lists {1}: the run would "
                "{2} and lock itself out. Nothing was changed. List all of its current keys and "
                "sudo: true, remove '{0}' from oth_admin_users, or run as another account "
                "(ansible_user).".format(
                    user["name"],
                    "without {0} of its current keys".format(len(dropped)) if user["name"] == login_user and dropped
                    else "without sudo: true",
                    "replace its authorized_keys with the listed ones" if user["name"] == login_user and dropped
                    else "take its sudo away"))
    if client and not ((login_user == manager and in_any_network(client, management_net))
                       or (login_user in present_names and in_any_network(client, sources_net))):
        problems.append(
            "This run logs in as '{0}' from {1}, which the new sshd policy would not admit "
            "(management sources: {2}; staff sources: {3}). Nothing was changed. Add the "
            "controller's address to ssh_access_management_sources, or connect through the "
            "bastion.".format(login_user, client, ", ".join(management_net), ", ".join(sources_net)))
    if (client and login_user in retired) or manager in retired:
        problems.append(
            "'{0}' is no longer in oth_admin_users but this run logs in with it: retiring it would "
            "lock Ansible out. Run as another admitted account, or keep it listed."
            .format(manager if manager in retired else login_user))

    return {
        "sources_net": sources_net,
        "management_net": management_net,
        "present_users": present,
        "jump_host": _is_jump_host(jump_host, host_name, own_address, bastion),
        "login_user": login_user,
        "client": client,
        "manager": manager,
        "retired": retired,
        "problems": problems,
    }


# The role's algorithm variables, by the key the role's sshd_config reads, and the `ssh -Q` list
# (host_state's ssh_algorithms) each is checked against.
ALGORITHM_LISTS = (
    ("kex", "ssh_access_kex_algorithms", "kex"),
    ("ciphers", "ssh_access_ciphers", "cipher"),
    ("macs", "ssh_access_macs", "mac"),
    ("pubkey", "ssh_access_pubkey_algorithms", "key-sig"),
)


def supported_algorithms(host_algorithms, wanted):
    """The wanted algorithms this host's OpenSSH supports, in the wanted order.

    host_algorithms: host_state's ssh_algorithms (`ssh -Q kex`, `cipher`, `mac`, `key-sig`;
    empty lists before OpenSSH is installed). wanted: the role's four variables by name.
    Returns the four lists by the keys the role's sshd_config reads, ``known`` (OpenSSH listed every
    kind, so the lists can be judged) and ``problems``: one message per variable none of whose
    algorithms the host supports (sshd would refuse the whole file).
    """
    result = {"known": all(host_algorithms.get(listing) for _key, _variable, listing in ALGORITHM_LISTS), "problems": []}
    for key, variable, listing in ALGORITHM_LISTS:
        supported = set(host_algorithms.get(listing) or [])
        result[key] = [name for name in wanted.get(variable) or [] if name in supported]
        if result["known"] and not result[key]:
            result["problems"].append(
                "%s: none of the listed algorithms is supported by the OpenSSH on this host."
                " Add one it supports (ssh -Q on the host lists them)." % variable)
    return result
