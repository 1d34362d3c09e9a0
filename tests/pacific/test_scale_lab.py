"""The request budget of a no-change plan at scale: 4 clusters × 16 hosts, 200 namespaces, 40 guest clusters, built by pacific apply.

Request counts are deterministic, so the budget is a test; times are the
benchmark's (`make bench`). The budget is the floor vSphere's APIs allow:
one read of installed VIBs per host and one GET per namespace (no bulk call
for either), one list per kind of guest cluster a namespace holds, one host
list per Supervisor cluster (its connected hosts, checked before planning),
and a fixed number for everything else.
"""

import subprocess
import sys

import pytest
from pacific_support import ROOT, RUN_DIR, Control, mutates, pacific, secrets

CLUSTERS, HOSTS, NAMESPACES, GUEST_CLUSTERS = 4, 16, 200, 40
FIXED = 20


@pytest.fixture(scope="module")
def scale_topology(tmp_path_factory):
    lab = Control()
    lab.call("POST", "/reset", {"clusters": CLUSTERS, "hosts": HOSTS})
    lab.call("POST", "/time-scale", {"scale": 0.005})
    path = tmp_path_factory.mktemp("scale") / "topology.yml"
    command = [sys.executable, str(ROOT / "tools" / "make_topology.py"), str(RUN_DIR), "--clusters", str(CLUSTERS)]
    command += ["--namespaces", str(NAMESPACES), "--guest-clusters", str(GUEST_CLUSTERS)]
    path.write_text(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    yield lab, path
    lab.call("POST", "/reset")  # the lab's own size again


def scale_environment():
    # make_topology.py keeps the passwords as {env: ...} references: the lab's values, from pacific.env.
    values = secrets()
    return {"VMWARE_PASSWORD": values["PACIFIC_VAR_vcenter_password"], "LAB_HAPROXY_PASSWORD": values["PACIFIC_VAR_lab_haproxy_password"]}


def test_a_no_change_plan_of_the_scale_topology_makes_the_floor_of_requests(scale_topology, monkeypatch):
    lab, path = scale_topology
    for name, value in scale_environment().items():
        monkeypatch.setenv(name, value)
    exit_code, output, errors = pacific("apply", "-auto-approve", topology=path)
    assert exit_code == 0, output[-2000:] + errors
    assert "Apply complete! Resources: 252 added, 0 changed, 0 destroyed." in output
    lab.call("POST", "/time-scale", {"scale": 0})
    lab.call("DELETE", "/requests")

    exit_code, output, _ = pacific("plan", "-detailed-exitcode", topology=path)

    assert exit_code == 0, output[-2000:]
    calls = lab.client_requests()
    assert [call for call in calls if mutates(call)] == []
    holding = GUEST_CLUSTERS  # each of the first 40 namespaces holds one guest cluster, of one kind
    # Before planning, one host list per Supervisor cluster counts its connected hosts.
    assert len(calls) <= CLUSTERS * HOSTS + NAMESPACES + 2 * holding + CLUSTERS + FIXED, len(calls)
