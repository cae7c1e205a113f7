# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network matrix: validation, resolution against an inventory, one host's rules, docs.

A matrix is a list of flows. Each flow names who may reach whom::

    name: storage_mariadb            # unique, [a-z0-9_]
    description: MariaDB endpoint    # the spec's wording
    from: [application]              # the side that opens the connection
    to: [oth_mariadb_host]           # the side that accepts it
    ports: [3306]                    # numbers or "low-high" ranges
    protocol: tcp                    # tcp, udp, or a list of both; or vrrp, with no ports
    condition:                       # optional; every item must hold
      - {var: oth_object_storage, equals: minio}
    allow_any_ssh: false             # required to open port 22 to 0.0.0.0/0 or ::/0
    reply_out: false                 # default: true when the TCP ports cover 22 (see below)

An endpoint item is ``any`` (every IPv4 and IPv6 address), an IP address or CIDR, an inventory
group, an inventory host, or the name of a variable handed in ``variables`` whose value is one of
those (or a list of them). A host is on a side when it is a member of a group there, is named
there, or owns an address listed there. A host on the ``to`` side gets inbound rules from every
address of the ``from`` side; a host on the ``from`` side gets outbound rules to every address of
the ``to`` side, but only under ``oth_egress_policy: restricted`` (open egress needs none).

Under restricted egress, a ``reply_out`` flow also gives the accepting host an outbound *reply*
rule per source: TCP from its own port back to that source. A firewall that starts for the first
time tracks connections only from then on; the first packet it sees of a session already open
(Ansible's own, a staff login, a jump through the bastion) is the host's reply, which a default
deny on egress would drop, stalling that session. SSH flows get it by default.

This file is shared by the filter plugins; it runs on the controller and needs netaddr.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.oth.stack.plugins.module_utils import inputs

try:
    import netaddr

    HAS_NETADDR = True
except ImportError:  # pragma: no cover - reported by check_requirements()
    HAS_NETADDR = False

# Groups of the stack (README.md): they may be absent from an inventory (an external
# database replaces storage), which makes them empty rather than unknown.
STANDARD_GROUPS = ("loadbalancer", "application", "storage")
ANY = "any"
SSH_PORT = 22
PROTOCOLS = ("tcp", "udp", "vrrp")
# IP protocols without ports (VRRP, IP protocol 112, between load balancers): their flows list no
# ports and their rules carry an empty port.
PORTLESS_PROTOCOLS = ("vrrp",)
EGRESS_POLICIES = ("open", "restricted")

_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_]*")
# Strings made only of these characters are meant as addresses: a bad one is an error at once,
# never taken for a host name.
_ADDRESS_LIKE_RE = re.compile(r"[0-9a-fA-F:./]+")
_FLOW_KEYS = frozenset(
    ("name", "description", "from", "to", "ports", "protocol", "condition", "allow_any_ssh", "reply_out")
)


class MatrixError(ValueError):
    """A matrix, an inventory value or a variable that cannot produce firewall rules."""


def check_requirements():
    if not HAS_NETADDR:
        raise MatrixError(
            "the network matrix needs the Python library netaddr on the controller "
            "(pip install netaddr)"
        )


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


# --------------------------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------------------------


def parse_network(value, where):
    """Return a netaddr.IPNetwork for an address or CIDR, or raise MatrixError naming ``where``."""
    check_requirements()
    if isinstance(value, str) and value.strip().lower() == ANY:
        raise MatrixError("%s: %r is not an IP address or CIDR" % (where, value))
    try:
        return netaddr.IPNetwork(inputs.parse_network(value))
    except inputs.InputError as error:
        raise MatrixError("%s: %s %s" % (where, inputs.show(value), error))


def network_text(network):
    return "%s/%d" % (network.ip, network.prefixlen)


def _family(network):
    return "ipv%d" % network.version


# --------------------------------------------------------------------------------------------
# Matrix validation
# --------------------------------------------------------------------------------------------


def parse_ports(value, where):
    """Return a list of canonical port strings ("443", "5000-5010") in the given order."""
    ports = []
    for item in _as_list(value):
        try:
            ports.append(inputs.parse_ports(item))
        except inputs.InputError as error:
            raise MatrixError("%s: %s %s" % (where, inputs.show(item), error))
    if not ports:
        raise MatrixError("%s: at least one port is required" % where)
    return ports


port_bounds = inputs.port_bounds


