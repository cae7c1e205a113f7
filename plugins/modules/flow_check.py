#!/usr/bin/python
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: flow_check
short_description: Check from a managed node that network flows work (DNS, TCP, TLS)
version_added: 0.1.0
description:
  - Checks a list of flows from the managed node in one module call and returns one result per
    flow, ready to print as a table.
  - A C(resolve) flow resolves a name with the node's own resolver (C(getaddrinfo), so
    C(/etc/hosts) and DNS as the node's C(nsswitch.conf) orders them) and optionally compares the
    addresses with the expected ones.
  - A C(tcp) flow opens a TCP connection to O(flows[].host):O(flows[].port) within a timeout and
    closes it again.
  - A C(tls) flow connects and completes a TLS handshake; by default the certificate must verify
    against the system trust store, O(flows[].ca_file) or O(flows[].ca_pem), for
    O(flows[].server_name).
  - An C(https) flow does what a C(tls) flow does, then sends C(GET) O(flows[].path) over the
    verified session and expects one of O(flows[].expect_status).
  - All flows run concurrently in threads; the whole call returns within O(deadline) seconds even
    if a resolver hangs.
  - A failed flow does not fail the task unless O(fail_on_error=true); the caller decides.
  - Flows with O(flows[].test=false) are listed in the results with status C(not tested) and no
    traffic is sent for them, so a report can show flows it was told not to try.
author:
  - oth.stack contributors (@oth)
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads (resolves, connects, closes); it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  flows:
    description: The flows to check.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: A label for the report. Defaults to C(flow N).
        type: str
      kind:
        description: What to check.
        type: str
        choices: [resolve, tcp, tls, https]
        default: tcp
      host:
        description: The name to resolve, or the name or address to connect to.
        type: str
        required: true
      port:
        description: The TCP port. Required for C(tcp) and C(tls).
        type: int
      expect:
        description:
          - For C(resolve), addresses that the name must resolve to (each must be among the
            results). Empty means any successful resolution passes.
        type: list
        elements: str
      timeout:
        description: Seconds allowed for this flow's connect and handshake. Defaults to O(timeout).
        type: float
      server_name:
        description: For C(tls) and C(https), the name sent in SNI and checked against the certificate. Defaults to O(flows[].host).
        type: str
      verify:
        description: For C(tls) and C(https), whether the certificate must verify. With C(false) only the handshake is checked.
        type: bool
        default: true
      ca_file:
        description: For C(tls) and C(https), a CA bundle file on the managed node to verify against instead of the system store.
        type: path
      ca_pem:
        description: For C(tls) and C(https), CA certificates as PEM text to verify against instead of the system store.
        type: str
      required:
        description: Whether a failure of this flow counts for O(fail_on_error) and RV(summary.failed_required).
        type: bool
        default: true
      test:
        description: With C(false) the flow is reported as C(not tested) and no traffic is sent.
        type: bool
        default: true
      reason:
        description: The detail shown for a flow that is not tested.
        type: str
      path:
        description: For C(https), the path to request.
        type: str
        default: /
      expect_status:
        description: For C(https), the HTTP status codes that pass.
        type: list
        elements: int
        default: [200]
  timeout:
    description: Default seconds per flow for resolution, connect and handshake.
    type: float
    default: 3
  deadline:
    description: Seconds after which every flow still running is reported as failed.
    type: float
    default: 10
  max_workers:
    description: Flows checked at the same time.
    type: int
    default: 16
  title:
    description: A first line for RV(table), for example the node's name.
    type: str
  fail_on_error:
    description: Fail the task when a required flow failed. The results are returned either way.
    type: bool
    default: false
notes:
  - UDP flows are not checked; there is no reply to wait for in general.
seealso:
  - name: oth.stack preflight playbook
    description: C(playbooks/preflight.yml) builds the flows of the OTH network requirements for each node and prints this module's table.
    link: https://github.com/oth/oth.stack/blob/main/playbooks/preflight.yml
