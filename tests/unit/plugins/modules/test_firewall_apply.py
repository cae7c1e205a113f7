# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""firewall_apply's backends against recorded ufw and firewall-cmd output (no real firewall)."""

from __future__ import annotations

import pytest

from ansible_collections.oth.stack.plugins.module_utils import firewall_backends as fb

SSH = {"id": "ssh_from_bastion:in:tcp/22:10.0.0.2/32", "direction": "in", "protocol": "tcp", "port": "22",
       "peer": "10.0.0.2/32", "family": "ipv4"}
WEB = {"id": "loadbalancer_https:in:tcp/443:any", "direction": "in", "protocol": "tcp", "port": "443",
       "peer": "any", "family": "any"}
OUT = {"id": "rabbitmq:out:tcp/5671:fd00::5/128", "direction": "out", "protocol": "tcp", "port": "5671",
       "peer": "fd00::5/128", "family": "ipv6"}


class FakeModule:
    """Answers commands from a table of (argv prefix -> (rc, stdout)) and records them."""

    def __init__(self, answers, binaries=("ufw", "firewall-cmd", "firewall-offline-cmd")):
        self.answers = answers
        self.binaries = binaries
        self.calls = []
        self.files = []

    def get_bin_path(self, name):
        return name if name in self.binaries else None

    def run_command(self, argv):
        self.calls.append(argv)
        # What the command read from a file it was given (the file is gone after the call).
        for arg in argv:
            if "-from-file=" in arg:
                flag, path = arg.split("=", 1)
                with open(path) as handle:
                    self.files.append((flag, handle.read()))
        for prefix, answer in self.answers:
            if argv[:len(prefix)] == prefix:
                return answer[0], answer[1], ""
        return 0, "", ""

    def atomic_move(self, src, dest):
        raise AssertionError("no file writes expected")


UFW_SHOWN = """Added user rules (see 'ufw status' for running firewall):
ufw allow 8080/tcp
ufw allow from 10.0.0.2 to any port 22 proto tcp comment 'oth.stack:ssh_from_bastion:in:tcp/22:10.0.0.2/32'
ufw allow from 10.0.0.9 to any port 3306 proto tcp comment 'oth.stack:mariadb:in:tcp/3306:10.0.0.9/32'
"""


@pytest.fixture(autouse=True)
def ufw_command_line(monkeypatch):
    """These tests drive ufw's command line; its Python library is used on the molecule hosts."""
    monkeypatch.setattr(fb.UfwRuleFiles, "load", classmethod(lambda cls, marker, path: None))


@pytest.fixture
def ufw_settings(monkeypatch, tmp_path):
    defaults = tmp_path / "ufw"
    defaults.write_text('IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n')
    monkeypatch.setattr(fb, "UFW_DEFAULTS_FILE", str(defaults))


def ufw(active=True):
    return FakeModule([(["ufw", "show", "added"], (0, UFW_SHOWN)),
                       (["ufw", "status"], (0, "Status: active\n" if active else "Status: inactive\n"))])


def test_ufw_adds_missing_removes_stale_keeps_foreign(ufw_settings):
    module = ufw()
    result = fb.UfwBackend(module, "oth.stack").apply([SSH, WEB], "open", [], check_mode=False)
    assert result["changed"]
    assert result["added"] == [WEB["id"]]
    assert result["removed"] == ["mariadb:in:tcp/3306:10.0.0.9/32"]
    writes = [c for c in module.calls if c[1] not in ("show", "status")]
    assert writes == [
        ["ufw", "allow", "in", "proto", "tcp", "from", "any", "to", "any", "port", "443",
         "comment", "oth.stack:" + WEB["id"]],
        ["ufw", "delete", "allow", "from", "10.0.0.9", "to", "any", "port", "3306", "proto", "tcp",
         "comment", "oth.stack:mariadb:in:tcp/3306:10.0.0.9/32"],
    ]


def test_ufw_no_change_is_read_only(ufw_settings):
    module = ufw()
    module.answers[0] = (["ufw", "show", "added"], (0, "\n".join(UFW_SHOWN.splitlines()[:3])))
    result = fb.UfwBackend(module, "oth.stack").apply([SSH], "open", [], check_mode=False)
    assert not result["changed"]
    assert [c[1] for c in module.calls] == ["show", "status"]


