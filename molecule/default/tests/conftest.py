# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the site's verification: real traffic between the lab's containers.

Every probe runs inside a container (podman exec) and targets another container of this scenario;
nothing here sends traffic anywhere else.
"""
import os
import pathlib
import subprocess

import pytest
import testinfra

FQDN = "telehealth.oth-lab.test"
NODES = ("lb1", "app1", "app2", "storage1")


def node(name):
    return testinfra.get_host(f"podman://{name}")


@pytest.fixture(scope="session")
def ip():
    """Each container's address on the scenario network."""
    addresses = {}
    for name in NODES + ("client1",):
        out = subprocess.run(["podman", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name],
                             check=True, capture_output=True, text=True).stdout.strip()
        addresses[name] = out
    return addresses


@pytest.fixture(scope="session")
def pki_dir():
    return pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "pki"


def connects(source, address, port, udp=False):
    """True when a TCP connection from `source` to address:port is accepted within 3 seconds."""
    flags = "-zuw3" if udp else "-zw3"
    return node(source).run(f"nc {flags} {address} {port}").rc == 0


@pytest.fixture(scope="session")
def client_files(pki_dir):
    """Put the root CA and the staff key on the client, as a user of the lab would have them."""
    for name in ("root-ca.pem", "staff_ed25519"):
        subprocess.run(["podman", "cp", str(pki_dir / name), f"client1:/root/{name}"], check=True)
    node("client1").run("chmod 600 /root/staff_ed25519")
    return "/root"
