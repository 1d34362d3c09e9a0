"""A Supervisor upgrade through the topology: `kubernetes_version` raised one minor version is planned as an in-place
change naming both versions, applied with one upgrade call while vCenter replaces the control-plane VMs, and then
changes nothing; a skip, a downgrade and an unknown version are refused before any change, naming what vCenter offers."""

import pytest
from pacific_support import Control, VcenterRest, mutates, pacific, topology_with

V1_26 = "v1.26.13+vmware.1-fips.1-vsc0.1.9-23381106"
V1_27 = "v1.27.11+vmware.1-fips.1-vsc0.1.10-23710254"
V1_28 = "v1.28.3+vmware.2-fips.1-vsc0.1.11-24004345"
SOFTWARE = "/api/vcenter/namespace-management/software/clusters"


def supervisor_only(version):
    """The example's first Supervisor alone (no zones, no namespaces), asking for ``version``."""

    def change(document):
        document["zones"] = []
        document["supervisors"] = document["supervisors"][:1]
        document["supervisors"][0]["namespaces"] = []
        document["supervisors"][0]["workload_management"]["kubernetes_version"] = version

    return change


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    control = Control()
    control.call("POST", "/reset")
    control.call("POST", "/time-scale", {"scale": 0.01})
    topology = topology_with(tmp_path_factory.mktemp("upgrade") / "topology.yml", supervisor_only("v1.26"))
    pacific("apply", "-auto-approve", topology=topology, check_exit=0)
    yield control, topology.parent
    control.call("POST", "/reset")


def test_the_next_minor_version_is_an_in_place_upgrade_a_second_run_finds_done_and_others_are_refused(built):
    control, directory = built
    rest = VcenterRest()
    (software,) = rest.ok("GET", SOFTWARE)
    assert software["current_version"] == V1_26
    upgraded = topology_with(directory / "v1.27.yml", supervisor_only("v1.27"))

    control.call("DELETE", "/requests")
    exit_code, output, errors = pacific("plan", "-detailed-exitcode", topology=upgraded)
    assert exit_code == 2, output + errors
    assert "# supervisor.DC0_C0 will be updated in-place" in output
    assert f'~ kubernetes_version = "{V1_26}" -> "{V1_27}"' in output, output
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in output
    assert [call for call in control.client_requests() if mutates(call)] == []

    control.call("DELETE", "/requests")
    exit_code, output, errors = pacific("apply", "-auto-approve", topology=upgraded)
    assert exit_code == 0, output + errors
    assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in output
    # Besides the apply's lock (a tag made, attached, detached and deleted): the one upgrade call.
    changes = [call["operation"] for call in control.client_requests() if mutates(call) and not call["operation"].startswith("tagging.")]
    assert changes == ["namespace_management.software.clusters.upgrade"], changes
    (software,) = rest.ok("GET", SOFTWARE)
    assert (software["current_version"], software["state"], software["available_versions"]) == (V1_27, "READY", [V1_28])

    exit_code, output, errors = pacific("plan", "-detailed-exitcode", topology=upgraded)
    assert (exit_code, output.strip()) == (0, "No changes. Your platform matches the topology."), output + errors


    # From v1.27: a skip and a downgrade, refused before any change with what vCenter offers.
    for wanted, why in (("v1.29", "vCenter does not offer it; a Supervisor is upgraded one minor version at a time"),
                        ("v1.26", "vCenter does not downgrade a Supervisor")):
        control.call("DELETE", "/requests")
        exit_code, output, errors = pacific("apply", "-auto-approve", topology=topology_with(directory / f"{wanted}.yml", supervisor_only(wanted)))
        assert exit_code == 1, output + errors
        assert f"kubernetes_version: '{wanted}' for the Supervisor of cluster 'DC0_C0', which runs {V1_27}: {why} (it offers: {V1_28})" in errors, errors
        assert [call for call in control.client_requests() if mutates(call)] == []
