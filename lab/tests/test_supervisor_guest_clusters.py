"""Guest clusters on the Supervisor: a TanzuKubernetesCluster or a Cluster API
Cluster becomes VirtualMachines and powered-on VMs in vcsim (seen through
pyVmomi), reports its phases and conditions, scales, is upgraded one node at
a time, and leaves nothing behind when deleted; what cannot be built says why."""

import copy

import pytest
from pyVim.task import WaitForTask
from pyVmomi import vim
from supervisor_support import (
    NEWER_RELEASE,
    RELEASE,
    STORAGE_CLASS,
    STORAGE_POLICY,
    VM_CLASS,
    MachinesClosed,
    MachineSpec,
    ResourceLimits,
    condition,
    supervisor_under_test,
    vms_in_namespace,
    vsphere,  # noqa: F401 (fixture)
    wait_for,
)

TKC_API = "run.tanzu.vmware.com/v1alpha3"
CAPI = "cluster.x-k8s.io/v1beta1"
VM_API = "vmoperator.vmware.com/v1alpha3"


@pytest.fixture(scope="module")
def supervisor(lab, tmp_path_factory):
    extra = {"small": {"limits": ResourceLimits(memory_mib=6000), "storage_policies": (STORAGE_POLICY,),
                       "vm_classes": (VM_CLASS, "guaranteed-small")}}
    yield from supervisor_under_test(lab, tmp_path_factory.mktemp("supervisor-gc"), "DC0_C1", extra)


@pytest.fixture(scope="module")
def api(supervisor):
    dyn = supervisor.dynamic()
    return {kind: dyn.resources.get(api_version=version, kind=kind) for version, kind in (
        (TKC_API, "TanzuKubernetesCluster"), (CAPI, "Cluster"), (CAPI, "MachineDeployment"),
        (VM_API, "VirtualMachine"), ("v1", "Secret"))}


def tkc(name, namespace, control_plane=1, workers=1, release=RELEASE, storage_class=STORAGE_CLASS):
    pools = [{"name": "workers", "replicas": workers, "vmClass": VM_CLASS, "storageClass": storage_class}] if workers else []
    return {"apiVersion": TKC_API, "kind": "TanzuKubernetesCluster", "metadata": {"name": name, "namespace": namespace},
            "spec": {"topology": {"controlPlane": {"replicas": control_plane, "vmClass": VM_CLASS,
                                                   "storageClass": storage_class, "tkr": {"reference": {"name": release}}},
                                  "nodePools": pools}}}


def capi_cluster(name, namespace, workers=1, cluster_class="tanzukubernetescluster"):
    return {"apiVersion": CAPI, "kind": "Cluster", "metadata": {"name": name, "namespace": namespace},
            "spec": {"clusterNetwork": {"pods": {"cidrBlocks": ["192.168.156.0/20"]},
                                        "services": {"cidrBlocks": ["10.96.0.0/12"]}, "serviceDomain": "cluster.local"},
                     "topology": {"class": cluster_class, "version": "v1.26.13+vmware.1-fips.1-tkg.3",
                                  "controlPlane": {"replicas": 1},
                                  "workers": {"machineDeployments": [{"class": "node-pool", "name": "md-0",
                                                                      "replicas": workers}]},
                                  "variables": [{"name": "vmClass", "value": VM_CLASS},
                                                {"name": "storageClass", "value": STORAGE_CLASS}]}}}


def read(resource, name, namespace):
    return resource.get(name=name, namespace=namespace).to_dict()


def nodes(api, namespace, cluster):
    return api["VirtualMachine"].get(namespace=namespace, label_selector=f"cluster.x-k8s.io/cluster-name={cluster}").to_dict()["items"]


def wait_ready(resource, name, namespace, phase):
    def ready():
        obj = read(resource, name, namespace)
        state = condition(obj, "Ready")
        return obj if obj.get("status", {}).get("phase") == phase and state and state["status"] == "True" else None
    return wait_for(ready, f"{name} to be {phase} and Ready")


def wait_gone(resource, name, namespace):
    wait_for(lambda: name not in [o.metadata.name for o in resource.get(namespace=namespace).items], f"{name} to go")


