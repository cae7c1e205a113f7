# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""oth.stack.host_state on this machine: named, structured reads, and no password hash."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pwd

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.oth.stack.plugins.modules import host_state as module


def _run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_files_with_stat_content_and_checksum_only_where_asked(tmp_path, capsys):
    config, bundle, missing = tmp_path / "haproxy.cfg", tmp_path / "site.pem", str(tmp_path / "none")
    config.write_text("global\n")
    bundle.write_text("secret key\n")
    os.chmod(bundle, 0o600)
    code, out = _run({"files": [str(config), str(bundle), missing], "contents": [str(config)],
                      "checksums": [str(bundle)]}, capsys)
    assert code == 0 and out["changed"] is False
    files = out["state"]["files"]
    me = pwd.getpwuid(os.getuid()).pw_name
    assert files[str(config)]["content"] == base64.b64encode(b"global\n").decode()
    assert files[str(bundle)] == {"exists": True, "owner": me, "group": files[str(bundle)]["group"], "mode": "600",
                                  "sha256": hashlib.sha256(b"secret key\n").hexdigest(), "content": ""}
    assert "secret" not in json.dumps(out)
    assert files[missing]["exists"] is False


def test_an_account_never_returns_its_password_hash(capsys):
    code, out = _run({"accounts": ["root", "no-such-account"], "group": "root", "passwd": True}, capsys)
    assert code == 0
    root = out["state"]["accounts"]["root"]
    assert root["exists"] and root["home"] and "root" in root["groups"]
    assert set(root) == {"exists", "shell", "home", "home_exists", "groups", "password_locked", "expires",
                         "shadow_found", "authorized_keys"}
    assert out["state"]["accounts"]["no-such-account"]["exists"] is False
    assert out["state"]["group"]["exists"] is True
    assert out["state"]["passwd"]["root"]["uid"] == 0
    shadow = open("/etc/shadow").read() if os.access("/etc/shadow", os.R_OK) else ""
    for line in shadow.splitlines():
        hashed = line.split(":")[1] if line.count(":") > 1 else ""
        if len(hashed) > 2:
            assert hashed not in json.dumps(out)


def test_login_and_ssh_algorithms(capsys, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.89.0.1 50000 10.89.0.2 22")
    code, out = _run({"login": True, "ssh_algorithms": True}, capsys)
    assert code == 0
    assert out["state"]["login"]["user"] == pwd.getpwuid(os.getuid()).pw_name
    assert out["state"]["login"]["ssh_connection"].startswith("10.89.0.1 ")
    assert set(out["state"]["ssh_algorithms"]) == {"kex", "cipher", "mac", "key-sig"}


def test_an_unreadable_file_reads_as_different_not_as_an_error(tmp_path, capsys, monkeypatch):
    path = tmp_path / "sshd_config"
    path.write_text("PermitRootLogin no\n")

    def refuse(_path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(module.host_state, "_read", refuse)
    code, out = _run({"files": [str(path)], "contents": [str(path)]}, capsys)
    assert code == 0
    assert out["state"]["files"][str(path)]["exists"] is True
    assert out["state"]["files"][str(path)]["content"] == ""


def test_group_accounts_reads_every_member_of_the_group_as_accounts_does(capsys, monkeypatch):
    import grp

    monkeypatch.setattr(grp, "getgrnam", lambda name: grp.struct_group(("oth-staff", "x", 4242, ["root"])))
    code, out = _run({"group": "oth-staff", "group_accounts": True, "accounts": ["no-such-account"]}, capsys)
    assert code == 0
    assert set(out["state"]["accounts"]) == {"no-such-account", "root"}
    assert out["state"]["accounts"]["root"]["exists"] is True
    code, out = _run({"group": "oth-staff"}, capsys)
    assert "accounts" not in out["state"]


def _fake_proc(tmp_path, processes):
    """processes: pid -> (parent pid, real uid, environment)."""
    for pid, (parent, uid, environ) in processes.items():
        directory = tmp_path / str(pid)
        directory.mkdir()
        (directory / "environ").write_bytes(b"\0".join(f"{k}={v}".encode() for k, v in environ.items()) + b"\0")
        (directory / "status").write_text(f"Name:\tx\nPPid:\t{parent}\nUid:\t{uid}\t0\t0\t0\n")
    return str(tmp_path)


def test_under_become_the_login_is_read_from_the_process_that_still_holds_ssh_connection(tmp_path, monkeypatch):
    # python (ours) -> sh -c (sudo's reset environment) -> sudo -> the login's shell -> sshd
    login = {"SSH_CONNECTION": "10.89.0.1 50000 10.89.0.2 22", "HOME": "/home/deploy", "USER": "deploy"}
    proc = _fake_proc(tmp_path, {
        30: (20, 0, {"PATH": "/usr/bin", "SUDO_UID": "1000"}),
        20: (10, 1000, login),
        10: (5, 1000, login),
        5: (1, 0, {}),
    })
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "getppid", lambda: 30)
    environ, uid = module.host_state.login_environ({"PATH": "/usr/bin", "SUDO_UID": "1000"}, proc=proc)
    assert environ["SSH_CONNECTION"].startswith("10.89.0.1 ") and environ["HOME"] == "/home/deploy"
    assert uid == 1000
    # su sets no SUDO_UID: the owner of the process that holds the login's environment.
    environ, uid = module.host_state.login_environ({"PATH": "/usr/bin"}, proc=proc)
    assert uid == 1000


def test_a_run_that_does_not_come_over_ssh_keeps_its_own_login(tmp_path, monkeypatch):
    proc = _fake_proc(tmp_path, {30: (20, 0, {"PATH": "/usr/bin"}), 20: (0, 0, {"HOME": "/root"})})
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "getppid", lambda: 30)
    own = {"PATH": "/usr/bin", "SUDO_UID": "0"}
    assert module.host_state.login_environ(own, proc=proc) == (own, os.getuid())
    # Nor does a login that holds SSH_CONNECTION itself look further, or one that is not root.
    direct = {"SSH_CONNECTION": "10.89.0.1 50000 10.89.0.2 22"}
    assert module.host_state.login_environ(direct, proc=proc) == (direct, os.getuid())
