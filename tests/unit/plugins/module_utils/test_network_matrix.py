# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/network_matrix: the spec's matrix, its validation and each host's rules."""

from __future__ import annotations

import copy
import pathlib
import re

import pytest
import yaml

from ansible_collections.oth.stack.plugins.module_utils.network_matrix import (
    MatrixError,
    host_rules,
    normalize_matrix,
    render_table,
    validate_matrix,
)

ROOT = pathlib.Path(__file__).resolve().parents[4]
DEFAULTS = yaml.safe_load((ROOT / "roles/firewall/defaults/main.yml").read_text())
MATRIX = DEFAULTS["oth_network_matrix"]
ESSENTIALS = DEFAULTS["firewall_egress_essentials"]
STAFF = ["52.30.207.215/32", "52.31.90.17/32"]
RABBITMQ = ["5671", "5672", "15761", "15762"]

GROUPS = {
    "all": ["lb1", "app1", "app2", "storage1"],
    "ungrouped": [],
    "loadbalancer": ["lb1"],
    "application": ["app1", "app2"],
    "storage": ["storage1"],
}
HOSTVARS = {
    "lb1": {"oth_internal_ip": "10.0.0.2"},
    "app1": {"oth_internal_ip": "10.0.0.3"},
    "app2": {"ansible_default_ipv4": {"address": "10.0.0.4"}},
    "storage1": {"ansible_host": "10.0.0.5"},
}


def variables(**overrides):
    values = {
        "oth_admin_sources": list(STAFF),
        "oth_admin_ssh_to_application": False,
        "oth_features": {"android_push": False, "ios_push": False, "sms": False, "video": False},
        "oth_object_storage": "s3",
        "oth_egress_policy": "open",
        "oth_bastion_address": "lb1",
        "oth_mariadb_host": "storage1",
        "oth_rabbitmq_host": "storage1",
        "oth_minio_host": "storage1",
        "firewall_dns_servers": ["10.0.0.53"],
        "firewall_ntp_servers": ["any"],
        "firewall_package_mirrors": ["any"],
    }
    values.update(overrides)
    return values


def rules(host, matrix=MATRIX, hostvars=None, groups=None, **overrides):
    return host_rules(matrix, host, HOSTVARS if hostvars is None else hostvars,
                      GROUPS if groups is None else groups, variables(**overrides))


def triples(rule_list, direction="in"):
    """(protocol, port, peer) of the rules in one direction, as a set; "reply" for reply rules."""
    if direction == "reply":
        return {(r["protocol"], r["port"], r["peer"]) for r in rule_list if r["reply"]}
    return {(r["protocol"], r["port"], r["peer"]) for r in rule_list
            if r["direction"] == direction and not r["reply"]}


def flow(name):
    return next(f for f in MATRIX if f["name"] == name)


# --- the spec's rows are all there, as data --------------------------------------------------


@pytest.mark.parametrize(
    "name, sides, ports, protocol",
    [
        ("loadbalancer_http", (["any"], ["loadbalancer"]), [80], "tcp"),
        ("loadbalancer_https", (["any"], ["loadbalancer"]), [443], "tcp"),
        ("loadbalancer_ssh_admin", (["oth_admin_sources"], ["loadbalancer"]), [22], "tcp"),
        ("application_traefik", (["loadbalancer"], ["application"]), [80], "tcp"),
        ("ssh_from_bastion", (["oth_bastion_address"], ["application", "storage"]), [22], "tcp"),
        ("application_ssh_admin", (["oth_admin_sources"], ["application"]), [22], "tcp"),
        ("application_https_out", (["application"], ["any"]), [443], "tcp"),
        ("mariadb", (["application"], ["oth_mariadb_host"]), [3306], "tcp"),
        ("rabbitmq", (["application"], ["oth_rabbitmq_host"]), [5671, 5672, 15761, 15762], "tcp"),
        ("minio", (["application"], ["oth_minio_host"]), [9000], "tcp"),
        ("android_push", (["application"], ["any"]), [443], "tcp"),
        ("ios_push", (["application"], ["17.0.0.0/8"]), [2195, 2196, 5223], "tcp"),
        ("sms", (["application"], ["any"]), [443], "tcp"),
        ("video", (["application"], ["any"]), [443], ["tcp", "udp"]),
    ],
)
def test_every_spec_row_is_in_the_matrix(name, sides, ports, protocol):
    row = flow(name)
    assert (row["from"], row["to"]) == sides
    assert row["ports"] == ports
    assert row["protocol"] == protocol
    assert row["description"]


