# SPDX-License-Identifier: GPL-3.0-or-later
"""One line of `make bench`: a run's time, its task count and the module calls per host.

Reads the output of the ansible.posix.json stdout callback. A module call is a round trip to the
host: a result that carries the module's `invocation` (or says it was censored by no_log), plus
fact gathering. Controller-side actions (set_fact, assert, argument validation) and tasks
skipped by their `when` cost no round trip and are not counted.
"""
import collections
import json
import sys

name, path = sys.argv[1], sys.argv[2]
seconds = float(sys.argv[4]) - float(sys.argv[3])
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
print(f"{name:<24} {seconds:7.1f}  {tasks:5d}  {per_host}")
# Kept for the closing comparison of tools/bench.sh.
with open(path.rsplit(".", 1)[0] + ".seconds", "w", encoding="utf-8") as handle:
    handle.write(f"{seconds:.1f}\n")
failed = [host for host, stats in report["stats"].items() if stats.get("failures") or stats.get("unreachable")]
if failed:
    sys.exit(f"{name}: failed on {', '.join(failed)}")
