# SPDX-License-Identifier: GPL-3.0-or-later
"""One line of `make bench`'s firewall table: the storage host's first and no-change apply.

Reads the ansible.posix.json output of tools/bench-firewall.yml, which applies the firewall role
twice to a fresh storage host; the figures are the durations of the firewall_apply task itself.
"""
import datetime
import json
import sys

backend, servers, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, encoding="utf-8") as handle:
    report = json.load(handle)


def seconds(task):
    start, end = (datetime.datetime.fromisoformat(task["task"]["duration"][k].replace("Z", "+00:00")) for k in ("start", "end"))
    return (end - start).total_seconds()


applies = [(seconds(task), task["hosts"]["storage1"]) for play in report["plays"] for task in play["tasks"]
           if "Apply the whole rule set" in task["task"]["name"] and "storage1" in task["hosts"]]
if len(applies) != 2 or any(result.get("failed") for _s, result in applies):
    sys.exit("%s with %d application servers: the two applies did not both run and pass" % (backend, servers))
(first, first_result), (again, again_result) = applies
if not first_result.get("changed") or again_result.get("changed"):
    sys.exit("%s with %d application servers: the first apply must change, the second not" % (backend, servers))
print(f"{backend:<10} {servers:>11}  {len(first_result['rules']):5d}  {first:11.1f}  {again:15.1f}  "
      f"{len(first_result['commands']):4d}/{len(again_result['commands'])}")
