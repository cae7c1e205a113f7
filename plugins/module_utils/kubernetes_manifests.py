# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network matrix as Kubernetes NetworkPolicies, and the TLS bundle as the ingress's Secret.

The host roles turn each flow into firewall rules on the hosts of its sides; here the sides are
*tiers* of pods instead (``tiers`` maps the standard groups to pods or to outside addresses)::

    loadbalancer: {namespace: ingress-nginx, pod_labels: {app.kubernetes.io/name: ingress-nginx}}
    application:  {pod_labels: {app.kubernetes.io/part-of: oth}}    # namespace: the install's
    storage:      {ip_blocks: [10.0.5.0/24]}                         # external endpoints

One NetworkPolicy per flow and tier it protects, named after the flow as the host rules are:
``oth-stack-<flow>-to-<tier>`` admits the flow's sources to the tier's pods (ingress), and, under
``oth_egress_policy: restricted``, ``oth-stack-<flow>-from-<tier>`` lets the tier's pods open it
(egress). Per flow rather than per tier so that each policy reads as one row of the spec's
table, and a flow switched off by its condition removes exactly its own policies. Behind them,
``oth-stack-default-deny`` denies the rest (egress only when restricted), and
``oth-stack-dns`` lets every pod resolve names under restricted egress.

Policies are written for one namespace. A flow *to* a tier of another namespace (the ingress
controller's 80/443 from anywhere, say) is that namespace's business and is reported, not
rendered; host-only flows (sshd, VRRP between load-balancer hosts) are skipped by name. A flow
that no NetworkPolicy can express (a DNS name as a peer, a protocol without ports) is an error
naming it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re

from ansible_collections.oth.stack.plugins.module_utils import inputs, network_matrix, pem_bundle

MANAGED_BY = {"app.kubernetes.io/managed-by": "oth.stack"}
PREFIX = "oth-stack-"
ANY_BLOCKS = ("0.0.0.0/0", "::/0")
TIERS = network_matrix.STANDARD_GROUPS
# The Kubernetes side of the flows this collection writes for hosts only: staff and bastion SSH
# reach nodes (pods run no sshd), and VRRP runs between load-balancer hosts (keepalived); a
# cluster's ingress controller has its own failover.
DEFAULT_HOST_ONLY_FLOWS = ("loadbalancer_ssh_admin", "loadbalancer_vrrp", "ssh_from_bastion",
                           "application_ssh_admin")

# Kubernetes names and labels (apimachinery's validation): DNS-1123 labels and subdomains,
# qualified label keys, label values.
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")


class KubernetesError(ValueError):
    """An input that cannot become a manifest; the message names it and says how to fix it."""


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def check_namespace(value, where="oth_kubernetes_namespace"):
    if not isinstance(value, str) or len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        raise KubernetesError("%s: %s is not a Kubernetes namespace name (lower-case letters, digits and '-', "
                              "at most 63 characters)" % (where, inputs.show(value)))
    return value


def check_object_name(value, where):
    if not isinstance(value, str) or len(value) > 253 or not _DNS_SUBDOMAIN.fullmatch(value):
        raise KubernetesError("%s: %s is not a Kubernetes object name (lower-case letters, digits, '-' and '.')"
                              % (where, inputs.show(value)))
    return value


def check_labels(value, where):
    """A non-empty mapping of label key to value, as a matchLabels selector takes it."""
    if not isinstance(value, dict) or not value:
        raise KubernetesError("%s: %s must be a mapping of at least one label to its value, e.g. "
                              "{app.kubernetes.io/name: oth}" % (where, inputs.show(value)))
    labels = {}
    for key, text in value.items():
        prefix, _slash, name = str(key).rpartition("/")
        if not _LABEL_NAME.fullmatch(name) or (prefix and not _DNS_SUBDOMAIN.fullmatch(prefix)):
            raise KubernetesError("%s: %s is not a label key (an optional DNS prefix and '/', then at most "
                                  "63 letters, digits, '-', '_' or '.')" % (where, inputs.show(key)))
        if not isinstance(text, (str, int)) or isinstance(text, bool) or not _LABEL_VALUE.fullmatch(str(text)) \
                or len(str(text)) > 63:
            raise KubernetesError("%s.%s: %s is not a label value (at most 63 letters, digits, '-', '_' or '.'; "
                                  "quote numbers and booleans)" % (where, key, inputs.show(text)))
        labels[str(key)] = str(text)
    return labels


def _ip_blocks(value, where):
    items = network_matrix._as_list(value)
    if not items:
        raise KubernetesError("%s: give at least one IP address or CIDR" % where)
    blocks = []
    for item in items:
        try:
            blocks.append(network_matrix.network_text(network_matrix.parse_network(item, where)).lower())
        except network_matrix.MatrixError as error:
            raise KubernetesError(str(error))
    return blocks


def normalize_peer(value, where, namespace):
    """A tier or the DNS service: pods ({namespace, pod_labels}) or addresses ({ip_blocks})."""
    if not isinstance(value, dict):
        raise KubernetesError("%s: %s must be a mapping with pod_labels (and namespace) or ip_blocks"
                              % (where, inputs.show(value)))
    unknown = set(value) - {"namespace", "pod_labels", "ip_blocks"}
    if unknown:
        raise KubernetesError("%s: unknown keys %s (known: namespace, pod_labels, ip_blocks)"
                              % (where, ", ".join(sorted(map(str, unknown)))))
    if ("pod_labels" in value) == ("ip_blocks" in value):
        raise KubernetesError("%s: give either pod_labels (pods in the cluster) or ip_blocks (addresses "
                              "outside it), not %s" % (where, "both" if "pod_labels" in value else "neither"))
    if "ip_blocks" in value:
        if "namespace" in value:
            raise KubernetesError("%s: namespace goes with pod_labels, not with ip_blocks" % where)
        return {"ip_blocks": _ip_blocks(value["ip_blocks"], where + ".ip_blocks")}
    return {"namespace": check_namespace(value.get("namespace") or namespace, where + ".namespace"),
            "pod_labels": check_labels(value["pod_labels"], where + ".pod_labels")}


def normalize_settings(settings):
    """The Kubernetes inputs: namespace, tiers, dns, host_only_flows."""
    namespace = check_namespace(settings.get("namespace"))
    tiers_in = settings.get("tiers")
    if not isinstance(tiers_in, dict):
        raise KubernetesError("oth_kubernetes_tiers: %s must map loadbalancer, application and storage to "
                              "their pods or addresses" % inputs.show(tiers_in))
    unknown = set(tiers_in) - set(TIERS)
    if unknown:
        raise KubernetesError("oth_kubernetes_tiers: unknown tiers %s (known: %s)"
                              % (", ".join(sorted(map(str, unknown))), ", ".join(TIERS)))
    tiers = {}
    for tier in TIERS:
        if tier not in tiers_in:
            raise KubernetesError("oth_kubernetes_tiers.%s: missing; give its pod_labels (and namespace) or "
                                  "its ip_blocks" % tier)
        tiers[tier] = normalize_peer(tiers_in[tier], "oth_kubernetes_tiers.%s" % tier, namespace)
    host_only = settings.get("host_only_flows", DEFAULT_HOST_ONLY_FLOWS)
    if not isinstance(host_only, (list, tuple)) or not all(isinstance(n, str) for n in host_only):
        raise KubernetesError("oth_kubernetes_host_only_flows: %s must be a list of flow names"
                              % inputs.show(host_only))
    return {"namespace": namespace, "tiers": tiers,
            "dns": normalize_peer(settings.get("dns"), "oth_kubernetes_dns", namespace),
            "host_only_flows": list(host_only)}


# --------------------------------------------------------------------------------------------
# Flows -> policies
# --------------------------------------------------------------------------------------------


def _host_tiers(host, groups):
    return [tier for tier in TIERS if host in (groups.get(tier) or [])]


def _side(flow, side, variables, groups):
    """The flow's side as a list of ("tier", name) and ("block", cidr) items."""
    where = "flow %s: %s" % (flow["name"], side)
    items = []
    for item in flow[side]:
        values = [item]
        if item in variables and item not in TIERS:
            values = network_matrix._as_list(variables[item])
            where_item = "%s: variable %s" % (where, item)
        else:
            where_item = where
        for value in values:
            if value in (None, ""):
                continue
            text = str(value).strip()
            if text.lower() == network_matrix.ANY:
                items += [("block", block) for block in ANY_BLOCKS]
            elif text in TIERS:
                items.append(("tier", text))
            elif text == "all":
                items += [("tier", tier) for tier in TIERS]
            elif text in groups and text not in ("all", "ungrouped"):
                raise KubernetesError("%s: inventory group %r has no pods; use a tier (%s) or addresses"
                                      % (where_item, text, ", ".join(TIERS)))
            elif _host_tiers(text, groups):
                # An inventory host stands for its tier's pods (oth_mariadb_host: the first storage host).
                items += [("tier", tier) for tier in _host_tiers(text, groups)]
            elif network_matrix._ADDRESS_LIKE_RE.fullmatch(text):
                try:
                    network = network_matrix.parse_network(text, where_item)
                except network_matrix.MatrixError as error:
                    raise KubernetesError(str(error))
                items.append(("block", network_matrix.network_text(network).lower()))
            else:
                raise KubernetesError(
                    "%s: %r cannot be a NetworkPolicy peer, which is pods or IP blocks only: give its IP "
                    "address or CIDR, or a tier (%s)" % (where_item, text, ", ".join(TIERS)))
    return list(dict.fromkeys(items))  # each peer once, in the order the flow names them


def _ports(flow):
    if any(p in network_matrix.PORTLESS_PROTOCOLS for p in flow["protocols"]):
        raise KubernetesError(
            "flow %s: protocol %s has no ports, and a NetworkPolicy admits TCP, UDP or SCTP ports only; list "
            "the flow in oth_kubernetes_host_only_flows if only hosts need it"
            % (flow["name"], "/".join(flow["protocols"])))
    ports = []
    for protocol in flow["protocols"]:
        for port in flow["ports"]:
            low, high = network_matrix.port_bounds(port)
            entry = {"protocol": protocol.upper(), "port": low}
            if high != low:
                entry["endPort"] = high
            ports.append(entry)
    return ports


def _peers(side, tiers, namespace):
    """NetworkPolicy peers for a side; tiers of the policy's own namespace by podSelector only."""
    peers = []
    for kind, value in side:
        if kind == "block":
            peers.append({"ipBlock": {"cidr": value}})
            continue
        tier = tiers[value]
        if "ip_blocks" in tier:
            peers += [{"ipBlock": {"cidr": cidr}} for cidr in tier["ip_blocks"]]
        elif tier["namespace"] == namespace:
            peers.append({"podSelector": {"matchLabels": dict(tier["pod_labels"])}})
        else:
            peers.append({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": tier["namespace"]}},
                          "podSelector": {"matchLabels": dict(tier["pod_labels"])}})
    return peers


def _policy(name, namespace, flow_name, description, pod_labels, direction, peers, ports):
    rule = {"from" if direction == "Ingress" else "to": peers}
    if ports:
        rule["ports"] = ports
    annotations = {"oth.stack/flow": flow_name}
    if description:
        annotations["oth.stack/description"] = description
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(MANAGED_BY), "annotations": annotations},
        "spec": {"podSelector": {"matchLabels": dict(pod_labels)} if pod_labels else {},
                 "policyTypes": [direction],
                 direction.lower(): [rule]},
    }


