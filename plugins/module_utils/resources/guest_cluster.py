# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Guest clusters on a Supervisor: TanzuKubernetesClusters and Clusters of the ``tanzukubernetescluster`` class.

Plan, then preview (check mode) or apply:

- ``plan()`` checks the input, reads the cluster (one GET), resolves its
  release (one list of the releases, only when a release has to be found
  or checked) and renders the manifest. Whether the apply can change
  anything is decided from what this collection applied last (its field
  manager's part of ``managedFields``): when nothing would change, no write
  request is sent at all.
- ``preview()`` asks the API server for a dry run (``dryRun=All``) of the
  apply or delete, so check mode sees the Supervisor's own validation,
  defaults and permission checks, and predicts ``changed`` the way a real
  run decides it.
- ``apply()`` applies (server-side apply, field manager ``pacific``) or
  deletes, then with ``wait`` waits until the cluster is Ready or gone.

``changed`` compares the object before and after (the spec, labels and
annotations, and what the field manager owns), not resourceVersions: the
controllers write the status all the time, so a resourceVersion can move
between the read and the apply without this run changing anything.

A cluster the Supervisor accepts may still fail to build: a VM class not
bound to the namespace, a storage class not assigned to it. The controllers
report that in a False ``Ready`` condition. With ``wait``, such a condition
ends the wait at once; a cluster this run created is then deleted again, so
that nothing half-made is left, while an existing cluster is left as it is
(it may run workloads). A node that vCenter will not power on (its class's
reservation does not fit in the namespace's limits) is retried by the VM
Operator: the wait runs to its timeout, whose message names such VMs.
"""

from __future__ import annotations

import base64
import binascii
import copy
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import (
    CLUSTER,
    EVENT,
    NAMESPACE,
    SECRET,
    TANZU_KUBERNETES_CLUSTER,
    VIRTUAL_MACHINE,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import (
    InvalidArgumentError,
    NotFoundError,
    PacificError,
    ResourceBusyError,
    UnauthorizedError,
    WaitTimeout,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.managed_fields import changes, needs_apply, owned_configuration, ownership_changes, tracked
from ansible_collections.pacific.vsphere.plugins.module_utils.manifests import API_OF_KIND, API_RESOURCES, render, render_file, view_of
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.tanzu_releases import Release, Releases, names_release
from ansible_collections.pacific.vsphere.plugins.module_utils.waiter import wait_until

FIELD_MANAGER = "pacific"
# Ready=False reasons that need someone to act (bindings, releases): waiting longer would not help.
TERMINAL_REASONS = frozenset(
    (
        "VirtualMachineClassNotFound",
        "StorageClassNotFound",
        "TanzuKubernetesReleaseNotFound",
        "TanzuKubernetesReleaseIncompatible",
        "ClusterClassNotFound",
    )
)
# CAPV labels each node's VirtualMachine with its cluster's name (pkg/services/vmoperator ClusterSelectorKey).
CAPV_CLUSTER_LABEL = "capv.vmware.com/cluster.name"
# vSphere Namespaces carry this label on the Supervisor; its system namespaces do not.
VSPHERE_NAMESPACE_LABEL = "vSphereClusterID"
MAX_PARALLEL_READS = 8
# Seconds a namespace vCenter has made may take to reach the Supervisor's API.
NAMESPACE_PROPAGATION = 30
# What plan() takes for a cluster it has to read itself.
UNREAD = object()


class GuestClusterFailed(PacificError):
    """The cluster did not reach the desired state; ``cluster`` is where it stands, ``changed`` whether this run changed it."""

    def __init__(self, message, *, cluster=None, changed=False, item=None):
        super().__init__(message)
        self.cluster = cluster
        self.changed = changed
        self.item = item

    def details(self):
        return dict(changed=self.changed, cluster=self.cluster, **({} if self.item is None else {"plan": [self.item.as_dict()]}))


@dataclass(frozen=True)
class GuestClusterPlan:
    """What a run is about to do: the spec, the live object (None when absent), the manifest and whether a request must be sent."""

    spec: object
    live: Optional[dict]
    manifest: Optional[dict]
    needs_call: bool

    @property
    def address(self):
        return f"guest_cluster/{self.spec.cluster_namespace}/{self.spec.cluster_name}"


@dataclass(frozen=True)
class Outcome:
    """What a run did (or would do): the plan item, the cluster as described to users, the manifest."""

    item: object
    cluster: Optional[dict]
    manifest: Optional[dict]


class GuestClusters:
    """Guest clusters through a Supervisor client (``clients.supervisor.SupervisorClient`` or a fake of it)."""

    def __init__(self, supervisor, *, field_manager=FIELD_MANAGER, clock=time.monotonic, sleep=time.sleep, max_parallel_reads=MAX_PARALLEL_READS):
        self._supervisor = supervisor
        self._field_manager = field_manager
        self._clock = clock
        self._sleep = sleep
        self._max_parallel_reads = max_parallel_reads

    # -- read ------------------------------------------------------------------

    def read_all(self, namespace=None, name=None, api=None):
        """``(clusters, unreadable_namespaces)``: the guest clusters of both kinds (or of ``api``), described, sorted.

        Without ``namespace``, every vSphere Namespace is read (one list of
        namespaces, then one list per kind and namespace, in parallel);
        those the user may not read are returned, not raised.
        """
        resources = [API_RESOURCES[api]] if api else list(API_RESOURCES.values())
        namespaces = [namespace] if namespace else self._vsphere_namespaces()
        if not namespaces:
            return [], []

        def read(each):
            try:
                if name is not None:
                    return [obj for obj in (self._supervisor.get(resource, name, each) for resource in resources) if obj is not None], False
                return [obj for resource in resources for obj in self._supervisor.list(resource, each)], False
            except UnauthorizedError:
                if namespace is not None:
                    raise
                return [], True

        with ThreadPoolExecutor(max_workers=min(self._max_parallel_reads, len(namespaces))) as pool:
            results = list(pool.map(read, namespaces))
        objects = [obj for found, _denied in results for obj in found]
        unreadable = sorted(each for each, (_found, denied) in zip(namespaces, results) if denied)
        clusters = [describe(obj) for obj in objects if not _made_by_tanzu_kubernetes_cluster(obj, objects)]
        return sorted(clusters, key=lambda cluster: (cluster["namespace"], cluster["name"], cluster["api"])), unreadable

    def read(self, spec):
        """The cluster ``spec`` names as the API server has it, None when there is none: one GET."""
        return self._supervisor.get(spec.resource, spec.cluster_name, spec.cluster_namespace)

    def kubeconfig(self, namespace, name):
        """The admin kubeconfig the Supervisor keeps for the cluster (Secret ``<name>-kubeconfig``), or None before it has one."""
        secret = self._supervisor.get(SECRET, f"{name}-kubeconfig", namespace)
        value = ((secret or {}).get("data") or {}).get("value")
        if value is None:
            return None
        try:
            return base64.b64decode(value).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise PacificError(f"Secret '{namespace}/{name}-kubeconfig' does not hold a kubeconfig ({error})") from error

    def _vsphere_namespaces(self):
        found = self._supervisor.list(NAMESPACE, label_selector=VSPHERE_NAMESPACE_LABEL)
        return sorted(obj["metadata"]["name"] for obj in found if not (obj["metadata"].get("deletionTimestamp")))

    # -- plan ------------------------------------------------------------------

    def plan(self, spec, live=UNREAD, labels=None):
        """The plan of ``spec``: input checked, the cluster read, the manifest rendered; raises before any change on what cannot be done.

        ``live`` is the cluster as read already (None: there is none), when it was.
        ``labels`` are set on the cluster besides those of the manifest (an engine's ownership marks).
        """
        spec.validate()
        resource, namespace, name = spec.resource, spec.cluster_namespace, spec.cluster_name
        if live is UNREAD:
            live = self.read(spec)
        if live is not None and resource is CLUSTER:
            owner = _tanzu_kubernetes_cluster_owner(live)
            if owner is not None:
                raise InvalidArgumentError(f"Cluster '{namespace}/{name}' belongs to TanzuKubernetesCluster '{owner}': manage it with api: tkc")
        if spec.state == "absent":
            return GuestClusterPlan(spec, live, None, needs_call=live is not None and not _deleting(live))
        if live is not None and _deleting(live):
            raise ResourceBusyError(f"Guest cluster '{namespace}/{name}' is being deleted: run again once it is gone to create it anew")
        manifest = self._manifest(spec, live)
        if labels:
            metadata = manifest.setdefault("metadata", {})
            metadata["labels"] = {**(metadata.get("labels") or {}), **labels}
        if live is None:
            self._refuse_other_kind(spec)
        return GuestClusterPlan(spec, live, manifest, needs_call=needs_apply(manifest, live, self._field_manager))

    def _manifest(self, spec, live):
        resource = spec.resource
        if spec.definition is not None:
            manifest = copy.deepcopy(spec.definition)
            self._check_releases(resource, manifest, live)
            return manifest
        owned = view_of(resource.kind, owned_configuration(live, self._field_manager), inherit=False) if live else {}
        current = view_of(resource.kind, live) if live else None
        variables = spec.template_variables(owned, current, self._release(spec, owned, current))
        if spec.template is None:
            return render(spec.effective_api, variables)
        manifest = render_file(spec.template, variables)
        metadata = manifest.get("metadata") or {}
        rendered = (manifest.get("apiVersion"), manifest.get("kind"), metadata.get("namespace"), metadata.get("name"))
        if rendered != (resource.api_version, resource.kind, spec.namespace, spec.name):
            raise InvalidArgumentError(
                f"template '{spec.template}' renders {rendered[0]} {rendered[1]} '{rendered[2]}/{rendered[3]}':"
                f" it must render the {resource.api_version} {resource.kind} '{spec.namespace}/{spec.name}' (api, namespace and name)"
            )
        self._check_releases(resource, manifest, live)
        return manifest

    def _release(self, spec, owned, current):
        """The release to render: as asked, as applied last, or (new cluster) the newest usable; None leaves it to others."""
        live_release = Release.from_reference(current["kubernetes_version"]) if current and current.get("kubernetes_version") else None
        if spec.kubernetes_version is not None:
            if live_release is not None and names_release(spec.kubernetes_version, live_release):
                return live_release
            return Releases.read(self._supervisor).resolve(spec.kubernetes_version, "kubernetes_version")
        if owned.get("kubernetes_version"):
            return Release.from_reference(owned["kubernetes_version"])
        if current is None:
            return Releases.read(self._supervisor).newest("kubernetes_version")
        return None

    def _check_releases(self, resource, manifest, live):
        """Fail before the apply on a release reference of a definition or user template that no usable release answers."""
        in_use = set(_release_references(resource, live)) if live else set()
        new = [reference for reference in _release_references(resource, manifest) if reference not in in_use]
        if new:
            releases = Releases.read(self._supervisor)
            for reference in new:
                releases.check_reference(reference, "the manifest's release")

    def _refuse_other_kind(self, spec):
        """A new cluster must not take the name of one of the other kind: both would make nodes of that name."""
        namespace, name = spec.cluster_namespace, spec.cluster_name
        if spec.resource is TANZU_KUBERNETES_CLUSTER:
            other = self._supervisor.get(CLUSTER, name, namespace)
            if other is not None and _tanzu_kubernetes_cluster_owner(other) is None:
                raise InvalidArgumentError(f"name '{name}': a Cluster of that name exists in namespace '{namespace}' (api: cluster): choose another name")
        elif self._supervisor.get(TANZU_KUBERNETES_CLUSTER, name, namespace) is not None:
            raise InvalidArgumentError(f"name '{name}': a TanzuKubernetesCluster of that name exists in namespace '{namespace}': manage it with api: tkc")

    # -- preview (check mode) --------------------------------------------------------

    def preview(self, plan):
        """What ``apply(plan)`` would do, from the API server's dry run; changes nothing."""
        spec, live = plan.spec, plan.live
        if spec.state == "absent":
            if plan.needs_call:
                self._supervisor.delete(spec.resource, spec.cluster_name, spec.cluster_namespace, dry_run=True)
            return Outcome(plan_item(plan.address, _visible(live), None), None, None)
        answer = self._apply(plan, dry_run=True) if plan.needs_call else live
        return Outcome(self._item(plan, answer), describe(answer), plan.manifest)

    # -- apply -----------------------------------------------------------------

    def apply(self, plan):
        """Carry out ``plan`` and, with ``wait``, wait until the cluster is Ready (or gone); raises GuestClusterFailed when it is not."""
        spec, live = plan.spec, plan.live
        deadline = self._clock() + spec.wait_timeout
        if spec.state == "absent":
            item = plan_item(plan.address, _visible(live), None)
            if plan.needs_call:
                self._supervisor.delete(spec.resource, spec.cluster_name, spec.cluster_namespace)
            if spec.wait and live is not None:
                self._wait_gone(spec, deadline, item)
            return Outcome(item, None, None)
        answer = self._apply(plan) if plan.needs_call else live
        item = self._item(plan, answer)
        if spec.wait:
            answer = self._wait_ready(plan, answer, item, deadline)
        return Outcome(item, describe(answer), plan.manifest)

    def label(self, resource, namespace, name, labels):
        """Set ``labels`` on an existing cluster and nothing else: a server-side apply of its metadata by a field manager of its own."""
        manifest = {"apiVersion": resource.api_version, "kind": resource.kind, "metadata": {"name": name, "namespace": namespace, "labels": labels}}
        return self._supervisor.apply(resource, manifest, field_manager=f"{self._field_manager}-ownership", force=True)

    def _apply(self, plan, dry_run=False):
        # A vSphere Namespace vCenter has just made (or made again, with a new
        # Supervisor) reaches the Supervisor's API a moment later: wait for it, within a bound.
        give_up = self._clock() + NAMESPACE_PROPAGATION
        while True:
            try:
                return self._supervisor.apply(
                    plan.spec.resource, plan.manifest, field_manager=self._field_manager, force=plan.spec.force_conflicts, dry_run=dry_run
                )
            except NotFoundError as error:
                if error.kind != NAMESPACE.kind or self._clock() >= give_up:
                    raise
                self._sleep(1.0)

    def _item(self, plan, answer):
        reasons = []
        if plan.live is not None:
            reasons = changes(tracked(plan.live), tracked(answer))
            if not reasons and ownership_changes(plan.live, answer, self._field_manager):
                reasons = [f"the fields set by field manager '{self._field_manager}' change"]
        return plan_item(plan.address, _visible(plan.live), _visible(answer), reasons)

    # -- waits -----------------------------------------------------------------

    def _wait_ready(self, plan, answer, item, deadline):
        spec = plan.spec
        who = f"guest cluster '{spec.cluster_namespace}/{spec.cluster_name}'"
        # After a change, a status written before it says nothing about the new spec.
        applied_version = answer["metadata"].get("resourceVersion") if item.changed else None

        def settled(obj):
            return _fresh(obj, applied_version) and (is_ready(obj) or _failure(obj) is not None)

        state = answer
        if not settled(state):
            try:
                state = wait_until(
                    lambda: self._read_while_waiting(spec, who),
                    settled,
                    timeout=max(0.0, deadline - self._clock()),
                    what=f"{who} to be Ready",
                    describe=_progress,
                    clock=self._clock,
                    sleep=self._sleep,
                )
            except WaitTimeout as error:
                why = "".join(f"; {node}" for node in self._nodes_not_powered_on(spec))
                raise GuestClusterFailed(
                    f"{error.message}{why}: the Supervisor carries on; run again to wait again",
                    cluster=describe(error.reached),
                    changed=item.changed,
                    item=item,
                ) from error
        problem = _failure(state)
        if problem is None:
            return state
        if plan.live is None:
            self._supervisor.delete(spec.resource, spec.cluster_name, spec.cluster_namespace)
            self._wait_gone(spec, deadline, item)
            raise GuestClusterFailed(
                f"The Supervisor cannot build {who}: {problem}. The cluster this run created has been deleted again,"
                " so nothing is left: fix the cause and run again",
                item=item,
            )
        raise GuestClusterFailed(
            f"{who} does not become Ready after the change: {problem}. It is left as the Supervisor keeps it (the change stays applied):"
            " fix the cause, or give the previous values again",
            cluster=describe(state),
            changed=item.changed,
            item=item,
        )

    def _nodes_not_powered_on(self, spec):
        """Why nodes of the cluster are not up, when vCenter refused to power their VMs on (a reservation that the
        namespace's limits cannot hold): "VirtualMachine 'x' is powered off: <the VM Operator's last warning>"."""
        try:
            vms = self._supervisor.list(VIRTUAL_MACHINE, spec.cluster_namespace, label_selector=f"{CAPV_CLUSTER_LABEL}={spec.cluster_name}")
            off = sorted(vm["metadata"]["name"] for vm in vms if (vm.get("status") or {}).get("powerState", "").lower() == "poweredoff")
            if not off:
                return []
            events = self._supervisor.list(EVENT, spec.cluster_namespace, field_selector="involvedObject.kind=VirtualMachine,type=Warning")
        except PacificError:
            return []  # the timeout is the failure to report; this only explains it when it can
        last = {}
        for event in sorted(events, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or ""):
            last[event["involvedObject"].get("name")] = event.get("message", "")
        return [f"VirtualMachine '{name}' is powered off" + (f": {last[name]}" if name in last else "") for name in off]

    def _read_while_waiting(self, spec, who):
        obj = self._supervisor.get(spec.resource, spec.cluster_name, spec.cluster_namespace)
        if obj is None:
            raise GuestClusterFailed(f"{who} was deleted by someone else while this run waited for it to be Ready", changed=True)
        return obj

    def _wait_gone(self, spec, deadline, item):
        who = f"guest cluster '{spec.cluster_namespace}/{spec.cluster_name}'"
        try:
            wait_until(
                lambda: self._supervisor.get(spec.resource, spec.cluster_name, spec.cluster_namespace),
                lambda obj: obj is None,
                timeout=max(0.0, deadline - self._clock()),
                what=f"{who} to be deleted",
                describe=_progress,
                clock=self._clock,
                sleep=self._sleep,
            )
        except WaitTimeout as error:
            raise GuestClusterFailed(
                f"{error.message}: the Supervisor carries on deleting it; run again to wait again", cluster=describe(error.reached), changed=True, item=item
            ) from error


# -- what users see of a cluster ---------------------------------------------------


def describe(obj):
    """A TanzuKubernetesCluster or Cluster as the modules return it."""
    if obj is None:
        return None
    kind, metadata, status = obj["kind"], obj["metadata"], obj.get("status") or {}
    view = view_of(kind, obj)
    ready = _condition(obj, "Ready")
    workers = sum(1 if pool.get("replicas") is None else pool["replicas"] for pool in view["node_pools"] or ())
    return {
        "api": API_OF_KIND[kind],
        "name": metadata["name"],
        "namespace": metadata.get("namespace"),
        **view,
        "phase": status.get("phase"),
        "ready": ready is not None and ready.get("status") == "True" and not _deleting(obj),
        "conditions": [
            {key: condition.get(key) for key in ("type", "status", "reason", "message")}
            for condition in status.get("conditions") or ()
            if isinstance(condition, dict)
        ],
        "endpoint": _endpoint(obj),
        "nodes": {"control_plane": view["control_plane"]["replicas"] or 1, "workers": workers},
        "deleting": _deleting(obj),
    }


def _endpoint(obj):
    if obj["kind"] == TANZU_KUBERNETES_CLUSTER.kind:
        endpoints = (obj.get("status") or {}).get("apiEndpoints") or ()
        endpoint = endpoints[0] if endpoints else None
    else:
        endpoint = (obj.get("spec") or {}).get("controlPlaneEndpoint")
    if not endpoint or not endpoint.get("host"):
        return None
    return {"host": endpoint["host"], "port": endpoint.get("port")}


def _visible(obj):
    """What a plan item shows of a cluster: what users set, the spec (None when it is absent or already going)."""
    if obj is None or _deleting(obj):
        return None
    return {"spec": obj.get("spec") or {}}


def _condition(obj, kind):
    return next((entry for entry in (obj.get("status") or {}).get("conditions") or () if isinstance(entry, dict) and entry.get("type") == kind), None)


def _deleting(obj):
    return bool(obj["metadata"].get("deletionTimestamp"))


def is_ready(obj):
    """Whether the cluster is Ready (and not being deleted)."""
    condition = _condition(obj, "Ready")
    return condition is not None and condition.get("status") == "True" and not _deleting(obj)


def _failure(obj):
    """Why the cluster cannot get Ready without someone acting, or None."""
    condition = _condition(obj, "Ready") or {}
    failed_phase = obj["kind"] == TANZU_KUBERNETES_CLUSTER.kind and (obj.get("status") or {}).get("phase") == "failed"
    if condition.get("status") == "False" and (condition.get("reason") in TERMINAL_REASONS or failed_phase):
        return f"Ready is False ({condition.get('reason')}: {condition.get('message')})"
    return None


def _fresh(obj, applied_version):
    """Whether the status speaks of the spec this run applied (always, when it applied nothing)."""
    if applied_version is None:
        return True
    status, metadata = obj.get("status") or {}, obj["metadata"]
    if obj["kind"] == CLUSTER.kind:
        # Cluster API's own answer: the generation its controller has seen.
        return (status.get("observedGeneration") or 0) >= (metadata.get("generation") or 0)
    # A TanzuKubernetesCluster's status has no observedGeneration: a write after the apply, or a status that
    # already tells of the new spec (worker count, release), shows the controller has seen it.
    return metadata.get("resourceVersion") != applied_version or _status_tells_of_spec(obj)


def _status_tells_of_spec(obj):
    status = obj.get("status") or {}
    if not status.get("conditions"):
        return False
    view = view_of(obj["kind"], obj)
    workers = sum(1 if pool.get("replicas") is None else pool["replicas"] for pool in view["node_pools"] or ())
    if status.get("totalWorkerReplicas") is not None and status["totalWorkerReplicas"] != workers:
        return False
    release = view["kubernetes_version"]
    # status.version stays the old one until an upgrade is done.
    return not (status.get("version") and release and not Release.from_reference(release).version.startswith(status["version"]))


def _progress(obj):
    if obj is None:
        return "gone"
    condition = _condition(obj, "Ready")
    phase = (obj.get("status") or {}).get("phase") or "no phase yet"
    if condition is None:
        return f"{phase}, no Ready condition yet"
    detail = f" ({condition.get('reason')}: {condition.get('message')})" if condition.get("status") != "True" else ""
    return f"{phase}, Ready {condition.get('status')}{detail}"


def _release_references(resource, obj):
    spec = obj.get("spec") or {}
    topology = spec.get("topology") or {}
    if resource is CLUSTER:
        return [topology["version"]] if topology.get("version") else []
    holders = [topology.get("controlPlane") or {}, *(topology.get("nodePools") or ())]
    return [holder["tkr"]["reference"]["name"] for holder in holders if ((holder.get("tkr") or {}).get("reference") or {}).get("name")]


def _tanzu_kubernetes_cluster_owner(obj):
    """The name of the TanzuKubernetesCluster that made this Cluster (vSphere 8 makes one per TKC), or None."""
    return next(
        (owner.get("name") for owner in obj["metadata"].get("ownerReferences") or () if owner.get("kind") == TANZU_KUBERNETES_CLUSTER.kind),
        None,
    )


def _made_by_tanzu_kubernetes_cluster(obj, objects):
    """Whether ``obj`` is the Cluster behind a TanzuKubernetesCluster listed with it: listed once, as the TKC."""
    if obj["kind"] != CLUSTER.kind:
        return False
    metadata = obj["metadata"]
    if _tanzu_kubernetes_cluster_owner(obj) is not None:
        return True
    same = (TANZU_KUBERNETES_CLUSTER.kind, metadata["name"], metadata.get("namespace"))
    return any((other["kind"], other["metadata"]["name"], other["metadata"].get("namespace")) == same for other in objects)
