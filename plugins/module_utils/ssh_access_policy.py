# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who oth.stack.ssh_access admits over SSH, and the checks that keep a run from locking itself out.

Two steps, both on the controller, both before anything on the host changes:

- ``input_problems``: every problem with the role's inputs, each message naming the variable,
  the value and the fix;
- ``admission``: from the firewall's sources for port 22 and the one read of the host (the
  login, ``SSH_CONNECTION``, the staff group's members, the accounts), the networks sshd admits
  staff and the management account from, the accounts to retire, and every way this run would
  lock itself out.

Addresses use the standard library's ``ipaddress``: it is enough for membership and CIDR checks,
and costs nothing to import in each of Ansible's per-task worker processes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

ANY_NETWORKS = ["0.0.0.0/0", "::/0"]
_LOGIN_NAME_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_PERMIT_OPEN_RE = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5}|\*)$")


def _network(value):
    """``value`` as an ip_network (an address is its own /32 or /128), or None if it is not one.

    Host bits must be zero (10.0.0.0/24, not 10.0.0.5/24), as sshd and the firewall need.
    """
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError:
        return None


def network_text(value):
    """'network/prefix' text of an address or network (None if it is neither)."""
    network = _network(value)
    return None if network is None else network.with_prefixlen


def _address(value):
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # sshd sees an IPv4 client of a dual-stack listener as IPv4 (OpenSSH normalises it).
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def in_any_network(address, networks):
    """Whether the address lies in one of the networks (texts; invalid ones never match)."""
    address = _address(address) if isinstance(address, str) else None
    if address is None:
        return False
    return any(address in network for network in map(_network, networks) if network is not None)


def _truncate(text, length=40):
    return text if len(text) <= length + 5 else text[:length - 3] + "..."


def _unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def input_problems(sources_by_variable, users, key_types, permit_open):
    """Every problem with the role's inputs, as messages that say what to fix (empty: none).

    sources_by_variable: variable name -> its list of addresses or networks.
    users: oth_admin_users. key_types: ssh_access_key_types. permit_open: ssh_access_permit_open.
    """
    problems = []
    for variable, values in sources_by_variable.items():
        for value in values or []:
            if _network(value) is None:
                problems.append(
                    "{0}: '{1}' is not an IPv4/IPv6 address or network in CIDR form (host bits "
                    "must be zero: 10.0.0.0/24, not 10.0.0.5/24). Fix the value in your "
                    "inventory.".format(variable, value))

    names = [user.get("name") for user in users]
    for user in users:
        name = user.get("name")
        keys = user.get("authorized_keys") or []
        if (not isinstance(name, str) or not _LOGIN_NAME_RE.match(name) or name == "root"
                or names.count(name) != 1 or (not keys and user.get("state", "present") != "absent")):
            problems.append(
                "oth_admin_users: entry '{0}' is invalid: the name must be a lower-case login "
                "name other than root, listed once, and a present account needs at least one key "
                "in authorized_keys (use state: absent to retire it).".format(name))

    key_re = re.compile(r"^(\S+\s+)?({0})\s+AAAA[A-Za-z0-9+/]+={{0,3}}(\s.*)?$".format(
        "|".join(re.escape(key_type) for key_type in key_types)))
    for user in users:
        for key in user.get("authorized_keys") or []:
            if not isinstance(key, str) or not key_re.search(key):
                problems.append(
                    "oth_admin_users[{0}].authorized_keys: '{1}' is not an accepted public key. "
                    "Give one OpenSSH public key line per entry, '<type> <base64> [comment]', with "
                    "type one of {2} (set ssh_access_key_types to accept others).".format(
                        user.get("name"), _truncate(str(key)), ", ".join(key_types)))

    for target in permit_open:
        if not isinstance(target, str) or not _PERMIT_OPEN_RE.match(target):
            problems.append(
                "ssh_access_permit_open: '{0}' is not host:port (IPv6 as [addr]:port). Fix the "
                "value, or leave the list empty to let the jump host forward anywhere.".format(target))
    return problems


def _is_jump_host(override, host, own_address, bastion):
    """The host forwards connections when told so, or when it is the bastion by name or address."""
    if override is not None:
        return bool(override)
    items = [str(item).strip() for item in ([bastion] if isinstance(bastion, str) else bastion)]
    return host in items or bool(own_address) and in_any_network(own_address, items)


def admission(ssh_peers, host_lines, users, management_user, management_sources, allow_controller,
              permit_root_login, jump_host, host, own_address, bastion):
    """Whom sshd admits on this host, whom it retires, and how this run could lock itself out.

    ssh_peers: the sources the firewall admits to port 22 ('any' for everyone).
    host_lines: the read of the host (tasks/read_host.yml): the login, SSH_CONNECTION, four
        algorithm lines, the staff group's entry, sshd_config's stat and content, then passwd.
    The other arguments are the role's variables of those names; ``host`` is the inventory name.

    Returns a dict: sources_net, management_net, present_users, jump_host, login_user, client,
    manager, retired, and problems (messages; empty when the run keeps its own way in).
    """
    login_user = host_lines[0] if host_lines else ""
    connection = (host_lines[1] if len(host_lines) > 1 else "").split()
    client = connection[0] if connection else ""
    group_fields = (host_lines[6] if len(host_lines) > 6 else "").split(":") + ["", "", "", ""]
    members = [member for member in group_fields[3].split(",") if member]
    accounts = {line.split(":", 1)[0] for line in host_lines[9:] if line}

    present = [user for user in users if user.get("state", "present") == "present"]
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
        "jump_host": _is_jump_host(jump_host, host, own_address, bastion),
        "login_user": login_user,
        "client": client,
        "manager": manager,
        "retired": retired,
        "problems": problems,
    }
