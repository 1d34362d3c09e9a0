"""GuestClusters over a fake Supervisor client: what is read, sent and waited for, and what a run reports."""

import base64
import copy
import json

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import (
    CLUSTER,
    NAMESPACE,
    SECRET,
    TANZU_KUBERNETES_CLUSTER,
    TANZU_KUBERNETES_RELEASE,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, ResourceBusyError, UnauthorizedError
from ansible_collections.pacific.vsphere.plugins.module_utils.managed_fields import tracked
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster import GuestClusterFailed, GuestClusters
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster_spec import GuestClusterSpec
from ansible_collections.pacific.vsphere.tests.unit.plugins.module_utils.resources.fake_clock import Clock

RELEASES = [
    {
        "metadata": {"name": f"v1.{minor}.1---vmware.1"},
        "spec": {"version": f"v1.{minor}.1+vmware.1"},
        "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Compatible", "status": "True"}]},
    }
    for minor in (26, 27)
]
CONTROL_PLANE = {"vm_class": "best-effort-small", "storage_class": "gold"}
WRITES = ("apply", "delete")


def fields_of(value):
    """FieldsV1 of an applied configuration (named list items keyed by name), as the API server records it."""
    if isinstance(value, dict):
        return {f"f:{key}": fields_of(child) for key, child in value.items()}
    if isinstance(value, list) and value and all(isinstance(item, dict) and "name" in item for item in value):
        return {'k:{"name":' + json.dumps(item["name"]) + "}": {".": {}, **fields_of(item)} for item in value}
    return {}


