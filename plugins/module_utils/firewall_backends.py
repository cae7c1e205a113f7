# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply a whole firewall rule set in one module call, with ufw or firewalld.

Both backends own only what carries their mark and leave every other rule alone:

- ufw: rules whose comment starts with ``<marker>:`` (the rest of the comment is the rule id).
  ufw's command line knows TCP and UDP only: rules of other IP protocols (VRRP between the load
  balancers of an HA pair) live in a marked block of /etc/ufw/before.rules and before6.rules,
  which the backend writes whole and removes when no such rule is wanted.
- firewalld: two policies named after the marker (``oth-stack-inbound``, ANY -> HOST, and
  ``oth-stack-outbound``, HOST -> ANY, present only with restricted egress), and ipsets named
  ``oth-stack-*`` holding each flow's peers. Zones are not edited, so rules in them (Docker,
  fail2ban, hand-made ones) keep working.

Each backend reads the current state once, computes what to add and remove, and changes the
firewall only when something differs: a no-change run costs a couple of read-only commands.
New allow rules go in before stale ones are removed and before a default-deny is switched on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import ipaddress
import os
import re
import shlex
import shutil
import tempfile
from xml.etree import ElementTree

UFW_DEFAULTS_FILE = "/etc/default/ufw"
# ufw's names for its chain policies in /etc/default/ufw.
_UFW_POLICY = {"deny": "DROP", "allow": "ACCEPT", "reject": "REJECT"}
# Priority of the firewalld policies: negative runs them before the zones, so the rejection of
# exclusive ports beats a zone's stock "ssh" service; CONTINUE hands the rest to the zone.
FIREWALLD_POLICY_PRIORITY = -10
EXCLUSIVE_RULE_PRIORITY = 32767
# firewall-cmd's exit code when the daemon is stopped.
FIREWALLD_NOT_RUNNING = 252


class BackendError(Exception):
    pass


# ufw's own rules: what its command line can say.
UFW_CLI_PROTOCOLS = ("tcp", "udp")
# ufw loads these iptables-restore files before its own rules, one per address family.
UFW_BEFORE_RULES = {"ipv4": "/etc/ufw/before.rules", "ipv6": "/etc/ufw/before6.rules"}


def rule_line(rule):
    """One human line per rule, used in diffs and results."""
    arrow = "from" if rule["direction"] == "in" else "to"
    kind = "reply from" if rule.get("reply") else rule["direction"]
    what = "%s/%s" % (rule["protocol"], rule["port"]) if rule["port"] else rule["protocol"]
    return "%s %s %s %s [%s]" % (kind, what, arrow, rule["peer"], rule["id"])


def plan(current, desired):
    """Return (to_add, to_remove) as sorted lists of keys."""
    return sorted(set(desired) - set(current)), sorted(set(current) - set(desired))


class Backend:
    def __init__(self, module, marker):
        self.module = module
        self.marker = marker
        self.commands = []
        # What the planned change adds and removes, set before the first changing command.
        self.summary = {"added": [], "removed": []}
        # Whether the firewall was enforcing before this run changed anything.
        self.active = False

    def run(self, argv, check_rc=True):
        rc, out, err = self.module.run_command(argv)
        self.commands.append(" ".join(shlex.quote(a) for a in argv))
        if check_rc and rc != 0:
            raise BackendError("%s failed (rc=%d): %s" % (" ".join(argv), rc, (err or out).strip()))
        return rc, out, err


# --------------------------------------------------------------------------------------------
# ufw
# --------------------------------------------------------------------------------------------


