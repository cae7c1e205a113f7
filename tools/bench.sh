#!/usr/bin/env bash
# `make bench`: on a fresh lab, time the first converge of playbooks/site.yml and a no-change
# re-run, count tasks and module calls per host, and compare the no-change run with a naive
# playbook doing the same job with one module call per firewall rule and per /etc/hosts line.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/bench
mkdir -p "$out"

run() {  # run NAME PLAYBOOK: time one ansible-playbook run, keep its JSON results
  local name=$1 playbook=$2 start
  start=$EPOCHREALTIME
  ANSIBLE_STDOUT_CALLBACK=ansible.posix.json \
    ansible-playbook -i inventories/lab "$playbook" >"$out/$name.json"
  python3 tools/bench_report.py "$name" "$out/$name.json" "$start" "$EPOCHREALTIME"
}

ansible-playbook tools/lab-down.yml >/dev/null
ansible-playbook tools/lab-up.yml >/dev/null

echo "run                      seconds  tasks  module calls per host (changed)"
run site-fresh playbooks/site.yml
run site-nochange playbooks/site.yml
run naive-first tools/bench-naive.yml
run naive-nochange tools/bench-naive.yml

site=$(cat "$out/site-nochange.seconds") naive=$(cat "$out/naive-nochange.seconds")
python3 -c "import sys; s, n = map(float, sys.argv[1:]); print(f'no-change re-run: site.yml {s:.1f} s, naive {n:.1f} s: site.yml takes {s / n:.0%} of the naive time')" "$site" "$naive"
