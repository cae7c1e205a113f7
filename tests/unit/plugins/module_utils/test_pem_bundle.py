# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The checks of issue 3, section 4: each broken bundle is rejected with a message naming the
block, the fault and the fix; each valid variant is accepted."""

from __future__ import annotations

import base64
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from ansible_collections.oth.stack.plugins.module_utils import pem_bundle as pb


def check(text, **kwargs):
    return pb.check_bundle(text, **kwargs)


def assert_ok(report):
    assert report["errors"] == []
    assert report["ok"] is True


def assert_error(report, *fragments):
    """The bundle is rejected, with an error that contains all fragments."""
    assert report["ok"] is False
    matching = [e for e in report["errors"] if all(f in e for f in fragments)]
    assert matching, "no error with {0} in {1}".format(fragments, report["errors"])


def body_lines(pem):
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


# --- valid bundles ---------------------------------------------------------------------------

@pytest.mark.parametrize("leaf, key_format, label", [
    ("leaf_rsa", "pkcs8", "PRIVATE KEY"),
    ("leaf_rsa", "traditional", "RSA PRIVATE KEY"),
    ("leaf_ec", "pkcs8", "PRIVATE KEY"),
    ("leaf_ec", "traditional", "EC PRIVATE KEY"),
])
def test_rsa_and_ec_keys_in_pkcs8_and_pkcs1_headers_are_accepted(pki, leaf, key_format, label):
    text = pki.bundle(getattr(pki, leaf), pki.intermediate, pki.root, key_format=key_format)
    assert "-----BEGIN {0}-----".format(label) in text
    report = check(text, server_name="www.example.test")
    assert_ok(report)
    assert report["warnings"] == []
    assert [b["role"] for b in report["blocks"]] == ["private_key", "leaf", "intermediate", "root"]


def test_two_intermediates_are_accepted(pki):
    report = check(pki.bundle(pki.leaf_deep, pki.issuing, pki.intermediate, pki.root))
    assert_ok(report)
    assert [b["role"] for b in report["blocks"]] == ["private_key", "leaf", "intermediate",
                                                     "intermediate", "root"]


def test_wildcard_san_is_accepted_for_one_label(pki):
    text = pki.bundle(pki.leaf_wildcard, pki.intermediate, pki.root)
    assert_ok(check(text, server_name="telehealth.example.test"))


@pytest.mark.parametrize("transform", [
    lambda text: text.replace("\n", "\r\n"),
    lambda text: "\ufeff" + text,
    lambda text: "\ufeff" + text.replace("\n", "\r\n"),
], ids=["crlf", "bom", "bom+crlf"])
def test_crlf_and_bom_are_accepted(pki, transform):
    assert_ok(check(transform(pki.good_bundle())))


def test_dh_parameters_after_the_certificates_are_accepted(pki):
    report = check(pki.good_bundle() + pki.dh_parameters_pem())
    assert_ok(report)
    assert report["blocks"][-1]["role"] == "dh_parameters"


def test_trailing_blanks_are_accepted_like_openssl_does(pki):
    assert_ok(check(pki.good_bundle().replace("-----\n", "-----  \n")))


def test_text_outside_blocks_is_a_warning_only(pki):
    report = check("subject=CN=www.example.test\n" + pki.good_bundle() + "# end\n")
    assert_ok(report)
    assert any("outside the PEM blocks (line 1, " in w for w in report["warnings"])


def test_a_sha1_self_signature_on_the_root_is_accepted(pki):
    # OpenSSL never checks the signature of a trust anchor, only those below it.
    text = pki.bundle(pki.leaf_under_sha1_root, pki.intermediate_under_sha1_root, pki.root_sha1)
    assert_ok(check(text))


def test_report_describes_each_block_without_key_material(pki):
    text = pki.good_bundle()
    report = check(text)
    key, leaf = report["blocks"][0], report["blocks"][1]
    spki = pki.leaf_rsa.key.public_key().public_bytes(serialization.Encoding.DER,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    assert key["sha256_fingerprint"] == pb._fingerprint(spki)
    assert key["public_key"] == "RSA 2048-bit"
    assert leaf["subject"] == "CN=www.example.test,O=oth.stack tests"
    assert leaf["issuer"] == "CN=Test Intermediate CA,O=oth.stack tests"
    assert leaf["san"] == ["www.example.test", "example.test"]
    assert leaf["sha256_fingerprint"] == pki.leaf_rsa.cert.fingerprint(pb.hashes.SHA256()).hex(":").upper()
    assert leaf["not_after"].endswith("Z")
    assert 363 <= report["days_until_expiry"] <= 365
    assert report["summary"].startswith("RSA 2048-bit key, leaf CN=www.example.test")
    assert not any(line in str(report) for line in body_lines(pki.leaf_rsa.key_pem()))


# --- text ------------------------------------------------------------------------------------

def test_glued_end_and_begin_lines_are_an_error(pki):
    text = pki.good_bundle().replace("-----END CERTIFICATE-----\n", "-----END CERTIFICATE-----", 1)
    assert_error(check(text), "glued PEM text", "'-----END CERTIFICATE-----' and '-----BEGIN CERTIFICATE-----'",
                 "put a line break")


def test_base64_glued_to_the_end_line_is_an_error(pki):
    text = pki.good_bundle().replace("\n-----END CERTIFICATE-----", "-----END CERTIFICATE-----", 1)
    assert_error(check(text), "glued PEM text")


def test_blank_line_inside_base64_is_an_error(pki):
    lines = pki.good_bundle().split("\n")
    lines.insert(lines.index("-----BEGIN CERTIFICATE-----") + 2, "")
    assert_error(check("\n".join(lines)), "blank line inside block 2 (CERTIFICATE", "delete it")


def test_garbage_line_inside_base64_is_an_error(pki):
    lines = pki.good_bundle().split("\n")
    lines.insert(lines.index("-----BEGIN CERTIFICATE-----") + 2, "Bag Attributes: none")
    report = check("\n".join(lines))
    assert_error(report, "20 character(s) of other text inside block 2 (CERTIFICATE", "not base64")
    # The line is not quoted: inside a key block it would be key material.
    assert not any("Bag Attributes" in error for error in report["errors"])


def test_indented_base64_line_is_an_error(pki):
    lines = pki.good_bundle().split("\n")
    position = lines.index("-----BEGIN CERTIFICATE-----") + 2
    lines[position] = "    " + lines[position]
    assert_error(check("\n".join(lines)), "line {0}: indented".format(position + 1),
                 "remove the leading blanks")


def test_indented_begin_line_is_an_error(pki):
    text = pki.good_bundle().replace("-----BEGIN CERTIFICATE-----", "  -----BEGIN CERTIFICATE-----", 1)
    assert_error(check(text), "indented")


def test_nul_bytes_are_an_error(pki):
    text = pki.good_bundle().replace("-----BEGIN CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\n\x00", 1)
    assert_error(check(text), "NUL bytes", "not PEM text")


def test_utf16_text_is_an_error(pki):
    text = pki.good_bundle().encode("utf-16-le").decode("latin-1")
    assert_error(check(text), "NUL bytes")


def test_damaged_base64_is_an_error(pki):
    lines = pki.good_bundle().split("\n")
    position = lines.index("-----BEGIN CERTIFICATE-----") + 1
    lines[position] = lines[position][:-1]
    assert_error(check("\n".join(lines)), "block 2 (CERTIFICATE, from line", "does not decode",
                 "copy it again")


def test_padding_inside_the_base64_is_an_error(pki):
    lines = pki.good_bundle().split("\n")
    position = lines.index("-----BEGIN CERTIFICATE-----") + 2
    lines[position] = lines[position][:32] + "=" + lines[position][32:]
    assert_error(check("\n".join(lines)), "block 2 (CERTIFICATE, from line", "does not decode")


def test_truncated_block_is_an_error(pki):
    text = pki.good_bundle().rsplit("-----END CERTIFICATE-----", 1)[0]
    assert_error(check(text), "block 4 (CERTIFICATE", "has no END line")


def test_begin_inside_a_block_is_an_error(pki):
    text = pki.good_bundle().replace("-----END CERTIFICATE-----\n", "", 1)
    assert_error(check(text), "block 2 (CERTIFICATE", "no END line before the next BEGIN")


def test_mismatched_end_label_is_an_error(pki):
    text = pki.good_bundle().replace("-----END PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----")
    assert_error(check(text), "block 1 (PRIVATE KEY", "BEGIN and END labels must match")


def test_end_without_begin_is_an_error(pki):
    assert_error(check(pki.good_bundle() + "-----END CERTIFICATE-----\n"), "without a BEGIN line")


def test_empty_text_is_an_error():
    report = check("")
    assert_error(report, "no private key")
    assert_error(report, "no certificate")


# --- inventory and order ---------------------------------------------------------------------

def test_key_must_come_first(pki):
    text = pki.leaf_rsa.pem + pki.leaf_rsa.key_pem() + pki.intermediate.pem + pki.root.pem
    assert_error(check(text), "block 2 (PRIVATE KEY, RSA 2048-bit) must be the first block",
                 "move it to the top")


def test_a_second_key_is_an_error(pki):
    text = pki.leaf_rsa.key_pem() + pki.good_bundle()
    assert_error(check(text), "block 2 (PRIVATE KEY, RSA 2048-bit) is a second private key")


def test_a_missing_key_is_an_error(pki):
    assert_error(check(pki.leaf_rsa.pem + pki.intermediate.pem + pki.root.pem), "no private key")


def test_trusted_certificate_block_is_an_error(pki):
    text = pki.good_bundle().replace("CERTIFICATE-----", "TRUSTED CERTIFICATE-----")
    report = check(text)
    assert_error(report, "block 3 (TRUSTED CERTIFICATE)", "openssl x509")


def test_csr_is_an_error(pki):
    report = check(pki.good_bundle() + pki.csr_pem())
    assert_error(report, "block 5 (CERTIFICATE REQUEST)", "signing request", "certificate the CA issued")


def test_duplicate_certificate_is_an_error(pki):
    report = check(pki.bundle(pki.leaf_rsa, pki.intermediate, pki.intermediate, pki.root))
    assert report["errors"] == ["block 4 (CERTIFICATE, subject CN=Test Intermediate CA,O=oth.stack tests) "
                                "is a copy of block 3: remove it"]


def test_dh_parameters_before_a_certificate_are_an_error(pki):
    text = pki.leaf_rsa.key_pem() + pki.leaf_rsa.pem + pki.dh_parameters_pem() + pki.intermediate.pem + pki.root.pem
    assert_error(check(text), "block 3 (DH PARAMETERS) comes before block 5", "move them to the end")


def test_unknown_block_is_an_error(pki):
    public = pki.leaf_rsa.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    assert_error(check(pki.good_bundle() + public.decode()), "block 5 (PUBLIC KEY) does not belong")


def test_intermediate_and_root_in_reverse_order_are_an_error(pki):
    report = check(pki.bundle(pki.leaf_rsa, pki.root, pki.intermediate))
    assert_error(report, "block 2 (CERTIFICATE, subject CN=www.example.test", "put block 4 right after block 2")
    assert_error(report, "block 3 (CERTIFICATE, subject CN=Test Root CA", "not the last certificate")


def test_intermediates_in_reverse_order_are_an_error(pki):
    report = check(pki.bundle(pki.leaf_deep, pki.intermediate, pki.issuing, pki.root))
    assert_error(report, "put block 4 right after block 2")


def test_leaf_after_its_issuer_is_an_error(pki):
    text = pki.leaf_rsa.key_pem() + pki.intermediate.pem + pki.leaf_rsa.pem + pki.root.pem
    assert_error(check(text), "block 1 (PRIVATE KEY, RSA 2048-bit) belongs to block 3",
                 "put that certificate right after the key")


# --- key -------------------------------------------------------------------------------------

@pytest.mark.parametrize("key_format", ["pkcs8", "traditional"])
def test_encrypted_key_is_an_error(pki, key_format):
    text = pki.bundle(pki.leaf_rsa, pki.intermediate, pki.root,
                      key=pki.leaf_rsa.encrypted_key_pem(key_format))
    assert_error(check(text), "block 1 (", "PRIVATE KEY) is encrypted", "openssl pkey")


def test_key_of_another_certificate_is_an_error(pki):
    text = pki.bundle(pki.leaf_rsa, pki.intermediate, pki.root, key=pki.leaf_ec.key_pem())
    assert_error(check(text), "block 1 (PRIVATE KEY, EC secp256r1) does not match block 2 (CERTIFICATE, "
                 "subject CN=www.example.test", "use the key the certificate was requested with")


def test_unreadable_key_is_an_error(pki):
    junk = "-----BEGIN PRIVATE KEY-----\n{0}\n-----END PRIVATE KEY-----\n".format(
        base64.b64encode(b"not a key at all").decode())
    text = pki.bundle(pki.leaf_rsa, pki.intermediate, pki.root, key=junk)
    assert_error(check(text), "block 1 (PRIVATE KEY) cannot be loaded", "export it again")


# --- chain -----------------------------------------------------------------------------------

def test_missing_intermediate_is_an_error(pki):
    report = check(pki.bundle(pki.leaf_deep, pki.intermediate, pki.root))
    assert_error(report, "block 2 (CERTIFICATE, subject CN=app.example.test",
                 "was issued by 'CN=Test Issuing CA,O=oth.stack tests', which is not in the bundle",
                 "the intermediate 'CN=Test Issuing CA,O=oth.stack tests' is missing")


def test_same_name_intermediate_with_another_key_is_an_error(pki):
    report = check(pki.bundle(pki.leaf_rsa, pki.intermediate_rekeyed, pki.root))
    assert_error(report, "block 3 (CERTIFICATE, subject CN=Test Intermediate CA",
                 "has the name of the issuer of block 2", "but not its key", "same name")


def test_chain_from_another_ca_is_an_error(pki):
    report = check(pki.bundle(pki.leaf_rsa, pki.other_intermediate, pki.other_root))
    assert_error(report, "block 2 (CERTIFICATE, subject CN=www.example.test",
                 "'CN=Test Intermediate CA,O=oth.stack tests', which is not in the bundle",
                 "block 3 (CERTIFICATE, subject CN=Other Intermediate CA", "another CA")


def test_missing_root_is_an_error(pki):
    report = check(pki.bundle(pki.leaf_rsa, pki.intermediate))
    assert_error(report, "ends with block 3 (CERTIFICATE, subject CN=Test Intermediate CA",
                 "not a self-signed root", "append the root CA certificate 'CN=Test Root CA")


def test_issuer_that_is_not_a_ca_is_an_error(pki):
    report = check(pki.bundle(pki.leaf_under_not_a_ca, pki.not_a_ca, pki.intermediate, pki.root))
    assert_error(report, "block 3 (CERTIFICATE, subject CN=server.example.test", "is not a CA")


def test_issuer_without_key_cert_sign_is_an_error(pki):
    report = check(pki.bundle(pki.leaf_under_no_cert_sign, pki.no_cert_sign, pki.root))
    assert report["errors"] == [
        "block 3 (CERTIFICATE, subject CN=No keyCertSign CA,O=oth.stack tests) issued block 2 "
        "(CERTIFICATE, subject CN=www.example.test,O=oth.stack tests) but its keyUsage lacks "
        "keyCertSign, so clients reject what it signed: get a CA certificate that may sign certificates"]


def test_self_signed_leaf_alone_is_an_error(pki):
    root = pki.root
    text = root.key_pem() + root.pem
    assert_error(check(text), "self-signed and alone")


def test_leaf_issued_by_the_root_directly_is_a_warning(pki):
    report = check(pki.bundle(pki.leaf_direct, pki.root))
    assert_ok(report)
    assert any("no intermediate CA certificate" in w for w in report["warnings"])


# --- dates -----------------------------------------------------------------------------------

def test_expired_certificate_is_an_error(pki):
    report = check(pki.bundle(pki.leaf_expired, pki.intermediate, pki.root))
    assert_error(report, "block 2 (CERTIFICATE, subject CN=old.example.test", "expired on", "renew it")
    assert report["days_until_expiry"] < 0


def test_not_yet_valid_certificate_is_an_error(pki):
    assert_error(check(pki.bundle(pki.leaf_future, pki.intermediate, pki.root)),
                 "CN=later.example.test", "is not valid before", "clock")


def test_expiring_certificate_is_a_warning_in_a_configurable_window(pki):
    text = pki.bundle(pki.leaf_expiring, pki.intermediate, pki.root)
    report = check(text)
    assert_ok(report)
    assert any("CN=soon.example.test" in w and "renew it soon" in w for w in report["warnings"])
    assert check(text, expiry_warning_days=5)["warnings"] == []


def test_check_uses_the_given_time(pki):
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=400)
    assert_error(check(pki.good_bundle(), now=later), "expired on")


# --- strength --------------------------------------------------------------------------------

def test_rsa_key_under_2048_bits_is_an_error(pki):
    report = check(pki.bundle(pki.leaf_weak_rsa, pki.intermediate, pki.root))
    assert_error(report, "block 2 (CERTIFICATE, subject CN=weak.example.test", "RSA 1024-bit key",
                 "key too small")


def test_sha1_signed_intermediate_is_an_error(pki):
    report = check(pki.bundle(pki.leaf_under_sha1, pki.intermediate_sha1, pki.root))
    assert report["errors"] == [
        "block 3 (CERTIFICATE, subject CN=SHA-1 Intermediate CA,O=oth.stack tests) is signed with "
        "SHA1, which OpenSSL refuses ('ca md too weak'): have it reissued with SHA-256"]


def test_md5_signed_leaf_is_an_error(pki):
    assert_error(check(pki.bundle(pki.leaf_md5, pki.root)), "CN=md5.example.test", "signed with MD5")


# --- name ------------------------------------------------------------------------------------

def test_leaf_without_san_is_an_error_even_without_server_name(pki):
    assert_error(check(pki.bundle(pki.leaf_no_san, pki.intermediate, pki.root)),
                 "block 2 (CERTIFICATE, subject CN=nosan.example.test", "has no subjectAltName")


def test_server_name_not_covered_is_an_error(pki):
    assert_error(check(pki.good_bundle(), server_name="mail.example.test"),
                 "does not cover server_name 'mail.example.test'", "www.example.test, example.test")


@pytest.mark.parametrize("server_name", ["a.b.example.test", "example.test", "EXAMPLE.TEST"])
def test_wildcard_covers_exactly_one_label(pki, server_name):
    text = pki.bundle(pki.leaf_wildcard, pki.intermediate, pki.root)
    assert_error(check(text, server_name=server_name), "does not cover server_name")


@pytest.mark.parametrize("pattern, name, covered", [
    ("www.example.test", "WWW.Example.Test.", True),
    ("*.example.test", "app.example.test", True),
    ("*.example.test", "example.test", False),
    ("*.example.test", "a.b.example.test", False),
    ("*.*.example.test", "a.b.example.test", False),
    ("w*.example.test", "www.example.test", False),
])
def test_dns_name_matching(pattern, name, covered):
    assert pb._dns_name_covers(pattern, name) is covered


def test_ip_server_name_is_matched_against_ip_addresses(pki):
    assert_error(check(pki.good_bundle(), server_name="192.0.2.10"), "does not cover server_name")


# --- ordering and assembly -------------------------------------------------------------------

def cert_blocks(pki, *issued):
    return pb.split_pem("".join(i.pem for i in issued)).blocks


def test_order_chain_goes_from_the_leafs_issuer_to_the_root(pki):
    leaf, = cert_blocks(pki, pki.leaf_deep)
    pool = cert_blocks(pki, pki.root, pki.intermediate, pki.issuing)
    assert [b.cert for b in pb.order_chain(leaf, pool)] == [pki.issuing.cert, pki.intermediate.cert, pki.root.cert]


def test_order_chain_follows_signatures_not_names(pki):
    leaf, = cert_blocks(pki, pki.leaf_rsa)
    pool = cert_blocks(pki, pki.intermediate_rekeyed, pki.root, pki.intermediate)
    expected = [pki.intermediate.cert, pki.root.cert, pki.intermediate_rekeyed.cert]
    assert [b.cert for b in pb.order_chain(leaf, pool)] == expected


def test_order_chain_orders_past_a_missing_intermediate(pki):
    leaf, = cert_blocks(pki, pki.leaf_deep)
    pool = cert_blocks(pki, pki.root, pki.intermediate)
    assert [b.cert for b in pb.order_chain(leaf, pool)] == [pki.intermediate.cert, pki.root.cert]


@pytest.mark.parametrize("child, issuer", [("leaf_rsa", "intermediate"), ("intermediate", "root"),
                                           ("leaf_deep", "issuing")])
def test_signature_check_without_verify_directly_issued_by(pki, child, issuer):
    # The path for cryptography < 40 (Debian 12 ships 38) must agree with the library's.
    pb._verify_by_hand(getattr(pki, child).cert, getattr(pki, issuer).cert)
    with pytest.raises(pb.InvalidSignature):
        pb._verify_by_hand(getattr(pki, child).cert, pki.intermediate_rekeyed.cert)


def test_build_bundle_orders_a_shuffled_chain_list(pki):
    text, report = pb.build_bundle(pki.leaf_deep.key_pem(), pki.leaf_deep.pem,
                                   [pki.root.pem, pki.issuing.pem + pki.intermediate.pem])
    assert_ok(report)
    assert text == pki.bundle(pki.leaf_deep, pki.issuing, pki.intermediate, pki.root)


def test_build_bundle_takes_a_full_chain_as_certificate(pki):
    text, report = pb.build_bundle(pki.leaf_rsa.key_pem(), pki.leaf_rsa.pem + pki.root.pem,
                                   [pki.intermediate.pem])
    assert_ok(report)
    assert text == pki.good_bundle()


def test_build_bundle_normalises_bom_crlf_and_stray_text(pki):
    chain = "\ufeffintermediate:\r\n" + (pki.root.pem + pki.intermediate.pem).replace("\n", "\r\n")
    text, report = pb.build_bundle(pki.leaf_rsa.key_pem(), pki.leaf_rsa.pem, [chain])
    assert_ok(report)
    assert text == pki.good_bundle()
    assert report["warnings"] == ["chain: text outside the PEM blocks (line 1) is ignored by HAProxy "
                                  "and left out of the bundle the module writes"]


def test_build_bundle_puts_dh_parameters_last(pki):
    dh = pki.dh_parameters_pem()
    text, report = pb.build_bundle(pki.leaf_rsa.key_pem(), pki.leaf_rsa.pem,
                                   [dh, pki.root.pem, pki.intermediate.pem])
    assert_ok(report)
    assert text == pki.good_bundle() + dh


def test_build_bundle_names_the_part_with_broken_text(pki):
    broken = pki.intermediate.pem.replace("\n", "\n\n", 2)
    text, report = pb.build_bundle(pki.leaf_rsa.key_pem(), pki.leaf_rsa.pem, [broken, pki.root.pem])
    assert text is None
    assert_error(report, "chain[0]: line 2: blank line inside block 1 (CERTIFICATE")


def test_build_bundle_requires_a_certificate(pki):
    text, report = pb.build_bundle(pki.leaf_rsa.key_pem(), "", [pki.root.pem])
    assert text is None
    assert_error(report, "certificate: no CERTIFICATE block")


def test_build_bundle_reports_a_wrong_key(pki):
    text, report = pb.build_bundle(pki.leaf_ec.key_pem(), pki.leaf_rsa.pem,
                                   [pki.intermediate.pem, pki.root.pem])
    assert_error(report, "block 1 (PRIVATE KEY, EC secp256r1) does not match block 2")


def test_outline_shows_public_data_only(pki):
    text = pki.good_bundle()
    lines = pb.outline(text).splitlines()
    assert lines[0].startswith("block 1: PRIVATE KEY (RSA 2048-bit) public key sha256=")
    assert lines[1].startswith("block 2: CERTIFICATE (leaf) subject=CN=www.example.test")
    assert len(lines) == 4
    assert not any(line in pb.outline(text) for line in body_lines(pki.leaf_rsa.key_pem()))


# ---- what public clients refuse in a server certificate ---------------------------------------

def _leaf(pki, key=None, ca=False, eku=None, path_length=None, issuer=None, days=90, digital_signature=True,
          cn="www.example.test"):
    """A server certificate for www.example.test with the given oddities, under the intermediate."""
    from cryptography.hazmat.primitives.asymmetric import ec as _ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    issuer = issuer or pki.intermediate
    key = key or _ec.generate_private_key(_ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
               .issuer_name(issuer.cert.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=digital_signature, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                                            key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.SubjectAlternativeName([x509.DNSName("www.example.test")]), critical=False))
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([getattr(ExtendedKeyUsageOID, name) for name in eku]),
                                        critical=False)
    cert = builder.sign(issuer.key, hashes.SHA256())
    return type(pki.root)(cert, key)


def _report(pki, leaf, *chain):
    return check(pki.bundle(leaf, *(chain or (pki.intermediate, pki.root))), server_name="www.example.test")


def test_a_leaf_that_is_a_ca_is_refused(pki):
    assert_error(_report(pki, _leaf(pki, ca=True)), "is a CA certificate (basicConstraints CA:TRUE)")


def test_a_leaf_without_server_auth_is_refused_with_it_it_is_fine(pki):
    assert_error(_report(pki, _leaf(pki, eku=["CLIENT_AUTH"])), "its extendedKeyUsage lacks serverAuth")
    assert _report(pki, _leaf(pki, eku=["SERVER_AUTH", "CLIENT_AUTH"]))["ok"]


def test_unsuitable_key_types_are_refused(pki):
    from cryptography.hazmat.primitives.asymmetric import ec as _ec, ed25519 as _ed25519
    assert_error(_report(pki, _leaf(pki, key=_ec.generate_private_key(_ec.SECP256K1()))), "curve secp256k1")
    assert_error(_report(pki, _leaf(pki, key=_ed25519.Ed25519PrivateKey.generate())), "EdDSA key")
    assert _report(pki, _leaf(pki, key=_ec.generate_private_key(_ec.SECP384R1())))["ok"]


def test_a_key_usage_without_digital_signature_is_refused(pki):
    assert_error(_report(pki, _leaf(pki, digital_signature=False)), "keyUsage without digitalSignature")


def test_a_path_length_violation_is_refused(pki):
    limited = _leaf(pki, ca=True, path_length=0, issuer=pki.root, cn="Limited CA")  # allows no CA below it
    below = _leaf(pki, ca=True, issuer=limited, cn="Below CA")
    leaf = _leaf(pki, issuer=below)
    assert_error(_report(pki, leaf, below, limited, pki.root), "allows 0 CA certificate(s) below it")


def test_a_very_long_validity_is_a_warning(pki):
    report = _report(pki, _leaf(pki, days=825))
    assert report["ok"]
    assert any("valid for 826 days" in warning and "398" in warning for warning in report["warnings"])