def test_the_matrix_holds_nothing_but_the_spec_rows_and_the_ha_pairs_vrrp():
    assert len(MATRIX) == 15
    assert flow("loadbalancer_vrrp")["condition"] == [{"var": "loadbalancer_pair"}]
    assert DEFAULTS["oth_network_matrix_extra"] == []
    assert DEFAULTS["oth_admin_sources"] == STAFF


def test_shape_of_the_default_matrix_is_valid():
    flows = normalize_matrix(MATRIX + ESSENTIALS)
    assert [f["name"] for f in flows][:3] == ["loadbalancer_http", "loadbalancer_https", "loadbalancer_ssh_admin"]


# --- an HA pair of load balancers -----------------------------------------------------------

PAIR_GROUPS = dict(GROUPS, all=GROUPS["all"] + ["lb2"], loadbalancer=["lb1", "lb2"])
PAIR_HOSTVARS = dict(HOSTVARS, lb2={"oth_internal_ip": "10.0.0.6"})


def pair_rules(host, **overrides):
    overrides.setdefault("oth_bastion_address", ["lb1", "lb2"])
    return rules(host, hostvars=PAIR_HOSTVARS, groups=PAIR_GROUPS, **overrides)


def test_the_pair_exchanges_vrrp_with_each_other_only():
    assert {r for r in triples(pair_rules("lb1")) if r[0] == "vrrp"} == {("vrrp", "", "10.0.0.6/32")}
    assert {r for r in triples(pair_rules("lb2")) if r[0] == "vrrp"} == {("vrrp", "", "10.0.0.2/32")}
    for host in ("app1", "storage1"):
        assert not [r for r in pair_rules(host) if r["protocol"] == "vrrp"]


def test_vrrp_rules_have_no_port_and_a_readable_id():
    [rule] = [r for r in pair_rules("lb1") if r["protocol"] == "vrrp"]
    assert rule["id"] == "loadbalancer_vrrp:in:vrrp:10.0.0.6/32"


def test_restricted_egress_lets_vrrp_out_to_the_peer_only():
    out = triples(pair_rules("lb1", oth_egress_policy="restricted"), "out")
    assert ("vrrp", "", "10.0.0.6/32") in out
    assert not [r for r in out if r[0] == "vrrp" and r[2] != "10.0.0.6/32"]


def test_a_single_load_balancer_gets_no_vrrp_rule():
    assert not [r for r in rules("lb1", oth_egress_policy="restricted") if r["protocol"] == "vrrp"]


def test_either_load_balancer_of_the_pair_is_a_bastion():
    for host in ("app1", "storage1"):
        ssh = {r[2] for r in triples(pair_rules(host)) if r[1] == "22"}
        assert ssh == {"10.0.0.2/32", "10.0.0.6/32"}


@pytest.mark.parametrize("bad, message", [
    ({"protocol": "vrrp", "ports": [112]}, "vrrp has no ports; leave them out"),
    ({"protocol": ["vrrp", "tcp"]}, "has no ports; give it a flow of its own"),
    ({"protocol": "icmp"}, "is not one of tcp, udp, vrrp"),
])
def test_vrrp_flows_are_portless_and_alone(bad, message):
    row = dict({"name": "pair", "from": ["loadbalancer"], "to": ["loadbalancer"]}, **bad)
    with pytest.raises(MatrixError, match=re.escape(message)):
        normalize_matrix([row])


# --- inbound rules per host ------------------------------------------------------------------


def test_load_balancer_takes_web_from_anywhere_and_ssh_from_staff_only():
    assert triples(rules("lb1")) == {
        ("tcp", "80", "any"),
        ("tcp", "443", "any"),
        ("tcp", "22", "52.30.207.215/32"),
        ("tcp", "22", "52.31.90.17/32"),
    }


def test_application_takes_traefik_and_ssh_from_the_load_balancer_only():
    for host in ("app1", "app2"):
        assert triples(rules(host)) == {("tcp", "80", "10.0.0.2/32"), ("tcp", "22", "10.0.0.2/32")}