def _policy_name(flow_name, word, tier):
    name = "%s%s-%s-%s" % (PREFIX, flow_name.replace("_", "-"), word, tier)
    if len(name) > 253:
        raise KubernetesError("flow %s: the policy name %r is longer than Kubernetes allows; shorten the flow's "
                              "name" % (flow_name, name))
    return name


def network_policies(matrix, variables, settings, groups=None, label="oth_network_matrix"):
    """Render the matrix for one namespace.

    ``variables`` holds the values the flows name (oth_features, oth_object_storage,
    oth_egress_policy, endpoint variables...); ``groups`` the inventory's groups, to map an
    inventory host named by a flow to its tier. Returns {"manifests": [...], "skipped":
    [{"flow", "reason"}]}; raises KubernetesError naming the flow or the input.
    """
    settings = normalize_settings(settings)
    namespace, tiers = settings["namespace"], settings["tiers"]
    groups = dict(groups or {})
    try:
        flows = network_matrix.normalize_matrix(matrix, label)
        restricted = network_matrix.egress_policy(variables) == "restricted"
    except network_matrix.MatrixError as error:
        raise KubernetesError(str(error))
    variables = dict(variables)
    # No keepalived pair in a cluster: the flows of an HA pair of hosts do not apply.
    variables.setdefault("loadbalancer_pair", False)
    local = [tier for tier in TIERS if tiers[tier].get("namespace") == namespace]

    manifests = [_default_deny(namespace, restricted)]
    if restricted:
        manifests.append(_dns_policy(namespace, settings["dns"]))
    skipped = []
    for flow in flows:
        try:
            active = network_matrix.condition_holds(flow, variables)
        except network_matrix.MatrixError as error:
            raise KubernetesError(str(error))
        if not active:
            skipped.append({"flow": flow["name"], "reason": "its condition (%s) does not hold"
                            % network_matrix.condition_text(flow)})
            continue
        if flow["name"] in settings["host_only_flows"]:
            skipped.append({"flow": flow["name"], "reason": "host-only (oth_kubernetes_host_only_flows)"})
            continue
        ports = _ports(flow)
        sources = _side(flow, "from", variables, groups)
        targets = _side(flow, "to", variables, groups)
        rendered = False
        for kind, tier in targets:
            if kind != "tier" or "ip_blocks" in tiers[tier]:
                continue
            if tier not in local:
                skipped.append({"flow": flow["name"], "reason": "its %s pods are in namespace %s, not %s: that "
                                "namespace's policies admit it" % (tier, tiers[tier]["namespace"], namespace)})
                continue
            if sources:
                manifests.append(_policy(_policy_name(flow["name"], "to", tier), namespace, flow["name"],
                                         flow["description"], tiers[tier]["pod_labels"], "Ingress",
                                         _peers(sources, tiers, namespace), ports))
                rendered = True
        if restricted and targets:
            for kind, tier in sources:
                if kind == "tier" and tier in local:
                    manifests.append(_policy(_policy_name(flow["name"], "from", tier), namespace, flow["name"],
                                             flow["description"], tiers[tier]["pod_labels"], "Egress",
                                             _peers(targets, tiers, namespace), ports))
                    rendered = True
        if not rendered and not any(s["flow"] == flow["name"] for s in skipped):
            skipped.append({"flow": flow["name"], "reason": "no side of it is a tier of pods in namespace %s%s"
                            % (namespace, "" if restricted else " that takes it in (egress is open)")})
    return {"manifests": manifests, "skipped": skipped, "table": policy_table(manifests, skipped)}


