# SPDX-License-Identifier: GPL-3.0-or-later
"""Every node resolves the others by name; application nodes resolve the FQDN to the load balancer."""
import os
import pathlib
import re
import subprocess

import pytest

from conftest import FQDN, NODES, node

SCENARIO = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("source", NODES)
def test_every_node_resolves_every_other_by_name(source, ip):
    for target in NODES:
        resolved = node(source).run(f"getent ahostsv4 {target}").stdout.split()
        assert resolved and resolved[0] == ip[target], f"{source} resolves {target} to {resolved[:1]}"


@pytest.mark.parametrize("source", ["app1", "app2"])
def test_application_nodes_resolve_the_fqdn_to_the_pairs_floating_address(source, vip):
    resolved = node(source).run(f"getent ahostsv4 {FQDN}").stdout.split()
    assert resolved and resolved[0] == vip


def test_a_hand_edited_entry_in_the_block_is_put_back_on_the_next_run(ip):
    app1 = node("app1")
    wanted = app1.file("/etc/hosts").content_string
    # The block pads addresses to one width: one blank or more before the name.
    edited = re.sub(r"(?m)^\S+ +app2$", "192.0.2.99 app2", wanted)
    assert edited != wanted
    # Written in place: the container's /etc/hosts is a bind mount that cannot be renamed over.
    app1.run("cat > /etc/hosts <<'EOF'\n%sEOF" % edited)
    assert app1.run("getent ahostsv4 app2").stdout.split()[0] == "192.0.2.99"
    run = subprocess.run(
        ["ansible-playbook", "-i", os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]),
         str(SCENARIO / "apply_hosts.yml")],
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"), capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert app1.file("/etc/hosts").content_string == wanted
    assert app1.run("getent ahostsv4 app2").stdout.split()[0] == ip["app2"]
