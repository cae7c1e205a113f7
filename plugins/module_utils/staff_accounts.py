# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which staff accounts and key files already are as oth.stack.ssh_access wants them.

The role reads each listed account once, as root (module oth.stack.host_state), and skips the
ansible.builtin.user and ansible.posix.authorized_key calls for the accounts shown here to need
no change. Each check below mirrors what that module would change; anything not recognised
counts as different, so the module runs and decides, as it did before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Key types written as "type base64 comment" by ansible.posix.authorized_key (see its serialize()).
_KEY_TYPES = frozenset((
    "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-rsa", "rsa-sha2-256", "rsa-sha2-512",
))


def authorized_keys_text(keys):
    """The file authorized_key writes for ``keys`` with exclusive=true, or None if unsure.

    The module writes each key as "type base64 comment\\n" (with a space before an empty
    comment). A key with options, or of a type not listed above, gives None: never equal.
    """
    lines = []
    for key in keys:
        parts = key.split()
        if len(parts) < 2 or parts[0] not in _KEY_TYPES:
            return None
        lines.append("%s %s %s\n" % (parts[0], parts[1], " ".join(parts[2:])))
    return "".join(lines)


def _account_as_wanted(account, shell, staff_group):
    expire = str(account.get("expires", "")).strip()
    return bool(
        account.get("exists") and account.get("shadow_found")
        and account.get("shell") == shell
        and account.get("home_exists")
        and staff_group in account.get("groups", [])
        # password_lock: true means a '!' in front of the password field.
        and account.get("password_locked")
        # expires: -1 means no expiry date.
        and (expire == "" or expire.lstrip("-").isdigit() and int(expire) < 0)
    )


def accounts_as_wanted(accounts, users, shell, staff_group):
    """Return {"accounts": [...], "key_files": [...]}: names needing no user, resp. authorized_key call.

    ``accounts`` is the read of module oth.stack.host_state (name -> state); an account missing
    from it counts as different.
    """
    result = {"accounts": [], "key_files": []}
    for user in users:
        name = user["name"]
        account = accounts.get(name) or {}
        if _account_as_wanted(account, shell, staff_group):
            result["accounts"].append(name)
        wanted = authorized_keys_text(user.get("authorized_keys") or [])
        if wanted is not None and account.get("exists") and account.get("authorized_keys") == wanted:
            result["key_files"].append(name)
    return result
