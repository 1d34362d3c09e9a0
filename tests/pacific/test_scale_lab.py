"""The request budget of a no-change plan at scale: 4 clusters × 16 hosts, 200 namespaces, 40 guest clusters, built by pacific apply.

Request counts are deterministic, so the budget is a test; times are the
benchmark's (`make bench`). The budget is the floor vSphere's APIs allow
(`tools/request_summary.no_change_plan_budget`).
"""

import subprocess
import sys

import pytest
from pacific_support import ROOT, RUN_DIR, Control, mutates, no_change_plan_budget, pacific, secrets

CLUSTERS, HOSTS = 4, 16
# (namespaces, guest clusters): the benchmark's smallest and largest sizes on 4 × 16 hosts.
SIZES = [(20, 5), (200, 40)]


@pytest.fixture(scope="module", params=SIZES, ids=lambda size: f"{CLUSTERS}x{HOSTS}/{size[0]}/{size[1]}")
def scale_topology(request, tmp_path_factory):
    namespaces, guest_clusters = request.param
    lab = Control()
    lab.call("POST", "/reset", {"clusters": CLUSTERS, "hosts": HOSTS})
    lab.call("POST", "/time-scale", {"scale": 0.005})
    path = tmp_path_factory.mktemp("scale") / "topology.yml"
    command = [sys.executable, str(ROOT / "tools" / "make_topology.py"), str(RUN_DIR), "--clusters", str(CLUSTERS)]
    command += ["--namespaces", str(namespaces), "--guest-clusters", str(guest_clusters)]
    path.write_text(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    yield lab, path, namespaces, guest_clusters
    lab.call("POST", "/reset")  # the lab's own size again


def scale_environment():
    # make_topology.py keeps the passwords as {env: ...} references: the lab's values, from pacific.env.
    values = secrets()
    return {"VMWARE_PASSWORD": values["PACIFIC_VAR_vcenter_password"], "LAB_HAPROXY_PASSWORD": values["PACIFIC_VAR_lab_haproxy_password"]}


def test_a_no_change_plan_of_the_scale_topology_makes_the_floor_of_requests(scale_topology, monkeypatch):
    lab, path, namespaces, guest_clusters = scale_topology
    for name, value in scale_environment().items():
        monkeypatch.setenv(name, value)
    exit_code, output, errors = pacific("apply", "-auto-approve", topology=path)
    assert exit_code == 0, output[-2000:] + errors
    # Per Supervisor: Spherelet, Workload Management, its control plane; then each namespace and guest cluster.
    added = 3 * CLUSTERS + namespaces + guest_clusters
    assert f"Apply complete! Resources: {added} added, 0 changed, 0 destroyed." in output
    lab.call("POST", "/time-scale", {"scale": 0})
    lab.call("DELETE", "/requests")

    exit_code, output, _ = pacific("plan", "-detailed-exitcode", topology=path)

    assert exit_code == 0, output[-2000:]
    calls = lab.client_requests()
    assert [call for call in calls if mutates(call)] == []
    # Each of the first namespaces holds one guest cluster.
    assert len(calls) <= no_change_plan_budget(CLUSTERS * HOSTS, namespaces, guest_clusters, CLUSTERS), len(calls)
