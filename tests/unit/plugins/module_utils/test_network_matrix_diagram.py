# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/network_matrix_diagram: the matrix as a picture, and the committed docs/ copies."""

from __future__ import annotations

import html
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.oth.stack.plugins.module_utils.network_matrix import MatrixError
from ansible_collections.oth.stack.plugins.module_utils.network_matrix_diagram import render_diagram

ROOT = pathlib.Path(__file__).resolve().parents[4]
DEFAULTS = yaml.safe_load((ROOT / "roles/firewall/defaults/main.yml").read_text())
MATRIX = DEFAULTS["oth_network_matrix"]
PLAYBOOK = yaml.safe_load((ROOT / "playbooks/network_matrix.yml").read_text())
VARIABLE_TIERS = PLAYBOOK[1]["vars"]["__matrix_variable_tiers"]
STAFF = {"oth_admin_sources": ["52.30.207.215/32", "52.31.90.17/32"]}

GROUPS = {"all": [], "ungrouped": [], "loadbalancer": ["lb1", "lb2"],
          "application": ["app%d" % n for n in range(1, 7)], "storage": ["storage1"]}
HOSTVARS = {host: {"oth_internal_ip": "10.0.0.%d" % (10 + n)}
            for n, host in enumerate(GROUPS["loadbalancer"] + GROUPS["application"] + GROUPS["storage"])}

_EDGE_RE = re.compile(r'^  "([^"]+)" -> "([^"]+)" \[(.*)\];$')


def edges(dot):
    """(source, destination, flow name, dashed) for every arrow of a DOT text."""
    found = []
    for line in dot.splitlines():
        match = _EDGE_RE.match(line)
        if match:
            label = re.search(r'label="([^"\\]*)', match.group(3)).group(1)
            found.append((match.group(1), match.group(2), label, 'style="dashed"' in match.group(3)))
    return found


def test_the_spec_matrix_reads_from_the_internet_and_the_staff_through_the_tiers():
    # The spec's tables, written out: who opens the connection, who accepts it, which row.
    expected = {
        ("outside-from:any", "tier:loadbalancer", "loadbalancer_http", False),
        ("outside-from:any", "tier:loadbalancer", "loadbalancer_https", False),
        ("outside-from:oth_admin_sources", "tier:loadbalancer", "loadbalancer_ssh_admin", True),
        ("tier:loadbalancer", "tier:loadbalancer", "loadbalancer_vrrp", True),
        ("tier:loadbalancer", "tier:application", "application_traefik", False),
        ("tier:loadbalancer", "tier:application", "ssh_from_bastion", False),
        ("tier:loadbalancer", "tier:storage", "ssh_from_bastion", False),
        ("outside-from:oth_admin_sources", "tier:application", "application_ssh_admin", True),
        ("tier:application", "outside-to:any", "application_https_out", False),
        ("tier:application", "tier:storage", "mariadb", False),
        ("tier:application", "tier:storage", "rabbitmq", False),
        ("tier:application", "tier:storage", "minio", True),
        ("tier:application", "outside-to:any", "android_push", True),
        ("tier:application", "outside-to:17.0.0.0/8", "ios_push", True),
        ("tier:application", "outside-to:any", "sms", True),
        ("tier:application", "outside-to:any", "video", True),
    }
    dot = render_diagram(MATRIX, STAFF, variable_tiers=VARIABLE_TIERS)
    assert sorted(edges(dot)) == sorted(expected)
    assert '"outside-from:oth_admin_sources" [label="OTH staff (oth_admin_sources)\\n52.30.207.215/32' in dot
    assert 'label="rabbitmq\\n5671, 5672, 15761, 15762/tcp"' in dot
    assert 'label="minio\\n9000/tcp\\nwhen oth_object_storage == minio"' in dot


def test_an_inventory_draws_its_active_flows_and_its_own_endpoints():
    variables = dict(STAFF, oth_admin_ssh_to_application=False, oth_object_storage="s3",
                     oth_features={"android_push": False, "ios_push": True, "sms": False, "video": False},
                     oth_egress_policy="open", oth_bastion_address="lb1",
                     # An external database by address, RabbitMQ on the storage host.
                     oth_mariadb_host="192.0.2.50", oth_rabbitmq_host="storage1", oth_minio_host="storage1")
    dot = render_diagram(MATRIX, variables, HOSTVARS, GROUPS, active_only=True)
    names = {e[2] for e in edges(dot)}
    assert "minio" not in names and "sms" not in names and "application_ssh_admin" not in names
    assert {"ios_push", "loadbalancer_vrrp", "rabbitmq"} <= names
    assert ("tier:application", "outside-to:oth_mariadb_host", "mariadb", False) in edges(dot)
    assert '[label="oth_mariadb_host\\n192.0.2.50/32"' in dot
    assert ("tier:application", "tier:storage", "rabbitmq", False) in edges(dot)
    # A tier lists its hosts, and counts them past four.
    assert 'label="loadbalancer\\n(HAProxy)\\nlb1, lb2"' in dot
    assert "app1, app2, app3, app4, ... (6 hosts)" in dot


def test_quotes_in_names_cannot_break_out_of_a_label():
    matrix = [{"name": "odd", "from": ["any"], "to": ['say"hi'], "ports": [1], "protocol": "tcp"}]
    dot = render_diagram(matrix, {'say"hi': "203.0.113.9"})
    assert 'say\\"hi' in dot and '"outside-to:say\\"hi" [label=' in dot


def test_an_unknown_side_names_the_flow():
    matrix = [{"name": "odd", "from": ["any"], "to": ["nowhere"], "ports": [1], "protocol": "tcp"}]
    with pytest.raises(MatrixError, match=r"oth_network_matrix \(odd\): 'nowhere' is not 'any'"):
        render_diagram(matrix, {})


def test_committed_diagram_matches_the_role_defaults():
    """docs/network-matrix.dot is generated from the defaults, docs/network-matrix.svg from it:
    regenerate both when they change (see playbooks/network_matrix.yml)."""
    dot = (ROOT / "docs/network-matrix.dot").read_text()
    assert dot == render_diagram(MATRIX, STAFF, variable_tiers=VARIABLE_TIERS)
    # The SVG draws the same arrows with the same labels (Graphviz names each edge "a->b").
    svg = (ROOT / "docs/network-matrix.svg").read_text()
    drawn = sorted(html.unescape(t) for t in re.findall(r'<g id="edge\d+" class="edge">\s*<title>(.*?)</title>', svg))
    assert drawn == sorted("%s->%s" % (e[0], e[1]) for e in edges(dot))
    texts = {html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)}
    assert {e[2] for e in edges(dot)} <= texts


def test_the_playbook_writes_the_picture_once(tmp_path):
    assert shutil.which("dot"), "Graphviz's dot is missing: make system-deps installs it"
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    command = ["ansible-playbook", "-i", "localhost,", str(ROOT / "playbooks/network_matrix.yml"),
               "-e", "network_matrix_dest=%s/matrix.md" % tmp_path, "-e", "network_matrix_diagram=%s/matrix" % tmp_path]
    for run, changed in ((1, 3), (2, 0)):
        result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert json.loads(result.stdout)["stats"]["localhost"]["changed"] == changed, "run %d" % run
    assert (tmp_path / "matrix.dot").read_text() == (ROOT / "docs/network-matrix.dot").read_text()
    assert (tmp_path / "matrix.svg").read_text().startswith("<?xml")
    assert (tmp_path / "matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
