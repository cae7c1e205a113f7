# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/inputs: the trust boundary. Every value an operator could plausibly get wrong is
refused with a message naming the variable, or read in its documented safe way."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.oth.stack.plugins.module_utils import inputs
from ansible_collections.oth.stack.plugins.module_utils.inputs import InputError

ROOT = pathlib.Path(__file__).resolve().parents[4]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"
RSA_BLOB_TYPE = "AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7"  # decodes to "ssh-rsa" + more
ALICE = {"name": "alice", "authorized_keys": [KEY], "sudo": True}


def defaults(role):
    """Every variable of a role with the role defaults' values (Jinja left as text is fine for
    the checks of these tests, which replace what they test)."""
    values = {name: inputs.UNDEFINED for name in inputs.names(role)}
    for part in ("firewall", "hosts", "haproxy", "ssh_access", "keepalived"):
        data = yaml.safe_load((ROOT / "roles" / part / "defaults" / "main.yml").read_text()) or {}
        for name, value in data.items():
            if name in values and not (isinstance(value, str) and "{{" in value):
                values[name] = value
    return values


def problems(role="loadbalancer", hostvars=None, **values):
    merged = defaults(role)
    merged.update({"haproxy_server_name": "telehealth.example.com", "haproxy_tls_private_key": "",
                   "haproxy_tls_private_key_path": "/root/tls/key.pem",
                   "haproxy_tls_certificate_path": "/root/tls/cert.pem", "oth_admin_users": [ALICE],
                   "haproxy_backend_check_host": "telehealth.example.com", "hosts_resolve_fqdn": False,
                   "oth_bastion_address": "lb1"} if role == "loadbalancer" else {})
    merged.update(values)
    return inputs.problems(merged, hostvars or {}, list(hostvars or {}))


def test_the_defaults_have_no_problem():
    assert problems() == []
    for role in ("firewall", "hosts", "ssh_access", "keepalived"):
        assert problems(role) == [], role


# ---- booleans --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), ("false", False), ("False", False), ("no", False), ("off", False),
    ("0", False), ("n", False), (0, False), ("true", True), ("yes", True), ("on", True), ("1", True), (1, True),
])
def test_booleans_are_real_or_ansible_spellings(value, expected):
    assert inputs.parse_bool(value) is expected


@pytest.mark.parametrize("value", ["nope", "disabled", "", " ", "False\n", "treu", 2, [], {}, None, "none"])
def test_any_other_word_is_refused_never_read_as_true(value):
    if value == "False\n":
        assert inputs.parse_bool(value) is False  # surrounding blanks are Ansible's too
        return
    with pytest.raises(InputError, match="is not a boolean"):
        inputs.parse_bool(value)


@pytest.mark.parametrize("variable, value", [
    ("haproxy_hsts_enabled", "enabled"), ("ssh_access_permit_root_login", "maybe"),
    ("oth_admin_ssh_to_application", "nein"), ("firewall_allow_controller", "sure"),
    ("hosts_resolve_fqdn", "application"), ("haproxy_http_redirect", []),
])
def test_role_switches_refuse_words_that_are_not_booleans(variable, value):
    found = problems(**{variable: value})
    assert len(found) == 1 and found[0].startswith(variable + ": ") and "is not a boolean" in found[0]


def test_features_and_staff_settings_are_booleans():
    found = problems(oth_features={"android_push": "nope", "sms": "false", "faxes": True},
                     oth_admin_users=[dict(ALICE, sudo="maybe")])
    assert any(p.startswith("oth_features.android_push: 'nope' is not a boolean") for p in found)
    assert any(p.startswith("oth_features: ") and "unknown keys 'faxes'" in p for p in found)
    assert any(p.startswith("oth_admin_users[alice].sudo: 'maybe' is not a boolean") for p in found)
    assert len(found) == 3


# ---- names: a whole match, no control characters ----------------------------------------------

