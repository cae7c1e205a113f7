# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: pem_bundle_report
short_description: Check a HAProxy PEM bundle (key, certificate, intermediates, root)
version_added: 0.1.0
author:
  - oth.stack contributors (@oth)
description:
  - Checks the text of a PEM bundle as HAProxy loads it, in the order the OTH network requirements
    demand - the server private key, the server certificate, the intermediate CA certificate(s),
    the root CA certificate - and optionally DH parameters after the certificates.
  - "Text: glued blocks (no newline between C(-----END) and C(-----BEGIN)), blank or garbage lines
    inside the base64, indented lines and NUL bytes are errors; a BOM and CRLF line ends are
    accepted; text outside the blocks is a warning."
  - "Inventory and order: exactly one private key, first; then the leaf; then intermediates, each
    issuing the one before; then the self-signed root. C(TRUSTED CERTIFICATE) blocks, certificate
    signing requests and duplicate certificates are errors."
  - "Key: loads, is not encrypted (HAProxy before 3.3 cannot ask for a passphrase), and matches
    the leaf certificate."
  - "Chain: each certificate is issued by the next, by name and by signature; each issuer is a CA
    (basicConstraints CA:TRUE, keyUsage keyCertSign when present). A missing intermediate, a
    same-name intermediate with another key and a chain from another CA are reported as such."
  - "Dates and strength: every certificate is valid now (a warning within O(expiry_warning_days)
    of its expiry); RSA keys under 2048 bits, EC keys under 224 bits and MD5 or SHA-1 signatures
    below the root are errors, as OpenSSL refuses them."
  - "Name: the leaf must have a subjectAltName, and with O(server_name) it must cover that name
    (one left-most wildcard label at most)."
  - A bad bundle is reported, not raised; only arguments of the wrong type raise an error.
  - The M(oth.stack.haproxy_pem) module runs the same checks before it writes a bundle.
positional: server_name, expiry_warning_days
options:
  _input:
    description:
      - The PEM text of the bundle.
      - When reading it with P(ansible.builtin.file#lookup), pass C(rstrip=false) so the final
        newline is kept.
    type: string
    required: true
  server_name:
    description:
      - The host name (or IP address) clients connect to; the leaf's subjectAltName must cover it.
      - When omitted, only the presence of a subjectAltName is checked.
    type: string
  expiry_warning_days:
    description:
      - A certificate that expires within this many days gives a warning.
    type: integer
    default: 30
requirements:
  - cryptography >= 3.3 on the controller
seealso:
  - module: oth.stack.haproxy_pem
"""

EXAMPLES = r"""
- name: Check the bundle before deploying it
  ansible.builtin.assert:
    that: report.ok
    fail_msg: "{{ report.errors | join(' | ') }}"
    quiet: true
  vars:
    report: >-
      {{ lookup('ansible.builtin.file', 'files/site.pem', rstrip=false)
         | oth.stack.pem_bundle_report(server_name=oth_fqdn) }}

- name: Read the bundle on the load balancer
  ansible.builtin.slurp:
    src: /etc/haproxy/certs/site.pem
  register: bundle

- name: Show what it holds and when it expires
  ansible.builtin.debug:
    msg: "{{ (bundle.content | b64decode | oth.stack.pem_bundle_report(expiry_warning_days=45)).summary }}"
"""

RETURN = r"""
_value:
  description: The report on the bundle.
  type: dict
  contains:
    ok:
      description: Whether the bundle has no errors.
      type: bool
    errors:
      description:
        - One message per problem; each names the block (for example
          C(block 3 (CERTIFICATE, subject CN=Example Intermediate\)), what is wrong and how to fix it.
      type: list
      elements: string
    warnings:
      description: Problems that do not stop HAProxy or clients, such as a close expiry date.
      type: list
      elements: string
    blocks:
      description:
        - One entry per PEM block, in the order of the text. Only public data, never key material.
      type: list
      elements: dict
      contains:
        index:
          description: Position of the block, from 1.
          type: int
        line:
          description: Line of its C(-----BEGIN) line.
          type: int
        kind:
          description: The PEM label, for example C(CERTIFICATE), C(PRIVATE KEY), C(RSA PRIVATE KEY).
          type: string
        role:
          description: C(private_key), C(leaf), C(intermediate), C(root), C(dh_parameters) or C(other).
          type: string
        subject:
          description: Subject of a certificate (RFC 4514), else V(null).
          type: string
        issuer:
          description: Issuer of a certificate (RFC 4514), else V(null).
          type: string
        not_after:
          description: End of validity of a certificate, ISO 8601 UTC, else V(null).
          type: string
        sha256_fingerprint:
          description:
            - SHA-256 of a certificate (as C(openssl x509 -fingerprint -sha256) shows it), or for a
              private key the SHA-256 of its public key (SubjectPublicKeyInfo DER).
          type: string
        public_key:
          description: Public key type and size, for example C(RSA 2048-bit) or C(EC secp256r1).
          type: string
        san:
          description: DNS names and IP addresses of a certificate's subjectAltName.
          type: list
          elements: string
    not_after:
      description: End of validity of the first certificate to expire, or V(null).
      type: string
    days_until_expiry:
      description: Whole days until that date (negative once expired), or V(null).
      type: int
    summary:
      description: One line on the key, leaf, intermediates, root and first expiry, or V(null).
      type: string
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.basic import missing_required_lib


def pem_bundle_report(bundle_text, server_name=None, expiry_warning_days=30):
    """Report on a HAProxy PEM bundle; see DOCUMENTATION."""
    # Imported here, not with the file (as in hosts_entries.py): cryptography only when needed.
    from ansible_collections.oth.stack.plugins.module_utils.pem_bundle import HAS_CRYPTOGRAPHY, check_bundle

    if not isinstance(bundle_text, str):
        raise AnsibleFilterError("oth.stack.pem_bundle_report: the input must be the PEM text of the "
                                 "bundle, not {0}".format(type(bundle_text).__name__))
    if server_name is not None and not isinstance(server_name, str):
        raise AnsibleFilterError("oth.stack.pem_bundle_report: server_name must be a string, not {0}"
                                 .format(type(server_name).__name__))
    if isinstance(expiry_warning_days, bool) or not isinstance(expiry_warning_days, int) \
            or expiry_warning_days < 0:
        raise AnsibleFilterError("oth.stack.pem_bundle_report: expiry_warning_days must be a "
                                 "non-negative integer, not {0!r}".format(expiry_warning_days))
    if not HAS_CRYPTOGRAPHY:
        raise AnsibleFilterError("oth.stack.pem_bundle_report: " + missing_required_lib("cryptography"))
    return check_bundle(bundle_text, server_name, expiry_warning_days)


class FilterModule:
    def filters(self):
        return {"pem_bundle_report": pem_bundle_report}
