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
NODES = ("lb1", "lb2", "app1", "app2", "storage1")
LOAD_BALANCERS = ("lb1", "lb2")


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
def vip():
    """oth_public_ip of the HA pair: the lab network's 250th address (inventories/lab)."""
    import ipaddress
    subnet = subprocess.run(["podman", "network", "inspect", "-f", "{{range .Subnets}}{{.Subnet}}{{end}}", "oth-default"],
                            check=True, capture_output=True, text=True).stdout.strip()
    return str(ipaddress.ip_network(subnet)[250])


def holders(vip):
    """The load balancers that hold the floating address right now."""
    return [lb for lb in LOAD_BALANCERS if f" {vip}/" in node(lb).run("ip -o addr show").stdout]


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
