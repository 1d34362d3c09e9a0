# Two entry points do all the set-up on a fresh Debian machine:
#   make demo   builds and starts the lab, runs playbooks/site.yml against it
#   make test   unit, sanity, integration and lab tests against the lab
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV := $(CURDIR)/.venv
# Outside the work tree: inside it, ansible-test would list files through git,
# which ignores build output, and find no targets at all.
BUILD_DIR := $(or $(TMPDIR),/tmp)/pacific-vsphere-$(shell printf '%s' '$(CURDIR)' | cksum | cut -d' ' -f1)
COLLECTIONS := $(BUILD_DIR)/collections
COLLECTION := $(COLLECTIONS)/ansible_collections/pacific/vsphere
# Every client (inventory, molecule, tests) finds the lab through LAB_RUN_DIR:
# molecule copies the inventory elsewhere, so paths relative to it would break.
export LAB_RUN_DIR ?= $(CURDIR)/lab/.run
ENDPOINTS := $(LAB_RUN_DIR)/endpoints.json

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PYTHONPATH := $(COLLECTIONS)
export ANSIBLE_FORCE_COLOR := 0

.PHONY: help deps pacific demo test unit sanity integration lab-test pacific-test lint ansible-lint molecule collection \
        lab-up lab-down lab-reset lab-status clean bench bench-quick bench-deps

help:
	@echo "make demo | test | bench | bench-quick | unit | sanity | integration | lab-test | pacific-test | lint | ansible-lint | molecule | lab-up | lab-down | lab-reset | clean"

deps: $(VENV)/.deps-installed
$(VENV)/.deps-installed: tools/install_deps.sh requirements.txt pyproject.toml
	tools/install_deps.sh
	touch $@

# The pacific command in the venv, as `pip install .` installs it anywhere: a
# copy of the engine, so it is installed again whenever a source changes.
PACIFIC_SOURCES := pyproject.toml $(wildcard pacific/*.py) $(shell find plugins/module_utils -name '*.py')
pacific: $(VENV)/.pacific-installed
$(VENV)/.pacific-installed: $(VENV)/.deps-installed $(PACIFIC_SOURCES)
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps .
	rm -rf build pacific_vsphere.egg-info
	touch $@

# ansible-test and ansible-playbook read the collection from where a user gets
# it: the built artifact, installed under ansible_collections/pacific/vsphere.
collection: deps
	rm -rf $(BUILD_DIR)/artifact $(COLLECTION)
	ansible-galaxy collection build --force --output-path $(BUILD_DIR)/artifact >/dev/null
	ansible-galaxy collection install --force -p $(COLLECTIONS) $(BUILD_DIR)/artifact/pacific-vsphere-*.tar.gz >/dev/null
	@echo "collection installed at $(COLLECTION)"

lab-up: deps
	cd lab && python3 -m pacific_lab up

lab-down:
	cd lab && python3 -m pacific_lab down

lab-reset:
	cd lab && python3 -m pacific_lab reset

lab-status:
	cd lab && python3 -m pacific_lab status

# The lab simulates vCenter's durations (10 minutes to enable a Supervisor);
# the demo runs them at this time scale (real seconds per simulated second).
DEMO_TIME_SCALE ?= 0.02

# Builds the example platform of inventories/lab and prints it (site.yml ends
# with playbooks/report.yml), then shows that pacific, reading the same
# topology, plans no change; playbooks/teardown.yml removes it again.
LAB_TOPOLOGY := $(LAB_RUN_DIR)/topology.yml
demo: lab-up collection pacific
	python3 -c 'import json, sys, urllib.request; \
	  control = json.load(open(sys.argv[1]))["control"]; \
	  urllib.request.urlopen(urllib.request.Request(control + "/time-scale", data=json.dumps({"scale": float(sys.argv[2])}).encode(), method="POST"))' \
	  $(ENDPOINTS) $(DEMO_TIME_SCALE)
	ansible-playbook -i inventories/lab playbooks/site.yml
	ansible-playbook -i inventories/lab tools/export_lab_topology.yml >/dev/null
	@echo "pacific plan -f $(LAB_TOPOLOGY)"
	. $(LAB_RUN_DIR)/pacific.env && pacific plan -f $(LAB_TOPOLOGY)

unit: collection
	cd $(COLLECTION) && PACIFIC_VSPHERE_LAB=$(CURDIR)/lab python3 -m pytest -q -p no:cacheprovider tests/unit

sanity: collection
	cd $(COLLECTION) && ansible-test sanity --python 3.11 --color no

integration: lab-up collection
	python3 tools/integration_config.py $(ENDPOINTS) > $(COLLECTION)/tests/integration/integration_config.yml
	cd $(COLLECTION) && ansible-test integration --python 3.11 --color no

lab-test: lab-up
	python3 -m pytest -q -p no:cacheprovider lab/tests

# The pacific command against the lab, as a user runs it (its own process, no
# Ansible in the loop): plan, apply, no-change plan, saved plans, destroy.
pacific-test: lab-up collection pacific
	ansible-playbook -i inventories/lab tools/export_lab_topology.yml >/dev/null
	python3 -m pytest -q -p no:cacheprovider tests/pacific

# ruff, then the Ansible ecosystem's own checks: the changelog fragments
# (antsibull-changelog), the documentation of the built collection
# (antsibull-docs, ansible-doc) and what Galaxy's importer says of the artifact,
# in a venv of its own (its pins differ from the test tools').
IMPORTER_VENV := $(CURDIR)/.venv-importer
GALAXY_IMPORTER := galaxy-importer==0.4.44
lint: collection $(IMPORTER_VENV)/.installed
	ruff check .
	antsibull-changelog lint
	cd $(COLLECTION) && antsibull-docs lint-collection-docs --plugin-docs .
	ansible-doc --metadata-dump pacific.vsphere >/dev/null
	python3 tools/galaxy_import.py $(IMPORTER_VENV) $(BUILD_DIR)/artifact/pacific-vsphere-*.tar.gz

$(IMPORTER_VENV)/.installed: Makefile
	[ -x $(IMPORTER_VENV)/bin/python ] || python3 -m venv $(IMPORTER_VENV)
	$(IMPORTER_VENV)/bin/python -m pip install -q --disable-pip-version-check '$(GALAXY_IMPORTER)' 'ansible-core>=2.19,<2.20'
	touch $@

# The roles, playbooks, molecule scenarios, AWX set-up and the benchmark's playbooks, with the collection
# as installed (the modules' argument specs are checked too).
ansible-lint: collection
	ansible-lint --offline --profile production roles playbooks molecule awx bench/playbooks

# Every scenario of molecule/ against the lab; they set its time scale themselves.
molecule: lab-up collection
	molecule test --all

test: lint unit sanity integration lab-test pacific-test ansible-lint molecule

# The project against its peers on the lab (not part of `make test`): table on
# the terminal, bench/results/<date>.json, .md and .png. bench-quick: the
# example topology and the peers only.
bench-deps: $(VENV)/.bench-installed
$(VENV)/.bench-installed: $(VENV)/.deps-installed pyproject.toml
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check --group bench
	touch $@

bench bench-quick: lab-up collection pacific bench-deps
	ansible-playbook -i inventories/lab tools/export_lab_topology.yml >/dev/null
	python3 -m bench $(if $(filter bench-quick,$@),--quick)

clean: lab-down
	rm -rf $(BUILD_DIR) tests/output
