# SPDX-License-Identifier: GPL-3.0-or-later
"""oth.stack.hosts refuses bad input before /etc/hosts changes, and keeps the block across
cloud-init reboots in both modes (a fake cloud-init config: only its files matter here)."""

from __future__ import annotations

import base64

import jinja2

from pf_helpers import SCENARIO, checksums, node, playbook

CONVERGE = SCENARIO / "converge.yml"
CLOUD_NODE = "pf-storage1"
# The shape of cloud-init's Debian template: the header line, then jinja.
TEMPLATE = """## template:jinja
{#
This file (/etc/cloud/templates/hosts.debian.tmpl) is only utilized
if enabled in cloud-config.
#}
127.0.1.1 {{fqdn}} {{hostname}}
127.0.0.1 localhost
"""


def test_duplicate_name_fails_before_anything_changes():
    before = checksums()
    # Every node claims pf-app1 as an alias: one name, three addresses.
    rc, out = playbook(CONVERGE, {"hosts_aliases": ["pf-app1"]})
    assert rc != 0
    assert "the name 'pf-app1' would resolve to two addresses" in out
    assert checksums() == before


def test_bad_address_names_host_variable_and_value():
    before = checksums()
    rc, out = playbook(CONVERGE, {"oth_internal_ip": "10.0.0.300"})
    assert rc != 0
    assert "hostvars[pf-lb1].oth_internal_ip: '10.0.0.300' is not an IPv4 or IPv6 address" in out
    assert checksums() == before


def test_contradicting_line_outside_the_block_is_refused():
    app = node("pf-app1")
    # Written in place: /etc/hosts is a bind mount, a rename onto it fails with EBUSY.
    app.check_output("echo '192.0.2.99 pf-storage1' >> /etc/hosts")
    try:
        before = checksums()
        rc, out = playbook(CONVERGE)
        assert rc != 0
        assert "maps pf-storage1 to 192.0.2.99" in out
        assert checksums() == before
    finally:
        app.check_output("grep -v '^192.0.2.99 ' /etc/hosts > /tmp/hosts && cat /tmp/hosts > /etc/hosts")


def _fake_cloud_init(host):
    host.check_output("mkdir -p /etc/cloud/cloud.cfg.d /etc/cloud/templates /var/lib/cloud/instance")
    host.check_output("printf 'manage_etc_hosts: true\\n' > /etc/cloud/cloud.cfg")
    encoded = base64.b64encode(TEMPLATE.encode()).decode()
    host.check_output("echo %s | base64 -d > /etc/cloud/templates/hosts.debian.tmpl" % encoded)


def _render_like_cloud_init(template):
    body = template.split("\n", 1)[1]
    return jinja2.Template(body).render(fqdn="pf-storage1.lab", hostname="pf-storage1")


def _recap_changed(out, name):
    line = [line for line in out.splitlines() if line.startswith(name) and "changed=" in line][-1]
    return int(line.split("changed=")[1].split()[0])


def test_cloud_init_template_and_disable_modes():
    host = node(CLOUD_NODE)
    _fake_cloud_init(host)
    try:
        rc, out = playbook(CONVERGE)
        assert rc == 0, out
        template = host.file("/etc/cloud/templates/hosts.debian.tmpl").content_string
        assert template.splitlines()[0] == "## template:jinja"
        hosts_block = host.check_output("sed -n '/^# BEGIN oth.stack.hosts/,/^# END oth.stack.hosts/p' /etc/hosts")
        # What cloud-init writes at the next boot still holds the block.
        assert hosts_block in _render_like_cloud_init(template)
        assert not host.file("/etc/cloud/cloud.cfg.d/99-oth-stack-hosts.cfg").exists
        rc, out = playbook(CONVERGE)
        assert rc == 0 and _recap_changed(out, CLOUD_NODE) == 0, out

        rc, out = playbook(CONVERGE, {"hosts_cloud_init_mode": "disable"})
        assert rc == 0, out
        disable = host.file("/etc/cloud/cloud.cfg.d/99-oth-stack-hosts.cfg")
        assert disable.content_string.splitlines()[-1] == "manage_etc_hosts: false"
        assert "oth.stack.hosts" not in host.file("/etc/cloud/templates/hosts.debian.tmpl").content_string
        rc, out = playbook(CONVERGE, {"hosts_cloud_init_mode": "disable"})
        assert rc == 0 and _recap_changed(out, CLOUD_NODE) == 0, out

        # User-data outranks cloud.cfg.d: disable cannot work, and says what to do instead.
        host.check_output("printf '#cloud-config\\nmanage_etc_hosts: localhost\\n' > /var/lib/cloud/instance/cloud-config.txt")
        rc, out = playbook(CONVERGE, {"hosts_cloud_init_mode": "disable"})
        assert rc != 0
        assert "outranks cloud.cfg.d: set hosts_cloud_init_mode: template" in out
        rc, out = playbook(CONVERGE)
        assert rc == 0, out
        assert not disable.exists
    finally:
        host.check_output("rm -rf /etc/cloud /var/lib/cloud")
