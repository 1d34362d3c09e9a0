"""Supervisor upgrades through `namespace-management/software/clusters`, held to reference/supervisors.json: the
versions offered (the next minor version only), a refused upgrade changing nothing, and an upgrade that replaces the
control-plane VMs one at a time (two of three always running) and ends with the API server on the new version."""

import json
import time
from pathlib import Path

import requests
from pyVmomi import vim, vmodl
from rest_support import (  # noqa: F401 (fixtures)
    MANAGEMENT,
    clusters,
    control,
    enable,
    fast_lab,
    mutating_soap_calls,
    rest,
)

REFERENCE = json.loads((Path(__file__).parent / "reference" / "supervisors.json").read_text())
ANSWERS = REFERENCE["answers"]
SOFTWARE = f"{MANAGEMENT}/software/clusters"
V1_26 = "v1.26.13+vmware.1-fips.1-vsc0.1.9-23381106"
V1_27 = "v1.27.11+vmware.1-fips.1-vsc0.1.10-23710254"
V1_28 = "v1.28.3+vmware.2-fips.1-vsc0.1.11-24004345"


def _answer(value, name):
    """`value` has every required field of the reference's answer `name`, and no undocumented one."""
    documented = ANSWERS[name]
    assert set(documented.get("required", documented["fields"])) <= set(value) <= set(documented["fields"]), (name, value)


def _control_plane(vcenter_connect):
    """{moid: powered on} of the Supervisor's control-plane VMs, read through vim25 in one retrieval (a VM removed
    meanwhile is not half-read)."""
    content = vcenter_connect().RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    traversal = vmodl.query.PropertyCollector.TraversalSpec(name="view", path="view", skip=False, type=vim.view.ContainerView)
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=["name", "runtime.powerState"])])
    try:
        found = content.propertyCollector.RetrieveContents([spec])
    finally:
        view.Destroy()
    properties = [(each.obj._moId, {prop.name: prop.val for prop in each.propSet}) for each in found]
    return {moid: props["runtime.powerState"] == "poweredOn" for moid, props in properties
            if props["name"].startswith("SupervisorControlPlaneVM")}


def _server_version(rest, cluster, lab):  # noqa: F811
    endpoint = rest.get(f"{MANAGEMENT}/clusters/{cluster}")["api_server_cluster_endpoint"]
    return requests.get(f"https://{endpoint}:6443/version", verify=lab["vcenter"]["ca_cert"], timeout=10).json()["gitVersion"]


def test_a_supervisor_is_upgraded_one_minor_version_at_a_time_one_vm_at_a_time(lab, rest, control, vcenter_connect):  # noqa: F811
    cluster = clusters(rest)[0]["cluster"]
    enable(rest, cluster)
    (listed,) = rest.get(SOFTWARE)
    _answer(listed, "Software.Clusters.Summary")
    assert (listed["cluster"], listed["current_version"], listed["available_versions"], listed["state"]) == (cluster, V1_26, [V1_27], "READY")
    info = rest.get(f"{SOFTWARE}/{cluster}")
    _answer(info, "Software.Clusters.Info")
    assert "upgrade_status" not in info and "last_upgraded_date" not in info
    assert _server_version(rest, cluster, lab) == "v1.26.13+vmware.wcp.1"

    mutated = len(mutating_soap_calls(control))
    refused = {
        (("desired_version", V1_28),): "UNSUPPORTED",  # a skip: vCenter offers the next minor version only
        (("desired_version", "v1.25.0"),): "UNSUPPORTED",
        (("version", V1_27),): "INVALID_ARGUMENT",
        (("desired_version", 127),): "INVALID_ARGUMENT",
    }
    for fields, error_type in refused.items():
        response = rest.request("POST", f"{SOFTWARE}/{cluster}", params={"action": "upgrade"}, json=dict(fields))
        assert (response.status_code, response.json()["error_type"]) == (400, error_type), response.text
    skip = rest.request("POST", f"{SOFTWARE}/{cluster}", params={"action": "upgrade"}, json={"desired_version": V1_28})
    assert V1_27 in skip.json()["messages"][0]["default_message"]  # the refusal names what is offered
    assert len(mutating_soap_calls(control)) == mutated

    # Each VM's replacement a couple of real seconds: slow enough to see every step from outside.
    before_settings = control.call("GET", "/settings")
    control.call("PATCH", "/settings", {"supervisor_upgrade_seconds": 6 / before_settings["time_scale"]})
    try:
        old = _control_plane(vcenter_connect)
        assert len(old) == 3 and all(old.values())
        rest.ok("POST", f"{SOFTWARE}/{cluster}", params={"action": "upgrade"}, json={"desired_version": V1_27})
        pending = rest.get(f"{SOFTWARE}/{cluster}")
        _answer(pending, "Software.Clusters.Info")
        assert pending["state"] == "PENDING" and pending["current_version"] == V1_26
        assert set(pending["upgrade_status"]) == set(ANSWERS["Software.Clusters.UpgradeStatus"]["fields"])
        assert set(pending["upgrade_status"]["progress"]) == set(ANSWERS["Software.Clusters.UpgradeProgress"]["fields"])
        assert (pending["upgrade_status"]["desired_version"], pending["upgrade_status"]["progress"]["total"]) == (V1_27, 3)
        again = rest.request("POST", f"{SOFTWARE}/{cluster}", params={"action": "upgrade"}, json={"desired_version": V1_27})
        assert (again.status_code, again.json()["error_type"]) == (400, "UNSUPPORTED")  # one upgrade at a time
        assert rest.get(f"{MANAGEMENT}/clusters/{cluster}")["config_status"] == "RUNNING"  # it keeps serving

        samples, progress = [], []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            samples.append(_control_plane(vcenter_connect))
            info = rest.get(f"{SOFTWARE}/{cluster}")
            progress.append(info.get("upgrade_status", {}).get("progress", {}).get("completed"))
            if info["state"] != "PENDING":
                break
        assert info["state"] == "READY", info
    finally:
        control.call("PATCH", "/settings", {"supervisor_upgrade_seconds": before_settings["supervisor_upgrade_seconds"]})

    assert min(sum(sample.values()) for sample in samples) >= 2  # never fewer than two running
    replaced = [len(set(old) - set(sample)) for sample in samples]
    assert replaced == sorted(replaced) and set(replaced) >= {1, 2, 3}, replaced  # one at a time, each seen
    assert [step for step in progress if step is not None] == sorted(step for step in progress if step is not None)
    new = _control_plane(vcenter_connect)
    assert len(new) == 3 and not set(new) & set(old) and all(new.values())
    content = vcenter_connect().RetrieveContent()
    (rule,) = [rule for found in content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource], True).view
               if found._moId == cluster for rule in found.configurationEx.rule]
    assert rule.mandatory and {vm._moId for vm in rule.vm} == set(new)  # the anti-affinity rule holds the new VMs

    _answer(info, "Software.Clusters.Info")
    assert (info["current_version"], info["available_versions"]) == (V1_27, [V1_28]) and "upgrade_status" not in info
    assert info["last_upgraded_date"].endswith("Z")
    deadline = time.monotonic() + 30
    while True:  # the API server restarts on the new version
        try:
            if _server_version(rest, cluster, lab) == "v1.27.11+vmware.wcp.1":
                break
        except requests.ConnectionError:
            pass  # between the old server and the new one
        assert time.monotonic() < deadline
        time.sleep(0.2)
    (listed,) = rest.get(SOFTWARE)
    assert (listed["current_version"], listed["last_upgraded_date"]) == (V1_27, info["last_upgraded_date"])
