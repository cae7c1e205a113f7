#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Throwaway TLS material for the lab and the tests: a root CA, an intermediate CA and a server
certificate for the lab FQDN, and an SSH key for the lab's staff account. Never committed;
regenerated on demand.

    lab-pki.py DIR [--fqdn NAME] [--renew]

--renew issues a new server certificate (new key, new serial) from the existing CAs, the way a
customer's certificate renewal looks to HAProxy.
"""
import argparse
import datetime
import os
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

DEFAULT_FQDN = "telehealth.oth-lab.test"


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "oth.stack lab"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(subject, public_key, issuer, issuer_key, *, ca, san=None, days=365):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=ca, crl_sign=ca,
                                            content_commitment=False, key_encipherment=not ca,
                                            data_encipherment=False, key_agreement=False,
                                            encipher_only=False, decipher_only=False), critical=True))
    # Key identifiers let strict verifiers (openssl verify -x509_strict) link the chain.
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    if issuer_key is not None and subject != issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in san]),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path, data, private=False):
    # Keys are created 0600 from the start, never world-readable for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _load_key(path):
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=pathlib.Path)
    parser.add_argument("--fqdn", default=DEFAULT_FQDN)
    parser.add_argument("--renew", action="store_true", help="reissue only the server certificate")
    args = parser.parse_args()
    out = args.directory
    out.mkdir(parents=True, exist_ok=True)

    if args.renew:
        intermediate = x509.load_pem_x509_certificate((out / "intermediate-ca.pem").read_bytes())
        intermediate_key = _load_key(out / "intermediate-ca.key")
    else:
        root_key = ec.generate_private_key(ec.SECP384R1())
        root = _issue(_name("oth.stack lab root CA"), root_key.public_key(),
                      _name("oth.stack lab root CA"), root_key, ca=True, days=3650)
        intermediate_key = ec.generate_private_key(ec.SECP384R1())
        intermediate = _issue(_name("oth.stack lab intermediate CA"), intermediate_key.public_key(),
                              root.subject, root_key, ca=True, days=1825)
        _write(out / "root-ca.pem", _pem(root))
        _write(out / "intermediate-ca.pem", _pem(intermediate))
        _write(out / "intermediate-ca.key", _key_pem(intermediate_key), private=True)
        staff_key = ed25519.Ed25519PrivateKey.generate()
        _write(out / "staff_ed25519", staff_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption()), private=True)
        _write(out / "staff_ed25519.pub", staff_key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH) + b" staff@oth-lab\n")

    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _issue(_name(args.fqdn), server_key.public_key(), intermediate.subject,
                    intermediate_key, ca=False, san=[args.fqdn], days=90)
    _write(out / "server.key", _key_pem(server_key), private=True)
    _write(out / "server.pem", _pem(server))
    print(f"{out}: server certificate for {args.fqdn}, serial {server.serial_number:x}")


if __name__ == "__main__":
    main()
