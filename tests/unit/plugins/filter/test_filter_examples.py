# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every filter's EXAMPLES, run as written against the default matrix, so a broken example fails.

Each example task becomes debug tasks that evaluate every template it holds (its module options,
`vars`, `when`, `loop`) with ansible-playbook, on the hosts of a small inventory with the firewall
role's defaults (the spec's matrix) as group_vars. The modules of the examples are not run (they
would write files or reach hosts): what is checked is that each filter call, with the arguments
the example gives, works. The names an example takes from earlier tasks it does not show (a
registered read of the host, the text of /etc/hosts) are given below, with a real read of this
machine for `read`.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import pathlib
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).parents[4]
FILTERS = ROOT / "plugins" / "filter"
# Task keywords whose values are evaluated too; any other key is the module and its options.
KEYWORDS = ("name", "vars", "when", "loop", "loop_control", "register", "no_log", "become", "changed_when")


def examples():
    """(filter file, EXAMPLES text) for each filter that documents examples."""
    found = []
    for path in sorted(FILTERS.glob("*.yml")):
        text = yaml.safe_load(path.read_text()).get("EXAMPLES")
        if text:
            found.append((path.name, text))
    for path in sorted(FILTERS.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXAMPLES":
                found.append((path.name, node.value.value))
    return found


def templates(value):
    """Every string of a task's options that holds a template."""
    if isinstance(value, str):
        return [value] if "{{" in value else []
    if isinstance(value, dict):
        return [t for v in value.values() for t in templates(v)]
    if isinstance(value, list):
        return [t for v in value for t in templates(v)]
    return []


def checks(source, text):
    """The debug tasks that evaluate one EXAMPLES block."""
    tasks = []
    for index, task in enumerate(yaml.safe_load(text)):
        label = "%s example %d (%s)" % (source, index + 1, task.get("name", ""))
        if "ansible.builtin.set_fact" in task:
            # Controller-side and harmless: run as written, later examples read what it sets.
            tasks.append(dict(task, name=label, ignore_errors=True))
            continue
        exprs = templates({k: v for k, v in task.items() if k not in KEYWORDS})
        conditions = task.get("when") or []
        exprs += ["{{ (%s) }}" % c for c in (conditions if isinstance(conditions, list) else [conditions])]
        for number, expr in enumerate(exprs):
            # Every check runs, so one run reports every broken example.
            check = {"name": "%s, template %d" % (label, number + 1), "ansible.builtin.debug": {"msg": expr},
                     "ignore_errors": True}
            if task.get("vars"):
                check["vars"] = task["vars"]
            if "loop" in task:
                check["loop"] = task["loop"]
            # An example that hides its output (the key) is checked without showing it.
            if task.get("no_log"):
                check["no_log"] = True
            tasks.append(check)
    return tasks


@pytest.fixture(scope="module")
def playbook(tmp_path_factory, pki):
    directory = tmp_path_factory.mktemp("examples")
    (directory / "files").mkdir()
    bundle = pki.good_bundle()
    (directory / "files" / "site.pem").write_text(bundle)
    hosts = {"lb1": "10.0.0.1", "app1": "10.0.0.2", "db1": "10.0.0.3"}
    inventory = {"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "children": {
            "loadbalancer": {"hosts": {"lb1": {"oth_internal_ip": hosts["lb1"]}}},
            "application": {"hosts": {"app1": {"oth_internal_ip": hosts["app1"]}}},
            "storage": {"hosts": {"db1": {"oth_internal_ip": hosts["db1"]}}}}}}
    (directory / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (directory / "group_vars").mkdir()
    defaults = (ROOT / "roles/firewall/defaults/main.yml").read_text()
    (directory / "group_vars" / "all.yml").write_text(defaults)
    fixtures = {
        "oth_fqdn": "www.example.test",
        "oth_public_ip": "203.0.113.10",
        "oth_admin_users": [],
        "oth_tls_private_key": pki.leaf_rsa.key_pem(),
        "oth_tls_certificate": pki.leaf_rsa.pem,
        "oth_tls_chain": [pki.intermediate.pem, pki.root.pem],
        "vault_tls_key": pki.leaf_rsa.key_pem(),
        "tls_certificate": pki.leaf_rsa.pem,
        "tls_chain": pki.intermediate.pem + pki.root.pem,
        "bundle": {"content": base64.b64encode(bundle.encode()).decode()},
        "hosts_text": "127.0.0.1 localhost\n10.0.0.9 app1\n",
        "lines": ["10.0.0.1 lb1", "10.0.0.2 app1", "10.0.0.3 db1"],
        "users": [{"name": "alice", "authorized_keys": []}],
        "my_matrix_variables": {
            "oth_admin_sources": ["52.30.207.215/32"], "oth_admin_ssh_to_application": False,
            "oth_features": {"android_push": False, "ios_push": False, "sms": False, "video": False},
            "oth_object_storage": "s3", "oth_egress_policy": "open", "oth_bastion_address": ["lb1"],
            "oth_mariadb_host": "db1", "oth_rabbitmq_host": "db1", "oth_minio_host": "db1"},
    }
    setup = [{"name": "Read this machine as the ssh_access role reads a host (the examples' `read`)",
              "oth.stack.host_state": {"login": True, "group": "oth-staff", "passwd": True, "accounts": ["alice"]}, "register": "read"}]
    tasks = [check for source, text in examples() for check in checks(source, text)]
    count = sum(1 for task in tasks if "template" in task["name"])
    play = [{"name": "Every filter example", "hosts": "app1", "gather_facts": False, "vars": fixtures,
             "tasks": setup + tasks}]
    (directory / "examples.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    return directory, count


def test_every_filter_documents_examples():
    documented = {source for source, _text in examples()}
    missing = []
    for path in sorted(FILTERS.glob("*.yml")):
        if path.name not in documented:
            missing.append(path.name)
    assert not missing, "no EXAMPLES in " + ", ".join(missing)


def test_every_filter_example_runs_as_written(playbook):
    directory, count = playbook
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache/collections"),
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_FORCE_COLOR="false")
    result = subprocess.run(["ansible-playbook", "-i", str(directory / "inventory.yml"), str(directory / "examples.yml")],
                            capture_output=True, text=True, env=env, cwd=str(directory), check=False)
    report = json.loads(result.stdout) if result.stdout.lstrip().startswith("{") else None
    assert report is not None, result.stdout[-3000:] + result.stderr[-3000:]
    failed = []
    ran = 0
    for play in report["plays"]:
        for task in play["tasks"]:
            outcome = task["hosts"].get("app1", {})
            if task["task"]["name"].startswith("Read this machine"):
                assert not outcome.get("failed"), outcome
                continue
            ran += 1 if "template" in task["task"]["name"] else 0
            if outcome.get("failed") or outcome.get("results") and any(r.get("failed") for r in outcome["results"]):
                failed.append("%s: %s" % (task["task"]["name"], outcome.get("msg")
                                          or [r.get("msg") for r in outcome.get("results", []) if r.get("failed")]))
    assert ran == count and count > 10, (ran, count, result.stderr[-2000:])
    assert not failed, "\n".join(failed)
