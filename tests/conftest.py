# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A throwaway PKI made at test time (no key is ever stored in the repository).

Good material: a root CA, an intermediate, a second intermediate below it, RSA and EC leaves,
a wildcard leaf. Broken material: expired, expiring, not yet valid, 1024-bit RSA, SHA-1 and MD5
signatures, a same-name intermediate with another key, another CA's chain, issuers that are not
CAs, a leaf without SAN, a CSR, and DH parameters.
"""

from __future__ import annotations

import datetime
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)

# DER of the AlgorithmIdentifier OIDs, all nine bytes long so they can be swapped in place.
SHA256_WITH_RSA = bytes.fromhex("2a864886f70d01010b")
WEAK_WITH_RSA = {"sha1": bytes.fromhex("2a864886f70d010105"),
                 "md5": bytes.fromhex("2a864886f70d010104")}


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "oth.stack tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class Issued:
    """A certificate and its private key."""

    def __init__(self, cert, key):
        self.cert = cert
        self.key = key

    @property
    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def key_pem(self, fmt="pkcs8"):
        private_format = {"pkcs8": serialization.PrivateFormat.PKCS8,
                          "traditional": serialization.PrivateFormat.TraditionalOpenSSL}[fmt]
        return self.key.private_bytes(serialization.Encoding.PEM, private_format,
                                      serialization.NoEncryption()).decode()

    def encrypted_key_pem(self, fmt="pkcs8"):
        private_format = {"pkcs8": serialization.PrivateFormat.PKCS8,
                          "traditional": serialization.PrivateFormat.TraditionalOpenSSL}[fmt]
        return self.key.private_bytes(serialization.Encoding.PEM, private_format,
                                      serialization.BestAvailableEncryption(b"secret")).decode()


def _resign_weak(cert, issuer_key, hash_name):
    """Re-sign an RSA-signed certificate with MD5 or SHA-1, which cryptography no longer does:
    swap the algorithm OID (same length) and replace the signature (same length)."""
    tbs = cert.tbs_certificate_bytes.replace(SHA256_WITH_RSA, WEAK_WITH_RSA[hash_name])
    algorithm = {"sha1": hashes.SHA1(), "md5": hashes.MD5()}[hash_name]
    signature = issuer_key.sign(tbs, padding.PKCS1v15(), algorithm)
    der = cert.public_bytes(serialization.Encoding.DER)
    der = der.replace(cert.tbs_certificate_bytes, tbs).replace(SHA256_WITH_RSA, WEAK_WITH_RSA[hash_name])
    return x509.load_der_x509_certificate(der.replace(cert.signature, signature))


def issue(common_name, issuer=None, key=None, ca=False, san=("www.example.test",), key_cert_sign=None,
          not_before=None, not_after=None, weak_hash=None, subject=None):
    """Issue a certificate; issuer None means self-signed."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = subject or _name(common_name)
    signer_name, signer_key = (issuer.cert.subject, issuer.key) if issuer else (subject, key)
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(signer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before or NOW - DAY)
               .not_valid_after(not_after or NOW + 365 * DAY)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=True, content_commitment=False, key_encipherment=not ca,
                   data_encipherment=False, key_agreement=False,
                   key_cert_sign=ca if key_cert_sign is None else key_cert_sign,
                   crl_sign=ca, encipher_only=False, decipher_only=False), critical=True))
    if san and not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in san]), critical=False)
    cert = builder.sign(signer_key, hashes.SHA256())
    if weak_hash:
        cert = _resign_weak(cert, signer_key, weak_hash)
    return Issued(cert, key)


def rsa_key(bits=2048):
    return rsa.generate_private_key(65537, bits)


class Pki:
    def __init__(self):
        self.root = issue("Test Root CA", key=rsa_key(), ca=True, not_after=NOW + 3650 * DAY)
        self.intermediate = issue("Test Intermediate CA", self.root, ca=True)
        self.issuing = issue("Test Issuing CA", self.intermediate, ca=True)
        self.leaf_rsa = issue("www.example.test", self.intermediate, key=rsa_key(),
                              san=("www.example.test", "example.test"))
        self.leaf_ec = issue("www.example.test", self.intermediate)
        self.leaf_wildcard = issue("*.example.test", self.intermediate, san=("*.example.test",))
        self.leaf_deep = issue("app.example.test", self.issuing, san=("app.example.test",))
        self.leaf_direct = issue("direct.example.test", self.root, san=("direct.example.test",))
        # broken
        self.leaf_expired = issue("old.example.test", self.intermediate,
                                  not_before=NOW - 400 * DAY, not_after=NOW - 10 * DAY)
        self.leaf_expiring = issue("soon.example.test", self.intermediate, not_after=NOW + 10 * DAY)
        self.leaf_future = issue("later.example.test", self.intermediate, not_before=NOW + 10 * DAY)
        self.leaf_weak_rsa = issue("weak.example.test", self.intermediate, key=rsa_key(1024))
        self.leaf_no_san = issue("nosan.example.test", self.intermediate, san=())
        self.leaf_md5 = issue("md5.example.test", self.root, weak_hash="md5")
        self.intermediate_sha1 = issue("SHA-1 Intermediate CA", self.root, ca=True, weak_hash="sha1")
        self.leaf_under_sha1 = issue("www.example.test", self.intermediate_sha1)
        self.root_sha1 = issue("SHA-1 Root CA", key=rsa_key(), ca=True, weak_hash="sha1")
        self.intermediate_under_sha1_root = issue("Below SHA-1 Root CA", self.root_sha1, ca=True)
        self.leaf_under_sha1_root = issue("www.example.test", self.intermediate_under_sha1_root)
        # same subject as self.intermediate, another key
        self.intermediate_rekeyed = issue(None, self.root, ca=True, subject=self.intermediate.cert.subject)
        self.other_root = issue("Other Root CA", ca=True)
        self.other_intermediate = issue("Other Intermediate CA", self.other_root, ca=True)
        self.not_a_ca = issue("server.example.test", self.intermediate)
        self.leaf_under_not_a_ca = issue("www.example.test", self.not_a_ca)
        self.no_cert_sign = issue("No keyCertSign CA", self.root, ca=True, key_cert_sign=False)
        self.leaf_under_no_cert_sign = issue("www.example.test", self.no_cert_sign)

    def bundle(self, leaf, *chain, key=None, key_format="pkcs8"):
        """Key, leaf, then the chain as given."""
        key_pem = key if key is not None else leaf.key_pem(key_format)
        return key_pem + leaf.pem + "".join(c.pem for c in chain)

    def good_bundle(self):
        return self.bundle(self.leaf_rsa, self.intermediate, self.root)

    def csr_pem(self):
        key = self.leaf_ec.key
        csr = (x509.CertificateSigningRequestBuilder().subject_name(_name("www.example.test"))
               .sign(key, hashes.SHA256()))
        return csr.public_bytes(serialization.Encoding.PEM).decode()

    @staticmethod
    def dh_parameters_pem():
        # cryptography deprecates finite-field DH; HAProxy still reads the parameters. The size
        # does not matter to the checks, and 512 bits is generated in a blink.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from cryptography.hazmat.primitives.asymmetric import dh
            parameters = dh.generate_parameters(generator=2, key_size=512)
            return parameters.parameter_bytes(serialization.Encoding.PEM,
                                              serialization.ParameterFormat.PKCS3).decode()


@pytest.fixture(scope="session")
def pki():
    return Pki()
