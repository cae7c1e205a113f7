#!/usr/bin/python
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: haproxy_pem
short_description: Assemble, validate and write the PEM bundle HAProxy serves
version_added: 0.1.0
author:
  - oth.stack contributors (@oth)
description:
  - Builds the single PEM file HAProxy loads with C(crt), in the order the OTH network
    requirements demand - the server private key, the server certificate, the intermediate CA
    certificate(s), the root CA certificate - from its parts, given as content or as paths on the
    managed host.
  - The chain may come in any order, as one text or a list; the module orders it from the issuer
    of the server certificate up to the root.
  - Before anything is written, the result passes the checks of the
    P(oth.stack.pem_bundle_report#filter) filter - text, order, key, chain by name and signature,
    CA flags, dates, key and signature strength, subjectAltName. On any error the existing file is
    left as it was, and the message names the block, what is wrong and how to fix it.
  - The file is written in a normalised form (no BOM, LF line ends, 64-column base64, no text
    outside the blocks) to a temporary file in the destination directory, created C(0600), then
    moved into place atomically. The same bytes give C(changed=false).
  - The diff shows subjects, issuers and fingerprints only, never key material.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff lists the blocks of the old and new file by subject, issuer, expiry and SHA-256
        fingerprint (of the public key for the private key), plus changes of owner, group and mode.
  platform:
    platforms: posix
  safe_file_operations:
    description: Uses Ansible's strict file operation functions to ensure proper permissions and avoid data corruption.
    support: full
options:
  dest:
    description:
      - Path of the bundle on the managed host, for example C(/etc/haproxy/certs/site.pem).
      - Its directory must exist.
    type: path
    required: true
  private_key:
    description:
      - The server private key, PEM text (PKCS#8 C(PRIVATE KEY), or C(RSA PRIVATE KEY) or
        C(EC PRIVATE KEY)). It must not be encrypted.
      - Exactly one of O(private_key) and O(private_key_path) is required.
    type: str
  private_key_path:
    description:
      - Path on the managed host of a file holding the server private key.
    type: path
  certificate:
    description:
      - The server (leaf) certificate, PEM text.
      - If it holds more than one certificate, the first is the server certificate and the others
        join the chain.
      - Exactly one of O(certificate) and O(certificate_path) is required.
    type: str
  certificate_path:
    description:
      - Path on the managed host of a file holding the server certificate.
    type: path
  chain:
    description:
      - The intermediate CA certificate(s) and the root CA certificate, in any order, as one PEM
        text or a list of PEM texts.
      - DH parameters (C(DH PARAMETERS)) found here are written after the certificates.
      - Exactly one of O(chain) and O(chain_path) is required.
    type: raw
  chain_path:
    description:
      - Paths on the managed host of files holding the chain, in any order.
    type: list
    elements: path
  server_name:
    description:
      - The host name (or IP address) clients connect to, usually C(oth_fqdn); the server
        certificate's subjectAltName must cover it.
      - When omitted, only the presence of a subjectAltName is checked.
    type: str
  expiry_warning_days:
    description:
      - A certificate that expires within this many days gives a warning.
    type: int
    default: 30
  owner:
    description:
      - Owner of the bundle. Defaults to the user running the module.
    type: str
  group:
    description:
      - Group of the bundle, for example C(haproxy) when HAProxy reads it after dropping root.
    type: str
  mode:
    description:
      - Permissions of the bundle, as an octal string such as C('0640') or symbolic like C(u=rw).
      - The file holds a private key; the temporary file is C(0600) whatever this says.
    type: raw
    default: '0600'
requirements:
  - cryptography >= 3.3 on the managed host
notes:
  - HAProxy before 3.3 cannot read encrypted keys, so the key must be given in clear; it is marked
    C(no_log) and never shown in results or diffs.
  - When reading local files with P(ansible.builtin.file#lookup) for O(private_key),
    O(certificate) or O(chain), pass C(rstrip=false) so the final newline is kept.
seealso:
  - plugin: oth.stack.pem_bundle_report
    plugin_type: filter
  - module: community.crypto.certificate_complete_chain
"""

EXAMPLES = r"""
- name: Install the bundle HAProxy serves
  oth.stack.haproxy_pem:
    dest: /etc/haproxy/certs/site.pem
    private_key: "{{ oth_tls_private_key }}"
    certificate: "{{ oth_tls_certificate }}"
    chain: "{{ oth_tls_chain }}"
    server_name: "{{ oth_fqdn }}"
    owner: root
    group: haproxy
    mode: '0640'
  notify: Reload haproxy

- name: Build the bundle from files already on the load balancer, chain in any order
  oth.stack.haproxy_pem:
    dest: /etc/haproxy/certs/site.pem
    private_key_path: /etc/ssl/private/site.key
    certificate_path: /etc/ssl/certs/site.crt
    chain_path:
      - /etc/ssl/certs/root-ca.pem
      - /etc/ssl/certs/intermediate-ca.pem
    server_name: telehealth.example.com
  register: bundle

- name: Warn a month ahead
  ansible.builtin.debug:
    msg: "{{ bundle.summary }}"
  when: bundle.days_until_expiry < 30
"""

RETURN = r"""
dest:
  description: Path of the bundle.
  returned: always
  type: str
  sample: /etc/haproxy/certs/site.pem
summary:
  description: One line on the key, the server certificate, the intermediates, the root and the first expiry.
  returned: success
  type: str
  sample: >-
    EC secp256r1 key, leaf CN=telehealth.example.com (telehealth.example.com), 1 intermediate(s),
    root CN=Example Root CA; first expiry 2026-03-01T12:00:00Z, in 89 day(s)
not_after:
  description: End of validity of the first certificate of the bundle to expire, ISO 8601 UTC.
  returned: success
  type: str
  sample: '2026-03-01T12:00:00Z'
days_until_expiry:
  description: Whole days until RV(not_after).
  returned: success
  type: int
  sample: 89
blocks:
  description:
    - The blocks of the written bundle (on failure, of the rejected one), public data only; see the
      P(oth.stack.pem_bundle_report#filter) filter for the fields.
  returned: success, and failure of the checks
  type: list
  elements: dict
  sample:
    - index: 2
      line: 6
      kind: CERTIFICATE
      role: leaf
      subject: CN=telehealth.example.com
      issuer: CN=Example Intermediate CA
      not_after: '2026-03-01T12:00:00Z'
      sha256_fingerprint: '4F:51:66:...:5F:81'
      public_key: EC secp256r1
      san: [telehealth.example.com]
errors:
  description: One message per problem, naming the block, what is wrong and how to fix it.
  returned: failure
  type: list
  elements: str
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.oth.stack.plugins.module_utils.pem_bundle import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    build_bundle,
    outline,
)


def read_text(module, path, option):
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        module.fail_json(msg="{0}: cannot read {1}: {2}".format(option, path, exc.strerror))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        module.fail_json(msg="{0}: {1} is not PEM text (binary DER, or UTF-16?): convert DER with "
                             "`openssl x509 -inform DER -in {1}`, or save it as UTF-8".format(option, path))


def chain_texts(module):
    if module.params["chain_path"] is not None:
        return [read_text(module, path, "chain_path") for path in module.params["chain_path"]]
    chain = module.params["chain"]
    chain = [chain] if isinstance(chain, str) else chain
    if not isinstance(chain, list) or not all(isinstance(item, str) for item in chain):
        module.fail_json(msg="chain must be PEM text or a list of PEM texts")
    return chain


def write_atomically(module, dest, content):
    """Write through a 0600 temp file in dest's directory, then rename: readers see the old file
    or the new one, never a partial one, and the key is never more readable than asked."""
    handle, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".{0}.".format(os.path.basename(dest)))
    module.add_cleanup_file(tmp)
    with os.fdopen(handle, "wb") as stream:
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())
    # atomic_move gives a new dest 0666 minus the umask before our mode applies: keep that 0600.
    umask = os.umask(0o077)
    try:
        module.atomic_move(tmp, dest)
    except Exception as exc:
        module.fail_json(msg="cannot move the new bundle into place at {0}: {1}".format(dest, exc))
    finally:
        os.umask(umask)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            private_key=dict(type="str", no_log=True),
            private_key_path=dict(type="path", no_log=False),
            certificate=dict(type="str"),
            certificate_path=dict(type="path"),
            chain=dict(type="raw"),
            chain_path=dict(type="list", elements="path"),
            server_name=dict(type="str"),
            expiry_warning_days=dict(type="int", default=30),
            owner=dict(type="str"),
            group=dict(type="str"),
            mode=dict(type="raw", default="0600"),
        ),
        mutually_exclusive=[("private_key", "private_key_path"), ("certificate", "certificate_path"),
                            ("chain", "chain_path")],
        required_one_of=[("private_key", "private_key_path"), ("certificate", "certificate_path"),
                         ("chain", "chain_path")],
        supports_check_mode=True,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    dest = params["dest"]
    if not os.path.isdir(os.path.dirname(dest) or "."):
        module.fail_json(msg="dest: the directory of {0} does not exist: create it first".format(dest))

    private_key = params["private_key"]
    if private_key is None:
        private_key = read_text(module, params["private_key_path"], "private_key_path")
    certificate = params["certificate"]
    if certificate is None:
        certificate = read_text(module, params["certificate_path"], "certificate_path")
    bundle, report = build_bundle(private_key, certificate, chain_texts(module),
                                  params["server_name"], params["expiry_warning_days"])
    for warning in report["warnings"]:
        module.warn(warning)
    if not report["ok"]:
        module.fail_json(msg="nothing was written to {0}: the bundle has {1} problem(s):\n- {2}".format(
            dest, len(report["errors"]), "\n- ".join(report["errors"])),
            dest=dest, errors=report["errors"], blocks=report["blocks"])

    content = bundle.encode("ascii")
    try:
        with open(dest, "rb") as handle:
            current = handle.read()
    except FileNotFoundError:
        current = None
    content_changed = current != content
    file_args = module.load_file_common_arguments(params)
    attributes_diff = dict(before=dict(path=dest), after=dict(path=dest))
    changed = content_changed
    if current is not None:
        # atomic_move gives the new file the attributes of the old one: set them first.
        changed = module.set_fs_attributes_if_different(file_args, changed, diff=attributes_diff)
    if content_changed and not module.check_mode:
        write_atomically(module, dest, content)
        module.set_fs_attributes_if_different(file_args, True)

    result = dict(changed=changed, dest=dest, summary=report["summary"], not_after=report["not_after"],
                  days_until_expiry=report["days_until_expiry"], blocks=report["blocks"])
    if module._diff:
        before = "" if current is None else outline(current.decode("utf-8", "replace"))
        result["diff"] = [dict(before_header=dest, after_header=dest, before=before, after=outline(bundle)),
                          attributes_diff]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
