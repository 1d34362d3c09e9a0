"""What a topology owns, kept in the platform (vSphere tags, Kubernetes labels), its lock in vCenter, and runs cut short: against the lab."""

import collections
import json
import time

import pytest
from pacific_support import (
    OUTPUTS,
    RUN_DIR,
    TOPOLOGY,
    VcenterRest,
    assert_example_platform_complete,
    mutates,
    namespace_entry,
    pacific,
    secrets,
    started,
    topology_with,
    vsphere_inventory,
)

INSTANCES = "/api/vcenter/namespaces/instances"


def without_namespace(name):
    def change(document):
        for supervisor in document["supervisors"]:
            supervisor["namespaces"] = [namespace for namespace in supervisor["namespaces"] if namespace["name"] != name]

    return change


def test_an_entry_removed_from_the_file_is_destroyed_and_only_it(built, tmp_path):
    removed = topology_with(tmp_path / "topology.yml", without_namespace("team-b"))

    exit_code, output, _ = pacific("plan", "-detailed-exitcode", topology=removed)

    assert exit_code == 2
    assert "# namespace.DC0_C0/team-b will be destroyed" in output
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in output
    pacific("apply", "-auto-approve", topology=removed, check_exit=0)
    assert VcenterRest().request("GET", f"{INSTANCES}/team-b").status_code == 404
    pacific("apply", "-auto-approve", check_exit=0)


def test_a_guest_cluster_removed_from_the_file_is_found_by_its_label_and_destroyed(built, tmp_path):
    removed = topology_with(tmp_path / "topology.yml", lambda document: namespace_entry(document, "team-a").update(guest_clusters=[]))

    exit_code, output, _ = pacific("plan", "-detailed-exitcode", topology=removed)

    assert exit_code == 2
    assert "# guest_cluster.team-a/tkc-a will be destroyed" in output and "Plan: 0 to add, 0 to change, 1 to destroy." in output
    pacific("apply", "-auto-approve", topology=removed, check_exit=0)
    assert not [name for _cluster, name in vsphere_inventory()["vms"] if name.startswith("tkc-a")]
    pacific("apply", "-auto-approve", check_exit=0)


def test_a_protected_entry_removed_from_the_file_fails_the_plan_naming_it(built, control, tmp_path):
    protected = topology_with(tmp_path / "protected.yml", lambda document: namespace_entry(document, "team-b").update(protect=True))
    exit_code, output, _ = pacific("apply", "-auto-approve", topology=protected)
    assert exit_code == 0 and "~ protect = false -> true" in output
    removed = topology_with(tmp_path / "removed.yml", without_namespace("team-b"))
    control.call("DELETE", "/requests")

    for command in ("plan", "apply"):
        exit_code, _, errors = pacific(command, *(["-auto-approve"] if command == "apply" else []), topology=removed)
        assert exit_code == 1
        assert "namespace.DC0_C0/team-b is protected (protect: true when it was last applied)" in errors

    assert [call for call in control.client_requests() if mutates(call)] == []
    exit_code, output, _ = pacific("apply", "-auto-approve")
    assert exit_code == 0 and "~ protect = true -> false" in output


def test_an_object_nobody_marked_is_left_alone_until_adopted(built, tmp_path):
    rest = VcenterRest()
    cluster = next(each["cluster"] for each in rest.ok("GET", "/api/vcenter/cluster") if each["name"] == "DC0_C0")
    rest.ok("POST", INSTANCES, json={"cluster": cluster, "namespace": "team-c", "description": "made by hand"})
    named = topology_with(
        tmp_path / "topology.yml",
        lambda document: document["supervisors"][0]["namespaces"].append({"name": "team-c", "description": "ours", "memory_limit": "8Gi"}),
    )

    exit_code, output, _ = pacific("plan", "-detailed-exitcode", topology=named)
    assert exit_code == 0
    assert "exists, not managed by this topology" in output and "  namespace.DC0_C0/team-c" in output
    pacific("apply", "-auto-approve", topology=named, check_exit=0)
    assert rest.ok("GET", f"{INSTANCES}/team-c")["description"] == "made by hand"

    exit_code, output, _ = pacific("plan", "-adopt", topology=named)
    assert "# namespace.DC0_C0/team-c will be adopted" in output and "Plan: 1 to adopt, 0 to add, 0 to change, 0 to destroy." in output
    exit_code, output, _ = pacific("apply", "-auto-approve", "-adopt", topology=named)
    assert exit_code == 0 and "Apply complete! Resources: 1 adopted, 0 added, 0 changed, 0 destroyed." in output
    assert rest.ok("GET", f"{INSTANCES}/team-c")["description"] == "made by hand"  # adopting changed nothing else

    exit_code, output, _ = pacific("plan", topology=named)
    assert '~ description = "made by hand" -> "ours"' in output
    # Now it is the topology's, so leaving it out of the file destroys it.
    exit_code, output, _ = pacific("apply", "-auto-approve")
    assert exit_code == 0 and "Apply complete! Resources: 0 added, 0 changed, 1 destroyed." in output