class UfwBackend(Backend):
    def __init__(self, module, marker):
        Backend.__init__(self, module, marker)
        self.ufw = module.get_bin_path("ufw")

    def rule_argv(self, rule):
        port = rule["port"].replace("-", ":")
        argv = [self.ufw, "allow", rule["direction"], "proto", rule["protocol"]]
        if rule["direction"] == "in":
            argv += ["from", rule["peer"], "to", "any", "port", port]
        elif rule.get("reply"):
            argv += ["from", "any", "port", port, "to", rule["peer"]]
        else:
            argv += ["to", rule["peer"], "port", port]
        return argv + ["comment", "%s:%s" % (self.marker, rule["id"])]

    def read_rules(self):
        """Our rules as {id: the tokens of 'ufw show added' after 'ufw'}."""
        if not self.ufw:
            return {}
        _rc, out, _err = self.run([self.ufw, "show", "added"])
        ours = {}
        prefix = self.marker + ":"
        for line in out.splitlines():
            if not line.startswith("ufw "):
                continue
            tokens = shlex.split(line)
            if "comment" in tokens[:-1]:
                comment = tokens[tokens.index("comment") + 1]
                if comment.startswith(prefix):
                    ours[comment[len(prefix):]] = tokens[1:]
        return ours

    def read_settings(self):
        settings = {"IPV6": None, "DEFAULT_INPUT_POLICY": None, "DEFAULT_OUTPUT_POLICY": None}
        if os.path.exists(UFW_DEFAULTS_FILE):
            with open(UFW_DEFAULTS_FILE) as handle:
                for line in handle:
                    match = re.match(r'^\s*([A-Z0-9_]+)\s*=\s*"?([^"\s]*)"?', line)
                    if match and match.group(1) in settings:
                        settings[match.group(1)] = match.group(2)
        active = False
        if self.ufw:
            _rc, out, _err = self.run([self.ufw, "status"])
            active = "Status: active" in out
        return settings, active

    def apply(self, rules, egress_policy, exclusive_ports, check_mode, before_change=None):
        if not self.ufw and not check_mode:
            raise BackendError("ufw is not installed")
        desired = dict((r["id"], r) for r in rules if r["protocol"] in UFW_CLI_PROTOCOLS)
        files = UfwRuleFiles.load(self.marker, self.ufw) if self.ufw else None
        current = files.owned_ids() if files else self.read_rules()
        to_add, to_remove = plan(current, desired)
        raw = UfwRawRules(self.marker, [r for r in rules if r["protocol"] not in UFW_CLI_PROTOCOLS])
        raw_add, raw_remove = plan(raw.current_ids, raw.wanted_ids)
        settings, active = self.read_settings()
        self.active = active
        wanted = {
            "IPV6": "yes",
            "DEFAULT_INPUT_POLICY": _UFW_POLICY["deny"],
            "DEFAULT_OUTPUT_POLICY": _UFW_POLICY["deny" if egress_policy == "restricted" else "allow"],
        }
        setting_changes = dict((k, v) for k, v in wanted.items() if settings.get(k) != v)
        before_state = ["enabled: %s" % ("yes" if active else "no")] + [
            "%s=%s" % (k, settings.get(k)) for k in sorted(wanted)]
        after_state = ["enabled: yes"] + ["%s=%s" % (k, wanted[k]) for k in sorted(wanted)]
        changed = bool(to_add or to_remove or raw.differs or setting_changes or not active)
        if changed and not check_mode:
            self.summary = {"added": sorted(to_add + raw_add), "removed": sorted(to_remove + raw_remove)}
            if before_change:
                before_change()
            # The block is written first; ufw reads it on the reload or the enable below.
            if raw.differs:
                raw.write(self.module)
            # IPv6 first: ufw refuses IPv6 rules while it is off.
            reload_all = raw.differs and active
            if "IPV6" in setting_changes:
                self._set_ipv6()
                if files:
                    # ufw reads IPV6 when it starts: the rules written below need it on.
                    files = UfwRuleFiles.load(self.marker, self.ufw)
                    reload_all = active
                elif active:
                    self.run([self.ufw, "reload"])
            if files:
                # Every added and removed rule in one write of ufw's rule files, loaded at once.
                if to_add or to_remove:
                    files.replace(to_remove, [self.rule_argv(desired[i]) for i in to_add])
                    if active and not reload_all:
                        for argv in files.restore_commands():
                            self.run(argv)
            else:
                for rule_id in to_add:
                    self.run(self.rule_argv(desired[rule_id]))
            if "DEFAULT_INPUT_POLICY" in setting_changes:
                self.run([self.ufw, "default", "deny", "incoming"])
            if "DEFAULT_OUTPUT_POLICY" in setting_changes:
                self.run([self.ufw, "default", "deny" if egress_policy == "restricted" else "allow", "outgoing"])
            if not files:
                for rule_id in to_remove:
                    self.run([self.ufw, "delete"] + current[rule_id])
            if reload_all:
                self.run([self.ufw, "reload"])
            if not active:
                self.run([self.ufw, "--force", "enable"])
        return {
            "changed": changed,
            "added": sorted(to_add + raw_add),
            "removed": sorted(to_remove + raw_remove),
            "before_state": before_state,
            "after_state": after_state,
            "current_ids": sorted(list(current) + raw.current_ids),
            "wanted_ids": sorted(list(desired) + raw.wanted_ids),
        }

    def _set_ipv6(self):
        with open(UFW_DEFAULTS_FILE) as handle:
            text = handle.read()
        if re.search(r"(?m)^\s*IPV6\s*=", text):
            text = re.sub(r"(?m)^\s*IPV6\s*=.*$", "IPV6=yes", text)
        else:
            text += "\nIPV6=yes\n"
        tmp = UFW_DEFAULTS_FILE + ".oth-stack.tmp"
        with open(tmp, "w") as handle:
            handle.write(text)
        self.module.atomic_move(tmp, UFW_DEFAULTS_FILE)