def test_ufw_check_mode_reports_without_writing(ufw_settings):
    module = ufw(active=False)
    result = fb.UfwBackend(module, "oth.stack").apply([SSH, WEB], "restricted", [], check_mode=True)
    assert result["changed"] and result["added"] == [WEB["id"]]
    assert "DEFAULT_OUTPUT_POLICY=DROP" in result["after_state"]
    assert [c[1] for c in module.calls] == ["show", "status"]


def test_ufw_allows_before_deny_and_enables_last(ufw_settings):
    module = ufw(active=False)
    fb.UfwBackend(module, "oth.stack").apply([SSH, WEB, OUT], "restricted", [], check_mode=False)
    writes = [" ".join(c[1:4]) for c in module.calls if c[1] not in ("show", "status")]
    assert writes == ["allow in proto", "allow out proto", "default deny outgoing",
                      "delete allow from", "--force enable"]
    out = next(c for c in module.calls if c[2:3] == ["out"])
    assert out[:9] == ["ufw", "allow", "out", "proto", "tcp", "to", "fd00::5/128", "port", "5671"]


REPLY = {"id": "management:reply:tcp/22:10.0.0.1/32", "direction": "out", "reply": True, "protocol": "tcp",
         "port": "22", "peer": "10.0.0.1/32", "family": "ipv4"}


def test_ufw_reply_rule_matches_the_source_port():
    argv = fb.UfwBackend(FakeModule([]), "oth.stack").rule_argv(REPLY)
    assert argv[1:] == ["allow", "out", "proto", "tcp", "from", "any", "port", "22", "to", "10.0.0.1/32",
                        "comment", "oth.stack:" + REPLY["id"]]


def test_firewalld_reply_rule_matches_the_source_port():
    assert fb.firewalld_rich_rule(REPLY) == (
        'rule family="ipv4" destination address="10.0.0.1/32" source-port port="22" protocol="tcp" accept')


def test_reply_rules_read_as_replies():
    assert fb.rule_line(REPLY) == "reply from tcp/22 to 10.0.0.1/32 [%s]" % REPLY["id"]


def test_ufw_port_range_uses_a_colon():
    argv = fb.UfwBackend(FakeModule([]), "oth.stack").rule_argv(dict(SSH, port="5000-5010", protocol="udp"))
    assert argv[argv.index("port") + 1] == "5000:5010"


POLICIES = """allow-host-ipv6 (active)
  priority: -15000
  target: CONTINUE
  ingress-zones: ANY
  egress-zones: HOST
  rich rules:
\trule family="ipv6" icmp-type name="neighbour-advertisement" accept

oth-stack-inbound (active)
  priority: -10
  target: CONTINUE
  ingress-zones: ANY
  egress-zones: HOST
  services:
  rich rules:
\trule family="ipv4" source ipset="oth-stack-ssh_from_bastion-i4" port port="22" protocol="tcp" accept
\trule family="ipv4" source ipset="oth-stack-mariadb-i4" port port="3306" protocol="tcp" accept
\trule priority="32767" port port="22" protocol="tcp" reject
"""


def test_parse_policies():
    parsed = fb.parse_policies(POLICIES)
    assert set(parsed) == {"allow-host-ipv6", "oth-stack-inbound"}
    assert parsed["oth-stack-inbound"]["priority"] == "-10"
    assert len(parsed["oth-stack-inbound"]["rich_rules"]) == 3


def test_rich_rules_match_firewalld_spelling():
    assert fb.firewalld_rich_rule(SSH) == 'rule family="ipv4" source address="10.0.0.2/32" port port="22" protocol="tcp" accept'
    assert fb.firewalld_rich_rule(WEB) == 'rule port port="443" protocol="tcp" accept'
    assert fb.firewalld_rich_rule(OUT) == (
        'rule family="ipv6" destination address="fd00::5/128" port port="5671" protocol="tcp" accept')
    assert fb.exclusive_rich_rule("22/tcp") == 'rule priority="32767" port port="22" protocol="tcp" reject'


IPSETS = {"oth-stack-ssh_from_bastion-i4": ["10.0.0.2/32"], "oth-stack-mariadb-i4": ["10.0.0.9/32"]}
MARIADB = {"id": "mariadb:in:tcp/3306:10.0.0.9/32", "direction": "in", "protocol": "tcp", "port": "3306",
           "peer": "10.0.0.9/32", "family": "ipv4"}