NEWLINE_VALUES = [
    ("oth_fqdn", "telehealth.example.com\n"),
    ("oth_fqdn", "telehealth.example.com\nbind :8080"),
    ("haproxy_server_name", "tele\rhealth.example.com"),
    ("haproxy_backend_name", "application\nbackend evil"),
    ("haproxy_acme_backend", "application\n"),
    ("haproxy_backend_balance", "roundrobin\n    server evil 203.0.113.9:80"),
    ("haproxy_backend_check_path", "/\nhttp-request return status 200"),
    ("haproxy_backend_check_host", "telehealth.example.com\nx"),
    ("haproxy_ssl_ciphers", "ECDHE-RSA-AES128-GCM-SHA256\n    tune.ssl.default-dh-param 512"),
    ("haproxy_alpn", ["h2\nx"]),
    ("haproxy_global_directives", ["maxconn 2000\nstats socket /tmp/x level admin"]),
    ("haproxy_timeouts", {"client": "50s\n    option http-server-close"}),
    ("haproxy_tls_bundle_dir", "/etc/haproxy/certs\n"),
    ("ssh_access_staff_group", "oth-staff\n%sudo"),
    ("ssh_access_staff_shell", "/bin/bash\nPermitRootLogin yes"),
    ("ssh_access_management_user", "deploy\nAllowUsers *"),
    ("ssh_access_permit_open", ["10.0.0.11:22\nPermitOpen any"]),
    ("ssh_access_kex_algorithms", ["curve25519-sha256\nPasswordAuthentication yes"]),
    ("hosts_groups", ["application\n"]),
    ("firewall_exclusive_ports", ["22/tcp\n"]),
    ("firewall_dns_servers", ["10.0.0.2\n"]),
]


@pytest.mark.parametrize("variable, value", NEWLINE_VALUES)
def test_a_newline_never_reaches_a_config_line(variable, value):
    found = problems(**{variable: value})
    assert found and all(p.startswith(variable) for p in found), found
    assert "control character" in found[0] or "is not" in found[0]


@pytest.mark.parametrize("name", ["alice\n", "alice\nroot", "al ice", "Alice", "root", "-alice", "a" * 40,
                                  "alice ALL=(ALL) NOPASSWD: ALL", "", 42, None])
def test_a_bad_staff_name_is_refused(name):
    found = problems(oth_admin_users=[{"name": name, "authorized_keys": [KEY]}])
    assert found and all(p.startswith("oth_admin_users[") for p in found), found


def test_an_account_listed_twice_or_without_keys_is_refused_a_retired_one_needs_none():
    assert len(problems(oth_admin_users=[ALICE, ALICE])) == 1
    assert "a present account needs at least one key" in problems(oth_admin_users=[{"name": "bob"}])[0]
    assert problems(oth_admin_users=[{"name": "bob", "state": "absent"}]) == []
    assert "is not one of present, absent" in problems(oth_admin_users=[{"name": "bob", "state": "gone"}])[0]


@pytest.mark.parametrize("alias", ["db\n10.0.0.9 evil", "db evil", "db#x", "-db", "", "10.0.0.9", "a" * 64])
def test_hosts_aliases_of_every_node_are_host_names(alias):
    found = problems(hostvars={"storage1": {"hosts_aliases": [alias]}})
    if alias == "10.0.0.9":  # an address is a valid DNS label set, refused later by hosts_entries
        return
    assert found and found[0].startswith("hostvars[storage1].hosts_aliases[0]: "), found


# ---- SSH public keys --------------------------------------------------------------------------

@pytest.mark.parametrize("key, message", [
    (KEY + "\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH+other mallory", "control character"),
    (KEY + "\n", "control character"),
    ("ssh-dss AAAAB3NzaC1kc3MAAACBAP mallory@x", "is not an accepted public key"),
    ("mallory's password", "is not an accepted public key"),
    ("ssh-ed25519 not-base64!", "does not decode"),
    ("ssh-ed25519 " + RSA_BLOB_TYPE + " x", "says it is ssh-ed25519 but its base64 holds ssh-rsa"),
    ("ssh-ed25519", "is not an accepted public key"),
    ('bogus-option ' + KEY, "is not an accepted public key"),
    ('bogus-option="x" ' + KEY, "has the option 'bogus-option'"),
    ('no-pty,bogus ' + KEY, "has the option 'bogus'"),
    ('command ' + KEY, "is not an accepted public key"),
    ('command,no-pty ' + KEY, "has the option 'command'"),
    ('from="10.0.0.0/8 ' + KEY, "is not an accepted public key"),
    ("-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA", "is not an accepted public key"),
])
def test_a_bad_public_key_is_refused(key, message):
    found = problems(oth_admin_users=[{"name": "mallory", "authorized_keys": [key]}])
    assert len(found) == 1 and found[0].startswith("oth_admin_users[mallory].authorized_keys[0]: ")
    assert message in found[0], found[0]