class UfwRuleFiles:
    """ufw's own rule files (/etc/ufw/user.rules, user6.rules), edited through ufw's Python library.

    The ufw command changes one rule per process and, while ufw is enabled, runs iptables for
    each: a thousand rules take minutes. ufw is a Python program, and its library parses a rule
    from the same words as the command line and writes the files the same way, so the whole
    change is one write of both files, loaded with one ``iptables-restore --noflush`` per address
    family. That replaces ufw's user chains in one transaction, as ufw does when it starts, and
    leaves its other chains, and every other tool's, alone. ``ufw status`` shows the rules as if
    typed one by one. Without the library (another Python than the system's runs the module) the
    backend falls back to the command line.
    """

    def __init__(self, marker, frontend):
        self.prefix = marker + ":"
        self.frontend = frontend
        self.backend = frontend.backend
        self.changed_families = []

    @classmethod
    def load(cls, marker, ufw_path):
        try:
            import gettext
            import sys
            import ufw.frontend
        except ImportError:
            return None
        # ufw's messages call gettext's _(), which its command installs at start; and ufw checks
        # that the program running it is root's, which is its own command when it runs.
        gettext.install("ufw")
        argv0, sys.argv[0] = sys.argv[0], ufw_path
        try:
            return cls(marker, ufw.frontend.UFWFrontend(dryrun=False))
        except ufw.common.UFWError as error:
            raise BackendError("ufw: %s" % error.value)
        finally:
            sys.argv[0] = argv0

    def _lists(self):
        return ((False, self.backend.rules), (True, self.backend.rules6))

    def owned_ids(self):
        ids = {}
        for _v6, rules in self._lists():
            for rule in rules:
                comment = rule.get_comment()
                if comment.startswith(self.prefix):
                    ids[comment[len(self.prefix):]] = True
        return ids

    def replace(self, remove_ids, add_argvs):
        """Drop the owned rules of remove_ids, append the rules of add_argvs, write both files."""
        import ufw.frontend

        gone = set(self.prefix + i for i in remove_ids)
        before = dict((v6, list(rules)) for v6, rules in self._lists())
        self.backend.rules[:] = [r for r in self.backend.rules if r.get_comment() not in gone]
        self.backend.rules6[:] = [r for r in self.backend.rules6 if r.get_comment() not in gone]
        for argv in add_argvs:
            parsed = ufw.frontend.parse_command(["ufw"] + argv[1:])
            rule, families = parsed.data["rule"], parsed.data["iptype"]
            for v6 in {"v4": [False], "v6": [True], "both": [False, True]}[families]:
                if v6 and not self.backend.use_ipv6():
                    continue
                copy = rule.dup_rule()
                copy.set_v6(v6)
                copy.normalize()
                (self.backend.rules6 if v6 else self.backend.rules).append(copy)
        for v6, rules in self._lists():
            if [r.format_rule() + r.comment for r in rules] != [r.format_rule() + r.comment for r in before[v6]]:
                try:
                    self.backend._write_rules(v6=v6)
                except ufw.common.UFWError as error:
                    raise BackendError("ufw: %s" % error.value)
                self.changed_families.append(v6)

    def restore_commands(self):
        """iptables-restore of each rule file written, into the running firewall."""
        commands = []
        for v6 in self.changed_families:
            restore = self.backend.ip6tables_restore if v6 else self.backend.iptables_restore
            path = self.backend.files["rules6" if v6 else "rules"]
            commands.append([restore, "--noflush", path])
        return commands