def test_storage_takes_its_services_from_the_application_servers_only():
    got = triples(rules("storage1", oth_object_storage="minio"))
    apps = ("10.0.0.3/32", "10.0.0.4/32")
    assert got == {("tcp", "22", "10.0.0.2/32")} | {
        ("tcp", port, app) for app in apps for port in ["3306", "9000"] + RABBITMQ
    }


def test_minio_port_opens_only_with_minio():
    assert not any(r["port"] == "9000" for r in rules("storage1", oth_object_storage="s3"))
    assert any(r["port"] == "9000" for r in rules("storage1", oth_object_storage="minio"))


def test_staff_ssh_straight_to_application_is_an_option_off_by_default():
    assert ("tcp", "22", STAFF[0]) not in triples(rules("app1"))
    assert ("tcp", "22", STAFF[0]) in triples(rules("app1", oth_admin_ssh_to_application=True))


def test_empty_admin_sources_turn_staff_ssh_off():
    assert triples(rules("lb1", oth_admin_sources=[])) == {("tcp", "80", "any"), ("tcp", "443", "any")}


def test_a_vpn_range_replaces_the_staff_addresses():
    got = triples(rules("lb1", oth_admin_sources=["10.8.0.0/24", "fd00:8::/64"]))
    assert ("tcp", "22", "10.8.0.0/24") in got and ("tcp", "22", "fd00:8::/64") in got
    assert not any(peer in STAFF for _p, _port, peer in got)


def test_a_customer_jump_host_replaces_the_bastion():
    got = triples(rules("storage1", oth_bastion_address="192.0.2.7"))
    assert ("tcp", "22", "192.0.2.7/32") in got
    assert ("tcp", "22", "10.0.0.2/32") not in got


def test_a_host_leaving_application_loses_its_access_to_storage():
    groups = dict(GROUPS, application=["app1"])
    got = triples(rules("storage1", groups=groups))
    assert not any(peer == "10.0.0.4/32" for _p, _port, peer in got)
    assert ("tcp", "3306", "10.0.0.3/32") in got


def test_external_database_moves_the_rules_off_the_storage_server():
    got = rules("storage1", oth_mariadb_host="192.0.2.50")
    assert not any(r["port"] == "3306" for r in got)
    out = triples(rules("app1", oth_mariadb_host="192.0.2.50", oth_egress_policy="restricted"), "out")
    assert ("tcp", "3306", "192.0.2.50/32") in out


def test_host_in_two_groups_gets_both_and_no_rule_to_itself():
    groups = dict(GROUPS, loadbalancer=["lb1"], application=["lb1", "app1"])
    got = triples(rules("lb1", groups=groups))
    assert {("tcp", "80", "any"), ("tcp", "443", "any")} <= got
    assert not any(peer == "10.0.0.2/32" for _p, _port, peer in got)
    assert ("tcp", "80", "10.0.0.2/32") in triples(rules("app1", groups=groups))


def test_missing_standard_groups_are_empty_not_errors():
    groups = {"all": ["lb1"], "ungrouped": [], "loadbalancer": ["lb1"]}
    hostvars = {"lb1": HOSTVARS["lb1"]}
    assert rules("lb1", hostvars=hostvars, groups=groups, oth_bastion_address="", oth_mariadb_host="",
                 oth_rabbitmq_host="", oth_minio_host="")


# --- outbound rules (restricted egress) ------------------------------------------------------


def test_open_egress_produces_no_outbound_rules():
    assert all(r["direction"] == "in" for h in HOSTVARS for r in rules(h))


def test_restricted_egress_gives_the_spec_outbound_flows():
    features = {"android_push": True, "ios_push": True, "sms": True, "video": True}
    out = triples(rules("app1", oth_egress_policy="restricted", oth_features=features,
                        oth_object_storage="minio"), "out")
    expected = {("tcp", "443", "any"), ("udp", "443", "any")}
    expected |= {("tcp", p, "17.0.0.0/8") for p in ("2195", "2196", "5223")}
    expected |= {("tcp", p, "10.0.0.5/32") for p in ["3306", "9000"] + RABBITMQ}
    assert out == expected


def test_restricted_egress_lets_the_bastion_and_the_proxy_out():
    out = triples(rules("lb1", oth_egress_policy="restricted"), "out")
    assert out == {("tcp", "22", a) for a in ("10.0.0.3/32", "10.0.0.4/32", "10.0.0.5/32")} | {
        ("tcp", "80", a) for a in ("10.0.0.3/32", "10.0.0.4/32")
    }
    assert not triples(rules("storage1", oth_egress_policy="restricted"), "out")