@pytest.mark.parametrize("key", [
    KEY, 'from="10.0.0.0/8" ' + KEY, 'restrict,command="uptime" ' + KEY,
    'no-port-forwarding,no-pty,from="10.0.0.0/8,192.0.2.1" ' + KEY, "  " + KEY + "  ",
])
def test_a_good_key_with_options_is_accepted(key):
    assert problems(oth_admin_users=[{"name": "alice", "authorized_keys": [key]}]) == []


def test_key_types_follow_ssh_access_key_types():
    found = problems(oth_admin_users=[ALICE], ssh_access_key_types=["ssh-rsa"])
    assert "with type one of ssh-rsa" in found[0]


# ---- addresses and networks: one parser, host bits refused everywhere -------------------------

@pytest.mark.parametrize("variable", ["oth_admin_sources", "firewall_management_sources",
                                      "ssh_access_management_sources"])
@pytest.mark.parametrize("value, message", [
    ("10.0.0.5/24", "has host bits set, so it is neither one address nor a network: write 10.0.0.0/24 "
                    "for the network, or 10.0.0.5/32 for the one address"),
    ("2001:db8::1/64", "write 2001:db8::/64"),
    ("300.1.1.1/32", "is not an IPv4/IPv6 address or network"),
    ("10.0.0.0/33", "prefix length that is not a number from 0 to 32"),
    ("10.0.0.0/", "prefix length"),
    ("10.0.0.0/024", "prefix length"),
    ("52.30.207.215:22", "looks like address:port"),
    ("52.30.207.215/32\n", "control character"),
    ("10.1", "is not an IPv4/IPv6 address"),
    ("lb1", "is not an IPv4/IPv6 address"),
    ("", "is not an IPv4/IPv6 address"),
    (42, "not an IP address or network"),
])
def test_a_bad_source_is_named_with_its_variable(variable, value, message):
    found = problems(**{variable: [value]})
    assert len(found) == 1 and found[0].startswith("%s[0]: " % variable), found
    assert message in found[0], found[0]


def test_a_list_where_a_list_belongs():
    found = problems(oth_admin_sources="52.30.207.215/32")
    assert found == ["oth_admin_sources: '52.30.207.215/32' is text of 16 characters; a list is expected "
                     "(in YAML: one '- item' per line, or [a, b])."]


@pytest.mark.parametrize("value, message", [
    (["10.0.0.11"], "is a list of 1 items, not an IP address"),
    ("10.0.0.11/24", "is a network (it has a prefix length); give the one address, e.g. '10.0.0.11'"),
    ("10.0.0.11:80", "looks like address:port; give the address alone ('10.0.0.11')"),
    ("[2001:db8::11]:80", "looks like address:port"),
    ("10.0.0.11\n", "control character"),
    ("app1.internal", "is not an IPv4 or IPv6 address"),
    (10, "not an IP address"),
])
def test_every_nodes_internal_address_is_one_address(value, message):
    found = problems(hostvars={"app1": {"oth_internal_ip": value}})
    assert len(found) == 1 and found[0].startswith("hostvars[app1].oth_internal_ip: "), found
    assert message in found[0], found[0]


def test_internal_ipv6_must_be_ipv6():
    assert "an IPv6 address is required" in problems(hostvars={"app1": {"oth_internal_ipv6": "10.0.0.1"}})[0]
    assert problems(hostvars={"app1": {"oth_internal_ipv6": "2001:db8::11", "oth_internal_ip": "10.0.0.11"}}) == []


@pytest.mark.parametrize("variable, value", [
    ("oth_public_ip", "203.0.113.10:443"), ("oth_public_ip", "203.0.113.10/32"), ("oth_public_ip", "lb.example.com"),
    ("hosts_fqdn_address", "203.0.113.10 evil.example.com"), ("haproxy_bind_address", "0.0.0.0:443"),
    ("oth_mariadb_host", "10.0.0.21:3306"), ("oth_mariadb_host", "10.0.0.21/24"), ("oth_bastion_address", ["lb1", "10.0.0.5/24"]),
    ("haproxy_backends", [{"name": "acme", "servers": [{"name": "r", "address": "127.0.0.1:8080", "port": 8080}]}]),
])
def test_an_address_with_a_port_or_host_bits_is_refused(variable, value):
    found = problems(**{variable: value})
    assert found and found[0].startswith(variable), found


