"""What the benchmark runs: each tool as its user starts it, on a lab prepared for it, one record per run."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
from dataclasses import dataclass

import yaml
from ansible_collections.pacific.vsphere.plugins.module_utils.topology import validate  # the collection make installs
from pacific_support import assert_example_platform_complete
from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim
from request_summary import no_change_plan_budget

from . import ROOT, measure
from .critical_path import critical_path_seconds

# Time scale (real seconds per simulated second) of builds whose duration is not what is measured.
BUILD_SCALE = 0.005
# Time scale of the makespan and the guest-cluster comparison: a 10-minute enable lasts 30 s.
MEASURED_SCALE = 0.05
# Runs through faults: shares of requests answered 503 (as many reset), of answers lost, and their time scale.
FAULT_SHARES = (0.1, 0.2)
LOST_SHARE = 0.03
FAULT_SCALE = 0.01


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
        self.fault_runs = []  # every run through faults (the table shows their summaries)

    # ---- one run -------------------------------------------------------------------

    def measure(self, subject, tool, phase, command, *, expect_exit=(0,), check=None, keep=True):
        """Run ``command`` with an empty request log; its record (kept in ``records`` unless ``keep`` is false)."""
        self.lab.clear_requests()
        done = measure.run(command, env=self.env, cwd=ROOT)
        requests = self.lab.client_requests()
        problem = None if done.exit_code in expect_exit else f"exit {done.exit_code}: {_last_lines(done.output)}"
        if problem is None and check is not None:
            problem = check(done.output, requests)
        record = {"subject": subject, "tool": tool, "phase": phase, "seconds": round(done.seconds, 2),
                  "peak_rss_mib": round(done.peak_rss_mib, 1), "requests": requests, "exit": done.exit_code,
                  "result": problem or "ok", **_recap(done.output)}
        if keep:
            self.records.append(record)
        print(f"  {subject:12} {tool:34} {phase:22} {record['seconds']:8.1f} s {requests['total']:6} requests  {record['result']}",
              flush=True)
        return record

    def pacific(self, verb, topology, *options):
        return ["pacific", verb, "-f", str(topology), "-no-color", *options]

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
    if record["result"] == "ok" and record["makespan_ratio"] < 1:
        record["result"] = "faster than its critical path: the model of bench/critical_path.py is wrong"
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


def faults(bench, runs):
    """``runs`` runs each of ``pacific apply`` and ``site.yml`` from an empty lab through transient faults on every API
    (10 % and 20 % of requests answered 503, as many reset, 3 % with their answer lost; each run its own seed):
    how many converged with the example platform whole, once. One summary record per tool and share."""
    topology = bench.topology_file(EXAMPLE)
    summaries = []
    for share in FAULT_SHARES:
        for tool, command in (("pacific apply", bench.pacific("apply", topology, "-auto-approve")),
                              ("site.yml", bench.playbook("playbooks/site.yml", f"topology_file={topology}"))):
            runs_done = []
            for run in range(runs):
                bench.lab.reset()
                bench.lab.time_scale(FAULT_SCALE)
                bench.lab.control.inject_faults(share, LOST_SHARE, seed=1000 + len(bench.fault_runs))
                record = bench.measure(f"faults {share:.0%}+{share:.0%}", tool, f"run {run + 1} of {runs}", command, keep=False)
                record["faults_met"] = bench.lab.control.clear_faults()
                if record["result"] == "ok":
                    record["result"] = _converged(bench, topology) or "ok"
                bench.fault_runs.append(record)
                runs_done.append(record)
            converged = sum(1 for record in runs_done if record["result"] == "ok")
            summary = {"subject": f"faults {share:.0%}+{share:.0%}", "tool": tool, "phase": f"{runs} runs from empty",
                       "seconds": round(sum(r["seconds"] for r in runs_done), 2),
                       "peak_rss_mib": max((r["peak_rss_mib"] for r in runs_done), default=0),
                       "requests": _summed_requests(runs_done), "converged": converged,
                       "result": "ok" if converged == runs else f"{converged} of {runs} converged"}
            bench.records.append(summary)
            summaries.append(summary)
    return summaries


# ---- what a run must have done -------------------------------------------------------------


def _converged(bench, topology):
    """None when, with the faults gone, ``pacific plan`` has no change and the example platform is whole and once
    (pacific_support's check); else what is wrong."""
    plan = measure.run(bench.pacific("plan", topology, "-detailed-exitcode"), env=bench.env, cwd=ROOT)
    if plan.exit_code != 0:
        return f"the plan after it: exit {plan.exit_code}: {_last_lines(plan.output)}"
    try:
        assert_example_platform_complete()
    except AssertionError as problem:
        return f"platform not whole: {str(problem)[:300]}"
    return None


def _summed_requests(records):
    by_api, logins = {}, {}
    for record in records:
        for api, count in record["requests"]["by_api"].items():
            by_api[api] = by_api.get(api, 0) + count
        for api, count in record["requests"]["logins"].items():
            logins[api] = logins.get(api, 0) + count
    return {"total": sum(by_api.values()), "by_api": by_api, "logins": logins,
            "mutating": sum(record["requests"]["mutating"] for record in records)}


def load(topology):
    return validate(yaml.safe_load(topology.read_text()))


def plan_budget(topology, inventory):
    """The no-change plan's request budget (tools/request_summary.py) for ``topology`` on a lab of ``inventory`` size."""
    namespaces = [namespace for supervisor in topology["supervisors"] for namespace in supervisor.get("namespaces") or []]
    holding = sum(1 for namespace in namespaces if namespace.get("guest_clusters"))
    supervisors = len(topology["supervisors"])
    clusters = sum(len(supervisor.get("zones") or [None]) for supervisor in topology["supervisors"])
    # With zones, vCenter 8 has the topology's and one it made for each Supervisor enabled on a cluster.
    on_clusters = sum(1 for supervisor in topology["supervisors"] if not supervisor.get("zones"))
    zones = len(topology["zones"]) + on_clusters if topology["zones"] else 0
    versions = any(supervisor["workload_management"].get("kubernetes_version") for supervisor in topology["supervisors"])
    return no_change_plan_budget(clusters * inventory["hosts"], len(namespaces), holding, supervisors, zones, versions)


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
