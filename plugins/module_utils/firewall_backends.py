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
  ``oth-stack-outbound``, HOST -> ANY, present only with restricted egress). Zones are not
  edited, so rules in them (Docker, fail2ban, hand-made ones) keep working.

Each backend reads the current state once, computes what to add and remove, and changes the
firewall only when something differs: a no-change run costs a couple of read-only commands.
New allow rules go in before stale ones are removed and before a default-deny is switched on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shlex

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
        current = self.read_rules()
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
            if "IPV6" in setting_changes:
                self._set_ipv6()
                if active:
                    self.run([self.ufw, "reload"])
            for rule_id in to_add:
                self.run(self.rule_argv(desired[rule_id]))
            if "DEFAULT_INPUT_POLICY" in setting_changes:
                self.run([self.ufw, "default", "deny", "incoming"])
            if "DEFAULT_OUTPUT_POLICY" in setting_changes:
                self.run([self.ufw, "default", "deny" if egress_policy == "restricted" else "allow", "outgoing"])
            for rule_id in to_remove:
                self.run([self.ufw, "delete"] + current[rule_id])
            if raw.differs and active:
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


def firewalld_rich_rule(rule):
    """The rich rule of one rule, written as firewalld prints it back."""
    parts = ["rule"]
    if rule["family"] != "any":
        parts.append('family="%s"' % rule["family"])
    if rule["peer"] != "any":
        side = "source" if rule["direction"] == "in" else "destination"
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


class FirewalldBackend(Backend):
    def __init__(self, module, marker):
        Backend.__init__(self, module, marker)
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", marker).strip("-")
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
        inbound = dict((firewalld_rich_rule(r), r["id"]) for r in rules if r["direction"] == "in")
        for port_spec in exclusive_ports:
            inbound[exclusive_rich_rule(port_spec)] = "exclusive:%s" % port_spec
        desired = {"inbound": {"target": "CONTINUE", "rules": inbound}}
        if egress_policy == "restricted":
            outbound = dict(OUTBOUND_BASE_RULES)
            outbound.update((firewalld_rich_rule(r), r["id"]) for r in rules if r["direction"] == "out")
            desired["outbound"] = {"target": "REJECT", "rules": outbound}
        return desired

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
        labels = {}
        for spec in desired.values():
            labels.update(spec["rules"])
        result = {"added": [], "removed": [], "before_state": [], "after_state": [],
                  "current_ids": [], "wanted_ids": sorted(labels.values())}
        steps = []  # (kind, key, payload)
        need_reload = False
        all_permanent, all_runtime = self.read_policies()
        self.active = self.online
        for key in ("inbound", "outbound"):
            name = self.policies[key]["name"]
            permanent = all_permanent.get(name)
            runtime = all_runtime.get(name) if all_runtime is not None else None
            wanted = desired.get(key)
            current_rules = permanent["rich_rules"] if permanent else []
            result["current_ids"] += [labels.get(r, r) for r in current_rules]
            if permanent:
                result["before_state"].append("policy %s: target %s" % (name, permanent.get("target")))
            if wanted:
                result["after_state"].append("policy %s: target %s" % (name, wanted["target"]))
            if wanted is None:
                if permanent is not None:
                    steps.append(("delete", key, None))
                    need_reload = True
                    result["removed"] += [labels.get(r, r) for r in current_rules]
                continue
            to_add, to_remove = plan(current_rules, wanted["rules"])
            result["added"] += [wanted["rules"][r] for r in to_add]
            result["removed"] += [labels.get(r, r) for r in to_remove]
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
        result["changed"] = bool(steps)
        if steps and not check_mode:
            self.summary = {"added": sorted(result["added"]), "removed": sorted(result["removed"])}
            if before_change:
                before_change()
            self._execute(steps, need_reload)
        return result

    def _execute(self, steps, need_reload):
        for kind, key, payload in steps:
            spec = self.policies[key]
            name = spec["name"]
            if kind == "delete":
                self.run(self.permanent("--delete-policy=%s" % name))
            elif kind in ("create", "settings"):
                if kind == "create":
                    self.run(self.permanent("--new-policy=%s" % name))
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
            # Only a new, deleted or re-targeted policy needs this: runtime cannot create policies.
            self.run([self.cmd, "--reload"])


BACKENDS = {"ufw": UfwBackend, "firewalld": FirewalldBackend}
