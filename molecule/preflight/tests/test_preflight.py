# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/preflight.yml against listeners this test starts: the table reports them passing,
and a stopped listener failing, with the playbook failing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from pf_helpers import ROOT, SCENARIO, pki_dir, playbook

PREFLIGHT = ROOT / "playbooks" / "preflight.yml"
LISTENERS = SCENARIO / "listeners.yml"
REQUIRED_ROWS = {
    "pf-lb1": ["ssh_from_bastion pf-app1", "ssh_from_bastion pf-storage1", "application_traefik pf-app1"],
    "pf-app1": ["oth_fqdn resolves to oth_public_ip", "https telehealth.oth-lab.test", "mariadb pf-storage1",
                "rabbitmq pf-storage1", "minio pf-storage1"],
}
OUTSIDE_ROWS = ["android_push fcm.googleapis.com", "ios_push gateway.push.apple.com", "sms api.twilio.com",
                "video platform.vidyo.io"]


def _rows(out):
    """{(node, flow): [status, ...]} from the printed tables."""
    rows = {}
    current = None
    for line in out.splitlines():
        text = line.strip()
        title = re.match(r"^(pf-\S+) \(", text)
        if title:
            current = title.group(1)
            continue
        status = re.match(r"^(PASS|FAIL \(optional\)|FAIL|NOT TESTED)\s{2,}(.+?)\s{2,}(resolve|tcp|tls)\s", text)
        if current and status:
            rows.setdefault((current, status.group(2)), []).append(status.group(1))
    return rows


@pytest.fixture(scope="module")
def listeners():
    rc, out = playbook(LISTENERS, {"listeners_state": "started"})
    assert rc == 0, out
    yield
    playbook(LISTENERS, {"listeners_state": "stopped"})


def _preflight(**extra):
    return playbook(PREFLIGHT, dict({"preflight_ca_file": pki_dir() + "/root-ca.pem"}, **extra))


def _junit(path):
    """{(node, flow label): (outcome, message)} from the JUnit XML, outcome pass/failure/skipped/error."""
    cases = {}
    for suite in ET.parse(path).getroot().iter("testsuite"):
        for case in suite.iter("testcase"):
            outcome = next(((child.tag, child.get("message")) for child in case), ("pass", None))
            cases[(suite.get("name"), case.get("name"))] = outcome
    return cases


def test_every_required_flow_passes(listeners):
    rc, out = _preflight()
    assert rc == 0, out
    rows = _rows(out)
    for node, flows in REQUIRED_ROWS.items():
        for flow in flows:
            assert rows.get((node, flow)) and set(rows[(node, flow)]) == {"PASS"}, (node, flow, out)
    assert len(rows[("pf-app1", "rabbitmq pf-storage1")]) == 4
    assert "certificate for telehealth.oth-lab.test verifies" in out
    for flow in OUTSIDE_ROWS:
        assert set(rows[("pf-app1", flow)]) == {"NOT TESTED"}
    assert "no flows to check from this node" in out


def test_a_stopped_listener_fails_the_flow_and_the_play(listeners, tmp_path):
    rc, out = playbook(LISTENERS, {"listeners_state": "stopped", "listeners_ports": [3306]})
    assert rc == 0, out
    try:
        rc, out = _preflight(preflight_junit=str(tmp_path / "preflight.xml"))
        assert rc != 0
        # The same results for a CI system: the stopped listener fails, the rest pass, the
        # outside services are skipped as not tested, every node has its suite.
        cases = _junit(tmp_path / "preflight.xml")
        mariadb = [v for k, v in cases.items() if k[0] == "pf-app1" and k[1].startswith("mariadb pf-storage1 (tcp ")]
        assert len(mariadb) == 1 and mariadb[0][0] == "failure" and "connection refused" in mariadb[0][1], cases
        minio = [v for k, v in cases.items() if k[0] == "pf-app1" and k[1].startswith("minio pf-storage1 (tcp ")]
        assert minio == [("pass", None)], cases
        assert {v[0] for k, v in cases.items() if k[1].startswith("sms api.twilio.com")} == {"skipped"}
        suites = {suite.get("name") for suite in ET.parse(tmp_path / "preflight.xml").getroot().iter("testsuite")}
        assert suites == {"pf-lb1", "pf-app1", "pf-storage1"}  # storage has no flows of its own: an empty suite
        assert [k for k, v in cases.items() if v[0] == "failure"] == [k for k in cases if k[1].startswith("mariadb ")]
        rows = _rows(out)
        assert rows[("pf-app1", "mariadb pf-storage1")] == ["FAIL"]
        assert re.search(r"FAIL\s+mariadb pf-storage1\s+tcp\s+\S+:3306\s+\d+\s+connection refused", out)
        assert set(rows[("pf-app1", "minio pf-storage1")]) == {"PASS"}
        assert "pf-app1: required flows failed: mariadb pf-storage1" in out
    finally:
        playbook(LISTENERS, {"listeners_state": "started"})


def test_tls_verification_fails_without_the_lab_ca(listeners):
    # The lab's group_vars trust its CA; an empty preflight_ca_file leaves only the system's.
    rc, out = playbook(PREFLIGHT, {"preflight_ca_file": ""})
    assert rc != 0
    assert _rows(out)[("pf-app1", "https telehealth.oth-lab.test")] == ["FAIL"]
    assert "certificate does not verify" in out
