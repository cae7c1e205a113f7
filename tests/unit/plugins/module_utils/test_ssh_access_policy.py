# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/ssh_access_policy: whom the ssh_access role admits, and its lock-out guards (its
inputs are checked by module_utils/inputs.py, see test_inputs.py)."""

from __future__ import annotations

import pytest

from ansible_collections.oth.stack.plugins.module_utils.ssh_access_policy import (
    admission,
    in_any_network,
    ssh_sources,
    supported_algorithms,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0xdFpZ2mTqv7Vv8yjq3Qzj2Jm3kZ6GQWnq9lQeY2ab alice@laptop"
TYPES = ["ssh-ed25519", "ssh-rsa"]
ALICE = {"name": "alice", "authorized_keys": [KEY], "sudo": True}
STAFF_NET = ("203.0.113.10/32",)


def test_in_any_network():
    assert in_any_network("10.0.0.5", ["192.0.2.0/24", "10.0.0.0/24"])
    assert in_any_network("::ffff:10.0.0.5", ["10.0.0.0/24"])  # as sshd sees a dual-stack client
    assert not in_any_network("10.0.1.5", ["10.0.0.0/24", "2001:db8::/32", "not-a-network"])
    assert not in_any_network("", ["0.0.0.0/0"])


def read(login="deploy", client="10.89.0.1", members="", accounts=("deploy", "alice"), login_keys=(KEY,)):
    """The host as module oth.stack.host_state reads it for the role (tasks/read_host.yml)."""
    connection = "{0} 50000 10.89.0.2 22".format(client) if client else ""
    return {"login": {"user": login, "ssh_connection": connection,
                      "authorized_keys": "".join(key + "\n" for key in login_keys)},
            "group": {"exists": True, "members": [member for member in members.split(",") if member]},
            "passwd": {name: {"uid": 1000, "gid": 1000, "home": "/home/" + name, "shell": "/bin/bash"}
                       for name in accounts}}


def admit(lines=None, peers=STAFF_NET, users=(ALICE,), management_user="", management_sources=(),
          allow_controller=True, permit_root_login=False, jump_host=None, host="lb1", own="10.89.0.2",
          bastion="lb1"):
    return admission(list(peers), read() if lines is None else lines, list(users), management_user,
                     list(management_sources), allow_controller, permit_root_login, jump_host, host, own, bastion)


def test_staff_come_from_the_firewall_sources_and_the_run_from_its_own_address():
    policy = admit(management_sources=["192.0.2.0/24", "192.0.2.7"])
    assert policy["sources_net"] == list(STAFF_NET)
    assert policy["management_net"] == list(STAFF_NET) + ["192.0.2.0/24", "192.0.2.7/32", "10.89.0.1/32"]
    assert (policy["login_user"], policy["client"], policy["manager"]) == ("deploy", "10.89.0.1", "deploy")
    assert policy["present_users"] == [ALICE]
    assert policy["problems"] == []


def test_any_source_means_every_ipv4_and_ipv6_address():
    assert admit(peers=["any", "10.0.0.0/8"])["sources_net"] == ["10.0.0.0/8", "0.0.0.0/0", "::/0"]


def test_a_run_from_an_address_the_policy_does_not_admit_is_refused():
    found = admit(allow_controller=False)["problems"]
    assert len(found) == 1
    assert found[0].startswith("This run logs in as 'deploy' from 10.89.0.1, which the new sshd policy would not admit")


def test_a_staff_account_may_run_from_a_staff_source():
    assert admit(lines=read(login="alice", client="203.0.113.10"), management_user="deploy",
                 allow_controller=False)["problems"] == []


def test_a_local_run_has_no_client_to_check():
    policy = admit(lines=read(client=""), allow_controller=False)
    assert (policy["manager"], policy["problems"]) == ("", [])


def test_the_management_account_may_not_be_retired_or_root_without_permission():
    retired = admit(users=[ALICE, {"name": "deploy", "state": "absent"}], lines=read(members="deploy"))
    assert any("it is listed with state: absent" in problem for problem in retired["problems"])
    assert any("retiring it would lock Ansible out" in problem for problem in retired["problems"])
    assert "ssh_access_permit_root_login is false" in admit(lines=read(login="root"))["problems"][0]
    assert admit(lines=read(login="root"), permit_root_login=True)["problems"] == []


def test_accounts_of_the_staff_group_no_longer_listed_are_retired_if_they_exist():
    policy = admit(users=[ALICE, {"name": "carol", "state": "absent"}],
                   lines=read(members="alice,bob,ghost", accounts=("deploy", "alice", "bob", "carol")))
    assert policy["retired"] == ["bob", "carol"]
    assert policy["present_users"] == [ALICE]


@pytest.mark.parametrize("kwargs, expected", [
    ({}, True),  # the bastion by name
    ({"host": "app1", "own": "10.89.0.3"}, False),
    ({"host": "app1", "own": "10.89.0.3", "bastion": ["10.89.0.0/24"]}, True),  # by address
    ({"jump_host": False}, False),  # told so
    ({"host": "app1", "jump_host": True}, True),
])
def test_the_jump_host(kwargs, expected):
    assert admit(**kwargs)["jump_host"] is expected


OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH5ob3RoZXJrZXlvdGhlcmtleW90aGVya2V5b3RoZXJr deploy@ci"


def test_the_login_account_listed_as_staff_keeps_its_key_and_its_sudo():
    # Listed with other keys, its authorized_keys would be replaced: the run refuses instead.
    deploy = {"name": "deploy", "authorized_keys": [OTHER_KEY], "sudo": True}
    found = admit(users=[ALICE, deploy], management_sources=["10.89.0.0/24"])["problems"]
    assert len(found) == 1 and "'deploy', which oth_admin_users lists without 1 of its current keys" in found[0]
    # With its current key among the listed ones, nothing is lost.
    assert admit(users=[ALICE, dict(deploy, authorized_keys=[OTHER_KEY, 'from="10.0.0.0/8" ' + KEY])],
                 management_sources=["10.89.0.0/24"])["problems"] == []
    # Without sudo, become would fail from then on.
    found = admit(users=[ALICE, dict(deploy, authorized_keys=[KEY], sudo="false")],
                  management_sources=["10.89.0.0/24"])["problems"]
    assert len(found) == 1 and "lists without sudo: true" in found[0]
    # A management account other than the login (ssh_access_management_user) keeps its sudo too.
    found = admit(users=[ALICE, dict(deploy, sudo=False)], management_user="deploy",
                  lines=read(login="alice", client="203.0.113.10"))["problems"]
    assert any("'deploy', which oth_admin_users lists without sudo" in problem for problem in found)


def test_sudo_and_the_switches_are_read_as_booleans():
    policy = admit(users=[dict(ALICE, sudo="false"), {"name": "bob", "authorized_keys": [KEY], "sudo": "yes"}],
                   management_sources=["10.89.0.0/24"])
    assert [user["sudo"] for user in policy["present_users"]] == [False, True]
    # "false" as a string, as an INI inventory gives it: no root login, no controller exception.
    assert admit(allow_controller="false", peers=STAFF_NET)["problems"]
    assert admit(jump_host="no", host="lb1")["jump_host"] is False


def test_a_range_covering_22_is_an_ssh_flow_for_sshd_as_for_the_firewall():
    rules = [{"direction": "in", "protocol": "tcp", "port": "20-30", "peer": "192.0.2.0/24"},
             {"direction": "in", "protocol": "udp", "port": "22", "peer": "192.0.2.9/32"},
             {"direction": "out", "protocol": "tcp", "port": "22", "peer": "192.0.2.8/32"},
             {"direction": "in", "protocol": "tcp", "port": "443", "peer": "any"}]
    assert ssh_sources(rules) == ["192.0.2.0/24"]
    assert admit(peers=rules, management_sources=["10.89.0.0/24"])["sources_net"] == ["192.0.2.0/24"]


WANTED_ALGORITHMS = {
    "ssh_access_kex_algorithms": ["sntrup761x25519-sha512", "curve25519-sha256"],
    "ssh_access_ciphers": ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com"],
    "ssh_access_macs": ["hmac-sha2-512-etm@openssh.com"],
    "ssh_access_pubkey_algorithms": ["ssh-ed25519", "rsa-sha2-512"],
}


def test_supported_algorithms_keeps_the_wanted_order_and_drops_what_openssh_lacks():
    host = {"kex": ["curve25519-sha256", "sntrup761x25519-sha512"], "cipher": ["aes256-gcm@openssh.com"],
            "mac": ["hmac-sha2-512-etm@openssh.com"], "key-sig": ["rsa-sha2-512", "ssh-ed25519"]}
    result = supported_algorithms(host, WANTED_ALGORITHMS)
    assert result == {"known": True, "problems": [],
                      "kex": ["sntrup761x25519-sha512", "curve25519-sha256"], "ciphers": ["aes256-gcm@openssh.com"],
                      "macs": ["hmac-sha2-512-etm@openssh.com"], "pubkey": ["ssh-ed25519", "rsa-sha2-512"]}


def test_supported_algorithms_names_each_variable_left_with_none():
    host = {"kex": ["diffie-hellman-group14-sha1"], "cipher": ["aes256-gcm@openssh.com"],
            "mac": ["hmac-sha1"], "key-sig": ["ssh-ed25519"]}
    problems = supported_algorithms(host, WANTED_ALGORITHMS)["problems"]
    assert len(problems) == 2
    assert problems[0].startswith("ssh_access_kex_algorithms: none of the listed algorithms is supported")
    assert problems[1].startswith("ssh_access_macs: ")
    assert "ssh -Q" in problems[0]


def test_supported_algorithms_judges_nothing_before_openssh_is_installed():
    result = supported_algorithms({"kex": [], "cipher": [], "mac": [], "key-sig": []}, WANTED_ALGORITHMS)
    assert result["known"] is False and result["problems"] == []
    assert result["kex"] == []
