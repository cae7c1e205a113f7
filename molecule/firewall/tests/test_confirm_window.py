# SPDX-License-Identifier: GPL-3.0-or-later
"""The confirm window, driven over SSH from this machine as a controller drives a site.

A good change is confirmed over a new connection and leaves nothing scheduled. A change that
cuts the controller's own path (the lock-out guard turned off for the test) is undone by the
host itself: new SSH connections from here come back within the timeout plus a few seconds,
with the rules as they were before, and the run fails saying so. ufw is tried in phase 1
(fw-app2), firewalld in phase 2 (fw-storage1).
"""

import json
import os
import pathlib
import re
import socket
import subprocess
import threading
import time

import testinfra

SCENARIO = pathlib.Path(__file__).resolve().parent.parent
ROOT = SCENARIO.parent.parent
TARGETS = {1: ("fw-app2", "ufw"), 2: ("fw-storage1", "firewalld")}
TIMEOUT = 15
# The window opens at the apply and closes at the restore: a few seconds go to the restore itself.
SLACK = 6


def node(name):
    return testinfra.get_host("podman://%s" % name)


def phase():
    return int(node("fw-client1").run("cat /etc/oth-firewall-phase").stdout.strip() or 1)


def addresses(name):
    host = node(name)
    route = json.loads(host.check_output("ip -j route show default"))[0]
    address = json.loads(host.check_output("ip -j -4 addr show dev eth0"))[0]["addr_info"][0]["local"]
    return address, route["gateway"]


def rules(name, backend):
    host = node(name)
    if backend == "ufw":
        return host.check_output("ufw show added") + host.check_output("cat /etc/ufw/ufw.conf")
    return host.check_output("firewall-cmd --list-all-policies") + host.check_output(
        "firewall-cmd --permanent --list-all-policies")


def nothing_scheduled(name):
    host = node(name)
    units = host.check_output("systemctl list-units --all --plain --no-legend 'oth-stack-firewall-restore*'")
    return units.strip() == "" and not host.file("/run/oth-stack/firewall-restore").exists


def ssh_opens(address):
    try:
        with socket.create_connection((address, 22), timeout=0.5):
            return True
    except OSError:
        return False


def client_reaches(address, port):
    return node("fw-client1").run("nc -zw2 %s %d" % (address, port)).rc == 0


def converge_phase(number):
    """The scenario's own converge of a phase, on every node: the rules the later tests expect."""
    playbook = {1: "converge.yml", 2: "converge_changed.yml"}[number]
    return subprocess.run(
        ["ansible-playbook", "-i", os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]), str(SCENARIO / playbook)],
        cwd=ROOT, env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
        capture_output=True, text=True, timeout=600, check=False)


def converge(tmp_path, name, variables, over_ssh):
    inventories = ["-i", os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])]
    if over_ssh:
        address, _gateway = addresses(name)
        ssh = tmp_path / "ssh.yml"
        ssh.write_text(json.dumps({"all": {"hosts": {name: {
            "ansible_connection": "ssh",
            "ansible_host": address,
            "ansible_user": "root",
            "ansible_ssh_private_key_file": os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"],
                                                         "confirm_window_key"),
            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
        }}}}))
        inventories += ["-i", str(ssh)]
    return subprocess.run(
        ["ansible-playbook", *inventories, str(SCENARIO / "confirm_window.yml"),
         "-e", json.dumps(dict(variables, confirm_target=name))],
        cwd=ROOT, env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
        capture_output=True, text=True, timeout=600, check=False)


def record(backend, seconds):
    """Keep the measured cut for the README's figures (.cache/confirm-window.json)."""
    path = ROOT / ".cache" / "confirm-window.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[backend] = {"timeout": TIMEOUT, "ssh_cut_seconds": round(seconds, 1)}
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(figures, indent=1) + "\n")


class SshWatch(threading.Thread):
    """Opens a new TCP connection to port 22 every 0.2 s and notes when they stop and resume."""

    def __init__(self, address):
        threading.Thread.__init__(self, daemon=True)
        self.address = address
        self.cut_at = None
        self.back_at = None
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            opens = ssh_opens(self.address)
            now = time.monotonic()
            if not opens and self.cut_at is None:
                self.cut_at = now
            elif opens and self.cut_at is not None and self.back_at is None:
                self.back_at = now
            time.sleep(0.2)


def test_confirm_window(tmp_path):
    name, backend = TARGETS[phase()]
    address, controller = addresses(name)
    # This machine manages the host: its address is the management source, as a controller's is.
    managed = {"firewall_management_sources": ["%s/32" % controller]}
    extra_port = {"oth_network_matrix_extra": [{
        "name": "confirm_test", "description": "A port the test opens and closes.",
        "from": ["any"], "to": [name], "ports": [8081], "protocol": "tcp"}]}

    # Set up over podman: the host now takes SSH from here and opens 8081 to everyone.
    setup = converge(tmp_path, name, dict(managed, **extra_port), over_ssh=False)
    assert setup.returncode == 0, setup.stdout[-3000:]
    assert ssh_opens(address) and client_reaches(address, 8081)

    # A good change over SSH (8081 closes): confirmed over a new connection, nothing left behind.
    good = converge(tmp_path, name, managed, over_ssh=True)
    assert good.returncode == 0, good.stdout[-3000:]
    assert "Confirm the change over a new connection" in good.stdout
    assert re.search(r"TASK \[oth\.stack\.firewall : Confirm the change over a new connection[^\n]*\n"
                     r"changed: \[%s\]" % name, good.stdout), good.stdout[-3000:]
    assert not client_reaches(address, 8081)
    assert nothing_scheduled(name)
    before = rules(name, backend)

    # A change that cuts this machine's path (and opens 8081 again): the host undoes it alone.
    cutting = dict(extra_port, firewall_management_sources=[], firewall_allow_controller=False,
                   firewall_confirm_timeout=TIMEOUT)
    watch = SshWatch(address)
    watch.start()
    cut = converge(tmp_path, name, cutting, over_ssh=True)
    watch.done.set()
    watch.join()
    assert cut.returncode != 0, cut.stdout[-3000:]
    # ansible-core prints a task's failure on stderr.
    assert "restored its previous firewall configuration by itself" in cut.stdout + cut.stderr, cut.stderr[-3000:]
    assert watch.cut_at is not None and watch.back_at is not None, "SSH from here was never cut, or never came back"
    record(backend, watch.back_at - watch.cut_at)
    assert watch.back_at - watch.cut_at <= TIMEOUT + SLACK, "back after %.1f s" % (watch.back_at - watch.cut_at)
    assert rules(name, backend) == before
    assert ssh_opens(address) and not client_reaches(address, 8081)
    assert nothing_scheduled(name)

    # Back to the scenario's own rules for the tests that follow.
    reset = converge_phase(phase())
    assert reset.returncode == 0, reset.stdout[-3000:]
    assert nothing_scheduled(name)