def test_restricted_egress_lets_ssh_sessions_reply_to_their_sources():
    # A session open before the firewall first starts is first seen by its reply: without these
    # rules, the default deny on egress would stall the staff's, Ansible's and the bastion's SSH.
    assert triples(rules("lb1", oth_egress_policy="restricted"), "reply") == {("tcp", "22", a) for a in STAFF}
    for host in ("app1", "app2", "storage1"):
        assert triples(rules(host, oth_egress_policy="restricted"), "reply") == {("tcp", "22", "10.0.0.2/32")}
    assert not any(r["reply"] for h in HOSTVARS for r in rules(h))
    assert [r["id"] for r in rules("app1", oth_egress_policy="restricted") if r["reply"]] == [
        "ssh_from_bastion:reply:tcp/22:10.0.0.2/32"]


def test_reply_out_is_chosen_per_flow():
    syslog = {"name": "syslog", "from": ["10.0.0.9"], "to": ["all"], "ports": [514], "protocol": ["tcp", "udp"],
              "reply_out": True}
    got = triples(rules("storage1", matrix=MATRIX + [syslog], oth_egress_policy="restricted"), "reply")
    assert ("tcp", "514", "10.0.0.9/32") in got and ("udp", "514", "10.0.0.9/32") not in got
    no_bastion_replies = [dict(f, reply_out=False) if f["name"] == "ssh_from_bastion" else f for f in MATRIX]
    assert not triples(rules("storage1", matrix=no_bastion_replies, oth_egress_policy="restricted"), "reply")
    # Ansible's spellings are booleans; any other word is refused, never read as true.
    assert triples(rules("storage1", matrix=[dict(syslog, reply_out="no")], oth_egress_policy="restricted"),
                   "reply") == set()
    with pytest.raises(MatrixError, match="'reply_out' is not a boolean"):
        rules("lb1", matrix=[dict(syslog, reply_out="maybe")])


def test_host_essentials_only_under_restricted_egress():
    matrix = MATRIX + ESSENTIALS
    assert not triples(rules("storage1", matrix=matrix), "out")
    out = triples(rules("storage1", matrix=matrix, oth_egress_policy="restricted"), "out")
    assert out == {("udp", "53", "10.0.0.53/32"), ("tcp", "53", "10.0.0.53/32"), ("udp", "123", "any"),
                   ("tcp", "80", "any"), ("tcp", "443", "any"), ("udp", "67", "any")}


def test_bad_egress_policy_is_refused():
    with pytest.raises(MatrixError, match="oth_egress_policy: 'closed'"):
        rules("lb1", oth_egress_policy="closed")


def test_shared_rule_keeps_the_first_flows_id():
    features = {"android_push": True, "ios_push": False, "sms": True, "video": False}
    got = [r for r in rules("app1", oth_egress_policy="restricted", oth_features=features)
           if r["direction"] == "out" and r["port"] == "443"]
    assert [r["id"] for r in got] == ["application_https_out:out:tcp/443:any"]


# --- addresses -------------------------------------------------------------------------------


def test_address_fallback_order():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars["app1"].update(ansible_default_ipv4={"address": "10.9.9.9"}, ansible_host="10.8.8.8")
    got = triples(rules("storage1", hostvars=hostvars))
    assert ("tcp", "3306", "10.0.0.3/32") in got  # oth_internal_ip wins
    assert ("tcp", "3306", "10.0.0.4/32") in got  # facts
    assert ("tcp", "22", "10.0.0.2/32") in triples(rules("storage1"))


def test_the_default_address_is_read_from_ansible_facts_when_facts_are_not_injected():
    # inject_facts_as_vars = False (the repository's ansible.cfg): only ansible_facts is set.
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars["app2"] = {"ansible_facts": {"default_ipv4": {"address": "10.0.0.14"}},
                        "ansible_default_ipv4": {"address": "10.9.9.9"}}
    assert ("tcp", "3306", "10.0.0.14/32") in triples(rules("storage1", hostvars=hostvars))


def test_ipv6_addresses_get_the_same_rules():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars["lb1"]["oth_internal_ipv6"] = "fd00::2"
    got = [r for r in rules("app1", hostvars=hostvars) if r["peer"] == "fd00::2/128"]
    assert {(r["port"], r["family"]) for r in got} == {("22", "ipv6"), ("80", "ipv6")}