def _port_sort_key(port):
    return port_bounds(port) if port else (0, 0)


def _parse_protocols(value, where):
    protocols = []
    for item in _as_list(value):
        text = str(item).strip().lower()
        if text not in PROTOCOLS:
            raise MatrixError("%s: %r is not one of %s" % (where, item, ", ".join(PROTOCOLS)))
        if text not in protocols:
            protocols.append(text)
    if not protocols:
        raise MatrixError("%s: a protocol (tcp, udp or vrrp) is required" % where)
    if set(protocols) & set(PORTLESS_PROTOCOLS) and len(protocols) > 1:
        raise MatrixError("%s: %s has no ports; give it a flow of its own" % (where, "/".join(protocols)))
    return protocols


def _parse_conditions(value, where):
    conditions = []
    for index, item in enumerate(_as_list(value)):
        here = "%s[%d]" % (where, index)
        if not isinstance(item, dict) or not isinstance(item.get("var"), str) or not item["var"]:
            raise MatrixError("%s: expected a mapping with a 'var' name, got %r" % (here, item))
        unknown = set(item) - set(("var", "equals"))
        if unknown:
            raise MatrixError("%s: unknown keys %s" % (here, ", ".join(sorted(unknown))))
        conditions.append(dict(item))
    return conditions


def normalize_flow(flow, where):
    """Check one flow's shape and return it with canonical ports, protocols and conditions."""
    if not isinstance(flow, dict):
        raise MatrixError("%s: a flow must be a mapping, got %r" % (where, flow))
    name = flow.get("name")
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise MatrixError(
            "%s: 'name' must be lower-case letters, digits and '_', got %r" % (where, name)
        )
    where = "%s (%s)" % (where, name)
    unknown = set(flow) - _FLOW_KEYS
    if unknown:
        raise MatrixError("%s: unknown keys %s" % (where, ", ".join(sorted(unknown))))
    for side in ("from", "to"):
        items = _as_list(flow.get(side))
        if not items or not all(isinstance(i, str) and i.strip() and not inputs.has_control(i) for i in items):
            raise MatrixError("%s: '%s' must be a non-empty list of names or addresses, each on one line"
                              % (where, side))
        for item in items:
            if _ADDRESS_LIKE_RE.fullmatch(item.strip()):
                parse_network(item, "%s: %s" % (where, side))
    if inputs.has_control(flow.get("description") or ""):
        raise MatrixError("%s: 'description' holds a newline or another control character; write it on "
                          "one line (YAML's '>-' folds lines)" % where)
    allow_any_ssh = _flow_bool(flow, "allow_any_ssh", False, where)
    protocols = _parse_protocols(flow.get("protocol", "tcp"), where + ": protocol")
    if protocols[0] in PORTLESS_PROTOCOLS:
        if _as_list(flow.get("ports")):
            raise MatrixError("%s: ports: %s has no ports; leave them out" % (where, protocols[0]))
        ports = [""]
    else:
        ports = parse_ports(flow.get("ports"), where + ": ports")
    reply_out = _flow_bool(flow, "reply_out", "tcp" in protocols and _covers_ssh(ports), where)
    return {
        "name": name,
        "description": str(flow.get("description") or ""),
        "from": [i.strip() for i in _as_list(flow["from"])],
        "to": [i.strip() for i in _as_list(flow["to"])],
        "ports": ports,
        "protocols": protocols,
        "conditions": _parse_conditions(flow.get("condition"), where + ": condition"),
        "allow_any_ssh": allow_any_ssh,
        "reply_out": reply_out,
    }


def _flow_bool(flow, key, default, where):
    try:
        return inputs.parse_bool(flow.get(key, default))
    except inputs.InputError as error:
        raise MatrixError("%s: '%s' %s" % (where, key, error))


def normalize_matrix(matrix, label="oth_network_matrix"):
    """Validate a whole matrix (shape only) and return its canonical flows."""
    if not isinstance(matrix, (list, tuple)):
        raise MatrixError("%s must be a list of flows, got %s" % (label, type(matrix).__name__))
    flows = []
    seen = set()
    for index, flow in enumerate(matrix):
        normalized = normalize_flow(flow, "%s[%d]" % (label, index))
        if normalized["name"] in seen:
            raise MatrixError("%s[%d]: flow name %r is used twice" % (label, index, normalized["name"]))
        seen.add(normalized["name"])
        flows.append(normalized)
    return flows


