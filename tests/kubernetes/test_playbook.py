# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/kubernetes.yml as an operator runs it: an inventory like site.yml's (whose hosts it
never reaches), the manifests written to a directory, idempotent, check mode, stale policies
removed, bad inputs refused before anything is written, the key never shown."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import stat
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).parents[2]
TIERS = {
    "loadbalancer": {"namespace": "ingress-nginx", "pod_labels": {"app.kubernetes.io/name": "ingress-nginx"}},
    "application": {"pod_labels": {"app.kubernetes.io/part-of": "oth", "oth.stack/tier": "application"}},
    "storage": {"pod_labels": {"oth.stack/tier": "storage"}},
}


@pytest.fixture()
def inventory(tmp_path, pki):
    """A site's inventory: hosts at addresses nothing answers on (TEST-NET-1), the certificate parts."""
    directory = tmp_path / "inventory"
    (directory / "group_vars").mkdir(parents=True)
    (directory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {
        "loadbalancer": {"hosts": {"lb1": {"ansible_host": "192.0.2.10"}}},
        "application": {"hosts": {"app1": {"ansible_host": "192.0.2.11"}}},
        "storage": {"hosts": {"db1": {"ansible_host": "192.0.2.12"}}}}}}))
    group_vars = {
        "oth_fqdn": "www.example.test",
        "oth_kubernetes_namespace": "telehealth",
        "oth_kubernetes_tiers": TIERS,
        "oth_object_storage": "minio",
        "oth_tls_private_key": pki.leaf_rsa.key_pem(),
        "oth_tls_certificate": pki.leaf_rsa.pem,
        "oth_tls_chain": pki.root.pem + pki.intermediate.pem,
    }
    (directory / "group_vars" / "all.yml").write_text(yaml.safe_dump(group_vars))
    return directory


def run(inventory, *options):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache/collections"),
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_FORCE_COLOR="false")
    result = subprocess.run(["ansible-playbook", "-i", str(inventory), str(ROOT / "playbooks/kubernetes.yml"),
                             *options], capture_output=True, text=True, env=env, cwd=str(ROOT), check=False)
    report = json.loads(result.stdout) if result.stdout.lstrip().startswith("{") else None
    return result, report


def stats(report):
    return report["stats"]["localhost"]


def test_writes_one_manifest_per_file_idempotently_and_never_shows_the_key(inventory, tmp_path, pki):
    out = tmp_path / "manifests"
    result, report = run(inventory, "-e", "oth_kubernetes_output_dir=%s" % out, "--diff")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == ["networkpolicy.oth-stack-application-traefik-to-application.yml",
                     "networkpolicy.oth-stack-default-deny.yml",
                     "networkpolicy.oth-stack-mariadb-to-storage.yml",
                     "networkpolicy.oth-stack-minio-to-storage.yml",
                     "networkpolicy.oth-stack-rabbitmq-to-storage.yml",
                     "secret.oth-stack-tls.yml"]
    policy = yaml.safe_load((out / "networkpolicy.oth-stack-minio-to-storage.yml").read_text())
    assert policy["metadata"]["namespace"] == "telehealth"
    assert policy["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 9000}]
    secret_file = out / "secret.oth-stack-tls.yml"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = yaml.safe_load(secret_file.read_text())
    assert base64.b64decode(secret["data"]["tls.key"]).decode() == pki.leaf_rsa.key_pem()
    key_body = pki.leaf_rsa.key_pem().splitlines()[1]
    encoded_key = secret["data"]["tls.key"]
    for text in (result.stdout, result.stderr):
        assert key_body not in text and encoded_key[:40] not in text

    again, report = run(inventory, "-e", "oth_kubernetes_output_dir=%s" % out)
    assert again.returncode == 0, again.stdout[-3000:]
    assert stats(report)["changed"] == 0


def test_check_mode_shows_what_would_change_and_a_flow_switched_off_loses_its_file(inventory, tmp_path):
    out = tmp_path / "manifests"
    assert run(inventory, "-e", "oth_kubernetes_output_dir=%s" % out)[0].returncode == 0
    before = {p.name: p.read_text() for p in out.iterdir()}

    changes = ("-e", "oth_kubernetes_output_dir=%s" % out, "-e", "oth_object_storage=s3",
               "-e", '{"oth_egress_policy": "restricted"}')
    checked, report = run(inventory, *changes, "--check", "--diff")
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert stats(report)["changed"] > 0
    assert {p.name: p.read_text() for p in out.iterdir()} == before

    applied, _report = run(inventory, *changes)
    assert applied.returncode == 0, applied.stdout[-3000:]
    files = {p.name for p in out.iterdir()}
    assert "networkpolicy.oth-stack-minio-to-storage.yml" not in files
    assert {"networkpolicy.oth-stack-dns.yml", "networkpolicy.oth-stack-mariadb-from-application.yml"} <= files


@pytest.mark.parametrize("extra, message", [
    ({"oth_kubernetes_tiers": {"application": TIERS["application"], "storage": TIERS["storage"]}},
     "oth_kubernetes_tiers.loadbalancer: missing"),
    ({"oth_mariadb_host": "db.example.test"}, "flow mariadb: to: variable oth_mariadb_host"),
    ({"oth_kubernetes_namespace": "Tele Health"}, "oth_kubernetes_namespace"),
    ({"oth_kubernetes_output_dir": "manifests"}, "oth_kubernetes_output_dir"),
    ({"oth_tls_chain": ""}, "oth_tls_chain"),
])
def test_a_bad_input_fails_with_its_name_and_nothing_is_written(inventory, tmp_path, extra, message):
    out = tmp_path / "manifests"
    extra = dict({"oth_kubernetes_output_dir": str(out)}, **extra)
    result, report = run(inventory, "-e", json.dumps(extra))
    assert result.returncode != 0
    assert message in result.stdout
    assert not out.exists()
    assert "-----BEGIN" not in result.stdout
