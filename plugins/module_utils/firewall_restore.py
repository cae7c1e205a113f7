# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The confirm window of a firewall change: the host undoes the change by itself unless the
controller proves, over a new connection, that the host is still reachable.

Before the first command of a change, ``arm`` copies the backend's configuration files to a
directory under /run (so a reboot forgets it, as it forgets the timer), writes a restore
script there and schedules it with a transient systemd timer: it fires even when the
controller is gone. ``confirm`` cancels it. Which of the two wins is decided by one atomic
rename of the ``pending`` file, so a confirmation that races the timer never half-restores.

    /run/oth-stack/firewall-restore/
        pending      JSON: unit, armed_at, fires_at, backend (renamed to restoring by the timer)
        files/       the configuration as it was before the change
        restore.sh   what the timer runs
        restored     written by restore.sh when done: what it restored and when
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import json
import os
import shlex
import shutil
import time

RESTORE_DIR = "/run/oth-stack/firewall-restore"
UNIT_PREFIX = "oth-stack-firewall-restore"

# The configuration each backend reads, which a restore copies back as it was.
BACKEND_FILES = {
    "ufw": ["/etc/default/ufw", "/etc/ufw"],
    "firewalld": ["/etc/firewalld"],
}


class RestoreError(Exception):
    pass


def _shell_restore(directory, backend, was_active, was_enabled, paths):
    """The restore script: copy the files back, then bring the daemon to its previous state."""
    q = shlex.quote
    lines = [
        "#!/bin/sh",
        "# Written by oth.stack.firewall_apply: restores the firewall as it was before an",
        "# unconfirmed change. The rename decides between this and a confirmation.",
        "set -u",
        "cd %s || exit 0" % q(directory),
        "mv pending restoring 2>/dev/null || exit 0",
        "exec >restore.log 2>&1",
    ]
    for path in paths:
        saved = "files" + path
        lines.append("if [ -e %s ]; then rm -rf %s && cp -a %s %s; fi" % (q(saved), q(path), q(saved), q(path)))
    if backend == "ufw":
        # ufw.conf is back as it was: reload reads the old rules, disable turns a new ufw off.
        lines.append("ufw reload" if was_active else "ufw --force disable")
    else:
        # A reload re-reads the permanent configuration; a daemon the change started stops.
        lines.append("firewall-cmd --reload || systemctl restart firewalld" if was_active else "systemctl stop firewalld")
    if was_enabled == "masked":
        lines.append("systemctl mask %s" % backend)
    elif was_enabled == "disabled":
        lines.append("systemctl disable %s" % backend)
    lines += [
        "date -u +%Y-%m-%dT%H:%M:%SZ >restored.tmp",
        "mv restoring restored.info && cat restored.info >>restored.tmp && mv restored.tmp restored",
    ]
    return "\n".join(lines) + "\n"


