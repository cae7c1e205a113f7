# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The flows one node checks in the preflight, derived from the network matrix.

The matrix (module_utils/network_matrix.py) gives each host its outbound rules when egress is
restricted; every rule towards a single address is a TCP flow to try. Flows to 'any' carry no
address, so outside services come from a table of named endpoints per matrix flow, listed for
the hosts on that flow's sending side.
"""

from __future__ import annotations

from ansible_collections.oth.stack.plugins.module_utils.network_matrix import (
    MatrixError,
    default_ipv4_address,
    host_rules,
    normalize_matrix,
)


def _single_address(peer):
    address, _sep, prefix = peer.partition("/")
    if prefix not in ("32", "128"):
        return None
    return address


def _host_names_by_address(hostvars, groups):
    names = {}
    for host in sorted(set(h for members in groups.values() for h in members)):
        variables = hostvars[host]
        address = variables.get("oth_internal_ip") or default_ipv4_address(variables)
        if address:
            names.setdefault(str(address), host)
    return names


def _sending_rules(matrix, host, hostvars, groups, variables):
    restricted = dict(variables, oth_egress_policy="restricted")
    rules = host_rules(matrix, host, hostvars, groups, restricted)
    return [r for r in rules if r["direction"] == "out" and not r["reply"]]


def preflight_flows(matrix, host, hostvars, groups, variables, external=None, test_external=False):
    """Flows for oth.stack.flow_check: the matrix's flows from ``host`` to inventory addresses,
    then the named outside endpoints of the active matrix flows ``host`` sends on.

    ``external`` maps a matrix flow name to a list of ``{host, port}``; those flows are marked
    not to be tested unless ``test_external``. Raises MatrixError on a bad matrix or inventory.
    """
    names = _host_names_by_address(hostvars, groups)
    flows = []
    for rule in _sending_rules(matrix, host, hostvars, groups, variables):
        address = _single_address(rule["peer"])
        if rule["protocol"] != "tcp" or address is None:
            continue
        port = int(str(rule["port"]).split("-", maxsplit=1)[0])
        peer = names.get(address, address)
        flows.append({"name": "%s %s" % (rule["flow"], peer), "kind": "tcp", "host": address, "port": port})
    for raw, flow in zip(matrix, normalize_matrix(matrix)):
        endpoints = (external or {}).get(flow["name"]) or []
        # This flow alone: a rule it shares with an earlier flow (443 to any) carries that
        # flow's name in the full set.
        if not endpoints or not _sending_rules([raw], host, hostvars, groups, variables):
            continue
        for endpoint in endpoints:
            if not isinstance(endpoint, dict) or not endpoint.get("host") or not endpoint.get("port"):
                raise MatrixError("preflight endpoints of flow %s: %r needs host and port" % (flow["name"], endpoint))
            flows.append({
                "name": "%s %s" % (flow["name"], endpoint["host"]),
                "kind": "tcp",
                "host": endpoint["host"],
                "port": int(endpoint["port"]),
                "required": False,
                "test": bool(test_external),
                "reason": "outside service; preflight_test_external: true tries it",
            })
    return flows
