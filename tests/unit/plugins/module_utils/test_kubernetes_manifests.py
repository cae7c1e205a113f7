# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Kubernetes view's inputs, names and TLS Secret (tests/kubernetes judges the policies'
connectivity with an analyzer)."""

from __future__ import annotations

import base64
import pathlib

import pytest
import yaml

from ansible_collections.oth.stack.plugins.module_utils import kubernetes_manifests as km

MATRIX = yaml.safe_load((pathlib.Path(__file__).parents[4] / "roles/firewall/defaults/main.yml").read_text())[
    "oth_network_matrix"]
TIERS = {
    "loadbalancer": {"namespace": "ingress-nginx", "pod_labels": {"app.kubernetes.io/name": "ingress-nginx"}},
    "application": {"pod_labels": {"oth.stack/tier": "application"}},
    "storage": {"pod_labels": {"oth.stack/tier": "storage"}},
}
DNS = {"namespace": "kube-system", "pod_labels": {"k8s-app": "kube-dns"}}
VARIABLES = {
    "oth_admin_sources": ["52.30.207.215/32"], "oth_admin_ssh_to_application": False,
    "oth_bastion_address": "loadbalancer",
    "oth_features": {"android_push": False, "ios_push": False, "sms": False, "video": False},
    "oth_object_storage": "s3", "oth_egress_policy": "open",
    "oth_mariadb_host": "storage", "oth_rabbitmq_host": "storage", "oth_minio_host": "storage",
}


def settings(**changes):
    value = {"namespace": "oth", "tiers": dict(TIERS), "dns": DNS}
    value.update(changes)
    return value


def render(matrix=None, variables=None, groups=None, **changes):
    merged = dict(VARIABLES, **(variables or {}))
    return km.network_policies(MATRIX if matrix is None else matrix, merged, settings(**changes), groups)


def names(result):
    return [m["metadata"]["name"] for m in result["manifests"]]


def by_name(result, name):
    return next(m for m in result["manifests"] if m["metadata"]["name"] == name)


def test_open_egress_renders_the_default_deny_and_the_inbound_flows_of_the_namespace():
    result = render()
    assert names(result) == ["oth-stack-default-deny", "oth-stack-application-traefik-to-application",
                             "oth-stack-mariadb-to-storage", "oth-stack-rabbitmq-to-storage"]
    assert by_name(result, "oth-stack-default-deny")["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    skipped = {s["flow"]: s["reason"] for s in result["skipped"]}
    assert "namespace ingress-nginx" in skipped["loadbalancer_https"]
    assert "host-only" in skipped["ssh_from_bastion"]
    assert "condition" in skipped["minio"]


def test_restricted_egress_adds_egress_policies_and_dns_behind_a_default_deny_of_both_directions():
    result = render(variables={"oth_egress_policy": "restricted"})
    assert by_name(result, "oth-stack-default-deny")["spec"]["policyTypes"] == ["Ingress", "Egress"]
    dns = by_name(result, "oth-stack-dns")["spec"]
    assert dns["egress"][0]["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    https = by_name(result, "oth-stack-application-https-out-from-application")["spec"]
    assert https["egress"][0]["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}]


def test_peers_of_another_namespace_are_selected_with_it_and_own_namespace_peers_by_pod_only():
    result = render(variables={"oth_egress_policy": "restricted"})
    traefik = by_name(result, "oth-stack-application-traefik-to-application")["spec"]["ingress"][0]
    assert traefik["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
                                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}}}]
    mariadb = by_name(result, "oth-stack-mariadb-to-storage")["spec"]["ingress"][0]
    assert mariadb["from"] == [{"podSelector": {"matchLabels": {"oth.stack/tier": "application"}}}]


def test_port_ranges_become_end_ports_and_each_manifest_names_its_flow():
    flow = {"name": "media", "description": "Media relay", "from": ["application"], "to": ["storage"],
            "ports": ["10000-10100", 3478], "protocol": ["udp", "tcp"]}
    policy = by_name(render(matrix=[flow]), "oth-stack-media-to-storage")
    assert policy["spec"]["ingress"][0]["ports"] == [
        {"protocol": "UDP", "port": 10000, "endPort": 10100}, {"protocol": "UDP", "port": 3478},
        {"protocol": "TCP", "port": 10000, "endPort": 10100}, {"protocol": "TCP", "port": 3478}]
    assert policy["metadata"]["annotations"] == {"oth.stack/flow": "media", "oth.stack/description": "Media relay"}
    assert policy["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "oth.stack"}


def test_the_table_for_the_docs_lists_each_policy_rule_and_each_flow_left_out():
    flow = {"name": "media", "from": ["loadbalancer"], "to": ["application"], "ports": ["10000-10100"],
            "protocol": "udp"}
    table = render(matrix=[flow] + MATRIX[:1])["table"]
    assert "| `oth-stack-default-deny` | every pod | ingress | none: deny | |" in table
    assert ("| `oth-stack-media-to-application` | oth.stack/tier=application | ingress | "
            "app.kubernetes.io/name=ingress-nginx (namespace ingress-nginx) | 10000-10100/udp |") in table
    assert "- `loadbalancer_http` is not rendered: its loadbalancer pods are in namespace ingress-nginx" in table


def test_an_inventory_host_stands_for_its_tier_and_an_address_for_an_ip_block():
    groups = {"storage": ["db1"], "application": ["app1"], "loadbalancer": ["lb1"]}
    result = render(variables={"oth_mariadb_host": "db1", "oth_rabbitmq_host": "10.0.5.7",
                               "oth_egress_policy": "restricted"}, groups=groups)
    assert "oth-stack-mariadb-to-storage" in names(result)
    assert "oth-stack-rabbitmq-to-storage" not in names(result)
    rabbitmq = by_name(result, "oth-stack-rabbitmq-from-application")["spec"]["egress"][0]
    assert rabbitmq["to"] == [{"ipBlock": {"cidr": "10.0.5.7/32"}}]


def test_a_storage_tier_outside_the_cluster_gets_egress_to_its_blocks_and_no_ingress_policy():
    tiers = dict(TIERS, storage={"ip_blocks": ["10.0.5.0/24", "2001:db8:5::/64"]})
    result = render(variables={"oth_egress_policy": "restricted"}, tiers=tiers)
    assert not [n for n in names(result) if n.endswith("-to-storage")]
    egress = by_name(result, "oth-stack-mariadb-from-application")["spec"]["egress"][0]
    assert egress["to"] == [{"ipBlock": {"cidr": "10.0.5.0/24"}}, {"ipBlock": {"cidr": "2001:db8:5::/64"}}]


@pytest.mark.parametrize("variables, changes, message", [
    ({"oth_mariadb_host": "db.example.test"}, {},
     "flow mariadb: to: variable oth_mariadb_host: 'db.example.test' cannot be a NetworkPolicy peer"),
    ({}, {"tiers": {"application": TIERS["application"], "storage": TIERS["storage"]}},
     "oth_kubernetes_tiers.loadbalancer: missing"),
    ({}, {"tiers": dict(TIERS, application={"pod_labels": {}})},
     "oth_kubernetes_tiers.application.pod_labels: {} must be a mapping of at least one label"),
    ({}, {"tiers": dict(TIERS, application={"pod_labels": {"tier": "app"}, "ip_blocks": ["10.0.0.0/8"]})},
     "oth_kubernetes_tiers.application: give either pod_labels"),
    ({}, {"tiers": dict(TIERS, storage={"ip_blocks": ["10.0.5.300/24"]})},
     "oth_kubernetes_tiers.storage.ip_blocks"),
    ({}, {"tiers": dict(TIERS, application={"pod_labels": {"tier": "a b"}})},
     "oth_kubernetes_tiers.application.pod_labels.tier: 'a b' is not a label value"),
    ({}, {"namespace": "OTH"}, "oth_kubernetes_namespace: 'OTH' is not a Kubernetes namespace name"),
    ({}, {"dns": None}, "oth_kubernetes_dns: None must be a mapping"),
    ({"oth_egress_policy": "closed"}, {}, "oth_egress_policy: 'closed' is not one of open, restricted"),
])
def test_bad_inputs_fail_with_the_input_named_and_how_to_fix_it(variables, changes, message):
    with pytest.raises(km.KubernetesError) as error:
        render(variables=variables, **changes)
    assert message in str(error.value)


def test_a_flow_without_ports_fails_unless_it_is_host_only():
    flow = {"name": "gossip", "from": ["application"], "to": ["application"], "protocol": "vrrp"}
    with pytest.raises(km.KubernetesError) as error:
        render(matrix=[flow])
    assert "flow gossip: protocol vrrp has no ports" in str(error.value)
    assert "oth_kubernetes_host_only_flows" in str(error.value)
    assert render(matrix=[flow], host_only_flows=["gossip"])["skipped"] == [
        {"flow": "gossip", "reason": "host-only (oth_kubernetes_host_only_flows)"}]


def test_a_group_that_is_no_tier_fails_with_its_name():
    flow = {"name": "logs", "from": ["application"], "to": ["logging"], "ports": [514]}
    with pytest.raises(km.KubernetesError) as error:
        render(matrix=[flow], groups={"logging": ["log1"]})
    assert "flow logs: to: inventory group 'logging' has no pods" in str(error.value)


def _decoded(secret, key):
    return base64.b64decode(secret["data"][key]).decode()


def test_the_tls_secret_serves_the_leaf_then_the_intermediates_without_the_root(pki):
    secret, report = km.tls_secret(pki.leaf_rsa.key_pem(), pki.leaf_rsa.pem,
                                   [pki.root.pem, pki.intermediate.pem], "oth-stack-tls", "oth", "www.example.test")
    assert report["ok"]
    assert secret["type"] == "kubernetes.io/tls"
    assert secret["metadata"] == {"name": "oth-stack-tls", "namespace": "oth",
                                  "labels": {"app.kubernetes.io/managed-by": "oth.stack"}}
    assert _decoded(secret, "tls.crt") == pki.leaf_rsa.pem + pki.intermediate.pem
    assert _decoded(secret, "tls.key") == pki.leaf_rsa.key_pem()


@pytest.mark.parametrize("case, message", [
    ("other key", "does not match"),
    ("missing intermediate", "intermediate"),
    ("wrong name", "shop.example.test"),
])
def test_a_bad_certificate_fails_with_the_bundle_checks_and_shows_no_key(pki, case, message):
    key, chain, name = pki.leaf_rsa.key_pem(), [pki.intermediate.pem, pki.root.pem], "www.example.test"
    if case == "other key":
        key = pki.leaf_ec.key_pem()
    elif case == "missing intermediate":
        chain = [pki.root.pem]
    else:
        name = "shop.example.test"
    with pytest.raises(km.KubernetesError) as error:
        km.tls_secret(key, pki.leaf_rsa.pem, chain, "oth-stack-tls", "oth", name)
    text = str(error.value)
    assert message in text and "nothing was written" in text
    assert "-----BEGIN" not in text and key.splitlines()[1] not in text
