# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The container filter's files as firewall_apply writes them (the traffic is molecule/firewall's)."""

from __future__ import annotations

import os
import subprocess

import pytest

from ansible_collections.oth.stack.plugins.module_utils import container_filter as cf

RULES = [
    {"id": "application_traefik:in:tcp/80:10.0.0.1/32", "direction": "in", "protocol": "tcp", "port": "80",
     "peer": "10.0.0.1/32", "family": "ipv4"},
    {"id": "web:in:tcp/8000-8010:any", "direction": "in", "protocol": "tcp", "port": "8000-8010",
     "peer": "any", "family": "any"},
    {"id": "rabbitmq:out:tcp/5671:fd00::5/128", "direction": "out", "protocol": "tcp", "port": "5671",
     "peer": "fd00::5/128", "family": "ipv6"},
    {"id": "loadbalancer_vrrp:in:vrrp:10.0.0.6/32", "direction": "in", "protocol": "vrrp", "port": "",
     "peer": "10.0.0.6/32", "family": "ipv4"},
]


class Module:
    """Runs commands for real and moves files as AnsibleModule does for a new file."""

    def __init__(self):
        self.calls = []

    def run_command(self, argv):
        self.calls.append(argv)
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        return done.returncode, done.stdout, done.stderr

    def atomic_move(self, src, dest):
        os.replace(src, dest)
        os.chmod(dest, 0o644)


@pytest.fixture
def paths(monkeypatch, tmp_path):
    script, unit = tmp_path / "sbin" / "oth-stack-container-filter", tmp_path / "system" / "filter.service"
    script.parent.mkdir()
    unit.parent.mkdir()
    monkeypatch.setattr(cf, "SCRIPT_PATH", str(script))
    monkeypatch.setattr(cf, "UNIT_PATH", str(unit))
    return script, unit


def test_script_filters_inbound_tcp_and_udp_by_the_port_before_dnat():
    text = cf.script(RULES, "oth.stack")
    v4, v6 = text.split("load iptables <<'RULES'")[1].split("load ip6tables <<'RULES'")
    assert ('-A OTH-STACK-CONTAINERS -p tcp -s 10.0.0.1/32 -m conntrack --ctorigdstport 80 -m comment '
            '--comment "oth.stack:application_traefik:in:tcp/80:10.0.0.1/32" -j RETURN') in v4
    assert "--ctorigdstport 8000:8010" in v4 and "--ctorigdstport 8000:8010" in v6
    assert "10.0.0.1/32" not in v6 and "5671" not in text and "vrrp" not in text
    # Refused last, only for traffic into a Docker bridge.
    assert v4.rstrip().splitlines()[-4:] == ["-A OTH-STACK-CONTAINERS -o docker+ -j DROP",
                                              "-A OTH-STACK-CONTAINERS -o br-+ -j DROP", "COMMIT", "RULES"]


def test_sync_writes_both_files_with_their_modes_then_nothing(paths):
    script, unit = paths
    module = Module()
    assert cf.sync(module, RULES, "oth.stack", check_mode=False) == [str(script), str(unit)]
    assert os.stat(script).st_mode & 0o7777 == 0o755 and os.stat(unit).st_mode & 0o7777 == 0o644
    assert unit.read_text() == cf.UNIT
    assert ["sh", "-n"] == module.calls[0][:2]
    assert cf.sync(module, RULES, "oth.stack", check_mode=False) == []
    assert cf.sync(module, RULES[1:], "oth.stack", check_mode=False) == [str(script)]


def test_sync_in_check_mode_reports_and_writes_nothing(paths):
    script, unit = paths
    assert cf.sync(Module(), RULES, "oth.stack", check_mode=True) == [str(script), str(unit)]
    assert not script.exists() and not unit.exists()


def test_a_script_that_does_not_parse_replaces_nothing(paths, monkeypatch):
    script, _unit = paths
    script.write_text("old\n")
    monkeypatch.setattr(cf, "_SCRIPT_HEAD", "#!/bin/sh\nif then fi (\n")
    with pytest.raises(ValueError, match="does not parse"):
        cf.sync(Module(), RULES, "oth.stack", check_mode=False)
    assert script.read_text() == "old\n"
    assert os.listdir(script.parent) == ["oth-stack-container-filter"]
