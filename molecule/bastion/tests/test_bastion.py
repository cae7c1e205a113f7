# SPDX-License-Identifier: GPL-3.0-or-later
"""Every SSH path the spec allows works and every other one is refused, shown by real clients.

The client container is the staff laptop: its first address is the admin source, its second
one (.250) is any other address on the internet. The controller is this machine, which reaches
the load balancer only. Converge itself (over SSH, through the bastion, twice) proved that the
management path survived the firewall and sshd changes.
"""

import json
import os
import subprocess
import tempfile

import pytest
import testinfra

EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
SCENARIO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = os.path.dirname(os.path.dirname(SCENARIO))
with open(os.path.join(EPHEMERAL, "addresses.json"), encoding="utf-8") as handle:
    ADDRESSES = json.load(handle)

LB = ADDRESSES["bst-lb1"]
NODES = {"bst-app1": ADDRESSES["bst-app1"], "bst-storage1": ADDRESSES["bst-storage1"]}
APP = NODES["bst-app1"]
NON_ADMIN_SOURCE = ADDRESSES["bst-client1"].rsplit(".", 1)[0] + ".250"
SSH_CONFIG = os.path.join(EPHEMERAL, "ssh_config")


def podman(name):
    return testinfra.get_host("podman://" + name)


CLIENT = podman("bst-client1")
LB_HOST = podman("bst-lb1")


def from_client(command):
    """Run an ssh/sftp command on the staff laptop (its ~/.ssh/config holds key and options)."""
    return CLIENT.run("timeout 20 " + command + " </dev/null")


def controller_ssh(*args):
    return subprocess.run(
        ["ssh", "-F", SSH_CONFIG, "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", *args],
        capture_output=True, text=True, timeout=30, check=False,
    )


def apply_role(extra_vars, limit="bst-lb1"):
    """Run the role alone with extra inputs, as an operator would, over the scenario's SSH paths."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(extra_vars, handle)
    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = os.path.join(EPHEMERAL, "ansible.cfg")
    env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(PROJECT, ".cache", "collections")
    env["ANSIBLE_NOCOLOR"] = "1"
    try:
        return subprocess.run(
            ["ansible-playbook", "-i", os.path.join(EPHEMERAL, "inventory"), "--limit", limit,
             "-e", "@" + handle.name, os.path.join(SCENARIO, "apply_ssh_access.yml")],
            capture_output=True, text=True, timeout=300, check=False, env=env,
        )
    finally:
        os.unlink(handle.name)


def staff_key():
    with open(os.path.join(EPHEMERAL, "staff_key.pub"), encoding="utf-8") as handle:
        return handle.read().strip()


# ---- a re-run -----------------------------------------------------------------------------
# Each round trip of a no-change run costs every node of a site a module call and the controller
# a worker: what the facts call of playbooks/facts.yml already read is not asked again.
NO_CHANGE_CALLS = {"bst-lb1": 3, "bst-app1": 2, "bst-storage1": 2}
# Under the free strategy every task of every host, skipped or not, costs the controller a worker
# and a copy of the host's variables, so the cost of a site's no-change run is this times its
# nodes: each role's steps with nothing to do sit behind one include.
NO_CHANGE_TASKS_AT_MOST = {"bst-lb1": 28, "bst-app1": 11, "bst-storage1": 11}


def module_calls(task_result):
    """Round trips in one host's result of a task (a loop holds one per item)."""
    if task_result.get("skipped"):
        return 0
    items = task_result.get("results") or [task_result]
    return sum(1 for item in items if not item.get("skipped") and ("invocation" in item or "censored" in item))