def test_tkc_becomes_vms_scales_and_deletes(supervisor, api, vsphere):  # noqa: F811
    namespace, clusters = supervisor.namespace, api["TanzuKubernetesCluster"]
    manifest = tkc("tkc-1", namespace)
    clusters.server_side_apply(body=manifest, field_manager="test")
    phases = set()
    wait_for(lambda: phases.add(read(clusters, "tkc-1", namespace).get("status", {}).get("phase"))
             or "running" in phases, "tkc-1 to run", interval=0.05)
    assert "creating" in phases
    running = wait_ready(clusters, "tkc-1", namespace, "running")
    assert condition(running, "ControlPlaneReady")["status"] == "True"
    assert running["status"]["apiEndpoints"][0]["port"] == 6443
    names = sorted(vm["metadata"]["name"] for vm in nodes(api, namespace, "tkc-1"))
    assert len(names) == 2
    assert {name: state for name, (_, state) in vms_in_namespace(vsphere, namespace).items()} == {
        name: "poweredOn" for name in names}
    assert api["Secret"].get(name="tkc-1-kubeconfig", namespace=namespace).data.value
    # The VM Operator's older API version shows the same VMs in its own spelling.
    old_style = supervisor.dynamic().resources.get(api_version="vmoperator.vmware.com/v1alpha1", kind="VirtualMachine")
    first = old_style.get(name=names[0], namespace=namespace).to_dict()
    assert first["spec"]["powerState"] == "poweredOn" and first["status"]["vmIp"].startswith("10.244.")

    scaled = copy.deepcopy(manifest)
    scaled["spec"]["topology"]["nodePools"][0]["replicas"] = 3
    clusters.server_side_apply(body=scaled, field_manager="test")
    wait_for(lambda: len(vms_in_namespace(vsphere, namespace)) == 4, "two more VMs in vcsim")
    wait_ready(clusters, "tkc-1", namespace, "running")
    assert set(names) < set(vms_in_namespace(vsphere, namespace))

    clusters.delete(name="tkc-1", namespace=namespace)
    wait_gone(clusters, "tkc-1", namespace)
    assert vms_in_namespace(vsphere, namespace) == {}
    assert nodes(api, namespace, "tkc-1") == []
    wait_gone(api["Secret"], "tkc-1-kubeconfig", namespace)


def test_control_plane_nodes_land_on_distinct_hosts(supervisor, api, vsphere):  # noqa: F811
    namespace, clusters = supervisor.namespace, api["TanzuKubernetesCluster"]
    clusters.create(body=tkc("tkc-ha", namespace, control_plane=3, workers=0))
    wait_ready(clusters, "tkc-ha", namespace, "running")
    hosts = [host for host, _ in vms_in_namespace(vsphere, namespace).values()]
    assert len(hosts) == 3 and len(set(hosts)) == 3
    clusters.delete(name="tkc-ha", namespace=namespace)
    wait_gone(clusters, "tkc-ha", namespace)
    assert vms_in_namespace(vsphere, namespace) == {}


def test_a_new_release_replaces_nodes_one_at_a_time(supervisor, api, vsphere):  # noqa: F811
    namespace, clusters = supervisor.namespace, api["TanzuKubernetesCluster"]
    manifest = tkc("tkc-up", namespace)
    clusters.server_side_apply(body=manifest, field_manager="test")
    wait_ready(clusters, "tkc-up", namespace, "running")
    before = {vm["metadata"]["name"] for vm in nodes(api, namespace, "tkc-up")}
    manifest["spec"]["topology"]["controlPlane"]["tkr"]["reference"]["name"] = NEWER_RELEASE
    clusters.server_side_apply(body=manifest, field_manager="test")
    most = 0

    def upgraded():
        nonlocal most
        current = nodes(api, namespace, "tkc-up")
        most = max(most, len([vm for vm in current if not vm["metadata"].get("deletionTimestamp")]))
        releases = {vm["metadata"]["labels"]["run.tanzu.vmware.com/tkr"] for vm in current}
        obj = read(clusters, "tkc-up", namespace)
        return releases == {NEWER_RELEASE} and len(current) == 2 and obj["status"]["phase"] == "running"
    wait_for(upgraded, "every node on the new release", interval=0.05)
    assert most == 3  # one extra node at a time
    assert not before & {vm["metadata"]["name"] for vm in nodes(api, namespace, "tkc-up")}
    assert read(clusters, "tkc-up", namespace)["status"]["version"] == "v1.27.11+vmware.1-fips.1"
    clusters.delete(name="tkc-up", namespace=namespace)
    wait_gone(clusters, "tkc-up", namespace)
    assert vms_in_namespace(vsphere, namespace) == {}