def test_replace_makes_an_object_anew_with_what_it_holds(built):
    exit_code, output, _ = pacific("plan", "-replace", "namespace.DC0_C0/team-a", "-detailed-exitcode")

    assert exit_code == 2
    assert "# namespace.DC0_C0/team-a must be replaced" in output and "# guest_cluster.team-a/tkc-a must be replaced" in output
    assert "Plan: 2 to add, 0 to change, 2 to destroy." in output
    exit_code, output, errors = pacific("apply", "-auto-approve", "-replace", "namespace.DC0_C0/team-a")
    assert exit_code == 0, output + errors
    lines = output.splitlines()
    assert lines.index("guest_cluster.team-a/tkc-a: Destroying...") < lines.index("namespace.DC0_C0/team-a: Destroying...")
    assert lines.index("namespace.DC0_C0/team-a: Creating...") < lines.index("guest_cluster.team-a/tkc-a: Creating...")
    pacific("plan", "-detailed-exitcode", check_exit=0)
    exit_code, _, errors = pacific("plan", "-replace", "control_plane.DC0_C0")
    assert exit_code == 1 and "-replace: control_plane.DC0_C0 cannot be replaced" in errors


def test_a_setting_vcenter_cannot_change_in_place_replaces_the_supervisor_with_what_it_holds(built, tmp_path):
    def service_cidr(cidr):
        def change(document):
            document["supervisors"][0]["workload_management"]["service_cidr"] = cidr

        return change

    first = topology_with(tmp_path / "first.yml", service_cidr("10.97.0.0/24"))
    pacific("apply", "-auto-approve", topology=first, check_exit=0)
    changed = topology_with(tmp_path / "changed.yml", service_cidr("10.98.0.0/24"))

    exit_code, output, _ = pacific("plan", "-detailed-exitcode", topology=changed)

    assert exit_code == 2
    assert '~ service_cidr = "10.97.0.0/24" -> "10.98.0.0/24" # forces replacement' in output
    for address in ("supervisor.DC0_C0", "service.DC0_C0/harbor.tanzu.vmware.com", "namespace.DC0_C0/team-a", "namespace.DC0_C0/team-b",
                    "guest_cluster.team-a/tkc-a"):
        assert f"# {address} must be replaced" in output
    assert "Plan: 5 to add, 0 to change, 5 to destroy." in output
    exit_code, output, errors = pacific("apply", "-auto-approve", topology=changed)
    assert exit_code == 0, output + errors
    pacific("plan", "-detailed-exitcode", topology=changed, check_exit=0)
    counted = collections.Counter(cluster for cluster, name in vsphere_inventory()["vms"] if name.startswith("SupervisorControlPlaneVM"))
    assert counted == {"DC0_C0": 3, "DC0_C1": 1, "DC0_C2": 1, "DC0_C3": 1}  # three per Supervisor (one per zone), none left over


def test_a_second_apply_fails_at_once_naming_the_holder_and_waits_with_lock_timeout(built, control, tmp_path):
    control.call("POST", "/time-scale", {"scale": 0.05})  # a slow apply to overlap with: disabling C1 takes ~20 s
    quota = topology_with(tmp_path / "quota.yml", lambda document: namespace_entry(document, "team-b").update(memory_limit="24Gi"))
    without_c1 = topology_with(tmp_path / "without-c1.yml", lambda document: document.update(supervisors=document["supervisors"][:1]))
    try:
        first = started("apply", "-auto-approve", topology=without_c1)
        for line in first.stdout:
            if line.startswith("supervisor.DC0_C1: Destroying..."):
                break

        begun = time.monotonic()
        exit_code, _, errors = pacific("apply", "-auto-approve", "-target", "namespace.DC0_C0/team-b", topology=quota)
        assert exit_code == 1 and time.monotonic() - begun < 10
        assert "Error acquiring the lock of topology default: another run holds it" in errors
        assert "Operation: apply" in errors and "Who: " in errors and "Created: " in errors and "ID: " in errors

        exit_code, output, errors = pacific("apply", "-auto-approve", "-target", "namespace.DC0_C0/team-b", "-lock-timeout", "5m", topology=quota)
        assert first.wait(timeout=300) == 0
        assert exit_code == 0, output + errors
        assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in output
    finally:
        control.call("POST", "/time-scale", {"scale": 0.01})
    pacific("apply", "-auto-approve", check_exit=0)


