# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network matrix and the TLS bundle as Kubernetes manifests; the logic lives in
module_utils/kubernetes_manifests.py.

Their documentation is in kubernetes_network_policies.yml and kubernetes_tls_secret.yml next to
this file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError


def kubernetes_network_policies(matrix, variables, settings, groups=None):
    # Imported here, not with the file: netaddr and cryptography only when needed.
    from ansible_collections.oth.stack.plugins.module_utils import kubernetes_manifests

    try:
        return kubernetes_manifests.network_policies(matrix, dict(variables), dict(settings), groups)
    except kubernetes_manifests.KubernetesError as exc:
        raise AnsibleFilterError("oth.stack.kubernetes_network_policies: %s" % exc)


def kubernetes_tls_secret(parts, name, namespace, server_name=None):
    from ansible_collections.oth.stack.plugins.module_utils import kubernetes_manifests

    parts = dict(parts)
    try:
        secret, _report = kubernetes_manifests.tls_secret(
            parts.get("private_key") or "", parts.get("certificate") or "", parts.get("chain") or [],
            name, namespace, server_name)
    except kubernetes_manifests.KubernetesError as exc:
        raise AnsibleFilterError("oth.stack.kubernetes_tls_secret: %s" % exc)
    return secret


class FilterModule:
    def filters(self):
        return {
            "kubernetes_network_policies": kubernetes_network_policies,
            "kubernetes_tls_secret": kubernetes_tls_secret,
        }
