# SPDX-License-Identifier: GPL-3.0-or-later
"""One line of `make bench`: a run's time, its task count and the module calls per host.

Reads the output of the ansible.posix.json stdout callback. A module call is a round trip to the
host: a result that carries the module's `invocation` (or says it was censored by no_log), plus
fact gathering. Controller-side actions (set_fact, assert, argument validation) and tasks
skipped by their `when` cost no round trip and are not counted.
"""
import collections
import json
import re
import sys

name, path = sys.argv[1], sys.argv[2]
seconds = float(sys.argv[4]) - float(sys.argv[3])


def children_cpu(line):
    """User plus system seconds from a line of bash's `times`, e.g. '1m2.345s 0m0.678s'."""
    return sum(int(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([\d.]+)s", line))


# The controller's CPU: what ansible-playbook and its children (ssh, podman) used, from the lines
# of bash's `times` before and after the run (the second of each pair is the children's).
with open(sys.argv[5], encoding="utf-8") as handle:
    lines = handle.read().splitlines()
cpu = children_cpu(lines[3]) - children_cpu(lines[1])
with open(path, encoding="utf-8") as handle:
    report = json.load(handle)

tasks = 0
calls = collections.Counter()
changed = collections.Counter()
for play in report["plays"]:
    for task in play["tasks"]:
        tasks += 1
        for host, result in task["hosts"].items():
            if result.get("skipped"):
                continue
            # A loop is one result holding one module call per item.
            items = result.get("results") or [result]
            remote = [item for item in items if not item.get("skipped")
                      and ("invocation" in item or "censored" in item or "ansible_facts" in item and "gather_subset" in str(item))]
            calls[host] += len(remote)
            changed[host] += sum(1 for item in items if item.get("changed"))

per_host = "  ".join(f"{host}={calls[host]}({changed[host]})" for host in sorted(calls) if host != "localhost")
if len(calls) > 6:  # a large lab: the spread, not every host
    counts = sorted(v for h, v in calls.items() if h != "localhost")
    per_host = f"{len(counts)} hosts, {counts[0]} to {counts[-1]} calls, {sum(changed.values())} changed in all"
print(f"{name:<30} {seconds:7.1f}  {cpu:14.1f}  {tasks:5d}  {per_host}")
# Kept for the closing comparison of tools/bench.sh.
with open(path.rsplit(".", 1)[0] + ".seconds", "w", encoding="utf-8") as handle:
    handle.write(f"{seconds:.1f}\n")
failed = [host for host, stats in report["stats"].items() if stats.get("failures") or stats.get("unreachable")]
if failed:
    sys.exit(f"{name}: failed on {', '.join(failed)}")
