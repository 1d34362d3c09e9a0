"""What the lab tests of pacific share: running the command as a user does, the lab's control API and REST API, the outputs seen.

Needs a running lab (`make lab-up`) and its topology exported as data
(`tools/export_lab_topology.yml`); `make pacific-test` does both.
"""

import collections
import json
import os
import pathlib
import subprocess
import sys

import requests
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUN_DIR = pathlib.Path(os.environ.get("LAB_RUN_DIR", ROOT / "lab" / ".run"))
TOPOLOGY = RUN_DIR / "topology.yml"
sys.path.insert(0, str(ROOT / "tools"))
import lab_access  # noqa: E402
from lab_access import secrets as lab_secrets  # noqa: E402
from request_summary import mutates, no_change_plan_budget  # noqa: E402,F401  (the one list of what only reads; the plan budget)

# Every output of every pacific run of the session, to look for secrets in.
OUTPUTS = []


def secrets(run_dir=RUN_DIR):
    """The PACIFIC_VAR_* values tools/export_lab_topology.yml wrote (for the lab at ``run_dir``)."""
    return lab_secrets(run_dir)


def command(*args, topology=TOPOLOGY):
    """The command line of `pacific ARGS -f TOPOLOGY -no-color` (the Supervisors' login service on 443, as vSphere's)."""
    line = [sys.executable, "-m", "pacific", *args]
    if topology is not None:
        line += ["-f", str(topology)]
    return line + ["-no-color"]


def environment(run_dir=RUN_DIR):
    # Without the collection on a path: pacific finds its engine by itself.
    environ = {key: value for key, value in os.environ.items() if key not in ("ANSIBLE_COLLECTIONS_PATH", "PYTHONPATH")}
    return {**environ, **secrets(run_dir)}


def pacific(*args, input=None, check_exit=None, topology=TOPOLOGY, run_dir=RUN_DIR):
    """Run pacific (on the lab at ``run_dir``, whose topology file ``topology`` is); return (exit, stdout, stderr)."""
    done = subprocess.run(
        command(*args, topology=topology), capture_output=True, text=True, input=input, env=environment(run_dir), timeout=600, cwd="/"
    )
    OUTPUTS.extend((done.stdout, done.stderr))
    if check_exit is not None:
        assert done.returncode == check_exit, done.stdout + done.stderr
    return done.returncode, done.stdout, done.stderr


def started(*args, topology=TOPOLOGY):
    """pacific running in the background, its output a line at a time (stderr merged)."""
    return subprocess.Popen(
        command(*args, topology=topology), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment(), cwd="/", bufsize=1
    )


def topology_with(path, change, source=TOPOLOGY):
    """A copy of the lab's topology (or of ``source``), changed by ``change(document)``, written to ``path``."""
    document = yaml.safe_load(source.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document))
    return path


def namespace_entry(document, name):
    return next(namespace for supervisor in document["supervisors"] for namespace in supervisor["namespaces"] if namespace["name"] == name)


class Control(lab_access.Control):
    def __init__(self):
        super().__init__(RUN_DIR)


class VcenterRest:
    """vCenter's REST API with one session, the lab's CA trusted (REQUESTS_CA_BUNDLE would override it)."""

    def __init__(self):
        vcenter = json.loads((RUN_DIR / "endpoints.json").read_text())["vcenter"]
        self.base = f"https://{vcenter['hostname']}:{vcenter['port']}"
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = vcenter["ca_cert"]
        token = self.http.post(self.base + "/api/session", auth=(vcenter["username"], vcenter["password"]), timeout=30).json()
        self.http.headers["vmware-api-session-id"] = token

    def request(self, method, path, **options):
        return self.http.request(method, self.base + path, timeout=30, **options)

    def ok(self, method, path, **options):
        answer = self.request(method, path, **options)
        assert answer.status_code in (200, 201, 204), f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None


def vsphere_inventory():
    """What vim25 shows, read with pyVmomi: ``(cluster, name)`` of each VM, ``(namespace, name)`` of the VM Operator's,
    DRS rule names by cluster, hosts in maintenance mode."""
    import ssl

    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim

    vcenter = json.loads((RUN_DIR / "endpoints.json").read_text())["vcenter"]
    context = ssl.create_default_context(cafile=vcenter["ca_cert"])
    service = SmartConnect(host=vcenter["hostname"], port=vcenter["port"], user=vcenter["username"], pwd=vcenter["password"], sslContext=context)
    try:
        content = service.RetrieveContent()

        def every(kind):
            view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
            try:
                return list(view.view)
            finally:
                view.Destroy()

        vms = every(vim.VirtualMachine)
        return {
            "vms": sorted((vm.runtime.host.parent.name, vm.name) for vm in vms),
            # The VM Operator's VMs: in the folder Namespaces/<namespace> (WCP's control plane has a folder there too).
            "namespace_vms": sorted(
                (vm.parent.name, vm.name) for vm in vms if vm.parent.parent.name == "Namespaces" and not vm.name.startswith("SupervisorControlPlaneVM")
            ),
            "rules": {cluster.name: sorted(rule.name for rule in cluster.configurationEx.rule or ()) for cluster in every(vim.ClusterComputeResource)},
            "in_maintenance": sorted(host.name for host in every(vim.HostSystem) if host.runtime.inMaintenanceMode),
        }
    finally:
        Disconnect(service)


