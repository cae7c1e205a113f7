#!/usr/bin/env bash
# Printed at the end of `make lab`: what to try on the lab that just converged.
cd "$(dirname "$0")/.." || exit 1
lb=$(awk '/lb1:/{f=1} f&&/oth_internal_ip/{print $2; exit}' inventories/lab/hosts.yml)
app1=$(awk '/app1:/{f=1} f&&/oth_internal_ip/{print $2; exit}' inventories/lab/hosts.yml)
fqdn=$(awk '/^oth_fqdn:/{print $2}' inventories/lab/group_vars/all/main.yml)
cat <<MSG

The lab is up and converged: lb1 ($lb), app1, app2, storage1, and client1 (internet and staff).
Ansible reaches the nodes over SSH as the deploy user, app1, app2 and storage1 through lb1
(ProxyJump), with the ssh_config in .cache/lab-pki/ssh_config; client1 is driven with podman.
Try:
  podman exec oth-lab-client1 curl --cacert /dev/stdin --resolve $fqdn:443:$lb https://$fqdn/ < .cache/lab-pki/root-ca.pem
  ansible-playbook playbooks/preflight.yml             # every flow of the spec, pass/fail per node
  ansible-playbook playbooks/network_matrix.yml        # the matrix for the network team
  ansible-playbook playbooks/site.yml --check --diff   # a no-change run
  ssh -F .cache/lab-pki/ssh_config app1                # log in as Ansible does (deploy; lb1 directly, the rest through it)
  podman exec -it oth-lab-client1 ssh -J staff@$lb staff@$app1   # staff, from their fixed address, through the bastion
  make lab-down                                        # remove the lab
(with CONTAINERS_CONF=$PWD/tools/containers.conf and PATH=$PWD/.venv/bin:\$PATH set, as the Makefile does)
MSG