def test_endpoints_may_be_hosts_addresses_or_dns_names():
    assert problems(oth_mariadb_host="db.example.com", oth_rabbitmq_host="10.0.0.21",
                    oth_minio_host="storage1", oth_bastion_address=["lb1", "10.0.0.0/24"]) == []


# ---- ports, HAProxy values --------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, 65536, "https", "443 ", "80:80", "8o", True, None, 443.5, "-1"])
def test_ports_are_tcp_ports(value):
    found = problems(haproxy_https_port=value)
    assert found and found[0].startswith("haproxy_https_port: "), found


def test_ports_given_as_text_by_an_ini_inventory_are_fine():
    assert problems(haproxy_https_port="8443", haproxy_backend_port="80") == []


@pytest.mark.parametrize("directive, message", [
    ("http-request deny\nfrontend sneaky", "control character"),
    ("maxconn 2000 # tuned", "holds '#'"),
    ("  ", "is empty"),
    (42, "is int, not one HAProxy directive"),
])
def test_every_hook_directive_is_one_line_without_comments(directive, message):
    found = problems(haproxy_https_directives=[directive])
    assert len(found) == 1 and found[0].startswith("haproxy_https_directives[0]: ") and message in found[0], found


def test_structured_hooks_are_checked_field_by_field():
    stats = {"name": "stats", "bind": ["127.0.0.1:8404"], "directives": ["mode http"], "default_backend": "acme"}
    acme = {"name": "acme", "servers": [{"name": "responder", "address": "127.0.0.1", "port": 8080}]}
    assert problems(haproxy_frontends=[stats], haproxy_backends=[acme]) == []
    found = problems(haproxy_frontends=[dict(stats, bind=["127.0.0.1:8404\n    bind :9999"], extra=1)],
                     haproxy_backends=[dict(acme, name="bad name")])
    assert any(p.startswith("haproxy_frontends[0].bind[0]: ") for p in found)
    assert any(p.startswith("haproxy_frontends[0]: ") and "unknown keys 'extra'" in p for p in found)
    assert any(p.startswith("haproxy_backends[0].name: 'bad name' is not an HAProxy proxy name") for p in found)
    found = problems(haproxy_frontends=[stats])
    assert found == ['haproxy_frontends[stats].default_backend names the backend "acme", which is not defined: '
                     "use application or a name from haproxy_backends (application)."]


def test_proxy_names_are_unique():
    found = problems(haproxy_frontends=[{"name": "https", "bind": [":8443"]}])
    assert any("names must be unique" in p and "https used twice" in p for p in found)


def test_referenced_backends_exist_and_parts_are_given():
    assert any('haproxy_acme_backend names the backend "nowhere"' in p
               for p in problems(haproxy_acme_backend="nowhere"))
    assert not any("nowhere" in p for p in problems(haproxy_acme_backend="nowhere",
                                                    haproxy_acme_challenge_plain_http="false"))
    assert any(p.startswith("haproxy_server_name (default oth_fqdn)")
               for p in problems(haproxy_tls_private_key_path=""))


def test_backend_servers_must_exist_and_have_addresses():
    values = defaults("haproxy")
    values.update(haproxy_server_name="t.example.com", haproxy_tls_private_key="x", haproxy_tls_certificate="y",
                  haproxy_backend_check_host="t.example.com")
    found = inputs.problems(values, servers=[{"name": "app1", "address": ""}])
    assert any("gathered facts: app1." in p for p in found)
    assert any(p.startswith("The backend application needs servers") for p in inputs.problems(values, servers=[]))



def test_after_a_tiers_check_the_servers_alone_are_checked():
    # oth.stack.loadbalancer checks every input first; HAProxy's own check then adds its servers.
    values = {"haproxy_backend_name": "application", "haproxy_backend_group": "application"}
    assert inputs.problems(values, servers=[{"name": "app1", "address": "10.0.0.5"}]) == []
    found = inputs.problems(values, servers=[])
    assert len(found) == 1 and found[0].startswith("The backend application needs servers")

