# SPDX-License-Identifier: GPL-3.0-or-later
"""Staff reach the load balancer over SSH from an admin source, and the inner nodes through it."""
import pytest

from conftest import node

SSH = ("ssh -i /root/staff_ed25519 -o BatchMode=yes -o ConnectTimeout=5 "
       "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null")


def test_staff_key_reaches_the_load_balancer(client_files, ip):
    result = node("client1").run(f"{SSH} staff@{ip['lb1']} hostname")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "lb1"


@pytest.mark.parametrize("bastion", ("lb1", "lb2"))
@pytest.mark.parametrize("target", ("app1", "app2", "storage1"))
def test_staff_key_reaches_inner_nodes_through_either_bastion(client_files, ip, target, bastion):
    jump = f"-o ProxyCommand='{SSH} -W %h:%p staff@{ip[bastion]}'"
    result = node("client1").run(f"{SSH} {jump} staff@{ip[target]} hostname")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == target


def test_direct_ssh_to_an_inner_node_is_refused(client_files, ip):
    assert node("client1").run(f"{SSH} staff@{ip['app1']} hostname").rc != 0


@pytest.mark.parametrize("user", ("root", "nobody"))
def test_root_and_password_logins_are_refused(client_files, ip, user):
    result = node("client1").run(
        f"{SSH} -o PreferredAuthentications=password,keyboard-interactive {user}@{ip['lb1']} true")
    assert result.rc != 0
    assert "Permission denied" in result.stderr
