#!/usr/bin/env bash
# `make bench`: side by side in one run, playbooks/site.yml against tools/bench-naive.yml (the
# same job done the hand-written way): the first converge of a fresh lab and a no-change re-run,
# with tasks and module calls per host, on the 4-node lab and on a lab with 20 application
# servers; then the storage host's firewall apply with 2, 20 and 200 application servers.
#
# Every converge is over SSH, as a site's controller reaches its hosts; each lab is re-run once
# more through the podman connection (no-change), and the 4-node lab is also converged through it.
#   BENCH_APP_SERVERS="2 20"   lab sizes (application servers)
#   BENCH_PODMAN_FIRST=yes     also converge the 4-node lab fresh through podman (no: skip it)
#   BENCH_FIREWALL=yes         the firewall table (no: skip it)
#   BENCH_NAIVE=yes            the naive playbook's runs (no: site.yml only, e.g. for the 20-server ratio)
#   BENCH_NAIVE_SIZES="2 20"   the lab sizes the naive playbook runs on (default: every size)
#   BENCH_PODMAN=yes           the re-runs through the podman connection (no: over SSH only)
#   BENCH_RERUNS=3             no-change re-runs of each kind; the ratios take their median (the
#                              naive playbook's on the larger lab run once: 7 to 18 minutes each)
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/bench
mkdir -p "$out"
# Ratios only between runs of this bench run.
rm -f "$out"/*.seconds
sizes=${BENCH_APP_SERVERS:-2 20}
reruns=${BENCH_RERUNS:-3}
# Every node of the larger lab at once, for both playbooks.
export ANSIBLE_FORKS=${ANSIBLE_FORKS:-25}
# The podman connection: the containers by name, as root.
podman_vars=(-e ansible_connection=containers.podman.podman -e 'ansible_host=oth-lab-{{ inventory_hostname }}'
             -e ansible_user=root)
# No bastion between the controller and the nodes there, so the naive playbook needs no
# load-balancer-first batch (tools/bench-naive.yml).
naive_podman=(-e '{"naive_serial": ["100%"]}')

run() {  # run NAME PLAYBOOK [ansible-playbook options]: time one run, keep its JSON results
  local name=$1 playbook=$2 start
  shift 2
  # The shell's `times` (its second line: the CPU its children used) before and after the run.
  times >"$out/$name.cpu"
  start=$EPOCHREALTIME
  ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible-playbook -i inventories/lab "$playbook" "$@" >"$out/$name.json"
  times >>"$out/$name.cpu"
  python3 tools/bench_report.py "$name" "$out/$name.json" "$start" "$EPOCHREALTIME" "$out/$name.cpu"
}

rerun() {  # rerun NAME PLAYBOOK [options]: the no-change re-run, N times; NAME.seconds holds the median
  local name=$1 times=$reruns i
  [ "$name" = "${name#naive-nochange-}" ] || [ "$size" = 2 ] || times=1
  for i in $(seq "$times"); do
    run "$name-$i" "${@:2}"
  done
  python3 -c "import statistics, sys; print(f'{statistics.median(float(open(p).read()) for p in sys.argv[1:]):.1f}')" \
    "$out/$name"-*.seconds >"$out/$name.seconds"
  [ "$times" = 1 ] || printf '%-30s %7.1f  (median of %s)\n' "$name" "$(cat "$out/$name.seconds")" "$times"
}

fresh_lab() {  # fresh_lab SIZE
  ansible-playbook tools/lab-down.yml >/dev/null
  OTH_LAB_APP_SERVERS=$1 ansible-playbook tools/lab-up.yml >/dev/null
}

ratio() {  # ratio LABEL A B: print A/B
  python3 -c "import sys; a, b = (float(open(f'$out/{n}.seconds').read()) for n in sys.argv[2:]); print(f'{sys.argv[1]:<46} {a:7.1f} s / {b:7.1f} s = {a / b:.2f}')" "$@"
}

echo "run                            seconds  controller CPU  tasks  module calls per host (changed)"
for size in $sizes; do
  fresh_lab "$size"
  run "site-first-ssh-$size" playbooks/site.yml
  rerun "site-nochange-ssh-$size" playbooks/site.yml
  # Through podman the run connects from no address, so the controller's SSH rule goes: one run
  # to align the firewall, then the no-change run.
  if [ "${BENCH_PODMAN:-yes}" = yes ]; then
    run "site-align-podman-$size" playbooks/site.yml "${podman_vars[@]}"
    rerun "site-nochange-podman-$size" playbooks/site.yml "${podman_vars[@]}"
  fi
  if [ "${BENCH_NAIVE:-yes}" = yes ] && [[ " ${BENCH_NAIVE_SIZES:-$sizes} " == *" $size "* ]]; then
    fresh_lab "$size"
    run "naive-first-ssh-$size" tools/bench-naive.yml
    rerun "naive-nochange-ssh-$size" tools/bench-naive.yml
    if [ "${BENCH_PODMAN:-yes}" = yes ]; then
      run "naive-align-podman-$size" tools/bench-naive.yml "${podman_vars[@]}" "${naive_podman[@]}"
      rerun "naive-nochange-podman-$size" tools/bench-naive.yml "${podman_vars[@]}" "${naive_podman[@]}"
    fi
  fi
  if [ "$size" = 2 ] && [ "${BENCH_PODMAN_FIRST:-yes}" = yes ]; then
    fresh_lab "$size"
    run "site-first-podman-$size" playbooks/site.yml "${podman_vars[@]}"
    if [ "${BENCH_NAIVE:-yes}" = yes ]; then
      fresh_lab "$size"
      run "naive-first-podman-$size" tools/bench-naive.yml "${podman_vars[@]}" "${naive_podman[@]}"
    fi
  fi
done
ansible-playbook tools/lab-down.yml >/dev/null

echo
echo "ratios                                            site.yml     naive"
for size in $sizes; do
  for conn in ssh podman; do
    [ -f "$out/naive-nochange-$conn-$size.seconds" ] || continue
    [ -f "$out/site-first-$conn-$size.seconds" ] && ratio "first converge, $size app servers, $conn" "site-first-$conn-$size" "naive-first-$conn-$size"
    ratio "no-change re-run, $size app servers, $conn" "site-nochange-$conn-$size" "naive-nochange-$conn-$size"
  done
done
for size in $sizes; do
  [ "$size" = 2 ] && continue
  for conn in ssh podman; do
    [ -f "$out/site-nochange-$conn-$size.seconds" ] || continue
    ratio "site.yml no-change, $size against 2 app servers, $conn" "site-nochange-$conn-$size" "site-nochange-$conn-2"
  done
done

[ "${BENCH_FIREWALL:-yes}" = yes ] || exit 0
# Large rule sets: a fresh storage host behind 2, 20 and 200 application servers (inventory
# entries only), reached over SSH; the time of the firewall_apply task itself.
echo
echo "storage host's firewall  app servers  rules  first apply  no-change apply  commands"
for backend in ufw firewalld; do
  for servers in 2 20 200; do
    ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible-playbook -i /dev/null tools/bench-firewall.yml \
      -e bench_backend=$backend -e bench_app_servers=$servers >"$out/firewall-$backend-$servers.json"
    python3 tools/bench_firewall_report.py $backend $servers "$out/firewall-$backend-$servers.json"
  done
  podman rm -f "oth-bench-fw-$backend" >/dev/null
done
podman network rm -f oth-bench >/dev/null