class ConfirmWindow:
    def __init__(self, module, backend, directory=RESTORE_DIR):
        self.module = module
        self.backend = backend
        self.dir = directory
        self.commands = []

    def _path(self, name):
        return os.path.join(self.dir, name)

    def _run(self, argv, check_rc=True):
        rc, out, err = self.module.run_command(argv)
        self.commands.append(" ".join(shlex.quote(a) for a in argv))
        if check_rc and rc != 0:
            raise RestoreError("%s failed (rc=%d): %s" % (" ".join(argv), rc, (err or out).strip()))
        return rc, out.strip(), err

    def _read_pending(self, name="pending"):
        try:
            with open(self._path(name)) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def pending(self):
        """The armed restore not yet confirmed, or None. A stat on a no-change run, nothing more."""
        return self._read_pending() if os.path.exists(self._path("pending")) else None

    def arm(self, timeout, summary, active):
        """Save the configuration and schedule its restore in ``timeout`` seconds.

        ``active`` says whether the firewall enforces now (``ufw status``, firewalld running):
        the restore brings it back to that too. An earlier restore still pending (a run whose controller went away) keeps its saved
        configuration, the last one known to be reachable, and is re-armed with this timeout.
        """
        earlier = self.pending()
        if earlier is not None:
            self._stop(earlier["unit"])
        else:
            self._clear()
            os.makedirs(self._path("files"), mode=0o700)
            os.chmod(self.dir, 0o700)
            for path in BACKEND_FILES[self.backend]:
                if os.path.exists(path):
                    target = self._path("files") + path
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    if os.path.isdir(path):
                        shutil.copytree(path, target, symlinks=True)
                    else:
                        shutil.copy2(path, target)
            # Each backend's systemd unit bears its name.
            _rc, enabled, _err = self._run(["systemctl", "is-enabled", self.backend], check_rc=False)
            script = _shell_restore(self.dir, self.backend, active, enabled, BACKEND_FILES[self.backend])
            with open(self._path("restore.sh"), "w") as handle:
                handle.write(script)
        now = time.time()
        unit = "%s-%d-%s" % (UNIT_PREFIX, int(now), binascii.hexlify(os.urandom(3)).decode())
        info = {
            "unit": unit,
            "backend": self.backend,
            "armed_at": (earlier or {}).get("armed_at", now),
            "fires_at": now + timeout,
            "timeout": timeout,
            "change": summary,
        }
        tmp = self._path("pending.tmp")
        with open(tmp, "w") as handle:
            json.dump(info, handle)
        os.rename(tmp, self._path("pending"))
        rc, out, err = self._run([
            "systemd-run", "--quiet", "--unit=%s" % unit,
            "--description=oth.stack: restore the firewall unless the change is confirmed",
            "--on-active=%ds" % timeout,
            "--timer-property=AccuracySec=100ms",
            "--timer-property=RemainAfterElapse=no",
            "--property=CollectMode=inactive-or-failed",
            "/bin/sh", self._path("restore.sh"),
        ], check_rc=False)
        if rc != 0:
            # Nothing has changed yet: say so, and leave nothing behind.
            if earlier is None:
                self._clear()
            raise RestoreError(
                "the firewall was not changed: this host cannot schedule the restore of its previous rules "
                "(systemd-run failed, rc=%d: %s). The confirm window needs systemd; on a host without it set "
                "firewall_confirm_timeout: 0 (confirm_timeout: 0) to apply without one."
                % (rc, (err or out).strip()))
        return info

    def confirm(self, wait=30):
        """Cancel the restore. Returns ('confirmed', info), ('restored', report) or ('none', None)."""
        info = self._read_pending()
        try:
            os.rename(self._path("pending"), self._path("confirmed"))
        except FileNotFoundError:
            return self._collect_restore(wait)
        self._stop(info["unit"] if info else None)
        self._clear()
        return "confirmed", info

    def _collect_restore(self, wait):
        deadline = time.time() + wait
        # The timer took the rename: wait for the restore script to finish writing its report.
        while os.path.exists(self._path("restoring")) and time.time() < deadline:
            time.sleep(0.2)
        if not os.path.exists(self._path("restored")):
            if os.path.exists(self._path("restoring")):
                raise RestoreError("the restore scheduled on the host has not finished within %ds" % wait)
            self._clear()
            return "none", None
        with open(self._path("restored")) as handle:
            lines = handle.read().splitlines()
        try:
            with open(self._path("restore.log")) as handle:
                log = handle.read().strip()
        except OSError:
            log = ""
        report = {"restored_at": lines[0] if lines else "", "log": log}
        try:
            report.update(json.loads("\n".join(lines[1:])))
        except ValueError:
            pass
        self._stop(report.get("unit"))
        self._clear()
        return "restored", report

    def _stop(self, unit):
        """Stop the timer (and a service that has not started): nothing scheduled is left."""
        if unit:
            self._run(["systemctl", "stop", unit + ".timer", unit + ".service"], check_rc=False)
            self._run(["systemctl", "reset-failed", unit + ".timer", unit + ".service"], check_rc=False)

    def _clear(self):
        if os.path.lexists(self.dir):
            shutil.rmtree(self.dir)
