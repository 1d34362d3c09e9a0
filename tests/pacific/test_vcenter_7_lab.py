"""The example topology without its vSphere Zones (its second Supervisor on cluster DC0_C1), on the vCenter 8.0.3 lab
and on a 7.0.3 lab beside it: built through the Supervisors API on 8.0.3 and the Clusters API on 7.0.3 (it has no
Supervisors API), planned again with no change, destroyed; with its zones, refused on 7.0.3 before any change."""

import os
import subprocess

import pytest
from pacific_support import ROOT, RUN_DIR, Control, lab_access, mutates, pacific, topology_with


@pytest.fixture(scope="module")
def lab_7(tmp_path_factory):
    with lab_access.side_by_side_lab(tmp_path_factory.mktemp("lab-7.0.3"), RUN_DIR, LAB_VCENTER_VERSION="7.0.3") as run_dir:
        subprocess.run(
            ["ansible-playbook", "-i", "inventories/lab", "tools/export_lab_topology.yml"],
            cwd=ROOT, env={**os.environ, "LAB_RUN_DIR": str(run_dir)}, check=True, stdout=subprocess.DEVNULL,
        )
        control = lab_access.Control(run_dir)
        control.call("POST", "/time-scale", {"scale": 0.01})
        yield run_dir, control


def without_zones(document):
    """vCenter 7's form of the example: each Supervisor on a cluster (the zonal one on its first zone's), no pool in a zone, no Supervisor Service."""
    zones = {zone["name"]: zone["cluster"] for zone in document.pop("zones")}
    document.pop("supervisor_services")
    for supervisor in document["supervisors"]:
        supervisor.pop("services", None)
        if "zones" in supervisor:
            supervisor["cluster"] = zones[supervisor.pop("zones")[0]]
        for namespace in supervisor["namespaces"]:
            for guest in namespace.get("guest_clusters", ()):
                for pool in guest["node_pools"]:
                    pool.pop("failure_domain", None)


@pytest.fixture
def lab_8():
    control = Control()
    control.call("POST", "/reset")
    control.call("POST", "/time-scale", {"scale": 0.01})
    control.call("DELETE", "/requests")
    yield RUN_DIR, control
    control.call("POST", "/reset")


@pytest.mark.parametrize("release, enables", [
    ("8.0.3", ["namespace_management.supervisors.enable_on_compute_cluster"] * 2),
    ("7.0.3", ["namespace_management.clusters.enable"] * 2),
])
def test_the_example_without_zones_builds_through_the_api_of_its_vcenter_changes_nothing_again_and_tears_down(
        release, enables, request, tmp_path):
    run_dir, control = request.getfixturevalue("lab_8" if release == "8.0.3" else "lab_7")
    on_lab = {"topology": topology_with(tmp_path / "topology.yml", without_zones, source=run_dir / "topology.yml"), "run_dir": run_dir}

    exit_code, output, errors = pacific("apply", "-auto-approve", **on_lab)
    assert exit_code == 0, output + errors
    assert "Apply complete! Resources: 12 added, 0 changed, 0 destroyed." in output
    operations = [call.get("operation") or "" for call in control.client_requests()]
    assert sorted(operation for operation in operations if operation.rsplit(".", 1)[-1].startswith("enable")) == enables
    assert [operation for operation in operations if operation.startswith("consumption_domains")] == []
    assert operations.count("appliance.system.version.get") == 1

    exit_code, output, errors = pacific("plan", "-detailed-exitcode", **on_lab)
    assert (exit_code, output.strip()) == (0, "No changes. Your platform matches the topology."), output + errors

    exit_code, output, errors = pacific("destroy", "-auto-approve", **on_lab)
    assert exit_code == 0, output + errors
    exit_code, output, _ = pacific("plan", "-detailed-exitcode", **on_lab)
    assert exit_code == 2 and "Plan: 12 to add, 0 to change, 0 to destroy." in output


def test_zones_and_supervisor_services_on_vcenter_7_are_refused_before_any_change(lab_7):
    run_dir, control = lab_7
    control.call("DELETE", "/requests")

    exit_code, output, errors = pacific("apply", "-auto-approve", topology=run_dir / "topology.yml", run_dir=run_dir)

    assert exit_code == 1, output + errors
    assert "zones: vSphere Zones need vCenter 8.0 or later; this vCenter is 7.0.3.00300: run each Supervisor on a cluster" in errors
    assert "supervisor_services: Supervisor Services from Carvel definitions need vCenter 8.0 or later; this vCenter is 7.0.3.00300" in errors
    assert [call for call in control.client_requests() if mutates(call)] == []
