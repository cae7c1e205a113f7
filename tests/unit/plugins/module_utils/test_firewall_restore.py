# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The confirm window's host side: what is saved, what the timer's script restores, and who
wins between a confirmation and the timer. The script runs for real under /bin/sh, with the
firewall and systemd commands replaced by stubs that record their calls."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.oth.stack.plugins.module_utils import firewall_restore as fr


class FakeModule:
    def __init__(self, enabled="enabled"):
        self.calls = []
        self.answers = {"is-enabled": enabled}

    def run_command(self, argv):
        self.calls.append(argv)
        if argv[0] == "systemd-run" and "systemd-run" in self.answers:
            return 1, "", self.answers["systemd-run"]
        if argv[0] == "systemctl" and argv[1] in self.answers:
            return 0, self.answers[argv[1]] + "\n", ""
        return 0, "", ""


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A fake /etc/ufw and the restore directory under tmp_path; stubs for ufw and systemctl."""
    etc = tmp_path / "etc" / "ufw"
    etc.mkdir(parents=True)
    (etc / "user.rules").write_text("old rules\n")
    defaults = tmp_path / "etc" / "default-ufw"
    defaults.write_text("IPV6=yes\n")
    monkeypatch.setitem(fr.BACKEND_FILES, "ufw", [str(defaults), str(etc)])
    stubs = tmp_path / "bin"
    stubs.mkdir()
    log = tmp_path / "calls.log"
    for name in ("ufw", "systemctl", "firewall-cmd"):
        (stubs / name).write_text('#!/bin/sh\necho "%s $*" >>%s\n' % (name, log))
        (stubs / name).chmod(0o755)
    return {"etc": etc, "defaults": defaults, "dir": str(tmp_path / "run" / "restore"), "stubs": stubs, "log": log}


def fire(host, script=None):
    """What the transient timer does when it fires."""
    script = script or os.path.join(host["dir"], "restore.sh")
    env = dict(os.environ, PATH="%s:/usr/bin:/bin" % host["stubs"])
    subprocess.run(["/bin/sh", script], env=env, check=True)


def test_arm_saves_the_configuration_and_schedules_a_transient_timer(host):
    module = FakeModule()
    info = fr.ConfirmWindow(module, "ufw", host["dir"]).arm(15, {"added": ["a"], "removed": ["b"]}, True)
    run = [argv for argv in module.calls if argv[0] == "systemd-run"]
    assert len(run) == 1 and "--on-active=15s" in run[0] and "--timer-property=RemainAfterElapse=no" in run[0]
    assert "--unit=%s" % info["unit"] in run[0] and info["unit"].startswith(fr.UNIT_PREFIX)
    saved = host["dir"] + "/files" + str(host["etc"]) + "/user.rules"
    assert open(saved).read() == "old rules\n"
    assert oct(os.stat(host["dir"]).st_mode & 0o777) == "0o700"


def test_the_timer_restores_the_files_and_reloads_then_the_run_collects_the_report(host):
    module = FakeModule()
    window = fr.ConfirmWindow(module, "ufw", host["dir"])
    window.arm(15, {"added": ["new"], "removed": ["ssh"]}, True)
    (host["etc"] / "user.rules").write_text("new rules that cut the path\n")
    (host["etc"] / "added.rules").write_text("a file the change made\n")
    fire(host)
    assert (host["etc"] / "user.rules").read_text() == "old rules\n"
    assert not (host["etc"] / "added.rules").exists()
    assert "ufw reload" in host["log"].read_text()
    outcome, report = window.confirm()
    assert outcome == "restored"
    assert report["change"] == {"added": ["new"], "removed": ["ssh"]} and report["restored_at"].endswith("Z")
    assert not os.path.exists(host["dir"])


def test_a_firewall_the_change_enabled_is_disabled_again(host):
    window = fr.ConfirmWindow(FakeModule(enabled="disabled"), "ufw", host["dir"])
    window.arm(15, {}, False)
    fire(host)
    calls = host["log"].read_text()
    assert "ufw --force disable" in calls and "systemctl disable ufw" in calls


def test_firewalld_reloads_the_permanent_configuration(host, monkeypatch):
    monkeypatch.setitem(fr.BACKEND_FILES, "firewalld", [str(host["etc"])])
    fr.ConfirmWindow(FakeModule(), "firewalld", host["dir"]).arm(15, {}, True)
    fire(host)
    assert "firewall-cmd --reload" in host["log"].read_text()


def test_a_confirmation_cancels_the_timer_and_leaves_nothing(host, tmp_path):
    module = FakeModule()
    window = fr.ConfirmWindow(module, "ufw", host["dir"])
    info = window.arm(15, {}, True)
    late = tmp_path / "late-restore.sh"
    shutil.copy(os.path.join(host["dir"], "restore.sh"), late)
    (host["etc"] / "user.rules").write_text("new rules\n")
    assert window.confirm() == ("confirmed", info)
    assert ["systemctl", "stop", info["unit"] + ".timer", info["unit"] + ".service"] in module.calls
    assert not os.path.exists(host["dir"])
    # A timer that fires anyway (the confirmation raced it) finds nothing to restore.
    fire(host, str(late))
    assert (host["etc"] / "user.rules").read_text() == "new rules\n"
    assert not host["log"].exists()


def test_the_timer_that_takes_the_rename_first_wins(host):
    window = fr.ConfirmWindow(FakeModule(), "ufw", host["dir"])
    window.arm(15, {}, True)
    # The timer's script has renamed pending and is restoring: no confirmation can win now.
    os.rename(os.path.join(host["dir"], "pending"), os.path.join(host["dir"], "restoring"))
    with pytest.raises(fr.RestoreError, match="has not finished"):
        window.confirm(wait=0.5)


def test_an_unconfirmed_earlier_change_keeps_the_configuration_before_it(host):
    module = FakeModule()
    window = fr.ConfirmWindow(module, "ufw", host["dir"])
    first = window.arm(15, {}, True)
    (host["etc"] / "user.rules").write_text("unconfirmed rules\n")
    second = window.arm(30, {}, True)
    assert second["armed_at"] == first["armed_at"] and second["unit"] != first["unit"]
    assert ["systemctl", "stop", first["unit"] + ".timer", first["unit"] + ".service"] in module.calls
    assert window.pending()["timeout"] == 30
    fire(host)
    assert (host["etc"] / "user.rules").read_text() == "old rules\n"


def test_nothing_pending_costs_one_stat(host):
    module = FakeModule()
    assert fr.ConfirmWindow(module, "ufw", host["dir"]).pending() is None
    assert module.calls == []


def test_a_host_that_cannot_schedule_the_restore_is_not_changed_and_keeps_nothing(host):
    module = FakeModule()
    module.answers["systemd-run"] = "System has not been booted with systemd"
    with pytest.raises(fr.RestoreError, match="the firewall was not changed.*firewall_confirm_timeout: 0"):
        fr.ConfirmWindow(module, "ufw", host["dir"]).arm(15, {}, True)
    assert not os.path.exists(host["dir"])