def test_capi_cluster_becomes_vms_scales_and_deletes(supervisor, api, vsphere):  # noqa: F811
    namespace, clusters = supervisor.namespace, api["Cluster"]
    manifest = capi_cluster("capi-1", namespace)
    clusters.server_side_apply(body=manifest, field_manager="test")
    cluster = wait_ready(clusters, "capi-1", namespace, "Provisioned")
    assert cluster["spec"]["controlPlaneEndpoint"]["port"] == 6443
    assert condition(cluster, "ControlPlaneReady")["status"] == "True"
    deployment = read(api["MachineDeployment"], "capi-1-md-0", namespace)
    assert deployment["spec"]["replicas"] == 1 and deployment["status"]["readyReplicas"] == 1
    assert len(vms_in_namespace(vsphere, namespace)) == 2

    manifest["spec"]["topology"]["workers"]["machineDeployments"][0]["replicas"] = 3
    clusters.server_side_apply(body=manifest, field_manager="test")
    wait_for(lambda: len(vms_in_namespace(vsphere, namespace)) == 4, "two more VMs in vcsim")
    wait_for(lambda: read(api["MachineDeployment"], "capi-1-md-0", namespace)["status"].get("readyReplicas") == 3,
             "the MachineDeployment at 3 ready replicas")

    clusters.delete(name="capi-1", namespace=namespace)
    wait_gone(clusters, "capi-1", namespace)
    assert vms_in_namespace(vsphere, namespace) == {}
    wait_gone(api["MachineDeployment"], "capi-1-md-0", namespace)


@pytest.mark.parametrize("change, condition_type, reason", [
    ({"release": "v1.99.0---vmware.1-tkg.1"}, "TanzuKubernetesReleaseCompatible", "TanzuKubernetesReleaseNotFound"),
    ({"release": "v1.24.11---vmware.1-fips.1-tkg.1"}, "TanzuKubernetesReleaseCompatible",
     "TanzuKubernetesReleaseIncompatible"),
    ({"storage_class": "platinum"}, "Ready", "StorageClassNotFound"),
])
def test_unresolvable_tkc_says_why(supervisor, api, vsphere, change, condition_type, reason):  # noqa: F811
    namespace, clusters = supervisor.namespace, api["TanzuKubernetesCluster"]
    clusters.create(body=tkc("tkc-bad", namespace, **change))
    found = wait_for(lambda: (c := condition(read(clusters, "tkc-bad", namespace), condition_type))
                     and c["status"] == "False" and c, f"{condition_type} False")
    assert found["reason"] == reason and found["message"]
    assert condition(read(clusters, "tkc-bad", namespace), "Ready")["status"] == "False"
    assert nodes(api, namespace, "tkc-bad") == [] and vms_in_namespace(vsphere, namespace) == {}
    clusters.delete(name="tkc-bad", namespace=namespace)
    wait_gone(clusters, "tkc-bad", namespace)


def test_cluster_of_an_unknown_class_says_why(supervisor, api):
    namespace, clusters = supervisor.namespace, api["Cluster"]
    clusters.create(body=capi_cluster("capi-bad", namespace, cluster_class="no-such-class"))
    found = wait_for(lambda: (c := condition(read(clusters, "capi-bad", namespace), "TopologyReconciled"))
                     and c["status"] == "False" and c, "TopologyReconciled False")
    assert found["reason"] == "ClusterClassNotFound" and "no-such-class" in found["message"]
    clusters.delete(name="capi-bad", namespace=namespace)
    wait_gone(clusters, "capi-bad", namespace)


@pytest.fixture
def small_pool(supervisor, vsphere):  # noqa: F811
    """The resource pool vCenter makes for the "small" namespace, with its memory limit (6000 MiB)."""
    cluster = vsphere.ref(vim.ClusterComputeResource, supervisor.info.cluster)
    pool = vsphere.create_resource_pool(cluster.resourcePool, supervisor.extra_namespaces["small"], None, 6000)
    yield pool
    WaitForTask(pool.Destroy_Task())