def ipset_xml(entries, family="inet"):
    return ('<?xml version="1.0" encoding="utf-8"?>\n<ipset type="hash:net">\n'
            '  <option name="family" value="%s"/>\n%s</ipset>\n'
            % (family, "".join("  <entry>%s</entry>\n" % e for e in entries)))


class FakeClient:
    """firewalld's D-Bus client, as read_runtime_ipsets uses it."""

    def __init__(self, ipsets):
        self.ipsets = ipsets

    def getIPSets(self):
        return list(self.ipsets)

    def getEntries(self, name):
        return list(self.ipsets[name])


@pytest.fixture
def ipsets(monkeypatch, tmp_path):
    """The permanent ipsets as firewalld's files, the runtime ones through a fake D-Bus client."""
    directory = tmp_path / "ipsets"
    directory.mkdir()
    monkeypatch.setattr(fb, "IPSET_DIR", str(directory))
    runtime = {}
    monkeypatch.setattr(fb, "firewall_client", lambda: FakeClient(runtime))

    def install(sets, permanent=True, running=True):
        for name, entries in sets.items():
            if permanent:
                (directory / (name + ".xml")).write_text(ipset_xml(entries))
            if running:
                runtime[name] = list(entries)
    install(IPSETS)
    install.directory = directory
    install.runtime = runtime
    return install


def firewalld(policies=POLICIES, running=True):
    answers = [(["firewall-cmd", "--list-all-policies"], (0, policies) if running else (252, "")),
               (["firewall-cmd", "--permanent", "--list-all-policies"], (0, policies)),
               (["firewall-offline-cmd", "--list-all-policies"], (0, policies))]
    return FakeModule(answers)


def writes_of(module):
    return [c for c in module.calls if "--list-all-policies" not in c]


def test_firewalld_changes_rules_in_place_without_reload(ipsets):
    module = firewalld()
    result = fb.FirewalldBackend(module, "oth.stack").apply([SSH, WEB], "open", ["22/tcp"], check_mode=False)
    assert result["added"] == [WEB["id"]]
    mariadb_rule = 'rule family="ipv4" source ipset="oth-stack-mariadb-i4" port port="3306" protocol="tcp" accept'
    assert result["removed"] == [mariadb_rule + ", entry 10.0.0.9/32"]
    mariadb_rule = 'rule family="ipv4" source ipset="oth-stack-mariadb-i4" port port="3306" protocol="tcp" accept'
    assert writes_of(module) == [
        ["firewall-cmd", "--permanent", "--policy=oth-stack-inbound", '--add-rich-rule=rule port port="443" protocol="tcp" accept'],
        ["firewall-cmd", "--permanent", "--policy=oth-stack-inbound", "--remove-rich-rule=" + mariadb_rule],
        ["firewall-cmd", "--policy=oth-stack-inbound", '--add-rich-rule=rule port port="443" protocol="tcp" accept'],
        ["firewall-cmd", "--policy=oth-stack-inbound", "--remove-rich-rule=" + mariadb_rule],
        # The set no rule names any more goes after the rule, from the permanent configuration.
        ["firewall-cmd", "--permanent", "--delete-ipset=oth-stack-mariadb-i4"],
    ]


def test_firewalld_no_change_costs_two_reads(ipsets):
    module = firewalld()
    result = fb.FirewalldBackend(module, "oth.stack").apply([SSH, MARIADB], "open", ["22/tcp"], check_mode=False)
    assert not result["changed"]
    assert len(module.calls) == 2
    assert result["current_ids"] == result["wanted_ids"]


