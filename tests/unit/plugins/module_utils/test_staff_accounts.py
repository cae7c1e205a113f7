# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/staff_accounts: which accounts and key files the ssh_access role may leave alone."""

from __future__ import annotations

import pytest

from ansible_collections.oth.stack.plugins.module_utils.staff_accounts import (
    accounts_as_wanted,
    authorized_keys_text,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0xdFpZ2mTqv7Vv8yjq3Qzj2Jm3kZ6GQWnq9lQeY2ab alice@laptop"
ALICE = {"name": "alice", "authorized_keys": [KEY]}


def read(**changes):
    """alice as module oth.stack.host_state reads her, with changes."""
    state = {"exists": True, "shell": "/bin/bash", "home": "/home/alice", "home_exists": True,
             "groups": ["alice", "oth-staff"], "password_locked": True, "expires": "", "shadow_found": True,
             "authorized_keys": KEY + "\n"}
    state.update(changes)
    return {"alice": state}


def check(accounts, users=(ALICE,)):
    return accounts_as_wanted(accounts, list(users), "/bin/bash", "oth-staff")


def test_an_account_and_keys_as_the_modules_leave_them_need_no_change():
    assert check(read()) == {"accounts": ["alice"], "key_files": ["alice"]}
    assert check(read(expires="-1"))["accounts"] == ["alice"]


@pytest.mark.parametrize("changes", [
    {"password_locked": False},  # a password set: not locked
    {"expires": "1"},  # expired (a retired account)
    {"groups": ["alice"]},  # not in the staff group
    {"home_exists": False},  # home missing
    {"shadow_found": False},  # no shadow entry
    {"shell": "/usr/sbin/nologin"},  # another shell
    {"exists": False},
])
def test_any_account_difference_lets_the_user_module_run(changes):
    assert check(read(**changes))["accounts"] == []


def test_a_missing_account_lets_both_modules_run():
    assert check({}) == {"accounts": [], "key_files": []}


@pytest.mark.parametrize("keys", ["", KEY, KEY + "\n" + KEY + "\n", KEY + "\nssh-ed25519 AAAAother x\n"])
def test_any_key_file_difference_lets_authorized_key_run(keys):
    assert check(read(authorized_keys=keys))["key_files"] == []


def test_the_key_file_is_written_as_authorized_key_serialises_it():
    assert authorized_keys_text([KEY]) == KEY + "\n"
    assert authorized_keys_text(["ssh-ed25519  AAAA"]) == "ssh-ed25519 AAAA \n"
    # Options or unknown types: unsure how the module writes them, so never "as wanted".
    assert authorized_keys_text(['from="10.0.0.1" ' + KEY]) is None
