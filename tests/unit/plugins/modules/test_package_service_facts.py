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


def test_only_reports_the_names_asked_for(capsys):
    _code, full = _run({}, capsys)
    package = sorted(full["ansible_facts"]["packages"])[0]
    code, out = _run({"only": [package, "not-installed"]}, capsys)
    assert code == 0
    assert out["ansible_facts"]["packages"] == {package: full["ansible_facts"]["packages"][package]}


def test_only_matches_a_service_with_or_without_its_suffix():
    from ansible_collections.oth.stack.plugins.module_utils.package_service_state import only

    services = {unit: {"name": unit} for unit in ("ssh.service", "ufw.service", "cron.service", "sshd-keygen.service")}
    kept = only({"ufw": [{}], "vim": [{}]}, services, ["ssh", "ufw.service", "ufw"])
    assert kept == {"packages": {"ufw": [{}]}, "services": {"ssh.service": {"name": "ssh.service"},
                                                           "ufw.service": {"name": "ufw.service"}}}


def test_site_gathers_every_package_and_service_the_roles_look_at():
    # A name the roles check but facts.yml leaves out would look missing on every run: its role
    # would run the install task again each time (no change, but a round trip per host).
    import pathlib
    import re

    import yaml

    root = pathlib.Path(__file__).resolve().parents[4]
    watched = set(yaml.safe_load((root / "playbooks/facts.yml").read_text())[0]["vars"]["__facts_watched"])
    looked_at = {"cloud-init", "oth-stack-container-filter"}
    for path in root.glob("roles/*/vars/*.yml"):
        data = yaml.safe_load(path.read_text()) or {}
        for key, value in data.items():
            if isinstance(value, str) and "{{" in value:
                continue  # a name taken from a table below, as ssh_access's from __ssh_access_os_names
            if key.endswith("_os_names"):  # {OS family: {packages: [...], service: ...}}
                for names in value.values():
                    looked_at.update(names["packages"])
                    looked_at.add(names["service"])
            elif key.endswith("_packages"):
                values = value.values() if isinstance(value, dict) else [value]
                looked_at.update(name for names in values for name in names)
            elif key.endswith("_service"):
                looked_at.add(value)
    # Units the tasks name directly.
    for path in root.glob("roles/*/tasks/*.yml"):
        looked_at.update(re.findall(r"ansible_facts\['services'\]\['([a-z0-9-]+)\.service'\]", path.read_text()))
    assert looked_at - watched == set()


def test_host_state_reads_what_oth_stack_host_state_reads(capsys, monkeypatch, tmp_path):
    from ansible_collections.oth.stack.plugins.modules import host_state as host_state_module

    monkeypatch.setenv("SSH_CONNECTION", "10.89.0.1 50000 10.89.0.2 22")
    path = tmp_path / "hosts"
    path.write_text("127.0.0.1 localhost\n")
    options = {"login": True, "ssh_algorithms": True, "passwd": True, "group": "root",
               "files": [str(path), str(tmp_path / "missing")], "contents": [str(path)]}
    code, out = _run({"only": ["ssh"], "host_state": options}, capsys)
    assert code == 0
    with patch_module_args(options):
        with pytest.raises(SystemExit):
            host_state_module.main()
    alone = json.loads(capsys.readouterr().out)["state"]
    assert out["host_state"] == alone
    assert out["host_state"]["group"]["name"] == "root"
    assert out["host_state"]["login"]["ssh_connection"].startswith("10.89.0.1 ")
    _code, without = _run({"only": ["ssh"]}, capsys)
    assert "host_state" not in without


def test_the_facts_play_reads_what_the_roles_would_read_themselves():
    # The roles use the facts play's read only when it holds what they read (their vars/main.yml);
    # this keeps the two in step, so that a site run never falls back to a read per role.
    import pathlib

    import yaml

    root = pathlib.Path(__file__).resolve().parents[4]
    play = yaml.safe_load((root / "playbooks/facts.yml").read_text())[0]
    gather = play["tasks"][0]
    early = gather["oth.stack.package_service_facts"]["host_state"]
    read_host = yaml.safe_load((root / "roles/ssh_access/tasks/read_host.yml").read_text())[0]
    own = read_host["oth.stack.host_state"]
    assert read_host["become"] is False and gather.get("become", False) is False
    for option in ("login", "ssh_algorithms", "passwd"):
        assert early[option] == own[option]
    ssh_vars = yaml.safe_load((root / "roles/ssh_access/vars/main.yml").read_text())
    hosts_vars = yaml.safe_load((root / "roles/hosts/vars/main.yml").read_text())
    defaults = yaml.safe_load((root / "roles/ssh_access/defaults/main.yml").read_text())
    assert early["group"] == "{{ __facts_staff_group }}"
    assert "default('%s')" % defaults["ssh_access_staff_group"] in play["vars"]["__facts_staff_group"]
    # As root, the staff group's accounts and the sudoers file, which ssh_access reads as root.
    assert play["become"] is True and early["group_accounts"] is True
    sudoers = ssh_vars["__ssh_access_sudoers_file"].replace("ssh_access_staff_group", "__facts_staff_group")
    assert sudoers in early["files"] and sudoers in early["contents"]
    for path in (ssh_vars["__ssh_access_sshd_config_file"], hosts_vars["__hosts_path"]):
        assert path in early["files"] and path in early["contents"]