def peers(count, port="3306", flow="mariadb"):
    return [{"id": "%s:in:tcp/%s:10.1.%d.%d/32" % (flow, port, i // 250, i % 250 + 1), "direction": "in",
             "protocol": "tcp", "port": port, "peer": "10.1.%d.%d/32" % (i // 250, i % 250 + 1), "family": "ipv4"}
            for i in range(count)]


def test_firewalld_many_peers_are_one_set_and_one_rule_per_port(ipsets):
    rules = [SSH] + [r for port in ("5671", "5672", "15761", "15762") for r in peers(200, port, "rabbitmq")]
    module = firewalld()
    result = fb.FirewalldBackend(module, "oth.stack").apply(rules, "open", ["22/tcp"], check_mode=False)
    assert len(result["added"]) == 800
    rich = [a for c in writes_of(module) if c[:3] == ["firewall-cmd", "--permanent", "--policy=oth-stack-inbound"]
            for a in c[3:] if a.startswith("--add-rich-rule")]
    assert rich == ['--add-rich-rule=rule family="ipv4" source ipset="oth-stack-rabbitmq-i4" port port="%s" protocol="tcp" accept' % p
                    for p in ("15761", "15762", "5671", "5672")]
    # A new set is one command with its 200 entries, and needs a reload (runtime cannot create one).
    created = [c for c in module.calls if c[-1] == "--name=oth-stack-rabbitmq-i4"]
    assert len(created) == 1 and created[0][2].startswith("--new-ipset-from-file=")
    xml = dict(module.files)["--new-ipset-from-file"]
    assert '<ipset type="hash:net">' in xml and '<option name="family" value="inet"/>' in xml
    assert xml.count("<entry>") == 200 and "<entry>10.1.0.1/32</entry>" in xml
    assert not [c for c in module.calls if c[2:3] == ["--ipset=oth-stack-rabbitmq-i4"]]
    assert module.calls[-1] == ["firewall-cmd", "--reload"]
    assert len(module.calls) < 15


def test_firewalld_new_peers_of_a_set_are_one_command_each_way_without_reload(ipsets):
    module = firewalld()
    more = [SSH, MARIADB] + peers(50)[1:]
    seen = []
    record = module.run_command

    def run_command(argv):
        seen.extend(open(a.split("=", 1)[1]).read() for a in argv if a.startswith("--add-entries-from-file="))
        return record(argv)
    module.run_command = run_command
    result = fb.FirewalldBackend(module, "oth.stack").apply(more, "open", ["22/tcp"], check_mode=False)
    assert len(result["added"]) == 49 and result["removed"] == []
    assert [c[:-1] for c in writes_of(module)] == [
        ["firewall-cmd", "--permanent", "--ipset=oth-stack-mariadb-i4"],
        ["firewall-cmd", "--ipset=oth-stack-mariadb-i4"]]
    assert seen[0].splitlines() == sorted(r["peer"] for r in peers(50)[1:])
    assert ["firewall-cmd", "--reload"] not in module.calls


def test_firewalld_runtime_drift_of_a_set_is_repaired_in_runtime_only(ipsets):
    ipsets.runtime["oth-stack-mariadb-i4"] = ["10.0.0.9/32", "10.6.6.6/32"]
    module = firewalld()
    fb.FirewalldBackend(module, "oth.stack").apply([SSH, MARIADB], "open", ["22/tcp"], check_mode=False)
    assert [c[:2] for c in writes_of(module)] == [["firewall-cmd", "--ipset=oth-stack-mariadb-i4"]]
    assert writes_of(module)[0][2].startswith("--remove-entries-from-file=")


def test_firewalld_ports_with_different_peers_keep_a_rule_per_peer(ipsets):
    odd = dict(MARIADB, id="mariadb:in:tcp/3307:10.0.0.10/32", port="3307", peer="10.0.0.10/32")
    sets = fb.peer_sets("oth-stack", [MARIADB, odd])
    assert sets == {}


def test_peer_sets_drop_peers_inside_another_peer():
    wide = dict(SSH, id="ssh_from_bastion:in:tcp/22:10.0.0.0/24", peer="10.0.0.0/24")
    sets = fb.peer_sets("oth-stack", [SSH, wide])
    assert sets["oth-stack-ssh_from_bastion-i4"]["entries"] == ["10.0.0.0/24"]
    assert sorted(sets["oth-stack-ssh_from_bastion-i4"]["ids"]) == sorted([SSH["id"], wide["id"]])


def test_ipset_names_fit_the_kernel_limit_and_stay_apart():
    long_a = fb.ipset_name("oth-stack", "application_ssh_admin", "in", "ipv4")
    long_b = fb.ipset_name("oth-stack", "application_ssh_admin_extra", "in", "ipv4")
    assert len(long_a) <= 31 and len(long_b) <= 31 and long_a != long_b
    assert fb.ipset_name("oth-stack", "mariadb", "out", "ipv6") == "oth-stack-mariadb-o6"


def test_firewalld_restricted_egress_creates_the_outbound_policy_and_reloads(ipsets):
    module = firewalld()
    result = fb.FirewalldBackend(module, "oth.stack").apply([SSH, OUT], "restricted", [], check_mode=False)
    assert OUT["id"] in result["added"] and "icmp" in result["added"]
    created = [c for c in module.calls if c[-1] == "--name=oth-stack-outbound"]
    assert len(created) == 1 and created[0][:2] == ["firewall-cmd", "--permanent"]
    assert created[0][2].startswith("--new-policy-from-file=")
    assert [x for f, x in module.files if f == "--new-policy-from-file"][-1] == (
        '<?xml version="1.0" encoding="utf-8"?>\n<policy priority="-10" target="REJECT">\n'
        '  <ingress-zone name="HOST"/>\n  <egress-zone name="ANY"/>\n</policy>\n')
    assert ["firewall-cmd", "--permanent", "--policy=oth-stack-outbound",
            '--add-rich-rule=rule family="ipv4" protocol value="icmp" accept',
            '--add-rich-rule=rule family="ipv6" destination ipset="oth-stack-rabbitmq-o6" port port="5671" protocol="tcp" accept',
            '--add-rich-rule=rule family="ipv6" protocol value="ipv6-icmp" accept'] in module.calls
    assert module.calls[-1] == ["firewall-cmd", "--reload"]


def test_firewalld_offline_writes_with_firewall_offline_cmd(ipsets):
    module = firewalld(policies="", running=False)
    fb.FirewalldBackend(module, "oth.stack").apply([SSH, MARIADB], "open", ["22/tcp"], check_mode=False)
    writes = [c for c in module.calls if "--list-all-policies" not in c and "--info-policy=oth-stack-inbound" not in c]
    assert all(c[0] == "firewall-offline-cmd" for c in writes)
    assert writes[0][0] == "firewall-offline-cmd" and writes[0][1].startswith("--new-policy-from-file=")
    assert writes[0][2] == "--name=oth-stack-inbound"
    assert ["firewall-cmd", "--reload"] not in module.calls


def test_firewalld_check_mode_without_firewalld_installed():
    module = FakeModule([], binaries=())
    result = fb.FirewalldBackend(module, "oth.stack").apply([SSH], "open", ["22/tcp"], check_mode=True)
    assert result["changed"]
    assert set(result["added"]) == {"exclusive:22/tcp", SSH["id"]}
    assert module.calls == []


def test_ufw_turns_ipv6_on_before_adding_rules(monkeypatch, tmp_path):
    defaults = tmp_path / "ufw"
    defaults.write_text('IPV6=no\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n')
    monkeypatch.setattr(fb, "UFW_DEFAULTS_FILE", str(defaults))
    module = ufw()
    module.atomic_move = lambda src, dest: __import__("os").replace(src, dest)
    fb.UfwBackend(module, "oth.stack").apply([SSH, WEB, OUT], "open", [], check_mode=False)
    assert "IPV6=yes" in defaults.read_text()
    writes = [c[1] for c in module.calls if c[1] not in ("show", "status")]
    assert writes[0] == "reload" and writes[1] == "allow"


# --- rules ufw's command line cannot express (VRRP) -------------------------------------------

VRRP_IN = {"id": "loadbalancer_vrrp:in:vrrp:10.0.0.6/32", "direction": "in", "protocol": "vrrp", "port": "",
           "peer": "10.0.0.6/32", "family": "ipv4"}
VRRP_OUT = {"id": "loadbalancer_vrrp:out:vrrp:10.0.0.6/32", "direction": "out", "protocol": "vrrp", "port": "",
            "peer": "10.0.0.6/32", "family": "ipv4"}
BEFORE_RULES = """*filter
:ufw-before-input - [0:0]
-A ufw-before-input -i lo -j ACCEPT
# don't delete the 'COMMIT' line or these rules won't be processed
COMMIT
"""


class WritingUfw(FakeModule):
    def atomic_move(self, src, dest):
        import os
        os.replace(src, dest)


@pytest.fixture
def before_rules(monkeypatch, tmp_path, ufw_settings):
    files = {"ipv4": tmp_path / "before.rules", "ipv6": tmp_path / "before6.rules"}
    for path in files.values():
        path.write_text(BEFORE_RULES)
    monkeypatch.setattr(fb, "UFW_BEFORE_RULES", {k: str(v) for k, v in files.items()})
    return files


def writing_ufw():
    shown = "\n".join(UFW_SHOWN.splitlines()[:3])
    return WritingUfw([(["ufw", "show", "added"], (0, shown)), (["ufw", "status"], (0, "Status: active\n"))])


def test_ufw_writes_vrrp_into_a_marked_block_before_commit_and_reloads(before_rules):
    module = writing_ufw()
    result = fb.UfwBackend(module, "oth.stack").apply([SSH, VRRP_IN, VRRP_OUT], "restricted", [], check_mode=False)
    assert result["added"] == sorted([VRRP_IN["id"], VRRP_OUT["id"]])
    text = before_rules["ipv4"].read_text()
    assert "-A ufw-before-input -p vrrp -s 10.0.0.6/32 -j ACCEPT\n" in text
    assert "-A ufw-before-output -p vrrp -d 10.0.0.6/32 -j ACCEPT\n" in text
    assert text.index("-p vrrp") < text.rindex("COMMIT") and text.startswith("*filter\n")
    assert before_rules["ipv6"].read_text() == BEFORE_RULES
    assert ["ufw", "reload"] in module.calls
    assert not [c for c in module.calls if "vrrp" in c]


def test_ufw_vrrp_block_is_idempotent_and_goes_when_the_flow_goes(before_rules):
    fb.UfwBackend(writing_ufw(), "oth.stack").apply([SSH, VRRP_IN], "open", [], check_mode=False)
    again = writing_ufw()
    assert not fb.UfwBackend(again, "oth.stack").apply([SSH, VRRP_IN], "open", [], check_mode=False)["changed"]
    assert ["ufw", "reload"] not in again.calls
    gone = writing_ufw()
    result = fb.UfwBackend(gone, "oth.stack").apply([SSH], "open", [], check_mode=False)
    assert result["removed"] == [VRRP_IN["id"]]
    assert before_rules["ipv4"].read_text() == BEFORE_RULES
    assert ["ufw", "reload"] in gone.calls


def test_ufw_vrrp_check_mode_writes_nothing(before_rules):
    module = writing_ufw()
    result = fb.UfwBackend(module, "oth.stack").apply([SSH, VRRP_IN], "open", [], check_mode=True)
    assert result["changed"] and result["added"] == [VRRP_IN["id"]]
    assert before_rules["ipv4"].read_text() == BEFORE_RULES


def test_firewalld_vrrp_is_a_protocol_rich_rule():
    assert fb.firewalld_rich_rule(VRRP_IN) == 'rule family="ipv4" source address="10.0.0.6/32" protocol value="vrrp" accept'
    assert fb.rule_line(VRRP_IN) == "in vrrp from 10.0.0.6/32 [%s]" % VRRP_IN["id"]


# The confirm window's hook: called once, after the plan and before the first changing command;
# never on a no-change run, never in check mode.
class Hook:
    def __init__(self, module):
        self.module = module
        self.calls_before = None

    def __call__(self):
        assert self.calls_before is None, "the hook ran twice"
        self.calls_before = list(self.module.calls)


def test_ufw_arms_the_restore_before_its_first_change(ufw_settings):
    module = ufw()
    hook = Hook(module)
    backend = fb.UfwBackend(module, "oth.stack")
    backend.apply([SSH, WEB], "open", [], check_mode=False, before_change=hook)
    assert [c[1] for c in hook.calls_before] == ["show", "status"]
    assert backend.active and backend.summary["added"] == [WEB["id"]]


def test_firewalld_arms_the_restore_before_its_first_change(ipsets):
    module = firewalld()
    hook = Hook(module)
    fb.FirewalldBackend(module, "oth.stack").apply([SSH, WEB], "open", ["22/tcp"], check_mode=False,
                                                   before_change=hook)
    assert all("--list-all-policies" in c for c in hook.calls_before) and len(module.calls) > len(hook.calls_before)


@pytest.mark.parametrize("check_mode", [True, False])
def test_no_restore_is_armed_in_check_mode_or_without_a_change(ufw_settings, check_mode):
    module = ufw()
    hook = Hook(module)
    rules = [SSH, WEB] if check_mode else [SSH, {"id": "mariadb:in:tcp/3306:10.0.0.9/32", "direction": "in",
                                                 "protocol": "tcp", "port": "3306", "peer": "10.0.0.9/32",
                                                 "family": "ipv4"}]
    result = fb.UfwBackend(module, "oth.stack").apply(rules, "open", [], check_mode=check_mode, before_change=hook)
    assert result["changed"] == check_mode
    assert hook.calls_before is None