@pytest.mark.parametrize("variable, value", [
    ("haproxy_tls_bundle_mode", 644), ("haproxy_tls_bundle_mode", "rw-------"), ("haproxy_http_redirect_code", 200),
    ("haproxy_ssl_min_version", "TLSv1.0"), ("haproxy_timeouts", {"client": "50 s"}), ("haproxy_hsts_max_age", -1),
    ("haproxy_backend_check_expect_status", "200-399 or 404"), ("haproxy_backend_check_fall", 0),
    ("ssh_access_max_auth_tries", "3 "), ("ssh_access_absent_users", "delete"), ("firewall_backend", "iptables"),
    ("oth_egress_policy", "Restricted"), ("oth_object_storage", "minio\n"), ("hosts_cloud_init_mode", "off"),
    ("ssh_access_staff_shell", "bash"),
])
def test_other_shapes_are_checked(variable, value):
    found = problems(**{variable: value})
    assert found and found[0].startswith(variable), found


def test_every_problem_is_reported_at_once():
    found = problems(oth_admin_sources=["10.0.0.5/24"], haproxy_https_port=0,
                     oth_admin_users=[{"name": "root", "authorized_keys": ["x"]}], haproxy_hsts_enabled="perhaps")
    assert len(found) == 5


# ---- secrets ----------------------------------------------------------------------------------

KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretsecretsecret"


@pytest.mark.parametrize("value", [
    "-----BEGIN PRIVATE KEY----- %s -----END PRIVATE KEY-----" % KEY_BODY,            # line breaks as blanks
    "-----BEGIN PRIVATE KEY-----\\n%s\\n-----END PRIVATE KEY-----\\n" % KEY_BODY,      # escaped newlines
    "-----BEGIN PRIVATE KEY-----\n  %s\n-----END PRIVATE KEY-----\n" % KEY_BODY,       # indented
    "-----BEGIN PRIVATE KEY-----\n%s\n" % KEY_BODY,                                     # truncated
    KEY_BODY,                                                                          # body alone
    "-----BEGIN RSA PRIVATE KEY-----\n%s!\n-----END RSA PRIVATE KEY-----\n" % KEY_BODY,
    "-----BEGIN PRIVATE KEY-----\n%s\n-----END RSA PRIVATE KEY-----\n" % KEY_BODY,     # labels differ
    "-----BEGIN PRIVATE KEY-----%s-----END PRIVATE KEY-----" % KEY_BODY,               # glued
    [KEY_BODY], {"key": KEY_BODY},
])
@pytest.mark.parametrize("variable", ["oth_tls_private_key", "haproxy_tls_private_key", "haproxy_tls_certificate",
                                      "haproxy_tls_chain"])
def test_a_key_in_a_wrong_shape_is_refused_without_quoting_it(variable, value):
    found = problems(**{variable: value})
    assert found and found[0].startswith(variable), found
    assert not any("secret" in p or KEY_BODY[:20] in p for p in found), found


def test_a_chain_may_be_a_list_of_pem_texts(pki):
    assert problems(haproxy_tls_chain=[pki.intermediate.pem, pki.root.pem]) == []
    assert problems(haproxy_tls_chain=pki.intermediate.pem + pki.root.pem) == []


# ---- the matrix -------------------------------------------------------------------------------

@pytest.mark.parametrize("flow, message", [
    ({"name": "syslog\nallow", "from": ["any"], "to": ["all"], "ports": [514]}, "'name' must be lower-case"),
    ({"name": "syslog", "from": ["10.0.0.0/8\n"], "to": ["all"], "ports": [514]}, "each on one line"),
    ({"name": "syslog", "from": ["10.0.0.9/8"], "to": ["all"], "ports": [514]}, "has host bits set"),
    ({"name": "syslog", "from": ["any"], "to": ["all"], "ports": ["514\n"]}, "control character"),
    ({"name": "syslog", "from": ["any"], "to": ["all"], "ports": [514], "reply_out": "sometimes"}, "not a boolean"),
    ({"name": "syslog", "description": "a\nb", "from": ["any"], "to": ["all"], "ports": [514]}, "'description'"),
])
def test_extra_flows_go_through_the_same_parsers(flow, message):
    found = problems(oth_network_matrix_extra=[flow])
    assert len(found) == 1 and found[0].startswith("oth_network_matrix_extra[0]") and message in found[0], found


