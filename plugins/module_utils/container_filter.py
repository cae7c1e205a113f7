# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter of container-published ports: a script and a unit, written by firewall_apply.

Docker NATs the ports it publishes to its bridge in PREROUTING, so their traffic is forwarded and
never meets the host's INPUT rules, ufw's and firewalld's alike (moby 22054). The script loads
this host's inbound rules again as a chain behind DOCKER-USER, the chain Docker leaves to its
users; the unit runs it whenever Docker starts, so it also covers a Docker installed later.
Without Docker the unit never runs and no rule is written. firewall_apply writes both files in
the call that applies the rules, so a no-change run pays no round trip of its own for them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

CHAIN = "OTH-STACK-CONTAINERS"
SCRIPT_PATH = "/usr/local/sbin/oth-stack-container-filter"
UNIT_PATH = "/etc/systemd/system/oth-stack-container-filter.service"

_SCRIPT_HEAD = """#!/bin/sh
# Written by oth.stack.firewall (the firewall_apply module); a change here is overwritten.
# Ports published by containers reach them through Docker's DNAT and the FORWARD chain, never
# through INPUT. This loads the chain %(chain)s behind DOCKER-USER: a connection DNATed into a
# container bridge passes only if one of this host's inbound flows allows its source and the
# port it was sent to (before the DNAT). Docker's own chains and other rules in DOCKER-USER are
# left alone; run by oth-stack-container-filter.service.
set -eu

load() {
  # Docker creates DOCKER-USER (for IPv6 only with ip6tables enabled): no chain, nothing to filter.
  "$1" -w -n -L DOCKER-USER >/dev/null 2>&1 || return 0
  # --noflush: only the chain declared below is flushed and refilled, in one transaction.
  "$1-restore" -w --noflush
  "$1" -w -C DOCKER-USER -j %(chain)s 2>/dev/null \\
    || "$1" -w -I DOCKER-USER -j %(chain)s
}
"""

UNIT = """# oth.stack.firewall: this host's inbound flows for the ports Docker publishes
# (/usr/local/sbin/oth-stack-container-filter). Pulled in by Docker's start, restarted with it.
[Unit]
Description=oth.stack: filter container-published ports by the network matrix
After=docker.service ufw.service firewalld.service
PartOf=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/oth-stack-container-filter

[Install]
WantedBy=docker.service
"""


def script(rules, marker):
    """The script for these rules: per address family, the chain as one iptables-restore input."""
    parts = [_SCRIPT_HEAD % {"chain": CHAIN}]
    for family, command in (("ipv4", "iptables"), ("ipv6", "ip6tables")):
        lines = [
            "*filter",
            ":%s - [0:0]" % CHAIN,
            "-A %s -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN" % CHAIN,
            "-A %s -m conntrack ! --ctstate DNAT -j RETURN" % CHAIN,
            "-A %s -i docker+ -j RETURN" % CHAIN,
            "-A %s -i br-+ -j RETURN" % CHAIN,
        ]
        for rule in rules:
            if rule["direction"] != "in" or rule["protocol"] not in ("tcp", "udp") or rule["family"] not in (family, "any"):
                continue
            source = " -s %s" % rule["peer"] if rule["peer"] != "any" else ""
            lines.append('-A %s -p %s%s -m conntrack --ctorigdstport %s -m comment --comment "%s:%s" -j RETURN'
                         % (CHAIN, rule["protocol"], source, rule["port"].replace("-", ":"), marker, rule["id"]))
        lines += ["-A %s -o docker+ -j DROP" % CHAIN, "-A %s -o br-+ -j DROP" % CHAIN, "COMMIT"]
        parts.append("\nload %s <<'RULES'\n%s\nRULES\n" % (command, "\n".join(lines)))
    return "".join(parts)


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def sync(module, rules, marker, check_mode):
    """Write the script and the unit where they differ; return the paths written (or that would be)."""
    wanted = ((SCRIPT_PATH, script(rules, marker), 0o755), (UNIT_PATH, UNIT, 0o644))
    written = []
    for path, text, mode in wanted:
        if _read(path) == text and (os.stat(path).st_mode & 0o7777) == mode:
            continue
        written.append(path)
        if check_mode:
            continue
        handle, tmp = tempfile.mkstemp(prefix=".oth-stack-", dir=os.path.dirname(path))
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.chmod(tmp, mode)
        if path == SCRIPT_PATH:
            # The script is checked by the shell before it replaces the one the unit runs.
            rc, _out, err = module.run_command(["sh", "-n", tmp])
            if rc != 0:
                os.unlink(tmp)
                raise ValueError("the container filter script does not parse: %s" % err.strip())
        module.atomic_move(tmp, path)
        # atomic_move gives a new file the umask's mode.
        os.chmod(path, mode)
    return written