# --------------------------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------------------------


def _lookup_variable(variables, dotted, where):
    head, _sep, rest = dotted.partition(".")
    if head not in variables:
        raise MatrixError("%s: variable %r is not defined (known: %s)" % (where, head, ", ".join(sorted(variables))))
    value = variables[head]
    for part in rest.split(".") if rest else []:
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def condition_holds(flow, variables):
    """Every condition holds. Without ``equals`` a condition is a switch: a list or mapping holds
    when not empty, anything else must be a boolean (or one of Ansible's spellings), so that a
    quoted "false" from an INI inventory or -e never opens a port."""
    for condition in flow["conditions"]:
        value = _lookup_variable(variables, condition["var"], "flow %s: condition" % flow["name"])
        if "equals" in condition:
            wanted = condition["equals"]
            if isinstance(wanted, bool) and value is not None:
                value = _condition_bool(flow, condition, value)
            if value != wanted:
                return False
        elif isinstance(value, (list, tuple, dict)):
            if not value:
                return False
        elif value is None or value == "" or not _condition_bool(flow, condition, value):
            return False
    return True


def _condition_bool(flow, condition, value):
    try:
        return inputs.parse_bool(value)
    except inputs.InputError as error:
        raise MatrixError("flow %s: condition %s: %s %s" % (flow["name"], condition["var"], inputs.show(value), error))


def condition_text(flow):
    parts = []
    for condition in flow["conditions"]:
        if "equals" in condition:
            parts.append("%s == %s" % (condition["var"], condition["equals"]))
        else:
            parts.append(condition["var"])
    return " and ".join(parts) if parts else "always"


# --------------------------------------------------------------------------------------------
# Inventory resolution
# --------------------------------------------------------------------------------------------


class Inventory:
    """Groups, host variables and named variables, as the filter receives them."""

    def __init__(self, hostvars=None, groups=None, variables=None):
        self.hostvars = hostvars if hostvars is not None else {}
        self.groups = dict(groups or {})
        for name in STANDARD_GROUPS:
            self.groups.setdefault(name, [])
        self.variables = dict(variables or {})
        # Derived from the inventory, for the flows of an HA pair (condition var: loadbalancer_pair).
        self.variables.setdefault("loadbalancer_pair", len(self.groups["loadbalancer"]) > 1)
        self._addresses = {}

    def is_host(self, name):
        return name in self.hostvars

    def host_addresses(self, host):
        """The addresses other nodes use to reach ``host``.

        oth_internal_ip, else the gathered default IPv4 address, else an ansible_host that is an
        IP; plus oth_internal_ipv6 when set, so that IPv6 gets the same rules.
        """
        if host in self._addresses:
            return self._addresses[host]
        hvars = self.hostvars[host]
        networks = None
        candidates = (("oth_internal_ip", lambda: _hostvar(hvars, "oth_internal_ip")),
                      ("ansible_facts.default_ipv4.address", lambda: default_ipv4_address(hvars)),
                      ("ansible_host", lambda: _hostvar(hvars, "ansible_host")))
        for key, read in candidates:
            value = read()
            if value not in (None, "", []):
                networks = self._host_networks(host, key, value)
                break
        if networks is None:
            raise MatrixError(
                "host %r has no address: set oth_internal_ip for it, or gather its facts "
                "(ansible_facts.default_ipv4) or give it an IP as ansible_host" % host
            )
        ipv6 = _hostvar(hvars, "oth_internal_ipv6")
        if ipv6 not in (None, "", []):
            extra = self._host_networks(host, "oth_internal_ipv6", ipv6)
            if any(n.version != 6 for n in extra):
                raise MatrixError("hostvars[%r].oth_internal_ipv6: %r is not an IPv6 address" % (host, ipv6))
            networks = networks + [n for n in extra if n not in networks]
        self._addresses[host] = networks
        return networks

    @staticmethod
    def _host_networks(host, key, value):
        where = "hostvars[%r].%s" % (host, key)
        if isinstance(value, (list, tuple)) and key.startswith("oth_internal_ip"):
            # One address per variable, as every other role reads it (a list would render as a
            # Python list in haproxy.cfg and /etc/hosts): IPv6 goes in oth_internal_ipv6.
            raise MatrixError("%s: %s is a list; give one address (an IPv6 one in oth_internal_ipv6)"
                              % (where, inputs.show(value)))
        networks = [parse_network(v, where) for v in _as_list(value)]
        for network in networks:
            if network.size != 1:
                raise MatrixError("%s: %r is a network, a host address is required" % (where, network_text(network)))
        return networks


