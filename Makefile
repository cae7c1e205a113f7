# oth.stack: the two commands a newcomer needs are `make lab` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
SCENARIOS ?= $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))

export PATH := $(VENV)/bin:$(PATH)
# The project's own podman settings (runc, ulimits); nothing under /etc/containers is edited.
export CONTAINERS_CONF := $(CURDIR)/tools/containers.conf
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# This working tree is oth.stack, ahead of any installed copy (molecule installs one under ~/.ansible).
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.cache/collections
export ANSIBLE_FORCE_COLOR ?= true
export PY_COLORS ?= 1

.PHONY: help lab lab-down test lint sanity unit molecule bench system-deps venv images collection changelog

help:
	@echo "make lab       bring up the lab (4 nodes + a client) and run playbooks/site.yml on it"
	@echo "make lab-down  remove the lab"
	@echo "make test      every check: lint, sanity, unit tests, every molecule scenario"
	@echo "make bench     time a fresh converge and a no-change re-run of site.yml on the lab"

# --- installation: every step installs only what is missing --------------------------------

system-deps:
	@missing=""; for tool in podman runc debootstrap; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	command -v ssh >/dev/null || missing="$$missing openssh-client"; \
	command -v dot >/dev/null || missing="$$missing graphviz"; \
	$(PYTHON) -c 'import ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  tools/step.sh "system packages:$$missing" sh -c "$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing"; \
	fi

venv: $(VENV)/.installed .cache/collections/ansible_collections/oth/stack

$(VENV)/.installed: requirements.txt
	@tools/step.sh "Python tools in .venv (requirements.txt)" \
	  sh -c '$(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install --disable-pip-version-check -r requirements.txt'
	@touch $@

# Ansible and the unit tests find this repository as the collection oth.stack through this link.
.cache/collections/ansible_collections/oth/stack:
	@mkdir -p $(dir $@)
	@ln -sfn ../../../.. $@

images: system-deps
	@$(SUDO) env CONTAINERS_CONF=$(CONTAINERS_CONF) tools/step.sh "test image Debian 12 (bookworm)" tools/build-image.sh bookworm
	@$(SUDO) env CONTAINERS_CONF=$(CONTAINERS_CONF) tools/step.sh "test image Debian 13 (trixie)" tools/build-image.sh trixie

# --- the checks, cheapest first ------------------------------------------------------------

lint: venv
	yamllint --strict .
	ansible-lint --profile production

sanity: venv
	tools/sanity.sh

unit: venv
	pytest tests/unit

molecule: venv images
	@for scenario in $(SCENARIOS); do molecule test -s $$scenario || exit 1; done

test: system-deps venv
	tools/run-tests.sh $(SCENARIOS)

# --- the lab -------------------------------------------------------------------------------

lab: system-deps venv images
	@tools/step.sh "start the lab (tools/lab-up.yml)" ansible-playbook tools/lab-up.yml
	@tools/step.sh "converge it (playbooks/site.yml)" ansible-playbook -i inventories/lab playbooks/site.yml
	@tools/lab-next-steps.sh

lab-down: venv
	@tools/step.sh "remove the lab (tools/lab-down.yml)" ansible-playbook tools/lab-down.yml

bench: system-deps venv images
	tools/bench.sh
