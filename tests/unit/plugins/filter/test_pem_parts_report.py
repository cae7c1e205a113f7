# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""oth.stack.pem_parts_report: the bundle haproxy_pem would write, checked on the controller."""

from __future__ import annotations

import hashlib
import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible.module_utils.testing import patch_module_args
from ansible_collections.oth.stack.plugins.filter.pem_parts_report import pem_parts_report
from ansible_collections.oth.stack.plugins.modules import haproxy_pem


def parts(pki, *chain, leaf=None):
    leaf = leaf or pki.leaf_rsa
    return {"private_key": leaf.key_pem(), "certificate": leaf.pem, "chain": [c.pem for c in chain]}


def test_the_chain_may_come_in_any_order(pki):
    report = pem_parts_report(parts(pki, pki.root, pki.intermediate), "www.example.test")
    assert report["ok"] is True, report["errors"]
    assert [block["role"] for block in report["blocks"]] == ["private_key", "leaf", "intermediate", "root"]


def test_the_hash_is_that_of_the_bundle_the_module_writes(pki, tmp_path, capsys):
    dest = tmp_path / "site.pem"
    with patch_module_args({"dest": str(dest), "server_name": "www.example.test", **parts(pki, pki.root, pki.intermediate)}):
        with pytest.raises(SystemExit):
            haproxy_pem.main()
    assert json.loads(capsys.readouterr().out)["changed"] is True
    report = pem_parts_report(parts(pki, pki.root, pki.intermediate), "www.example.test")
    assert report["sha256"] == hashlib.sha256(dest.read_bytes()).hexdigest()


def test_a_key_of_another_certificate_is_reported_with_no_key_material(pki):
    bad = dict(parts(pki, pki.intermediate, pki.root), private_key=pki.leaf_ec.key_pem())
    report = pem_parts_report(bad, "www.example.test")
    assert report["ok"] is False
    assert any("does not match" in error for error in report["errors"])
    assert pki.leaf_ec.key_pem().splitlines()[1] not in json.dumps(report)


def test_a_chain_from_another_ca_and_an_expiring_leaf(pki):
    assert pem_parts_report(parts(pki, pki.other_intermediate, pki.other_root))["ok"] is False
    report = pem_parts_report(parts(pki, pki.intermediate, pki.root, leaf=pki.leaf_expiring))
    assert report["ok"] is True and report["warnings"]


def test_a_part_that_cannot_be_read_gives_no_hash(pki):
    report = pem_parts_report(dict(parts(pki, pki.intermediate, pki.root), certificate="not PEM"))
    assert report["ok"] is False and report["sha256"] is None


@pytest.mark.parametrize("bad", ["a string", {"private_key": None, "certificate": "x", "chain": []}])
def test_wrong_types_raise(bad):
    with pytest.raises(AnsibleFilterError, match="oth.stack.pem_parts_report"):
        pem_parts_report(bad)