_hostvar = inputs.hostvar


def default_ipv4_address(hvars):
    """A host's gathered default IPv4 address, or None.

    From ansible_facts, which works whether or not the facts are also injected as ansible_*
    variables (inject_facts_as_vars: the lab turns it off, it saves a copy of every host's facts
    per task); the injected variable is the fallback.
    """
    for value in ((_hostvar(hvars, "ansible_facts") or {}).get("default_ipv4"),
                  _hostvar(hvars, "ansible_default_ipv4")):
        if isinstance(value, dict) and value.get("address"):
            return value["address"]
    return None


# What every node reads of every other node's variables: the addresses and names the matrix,
# /etc/hosts and the input layer use (plus the gathered default IPv4 address, below).
NODE_VARIABLES = tuple(inputs.HOST_SPEC) + ("ansible_host",)


def node_variables(hostvars, hosts):
    """Those variables of each of ``hosts``, as a plain dict of the same shape as hostvars.

    Each read of ``hostvars[host]`` costs Ansible a full variable merge for that host, so a check
    or filter that every node runs over every node grows with the square of the site. The site
    playbook reads them once (playbooks/facts.yml) and every role takes this copy instead.
    A template that fails raises MatrixError naming the host and the variable; an unset one is left
    out, as it is unset in hostvars.
    """
    nodes = {}
    for host in hosts:
        hvars = hostvars[host]
        node = {}
        for name in NODE_VARIABLES:
            if name not in hvars:
                continue
            try:
                value = hvars.get(name)
            except Exception as error:  # noqa: BLE001 - any templating error: name it, do not guess
                raise MatrixError("hostvars[%r].%s cannot be evaluated: %s" % (host, name, error))
            if value is not None and not type(value).__name__.endswith("Undefined"):
                node[name] = value
        address = default_ipv4_address(hvars)
        if address:
            node["ansible_facts"] = {"default_ipv4": {"address": address}}
        nodes[host] = node
    return nodes


class Endpoint:
    """One resolved item of a flow side."""

    def __init__(self, kind, label, networks=None, hosts=None, error=None):
        self.kind = kind  # any | network | hosts | unresolved
        self.label = label
        self.networks = networks or []
        self.hosts = hosts or []
        self.error = error


def resolve_side(items, inventory, where):
    """Resolve the items of one flow side into Endpoints (addresses of hosts stay lazy)."""
    endpoints = []
    for item in items:
        if item.lower() == ANY:
            endpoints.append(Endpoint("any", ANY))
        elif item in inventory.variables:
            for value in _as_list(inventory.variables[item]):
                endpoints.append(_resolve_value(value, inventory, "%s: variable %s" % (where, item), item))
        elif item in inventory.groups:
            endpoints.append(Endpoint("hosts", item, hosts=list(inventory.groups[item] or [])))
        elif inventory.is_host(item):
            endpoints.append(Endpoint("hosts", item, hosts=[item]))
        elif _ADDRESS_LIKE_RE.fullmatch(item):
            endpoints.append(Endpoint("network", item, networks=[parse_network(item, where)]))
        else:
            raise MatrixError(
                "%s: %r is not 'any', an IP address or CIDR, an inventory group or host, "
                "or a known variable" % (where, item)
            )
    return endpoints


def _resolve_value(value, inventory, where, label):
    if value in (None, ""):
        return Endpoint("hosts", label, hosts=[])
    if not isinstance(value, str):
        raise MatrixError("%s: %r is not an IP address, CIDR or inventory host" % (where, value))
    text = value.strip()
    if text.lower() == ANY:
        return Endpoint("any", label)
    if inventory.is_host(text):
        return Endpoint("hosts", label, hosts=[text])
    if _ADDRESS_LIKE_RE.fullmatch(text):
        return Endpoint("network", label, networks=[parse_network(text, where)])
    # A DNS name (an external database, say) is only an error once an address is needed.
    return Endpoint(
        "unresolved",
        label,
        error="%s: %r is neither an IP address nor an inventory host; give its IP address" % (where, value),
    )


