# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/staff_accounts: which accounts and key files the ssh_access role may leave alone."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.oth.stack.plugins.module_utils.staff_accounts import (
    accounts_as_wanted,
    authorized_keys_text,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0xdFpZ2mTqv7Vv8yjq3Qzj2Jm3kZ6GQWnq9lQeY2ab alice@laptop"
ALICE = {"name": "alice", "authorized_keys": [KEY]}
PASSWD = {"alice": ["alice", "x", "1001", "1001", "", "/home/alice", "/bin/bash"]}


def b64(text):
    return base64.b64encode(text.encode()).decode()


def read(shadow="alice:!:20000:0:99999:7:::", groups="alice oth-staff", home="yes", keys=None):
    return [shadow, groups, home, b64(KEY + "\n") if keys is None else keys]


def check(lines, users=(ALICE,), passwd=None):
    return accounts_as_wanted(lines, list(users), PASSWD if passwd is None else passwd, "/bin/bash", "oth-staff")


def test_an_account_and_keys_as_the_modules_leave_them_need_no_change():
    assert check(read()) == {"accounts": ["alice"], "key_files": ["alice"]}


@pytest.mark.parametrize("lines", [
    read(shadow="alice:$y$j9T$hash:20000:0:99999:7:::"),  # a password set: not locked
    read(shadow="alice:!:20000:0:99999:7::1:"),  # expired (a retired account)
    read(groups="alice"),  # not in the staff group
    read(home=""),  # home missing
    read(shadow=""),  # no shadow entry
])
def test_any_account_difference_lets_the_user_module_run(lines):
    assert check(lines)["accounts"] == []


def test_another_shell_or_a_missing_account_lets_the_user_module_run():
    nologin = {"alice": PASSWD["alice"][:6] + ["/usr/sbin/nologin"]}
    assert check(read(), passwd=nologin)["accounts"] == []
    assert check(read(), passwd={})["accounts"] == []


@pytest.mark.parametrize("keys", ["", b64(""), b64(KEY), b64(KEY + "\n" + KEY + "\n"), "not base64!"])
def test_any_key_file_difference_lets_authorized_key_run(keys):
    assert check(read(keys=keys))["key_files"] == []


def test_the_key_file_is_written_as_authorized_key_serialises_it():
    assert authorized_keys_text([KEY]) == KEY + "\n"
    assert authorized_keys_text(["ssh-ed25519  AAAA"]) == "ssh-ed25519 AAAA \n"
    # Options or unknown types: unsure how the module writes them, so never "as wanted".
    assert authorized_keys_text(['from="10.0.0.1" ' + KEY]) is None


def test_a_short_read_counts_as_different():
    assert check(read()[:3]) == {"accounts": [], "key_files": []}