class UfwRawRules:
    """The rules ufw's command line cannot express, as one marked block per before*.rules file.

    Each rule is an ``iptables-restore`` line in ufw's before-chains, under a comment naming its
    id. The block sits just before the file's ``COMMIT`` (the end of its ``*filter`` table);
    everything outside it is left as it is.
    """

    def __init__(self, marker, rules):
        self.begin = "# BEGIN %s: rules ufw's command line cannot express; written by oth.stack.firewall" % marker
        self.end = "# END %s" % marker
        self.files = {}
        self.wanted_ids = sorted(r["id"] for r in rules)
        self.current_ids = []
        for family, path in sorted(UFW_BEFORE_RULES.items()):
            text = _read(path)
            wanted = [r for r in rules if r["family"] in (family, "any")]
            if text is None:
                # ufw not installed yet (check mode before the package task ran): all to add.
                if wanted:
                    self.files[path] = None
                continue
            kept, ids = self._without_block(text)
            self.current_ids += ids
            new = self._with_block(kept, wanted, path) if wanted else kept
            if new != text:
                self.files[path] = new
        self.current_ids = sorted(set(self.current_ids))

    @property
    def differs(self):
        return bool(self.files)

    def _without_block(self, text):
        lines, ids, inside = [], [], False
        for line in text.splitlines(True):
            if line.rstrip("\n") == self.begin:
                inside = True
            elif inside and line.rstrip("\n") == self.end:
                inside = False
            elif inside:
                if line.startswith("# id "):
                    ids.append(line[len("# id "):].strip())
            else:
                lines.append(line)
        return "".join(lines), ids

    def _with_block(self, text, rules, path):
        block = [self.begin + "\n"]
        for rule in sorted(rules, key=lambda r: r["id"]):
            block += ["# id %s\n" % rule["id"], ufw_raw_line(rule) + "\n"]
        block.append(self.end + "\n")
        lines = text.splitlines(True)
        commits = [i for i, line in enumerate(lines) if line.strip() == "COMMIT"]
        if not commits:
            raise BackendError("%s has no COMMIT line to put the rules before" % path)
        at = commits[-1]
        return "".join(lines[:at] + block + lines[at:])

    def write(self, module):
        for path, text in sorted(self.files.items()):
            if text is None:
                raise BackendError("%s is missing: install ufw as its package ships it" % path)
            tmp = path + ".oth-stack.tmp"
            with open(tmp, "w") as handle:
                handle.write(text)
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
            module.atomic_move(tmp, path)


def ufw_raw_line(rule):
    """One iptables-restore line for ufw's before-chains."""
    if rule["direction"] == "in":
        chain, side = "ufw-before-input", "-s"
    else:
        chain, side = "ufw-before-output", "-d"
    peer = "" if rule["peer"] == "any" else " %s %s" % (side, rule["peer"])
    return "-A %s -p %s%s -j ACCEPT" % (chain, rule["protocol"], peer)


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


# --------------------------------------------------------------------------------------------
# firewalld
# --------------------------------------------------------------------------------------------


def _rich_port(port, protocol):
    return 'port port="%s" protocol="%s"' % (port, protocol)


def firewalld_rich_rule(rule, ipset=None):
    """The rich rule of one rule, written as firewalld prints it back.

    With ipset, the peer is that set (one port of an ipset's flow) instead of the rule's address.
    """
    parts = ["rule"]
    # firewalld needs the family with a destination ipset; it is written for both sides alike.
    if rule["family"] != "any" or ipset:
        parts.append('family="%s"' % rule["family"])
    side = "source" if rule["direction"] == "in" else "destination"
    if ipset:
        parts.append('%s ipset="%s"' % (side, ipset))
    elif rule["peer"] != "any":
        parts.append('%s address="%s"' % (side, rule["peer"]))
    if not rule["port"]:
        parts += ['protocol value="%s"' % rule["protocol"], "accept"]
        return " ".join(parts)
    element = _rich_port(rule["port"], rule["protocol"])
    parts += ["source-" + element if rule.get("reply") else element, "accept"]
    return " ".join(parts)


def exclusive_rich_rule(port_spec):
    port, _sep, protocol = port_spec.partition("/")
    return 'rule priority="%d" %s reject' % (EXCLUSIVE_RULE_PRIORITY, _rich_port(port, protocol or "tcp"))


# With a rejecting egress policy the host still needs ICMP (errors, IPv6 neighbour discovery).
OUTBOUND_BASE_RULES = {
    'rule family="ipv4" protocol value="icmp" accept': "icmp",
    'rule family="ipv6" protocol value="ipv6-icmp" accept': "ipv6-icmp",
}


