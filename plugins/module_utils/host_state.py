# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the roles read of a host before they decide what to write, as structured data.

The one place that knows how each item is read (modules oth.stack.host_state and
oth.stack.package_service_facts call read_state with the options of READ_OPTIONS). Every
function returns plain data; what is not there reads as empty or ``exists: false``, never as an
error, because a first run meets a host where nothing exists yet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import grp
import hashlib
import os
import pwd

SSH_QUERIES = ("kex", "cipher", "mac", "key-sig")

# The read options of oth.stack.host_state (and of package_service_facts' host_state option).
READ_OPTIONS = {
    "files": {"type": "list", "elements": "str", "default": []},
    "contents": {"type": "list", "elements": "str", "default": []},
    "checksums": {"type": "list", "elements": "str", "default": []},
    "accounts": {"type": "list", "elements": "str", "default": []},
    "group": {"type": "str"},
    # Whether to read, as ``accounts`` does, every member of ``group`` too.
    "group_accounts": {"type": "bool", "default": False},
    # Whether to read the passwd entries (names, homes, shells; never a hash): no secret.
    "passwd": {"type": "bool", "default": False, "no_log": False},
    "login": {"type": "bool", "default": False},
    "ssh_algorithms": {"type": "bool", "default": False},
}


def file_state(path, content=False, checksum=False):
    """owner, group, mode (octal text as stat -c %a prints it), and on request the SHA-256 and
    the content (base64). A missing file: exists false."""
    try:
        info = os.stat(path)
    except OSError:
        return {"exists": False, "owner": "", "group": "", "mode": "", "sha256": "", "content": ""}
    state = {"exists": True, "owner": _user_name(info.st_uid), "group": _group_name(info.st_gid),
             "mode": "%o" % (info.st_mode & 0o7777), "sha256": "", "content": ""}
    if (content or checksum) and os.path.isfile(path):
        try:
            data = _read(path)
        except OSError:
            # Not readable by this account (a hand-made chmod 600 on sshd_config, say): it counts
            # as different, so the role writes it again.
            return state
        if checksum:
            state["sha256"] = hashlib.sha256(data).hexdigest()
        if content:
            state["content"] = base64.b64encode(data).decode("ascii")
    return state


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def group_state(name):
    try:
        entry = grp.getgrnam(name)
    except KeyError:
        return {"name": name, "exists": False, "members": []}
    return {"name": name, "exists": True, "members": list(entry.gr_mem)}


def passwd_state():
    """Every account: name -> {uid, gid, home, shell}."""
    return {entry.pw_name: {"uid": entry.pw_uid, "gid": entry.pw_gid, "home": entry.pw_dir,
                            "shell": entry.pw_shell} for entry in pwd.getpwall()}


def _authorized_keys(home):
    path = os.path.join(home, ".ssh", "authorized_keys") if home else ""
    try:
        return _read(path).decode("utf-8", "replace") if path else ""
    except OSError:
        return ""


def account_state(name, shadow_line):
    """A staff account as ssh_access compares it: the password hash itself is never returned,
    only whether it is locked and the expiry day."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return {"exists": False, "shell": "", "home": "", "home_exists": False, "groups": [],
                "password_locked": False, "expires": "", "shadow_found": False, "authorized_keys": ""}
    shadow = shadow_line.split(":") if shadow_line else []
    groups = sorted(_group_name(gid) for gid in os.getgrouplist(name, entry.pw_gid))
    return {"exists": True, "shell": entry.pw_shell, "home": entry.pw_dir,
            "home_exists": os.path.isdir(entry.pw_dir), "groups": groups,
            "password_locked": len(shadow) > 1 and shadow[0] == name and shadow[1].startswith("!"),
            "expires": shadow[7].strip() if len(shadow) > 7 and shadow[0] == name else "",
            "shadow_found": len(shadow) > 7 and shadow[0] == name,
            "authorized_keys": _authorized_keys(entry.pw_dir)}


def login_state(environ):
    """The account and connection this run logs in with, and its own authorized_keys."""
    environ, uid = login_environ(environ)
    user = _user_name(uid)
    home = environ.get("HOME") or _home_of(user)
    return {"user": user, "ssh_connection": environ.get("SSH_CONNECTION", ""),
            "authorized_keys": _authorized_keys(home)}


def login_environ(environ, proc="/proc"):
    """The environment and real uid of the login this run came in by.

    This process's own, unless it runs as root without SSH_CONNECTION: become (sudo, su) resets
    the environment, but the become process itself and the login's shell keep the login's, and
    root may read them in /proc. The nearest ancestor that holds SSH_CONNECTION is the login; sudo
    names the account in SUDO_UID. A run that does not come over SSH (the podman connection)
    finds none, and keeps its own.
    """
    if environ.get("SSH_CONNECTION") or os.geteuid() != 0:
        return environ, os.getuid()
    sudo_uid = environ.get("SUDO_UID", "")
    pid = os.getppid()
    for _depth in range(16):  # sudo's use_pty adds two processes; a login is a few levels up
        if pid <= 1:
            break
        try:
            with open("%s/%d/environ" % (proc, pid), "rb") as handle:
                ancestor = dict(item.split("=", 1) for item in
                                handle.read().decode("utf-8", "replace").split("\0") if "=" in item)
            with open("%s/%d/status" % (proc, pid), encoding="utf-8") as handle:
                status = dict(line.split(":", 1) for line in handle.read().splitlines() if ":" in line)
            parent, real_uid = int(status["PPid"].split()[0]), int(status["Uid"].split()[0])
        except (OSError, KeyError, ValueError, IndexError):
            break
        if ancestor.get("SSH_CONNECTION"):
            return ancestor, int(sudo_uid) if sudo_uid.isdigit() else real_uid
        pid = parent
    return environ, os.getuid()


def _home_of(user):
    try:
        return pwd.getpwnam(user).pw_dir
    except KeyError:
        return ""


def _shadow_line(module, name):
    getent = module.get_bin_path("getent")
    if not getent:
        return ""
    rc, out, _err = module.run_command([getent, "shadow", name])
    return out.strip() if rc == 0 else ""


def _ssh_algorithms(module):
    ssh = module.get_bin_path("ssh")
    lists = {}
    for query in SSH_QUERIES:
        out = module.run_command([ssh, "-Q", query])[1] if ssh else ""
        lists[query] = out.split()
    return lists


def read_state(module, params):
    """What ``params`` (the READ_OPTIONS) ask for, read on this host; keys not asked for are absent."""
    state = {}
    if params["files"]:
        state["files"] = {path: file_state(path, path in params["contents"], path in params["checksums"])
                          for path in params["files"]}
    group = group_state(params["group"]) if params["group"] else None
    accounts = list(params["accounts"])
    if params["group_accounts"] and group:
        accounts += [name for name in group["members"] if name not in accounts]
    if params["accounts"] or params["group_accounts"]:
        state["accounts"] = {name: account_state(name, _shadow_line(module, name)) for name in accounts}
    if group:
        state["group"] = group
    if params["passwd"]:
        state["passwd"] = passwd_state()
    if params["login"]:
        state["login"] = login_state(os.environ)
    if params["ssh_algorithms"]:
        state["ssh_algorithms"] = _ssh_algorithms(module)
    return state