def test_a_no_change_run_asks_each_host_only_what_the_facts_call_did_not_read():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(EPHEMERAL, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(PROJECT, ".cache", "collections"),
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    result = subprocess.run(
        ["ansible-playbook", "-i", os.path.join(EPHEMERAL, "inventory"), os.path.join(SCENARIO, "converge.yml")],
        capture_output=True, text=True, timeout=600, check=False, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    report = json.loads(result.stdout)
    calls = {host: 0 for host in NO_CHANGE_CALLS}
    asked = {host: [] for host in NO_CHANGE_CALLS}
    tasks = {host: [] for host in NO_CHANGE_CALLS}
    for play in report["plays"]:
        for task in play["tasks"]:
            for host, task_result in task["hosts"].items():
                assert not task_result.get("changed"), (task["task"]["name"], host)
                tasks[host].append(task["task"]["name"])
                calls[host] += module_calls(task_result)
                asked[host] += [task["task"]["name"]] * module_calls(task_result)
                # The facts call showed ufw enabled: the bastion's firewall is not asked again.
                if task["task"]["name"].endswith(" : Ask the firewall whether it is active"):
                    assert task_result.get("skipped"), task_result
    assert calls == NO_CHANGE_CALLS, asked
    for host, limit in NO_CHANGE_TASKS_AT_MOST.items():
        assert len(tasks[host]) <= limit, (host, tasks[host])


# ---- allowed paths ------------------------------------------------------------------------

def test_staff_reaches_the_load_balancer_from_an_admin_source():
    result = from_client(f"ssh staff@{LB} id -un")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "staff"


@pytest.mark.parametrize("name", sorted(NODES))
def test_staff_reaches_each_node_through_the_bastion(name):
    result = from_client(f"ssh -J staff@{LB} staff@{NODES[name]} hostname")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == name


def test_staff_with_sudo_get_root_on_a_node_without_a_password():
    result = from_client(f"ssh -J staff@{LB} staff@{APP} sudo -n id -u")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_sftp_works_on_the_bastion_and_through_it():
    for target in (f"staff@{LB}", f"-J staff@{LB} staff@{APP}"):
        result = CLIENT.run(f"echo 'put /etc/hostname sftp-probe' | timeout 20 sftp -b - {target}")
        assert result.rc == 0, (target, result.stderr)


@pytest.mark.parametrize("name", sorted(NODES))
def test_the_controller_reaches_each_node_through_the_bastion(name):
    result = controller_ssh(name, "id", "-un")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deploy"


def test_the_bastion_takes_a_jump_to_every_node_at_once():
    # A run opens a jump to every node at the same moment. A stock sshd (MaxStartups 10:30:100)
    # refuses some handshakes beyond 10, and Ansible drops those nodes from the run; the bastion
    # has room for one per inventory host on top of OpenSSH's 10.
    hosts = json.loads(subprocess.run(["ansible-inventory", "-i", os.path.join(EPHEMERAL, "inventory"), "--list"],
                                      capture_output=True, text=True, check=True).stdout)["_meta"]["hostvars"]
    start = int(LB_HOST.check_output("sshd -T | sed -n 's/^maxstartups //p'").split(":")[0])
    assert start >= 10 + len(hosts)
    # That many at once through the bastion, spread over the nodes as a run's are (each node's
    # own sshd keeps the stock limit and sees fewer than 10 of them).
    targets = sorted(NODES) * (start // len(NODES) + 1)
    for _round in range(3):
        jumps = [subprocess.Popen(["ssh", "-F", SSH_CONFIG, "-o", "BatchMode=yes", "-o", "ConnectTimeout=20",
                                   target, "true"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for target in targets[:start]]
        errors = [jump.communicate(timeout=60)[1] for jump in jumps]
        failed = [error for jump, error in zip(jumps, errors) if jump.returncode]
        assert not failed, "%d of %d jumps refused: %s" % (len(failed), start, failed[:3])


# ---- refused paths ------------------------------------------------------------------------

def test_the_same_key_from_a_non_admin_source_is_refused():
    # The second address itself works: it reaches a listener on the open port 80...
    LB_HOST.run("systemd-run --unit=bst-probe-80 socat TCP-LISTEN:80,fork,reuseaddr EXEC:/bin/true")
    try:
        assert CLIENT.run(f"nc -z -w 5 -s {NON_ADMIN_SOURCE} {LB} 80").rc == 0
    finally:
        LB_HOST.run("systemctl stop bst-probe-80")
    # ...but not SSH, with the very key that works from the admin source.
    result = from_client(f"ssh -b {NON_ADMIN_SOURCE} staff@{LB} true")
    assert result.rc == 255


def test_sshd_itself_refuses_a_source_that_is_not_listed():
    # From the load balancer's own loopback the firewall lets the packets in: only sshd's
    # AllowUsers user@source list can refuse the valid key.
    with open(os.path.join(EPHEMERAL, "staff_key"), encoding="utf-8") as handle:
        key = handle.read()
    LB_HOST.run(f"install -m 600 /dev/stdin /root/probe_key <<'EOF'\n{key}EOF")
    try:
        result = LB_HOST.run(
            "timeout 20 ssh -i /root/probe_key -o BatchMode=yes -o StrictHostKeyChecking=no "
            "-o UserKnownHostsFile=/dev/null staff@127.0.0.1 true"
        )
    finally:
        LB_HOST.run("rm -f /root/probe_key")
    assert result.rc == 255
    log = LB_HOST.run("journalctl -u ssh --no-pager -n 200").stdout
    assert "User staff from 127.0.0.1 not allowed because not listed in AllowUsers" in log


@pytest.mark.parametrize("name", sorted(NODES))
def test_the_client_cannot_reach_a_node_directly(name):
    result = from_client(f"ssh staff@{NODES[name]} true")
    assert result.rc == 255


@pytest.mark.parametrize("name", sorted(NODES))
def test_the_controller_cannot_reach_a_node_directly(name):
    result = controller_ssh("-o", "ProxyJump=none", f"deploy@{NODES[name]}", "true")
    assert result.returncode == 255


def test_passwords_are_not_offered():
    result = from_client(
        f"ssh -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive "
        f"staff@{LB} true"
    )
    assert result.rc == 255
    assert "Permission denied (publickey)" in result.stderr


def test_root_is_refused_even_with_an_authorized_key():
    # prepare.yml put the staff key in root's authorized_keys, as some cloud images do.
    for command in (f"ssh root@{LB} true", f"ssh -J staff@{LB} root@{APP} true"):
        result = from_client(command)
        assert result.rc == 255, command


def test_the_bastion_forwards_only_to_the_nodes_ssh_ports():
    allowed = from_client(f"ssh -W {APP}:22 staff@{LB}")
    assert allowed.stdout.startswith("SSH-2.0-OpenSSH"), allowed.stderr
    refused = from_client(f"ssh -W {APP}:80 staff@{LB}")
    assert refused.rc == 255
    assert "stdio forwarding failed" in refused.stderr


def test_egress_is_restricted_yet_the_bastion_reaches_the_nodes():
    # The scenario runs under oth_egress_policy: restricted, so converge itself proved that SSH
    # sessions survive their firewall's first start. Here: the restriction is real.
    app = podman("bst-app1")
    assert app.run(f"nc -z -w 3 {LB} 22").rc != 0, "app1 may open SSH to the load balancer"
    assert LB_HOST.run(f"nc -z -w 3 {APP} 22").rc == 0


def test_nodes_forward_nothing():
    result = from_client(f"ssh -J staff@{LB} -W {NODES['bst-storage1']}:22 staff@{APP}")
    assert result.rc == 255
    assert "stdio forwarding failed" in result.stderr


# ---- inputs -------------------------------------------------------------------------------

# A well-formed key nobody holds.
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl eve@laptop"

BAD_INPUTS = {
    "dsa-key": (
        {"oth_admin_users": [{"name": "mallory", "authorized_keys": ["ssh-dss AAAAB3NzaC1kc3MAAACBAP mallory@x"]}]},
        "oth_admin_users[mallory].authorized_keys",
    ),
    "not-a-key": (
        {"oth_admin_users": [{"name": "mallory", "authorized_keys": ["mallory's password"]}]},
        "oth_admin_users[mallory].authorized_keys",
    ),
    "host-bits-in-cidr": ({"oth_admin_sources": ["10.0.0.5/24"]},
                          "oth_admin_sources[0]: '10.0.0.5/24' has host bits set"),
    "not-an-address": ({"oth_admin_sources": ["300.1.1.1/32"]}, "oth_admin_sources[0]: '300.1.1.1/32'"),
    "address-with-port": ({"oth_admin_sources": ["52.30.207.215:22"]}, "looks like address:port"),
    # A newline would add lines to sshd_config and sudoers that sshd -t and visudo accept.
    "newline-in-a-name": (
        {"oth_admin_users": [{"name": "eve\nroot", "authorized_keys": [OTHER_KEY], "sudo": True}]},
        "oth_admin_users[0].name: 'eve\\nroot' holds a newline"),
    "newline-in-a-key": (
        {"oth_admin_users": [{"name": "eve", "authorized_keys": [OTHER_KEY + "\n" + OTHER_KEY]}]},
        "oth_admin_users[eve].authorized_keys[0]"),
    # The role's argument spec refuses these first, in Ansible's words, naming variable and value.
    "sudo-as-a-word": ({"oth_admin_users": [{"name": "eve", "authorized_keys": [OTHER_KEY], "sudo": "nope"}]},
                       "argument 'sudo' is of type str found in 'oth_admin_users'. and we were unable to "
                       "convert to bool: The value 'nope' is not a valid boolean"),
    "root-login-as-a-word": ({"ssh_access_permit_root_login": "sometimes"},
                             "argument 'ssh_access_permit_root_login' is of type str and we were unable to "
                             "convert to bool: The value 'sometimes' is not a valid boolean"),

    # The login account listed as staff with another key: its own key would be replaced.
    "login-account-listed-with-other-keys": (
        {"oth_admin_users": [{"name": "deploy", "authorized_keys": [OTHER_KEY], "sudo": True}]},
        "'deploy', which oth_admin_users lists without 1 of its current keys"),
    # The lock-out guards: the run logs in as deploy from the controller, which is no admin source.
    "controller-not-admitted": (
        {"ssh_access_allow_controller": False, "firewall_management_sources": []},
        "which the new sshd policy would not admit",
    ),
    "management-account-retired": (
        {"oth_admin_users": [{"name": "deploy", "state": "absent"}]},
        "it is listed with state: absent in oth_admin_users",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_before_sshd_or_accounts_change(case):
    extra_vars, message = BAD_INPUTS[case]
    before = LB_HOST.run("sha256sum /etc/ssh/sshd_config /etc/passwd /etc/group").stdout
    result = apply_role(extra_vars)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output, output[-3000:]
    assert LB_HOST.run("sha256sum /etc/ssh/sshd_config /etc/passwd /etc/group").stdout == before


def test_a_staff_account_dropped_from_the_list_is_locked_then_removed():
    staff = [{"name": "staff", "authorized_keys": [staff_key()], "sudo": True}]
    temp = {"name": "temp", "authorized_keys": [staff_key()]}

    added = apply_role({"oth_admin_users": staff + [temp]})
    assert added.returncode == 0, added.stdout[-3000:]
    assert from_client(f"ssh temp@{LB} id -un").stdout.strip() == "temp"

    locked = apply_role({"oth_admin_users": staff})
    assert locked.returncode == 0, locked.stdout[-3000:]
    assert from_client(f"ssh temp@{LB} true").rc == 255
    entry = LB_HOST.run("getent passwd temp").stdout.strip().split(":")
    assert entry[6] == "/usr/sbin/nologin"
    # Expired since day 1 (1970-01-02): PAM refuses the account whatever key it shows.
    assert LB_HOST.run("getent shadow temp").stdout.split(":")[7] == "1"
    assert not LB_HOST.file("/home/temp/.ssh/authorized_keys").exists

    removed = apply_role({"oth_admin_users": staff, "ssh_access_absent_users": "remove"})
    assert removed.returncode == 0, removed.stdout[-3000:]
    assert LB_HOST.run("getent passwd temp").rc == 2
    assert from_client(f"ssh staff@{LB} id -un").stdout.strip() == "staff"


def test_a_quoted_false_grants_no_root():
    """INI inventories and -e give booleans as text: sudo: "false" must not grant sudo, and
    ssh_access_permit_root_login: "no" must not let root in."""
    staff = {"name": "staff", "authorized_keys": [staff_key()]}
    try:
        result = apply_role({"oth_admin_users": [dict(staff, sudo="false")], "ssh_access_permit_root_login": "no"})
        assert result.returncode == 0, result.stdout[-3000:]
        assert "staff" not in LB_HOST.file("/etc/sudoers.d/oth-staff").content_string
        assert from_client(f"ssh staff@{LB} sudo -n id -u").rc != 0
        assert "PermitRootLogin no" in LB_HOST.file("/etc/ssh/sshd_config").content_string
    finally:
        result = apply_role({"oth_admin_users": [dict(staff, sudo="yes")]})
    assert result.returncode == 0, result.stdout[-3000:]
    assert from_client(f"ssh staff@{LB} sudo -n id -u").stdout.strip() == "0"


def test_hand_edits_of_sshd_config_accounts_keys_and_sudoers_are_put_back_on_the_next_run():
    # The role reads these first and skips the writes when they are already as wanted: a
    # difference in any of them must still be seen and undone.
    LB_HOST.run(
        "echo 'PasswordAuthentication yes' >> /etc/ssh/sshd_config && chmod 600 /etc/ssh/sshd_config"
        " && usermod -s /bin/sh -p '*' staff && gpasswd -d staff oth-staff"
        " && echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0xdFpZ2mTqv7Vv8yjq3Qzj2Jm3kZ6GQWnq9lQeY2ab x'"
        "    >> /home/staff/.ssh/authorized_keys"
        " && echo 'staff ALL=(ALL) ALL' > /etc/sudoers.d/oth-staff")
    result = apply_role({})
    assert result.returncode == 0, result.stdout[-3000:]
    config = LB_HOST.file("/etc/ssh/sshd_config")
    assert "PasswordAuthentication yes" not in config.content_string
    assert config.mode == 0o644
    entry = LB_HOST.run("getent passwd staff").stdout.strip().split(":")
    assert entry[6] == "/bin/bash"
    assert LB_HOST.run("getent shadow staff").stdout.split(":")[1].startswith("!")
    assert "oth-staff" in LB_HOST.run("id -nG staff").stdout.split()
    keys = LB_HOST.file("/home/staff/.ssh/authorized_keys").content_string.splitlines()
    assert [line.strip() for line in keys if line.strip()] == [staff_key()]
    assert LB_HOST.file("/etc/sudoers.d/oth-staff").content_string.strip().endswith("staff ALL=(ALL:ALL) NOPASSWD: ALL")
    assert from_client(f"ssh staff@{LB} sudo -n id -u").stdout.strip() == "0"


def test_a_single_load_balancer_runs_no_keepalived_and_no_vrrp_rule():
    # One host in loadbalancer: no HA pair, so no keepalived and no VRRP block in ufw's files.
    lb = podman("bst-lb1")
    assert not lb.package("keepalived").is_installed
    assert "oth.stack" not in lb.file("/etc/ufw/before.rules").content_string
    assert "vrrp" not in lb.run("iptables-save").stdout


@pytest.mark.parametrize("name", ["bst-lb1", "bst-app1", "bst-storage1"])
def test_every_firewall_change_was_confirmed_through_the_bastion(name):
    # The converge changed every node's rules over SSH, app and storage through the bastion: each
    # change was confirmed over a new connection, so no restore is left scheduled or saved, and
    # the nodes keep the converge's rules (the restore would have removed them by now).
    node = podman(name)
    units = node.check_output("systemctl list-units --all --plain --no-legend 'oth-stack-firewall-restore*'")
    assert units.strip() == ""
    assert not node.file("/run/oth-stack/firewall-restore").exists
    assert "oth.stack:" in node.check_output("ufw show added")