def test_any_covers_both_families():
    assert {r["family"] for r in rules("lb1") if r["peer"] == "any"} == {"any"}


@pytest.mark.parametrize(
    "hostvar, value",
    [("oth_internal_ip", "10.0.0.300"), ("oth_internal_ip", "app-one"), ("oth_internal_ip", "10.0.0.0/24"),
     ("oth_internal_ipv6", "10.0.0.9")],
)
def test_bad_host_address_names_host_variable_and_value(hostvar, value):
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars["app1"][hostvar] = value
    with pytest.raises(MatrixError) as error:
        rules("storage1", hostvars=hostvars)
    assert "app1" in str(error.value) and hostvar in str(error.value) and value in str(error.value)


def test_host_without_any_address_is_an_error():
    hostvars = copy.deepcopy(HOSTVARS)
    hostvars["app1"] = {}
    with pytest.raises(MatrixError, match="host 'app1' has no address"):
        rules("storage1", hostvars=hostvars)


@pytest.mark.parametrize("value", ["52.30.207.215/33", "52.30.207.256/32", "52.30.207/32", "fd00::g/64", "10.0.0.1/x"])
def test_bad_admin_source_names_the_variable_and_value(value):
    with pytest.raises(MatrixError) as error:
        rules("lb1", oth_admin_sources=[value])
    assert "oth_admin_sources" in str(error.value) and value in str(error.value)


def test_bad_value_fails_on_every_host_not_only_where_it_is_used():
    with pytest.raises(MatrixError, match="oth_admin_sources"):
        rules("storage1", oth_admin_sources=["10.0.0.0/40"])


def test_dns_name_for_an_endpoint_fails_only_where_an_address_is_needed():
    assert rules("lb1", oth_mariadb_host="db.example.test")
    with pytest.raises(MatrixError, match="oth_mariadb_host: 'db.example.test' is neither"):
        rules("app1", oth_mariadb_host="db.example.test", oth_egress_policy="restricted")


# --- SSH from everywhere ---------------------------------------------------------------------


@pytest.mark.parametrize("sources", [["0.0.0.0/0"], ["::/0"], ["any"], ["10.0.0.0/8", "0.0.0.0/0"]])
def test_ssh_from_everywhere_is_refused(sources):
    with pytest.raises(MatrixError, match="opens port 22 to .*allow_any_ssh"):
        rules("lb1", oth_admin_sources=sources)


def test_ssh_from_everywhere_is_refused_in_a_port_range_too():
    extra = [{"name": "wide", "from": ["any"], "to": ["storage"], "ports": ["20-30"], "protocol": "tcp"}]
    with pytest.raises(MatrixError, match="flow wide opens port 22"):
        rules("storage1", matrix=MATRIX + extra)


def test_allow_any_ssh_lets_a_flow_open_it():
    extra = [{"name": "open_ssh", "from": ["0.0.0.0/0"], "to": ["storage"], "ports": [22], "protocol": "tcp",
              "allow_any_ssh": True}]
    assert ("tcp", "22", "0.0.0.0/0") in triples(rules("storage1", matrix=MATRIX + extra))


def test_any_on_other_ports_is_fine():
    extra = [{"name": "web", "from": ["::/0"], "to": ["storage"], "ports": [8443], "protocol": "tcp"}]
    got = [r for r in rules("storage1", matrix=MATRIX + extra) if r["flow"] == "web"]
    assert [(r["peer"], r["family"]) for r in got] == [("::/0", "ipv6")]


# --- matrix shape errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"ports": [0]}, "outside 1-65535"),
        ({"ports": ["90-80"]}, "not low-high"),
        ({"ports": "http"}, "is not a port"),
        ({"ports": []}, "at least one port"),
        ({"protocol": "icmp"}, "is not one of tcp, udp"),
        ({"to": []}, "'to' must be a non-empty list"),
        ({"name": "Bad Name"}, "'name' must be"),
        ({"colour": "red"}, "unknown keys colour"),
        ({"condition": [{"when": "x"}]}, "expected a mapping with a 'var'"),
        ({"to": ["nowhere"]}, "'nowhere' is not 'any'"),
        ({"condition": [{"var": "oth_typo"}]}, "variable 'oth_typo' is not defined"),
    ],
)
def test_bad_flow_is_refused_with_its_name(change, message):
    bad = dict({"name": "extra", "from": ["application"], "to": ["storage"], "ports": [1234], "protocol": "tcp"},
               **change)
    with pytest.raises(MatrixError, match=re.escape(message)):
        rules("storage1", matrix=MATRIX + [bad])