def supervisor_virtual_machines():
    """``(namespace, name)`` of every VirtualMachine object of every Supervisor, read through its Kubernetes API."""
    return sorted((vm["metadata"]["namespace"], vm["metadata"]["name"]) for vm in supervisor_virtual_machine_objects())


def supervisor_virtual_machine_objects():
    """Every VirtualMachine object of every Supervisor, read through its Kubernetes API."""
    endpoints = json.loads((RUN_DIR / "endpoints.json").read_text())
    vcenter, found = endpoints["vcenter"], []
    namespaces = VcenterRest().ok("GET", "/api/vcenter/namespaces/instances")
    for supervisor in endpoints.get("supervisors", []):
        http = requests.Session()
        http.trust_env = False
        http.verify = vcenter["ca_cert"]
        login = http.post(supervisor["login"] + "/wcp/login", auth=(vcenter["username"], vcenter["password"]), timeout=30)
        http.headers["Authorization"] = "Bearer " + login.json()["session_id"]
        for namespace in (each["namespace"] for each in namespaces if each["cluster"] == supervisor["cluster"]):
            # Listed namespace by namespace: a vCenter administrator may not list at the cluster scope.
            listed = http.get(f"{supervisor['server']}/apis/vmoperator.vmware.com/v1alpha3/namespaces/{namespace}/virtualmachines", timeout=30)
            assert listed.status_code == 200, listed.text
            found += listed.json()["items"]
    return found


def assert_example_platform_complete():
    """The example platform, whole and once: 3 control-plane VMs per Supervisor (DC0_C0's under 1 rule, the zonal one's
    one per zone cluster), each guest cluster and namespace once, Harbor once on DC0_C0 (CONFIGURED, in its service namespace),
    no host in maintenance."""
    inventory = vsphere_inventory()
    supervisor_vms = [vm for vm in inventory["vms"] if vm[1].startswith("SupervisorControlPlaneVM")]
    assert len(supervisor_vms) == len(set(supervisor_vms)) == 6, supervisor_vms
    assert collections.Counter(cluster for cluster, _name in supervisor_vms) == {"DC0_C0": 3, "DC0_C1": 1, "DC0_C2": 1, "DC0_C3": 1}, supervisor_vms
    assert {cluster: len(rules) for cluster, rules in inventory["rules"].items() if rules} == {"DC0_C0": 1}, inventory["rules"]
    clusters = [each for each in inventory["vms"] if each[1].startswith(("tkc-a-control-plane", "capi-platform-control-plane"))]
    assert {name.rsplit("-control-plane-", 1)[0] for _cluster, name in clusters} == {"tkc-a", "capi-platform"}, clusters
    # vcsim's guest VMs are the Supervisors' VirtualMachine objects, one each; and none was ever
    # found unclaimed (the VM Operator deletes such a VM, so only its log tells that one was made).
    objects = supervisor_virtual_machines()
    assert inventory["namespace_vms"] == objects, f"guest VMs in vcsim {inventory['namespace_vms']}, VirtualMachine objects {objects}"
    assert "has no VirtualMachine object" not in (RUN_DIR / "lab.log").read_text(), "the VM Operator found a VM no object claims (lab.log)"
    assert inventory["in_maintenance"] == [], f"hosts in maintenance mode: {inventory['in_maintenance']}"
    rest = VcenterRest()
    names = [each["namespace"] for each in rest.ok("GET", "/api/vcenter/namespaces/instances")]
    cluster = next(each["cluster"] for each in rest.ok("GET", "/api/vcenter/cluster") if each["name"] == "DC0_C0")
    harbor = rest.ok("GET", f"/api/vcenter/namespace-management/clusters/{cluster}/supervisor-services/harbor.tanzu.vmware.com")
    assert (harbor["config_status"], harbor["current_version"]) == ("CONFIGURED", "2.9.1"), harbor
    assert sorted(names) == sorted(["platform", "team-a", "team-b", harbor["service_namespace"]]), names
