# SPDX-License-Identifier: GPL-3.0-or-later
"""oth.stack.preflight_flows: the spec's flows per node, from the firewall role's matrix."""

from __future__ import annotations

import pathlib

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.oth.stack.plugins.filter.preflight_flows import preflight_flows

ROOT = pathlib.Path(__file__).resolve().parents[4]
MATRIX = yaml.safe_load((ROOT / "roles/firewall/defaults/main.yml").read_text())["oth_network_matrix"]
GROUPS = {"all": ["lb1", "app1", "storage1"], "loadbalancer": ["lb1"], "application": ["app1"],
          "storage": ["storage1"], "ungrouped": []}
HOSTVARS = {"lb1": {"oth_internal_ip": "10.0.0.5"}, "app1": {"oth_internal_ip": "10.0.0.11"},
            "storage1": {"ansible_default_ipv4": {"address": "10.0.0.20"}}}
EXTERNAL = {"android_push": [{"host": "fcm.googleapis.com", "port": 443}],
            "ios_push": [{"host": "gateway.push.apple.com", "port": p} for p in (2195, 2196, 5223)],
            "sms": [{"host": "api.twilio.com", "port": 443}]}


def _variables(**overrides):
    variables = {"oth_admin_sources": ["192.0.2.1/32"], "oth_admin_ssh_to_application": False,
                 "oth_features": {"android_push": True, "ios_push": False, "sms": False, "video": False},
                 "oth_object_storage": "minio", "oth_egress_policy": "open", "oth_bastion_address": "lb1",
                 "oth_mariadb_host": "storage1", "oth_rabbitmq_host": "storage1", "oth_minio_host": "storage1"}
    variables.update(overrides)
    return variables


def _targets(flows):
    return [(f["name"], f["host"], f["port"]) for f in flows]


def test_application_node_reaches_the_storage_endpoints_and_lists_outside_services():
    flows = preflight_flows(MATRIX, "app1", HOSTVARS, GROUPS, _variables(), EXTERNAL)
    assert _targets(flows) == [
        ("mariadb storage1", "10.0.0.20", 3306),
        ("rabbitmq storage1", "10.0.0.20", 5671),
        ("rabbitmq storage1", "10.0.0.20", 5672),
        ("minio storage1", "10.0.0.20", 9000),
        ("rabbitmq storage1", "10.0.0.20", 15761),
        ("rabbitmq storage1", "10.0.0.20", 15762),
        ("android_push fcm.googleapis.com", "fcm.googleapis.com", 443),
    ]
    outside = flows[-1]
    assert outside["test"] is False and outside["required"] is False
    assert "outside service" in outside["reason"]


def test_minio_only_with_minio_and_features_only_when_on():
    variables = _variables(oth_object_storage="s3",
                           oth_features={"android_push": False, "ios_push": True, "sms": True, "video": False})
    names = [name for name, _h, _p in _targets(preflight_flows(MATRIX, "app1", HOSTVARS, GROUPS, variables, EXTERNAL))]
    assert "minio storage1" not in names
    assert "android_push fcm.googleapis.com" not in names
    assert names.count("ios_push gateway.push.apple.com") == 3
    assert "sms api.twilio.com" in names


def test_outside_services_are_tested_only_when_asked():
    flows = preflight_flows(MATRIX, "app1", HOSTVARS, GROUPS, _variables(), EXTERNAL, test_external=True)
    assert flows[-1]["test"] is True


def test_load_balancer_reaches_app_on_80_and_ssh_to_app_and_storage():
    flows = preflight_flows(MATRIX, "lb1", HOSTVARS, GROUPS, _variables(), EXTERNAL)
    assert sorted(_targets(flows)) == [
        ("application_traefik app1", "10.0.0.11", 80),
        ("ssh_from_bastion app1", "10.0.0.11", 22),
        ("ssh_from_bastion storage1", "10.0.0.20", 22),
    ]


def test_storage_node_checks_nothing_outbound():
    assert preflight_flows(MATRIX, "storage1", HOSTVARS, GROUPS, _variables(), EXTERNAL) == []


def test_bad_endpoint_is_explained():
    with pytest.raises(AnsibleFilterError, match="preflight endpoints of flow android_push"):
        preflight_flows(MATRIX, "app1", HOSTVARS, GROUPS, _variables(), {"android_push": [{"host": "x"}]})