def _side_contains(endpoints, host, inventory):
    for endpoint in endpoints:
        if endpoint.kind == "hosts" and host in endpoint.hosts:
            return True
        if endpoint.kind == "network":
            own = inventory.host_addresses(host)
            if any(n.size == 1 and n in own for n in endpoint.networks):
                return True
    return False


def _side_peers(endpoints, inventory, exclude_host=None):
    """Yield (peer_text, family) for every address of a side; 'any' covers both families."""
    peers = []
    for endpoint in endpoints:
        if endpoint.kind == "any":
            peers.append((ANY, "any"))
        elif endpoint.kind == "network":
            peers.extend((network_text(n), _family(n)) for n in endpoint.networks)
        elif endpoint.kind == "unresolved":
            raise MatrixError(endpoint.error)
        else:
            for member in endpoint.hosts:
                if member == exclude_host:
                    continue
                peers.extend((network_text(n), _family(n)) for n in inventory.host_addresses(member))
    return peers


# Sources wider than these are "everywhere" for SSH: no staff network, VPN range or jump host is
# that large, and 0.0.0.0/1 plus 128.0.0.0/1 is the whole internet in two halves.
_SSH_WIDEST_PREFIX = {4: 8, 6: 16}


def _wildcard_source(endpoints):
    for endpoint in endpoints:
        if endpoint.kind == "any":
            return "any"
        for network in endpoint.networks:
            if network.prefixlen < _SSH_WIDEST_PREFIX[network.version]:
                return network_text(network)
    return None


def _covers_ssh(ports):
    return inputs.covers_port(ports, SSH_PORT)


def _check_ssh_exposure(flow, sources):
    wildcard = _wildcard_source(sources)
    if wildcard and "tcp" in flow["protocols"] and _covers_ssh(flow["ports"]) and not flow["allow_any_ssh"]:
        raise MatrixError(
            "flow %s opens port 22 to %s: SSH from everywhere (or from a network wider than /8, "
            "/16 for IPv6) is refused; name the sources (oth_admin_sources, a VPN range, a jump "
            "host) or set allow_any_ssh: true on the flow"
            % (flow["name"], wildcard)
        )


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


def rule_id(flow_name, direction, protocol, port, peer):
    if not port:
        return "%s:%s:%s:%s" % (flow_name, direction, protocol, peer)
    return "%s:%s:%s/%s:%s" % (flow_name, direction, protocol, port, peer)


def _rule(flow, direction, protocol, port, peer, family, reply=False):
    return {
        "id": rule_id(flow["name"], "reply" if reply else direction, protocol, port, peer),
        "flow": flow["name"],
        "direction": direction,
        "protocol": protocol,
        "port": port,
        "peer": peer,
        "family": family,
        "reply": reply,
    }


def _rule_sort_key(rule):
    return (rule["direction"], rule["reply"], rule["protocol"], _port_sort_key(rule["port"]), rule["peer"],
            rule["id"])


def egress_policy(variables):
    policy = variables.get("oth_egress_policy", "open")
    if policy not in EGRESS_POLICIES:
        raise MatrixError("oth_egress_policy: %r is not one of %s" % (policy, ", ".join(EGRESS_POLICIES)))
    return policy


def host_rules(matrix, host, hostvars, groups, variables=None, label="oth_network_matrix"):
    """Return the sorted concrete rules of ``host``: a list of dicts.

    Each rule has ``id`` (stable: flow, direction, protocol, port and peer), ``flow``,
    ``direction`` (in or out), ``protocol``, ``port`` ("443" or "5000-5010"), ``peer`` ("any" or
    a CIDR), ``family`` (any, ipv4 or ipv6) and ``reply`` (true on a reply rule: ``out`` from this
    host's ``port`` to ``peer``, see the module docstring). Flows that produce the same rule keep
    the first flow's id, so matrix order decides which name a shared rule carries.
    """
    check_requirements()
    inventory = Inventory(hostvars, groups, variables)
    if not inventory.is_host(host):
        raise MatrixError("host %r is not in the inventory" % (host,))
    flows = normalize_matrix(matrix, label)
    outbound = egress_policy(inventory.variables) == "restricted"
    rules = []
    seen = set()
    for flow in flows:
        where = "%s flow %s" % (label, flow["name"])
        sources = resolve_side(flow["from"], inventory, where + ": from")
        destinations = resolve_side(flow["to"], inventory, where + ": to")
        if not condition_holds(flow, inventory.variables):
            continue
        _check_ssh_exposure(flow, sources)
        produced = []
        if _side_contains(destinations, host, inventory):
            peers = _side_peers(sources, inventory, exclude_host=host)
            produced.extend(("in", peer) for peer in peers)
            if outbound and flow["reply_out"]:
                produced.extend(("reply", peer) for peer in peers)
        if outbound and _side_contains(sources, host, inventory):
            produced.extend(("out", peer) for peer in _side_peers(destinations, inventory, exclude_host=host))
        for kind, (peer, family) in produced:
            for protocol in flow["protocols"]:
                if kind == "reply" and protocol != "tcp":
                    continue
                for port in flow["ports"]:
                    key = (kind, protocol, port, peer)
                    if key not in seen:
                        seen.add(key)
                        direction = "in" if kind == "in" else "out"
                        rules.append(_rule(flow, direction, protocol, port, peer, family, reply=kind == "reply"))
    return sorted(rules, key=_rule_sort_key)