class FakeSupervisor:
    """Objects by (kind, namespace, name); apply replaces the spec and records the manager's fields, delete removes; every call is logged.

    ``controller(obj)`` runs on each read of an object, as the Supervisor's controllers would have meanwhile.
    """

    def __init__(self):
        self.objects = {}
        self.calls = []
        self.version = 0
        self.controller = None
        self.denied_namespaces = set()
        self.connection = type("Connection", (), {"endpoint": "sv:6443"})()

    def put(self, obj):
        self.version += 1
        obj["metadata"]["resourceVersion"] = str(self.version)
        self.objects[(obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])] = obj
        return obj

    def get(self, resource, name, namespace=None):
        self.calls.append(("get", resource.kind, name))
        self._check(namespace)
        obj = self.objects.get((resource.kind, namespace, name))
        if obj is not None and self.controller is not None:
            self.controller(obj)
        return copy.deepcopy(self.objects.get((resource.kind, namespace, name)))

    def list(self, resource, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", resource.kind, namespace))
        if resource is TANZU_KUBERNETES_RELEASE:
            return copy.deepcopy(RELEASES)
        self._check(namespace)
        return [
            copy.deepcopy(obj)
            for (kind, each, _name), obj in sorted(self.objects.items())
            if kind == resource.kind and (namespace is None or each == namespace)
        ]

    def apply(self, resource, manifest, *, field_manager, force=False, dry_run=False):
        self.calls.append(("apply", resource.kind, manifest["metadata"]["name"], dry_run))
        metadata = manifest["metadata"]
        live = self.objects.get((resource.kind, metadata["namespace"], metadata["name"]))
        result = copy.deepcopy(live) if live else {"apiVersion": manifest["apiVersion"], "kind": manifest["kind"], "metadata": dict(metadata, generation=0)}
        result["spec"] = copy.deepcopy(manifest["spec"])
        entry = {"manager": field_manager, "operation": "Apply", "apiVersion": manifest["apiVersion"], "fieldsV1": fields_of(tracked(manifest))}
        result["metadata"]["managedFields"] = [entry]
        if live is not None and tracked(live) == tracked(result) and live["metadata"]["managedFields"] == [entry]:
            return copy.deepcopy(live)
        if live is None or live.get("spec") != result["spec"]:
            result["metadata"]["generation"] += 1
        return copy.deepcopy(result) if dry_run else copy.deepcopy(self.put(result))

    def delete(self, resource, name, namespace=None, *, dry_run=False):
        self.calls.append(("delete", resource.kind, name, dry_run))
        key = (resource.kind, namespace, name)
        if key not in self.objects:
            return None
        answer = copy.deepcopy(self.objects[key])
        if not dry_run:
            # The controllers' finalizers are done at once.
            del self.objects[key]
        return answer

    def writes(self):
        return [call for call in self.calls if call[0] in WRITES]

    def _check(self, namespace):
        if namespace in self.denied_namespaces:
            raise UnauthorizedError(f"Failed to read in namespace '{namespace}': permission denied (403)")


@pytest.fixture
def supervisor():
    return FakeSupervisor()


@pytest.fixture
def clusters(supervisor):
    clock = Clock()
    return GuestClusters(supervisor, clock=clock, sleep=clock.sleep)


def spec(**options):
    settings = dict(
        name="tkc-01", namespace="team-a", kubernetes_version="v1.26", control_plane=CONTROL_PLANE, node_pools=[{"name": "workers"}], wait_timeout=60
    )
    settings.update(options)
    return GuestClusterSpec(**settings)


def set_status(obj, ready, reason=None, message=None, **fields):
    condition = {"type": "Ready", "status": "True" if ready else "False", "reason": reason, "message": message}
    obj["status"] = {"conditions": [condition], **fields}


def tkc_controller(reads_until_ready=2, reason=None):
    """A TKC controller: status for the current spec after a few reads; with ``reason``, Ready stays False for it."""
    seen = {"reads": 0}

    def reconcile(obj):
        seen["reads"] += 1
        if obj["metadata"].get("deletionTimestamp"):
            return
        pools = obj["spec"]["topology"].get("nodePools") or ()
        total = sum(pool.get("replicas", 1) for pool in pools)
        if reason is not None:
            set_status(obj, False, reason, "does not fit", phase="creating", totalWorkerReplicas=total)
        elif seen["reads"] >= reads_until_ready:
            set_status(obj, True, phase="running", totalWorkerReplicas=total)
        else:
            set_status(obj, False, "WaitingForNodes", "0/1 ready", phase="creating", totalWorkerReplicas=total)
        obj["metadata"]["resourceVersion"] = obj["metadata"]["resourceVersion"] + "s"

    return reconcile


def create(clusters, supervisor, **options):
    supervisor.controller = tkc_controller(reads_until_ready=1)
    outcome = clusters.apply(clusters.plan(spec(**options)))
    supervisor.calls.clear()
    return outcome


def test_check_mode_create_asks_for_a_dry_run_and_writes_nothing(clusters, supervisor):
    outcome = clusters.preview(clusters.plan(spec()))

    assert outcome.item.action == "create" and outcome.item.changed
    assert supervisor.writes() == [("apply", "TanzuKubernetesCluster", "tkc-01", True)]
    assert supervisor.objects == {}
    assert outcome.cluster["kubernetes_version"] == "v1.26.1---vmware.1"
    assert outcome.cluster["ready"] is False and outcome.cluster["phase"] is None


def test_create_reads_lists_the_releases_checks_the_other_kind_applies_and_waits_until_ready(clusters, supervisor):
    supervisor.controller = tkc_controller(reads_until_ready=3)

    outcome = clusters.apply(clusters.plan(spec()))

    assert outcome.item.action == "create"
    assert outcome.cluster["ready"] is True and outcome.cluster["phase"] == "running"
    assert supervisor.calls[:4] == [
        ("get", "TanzuKubernetesCluster", "tkc-01"),
        ("list", "TanzuKubernetesRelease", None),
        ("get", "Cluster", "tkc-01"),
        ("apply", "TanzuKubernetesCluster", "tkc-01", False),
    ]
    assert [call for call in supervisor.calls[4:] if call[0] != "get"] == []
    assert outcome.manifest["spec"]["topology"]["nodePools"][0]["replicas"] == 1


def test_the_same_spec_again_sends_nothing_and_changes_nothing(clusters, supervisor):
    created = create(clusters, supervisor)

    plan = clusters.plan(spec())
    outcome = clusters.apply(plan)

    assert not plan.needs_call
    assert outcome.item.action == "none" and not outcome.item.changed
    assert supervisor.calls == [("get", "TanzuKubernetesCluster", "tkc-01")]
    assert outcome.cluster == created.cluster


def test_check_mode_predicts_an_update_with_the_fields_that_change(clusters, supervisor):
    create(clusters, supervisor)

    outcome = clusters.preview(clusters.plan(spec(node_pools=[{"name": "workers", "replicas": 3}])))

    assert outcome.item.action == "update"
    assert outcome.item.reasons == ("spec.topology.nodePools[workers].replicas: 1 -> 3",)
    assert supervisor.writes() == [("apply", "TanzuKubernetesCluster", "tkc-01", True)]


def test_after_a_change_a_ready_status_of_the_old_spec_does_not_end_the_wait(clusters, supervisor):
    create(clusters, supervisor)
    reads = []

    def slow_controller(obj):
        reads.append(obj["status"]["totalWorkerReplicas"])
        if len(reads) >= 3:
            tkc_controller(reads_until_ready=0)(obj)

    supervisor.controller = slow_controller

    outcome = clusters.apply(clusters.plan(spec(node_pools=[{"name": "workers", "replicas": 3}])))

    assert outcome.item.changed and outcome.cluster["ready"]
    # The reads that still saw Ready for one worker did not count.
    assert reads[:2] == [1, 1] and outcome.cluster["nodes"] == {"control_plane": 1, "workers": 3}


def test_a_short_version_keeps_the_release_of_a_running_cluster_without_listing_releases(clusters, supervisor):
    create(clusters, supervisor)

    plan = clusters.plan(spec(kubernetes_version="1.26"))

    assert not plan.needs_call
    assert ("list", "TanzuKubernetesRelease", None) not in supervisor.calls


def test_a_new_version_is_resolved_and_upgrades_every_pool(clusters, supervisor):
    create(clusters, supervisor)

    outcome = clusters.preview(clusters.plan(spec(kubernetes_version="v1.27")))

    assert outcome.item.reasons == (
        'spec.topology.controlPlane.tkr.reference.name: "v1.26.1---vmware.1" -> "v1.27.1---vmware.1"',
        'spec.topology.nodePools[workers].tkr.reference.name: "v1.26.1---vmware.1" -> "v1.27.1---vmware.1"',
    )


def test_a_new_cluster_that_cannot_be_built_is_deleted_again(clusters, supervisor):
    supervisor.controller = tkc_controller(reason="VirtualMachineClassNotFound")

    with pytest.raises(GuestClusterFailed) as caught:
        clusters.apply(clusters.plan(spec()))

    failure = caught.value
    assert "The Supervisor cannot build guest cluster 'team-a/tkc-01': Ready is False (VirtualMachineClassNotFound: does not fit)" in failure.message
    assert "has been deleted again, so nothing is left" in failure.message
    assert failure.cluster is None and failure.changed is False
    assert supervisor.writes() == [("apply", "TanzuKubernetesCluster", "tkc-01", False), ("delete", "TanzuKubernetesCluster", "tkc-01", False)]


def test_an_existing_cluster_that_cannot_take_a_change_is_left_as_it_is(clusters, supervisor):
    create(clusters, supervisor)
    supervisor.controller = tkc_controller(reason="VirtualMachineClassNotFound")

    with pytest.raises(GuestClusterFailed) as caught:
        clusters.apply(clusters.plan(spec(node_pools=[{"name": "workers", "replicas": 9}])))

    assert "does not become Ready after the change: Ready is False (VirtualMachineClassNotFound" in caught.value.message
    assert caught.value.changed is True and caught.value.cluster["nodes"]["workers"] == 9
    assert [call[0] for call in supervisor.writes()] == ["apply"]


def test_a_wait_that_times_out_reports_how_far_the_cluster_got(clusters, supervisor):
    supervisor.controller = tkc_controller(reads_until_ready=10**6)

    with pytest.raises(GuestClusterFailed) as caught:
        clusters.apply(clusters.plan(spec(wait_timeout=30)))

    assert caught.value.message.startswith("Timed out after")
    assert "(last seen: creating, Ready False (WaitingForNodes: 0/1 ready))" in caught.value.message
    assert caught.value.changed is True and caught.value.cluster["phase"] == "creating"


def test_a_wait_that_times_out_says_which_nodes_vcenter_would_not_power_on(clusters, supervisor):
    supervisor.controller = tkc_controller(reads_until_ready=10**6)
    labels = {"capv.vmware.com/cluster.name": "tkc-01"}
    for name, state in (("tkc-01-control-plane-a", "poweredOn"), ("tkc-01-workers-b", "poweredOff")):
        supervisor.put({"kind": "VirtualMachine", "metadata": {"name": name, "namespace": "team-a", "labels": labels}, "status": {"powerState": state}})
    for when, message in (("2026-01-01T00:00:00Z", "an older one"), ("2026-01-01T00:01:00Z", "failed to power on VirtualMachine: Insufficient memory")):
        supervisor.put({"kind": "Event", "metadata": {"name": f"e-{when}", "namespace": "team-a"}, "lastTimestamp": when, "message": message,
                        "involvedObject": {"kind": "VirtualMachine", "name": "tkc-01-workers-b"}})

    with pytest.raises(GuestClusterFailed) as caught:
        clusters.apply(clusters.plan(spec(wait_timeout=30)))

    assert "; VirtualMachine 'tkc-01-workers-b' is powered off: failed to power on VirtualMachine: Insufficient memory: the Supervisor carries on" in (
        caught.value.message
    )
    assert "tkc-01-control-plane-a" not in caught.value.message


def test_without_wait_the_apply_is_all(clusters, supervisor):
    outcome = clusters.apply(clusters.plan(spec(wait=False)))

    assert outcome.item.changed and [call[0] for call in supervisor.calls].count("get") == 2


def test_delete_then_delete_again(clusters, supervisor):
    create(clusters, supervisor)

    preview = clusters.preview(clusters.plan(spec(state="absent")))
    deleted = clusters.apply(clusters.plan(spec(state="absent")))
    supervisor.calls.clear()
    again = clusters.apply(clusters.plan(spec(state="absent")))

    assert preview.item.action == deleted.item.action == "delete"
    assert preview.item.before == deleted.item.before and deleted.cluster is None
    assert again.item.action == "none" and supervisor.calls == [("get", "TanzuKubernetesCluster", "tkc-01")]


def test_a_cluster_being_deleted_counts_as_absent_and_cannot_be_applied(clusters, supervisor):
    create(clusters, supervisor)
    supervisor.objects[("TanzuKubernetesCluster", "team-a", "tkc-01")]["metadata"]["deletionTimestamp"] = "now"

    assert clusters.preview(clusters.plan(spec(state="absent"))).item.action == "none"
    with pytest.raises(ResourceBusyError, match="is being deleted: run again once it is gone"):
        clusters.plan(spec())


def test_the_cluster_behind_a_tanzu_kubernetes_cluster_is_not_managed_as_a_cluster(clusters, supervisor):
    supervisor.put(
        {
            "apiVersion": "cluster.x-k8s.io/v1beta1",
            "kind": "Cluster",
            "metadata": {"name": "tkc-01", "namespace": "team-a", "ownerReferences": [{"kind": "TanzuKubernetesCluster", "name": "tkc-01"}]},
            "spec": {},
        }
    )

    with pytest.raises(InvalidArgumentError, match="belongs to TanzuKubernetesCluster 'tkc-01': manage it with api: tkc"):
        clusters.plan(spec(api="cluster", state="absent"))


def test_a_new_cluster_may_not_take_the_name_of_one_of_the_other_kind(clusters, supervisor):
    supervisor.put({"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster", "metadata": {"name": "tkc-01", "namespace": "team-a"}, "spec": {}})

    with pytest.raises(InvalidArgumentError, match="a Cluster of that name exists in namespace 'team-a'"):
        clusters.plan(spec())


def test_an_unknown_release_in_a_definition_fails_before_the_apply(clusters, supervisor):
    definition = {
        "apiVersion": "run.tanzu.vmware.com/v1alpha3",
        "kind": "TanzuKubernetesCluster",
        "metadata": {"name": "tkc-01", "namespace": "team-a"},
        "spec": {"topology": {"controlPlane": {"replicas": 1, "vmClass": "x", "storageClass": "y", "tkr": {"reference": {"name": "v1.99.0---vmware.1"}}}}},
    }

    with pytest.raises(InvalidArgumentError, match="no Tanzu Kubernetes release matches 'v1.99.0---vmware.1'"):
        clusters.plan(GuestClusterSpec(definition=definition))
    assert supervisor.writes() == []


def test_a_cluster_waits_for_the_generation_its_controller_has_seen(clusters, supervisor):
    observed = []

    def capi_controller(obj):
        # Ready all along, but the first read still tells of the generation before.
        generation = obj["metadata"]["generation"] - (0 if observed else 1)
        observed.append(generation)
        set_status(obj, True, phase="Provisioned", observedGeneration=generation)

    supervisor.controller = capi_controller
    outcome = clusters.apply(clusters.plan(spec(api="cluster")))

    assert outcome.cluster["api"] == "cluster" and outcome.cluster["ready"]
    assert observed == [0, 1]
    assert outcome.manifest["spec"]["clusterNetwork"]["serviceDomain"] == "cluster.local"


def test_read_all_lists_both_kinds_in_every_readable_namespace_once(clusters, supervisor):
    for namespace in ("team-a", "team-b", "team-c"):
        supervisor.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    supervisor.put(
        {"apiVersion": "run.tanzu.vmware.com/v1alpha3", "kind": "TanzuKubernetesCluster", "metadata": {"name": "tkc-01", "namespace": "team-a"}, "spec": {}}
    )
    supervisor.put({"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster", "metadata": {"name": "tkc-01", "namespace": "team-a"}, "spec": {}})
    supervisor.put({"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster", "metadata": {"name": "cc-01", "namespace": "team-b"}, "spec": {}})
    supervisor.denied_namespaces.add("team-c")

    found, unreadable = clusters.read_all()

    assert [(cluster["namespace"], cluster["name"], cluster["api"]) for cluster in found] == [("team-a", "tkc-01", "tkc"), ("team-b", "cc-01", "cluster")]
    assert unreadable == ["team-c"]
    assert ("list", NAMESPACE.kind, None) in supervisor.calls


def test_read_all_of_one_namespace_the_user_may_not_read_fails(clusters, supervisor):
    supervisor.denied_namespaces.add("team-c")

    with pytest.raises(UnauthorizedError):
        clusters.read_all(namespace="team-c")


def test_the_kubeconfig_is_read_from_the_clusters_secret(clusters, supervisor):
    value = base64.b64encode(b"apiVersion: v1\nkind: Config\n").decode()
    supervisor.put({"apiVersion": "v1", "kind": SECRET.kind, "metadata": {"name": "tkc-01-kubeconfig", "namespace": "team-a"}, "data": {"value": value}})

    assert clusters.kubeconfig("team-a", "tkc-01") == "apiVersion: v1\nkind: Config\n"
    assert clusters.kubeconfig("team-a", "other") is None


def test_kinds_are_the_served_ones():
    assert (TANZU_KUBERNETES_CLUSTER.path("ns", "x"), CLUSTER.path("ns")) == (
        "/apis/run.tanzu.vmware.com/v1alpha3/namespaces/ns/tanzukubernetesclusters/x",
        "/apis/cluster.x-k8s.io/v1beta1/namespaces/ns/clusters",
    )
    assert (SECRET.path("ns", "s"), NAMESPACE.path()) == ("/api/v1/namespaces/ns/secrets/s", "/api/v1/namespaces")