# ---- the argument specs agree with the layer --------------------------------------------------

_TYPES = {"bool": {"bool"}, "port": {"int", "raw", "str"}, "int": {"int", "raw"}, "list": {"list"},
          "dict": {"dict"}, "mapping": {"dict"}, "matrix": {"list"}, "choice": {"str", "int"},
          "endpoints": {"raw", "str"}, "pem": {"str", "raw"}}


def _argument_specs(role):
    return yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]


@pytest.mark.parametrize("role", ["firewall", "hosts", "haproxy", "ssh_access", "loadbalancer", "application",
                                  "storage"])
def test_the_argument_specs_and_the_layer_agree(role):
    options = _argument_specs(role)["main"]["options"]
    read = set(inputs.names(role))
    documented = set(options)
    assert documented <= read, "documented in argument_specs but not checked: %s" % sorted(documented - read)
    if role in ("firewall", "hosts", "haproxy", "ssh_access"):
        own = {name for name in read if name.startswith(role + "_")}
        assert own <= documented, "checked but not documented: %s" % sorted(own - documented)
    for name, option in options.items():
        spec = inputs.SPEC[name]
        allowed = _TYPES.get(spec["kind"], {"str", "raw", "path"})
        assert option.get("type", "str") in allowed, (name, option.get("type"), spec["kind"])
        if spec["kind"] == "choice":
            assert list(option["choices"]) == list(spec["choices"]), name


@pytest.mark.parametrize("host", ["app 1", "app1\nx", "app1;", "*"])
def test_inventory_names_are_host_names_or_addresses(host):
    found = problems(hostvars={host: {}})
    assert found and found[0].startswith("inventory host: "), found


def test_inventory_names_may_be_addresses():
    assert problems(hostvars={"10.0.0.11": {}, "2001:db8::11": {}, "app1.internal": {}}) == []


@pytest.mark.parametrize("variable, value", [("oth_public_ip", " 203.0.113.10"), ("haproxy_bind_address", "0.0.0.0 ")])
def test_blanks_around_an_address_are_refused(variable, value):
    found = problems(**{variable: value})
    assert found and "has blanks around the address" in found[0], found


@pytest.mark.parametrize("mode", ["0644", "0604", "0666", "0777", "0602"])
def test_the_bundle_is_never_readable_by_every_account(mode):
    found = problems(haproxy_tls_bundle_mode=mode)
    assert found and "lets every account on the host read" in found[0], found


@pytest.mark.parametrize("mode", ["0600", "0640", "0400", "600", 0o600])
def test_private_bundle_modes_are_fine(mode):
    assert problems(haproxy_tls_bundle_mode=mode) == []


# ---- keepalived (the HA pair) -----------------------------------------------------------------

@pytest.mark.parametrize("variable, value, message", [
    ("keepalived_advert_interval", "0.4s", "is not a number of seconds"),
    ("keepalived_advert_interval", 0, "is outside 0.01 to 255 seconds"),
    ("keepalived_virtual_router_id", 256, "is outside 1 to 255"),
    ("keepalived_priority", 255, "is outside 1 to 254"),
    ("keepalived_vrrp_version", 4, "is not one of"),
    ("keepalived_interface", "eth0\n}", "one line"),
    ("keepalived_notify_script", "/usr/local/bin/move-ip --all", "without blanks"),
    ("keepalived_virtual_address", "192.0.2.10/24", "prefix"),
    ("keepalived_preempt", "maybe", "boolean"),
])
def test_keepalived_values_are_refused_with_their_name(variable, value, message):
    found = problems("keepalived", **{variable: value})
    assert len(found) == 1 and found[0].startswith(variable + ":") and message in found[0], found


@pytest.mark.parametrize("secret", ["pass word", "toolongpass", 'pa"ss', "pa#ss", "a!b"])
def test_the_vrrp_password_is_refused_without_being_shown(secret):
    [found] = problems("keepalived", keepalived_auth_pass=secret)
    assert found.startswith("keepalived_auth_pass: (value not shown)") and secret not in found


def test_the_load_balancer_tier_checks_the_keepalived_inputs_too():
    assert "keepalived_advert_interval" in inputs.names("loadbalancer")
    assert problems(keepalived_advert_interval=0.4, keepalived_check_timeout="0.5") == []