"""

EXAMPLES = r"""
- name: Check the database, the message broker and the public name from an application node
  oth.stack.flow_check:
    title: "{{ inventory_hostname }}"
    flows:
      - name: FQDN resolves to the load balancer
        kind: resolve
        host: mytelehealth-solution.com
        expect: [203.0.113.10]
      - name: MariaDB
        host: 10.0.0.20
        port: 3306
      - name: HTTPS via the load balancer
        kind: tls
        host: mytelehealth-solution.com
        port: 443
        ca_pem: "{{ lookup('ansible.builtin.file', 'root-ca.pem', rstrip=false) }}"
      - name: Android push
        host: fcm.googleapis.com
        port: 443
        test: false
        reason: outside service, not tested
  register: flows

- name: Show the table
  ansible.builtin.debug:
    msg: "{{ flows.table }}"
"""

RETURN = r"""
results:
  description: One entry per flow, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The flow's label.
      type: str
      sample: MariaDB
    kind:
      description: C(resolve), C(tcp) or C(tls).
      type: str
      sample: tcp
    target:
      description: The name resolved, or C(host:port).
      type: str
      sample: 10.0.0.20:3306
    ok:
      description: C(true) passed, C(false) failed, C(null) not tested.
      type: bool
      sample: true
    status:
      description: C(pass), C(fail) or C(not tested).
      type: str
      sample: pass
    required:
      description: Whether the flow is required.
      type: bool
      sample: true
    detail:
      description: What was seen, or why it failed.
      type: str
      sample: connected to 10.0.0.20
    elapsed_ms:
      description: Milliseconds the check took.
      type: int
      sample: 3
summary:
  description: Counts over the results.
  returned: always
  type: dict
  contains:
    total:
      description: Number of flows.
      type: int
    passed:
      description: Flows that passed.
      type: int
    failed:
      description: Flows that failed, required or not.
      type: int
    not_tested:
      description: Flows not tried.
      type: int
    failed_required:
      description: The required flows that failed, each as C(name (target)).
      type: list
      elements: str
  sample: {total: 3, passed: 2, failed: 1, not_tested: 0, failed_required: ["MariaDB (10.0.0.20:3306)"]}
table:
  description: The results as an aligned plain-text table, one line per flow, after O(title) if given.
  returned: always
  type: str
  sample: "RESULT  FLOW     KIND  TARGET           MS  DETAIL\nPASS    MariaDB  tcp   10.0.0.20:3306   2   connected to 10.0.0.20"
elapsed_ms:
  description: Milliseconds the whole call took.
  returned: always
  type: int
  sample: 12
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oth.stack.plugins.module_utils.flow_check import (
    KINDS,
    FlowError,
    render_table,
    run_flows,
    summarize,
)

FLOW_SPEC = dict(
    name=dict(type="str"),
    kind=dict(type="str", choices=list(KINDS), default="tcp"),
    host=dict(type="str", required=True),
    port=dict(type="int"),
    expect=dict(type="list", elements="str"),
    timeout=dict(type="float"),
    server_name=dict(type="str"),
    verify=dict(type="bool", default=True),
    ca_file=dict(type="path"),
    ca_pem=dict(type="str"),
    required=dict(type="bool", default=True),
    test=dict(type="bool", default=True),
    reason=dict(type="str"),
    path=dict(type="str", default="/"),
    expect_status=dict(type="list", elements="int", default=[200]),
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            flows=dict(type="list", elements="dict", required=True, options=FLOW_SPEC,
                       required_if=[("kind", "tcp", ["port"]), ("kind", "tls", ["port"]), ("kind", "https", ["port"])]),
            timeout=dict(type="float", default=3.0),
            deadline=dict(type="float", default=10.0),
            max_workers=dict(type="int", default=16),
            title=dict(type="str"),
            fail_on_error=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    started = time.monotonic()
    try:
        results = run_flows(params["flows"], deadline=params["deadline"],
                            max_workers=params["max_workers"], default_timeout=params["timeout"])
    except FlowError as exc:
        module.fail_json(msg="flows: %s" % exc)
    summary = summarize(results)
    output = dict(
        changed=False,
        results=results,
        summary=summary,
        table=render_table(results, params["title"]),
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )
    if params["fail_on_error"] and summary["failed_required"]:
        module.fail_json(msg="required flows failed: %s" % ", ".join(summary["failed_required"]), **output)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
