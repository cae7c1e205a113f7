# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3's claim, measured: HAProxy 2.6's own check (`haproxy -c`) starts with many broken
bundles; the collection's validator (pem_bundle.check_bundle, behind the filter and the module)
refuses every one, and accepts every valid one.

Each bundle is made at test time from the unit tests' throwaway PKI (tests/conftest.py),
checked on the controller, and loaded by the real HAProxy on the load balancer through a minimal
config of its own (`bind :8443 ssl crt BUNDLE`), all in one `podman exec`. Text defects sit in
the intermediate, where hand-pasted chains break. The table of both verdicts is printed."""
import importlib.util
import io
import os
import subprocess
import sys
import tarfile

import pytest

from conftest import PROJECT

# The collection as oth.stack, as the unit tests import it (pytest.ini sets this path there).
if str(PROJECT / ".cache" / "collections") not in sys.path:
    sys.path.insert(0, str(PROJECT / ".cache" / "collections"))
from ansible_collections.oth.stack.plugins.module_utils import pem_bundle  # noqa: E402

REMOTE_DIR = "/tmp/oth-validator-vs-haproxy"
CONFIG = """global
    log stderr format short local0
defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s
frontend matrix
    bind :8443 ssl crt {remote_dir}/{name}.pem
    http-request return status 200
