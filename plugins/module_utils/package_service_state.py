# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Installed packages and service states, shaped as package_facts and service_facts return them.

ansible.builtin.package_facts and service_facts report the same thing, but slowly: the latter
also runs every SysV init script's ``status`` on Debian. Here it is two queries to the package
database and two to systemd, parsed below; the roles read only the names, ``status`` and
``state``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DPKG_QUERY_FORMAT = "${db:Status-Status}\\t${Package}\\t${Version}\\t${Architecture}\\n"
RPM_QUERY_FORMAT = "installed\\t%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\n"


def parse_packages(text, source):
    """Lines of ``status<TAB>name<TAB>version<TAB>arch`` -> {name: [{name, version, arch, source}]}.

    Only installed packages count: dpkg also lists removed ones whose configuration is kept.
    """
    packages = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) != 4 or fields[0] != "installed":
            continue
        _status, name, version, arch = fields
        packages.setdefault(name, []).append({"name": name, "version": version, "arch": arch, "source": source})
    return packages


def parse_services(unit_files_text, units_text):
    """`systemctl list-unit-files` and `list-units --all` (both --plain --no-legend) -> services.

    Each service is {name, state, status, source}: ``status`` is the unit file state (enabled,
    disabled, static, masked...), ``state`` is running, stopped or, for a unit systemd knows no
    file of, unknown; as service_facts reports them.
    """
    services = {}
    for line in unit_files_text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0].endswith(".service"):
            services[fields[0]] = {"name": fields[0], "state": "stopped", "status": fields[1], "source": "systemd"}
    for line in units_text.splitlines():
        fields = line.split()
        if len(fields) < 4 or not fields[0].endswith(".service"):
            continue
        name, _load, _active, sub = fields[:4]
        service = services.setdefault(name, {"name": name, "state": "stopped", "status": "unknown", "source": "systemd"})
        service["state"] = "running" if sub == "running" else "stopped"
    return services


def unit_patterns(names):
    """The unit names systemctl is asked about for ``only(names)``: each name as given when it ends
    in .service, and with .service appended. No names: none, and systemctl lists every unit.

    Only a filter ahead of only(): a name that is a glob matches more units, which only() drops.
    """
    return sorted({name for name in names if name.endswith(".service")} | {name + ".service" for name in names})


def only(packages, services, names):
    """The packages and services named in ``names``; a service also by its name without .service."""
    wanted = set(names)
    return {
        "packages": {name: versions for name, versions in packages.items() if name in wanted},
        "services": {unit: state for unit, state in services.items()
                     if unit in wanted or (unit.endswith(".service") and unit[:-len(".service")] in wanted)},
    }
