"""The workload_management modules: options in, the resource's answer (or a one-line failure) out."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor import SupervisorFailed, SupervisorPlan, SupervisorState
from ansible_collections.pacific.vsphere.plugins.modules import workload_management, workload_management_info

CONNECTION_ARGS = {"hostname": "vc.example.com", "username": "administrator@vsphere.local", "password": "secret", "ca_cert": "/etc/ca.pem"}
RUNNING = SupervisorState("C1", "domain-c1", {"config_status": "RUNNING", "kubernetes_status": "READY", "size_hint": "TINY"})


class FakeClient:
    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def fakes(monkeypatch):
    seen = {"applied": []}

    class FakeWorkloadManagement:
        def __init__(self, rest, vim_session):
            seen["vim_session"] = vim_session

        def on_zones(self, spec):
            return spec

        def read(self, cluster):
            return RUNNING

        def plan(self, spec, state):
            seen["spec"] = spec
            if "refusal" in seen:
                raise seen["refusal"]
            return seen["plan"]

        def apply(self, plan):
            seen["applied"].append(plan)
            return plan.state

        def list(self, cluster=None):
            seen["listed"] = cluster
            return [RUNNING]

        def describe(self, states):
            return [state.summary([]) for state in states if state.info]

    for module in (workload_management, workload_management_info):
        monkeypatch.setattr(module, "RestClient", FakeClient)
        monkeypatch.setattr(module, "WorkloadManagement", FakeWorkloadManagement)
    return seen


def run(module, args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def test_options_become_the_spec_and_the_plan_is_applied(fakes, capsys):
    fakes["plan"] = SupervisorPlan(None, RUNNING, plan_item("supervisor/C1", {"dns_servers": ["1.1.1.1"]}, {"dns_servers": ["8.8.8.8"]}, ["dns"]), "update")
    args = dict(CONNECTION_ARGS, cluster="C1", dns_servers=["8.8.8.8"], load_balancer={"type": "haproxy", "password": "lb-secret"}, _ansible_diff=True)

    result = run(workload_management, args, capsys)

    spec = fakes["spec"]
    assert spec.cluster == "C1" and spec.dns_servers == ["8.8.8.8"] and spec.size is None
    assert spec.load_balancer["type"] == "haproxy" and spec.load_balancer["endpoint"] is None
    assert spec.wait is True and spec.wait_timeout == 1800 and spec.allow_reenable is False
    assert fakes["applied"] == [fakes["plan"]]
    assert result["changed"] is True
    assert result["supervisor"]["config_status"] == "RUNNING"
    assert result["plan"][0]["action"] == "update"
    assert result["diff"] == {"before": {"supervisor/C1": {"dns_servers": ["1.1.1.1"]}}, "after": {"supervisor/C1": {"dns_servers": ["8.8.8.8"]}}}


def test_check_mode_applies_nothing(fakes, capsys):
    fakes["plan"] = SupervisorPlan(None, RUNNING, plan_item("supervisor/C1", {}, {}, ["size"]), "update")

    result = run(workload_management, dict(CONNECTION_ARGS, cluster="C1", size="small", _ansible_check_mode=True), capsys)

    assert result["changed"] is True
    assert fakes["applied"] == []


def test_a_diff_that_forces_reenabling_says_so_in_its_header(fakes, capsys):
    fakes["plan"] = SupervisorPlan(None, RUNNING, plan_item("supervisor/C1", {"a": 1}, {"a": 2}, ["a"]), "reenable")

    result = run(workload_management, dict(CONNECTION_ARGS, cluster="C1", allow_reenable=True, _ansible_diff=True), capsys)

    assert result["diff"]["after_header"] == "supervisor/C1 (forces disable + re-enable)"


def test_a_refusal_returns_the_supervisor_and_the_plan(fakes, capsys):
    item = plan_item("supervisor/C1", {"service_cidr": "a"}, {"service_cidr": "b"}, ["service_cidr: a -> b (forces disable + re-enable)"])
    fakes["refusal"] = SupervisorFailed("Cannot change Workload Management on cluster 'C1' in place", state=RUNNING, item=item)

    result = run(workload_management, dict(CONNECTION_ARGS, cluster="C1", service_cidr="10.97.0.0/23"), capsys)

    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == "Cannot change Workload Management on cluster 'C1' in place"
    assert result["supervisor"]["config_status"] == "RUNNING"
    assert result["supervisor"]["control_plane_vms"] is None
    assert result["plan"][0]["reasons"] == ["service_cidr: a -> b (forces disable + re-enable)"]


def test_a_malformed_option_fails_before_connecting(fakes, capsys):
    result = run(workload_management, dict(CONNECTION_ARGS, cluster="C1", dns_servers=["dns.example.com"]), capsys)

    assert result["failed"] is True
    assert result["msg"] == "Invalid Workload Management settings for cluster 'C1': dns_servers: 'dns.example.com' is not an IPv4 address"
    assert "spec" not in fakes


def test_info_lists_the_supervisors(fakes, capsys):
    result = run(workload_management_info, dict(CONNECTION_ARGS, cluster="C1"), capsys)

    assert fakes["listed"] == "C1"
    assert result["changed"] is False
    assert [supervisor["cluster"] for supervisor in result["supervisors"]] == ["C1"]
