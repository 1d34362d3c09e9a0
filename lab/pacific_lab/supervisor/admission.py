"""Admission rules of the Supervisor beyond the schemas: what its webhooks and the
built-in kinds' validation refuse (422) or rewrite.
"""

import base64
import binascii
import ipaddress

from .apimachinery import errors
from .apimachinery.registry import AdmissionHook
from .kinds import resource
from .resource_quota import StorageQuotaAdmission
from .topology import cluster_variables


class BuiltinObjectRules(AdmissionHook):
    """Secrets: `stringData` folds into base64 `data`, which must be base64; immutable Secrets and ConfigMaps."""

    def mutate(self, request, registry):
        obj = request.obj
        if request.resource.kind != "Secret" or obj is None or not obj.get("stringData"):
            return
        data = obj.setdefault("data", {})
        for key, value in obj.pop("stringData").items():
            data[key] = base64.b64encode(value.encode()).decode()

    def validate(self, request, registry):
        kind, obj, old = request.resource.kind, request.obj, request.old
        if kind not in ("Secret", "ConfigMap") or obj is None:
            return
        causes = []
        if kind == "Secret":
            for key, value in (obj.get("data") or {}).items():
                try:
                    base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    causes.append(errors.Cause("FieldValueInvalid", "Invalid value: illegal base64 data", f"data[{key}]"))
        if old is not None and old.get("immutable"):
            for field in ("data", "binaryData", "immutable"):
                if obj.get(field) != old.get(field):
                    causes.append(errors.Cause("FieldValueForbidden", "Forbidden: field is immutable when "
                                               "`immutable` is set", field))
        if causes:
            raise errors.invalid(request.resource, obj["metadata"].get("name", ""), causes)


# The service CIDR the vSphere Client proposes (the lab's Supervisors are enabled with it).
SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/23")


class CoreObjectDefaults(AdmissionHook):
    """What the API server itself sets on a new Pod, PersistentVolumeClaim and Service (kubernetes
    pkg/registry/core/*/strategy.go PrepareForCreate, pkg/apis/core/v1/defaults.go, the ClusterIP allocator): a
    Pending phase, a Service's type, ports, IP family and an address of the service CIDR. No controller moves them
    on in the lab (no vSphere Pod, volume or load balancer is made)."""

    def mutate(self, request, registry):
        obj, kind = request.obj, request.resource.kind
        if request.operation != "CREATE" or obj is None:
            return
        if kind == "Pod":
            obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
        elif kind == "PersistentVolumeClaim":
            obj["status"] = {"phase": "Pending"}
        elif kind == "Service":
            self._service(obj, registry, request.resource)

    @staticmethod
    def _service(obj, registry, resource):
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or ():
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
        obj["status"] = {"loadBalancer": {}}
        if spec["type"] == "ExternalName" or spec.get("clusterIP"):
            return
        taken = {item["spec"].get("clusterIP") for item in registry.list(resource)["items"]}
        address = next(str(host) for host in SERVICE_CIDR.hosts() if str(host) not in taken)
        spec.update(clusterIP=address, clusterIPs=[address], ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack",
                    internalTrafficPolicy="Cluster")
        if spec["type"] == "LoadBalancer":
            spec.setdefault("externalTrafficPolicy", "Cluster")


class TanzuKubernetesClusterRules(AdmissionHook):
    """The TKC webhook's rules the schema cannot say: an odd number of control plane nodes."""

    def validate(self, request, registry):
        obj = request.obj
        if request.resource.kind != "TanzuKubernetesCluster" or obj is None or request.subresource:
            return
        replicas = obj["spec"]["topology"]["controlPlane"].get("replicas", 1)
        if replicas % 2 == 0:
            raise errors.invalid(request.resource, obj["metadata"]["name"], [errors.Cause(
                "FieldValueInvalid", f"Invalid value: {replicas}: the control plane needs an odd number of "
                "nodes (1 or 3) to keep etcd quorum", "spec.topology.controlPlane.replicas")])


class ClusterTopologyRules(AdmissionHook):
    """Cluster API's topology webhook: variables and worker classes must match the ClusterClass.

    Only when the class exists; a Cluster naming an unknown class is accepted
    and reports it in its conditions, as Cluster API does.
    """

    def validate(self, request, registry):
        obj = request.obj
        if request.resource.kind != "Cluster" or obj is None or request.subresource:
            return
        topology = (obj.get("spec") or {}).get("topology")
        if not topology:
            return
        cluster_class = registry.get_or_none(resource("ClusterClass"), obj["metadata"]["namespace"],
                                             topology.get("class", ""))
        if cluster_class is None:
            return
        causes = []
        variables = cluster_variables(topology.get("variables"))
        for definition in cluster_class["spec"].get("variables") or []:
            if definition.get("required") and definition["name"] not in variables:
                causes.append(errors.Cause(
                    "FieldValueRequired", f'Required value: required variable with name "{definition["name"]}" '
                    "must be defined", f"spec.topology.variables[{definition['name']}]"))
        worker_classes = {c["class"] for c in (cluster_class["spec"].get("workers") or {}).get("machineDeployments") or []}
        for index, deployment in enumerate((topology.get("workers") or {}).get("machineDeployments") or []):
            if deployment.get("class") not in worker_classes:
                causes.append(errors.Cause(
                    "FieldValueInvalid", f'Invalid value: "{deployment.get("class")}": MachineDeploymentClass with '
                    f'name "{deployment.get("class")}" does not exist in ClusterClass '
                    f'"{topology.get("class")}"', f"spec.topology.workers.machineDeployments[{index}].class"))
        if causes:
            raise errors.invalid(request.resource, obj["metadata"]["name"], causes)


def core_admission():
    """What the API server itself admits of the built-in kinds: a guest cluster's whole admission in the lab."""
    return [BuiltinObjectRules(), CoreObjectDefaults(), StorageQuotaAdmission()]


def supervisor_admission():
    return [*core_admission(), TanzuKubernetesClusterRules(), ClusterTopologyRules()]

