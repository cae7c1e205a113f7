# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared handles for the haproxy scenario: the hosts, the client's view of the load balancer,
and re-running the converge playbook the way an operator would."""
import json
import os
import pathlib
import subprocess
import sys
import time

import pytest
import testinfra
from cryptography import x509

# oth_fqdn in inventories/lab/group_vars, which the scenario links in.
FQDN = "telehealth.oth-lab.test"
SCENARIO = pathlib.Path(__file__).resolve().parent.parent
PROJECT = SCENARIO.parent.parent
LIVE_CONFIG = "/etc/haproxy/haproxy.cfg"
LIVE_BUNDLE = f"/etc/haproxy/certs/{FQDN}.pem"


def _host(name):
    # podman exec straight into the scenario's containers: a fraction of a second per command,
    # where the ansible backend spends seconds.
    return testinfra.get_host(f"podman://{name}")


@pytest.fixture(scope="session")
def lb():
    return _host("hap-lb1")


@pytest.fixture(scope="session")
def client():
    return _host("hap-client1")


@pytest.fixture(scope="session")
def apps():
    return [_host("hap-app1"), _host("hap-app2")]


@pytest.fixture(scope="session")
def pki():
    return pathlib.Path(os.environ["OTH_LAB_PKI_DIR"])


class Client:
    """The internet's view: only the lab root CA trusted, the FQDN resolved to the load balancer."""

    def __init__(self, host, lb_ip):
        self.host, self.lb_ip = host, lb_ip

    def curl(self, url, *args):
        cmd = ["curl", "-sS", "--max-time", "5", "--cacert", "/root/root-ca.pem",
               "--resolve", f"{FQDN}:443:{self.lb_ip}", "--resolve", f"{FQDN}:80:{self.lb_ip}", *args, url]
        return self.host.run(" ".join(f"'{part}'" for part in cmd))

    def s_client(self, *args):
        return self.host.run(f"echo | openssl s_client -connect {self.lb_ip}:443 -servername {FQDN} "
                             + " ".join(args) + " 2>&1")

    def served_serial(self):
        out = self.host.check_output(f"echo | openssl s_client -connect {self.lb_ip}:443 -servername {FQDN} "
                                     "2>/dev/null | openssl x509 -noout -serial")
        return int(out.split("=", 1)[1], 16)

    def served_app(self):
        return self.curl(f"https://{FQDN}/").stdout.strip()


@pytest.fixture(scope="session")
def lb_ip(lb):
    return lb.check_output("hostname -I").split()[0]


@pytest.fixture(scope="session")
def internet(client, lb_ip):
    return Client(client, lb_ip)


def file_serial(pki):
    return x509.load_pem_x509_certificate((pki / "server.pem").read_bytes()).serial_number


def master_pid(lb):
    return lb.check_output("systemctl show --property MainPID --value haproxy")


def live_state(lb):
    """What must not change when a run is refused: the live files and the running master."""
    return {"config": lb.file(LIVE_CONFIG).sha256sum, "bundle": lb.file(LIVE_BUNDLE).sha256sum,
            "master": master_pid(lb)}


def converge(tmp_path, *options, **extra_vars):
    """ansible-playbook converge.yml against the scenario, with options (such as -vvv) and extra
    vars; returns the run."""
    cmd = [str(pathlib.Path(sys.executable).with_name("ansible-playbook")),
           "-i", os.environ["MOLECULE_INVENTORY_FILE"], str(SCENARIO / "converge.yml"), *options]
    if extra_vars:
        vars_file = tmp_path / "extra-vars.json"
        vars_file.write_text(json.dumps(extra_vars))
        cmd += ["-e", f"@{vars_file}"]
    run = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
                         cwd=PROJECT, check=False)
    # Messages are wrapped over lines and split between stdout and stderr: one line to search.
    run.output = " ".join((run.stdout + run.stderr).split())
    return run


def lab_pki(directory, *args):
    subprocess.run([sys.executable, str(PROJECT / "tools" / "lab-pki.py"), str(directory), *args],
                   check=True, capture_output=True)


def read(path):
    return pathlib.Path(path).read_text()


def key_body(pem_text):
    """A line of a key's base64: if it shows up in a run's output, the key leaked."""
    return pem_text.strip().splitlines()[1]


def wait_for(predicate, timeout=30, step=1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()

