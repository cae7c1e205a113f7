# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the scenario's playbooks from a test, against the molecule inventory and its group_vars."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import testinfra

SCENARIO = pathlib.Path(__file__).resolve().parents[1]
ROOT = SCENARIO.parents[1]
NODES = ("pf-lb1", "pf-app1", "pf-storage1")
MARKER = "oth.stack.hosts: generated from the inventory, edit it there"


def inventory_dir():
    return os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])


def pki_dir():
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "pki")


def node(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, os.environ["MOLECULE_INVENTORY_FILE"]))


def playbook(path, extra_vars=None):
    """Run a playbook; return (return code, output)."""
    command = ["ansible-playbook", "-i", inventory_dir(), str(path)]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    env = dict(os.environ, OTH_LAB_PKI_DIR=pki_dir(), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    return done.returncode, done.stdout + done.stderr


def address_of(name):
    """The node's address on the scenario network, as the node itself reports it."""
    return node(name).check_output("hostname -I").split()[0]


def resolve(host, name):
    """Addresses of ``name`` from /etc/hosts only (never DNS), every match."""
    result = host.run("getent -s files hosts %s", name)
    return [line.split()[0] for line in result.stdout.splitlines()] if result.rc == 0 else []


def checksums():
    return {name: node(name).check_output("sha256sum /etc/hosts") for name in NODES}