def parse_policies(text):
    """Parse `firewall-cmd --list-all-policies` into {name: settings with a rich_rules list}."""
    policies = {}
    info = None
    in_rich = False
    for line in text.splitlines():
        if line and not line[0].isspace():
            info = policies.setdefault(line.split()[0], {"rich_rules": []})
            in_rich = False
            continue
        if info is None:
            continue
        if in_rich and line.startswith("\t"):
            if line.strip():
                info["rich_rules"].append(line.strip())
            continue
        in_rich = False
        match = re.match(r"^\s+([a-z][a-z -]*):\s*(.*)$", line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "rich rules":
            in_rich = True
        else:
            info[key] = value
    return policies


# ipset names are at most 31 characters (the kernel's limit, which firewalld's nftables sets share).
IPSET_NAME_MAX = 31
IPSET_DIR = "/etc/firewalld/ipsets"
_IPSET_FAMILY = {"ipv4": "inet", "ipv6": "inet6"}
_IPSET_TAG = {"in": "i", "out": "o", "reply": "r"}
# hash:net holds addresses and networks alike.
IPSET_TYPE = "hash:net"


def ipset_name(prefix, flow, kind, family):
    """The ipset of one flow's peers in one direction and family: <prefix>-<flow>-<i|o|r><4|6>."""
    tag = _IPSET_TAG[kind] + ("6" if family == "ipv6" else "4")
    room = IPSET_NAME_MAX - len(prefix) - len(tag) - 2
    if len(flow) > room:
        flow = "%s-%s" % (flow[:room - 5], hashlib.sha1(flow.encode("utf-8")).hexdigest()[:4])
    return "%s-%s-%s" % (prefix, flow, tag)


def peer_sets(prefix, rules):
    """Group the rules with a named peer into ipsets: {ipset: {"family", "entries", "rules"}}.

    One ipset per flow, direction and family holds the flow's peers; each of the flow's ports is
    then one rich rule naming the set, so the rule count grows with the ports, not with the peers.
    A flow whose ports have different peers (a hand-written rule set can say so) keeps one rich
    rule per peer.
    """
    groups = {}
    for rule in rules:
        if rule["peer"] == "any":
            continue
        kind = "reply" if rule.get("reply") else rule["direction"]
        key = (rule["id"].split(":", 1)[0], kind, rule["family"])
        groups.setdefault(key, {}).setdefault((rule["protocol"], rule["port"]), []).append(rule)
    sets = {}
    for (flow, kind, family), by_port in sorted(groups.items()):
        peers = set(frozenset(r["peer"] for r in port_rules) for port_rules in by_port.values())
        if len(peers) != 1:
            continue
        sets[ipset_name(prefix, flow, kind, family)] = {
            "family": _IPSET_FAMILY[family],
            "entries": collapse(peers.pop()),
            "rules": [port_rules[0] for _key, port_rules in sorted(by_port.items())],
            "ids": sorted(r["id"] for port_rules in by_port.values() for r in port_rules),
        }
    return sets


def collapse(peers):
    """The peers without those inside another: firewalld's nftables sets refuse overlapping entries."""
    networks = sorted((ipaddress.ip_network(p, strict=False) for p in peers),
                      key=lambda n: (n.prefixlen, n.network_address))
    kept = []
    for network in networks:
        if not any(network.subnet_of(k) for k in kept):
            kept.append(network)
    by_network = dict((ipaddress.ip_network(p, strict=False), p) for p in peers)
    return sorted(by_network[k] for k in kept)


def id_template(rule):
    """A rule's id without its peer: the id of any other peer of the same flow and port."""
    return rule["id"][:len(rule["id"]) - len(rule["peer"])]


def read_permanent_ipsets(prefix, directory=None):
    """The permanent ipsets named with prefix, from firewalld's own files: {name: {family, entries}}."""
    directory = directory or IPSET_DIR
    sets = {}
    if not os.path.isdir(directory):
        return sets
    for filename in sorted(os.listdir(directory)):
        name, ext = os.path.splitext(filename)
        if ext != ".xml" or not name.startswith(prefix + "-"):
            continue
        root = ElementTree.parse(os.path.join(directory, filename)).getroot()
        family = "inet"
        for option in root.findall("option"):
            if option.get("name") == "family":
                family = option.get("value")
        sets[name] = {"family": family, "type": root.get("type"),
                      "entries": sorted((e.text or "").strip() for e in root.findall("entry"))}
    return sets


def _xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def ipset_xml(ipset):
    """An ipset as firewalld stores it (firewalld.ipset(5)), entries included."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<ipset type="%s">' % IPSET_TYPE,
             '  <option name="family" value="%s"/>' % ipset["family"]]
    lines += ["  <entry>%s</entry>" % _xml_escape(e) for e in ipset["entries"]]
    return "\n".join(lines + ["</ipset>", ""])


def policy_xml(spec, target):
    """A policy's settings as firewalld stores them (firewalld.policy(5)), without rules."""
    return "\n".join([
        '<?xml version="1.0" encoding="utf-8"?>',
        '<policy priority="%d" target="%s">' % (FIREWALLD_POLICY_PRIORITY, target),
        '  <ingress-zone name="%s"/>' % spec["ingress"],
        '  <egress-zone name="%s"/>' % spec["egress"],
        "</policy>", ""])


def firewall_client():
    """firewalld's own D-Bus client (the library firewall-cmd is written with), or None."""
    try:
        from firewall.client import FirewallClient
    except ImportError:
        return None
    return FirewallClient()


class FirewalldBackend(Backend):
    def __init__(self, module, marker):
        Backend.__init__(self, module, marker)
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", marker).strip("-")
        self.slug = slug
        self.ipsets = {}
        self.policies = {
            "inbound": {"name": slug + "-inbound", "ingress": "ANY", "egress": "HOST"},
            "outbound": {"name": slug + "-outbound", "ingress": "HOST", "egress": "ANY"},
        }
        self.cmd = module.get_bin_path("firewall-cmd")
        self.offline_cmd = module.get_bin_path("firewall-offline-cmd")
        self.online = False

    def permanent(self, *args):
        """A permanent-configuration command: through the daemon, or offline when it is stopped."""
        if self.online:
            return [self.cmd, "--permanent"] + list(args)
        return [self.offline_cmd] + list(args)

    def read_policies(self):
        """Return (permanent, runtime) policy maps; runtime is None while the daemon is stopped."""
        runtime = None
        if self.cmd:
            rc, out, err = self.run([self.cmd, "--list-all-policies"], check_rc=False)
            if rc == 0:
                self.online = True
                runtime = parse_policies(out)
            elif rc != FIREWALLD_NOT_RUNNING:
                raise BackendError("firewall-cmd --list-all-policies failed (rc=%d): %s" % (rc, (err or out).strip()))
        if not (self.online or self.offline_cmd):
            return {}, None
        _rc, out, _err = self.run(self.permanent("--list-all-policies"))
        return parse_policies(out), runtime

    def desired_policies(self, rules, egress_policy, exclusive_ports):
        """The wanted policies ({rich rule: what it stands for}) and ipsets.

        What a rich rule stands for is ("rule", id) for a rule of its own, ("set", ipset name, id
        template) for a port of an ipset's flow, ("base", name) for a rule of the backend's own.
        """
        self.ipsets = peer_sets(self.slug, rules)
        in_sets = set()
        inbound, outbound = {}, dict((r, ("base", name)) for r, name in OUTBOUND_BASE_RULES.items())
        for name, ipset in self.ipsets.items():
            for rule in ipset["rules"]:
                target = inbound if rule["direction"] == "in" else outbound
                target[firewalld_rich_rule(rule, ipset=name)] = ("set", name, id_template(rule))
            in_sets.update(ipset["ids"])
        for rule in rules:
            if rule["id"] not in in_sets:
                target = inbound if rule["direction"] == "in" else outbound
                target[firewalld_rich_rule(rule)] = ("rule", rule["id"])
        for port_spec in exclusive_ports:
            inbound[exclusive_rich_rule(port_spec)] = ("rule", "exclusive:%s" % port_spec)
        desired = {"inbound": {"target": "CONTINUE", "rules": inbound}}
        if egress_policy == "restricted":
            desired["outbound"] = {"target": "REJECT", "rules": outbound}
        else:
            self.ipsets = dict((n, i) for n, i in self.ipsets.items() if i["rules"][0]["direction"] == "in")
        return desired

    @staticmethod
    def rule_ids(meaning, ipsets):
        """The rule ids a rich rule stands for, given the entries of the ipsets it may name.

        A rich rule that is not wanted has no id; it is shown by its text, once per entry of an
        ipset of ours it names.
        """
        if meaning[0] == "set":
            return [meaning[2] + entry for entry in ipsets.get(meaning[1], {}).get("entries", [])]
        if meaning[0] == "text":
            named = re.search(r' ipset="([^"]+)"', meaning[1])
            if named and named.group(1) in ipsets:
                return ["%s, entry %s" % (meaning[1], e) for e in ipsets[named.group(1)]["entries"]]
        return [meaning[1]]

    def read_runtime_ipsets(self):
        """The running daemon's ipsets named with our prefix: {name: {"entries": [...]}}."""
        owned = self.slug + "-"
        client = firewall_client()
        if client is not None:
            # In-process D-Bus: a few milliseconds per ipset, where firewall-cmd costs a process.
            names = [str(n) for n in client.getIPSets() if str(n).startswith(owned)]
            return dict((n, {"entries": sorted(str(e) for e in client.getEntries(n))}) for n in names)
        names = [n for n in self.run([self.cmd, "--get-ipsets"])[1].split() if n.startswith(owned)]
        return dict((n, {"entries": sorted(self.run([self.cmd, "--ipset=%s" % n, "--get-entries"])[1].split())})
                    for n in names)

    def _settings_differ(self, key, info):
        spec = self.policies[key]
        return (
            info.get("target") != self.wanted_target[key]
            or info.get("priority") != str(FIREWALLD_POLICY_PRIORITY)
            or info.get("ingress-zones", "").split() != [spec["ingress"]]
            or info.get("egress-zones", "").split() != [spec["egress"]]
        )

    def apply(self, rules, egress_policy, exclusive_ports, check_mode, before_change=None):
        if not (self.cmd or self.offline_cmd) and not check_mode:
            raise BackendError("firewalld is not installed")
        desired = self.desired_policies(rules, egress_policy, exclusive_ports)
        self.wanted_target = dict((k, v["target"]) for k, v in desired.items())
        result = {"before_state": [], "after_state": [], "current_ids": [], "wanted_ids": []}
        steps = []  # (kind, key, payload)
        need_reload = False
        all_permanent, all_runtime = self.read_policies()
        self.active = self.online
        permanent_sets = read_permanent_ipsets(self.slug)
        runtime_sets = self.read_runtime_ipsets() if self.online and all_runtime is not None else None

        # ipsets first: a rule that names a set needs the set, and new peers go in before the
        # rules that would drop them are removed.
        for name, ipset in sorted(self.ipsets.items()):
            current = permanent_sets.get(name)
            if current is not None and (current["family"], current["type"]) != (ipset["family"], IPSET_TYPE):
                steps.append(("ipset_delete", name, None))
                current = None
            if current is None:
                # Created with its entries, in one command.
                steps.append(("ipset_create", name, ipset))
                need_reload = need_reload or self.online
                current = {"entries": ipset["entries"]}
            add, remove = plan(current["entries"], ipset["entries"])
            if add or remove:
                steps.append(("ipset_permanent", name, (add, remove)))
            if runtime_sets is not None and name in runtime_sets:
                add, remove = plan(runtime_sets[name]["entries"], ipset["entries"])
                if add or remove:
                    steps.append(("ipset_runtime", name, (add, remove)))
            elif self.online:
                need_reload = True

        meanings = {}
        for spec in desired.values():
            meanings.update(spec["rules"])
        for key, spec in desired.items():
            for meaning in spec["rules"].values():
                result["wanted_ids"] += self.rule_ids(meaning, self.ipsets)
        for key in ("inbound", "outbound"):
            name = self.policies[key]["name"]
            permanent = all_permanent.get(name)
            runtime = all_runtime.get(name) if all_runtime is not None else None
            wanted = desired.get(key)
            current_rules = permanent["rich_rules"] if permanent else []
            for rich in current_rules:
                result["current_ids"] += self.rule_ids(meanings.get(rich, ("text", rich)), permanent_sets)
            if permanent:
                result["before_state"].append("policy %s: target %s" % (name, permanent.get("target")))
            if wanted:
                result["after_state"].append("policy %s: target %s" % (name, wanted["target"]))
            if wanted is None:
                if permanent is not None:
                    steps.append(("delete", key, None))
                    need_reload = True
                continue
            to_add, to_remove = plan(current_rules, wanted["rules"])
            if permanent is None:
                steps.append(("create", key, None))
                need_reload = True
            elif self._settings_differ(key, permanent):
                steps.append(("settings", key, None))
                need_reload = True
            if to_add:
                steps.append(("add_permanent", key, to_add))
            if to_remove:
                steps.append(("remove_permanent", key, to_remove))
            if self.online and runtime is not None:
                rt_add, rt_remove = plan(runtime["rich_rules"], wanted["rules"])
                if rt_add:
                    steps.append(("add_runtime", key, rt_add))
                if rt_remove:
                    steps.append(("remove_runtime", key, rt_remove))
            elif self.online:
                need_reload = True
        # Sets no rule names any more go last, after the rules that named them, from the permanent
        # configuration only: the runtime copy, named by no rule, goes with the next reload.
        for name in sorted(set(permanent_sets) - set(self.ipsets)):
            steps.append(("ipset_delete", name, None))
            result["before_state"].append("ipset %s: %d entries" % (name, len(permanent_sets[name]["entries"])))
        result["current_ids"] = sorted(set(result["current_ids"]))
        result["wanted_ids"] = sorted(set(result["wanted_ids"]))
        result["added"], result["removed"] = plan(result["current_ids"], result["wanted_ids"])
        result["changed"] = bool(steps)
        if steps and not check_mode:
            self.summary = {"added": result["added"], "removed": result["removed"]}
            if before_change:
                before_change()
            self._execute(steps, need_reload)
        return result

    def _run_with_file(self, text, argv_of_path, filename="entries"):
        """Run a command that reads text from a file (entries, or a whole policy or ipset).

        firewalld checks a policy's or ipset's name in its file's name too, so those are written
        as <name>.xml.
        """
        directory = tempfile.mkdtemp(prefix="oth-stack-firewalld-", dir=getattr(self.module, "tmpdir", None))
        path = os.path.join(directory, filename)
        try:
            with open(path, "w") as out:
                out.write(text)
            return self.run(argv_of_path(path))
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def _set_entries(self, argv_prefix, name, add, remove):
        # One command per direction of change however many entries: firewalld sets them at once.
        for flag, entries in (("--add-entries-from-file", add), ("--remove-entries-from-file", remove)):
            if entries:
                self._run_with_file("".join(e + "\n" for e in entries),
                                    lambda path, flag=flag: argv_prefix + ["--ipset=%s" % name, "%s=%s" % (flag, path)])

    def _execute(self, steps, need_reload):
        for kind, key, payload in steps:
            if kind == "ipset_create":
                self._run_with_file(ipset_xml(payload),
                                    lambda path: self.permanent("--new-ipset-from-file=%s" % path, "--name=%s" % key),
                                    filename=key + ".xml")
                continue
            if kind == "ipset_delete":
                self.run(self.permanent("--delete-ipset=%s" % key))
                continue
            if kind == "ipset_permanent":
                self._set_entries(self.permanent(), key, *payload)
                continue
            if kind == "ipset_runtime":
                if not need_reload:
                    self._set_entries([self.cmd], key, *payload)
                continue
            spec = self.policies[key]
            name = spec["name"]
            if kind == "delete":
                self.run(self.permanent("--delete-policy=%s" % name))
            elif kind == "create":
                # The policy with its settings in one command; its rich rules follow in another.
                self._run_with_file(policy_xml(spec, self.wanted_target[key]),
                                    lambda path: self.permanent("--new-policy-from-file=%s" % path, "--name=%s" % name),
                                    filename=name + ".xml")
            elif kind == "settings":
                info = parse_policies(self.run(self.permanent("--info-policy=%s" % name))[1]).get(name, {})
                for zone_key, flag, wanted in (("ingress-zones", "ingress-zone", spec["ingress"]),
                                               ("egress-zones", "egress-zone", spec["egress"])):
                    for zone in info.get(zone_key, "").split():
                        if zone != wanted:
                            self.run(self.permanent("--policy=%s" % name, "--remove-%s=%s" % (flag, zone)))
                    if wanted not in info.get(zone_key, "").split():
                        self.run(self.permanent("--policy=%s" % name, "--add-%s=%s" % (flag, wanted)))
                self.run(self.permanent("--policy=%s" % name, "--set-priority=%d" % FIREWALLD_POLICY_PRIORITY))
                self.run(self.permanent("--policy=%s" % name, "--set-target=%s" % self.wanted_target[key]))
            elif kind in ("add_permanent", "remove_permanent"):
                flag = "--add-rich-rule=%s" if kind.startswith("add") else "--remove-rich-rule=%s"
                self.run(self.permanent("--policy=%s" % name, *[flag % r for r in payload]))
            elif kind in ("add_runtime", "remove_runtime") and not need_reload:
                flag = "--add-rich-rule=%s" if kind.startswith("add") else "--remove-rich-rule=%s"
                self.run([self.cmd, "--policy=%s" % name] + [flag % r for r in payload])
        if need_reload and self.online:
            # Only a new, deleted or re-targeted policy or ipset needs this: runtime cannot create them.
            self.run([self.cmd, "--reload"])


BACKENDS = {"ufw": UfwBackend, "firewalld": FirewalldBackend}