def test_duplicate_flow_names_are_refused():
    with pytest.raises(MatrixError, match="used twice"):
        normalize_matrix(MATRIX + [MATRIX[0]])


def test_unknown_host_is_an_error():
    with pytest.raises(MatrixError, match="not in the inventory"):
        rules("ghost")


def test_validate_matrix_checks_everything_without_a_host():
    assert len(validate_matrix(MATRIX, HOSTVARS, GROUPS, variables())) == 15
    with pytest.raises(MatrixError, match="0.0.0.0/0"):
        validate_matrix(MATRIX, HOSTVARS, GROUPS, variables(oth_admin_sources=["0.0.0.0/0"]))


# --- ids and order ---------------------------------------------------------------------------


def test_rule_ids_are_unique_stable_and_readable():
    got = rules("storage1", oth_object_storage="minio")
    ids = [r["id"] for r in got]
    assert len(ids) == len(set(ids))
    assert "mariadb:in:tcp/3306:10.0.0.3/32" in ids
    assert ids == [r["id"] for r in rules("storage1", oth_object_storage="minio")]


def test_rules_are_sorted_by_direction_protocol_port_peer():
    got = rules("storage1", oth_object_storage="minio")
    ports = [int(r["port"]) for r in got]
    assert ports == sorted(ports)


def test_port_ranges_are_canonical():
    extra = [{"name": "media", "from": ["any"], "to": ["storage"], "ports": ["50000:50010", 60000],
              "protocol": "udp"}]
    got = [r for r in rules("storage1", matrix=MATRIX + extra) if r["flow"] == "media"]
    assert [r["port"] for r in got] == ["50000-50010", "60000"]


# --- rendering -------------------------------------------------------------------------------


def test_table_lists_every_flow_with_its_condition():
    table = render_table(MATRIX, {"oth_admin_sources": STAFF})
    lines = table.splitlines()
    assert lines[0].startswith("| Flow | From | To | Port | Protocol | When |")
    assert len(lines) == 2 + len(MATRIX)
    assert "| minio | application | oth_minio_host | 9000 | TCP | oth_object_storage == minio |" in table
    assert "oth_admin_sources: 52.30.207.215/32 52.31.90.17/32" in table
    assert "| 5671, 5672, 15761, 15762 |" in table
    assert "| TCP/UDP | oth_features.video |" in table


def test_table_for_an_inventory_resolves_addresses_and_drops_inactive_flows():
    table = render_table(MATRIX, variables(oth_object_storage="s3"), HOSTVARS, GROUPS, active_only=True)
    assert "application: 10.0.0.3/32 10.0.0.4/32" in table
    assert "oth_mariadb_host: 10.0.0.5/32" in table
    assert "| minio |" not in table and "| android_push |" not in table


def test_committed_docs_match_the_role_defaults():
    """docs/network-matrix.md is generated from the defaults: regenerate it when they change
    (ansible-playbook playbooks/network_matrix.yml -e network_matrix_dest=docs/network-matrix.md)."""
    text = (ROOT / "docs/network-matrix.md").read_text()
    begin, end = "<!-- BEGIN network matrix -->\n", "<!-- END network matrix -->"
    committed = text[text.index(begin) + len(begin):text.index(end)]
    assert committed == render_table(MATRIX, {"oth_admin_sources": DEFAULTS["oth_admin_sources"]})


@pytest.mark.parametrize("sources", [["0.0.0.0/1", "128.0.0.0/1"], ["10.0.0.0/7"], ["2000::/3"]])
def test_ssh_from_a_network_as_wide_as_the_internet_is_refused(sources):
    with pytest.raises(MatrixError, match="opens port 22 to .*wider than /8"):
        rules("lb1", oth_admin_sources=sources)


def test_ssh_from_a_vpn_range_is_fine():
    assert ("tcp", "22", "10.0.0.0/8") in triples(rules("lb1", oth_admin_sources=["10.0.0.0/8"]), "in")