def validate_matrix(matrix, hostvars=None, groups=None, variables=None, label="oth_network_matrix"):
    """Validate every active flow against the inventory without choosing a host; return the flows."""
    check_requirements()
    inventory = Inventory(hostvars, groups, variables)
    flows = normalize_matrix(matrix, label)
    for flow in flows:
        where = "%s flow %s" % (label, flow["name"])
        sources = resolve_side(flow["from"], inventory, where + ": from")
        resolve_side(flow["to"], inventory, where + ": to")
        if condition_holds(flow, inventory.variables):
            _check_ssh_exposure(flow, sources)
    return flows


# --------------------------------------------------------------------------------------------
# Documentation
# --------------------------------------------------------------------------------------------


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _side_label(items, inventory, resolve):
    labels = []
    for item in items:
        if item.lower() == ANY:
            labels.append("any (0.0.0.0/0, ::/0)")
            continue
        addresses = None
        if item in inventory.variables:
            values = [v for v in _as_list(inventory.variables[item]) if v not in (None, "")]
            if resolve:
                addresses = [p for p, _f in _side_peers(resolve_side([item], inventory, item), inventory)]
            elif all(isinstance(v, str) and _ADDRESS_LIKE_RE.fullmatch(v) for v in values):
                addresses = [network_text(parse_network(v, item)) for v in values]
            if addresses is None and values:
                addresses = [str(v) for v in values]
            labels.append("%s: %s" % (item, " ".join(addresses) if addresses else "(empty)"))
        elif resolve and (item in inventory.groups or inventory.is_host(item)):
            peers = _side_peers(resolve_side([item], inventory, item), inventory)
            labels.append("%s: %s" % (item, " ".join(p for p, _f in peers) if peers else "(no hosts)"))
        else:
            labels.append(item)
    return "<br>".join(labels)


# How the page names protocols that have a number but no ports.
_IP_PROTOCOL_NUMBERS = {"vrrp": 112}


def _protocol_text(flow):
    return "/".join("%s (IP protocol %d)" % (p.upper(), _IP_PROTOCOL_NUMBERS[p]) if p in _IP_PROTOCOL_NUMBERS
                    else p.upper() for p in flow["protocols"])


def render_table(matrix, variables=None, hostvars=None, groups=None, active_only=False,
                 label="oth_network_matrix"):
    """Render the matrix as one Markdown table.

    Without hostvars and groups, sides read as the names the matrix uses (groups, variables shown
    with their literal values when they are addresses). With them, every side is resolved to the
    inventory's addresses. ``active_only`` drops flows whose condition does not hold.
    """
    check_requirements()
    resolve = hostvars is not None and groups is not None
    inventory = Inventory(hostvars if resolve else {}, groups if resolve else {}, variables)
    flows = normalize_matrix(matrix, label)
    lines = [
        "| Flow | From | To | Port | Protocol | When | Additional info |",
        "|---|---|---|---|---|---|---|",
    ]
    for flow in flows:
        if active_only and not condition_holds(flow, inventory.variables):
            continue
        lines.append(
            "| %s |" % " | ".join(
                _cell(text)
                for text in (
                    flow["name"],
                    _side_label(flow["from"], inventory, resolve),
                    _side_label(flow["to"], inventory, resolve),
                    ", ".join(flow["ports"]) or "none",
                    _protocol_text(flow),
                    condition_text(flow),
                    flow["description"],
                )
            )
        )
    return "\n".join(lines) + "\n"
