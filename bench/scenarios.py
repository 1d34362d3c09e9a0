"""What the benchmark runs: each tool as its user starts it, on a lab prepared for it, one record per run."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
from dataclasses import dataclass

import yaml
from ansible_collections.pacific.vsphere.plugins.module_utils.topology import validate  # the collection make installs
from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim
from request_summary import no_change_plan_budget

from . import ROOT, measure
from .critical_path import critical_path_seconds

# Time scale (real seconds per simulated second) of builds whose duration is not what is measured.
BUILD_SCALE = 0.005
# Time scale of the makespan and the guest-cluster comparison: a 10-minute enable lasts 30 s.
MEASURED_SCALE = 0.05
LOGIN_PORT = "6443"  # the lab serves /wcp/login with each Supervisor's Kubernetes API


@dataclass(frozen=True)
class Size:
    label: str
    clusters: int | None = None  # None: the lab's startup size and the example topology of inventories/lab
    hosts: int | None = None
    namespaces: int = 0
    guest_clusters: int = 0


EXAMPLE = Size("example")
SIZES = [EXAMPLE, Size("4x16/20/5", 4, 16, 20, 5), Size("4x16/60/20", 4, 16, 60, 20), Size("4x16/200/40", 4, 16, 200, 40)]


class Bench:
    def __init__(self, lab, workdir):
        self.lab = lab
        self.workdir = workdir
        self.env = lab.environment()
        self.records = []

    # ---- one run -------------------------------------------------------------------

    def measure(self, subject, tool, phase, command, *, expect_exit=(0,), check=None):
        """Run ``command`` with an empty request log; its record (also kept in ``records``)."""
        self.lab.clear_requests()
        done = measure.run(command, env=self.env, cwd=ROOT)
        requests = self.lab.client_requests()
        problem = None if done.exit_code in expect_exit else f"exit {done.exit_code}: {_last_lines(done.output)}"
        if problem is None and check is not None:
            problem = check(done.output, requests)
        record = {"subject": subject, "tool": tool, "phase": phase, "seconds": round(done.seconds, 2),
                  "peak_rss_mib": round(done.peak_rss_mib, 1), "requests": requests, "exit": done.exit_code,
                  "result": problem or "ok", **_recap(done.output)}
        self.records.append(record)
        print(f"  {subject:12} {tool:34} {phase:22} {record['seconds']:8.1f} s {requests['total']:6} requests  {record['result']}",
              flush=True)
        return record

    def pacific(self, verb, topology, *options):
        return ["pacific", verb, "-f", str(topology), "-login-port", LOGIN_PORT, "-no-color", *options]

    def playbook(self, playbook, *extra_vars):
        command = ["ansible-playbook", "-i", str(ROOT / "inventories" / "lab"), str(ROOT / playbook)]
        for each in extra_vars:
            command += ["-e", each]
        return command

    # ---- topologies ----------------------------------------------------------------

    def topology_file(self, size):
        if size.clusters is None:
            return self.lab.run_dir / "topology.yml"  # inventories/lab's, exported by tools/export_lab_topology.yml
        path = self.workdir / f"topology-{size.label.replace('/', '-')}.yml"
        command = [sys.executable, str(ROOT / "tools" / "make_topology.py"), str(self.lab.run_dir), "--clusters", str(size.clusters),
                   "--namespaces", str(size.namespaces), "--guest-clusters", str(size.guest_clusters)]
        path.write_text(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        return path


def platform(bench, size):
    """pacific plan / apply / no-change plan, the platform module in check mode, and site.yml twice, on a lab of ``size``."""
    topology = bench.topology_file(size)
    planned = load(topology)
    budget = plan_budget(planned, bench.lab.reset(size.clusters, size.hosts)["size"])
    bench.lab.time_scale(BUILD_SCALE)
    label = size.label
    bench.measure(label, "pacific plan", "from empty", bench.pacific("plan", topology, "-detailed-exitcode"), expect_exit=(2,))
    bench.measure(label, "pacific apply", "from empty", bench.pacific("apply", topology, "-auto-approve"))
    record = bench.measure(label, "pacific plan", "no change", bench.pacific("plan", topology, "-detailed-exitcode"),
                           check=_within(budget))
    record["budget"] = budget
    bench.measure(label, "pacific.vsphere.platform (check)", "no change",
                  bench.playbook("bench/playbooks/platform_check.yml", f"topology_file={topology}"), check=_unchanged)
    bench.lab.reset(size.clusters, size.hosts)
    bench.lab.time_scale(BUILD_SCALE)
    site = ("playbooks/site.yml", f"topology_file={topology}")
    bench.measure(label, "site.yml", "from empty", bench.playbook(*site))
    bench.measure(label, "site.yml", "no change", bench.playbook(*site), check=_unchanged)


def makespan(bench):
    """``pacific apply`` of the example from an empty lab against the critical path of its topology; the lab is left built."""
    topology = bench.topology_file(EXAMPLE)
    bench.lab.reset()
    bench.lab.time_scale(MEASURED_SCALE)
    record = bench.measure("example", "pacific apply", f"makespan at scale {MEASURED_SCALE}", bench.pacific("apply", topology, "-auto-approve"))
    critical = critical_path_seconds(load(topology), bench.lab.settings()["supervisor_enable_seconds"], MEASURED_SCALE)
    record["critical_path_seconds"] = round(critical, 2)
    record["makespan_ratio"] = round(record["seconds"] / critical, 3)
    return record


def control_plane_peers(bench):
    """Three anti-affine VMs under a mandatory rule: pacific.vsphere.control_plane_vms against community.vmware, each made and run again."""
    bench.lab.reset()
    runs = {}
    for tool, playbook, cluster, prefix in (
        ("pacific.vsphere.control_plane_vms", "bench/playbooks/control_plane_pacific.yml", "DC0_C0", "bench-cp"),
        ("community.vmware (vmware_guest ×3 + drs_rule)", "bench/playbooks/control_plane_peer.yml", "DC0_C1", "bench-peer"),
    ):
        command = bench.playbook(playbook, f"bench_cluster={cluster}")
        created = bench.measure("control plane", tool, "create", command, check=lambda _output, _requests, c=cluster, p=prefix: _anti_affine_set(bench, c, p))
        again = bench.measure("control plane", tool, "no change", command, check=_unchanged)
        runs[tool] = (created, again)
    return runs


def guest_cluster_peers(bench):
    """One guest cluster waited for until Ready: pacific.vsphere.guest_cluster against uri + kubernetes.core.k8s (needs a built example)."""
    bench.lab.time_scale(MEASURED_SCALE)
    address = bench.lab.supervisor_address("DC0_C1")
    runs = {}
    for tool, playbook in (("pacific.vsphere.guest_cluster", "bench/playbooks/guest_cluster_pacific.yml"),
                           ("uri + kubernetes.core.k8s (wait)", "bench/playbooks/guest_cluster_peer.yml")):
        command = bench.playbook(playbook, f"bench_supervisor={address}")
        runs[tool] = (bench.measure("guest cluster", tool, "create", command),
                      bench.measure("guest cluster", tool, "no change", command, check=_unchanged))
    return runs


# ---- what a run must have done -------------------------------------------------------------


def load(topology):
    return validate(yaml.safe_load(topology.read_text()))


def plan_budget(topology, inventory):
    """The no-change plan's request budget (tools/request_summary.py) for ``topology`` on a lab of ``inventory`` size."""
    namespaces = [namespace for supervisor in topology["supervisors"] for namespace in supervisor.get("namespaces") or []]
    holding = sum(1 for namespace in namespaces if namespace.get("guest_clusters"))
    supervisors = len(topology["supervisors"])
    return no_change_plan_budget(supervisors * inventory["hosts"], len(namespaces), holding, supervisors)


