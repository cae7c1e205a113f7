# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/ssh_access_policy: the ssh_access role's input checks and its lock-out guards."""

from __future__ import annotations

import pytest

from ansible_collections.oth.stack.plugins.module_utils.ssh_access_policy import (
    admission,
    in_any_network,
    input_problems,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0xdFpZ2mTqv7Vv8yjq3Qzj2Jm3kZ6GQWnq9lQeY2ab alice@laptop"
TYPES = ["ssh-ed25519", "ssh-rsa"]
ALICE = {"name": "alice", "authorized_keys": [KEY], "sudo": True}
STAFF_NET = ("203.0.113.10/32",)


def problems(sources=None, users=(ALICE,), permit_open=()):
    return input_problems(sources or {"oth_admin_sources": list(STAFF_NET)}, list(users), TYPES, list(permit_open))


def test_good_inputs_have_no_problem():
    assert problems({"oth_admin_sources": ["203.0.113.10", "10.0.0.0/24", "2001:db8::/32"],
                     "ssh_access_management_sources": []},
                    permit_open=["10.0.0.11:22", "[2001:db8::1]:22", "app1:*"]) == []


@pytest.mark.parametrize("value", ["10.0.0.5/24", "300.1.1.1/32", "lb1", "", "10.0.0.0/33", 42])
def test_a_bad_source_is_named_with_its_variable(value):
    found = problems({"ssh_access_management_sources": [value]})
    assert found == ["ssh_access_management_sources: '{0}' is not an IPv4/IPv6 address or network in "
                     "CIDR form (host bits must be zero: 10.0.0.0/24, not 10.0.0.5/24). Fix the value "
                     "in your inventory.".format(value)]


@pytest.mark.parametrize("user", [
    {"name": "root", "authorized_keys": [KEY]},
    {"name": "Alice", "authorized_keys": [KEY]},
    {"name": "bob", "authorized_keys": []},
    {"name": "bob"},
])
def test_a_bad_account_is_refused(user):
    assert problems(users=[user])[0].startswith("oth_admin_users: entry '{0}' is invalid".format(user["name"]))


def test_an_account_listed_twice_is_refused_and_a_retired_one_needs_no_key():
    assert len(problems(users=[ALICE, ALICE])) == 2
    assert problems(users=[{"name": "bob", "state": "absent"}]) == []


@pytest.mark.parametrize("key", ["ssh-dss AAAAB3NzaC1kc3MAAACBAP mallory@x", "mallory's password",
                                 "ssh-ed25519 not-base64"])
def test_a_key_of_another_type_or_no_key_is_refused(key):
    found = problems(users=[{"name": "mallory", "authorized_keys": [key]}])
    assert len(found) == 1
    assert found[0].startswith("oth_admin_users[mallory].authorized_keys: '")
    assert "with type one of ssh-ed25519, ssh-rsa" in found[0]


def test_a_key_with_options_is_accepted():
    assert problems(users=[{"name": "alice", "authorized_keys": ['from="10.0.0.0/8" ' + KEY]}]) == []


def test_a_bad_forwarding_target_is_refused():
    assert problems(permit_open=["10.0.0.11"])[0].startswith("ssh_access_permit_open: '10.0.0.11' is not host:port")


def test_every_problem_is_reported_at_once():
    assert len(problems({"oth_admin_sources": ["10.0.0.5/24"]}, users=[{"name": "root", "authorized_keys": ["x"]}],
                        permit_open=["x"])) == 4


def test_in_any_network():
    assert in_any_network("10.0.0.5", ["192.0.2.0/24", "10.0.0.0/24"])
    assert in_any_network("::ffff:10.0.0.5", ["10.0.0.0/24"])  # as sshd sees a dual-stack client
    assert not in_any_network("10.0.1.5", ["10.0.0.0/24", "2001:db8::/32", "not-a-network"])
    assert not in_any_network("", ["0.0.0.0/0"])


def read(login="deploy", client="10.89.0.1", members="", accounts=("deploy", "alice")):
    connection = "{0} 50000 10.89.0.2 22".format(client) if client else ""
    return ([login, connection, "kex", "cipher", "mac", "sig", "oth-staff:x:999:" + members, "root:root:644", "b64"]
            + ["{0}:x:1000:1000::/home/{0}:/bin/bash".format(name) for name in accounts])


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
