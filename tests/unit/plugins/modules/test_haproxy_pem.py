# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module in-process, with AnsibleModule's exit_json/fail_json patched to raise."""

from __future__ import annotations

import json
import os
import stat
from unittest import mock

import pytest
from ansible.module_utils.basic import AnsibleModule
from cryptography.hazmat.primitives import serialization
from ansible.module_utils.testing import patch_module_args

from ansible_collections.oth.stack.plugins.modules import haproxy_pem


class Exited(Exception):
    pass


class Failed(Exception):
    pass


def _exit_json(self, **kwargs):
    raise Exited(kwargs)


def _fail_json(self, msg, **kwargs):
    raise Failed(dict(kwargs, msg=msg))


def run(args, check_mode=False, diff=False):
    """Run the module; return ('exit' | 'fail', result)."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args), \
            mock.patch.object(AnsibleModule, "exit_json", _exit_json), \
            mock.patch.object(AnsibleModule, "fail_json", _fail_json):
        with pytest.raises((Exited, Failed)) as outcome:
            haproxy_pem.main()
    return ("exit" if outcome.type is Exited else "fail"), outcome.value.args[0]


def succeed(args, **kwargs):
    status, result = run(args, **kwargs)
    assert status == "exit", result
    return result


def fail(args, **kwargs):
    status, result = run(args, **kwargs)
    assert status == "fail", result
    return result


@pytest.fixture
def dest(tmp_path):
    return str(tmp_path / "site.pem")


@pytest.fixture
def args(pki, dest):
    # chain in the wrong order on purpose: the module orders it
    return dict(dest=dest, private_key=pki.leaf_rsa.key_pem(), certificate=pki.leaf_rsa.pem,
                chain=[pki.root.pem, pki.intermediate.pem], server_name="www.example.test")


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def key_lines(pki):
    return [line for line in pki.leaf_rsa.key_pem().splitlines() if not line.startswith("-----")]


def test_writes_the_ordered_bundle_0600(pki, args, dest):
    result = succeed(args)
    assert result["changed"] is True
    with open(dest) as handle:
        assert handle.read() == pki.good_bundle()
    assert mode_of(dest) == 0o600
    assert result["summary"].startswith("RSA 2048-bit key, leaf CN=www.example.test")
    assert 363 <= result["days_until_expiry"] <= 365
    assert [b["role"] for b in result["blocks"]] == ["private_key", "leaf", "intermediate", "root"]


def test_second_run_reports_no_change(args, dest):
    succeed(args)
    before = os.stat(dest)
    result = succeed(args)
    assert result["changed"] is False
    assert os.stat(dest).st_mtime_ns == before.st_mtime_ns


def test_a_mode_change_alone_is_a_change(args, dest):
    succeed(args)
    assert succeed(dict(args, mode="0640"))["changed"] is True
    assert mode_of(dest) == 0o640


def test_the_key_goes_through_a_0600_temp_file_in_the_destination_directory(args, dest):
    seen = {}
    real_move = AnsibleModule.atomic_move

    def spy(self, src, target, *rest, **kwargs):
        seen.update(src_dir=os.path.dirname(src), src_mode=mode_of(src))
        real_move(self, src, target, *rest, **kwargs)
        seen["dest_mode_after_move"] = mode_of(target)

    old_umask = os.umask(0o022)
    try:
        with mock.patch.object(AnsibleModule, "atomic_move", spy):
            succeed(dict(args, mode="0640"))
    finally:
        os.umask(old_umask)
    assert seen["src_dir"] == os.path.dirname(dest)
    assert seen["src_mode"] == 0o600
    # a new file is never world-readable, even before the requested mode is applied
    assert seen["dest_mode_after_move"] == 0o600
    assert mode_of(dest) == 0o640
    assert os.listdir(os.path.dirname(dest)) == ["site.pem"]


def test_wrong_key_leaves_the_existing_file_untouched(pki, args, dest):
    succeed(args)
    with open(dest, "rb") as handle:
        content = handle.read()
    before = os.stat(dest)
    result = fail(dict(args, private_key=pki.leaf_ec.key_pem()))
    assert result["msg"].startswith("nothing was written to {0}: the bundle has 1 problem(s):".format(dest))
    assert ("block 1 (PRIVATE KEY, EC secp256r1) does not match block 2 (CERTIFICATE, subject "
            "CN=www.example.test,O=oth.stack tests)") in result["msg"]
    assert "use the key the certificate was requested with" in result["msg"]
    with open(dest, "rb") as handle:
        assert handle.read() == content
    assert os.stat(dest).st_mtime_ns == before.st_mtime_ns
    assert os.listdir(os.path.dirname(dest)) == ["site.pem"]


def test_check_mode_writes_nothing(args, dest):
    result = succeed(args, check_mode=True)
    assert result["changed"] is True
    assert not os.path.exists(dest)
    assert os.listdir(os.path.dirname(dest)) == []


def test_check_mode_on_an_up_to_date_file_reports_no_change(args, dest):
    succeed(args)
    assert succeed(args, check_mode=True)["changed"] is False


def test_diff_shows_subjects_and_fingerprints_never_key_material(pki, args, dest):
    succeed(dict(args, private_key=pki.leaf_rsa.key_pem("traditional")))
    result = succeed(dict(args, mode="0640"), diff=True)
    content_diff, attributes_diff = result["diff"]
    assert content_diff["before"] != content_diff["after"]  # PKCS#1 header -> PKCS#8 header
    assert "block 2: CERTIFICATE (leaf) subject=CN=www.example.test" in content_diff["after"]
    assert "block 1: PRIVATE KEY (RSA 2048-bit) public key sha256=" in content_diff["after"]
    assert attributes_diff["after"]["mode"] == "0640"
    dumped = json.dumps(result)
    assert not any(line in dumped for line in key_lines(pki))
    assert "-----BEGIN" not in dumped


def test_paths_on_the_managed_host(pki, tmp_path, dest):
    files = {"key.pem": pki.leaf_ec.key_pem("traditional"), "cert.pem": pki.leaf_ec.pem,
             "root.pem": pki.root.pem, "intermediate.pem": pki.intermediate.pem}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = succeed(dict(dest=dest, private_key_path=str(tmp_path / "key.pem"),
                          certificate_path=str(tmp_path / "cert.pem"),
                          chain_path=[str(tmp_path / "root.pem"), str(tmp_path / "intermediate.pem")]))
    assert result["changed"] is True
    with open(dest) as handle:
        assert handle.read() == pki.bundle(pki.leaf_ec, pki.intermediate, pki.root, key_format="traditional")


def without_chain(args, **more):
    return dict({k: v for k, v in args.items() if k != "chain"}, **more)


def test_missing_path_is_an_error(tmp_path, args):
    result = fail(without_chain(args, chain_path=[str(tmp_path / "nope.pem")]))
    assert result["msg"].startswith("chain_path: cannot read")


def test_der_file_is_an_error(pki, tmp_path, args):
    (tmp_path / "root.der").write_bytes(pki.root.cert.public_bytes(serialization.Encoding.DER))
    result = fail(without_chain(args, chain_path=[str(tmp_path / "root.der")]))
    assert "is not PEM text" in result["msg"] and "openssl x509 -inform DER" in result["msg"]


def test_chain_as_one_text_with_bom_and_crlf_is_normalised(pki, args, dest):
    chain = "\ufeff" + (pki.intermediate.pem + pki.root.pem).replace("\n", "\r\n")
    succeed(dict(args, chain=chain))
    with open(dest, "rb") as handle:
        content = handle.read()
    assert content == pki.good_bundle().encode()
    assert b"\r" not in content


def test_chain_of_wrong_type_is_an_error(args):
    assert fail(dict(args, chain={"a": 1}))["msg"] == "chain must be PEM text or a list of PEM texts"


def test_expiry_warning_is_passed_to_the_user(pki, args):
    with mock.patch.object(AnsibleModule, "warn") as warn:
        succeed(dict(args, private_key=pki.leaf_expiring.key_pem(), certificate=pki.leaf_expiring.pem,
                     server_name=None))
    assert any("renew it soon" in call.args[0] for call in warn.call_args_list)


def test_missing_directory_is_an_error(tmp_path, args):
    result = fail(dict(args, dest=str(tmp_path / "missing" / "site.pem")))
    assert "does not exist" in result["msg"]
