"""kubernetes.core (from the pip `ansible` package) manages a TanzuKubernetesCluster
on the lab's Supervisor through `ansible-playbook`, as users run it: apply
and wait for Ready, apply again without a change, server-side apply, delete
and wait until it is gone."""

import json
import os
import subprocess
import sys

import pytest
from supervisor_support import (
    DEVOPS,
    PASSWORD,
    RELEASE,
    STORAGE_CLASS,
    VM_CLASS,
    login,
    supervisor_under_test,
    vms_in_namespace,
    vsphere,  # noqa: F401 (fixture)
)


@pytest.fixture(scope="module")
def supervisor(lab, tmp_path_factory):
    yield from supervisor_under_test(lab, tmp_path_factory.mktemp("supervisor-k8s-core"), "DC0_C1")


def _playbook(namespace):
    auth = {"host": "{{ server }}", "api_key": "{{ token }}", "ca_cert": "{{ ca_cert }}", "validate_certs": True}
    definition = {
        "apiVersion": "run.tanzu.vmware.com/v1alpha3", "kind": "TanzuKubernetesCluster",
        "metadata": {"name": "from-ansible", "namespace": namespace},
        "spec": {"topology": {
            "controlPlane": {"replicas": 1, "vmClass": VM_CLASS, "storageClass": STORAGE_CLASS,
                             "tkr": {"reference": {"name": RELEASE}}},
            "nodePools": [{"name": "workers", "replicas": 1, "vmClass": VM_CLASS, "storageClass": STORAGE_CLASS}]}},
    }
    ready = {"wait": True, "wait_condition": {"type": "Ready", "status": "True"}, "wait_timeout": 120, "wait_sleep": 1}
    return [{
        "hosts": "localhost", "connection": "local", "gather_facts": False,
        "tasks": [
            {"name": "Apply the cluster and wait until it is Ready",
             "kubernetes.core.k8s": {**auth, "state": "present", "apply": True, "definition": definition, **ready},
             "register": "created"},
            {"name": "Apply it again",
             "kubernetes.core.k8s": {**auth, "state": "present", "apply": True, "definition": definition},
             "register": "again"},
            {"name": "Server-side apply it",
             "kubernetes.core.k8s": {**auth, "state": "present", "definition": definition,
                                     "server_side_apply": {"field_manager": "ansible"}},
             "register": "server_side"},
            {"name": "Check",
             "ansible.builtin.assert": {"that": [
                 "created is changed", "created.result.status.phase == 'running'",
                 "again is not changed", "server_side.result.metadata.name == 'from-ansible'"]}},
            {"name": "Delete the cluster and wait until it is gone",
             "kubernetes.core.k8s": {**auth, "state": "absent", "definition": definition, "wait": True,
                                     "wait_timeout": 120, "wait_sleep": 1},
             "register": "deleted"},
            {"name": "Check the deletion", "ansible.builtin.assert": {"that": ["deleted is changed"]}},
        ],
    }]


def test_kubernetes_core_applies_and_deletes_a_tkc(supervisor, vsphere, tmp_path):  # noqa: F811
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(json.dumps(_playbook(supervisor.namespace)))  # JSON is YAML
    variables = tmp_path / "vars.json"
    variables.write_text(json.dumps({"server": supervisor.url, "ca_cert": supervisor.ca_cert,
                                     "token": login(supervisor.url, supervisor.ca_cert, DEVOPS, PASSWORD)}))
    env = {**os.environ, "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"), "ANSIBLE_NOCOLOR": "1",
           "TMPDIR": str(tmp_path)}  # the kubernetes client's discovery cache stays in this test
    result = subprocess.run(
        [sys.executable, "-m", "ansible.cli.playbook", "-i", "localhost,",
         "-e", f"ansible_python_interpreter={sys.executable}", "-e", f"@{variables}", str(playbook)],
        env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    clusters = supervisor.dynamic().resources.get(api_version="run.tanzu.vmware.com/v1alpha3",
                                                  kind="TanzuKubernetesCluster")
    assert clusters.get(namespace=supervisor.namespace).items == []
    assert vms_in_namespace(vsphere, supervisor.namespace) == {}