def test_force_unlock_frees_a_lock_whose_holder_is_gone(built, tmp_path):
    from ansible_collections.pacific.vsphere.plugins.module_utils.clients.connection import VCenterConnection
    from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import RestClient
    from ansible_collections.pacific.vsphere.plugins.module_utils.resources.platform_lock import LockInfo, PlatformLock

    vcenter = json.loads((RUN_DIR / "endpoints.json").read_text())["vcenter"]
    connection = VCenterConnection(vcenter["hostname"], vcenter["username"], vcenter["password"], port=vcenter["port"], ca_cert=vcenter["ca_cert"])
    with RestClient(connection) as rest:
        elsewhere = LockInfo("0b5e6f1c-0000-4000-8000-000000000001", "apply", "ci@runner-7", "runner-7", 4242, "2026-12-01T00:00:00+00:00", "default")
        held = PlatformLock(rest, "default").acquire(elsewhere)
    quota = topology_with(tmp_path / "quota.yml", lambda document: namespace_entry(document, "team-b").update(memory_limit="20Gi"))

    exit_code, _, errors = pacific("apply", "-auto-approve", topology=quota)
    assert exit_code == 1 and f"pacific force-unlock {held.ID}" in errors and "Who: ci@runner-7" in errors

    exit_code, _, errors = pacific("force-unlock", "-force", "not-the-id")
    assert exit_code == 1 and f"held under ID {held.ID}, not not-the-id" in errors
    exit_code, output, _ = pacific("force-unlock", "-force", held.ID)
    assert exit_code == 0 and "successfully unlocked" in output
    pacific("apply", "-auto-approve", topology=quota, check_exit=0)
    pacific("apply", "-auto-approve", check_exit=0)


# The moments an apply from an empty lab is killed at, in the order the build reaches them: each run
# goes on from what the one before left, so each reaches the next moment.
KILL_MOMENTS = (
    ("the plan is shown", lambda line: line.startswith("Plan: ")),
    ("Spherelet is being installed", lambda line: line.startswith("spherelet.") and line.rstrip().endswith("Creating...")),
    ("a Supervisor is being enabled", lambda line: line.startswith("supervisor.") and line.rstrip().endswith("Creating...")),
    ("a namespace is being made", lambda line: line.startswith("namespace.") and line.rstrip().endswith("Creating...")),
    ("a guest cluster is being built", lambda line: line.startswith("guest_cluster.") and line.rstrip().endswith(("Creating...", "Modifying..."))),
)


def test_applies_killed_at_five_moments_converge_with_no_duplicate(control):
    control.call("POST", "/reset")
    control.call("POST", "/time-scale", {"scale": 0.02})
    killed_at, takeovers = [], 0
    for moment, reached in KILL_MOMENTS:
        run = started("apply", "-auto-approve")
        seen = []
        for line in run.stdout:
            seen.append(line)
            if reached(line):
                run.kill()  # SIGKILL: no cleanup of any kind
                killed_at.append(moment)
                break
        run.wait(timeout=60)
        OUTPUTS.append("".join(seen))
        takeovers += any("held by a process that has ended: taking it over" in line for line in seen)
    control.call("POST", "/time-scale", {"scale": 0.01})

    exit_code, output, errors = pacific("apply", "-auto-approve")

    assert killed_at == [moment for moment, _reached in KILL_MOMENTS]
    assert takeovers >= 3  # a run after a kill during the apply found the killed one's lock, and took it over
    assert exit_code == 0, output + errors
    pacific("plan", "-detailed-exitcode", check_exit=0)
    assert_example_platform_complete()


def test_no_output_of_these_runs_holds_a_secret(tmp_path):
    pacific("plan", "-out", str(tmp_path / "saved.plan"), check_exit=0)
    pacific("show", str(tmp_path / "saved.plan"), topology=None, check_exit=0)
    seen = "\n".join([*OUTPUTS, (tmp_path / "saved.plan").read_text(), (RUN_DIR / "lab.log").read_text()])
    for name, value in secrets().items():
        assert value not in seen, f"{name} appears: {seen[max(seen.find(value) - 300, 0):seen.find(value) + 50]}"


@pytest.fixture(scope="module", autouse=True)
def example_topology_is_data():
    """The tests change copies of the topology, never the lab's own file."""
    before = TOPOLOGY.read_text()
    yield
    assert TOPOLOGY.read_text() == before