def _within(budget):
    def check(_output, requests):
        return None if requests["total"] <= budget else f"{requests['total']} requests, over the budget of {budget}"
    return check


def _unchanged(output, _requests):
    recap = _recap(output)
    return None if recap.get("changed", 0) == 0 else f"changed={recap['changed']} on a run that should change nothing"


def _anti_affine_set(bench, cluster_name, prefix):
    """None when the cluster holds three powered-on VMs named ``prefix``* under one enabled, mandatory anti-affinity rule."""
    vcenter = bench.lab.endpoints()["vcenter"]
    context = ssl.create_default_context(cafile=vcenter["ca_cert"])
    service = SmartConnect(host=vcenter["hostname"], port=vcenter["port"], user=vcenter["username"], pwd=vcenter["password"], sslContext=context)
    try:
        content = service.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource], True)
        cluster = next(each for each in view.view if each.name == cluster_name)
        view.Destroy()
        vms = sorted(vm.name for host in cluster.host for vm in host.vm
                     if vm.name.startswith(prefix) and vm.runtime.powerState == "poweredOn")
        rules = [sorted(vm.name for vm in rule.vm) for rule in cluster.configurationEx.rule or ()
                 if isinstance(rule, vim.cluster.AntiAffinityRuleSpec) and rule.enabled and rule.mandatory]
    finally:
        Disconnect(service)
    return None if len(vms) == 3 and rules == [vms] else f"VMs {vms}, mandatory anti-affinity rules {rules}"


def _recap(output):
    """changed= and failed= of an ansible-playbook run's PLAY RECAP (nothing for other tools)."""
    found = re.search(r"^localhost\s+:.*?changed=(\d+).*?failed=(\d+)", output, re.MULTILINE)
    return {"changed": int(found.group(1)), "failed": int(found.group(2))} if found else {}


def _last_lines(output, count=3):
    """What says why a run failed: its first fatal line (Ansible) or its last lines."""
    lines = output.strip().splitlines()
    fatal = [line.strip() for line in lines if line.startswith(("fatal:", "Error:"))]
    return (fatal[0] if fatal else " | ".join(line.strip() for line in lines[-count:]))[:400]
