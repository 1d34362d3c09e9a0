"""ResourceQuota of persistent volume claims, as kube-apiserver and kube-controller-manager keep it.

vCenter's storage limits of a vSphere Namespace reach its Supervisor namespace as a ResourceQuota (mirror.py):
`requests.storage` and `<storage class>.storageclass.storage.k8s.io/requests.storage`. Two parts hold them:

- `StorageQuotaAdmission`, the API server's ResourceQuota admission plug-in: a claim created (or grown) past a
  quota's hard limit is refused, 403 `persistentvolumeclaims "<name>" is forbidden: exceeded quota: <quota>,
  requested: <k>=<v>, used: <k>=<v>, limited: <k>=<v>` (kubernetes plugin/pkg/admission/resourcequota, the
  exceeded resources only);
- `QuotaStatusController`, the resource quota controller: `status.hard` is the spec's, `status.used` what the
  namespace's claims request, for the resources the quota names (`kubectl describe quota` shows both).

What a claim counts for: `persistentvolumeclaims` and `requests.storage`, in all and per storage class.
CPU and memory limits are not counted here: on a Supervisor they are the namespace's resource pool's (vCenter's
admission control when a VM powers on).
"""

from . import kinds
from .apimachinery import errors
from .apimachinery.controllers import Controller
from .apimachinery.registry import AdmissionHook, Caller
from .topology import quantity_value

QUOTA_CONTROLLER = Caller("system:serviceaccount:kube-system:resourcequota-controller",
                          user_agent="kube-controller-manager/v1.26.13 (linux/amd64) kubernetes/resourcequota-controller")
STORAGE_CLASS_SCOPE = ".storageclass.storage.k8s.io/"


def claim_usage(claim):
    """{quota resource name: amount} one claim counts for (bytes of storage, 1 claim)."""
    storage = quantity_value(((claim.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage") or 0)
    usage = {"persistentvolumeclaims": 1, "requests.storage": storage}
    storage_class = (claim.get("spec") or {}).get("storageClassName")
    if storage_class:
        usage[f"{storage_class}{STORAGE_CLASS_SCOPE}persistentvolumeclaims"] = 1
        usage[f"{storage_class}{STORAGE_CLASS_SCOPE}requests.storage"] = storage
    return usage


def namespace_usage(registry, namespace, leave_out=None):
    """What the namespace's claims (but `leave_out`, a claim name) count for, summed."""
    total = {}
    for claim in registry.list(kinds.resource("PersistentVolumeClaim"), namespace)["items"]:
        if claim["metadata"]["name"] == leave_out:
            continue
        for key, amount in claim_usage(claim).items():
            total[key] = total.get(key, 0) + amount
    return total


def format_amount(key, amount):
    """An amount as the quota shows it: storage in the largest binary unit dividing it ("10Gi"), counts as numbers."""
    if not key.endswith("requests.storage"):
        return str(int(amount))
    amount = int(amount)
    for unit, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if amount and amount % size == 0:
            return f"{amount // size}{unit}"
    return str(amount)


class StorageQuotaAdmission(AdmissionHook):
    def validate(self, request, registry):
        claim = request.obj
        if request.resource.kind != "PersistentVolumeClaim" or claim is None or request.subresource \
                or request.operation not in ("CREATE", "UPDATE"):
            return
        namespace, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        quotas = registry.list(kinds.resource("ResourceQuota"), namespace)["items"]
        if not quotas:
            return
        requested = claim_usage(claim)
        if request.old is not None:  # an update counts for what it adds
            before = claim_usage(request.old)
            requested = {key: amount - before.get(key, 0) for key, amount in requested.items()}
        used = namespace_usage(registry, namespace, leave_out=name)
        for quota in sorted(quotas, key=lambda q: q["metadata"]["name"]):
            hard = (quota.get("spec") or {}).get("hard") or {}
            exceeded = sorted(key for key, amount in requested.items()
                              if key in hard and amount > 0 and used.get(key, 0) + amount > quantity_value(hard[key]))
            if exceeded:
                raise errors.forbidden(
                    request.resource, name, namespace, request.caller.username, request.operation.lower(),
                    why=f"exceeded quota: {quota['metadata']['name']}, "
                        f"requested: {_listed(exceeded, lambda key: format_amount(key, requested[key]))}, "
                        f"used: {_listed(exceeded, lambda key: format_amount(key, used.get(key, 0)))}, "
                        f"limited: {_listed(exceeded, hard.get)}")


def _listed(keys, value_of):
    return ",".join(f"{key}={value_of(key)}" for key in keys)


class QuotaStatusController:
    def __init__(self, registry):
        self.registry = registry
        self.quotas = kinds.resource("ResourceQuota")
        self.claims = kinds.resource("PersistentVolumeClaim")
        self.controller = Controller("resource-quota", self._reconcile)
        registry.store.add_listener(self._on_event)

    def start(self):
        self.controller.start()
        for quota in self.registry.list(self.quotas)["items"]:
            self.controller.enqueue(quota["metadata"]["namespace"])

    def stop(self):
        self.controller.stop()

    def _on_event(self, event):
        if event.resource_key in (self.quotas.resource_key, self.claims.resource_key):
            self.controller.enqueue(event.object["metadata"]["namespace"])

    def _reconcile(self, namespace):
        quotas = self.registry.list(self.quotas, namespace)["items"]
        if not quotas:
            return None
        used = namespace_usage(self.registry, namespace)
        for quota in quotas:
            hard = (quota.get("spec") or {}).get("hard") or {}
            status = {"hard": dict(hard), "used": {key: format_amount(key, used.get(key, 0)) for key in hard}}
            if quota.get("status") != status:
                quota["status"] = status
                self.registry.update(self.quotas, namespace, quota["metadata"]["name"], quota, QUOTA_CONTROLLER,
                                     subresource="status")
        return None
