# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.oth.stack.plugins.filter.pem_bundle_report import FilterModule, pem_bundle_report


def test_filter_is_registered_under_its_name():
    assert FilterModule().filters()["pem_bundle_report"] is pem_bundle_report


def test_good_bundle_gives_an_ok_report(pki):
    report = pem_bundle_report(pki.good_bundle(), "www.example.test")
    assert report["ok"] is True
    assert report["errors"] == [] and report["warnings"] == []
    block = report["blocks"][1]
    assert {"kind", "subject", "issuer", "not_after", "sha256_fingerprint"} <= set(block)
    assert block["kind"] == "CERTIFICATE" and block["role"] == "leaf"


def test_bad_bundle_is_reported_not_raised(pki):
    report = pem_bundle_report(pki.bundle(pki.leaf_rsa, pki.intermediate), server_name="mail.example.test")
    assert report["ok"] is False
    assert any("not a self-signed root" in e for e in report["errors"])
    assert any("does not cover server_name 'mail.example.test'" in e for e in report["errors"])


def test_garbage_is_reported_not_raised():
    report = pem_bundle_report("hello\x00world")
    assert report["ok"] is False
    assert report["blocks"] == []


def test_expiry_warning_days_is_passed_on(pki):
    text = pki.bundle(pki.leaf_expiring, pki.intermediate, pki.root)
    assert pem_bundle_report(text)["warnings"]
    assert pem_bundle_report(text, expiry_warning_days=5)["warnings"] == []


@pytest.mark.parametrize("args, kwargs, message", [
    ((None,), {}, "the input must be the PEM text of the bundle, not NoneType"),
    ((b"-----BEGIN",), {}, "not bytes"),
    ((["a", "b"],), {}, "not list"),
    (("",), {"server_name": 42}, "server_name must be a string, not int"),
    (("",), {"expiry_warning_days": "30"}, "expiry_warning_days must be a non-negative integer"),
    (("",), {"expiry_warning_days": True}, "expiry_warning_days must be a non-negative integer"),
    (("",), {"expiry_warning_days": -1}, "expiry_warning_days must be a non-negative integer"),
])
def test_wrong_argument_types_raise(args, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        pem_bundle_report(*args, **kwargs)