"""


def _unit_pki():
    """tests/conftest.py's PKI, loaded by path: this scenario has a conftest of its own."""
    spec = importlib.util.spec_from_file_location("oth_unit_pki", PROJECT / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in_intermediate(text, intermediate, damage):
    """text with damage(list of the intermediate's PEM lines) applied to that block only."""
    lines = intermediate.pem.split("\n")
    damaged = "\n".join(damage(lines))
    assert intermediate.pem in text
    return text.replace(intermediate.pem, damaged, 1)


def _broken(u, p):
    """name -> (bundle text, server_name) of each broken kind issue 3 lists."""
    good = p.good_bundle()
    rsa, inter, root = p.leaf_rsa, p.intermediate, p.root
    expired_intermediate = u.issue("Expired Intermediate CA", root, ca=True,
                                   not_before=u.NOW - 400 * u.DAY, not_after=u.NOW - 10 * u.DAY)
    leaf_under_expired = u.issue("www.example.test", expired_intermediate)
    trusted = inter.pem.replace("BEGIN CERTIFICATE", "BEGIN TRUSTED CERTIFICATE").replace(
        "END CERTIFICATE", "END TRUSTED CERTIFICATE")
    return {
        # the leaf file had no final newline when the chain was appended
        "glued END/BEGIN": (good.replace(rsa.pem, rsa.pem.rstrip("\n"), 1), None),
        "blank line in base64": (_in_intermediate(good, inter, lambda l: l[:3] + [""] + l[3:]), None),
        "indented line": (_in_intermediate(good, inter, lambda l: l[:3] + ["    " + l[3]] + l[4:]), None),
        "NUL byte": (_in_intermediate(good, inter, lambda l: l[:3] + ["\x00" + l[3]] + l[4:]), None),
        "key not first": (rsa.pem + rsa.key_pem() + inter.pem + root.pem, None),
        "two keys": (rsa.key_pem() + p.leaf_ec.key_pem() + rsa.pem + inter.pem + root.pem, None),
        "missing intermediate": (p.bundle(rsa, root), None),
        "reversed intermediates": (p.bundle(p.leaf_deep, inter, p.issuing, root), None),
        "chain from another CA": (p.bundle(rsa, p.other_intermediate, p.other_root), None),
        "same-name intermediate, other key": (p.bundle(rsa, p.intermediate_rekeyed, root), None),
        "leaf not matching key": (p.bundle(rsa, inter, root, key=p.leaf_ec.key_pem()), None),
        "expired leaf": (p.bundle(p.leaf_expired, inter, root), None),
        "expired intermediate": (p.bundle(leaf_under_expired, expired_intermediate, root), None),
        "encrypted key": (p.bundle(rsa, inter, root, key=rsa.encrypted_key_pem()), None),
        "RSA 1024 leaf": (p.bundle(p.leaf_weak_rsa, inter, root), None),
        "SHA-1 signed intermediate": (p.bundle(p.leaf_under_sha1, p.intermediate_sha1, root), None),
        "TRUSTED CERTIFICATE block": (rsa.key_pem() + rsa.pem + trusted + root.pem, None),
        "CSR in bundle": (good + p.csr_pem(), None),
        "duplicate certificate": (p.bundle(rsa, inter, inter, root), None),
        "leaf without SAN": (p.bundle(p.leaf_no_san, inter, root), None),
        "wrong name (server_name)": (good, "telehealth.oth-lab.test"),
        "root missing": (p.bundle(rsa, inter), None),
    }


def _valid(p):
    good = p.good_bundle()
    inter, root = p.intermediate, p.root
    return {
        "RSA, PKCS#8 key": (p.bundle(p.leaf_rsa, inter, root), "www.example.test"),
        "RSA, PKCS#1 key": (p.bundle(p.leaf_rsa, inter, root, key_format="traditional"), "example.test"),
        "EC, PKCS#8 key": (p.bundle(p.leaf_ec, inter, root), "www.example.test"),
        "EC, SEC1 key": (p.bundle(p.leaf_ec, inter, root, key_format="traditional"), "www.example.test"),
        "two intermediates": (p.bundle(p.leaf_deep, p.issuing, inter, root), "app.example.test"),
        "wildcard SAN": (p.bundle(p.leaf_wildcard, inter, root), "telehealth.example.test"),
        "CRLF": (good.replace("\n", "\r\n"), "www.example.test"),
        "BOM": ("\ufeff" + good, "www.example.test"),
        "DH params appended": (good + p.dh_parameters_pem(), "www.example.test"),
    }


def _haproxy_check_all(cases):
    """Copy every bundle and its config in, run `haproxy -c` on each: {index: (rc, output)}."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for index, (_name, text, _server_name, _broken) in enumerate(cases):
            for suffix, data in ((".pem", text.encode()),
                                 (".cfg", CONFIG.format(remote_dir=REMOTE_DIR, name=index).encode())):
                info = tarfile.TarInfo(f"{index}{suffix}")
                info.size, info.mode = len(data), 0o600
                tar.addfile(info, io.BytesIO(data))
    # setsid and no stdin: an encrypted key must fail, not wait for a passphrase on a terminal.
    script = (f"rm -rf {REMOTE_DIR} && mkdir -m 0700 {REMOTE_DIR} && cd {REMOTE_DIR} && tar xf - || exit 99\n"
              f"for i in $(seq 0 {len(cases) - 1}); do\n"
              f"  out=$(timeout 20 setsid haproxy -c -f {REMOTE_DIR}/$i.cfg </dev/null 2>&1); rc=$?\n"
              "  printf '%s\\t%s\\t%s\\n' \"$i\" \"$rc\" \"$(printf '%s' \"$out\" | tr '\\t\\n' '  ')\"\n"
              f"done\nrm -rf {REMOTE_DIR}\n")
    run = subprocess.run(["podman", "exec", "-i", "hap-lb1", "sh", "-c", script], input=archive.getvalue(),
                         capture_output=True, check=False, env=os.environ)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    results = {}
    for line in run.stdout.decode(errors="replace").splitlines():
        index, rc, output = line.split("\t", 2)
        results[int(index)] = (int(rc), output)
    assert sorted(results) == list(range(len(cases))), run.stdout
    return results


def _why_haproxy_refused(output):
    """The first alert, without the NOTICE lines haproxy prints before it."""
    alerts = output.split("[ALERT]")[1:]
    alert = (alerts[0] if alerts else output).split("in section 'frontend' : ")[-1]
    return " ".join(alert.split())[:120]


@pytest.fixture(scope="module")
def verdicts():
    """One row per bundle: name, broken?, haproxy -c accepted?, its reason, validator report."""
    unit = _unit_pki()
    material = unit.Pki()
    cases = [(name, text, server_name, True)
             for name, (text, server_name) in _broken(unit, material).items()]
    cases += [(name, text, server_name, False)
              for name, (text, server_name) in _valid(material).items()]
    haproxy = _haproxy_check_all(cases)
    rows = []
    for index, (name, text, server_name, broken) in enumerate(cases):
        rc, output = haproxy[index]
        report = pem_bundle.check_bundle(text, server_name=server_name)
        rows.append({"name": name, "broken": broken, "haproxy_ok": rc == 0,
                     "haproxy_says": "" if rc == 0 else _why_haproxy_refused(output),
                     "report": report})
    return rows


_SHOWN = []


@pytest.fixture
def table(verdicts, capsys):
    """The verdicts, printed once into the log whichever test runs first."""
    if not _SHOWN:
        lines = [f"{'bundle':36} {'kind':6} {'haproxy -c':10} {'validator':9} first validator error "
                 "| haproxy's alert"]
        for row in verdicts:
            first_error = row["report"]["errors"][0][:90] if row["report"]["errors"] else ""
            lines.append(f"{row['name']:36} {'broken' if row['broken'] else 'valid':6} "
                         f"{'accept' if row['haproxy_ok'] else 'REJECT':10} "
                         f"{'ok' if row['report']['ok'] else 'REJECT':9} {first_error}"
                         + (f" | {row['haproxy_says']}" if row["haproxy_says"] else ""))
        broken = [r for r in verdicts if r["broken"]]
        lines.append(f"broken bundles: haproxy -c accepted {sum(r['haproxy_ok'] for r in broken)} of "
                     f"{len(broken)}, rejected {sum(not r['haproxy_ok'] for r in broken)}; "
                     f"validator rejected {sum(not r['report']['ok'] for r in broken)} of {len(broken)}")
        with capsys.disabled():
            print("\n" + "\n".join(lines))
        _SHOWN.append(True)
    return verdicts


def test_validator_rejects_every_broken_bundle(table):
    accepted = [r["name"] for r in table if r["broken"] and r["report"]["ok"]]
    assert not accepted, f"the validator accepted broken bundles: {accepted}"


def test_validator_and_haproxy_accept_every_valid_bundle(table):
    # HAProxy accepting them too shows the harness loads real bundles, so its rejections mean something.
    refused = {r["name"]: (r["report"]["errors"], r["haproxy_says"]) for r in table
               if not r["broken"] and not (r["report"]["ok"] and r["haproxy_ok"])}
    assert not refused, refused


def test_haproxy_c_accepts_broken_bundles_that_the_validator_rejects(table):
    missed_by_haproxy = [r["name"] for r in table
                         if r["broken"] and r["haproxy_ok"] and not r["report"]["ok"]]
    assert missed_by_haproxy, "haproxy -c rejected every broken bundle: the validator would add nothing"
