# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/package_service_state: the package and service facts the roles skip work by."""

from __future__ import annotations

from ansible_collections.oth.stack.plugins.module_utils.package_service_state import (
    only,
    parse_packages,
    parse_services,
    unit_patterns,
)

DPKG = (
    "installed\tufw\t0.36.2-1\tall\n"
    "config-files\thaproxy\t2.6.12-1+deb12u1\tamd64\n"
    "installed\tlibc6\t2.36-9\tamd64\n"
    "installed\tlibc6\t2.36-9\ti386\n"
    "not-installed\tsudo\t\t\n"
)

UNIT_FILES = """ssh.service                  enabled         enabled
ufw.service                  enabled         enabled
haproxy.service              disabled        enabled
getty@.service               enabled         enabled
systemd-journald.service     static          -
"""

UNITS = """ssh.service                loaded    active   running OpenBSD Secure Shell server
ufw.service                loaded    active   exited  Uncomplicated firewall
haproxy.service            loaded    inactive dead    HAProxy Load Balancer
gone.service               not-found inactive dead    gone.service
"""


def test_only_installed_packages_count_with_every_architecture():
    packages = parse_packages(DPKG, "apt")
    assert sorted(packages) == ["libc6", "ufw"]  # haproxy's leftover configuration is not an install
    assert packages["ufw"] == [{"name": "ufw", "version": "0.36.2-1", "arch": "all", "source": "apt"}]
    assert [p["arch"] for p in packages["libc6"]] == ["amd64", "i386"]


def test_services_carry_unit_file_status_and_running_state():
    services = parse_services(UNIT_FILES, UNITS)
    assert services["ssh.service"] == {"name": "ssh.service", "state": "running", "status": "enabled",
                                       "source": "systemd"}
    # A oneshot that ran (ufw) is not running: roles compare status for it, state for daemons.
    assert (services["ufw.service"]["status"], services["ufw.service"]["state"]) == ("enabled", "stopped")
    assert (services["haproxy.service"]["status"], services["haproxy.service"]["state"]) == ("disabled", "stopped")
    assert services["gone.service"]["status"] == "unknown"
    assert "systemd-journald.service" in services


def test_empty_output_gives_empty_facts():
    assert parse_packages("", "rpm") == {}
    assert parse_services("", "") == {}


def test_systemctl_is_asked_only_about_the_units_only_can_keep():
    names = ["ssh", "sshd.service", "python3-cryptography"]
    # Listing every unit file makes systemd scan all of them (about 0.4 s of its CPU per call).
    assert unit_patterns(names) == ["python3-cryptography.service", "ssh.service", "sshd.service",
                                    "sshd.service.service"]
    assert unit_patterns([]) == []
    # What systemctl lists for those patterns is what only() keeps of the full listing.
    full = parse_services(UNIT_FILES, UNITS)
    asked = {unit: state for unit, state in full.items() if unit in unit_patterns(names)}
    assert only({}, asked, names) == only({}, full, names)
