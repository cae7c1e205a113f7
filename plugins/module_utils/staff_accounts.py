# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which staff accounts and key files already are as oth.stack.ssh_access wants them.

The role reads each listed account once, as root (tasks/read_accounts.yml), and skips the
ansible.builtin.user and ansible.posix.authorized_key calls for the accounts shown here to need
no change. Each check below mirrors what that module would change; anything not recognised
counts as different, so the module runs and decides, as it did before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii

# The lines tasks/read_accounts.yml prints per account, in this order.
LINES_PER_ACCOUNT = 4

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


def _decode(text):
    try:
        return base64.b64decode(text.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _account_as_wanted(name, passwd, shadow_line, groups_line, home_line, shell, staff_group):
    entry = passwd.get(name)
    shadow = shadow_line.split(":")
    if entry is None or len(entry) < 7 or len(shadow) < 8 or shadow[0] != name:
        return False
    expire = shadow[7].strip()
    return (
        entry[6] == shell
        and home_line.strip() == "yes"
        and staff_group in groups_line.split()
        # password_lock: true means a '!' in front of the password field.
        and shadow[1].startswith("!")
        # expires: -1 means no expiry date.
        and (expire == "" or expire.lstrip("-").isdigit() and int(expire) < 0)
    )


def accounts_as_wanted(read_lines, users, passwd, shell, staff_group):
    """Return {"accounts": [...], "key_files": [...]}: names needing no user, resp. authorized_key call.

    ``read_lines`` are LINES_PER_ACCOUNT lines per entry of ``users`` (getent shadow, id -nG,
    "yes" when the home exists, the base64 of authorized_keys); ``passwd`` maps a name to its
    /etc/passwd fields. A short or garbled read makes everything count as different.
    """
    result = {"accounts": [], "key_files": []}
    if len(read_lines) < LINES_PER_ACCOUNT * len(users):
        return result
    for index, user in enumerate(users):
        name = user["name"]
        shadow, groups, home, keys = read_lines[index * LINES_PER_ACCOUNT:(index + 1) * LINES_PER_ACCOUNT]
        if _account_as_wanted(name, passwd, shadow, groups, home, shell, staff_group):
            result["accounts"].append(name)
        wanted = authorized_keys_text(user.get("authorized_keys") or [])
        if wanted is not None and keys.strip() and _decode(keys) == wanted:
            result["key_files"].append(name)
    return result
