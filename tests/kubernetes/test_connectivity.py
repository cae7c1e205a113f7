# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The NetworkPolicies the matrix renders, judged by an independent analyzer.

np-guard's network-config-analyzer (nca, PyPI) computes which connections the rendered policies
allow between the pods of a small test topology and the outside addresses. Its answer is compared
with the spec's tables, written out again below by hand (not derived from the matrix), for
several feature, storage and egress combinations: nothing missing, nothing extra. Every manifest
also validates against the Kubernetes schemas of the oldest and newest releases that
kubernetes-validate ships.
"""

from __future__ import annotations

import ipaddress
import pathlib
import re
import shutil
import subprocess

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate import utils as validate_utils

from ansible_collections.oth.stack.plugins.module_utils import kubernetes_manifests

ROOT = pathlib.Path(__file__).parents[2]
MATRIX = yaml.safe_load((ROOT / "roles/firewall/defaults/main.yml").read_text())["oth_network_matrix"]
NCA = shutil.which("nca") or str(pathlib.Path(__import__("sys").executable).parent / "nca")

NAMESPACE = "oth"
INGRESS = "ingress-nginx/ingress-1"
DNS = "kube-system/dns-1"
APP = "oth/app-1"
DB = "oth/db-1"
MISC = "oth/misc-1"  # a pod of the namespace in no tier
STRANGER = "other/stranger-1"  # another namespace's pod, with the application tier's label
# (name, namespace, labels, ip)
PODS = [
    ("app-1", "oth", {"oth.stack/tier": "application"}, "10.244.0.5"),
    ("db-1", "oth", {"oth.stack/tier": "storage"}, "10.244.0.6"),
    ("misc-1", "oth", {"app": "misc"}, "10.244.0.8"),
    ("ingress-1", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}, "10.244.0.7"),
    ("dns-1", "kube-system", {"k8s-app": "kube-dns"}, "10.244.0.9"),
    ("stranger-1", "other", {"oth.stack/tier": "application"}, "10.244.0.10"),
]
POD_NAMES = ["%s/%s" % (ns, name) for name, ns, _labels, _ip in PODS]
# Outside addresses probed as destinations and sources: Apple's push range, the external
# storage network, and addresses elsewhere, both families.
PROBES = ["1.1.1.1", "8.8.8.8", "10.0.5.9", "10.0.5.200", "17.1.2.3", "203.0.113.7", "2001:db8::1"]

TIERS_IN_CLUSTER = {
    "loadbalancer": {"namespace": "ingress-nginx", "pod_labels": {"app.kubernetes.io/name": "ingress-nginx"}},
    "application": {"pod_labels": {"oth.stack/tier": "application"}},
    "storage": {"pod_labels": {"oth.stack/tier": "storage"}},
}
TIERS_EXTERNAL_STORAGE = dict(TIERS_IN_CLUSTER, storage={"ip_blocks": ["10.0.5.0/24"]})
DNS_PODS = {"namespace": "kube-system", "pod_labels": {"k8s-app": "kube-dns"}}

ALL = "all connections"
STORAGE_PORTS = {3306, 5671, 5672, 15761, 15762}

# name: (tiers, variables)
COMBINATIONS = {
    "defaults": (TIERS_IN_CLUSTER, {}),
    "restricted-minio-ios-video": (TIERS_IN_CLUSTER, {
        "oth_egress_policy": "restricted", "oth_object_storage": "minio",
        "oth_features": {"ios_push": True, "video": True}}),
    "restricted-external-storage-push-sms": (TIERS_EXTERNAL_STORAGE, {
        "oth_egress_policy": "restricted", "oth_object_storage": "minio",
        "oth_features": {"android_push": True, "sms": True}}),
    "open-minio-video": (TIERS_IN_CLUSTER, {"oth_object_storage": "minio", "oth_features": {"video": True}}),
}


def variables(overrides):
    features = {"android_push": False, "ios_push": False, "sms": False, "video": False}
    features.update(overrides.get("oth_features", {}))
    return {
        "oth_admin_sources": ["52.30.207.215/32", "52.31.90.17/32"],
        "oth_admin_ssh_to_application": False,
        "oth_bastion_address": "loadbalancer",
        "oth_features": features,
        "oth_object_storage": overrides.get("oth_object_storage", "s3"),
        "oth_egress_policy": overrides.get("oth_egress_policy", "open"),
        "oth_mariadb_host": "storage",
        "oth_rabbitmq_host": "storage",
        "oth_minio_host": "storage",
    }


def render(name):
    tiers, overrides = COMBINATIONS[name]
    settings = {"namespace": NAMESPACE, "tiers": tiers, "dns": DNS_PODS}
    return kubernetes_manifests.network_policies(MATRIX, variables(overrides), settings)["manifests"]


# --------------------------------------------------------------------------------------------
# The spec, by hand
# --------------------------------------------------------------------------------------------


def tcp(*ports):
    return {("TCP", port) for port in ports}


def expected(name, src, dst):
    """What the spec allows from src to dst (a pod name or an IP address): ALL or a set of
    (protocol, port)."""
    tiers, overrides = COMBINATIONS[name]
    restricted = overrides.get("oth_egress_policy") == "restricted"
    minio = overrides.get("oth_object_storage") == "minio"
    features = overrides.get("oth_features", {})
    storage_in_cluster = "pod_labels" in tiers["storage"]
    storage_ports = STORAGE_PORTS | ({9000} if minio else set())
    src_in_oth = src.startswith("oth/")
    dst_in_oth = dst.startswith("oth/")

    # Inbound to the namespace's pods: default deny, then the spec's inbound rows.
    if dst_in_oth:
        if dst == APP:
            inbound = tcp(80) if src == INGRESS else set()  # traefik, from the frontend only
        elif dst == DB and storage_in_cluster:
            inbound = tcp(*storage_ports) if src == APP else set()
        else:
            inbound = set()
    else:
        inbound = ALL
    # Outbound from the namespace's pods: open, or the spec's outbound table plus DNS.
    if not src_in_oth or not restricted:
        outbound = ALL
    else:
        outbound = set()
        if dst == DNS:
            outbound = tcp(53) | {("UDP", 53)}
        elif src == APP and dst == DB and storage_in_cluster:
            outbound = tcp(*storage_ports)
        elif src == APP and "/" not in dst:
            address = ipaddress.ip_address(dst)
            outbound = tcp(443)  # HTTPS anywhere; push and SMS are 443 too
            if features.get("video"):
                outbound |= {("UDP", 443)}
            if features.get("ios_push") and address in ipaddress.ip_network("17.0.0.0/8"):
                outbound |= tcp(2195, 2196, 5223)
            if not storage_in_cluster and address in ipaddress.ip_network("10.0.5.0/24"):
                outbound |= tcp(*storage_ports)
    if inbound == ALL:
        return outbound
    if outbound == ALL:
        return inbound
    return inbound & outbound


# --------------------------------------------------------------------------------------------
# The analyzer
# --------------------------------------------------------------------------------------------


def topology(directory):
    pods = {"apiVersion": "v1", "kind": "PodList", "items": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
         "spec": {"containers": [{"name": "main", "image": "example.test/oth:1"}]},
         "status": {"podIPs": [{"ip": ip}]}}
        for name, ns, labels, ip in PODS]}
    namespaces = {"apiVersion": "v1", "kind": "NamespaceList", "items": [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}}
        for ns in sorted({ns for _name, ns, _labels, _ip in PODS})]}
    (directory / "pods.yaml").write_text(yaml.safe_dump(pods))
    (directory / "namespaces.yaml").write_text(yaml.safe_dump(namespaces))


_LINE = re.compile(r"^(?P<src>\S+) => (?P<dst>\S+) : (?P<connection>.+)$")


def parse_connection(text):
    if text.strip() == "All connections":
        return ALL
    found = set()
    for group in re.findall(r"\{([^}]*)\}", text):
        protocols, _sep, ports = group.partition(",dst_ports:")
        for protocol in protocols.replace("protocols:", "").split(","):
            if not ports:
                found.add((protocol.strip(), "any port"))
            for item in ports.split(","):
                low, _dash, high = item.partition("-")
                found |= {(protocol.strip(), port) for port in range(int(low), int(high or low) + 1)}
    return found


def endpoint(text):
    """A pod name, or an (first, last) address range."""
    if text.endswith("[Pod]"):
        return text[:-len("[Pod]")]
    first, _dash, last = text.partition("-")
    return (ipaddress.ip_address(first), ipaddress.ip_address(last or first))


def analyze(directory):
    """{(src, dst): connections} from nca's connectivity map; dst or src may be an address range."""
    result = subprocess.run(
        [NCA, "--connectivity", str(directory / "policies"), "--pod_list", str(directory / "pods.yaml"),
         "--ns_list", str(directory / "namespaces.yaml"), "--output_format", "txt_no_fw_rules", "--print_ipv6"],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0 or "=>" in result.stdout, result.stdout + result.stderr
    pairs = {}
    for line in result.stdout.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        key = (endpoint(match["src"]), endpoint(match["dst"]))
        connection = parse_connection(match["connection"])
        previous = pairs.get(key, set())
        pairs[key] = ALL if ALL in (previous, connection) else previous | connection
    assert pairs, "nca printed no connectivity map:\n" + result.stdout + result.stderr
    return pairs


def covers(side, value):
    if isinstance(side, tuple):
        if "/" in value:  # a pod: the analyzer keeps pods and address ranges apart
            return False
        address = ipaddress.ip_address(value)
        return address.version == side[0].version and side[0] <= address <= side[1]
    return side == value


def allowed(pairs, src, dst):
    found = set()
    for (s, d), connection in pairs.items():
        if covers(s, src) and covers(d, dst):
            if connection == ALL:
                return ALL
            found |= connection
    return found


@pytest.fixture(scope="module", params=sorted(COMBINATIONS))
def analyzed(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp(request.param)
    (directory / "policies").mkdir()
    for manifest in render(request.param):
        (directory / "policies" / (manifest["metadata"]["name"] + ".yaml")).write_text(yaml.safe_dump(manifest))
    topology(directory)
    return request.param, analyze(directory)


def test_pods_reach_each_other_exactly_as_the_spec_says(analyzed):
    name, pairs = analyzed
    wrong = []
    for src in POD_NAMES:
        for dst in POD_NAMES:
            if src != dst and (src.startswith("oth/") or dst.startswith("oth/")):
                got, want = allowed(pairs, src, dst), expected(name, src, dst)
                if got != want:
                    wrong.append("%s -> %s: analyzer %s, spec %s" % (src, dst, sorted(got) if got != ALL else ALL,
                                                                   sorted(want) if want != ALL else ALL))
    assert not wrong, "\n".join(wrong)


def test_outside_addresses_are_reached_and_refused_as_the_spec_says(analyzed):
    name, pairs = analyzed
    wrong = []
    for pod in POD_NAMES:
        if not pod.startswith("oth/"):
            continue
        for address in PROBES:
            for src, dst in ((pod, address), (address, pod)):
                got, want = allowed(pairs, src, dst), expected(name, src, dst)
                if got != want:
                    wrong.append("%s -> %s: analyzer %s, spec %s" % (src, dst, got, want))
    assert not wrong, "\n".join(wrong)


def test_every_address_range_the_analyzer_names_agrees_with_the_spec_at_both_ends(analyzed):
    """Nothing extra between the probes: each range is checked at its first and last address."""
    name, pairs = analyzed
    wrong = []
    for (src, dst), _connection in pairs.items():
        for pod, side, outbound in ((src, dst, True), (dst, src, False)):
            if isinstance(pod, str) and pod.startswith("oth/") and isinstance(side, tuple):
                for address in (str(side[0]), str(side[1])):
                    got = allowed(pairs, pod, address) if outbound else allowed(pairs, address, pod)
                    want = expected(name, pod, address) if outbound else expected(name, address, pod)
                    if got != want:
                        wrong.append("%s %s %s: analyzer %s, spec %s" % (pod, "->" if outbound else "<-",
                                                                        address, got, want))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("version", sorted({validate_utils.all_versions()[0], validate_utils.latest_version()}))
@pytest.mark.parametrize("name", sorted(COMBINATIONS))
def test_every_manifest_validates_against_the_kubernetes_schema(name, version):
    for manifest in render(name):
        kubernetes_validate.validate(manifest, version, strict=True)


@pytest.mark.parametrize("version", sorted({validate_utils.all_versions()[0], validate_utils.latest_version()}))
def test_the_tls_secret_validates_against_the_kubernetes_schema(pki, version):
    secret, _report = kubernetes_manifests.tls_secret(
        pki.leaf_rsa.key_pem(), pki.leaf_rsa.pem, [pki.root.pem, pki.intermediate.pem], "oth-stack-tls", NAMESPACE,
        "www.example.test")
    kubernetes_validate.validate(secret, version, strict=True)
