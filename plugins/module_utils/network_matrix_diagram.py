# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network matrix as a Graphviz diagram: who talks to whom, one arrow per flow.

Tiers (the inventory's groups) are boxes inside the site; the outside world, the staff and other
addresses are sources and destinations around it. An arrow goes from the side that opens the
connection to the side that accepts it, labelled with the flow's name, ports and protocol; a flow
with a condition is dashed and names it. The same normalization and conditions as the firewall
rules (network_matrix.py), so the picture and the rules cannot disagree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.oth.stack.plugins.module_utils.network_matrix import (
    ANY,
    STANDARD_GROUPS,
    Inventory,
    MatrixError,
    _ADDRESS_LIKE_RE,
    _as_list,
    _protocol_text,
    check_requirements,
    condition_holds,
    condition_text,
    normalize_matrix,
    parse_network,
    network_text,
)

# What the tiers run, for their boxes (README.md, "What the roles do").
TIER_ROLES = {"loadbalancer": "HAProxy", "application": "traefik, the OTH services", "storage": "MariaDB, RabbitMQ, MinIO"}
# Who a variable's addresses are, for their node.
VARIABLE_TITLES = {"oth_admin_sources": "OTH staff"}
# A tier box lists its hosts up to this many, then counts them.
_HOSTS_SHOWN = 4


def _quote(text):
    return '"%s"' % str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _node_id(kind, name):
    return "%s:%s" % (kind, name)


class _Diagram:
    def __init__(self, inventory, resolve, variable_tiers):
        self.inventory = inventory
        self.resolve = resolve
        self.variable_tiers = dict(variable_tiers or {})
        self.nodes = {}  # id -> (label, attributes), in the order first seen
        self.direction = "from"  # the side being drawn: "from" or "to"

    def tier_of_host(self, host):
        for group in list(STANDARD_GROUPS) + sorted(self.inventory.groups):
            if host in (self.inventory.groups.get(group) or []):
                return group
        return None

    def _tier(self, group):
        node = _node_id("tier", group)
        if node not in self.nodes:
            label = group
            if group in TIER_ROLES:
                label += "\n(%s)" % TIER_ROLES[group]
            if self.resolve:
                hosts = list(self.inventory.groups.get(group) or [])
                shown = ", ".join(hosts[:_HOSTS_SHOWN])
                if len(hosts) > _HOSTS_SHOWN:
                    shown += ", ... (%d hosts)" % len(hosts)
                label += "\n" + (shown or "(no hosts)")
            self.nodes[node] = (label, {"shape": "box", "style": "filled", "fillcolor": "#dbe9f6"})
        return node

    def _outside(self, name, label):
        # Apart as sources and as destinations, so that the picture reads from left to right:
        # who connects, the site, what the site connects to.
        node = _node_id("outside-" + self.direction, name)
        if node not in self.nodes:
            self.nodes[node] = (label, {"shape": "ellipse"})
        return node

    def _address(self, text):
        return self._outside(text, network_text(parse_network(text, "address %s" % text)))

    def _address_text(self, value, variable):
        """An address in canonical form; a name (db1, a managed database's) as written."""
        if not _ADDRESS_LIKE_RE.fullmatch(value):
            return value
        try:
            return network_text(parse_network(value, variable))
        except MatrixError:
            return value

    def _any(self):
        return self._outside(ANY, "the internet\n(any: 0.0.0.0/0, ::/0)")

    def _value(self, value, variable):
        """One value of a variable: a host stands for its tier, an address for itself."""
        text = str(value).strip()
        if text.lower() == ANY:
            return self._any()
        if self.inventory.is_host(text):
            tier = self.tier_of_host(text)
            return self._tier(tier) if tier else self._outside(text, text)
        if _ADDRESS_LIKE_RE.fullmatch(text):
            return self._address(text)
        # An external endpoint given by name (a managed database): shown, though no rule uses it.
        return self._outside(text, "%s\n(%s)" % (text, variable))

    def side(self, item):
        """The nodes one item of a flow side stands for."""
        inventory = self.inventory
        if item.lower() == ANY:
            return [self._any()]
        if item in inventory.groups:
            return [self._tier(item)]
        if inventory.is_host(item):
            return [self._value(item, item)]
        if item in self.variable_tiers and not (self.resolve and item in inventory.variables):
            # Unresolved, a variable with a tier as default (oth_mariadb_host: the first storage host).
            return [self._tier(self.variable_tiers[item])]
        if item in inventory.variables:
            values = [str(v).strip() for v in _as_list(inventory.variables[item]) if v not in (None, "")]
            if any(inventory.is_host(v) or v.lower() == ANY for v in values):
                # Resolved: its hosts stand for their tiers.
                return [self._value(v, item) for v in values]
            # Addresses (the staff's) or names outside the inventory: one node, named by its variable.
            shown = [self._address_text(v, item) for v in values]
            title = "%s (%s)" % (VARIABLE_TITLES[item], item) if item in VARIABLE_TITLES else item
            return [self._outside(item, "%s\n%s" % (title, "\n".join(shown) if shown else "(empty)"))]
        if _ADDRESS_LIKE_RE.fullmatch(item):
            return [self._address(item)]
        raise MatrixError("%r is not 'any', an IP address or CIDR, an inventory group or host, "
                          "or a known variable" % item)


def render_diagram(matrix, variables=None, hostvars=None, groups=None, active_only=False,
                   variable_tiers=None, label="oth_network_matrix"):
    """Render the matrix as a Graphviz digraph (DOT text).

    Without hostvars and groups, groups are tiers and ``variable_tiers`` maps the variables whose
    default is a tier's first host (oth_mariadb_host: storage) onto that tier; other variables are
    sources of their own, labelled with their values. With them, every variable is resolved: its
    hosts stand for their tiers, its addresses for themselves. ``active_only`` drops the flows
    whose condition does not hold.
    """
    check_requirements()
    resolve = hostvars is not None and groups is not None
    inventory = Inventory(hostvars if resolve else {}, groups if resolve else {}, variables)
    diagram = _Diagram(inventory, resolve, variable_tiers)
    # The tiers first, so that they are boxes even when no flow of this inventory reaches one.
    for group in STANDARD_GROUPS:
        diagram._tier(group)
    edges = []
    for flow in normalize_matrix(matrix, label):
        if active_only and not condition_holds(flow, inventory.variables):
            continue
        try:
            diagram.direction = "from"
            sources = [n for item in flow["from"] for n in diagram.side(item)]
            diagram.direction = "to"
            destinations = [n for item in flow["to"] for n in diagram.side(item)]
        except MatrixError as error:
            raise MatrixError("%s (%s): %s" % (label, flow["name"], error))
        ports = ", ".join(p for p in flow["ports"] if p)
        text = "%s\n%s" % (flow["name"], "%s/%s" % (ports, _protocol_text(flow).lower()) if ports
                           else _protocol_text(flow))
        attributes = {"label": text}
        if flow["conditions"]:
            attributes.update(label=text + "\nwhen " + condition_text(flow), style="dashed")
        for source in dict.fromkeys(sources):
            for destination in dict.fromkeys(destinations):
                edges.append((source, destination, attributes))

    lines = [
        "// Generated by playbooks/network_matrix.yml from the network matrix: do not edit.",
        "digraph network_matrix {",
        '  graph [rankdir=LR, fontname="Helvetica", nodesep=0.4, ranksep=1.2];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
        '  subgraph cluster_site {',
        '    label="the OTH site"; style=rounded; color="#4a7ab5";',
    ]
    outside = []
    for node, (text, attributes) in diagram.nodes.items():
        line = "%s [%s];" % (_quote(node), ", ".join(
            "%s=%s" % (key, _quote(value)) for key, value in [("label", text)] + sorted(attributes.items())))
        if node.startswith("tier:"):
            lines.append("    " + line)
        else:
            outside.append("  " + line)
    lines.append("  }")
    lines.extend(outside)
    for source, destination, attributes in edges:
        lines.append("  %s -> %s [%s];" % (_quote(source), _quote(destination), ", ".join(
            "%s=%s" % (key, _quote(value)) for key, value in sorted(attributes.items()))))
    lines.append("}")
    return "\n".join(lines) + "\n"
