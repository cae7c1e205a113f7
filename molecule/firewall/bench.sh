#!/usr/bin/env bash
# Time the firewall's apply step on the storage host of a converged scenario (molecule converge
# -s firewall), with 2 and with 20 application servers in the inventory (18 of them exist only
# there), for the role (one call for the whole set) and for a per-rule module loop.
#
#   molecule/firewall/bench.sh      -> prints one line per measurement, seconds of wall time
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/tools/containers.conf}
export ANSIBLE_CONFIG=$root/ansible.cfg
playbook=${ANSIBLE_PLAYBOOK:-$root/.venv/bin/ansible-playbook}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ip4() { podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
backend=$(podman exec fw-storage1 sh -c 'command -v ufw >/dev/null && echo ufw || echo firewalld')

inventory() {  # $1: number of application servers
  {
    echo "all:"
    echo "  vars: {ansible_connection: containers.podman.podman, firewall_backend: $backend, oth_admin_sources: [],"
    echo "         oth_object_storage: minio, oth_egress_policy: restricted, firewall_package_mirrors: [],"
    echo "         firewall_ntp_servers: [], oth_features: {android_push: true, ios_push: true, sms: true, video: true}}"
    echo "  children:"
    echo "    loadbalancer: {hosts: {fw-lb1: {oth_internal_ip: $(ip4 fw-lb1)}}}"
    echo "    storage: {hosts: {fw-storage1: {oth_internal_ip: $(ip4 fw-storage1)}}}"
    echo "    application:"
    echo "      hosts:"
    echo "        fw-app1: {oth_internal_ip: $(ip4 fw-app1)}"
    echo "        fw-app2: {oth_internal_ip: $(ip4 fw-app2)}"
    for i in $(seq 3 "$1"); do echo "        fw-app$i: {oth_internal_ip: 192.0.2.$i}"; done
  } >"$work/inventory-$1.yml"
}

run() {  # $1 label, $2 apps, $3 mode
  local start end
  start=$(date +%s.%N)
  ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks "$playbook" -i "$work/inventory-$2.yml" "$here/bench.yml" -e "bench_mode=$3" --limit storage >"$work/log" 2>&1 \
    || { cat "$work/log"; exit 1; }
  end=$(date +%s.%N)
  # The apply step alone (the module call, or the whole loop), from profile_tasks' recap.
  step=$(grep -E '(Apply the whole rule set|One [a-z.]+ call per rule)' "$work/log" | grep -oE '[0-9.]+s$' | head -n1)
  printf '%-44s playbook %6.1f s   apply step %s\n' "$1" "$(echo "$end - $start" | bc)" "${step:-n/a}"
}

for apps in 2 20; do
  inventory "$apps"
  run "$backend $apps apps: role, converge" "$apps" role
  run "$backend $apps apps: role, no change" "$apps" role
  run "$backend $apps apps: (clean)" "$apps" clean
  run "$backend $apps apps: per-rule loop, converge" "$apps" loop
  run "$backend $apps apps: per-rule loop, no change" "$apps" loop
  [ "$backend" = firewalld ] && run "$backend $apps apps: (loop clean)" "$apps" loopclean
  run "$backend $apps apps: (clean)" "$apps" clean
done