def test_the_namespace_limits_cap_use_not_the_power_on_of_best_effort_nodes(supervisor, api, vsphere, small_pool):  # noqa: F811
    namespace, clusters = supervisor.extra_namespaces["small"], api["TanzuKubernetesCluster"]
    clusters.create(body=tkc("best-effort", namespace, workers=2))  # three best-effort nodes of 4096 MiB, limit 6000 MiB
    wait_ready(clusters, "best-effort", namespace, "running")
    assert sorted(state for _, state in vms_in_namespace(vsphere, namespace).values()) == ["poweredOn"] * 3
    clusters.delete(name="best-effort", namespace=namespace)
    wait_gone(clusters, "best-effort", namespace)


def test_a_node_whose_reservation_does_not_fit_stays_off_and_says_why(supervisor, api, vsphere, small_pool):  # noqa: F811
    namespace, clusters = supervisor.extra_namespaces["small"], api["TanzuKubernetesCluster"]
    guaranteed = tkc("guaranteed", namespace)  # two nodes reserving 4096 MiB each: the second does not fit in 6000
    for group in [guaranteed["spec"]["topology"]["controlPlane"], *guaranteed["spec"]["topology"]["nodePools"]]:
        group["vmClass"] = "guaranteed-small"
    clusters.create(body=guaranteed)
    refused = wait_for(lambda: [vm for vm in nodes(api, namespace, "guaranteed") if (vm.get("status") or {}).get("powerState") == "PoweredOff"],
                       "a node refused its power-on")
    assert len(refused) == 1 and "cluster.x-k8s.io/control-plane" not in refused[0]["metadata"]["labels"]
    assert condition(refused[0], "VirtualMachineCreated")["status"] == "True" and condition(refused[0], "Ready")["reason"] == "PoweredOff"
    events = supervisor.dynamic().resources.get(api_version="v1", kind="Event")
    found = wait_for(lambda: [e for e in events.get(namespace=namespace).to_dict()["items"]
                              if e["involvedObject"]["name"] == refused[0]["metadata"]["name"]], "the power-on failure event")
    assert (found[0]["type"], found[0]["reason"]) == ("Warning", "CreateOrUpdateFailure")
    assert found[0]["message"] == ("failed to power on VirtualMachine: Insufficient memory resources in the resource pool: "
                                   "4096 MB requested, 1904 MB unreserved.")
    states = vms_in_namespace(vsphere, namespace)
    assert sorted(state for _, state in states.values()) == ["poweredOff", "poweredOn"]
    reserved = {props["name"]: props["config.memoryAllocation.reservation"] for _, props in vsphere.retrieve(
        vim.VirtualMachine, ["name", "config.memoryAllocation.reservation"], small_pool)}
    assert reserved == {vm: 4096 for vm in states}  # guaranteed-small: all of its 4 GiB reserved
    tkc_ready = condition(read(clusters, "guaranteed", namespace), "Ready")
    assert tkc_ready["status"] == "False" and tkc_ready["reason"] == "WaitingForNodes"
    clusters.delete(name="guaranteed", namespace=namespace)
    wait_gone(clusters, "guaranteed", namespace)


def test_a_reset_stops_every_supervisor_before_vcenter_changes_and_a_stopped_one_makes_no_vm(supervisor, vsphere):  # noqa: F811
    # Last in this file: the reset forgets the Supervisor's objects and sessions.
    namespace, old = supervisor.namespace, supervisor.fleet.service(supervisor.info.id)
    seen = {}

    def reset_vcenter():
        seen["served"] = supervisor.fleet.endpoints()
        try:
            old.machines.create(MachineSpec(namespace, "late-vm", supervisor.info.cluster, 1, 1024, ""))
        except MachinesClosed as closed:
            seen["late create"] = str(closed)

    supervisor.fleet.reset(reset_vcenter)
    assert seen == {"served": [], "late create": "this Supervisor service has stopped"}
    assert "late-vm" not in vms_in_namespace(vsphere, namespace)
    assert supervisor.fleet.service(supervisor.info.id) not in (None, old)  # served again, from an empty state
