# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: pem_parts_report
short_description: Assemble a HAProxy PEM bundle from its parts and check it, as haproxy_pem does
version_added: 0.1.0
author:
  - oth.stack contributors (@oth)
description:
  - Takes the private key, the server certificate and the chain (in any order), assembles them
    in HAProxy's order exactly as M(oth.stack.haproxy_pem) does, and checks the result with
    P(oth.stack.pem_bundle_report#filter)'s checks.
  - Returns that filter's report, plus the SHA-256 of the assembled bundle, so a role can tell
    whether the bundle on a host already is the wanted one without the key leaving the host.
  - Runs in the controller's own process. C(oth.stack.haproxy) uses it to check the parts before
    it touches the host; the module checks them again when it writes.
positional: server_name, expiry_warning_days
options:
  _input:
    description:
      - The parts - C(private_key) and C(certificate) (PEM text), and C(chain) (PEM text with one
        or more certificates, or a list of them, in any order).
    type: dict
    required: true
  server_name:
    description: The host name clients connect to; the leaf's subjectAltName must cover it.
    type: string
  expiry_warning_days:
    description: A certificate that expires within this many days gives a warning.
    type: integer
    default: 30
requirements:
  - cryptography >= 3.3 on the controller
seealso:
  - plugin: oth.stack.pem_bundle_report
    plugin_type: filter
  - module: oth.stack.haproxy_pem
"""

EXAMPLES = r"""
- name: Check the parts before anything on the host changes
  ansible.builtin.set_fact:
    bundle_report: >-
      {{ {'private_key': vault_tls_key, 'certificate': tls_certificate, 'chain': tls_chain}
         | oth.stack.pem_parts_report(server_name=oth_fqdn) }}

- name: Stop on a bad bundle
  ansible.builtin.fail:
    msg: "{{ bundle_report.errors | join(' | ') }}"
  when: not bundle_report.ok
"""

RETURN = r"""
_value:
  description:
    - The report of P(oth.stack.pem_bundle_report#filter) on the assembled bundle (C(ok),
      C(errors), C(warnings), C(blocks), C(not_after), C(days_until_expiry), C(summary)), plus
      C(sha256).
    - Errors in a part are named after it (C(private_key), C(certificate), C(chain[1])).
  type: dict
  contains:
    sha256:
      description: The SHA-256 (hex) of the assembled bundle, as C(sha256sum) prints it; V(null)
        when a part cannot be read.
      type: string
"""

import hashlib

from ansible.errors import AnsibleFilterError
from ansible.module_utils.basic import missing_required_lib


def pem_parts_report(parts, server_name=None, expiry_warning_days=30):
    """Report on the bundle haproxy_pem would build from these parts; see DOCUMENTATION."""
    # Imported here, not with the file (as in hosts_entries.py): cryptography only when needed.
    from ansible_collections.oth.stack.plugins.module_utils.pem_bundle import HAS_CRYPTOGRAPHY, build_bundle

    name = "oth.stack.pem_parts_report"
    if not isinstance(parts, dict):
        raise AnsibleFilterError("{0}: the input must be a dict of private_key, certificate and chain, "
                                 "not {1}".format(name, type(parts).__name__))
    chain = parts.get("chain") or []
    chain = [chain] if isinstance(chain, str) else list(chain)
    texts = [parts.get("private_key"), parts.get("certificate")] + chain
    if not all(isinstance(text, str) for text in texts):
        raise AnsibleFilterError("{0}: private_key, certificate and every chain item must be PEM text"
                                 .format(name))
    if not HAS_CRYPTOGRAPHY:
        raise AnsibleFilterError("{0}: {1}".format(name, missing_required_lib("cryptography")))
    bundle, report = build_bundle(parts["private_key"], parts["certificate"], chain, server_name,
                                  expiry_warning_days)
    # The same bytes haproxy_pem writes.
    report["sha256"] = None if bundle is None else hashlib.sha256(bundle.encode("ascii")).hexdigest()
    return report


class FilterModule:
    def filters(self):
        return {"pem_parts_report": pem_parts_report}