def _default_deny(namespace, restricted):
    types = ["Ingress", "Egress"] if restricted else ["Ingress"]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": PREFIX + "default-deny", "namespace": namespace, "labels": dict(MANAGED_BY),
                     "annotations": {"oth.stack/description": "Deny what no other policy of the namespace admits."}},
        "spec": {"podSelector": {}, "policyTypes": types},
    }


def _dns_policy(namespace, dns):
    if "ip_blocks" in dns:
        peers = [{"ipBlock": {"cidr": cidr}} for cidr in dns["ip_blocks"]]
    else:
        peers = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": dns["namespace"]}},
                  "podSelector": {"matchLabels": dict(dns["pod_labels"])}}]
    ports = [{"protocol": protocol, "port": 53} for protocol in ("UDP", "TCP")]
    return _policy(PREFIX + "dns", namespace, "dns", "Every pod resolves names through the cluster's DNS.",
                   None, "Egress", peers, ports)


def _selector_text(selector):
    labels = (selector or {}).get("matchLabels") or {}
    return ", ".join("%s=%s" % item for item in sorted(labels.items())) or "every pod"


def _peer_text(peer):
    if "ipBlock" in peer:
        return peer["ipBlock"]["cidr"]
    namespace = (peer.get("namespaceSelector") or {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
    pods = _selector_text(peer.get("podSelector"))
    return "%s (namespace %s)" % (pods, namespace) if namespace else pods


def _ports_text(ports):
    return ", ".join("%s%s/%s" % (p["port"], "-%s" % p["endPort"] if "endPort" in p else "", p["protocol"].lower())
                     for p in ports) if ports else "every port"


def policy_table(manifests, skipped):
    """The policies as a Markdown table for docs/network-matrix.md, then the flows not rendered."""
    lines = ["| policy | pods it selects | direction | peers | ports |", "|---|---|---|---|---|"]
    for manifest in manifests:
        spec = manifest["spec"]
        for direction in spec["policyTypes"]:
            rules = spec.get(direction.lower())
            if rules is None:
                lines.append("| `%s` | %s | %s | none: deny | |" % (
                    manifest["metadata"]["name"], _selector_text(spec["podSelector"]), direction.lower()))
                continue
            for rule in rules:
                peers = rule.get("from" if direction == "Ingress" else "to") or []
                lines.append("| `%s` | %s | %s | %s | %s |" % (
                    manifest["metadata"]["name"], _selector_text(spec["podSelector"]), direction.lower(),
                    "<br>".join(_peer_text(peer) for peer in peers), _ports_text(rule.get("ports"))))
    lines.append("")
    lines += ["- `%s` is not rendered: %s." % (item["flow"], item["reason"]) for item in skipped]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# The TLS Secret
# --------------------------------------------------------------------------------------------


def tls_secret(private_key, certificate, chain, name, namespace, server_name=None, now=None):
    """A kubernetes.io/tls Secret from the certificate parts, checked as the HAProxy bundle is.

    tls.crt holds the server certificate then the intermediates, issuer after subject, as ingress
    controllers serve it; the self-signed root stays out (clients have it; sending it only adds
    bytes to every handshake). Returns (secret, report); raises KubernetesError with the report's
    errors, which name blocks and fingerprints only, never key material.
    """
    check_object_name(name, "oth_kubernetes_tls_secret_name")
    check_namespace(namespace)
    chain_parts = list(chain) if isinstance(chain, (list, tuple)) else [chain]
    text, report = pem_bundle.build_bundle(private_key, certificate, chain_parts, server_name, now=now)
    if text is None or not report["ok"]:
        raise KubernetesError("the TLS Secret's certificate parts (oth_tls_private_key, oth_tls_certificate, "
                              "oth_tls_chain) are not usable for %s; nothing was written: %s"
                              % (server_name or "the ingress", " | ".join(report["errors"])))
    blocks = pem_bundle.split_pem(text).blocks
    key = "".join(b.pem for b in blocks if b.label in pem_bundle.KEY_LABELS)
    certs = [b for b in blocks if b.label == pem_bundle.CERTIFICATE]
    served = [b for b in certs if b is certs[0] or b.cert.subject != b.cert.issuer]
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(MANAGED_BY)},
        "data": {"tls.crt": _b64("".join(b.pem for b in served)), "tls.key": _b64(key)},
    }
    return secret, report


def _b64(text):
    return base64.b64encode(text.encode("ascii")).decode("ascii")
