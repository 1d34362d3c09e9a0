"""Peer collections (community.vmware from the pip `ansible` package) work against the lab.

They run through `ansible-playbook`, as users run them, with certificate
validation on: their `validate_certs` uses the system trust store, so the lab
CA is handed to them through SSL_CERT_FILE / REQUESTS_CA_BUNDLE.
"""

import json
import os
import subprocess
import sys

import pytest
from pyVmomi import vim

VM_NAMES = ["peer-aa-0", "peer-aa-1", "peer-aa-2"]
RULE_NAME = "peer-anti-affinity"
CLUSTER = "DC0_C0"


@pytest.fixture
def clean_lab(lab_control):
    """The lab with an empty request log; reset afterwards, which drops the VMs and the rule."""
    lab_control.clear_requests()
    yield lab_control
    lab_control.reset()


def _playbook(vcenter, datastore):
    connection = {
        "hostname": vcenter["hostname"],
        "port": vcenter["port"],
        "username": vcenter["username"],
        "password": vcenter["password"],
        "validate_certs": True,
    }
    return [{
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "tasks": [
            {
                "name": "Create the VMs",
                "community.vmware.vmware_guest": {
                    **connection,
                    "datacenter": "DC0",
                    "cluster": CLUSTER,
                    "folder": "/DC0/vm",
                    "name": "{{ item }}",
                    "state": "present",
                    "guest_id": "otherGuest64",
                    "disk": [{"size_mb": 64, "type": "thin", "datastore": datastore}],
                    "hardware": {"memory_mb": 128, "num_cpus": 1},
                },
                "loop": VM_NAMES,
            },
            {
                "name": "Keep them apart",
                "community.vmware.vmware_vm_vm_drs_rule": {
                    **connection,
                    "cluster_name": CLUSTER,
                    "drs_rule_name": RULE_NAME,
                    "vms": VM_NAMES,
                    "enabled": True,
                    "mandatory": True,
                    "affinity_rule": False,
                },
            },
        ],
    }]


def _run_playbook(playbook, ca_cert, tmp_path):
    path = tmp_path / "playbook.yml"
    path.write_text(json.dumps(playbook))  # JSON is YAML
    env = {
        **os.environ,
        "SSL_CERT_FILE": ca_cert,
        "REQUESTS_CA_BUNDLE": ca_cert,
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
    }
    return subprocess.run(
        # ansible-playbook of this interpreter's ansible, whatever is first on PATH.
        [sys.executable, "-m", "ansible.cli.playbook", "-i", "localhost,",
         "-e", f"ansible_python_interpreter={sys.executable}", str(path)],
        env=env, capture_output=True, text=True, timeout=600,
    )


def test_vmware_guest_and_vm_vm_drs_rule(lab, clean_lab, vcenter_connect, tmp_path):
    si = vcenter_connect()
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource], True)
    cluster = next(c for c in view.view if c.name == CLUSTER)
    view.Destroy()
    datastore = cluster.datastore[0].name

    result = _run_playbook(_playbook(lab["vcenter"], datastore), lab["vcenter"]["ca_cert"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    server_errors = [e for e in clean_lab.requests() if e["status"] >= 500]
    assert server_errors == []

    rules = [r for r in cluster.configurationEx.rule if r.name == RULE_NAME]
    assert len(rules) == 1
    rule = rules[0]
    assert isinstance(rule, vim.cluster.AntiAffinityRuleSpec)
    assert rule.mandatory is True and rule.enabled is True
    assert sorted(vm.name for vm in rule.vm) == VM_NAMES
    # vCenter keeps the deprecated `configuration` in step: vmware_vm_vm_drs_rule finds the rule there.
    assert [r.name for r in cluster.configuration.rule if r.name == RULE_NAME] == [RULE_NAME]

    again = _run_playbook(_playbook(lab["vcenter"], datastore), lab["vcenter"]["ca_cert"], tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert " changed=0 " in again.stdout, again.stdout
    assert len([r for r in cluster.configurationEx.rule if r.name == RULE_NAME]) == 1
