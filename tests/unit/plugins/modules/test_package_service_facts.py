# SPDX-License-Identifier: GPL-3.0-or-later
"""oth.stack.package_service_facts on this machine: the standard facts come in the same call."""

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.oth.stack.plugins.modules import package_service_facts as module


def _run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_without_gather_subset_only_packages_and_services(capsys):
    code, out = _run({}, capsys)
    assert code == 0
    assert set(out["ansible_facts"]) == {"packages", "services"}


def test_gather_subset_adds_the_facts_setup_would_return(capsys):
    code, out = _run({"gather_subset": ["!all", "!min", "distribution", "env"]}, capsys)
    assert code == 0
    facts = out["ansible_facts"]
    assert {"packages", "services", "ansible_os_family", "ansible_distribution", "ansible_env"} <= set(facts)
    assert "ansible_default_ipv4" not in facts  # network was not asked for
    assert facts["ansible_env"]["PATH"]


def test_an_unknown_subset_fails_with_its_name(capsys):
    code, out = _run({"gather_subset": ["no_such_subset"]}, capsys)
    assert code == 1
    assert out["failed"] is True
    assert "gather_subset" in out["msg"] and "no_such_subset" in out["msg"]
