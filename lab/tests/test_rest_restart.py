"""A restart of the lab (`down`, `up`) keeps Supervisors and namespaces, and
rebuilds in the fresh vcsim what they had there."""

import os
import subprocess
import sys
import time
from pathlib import Path

from pyVmomi import vim
from rest_support import INSTANCES, MANAGEMENT, Rest, clusters, control, enable, fast_lab, rest  # noqa: F401

LAB_DIR = Path(__file__).resolve().parents[1]
REBUILD_TIMEOUT = 60


def _lab_command(command):
    subprocess.run([sys.executable, "-m", "pacific_lab", command], cwd=LAB_DIR, env=os.environ, check=True,
                   stdout=subprocess.DEVNULL, timeout=180)


def _rebuilt(si, cluster_moid):
    """(control-plane VM names, rule VM count, hosts with spherelet) seen in vcsim for the cluster."""
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource], True)
    cluster = next(c for c in view.view if c._moId == cluster_moid)
    view.Destroy()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    vms = sorted(vm.name for vm in view.view if vm.name.startswith("SupervisorControlPlaneVM"))
    view.Destroy()
    rules = [len(rule.vm) for rule in cluster.configurationEx.rule if rule.mandatory]
    with_spherelet = [host.name for host in cluster.host
                      if any(p.name == "spherelet" for p in host.configManager.imageConfigManager.FetchSoftwarePackages())]
    return vms, rules, len(with_spherelet) == len(cluster.host)


def test_restart_keeps_supervisors_and_namespaces(lab, rest, vcenter_connect):  # noqa: F811
    cluster = clusters(rest)[0]["cluster"]
    enable(rest, cluster)
    rest.ok("POST", INSTANCES, json={"cluster": cluster, "namespace": "survivor",
                                     "resource_spec": {"cpu_limit": 2000, "memory_limit": 4096},
                                     "access_list": [{"subject_type": "USER", "subject": "alice",
                                                      "domain": "vsphere.local", "role": "EDIT"}]})
    supervisor_before = rest.get(f"{MANAGEMENT}/clusters/{cluster}")
    namespace_before = rest.get(f"{INSTANCES}/survivor")

    _lab_command("down")
    _lab_command("up")

    client = Rest(lab)  # sessions do not survive a restart, as on vCenter
    assert client.get(f"{MANAGEMENT}/clusters/{cluster}") == supervisor_before
    assert client.get(f"{INSTANCES}/survivor") == namespace_before
    si = vcenter_connect()
    deadline = time.monotonic() + REBUILD_TIMEOUT
    while (state := _rebuilt(si, cluster)) != (
            ["SupervisorControlPlaneVM (1)", "SupervisorControlPlaneVM (2)", "SupervisorControlPlaneVM (3)"], [3], True):
        assert time.monotonic() < deadline, f"vcsim not rebuilt: {state}"
        time.sleep(0.2)
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ResourcePool], True)
    pool = next(p for p in view.view if p.name == "survivor")
    view.Destroy()
    assert (pool.config.cpuAllocation.limit, pool.config.memoryAllocation.limit) == (2000, 4096)
