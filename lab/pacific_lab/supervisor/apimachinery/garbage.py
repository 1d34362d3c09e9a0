"""The garbage collector: objects go with their owners (`metadata.ownerReferences`).

- Background (the default): once an owner is gone, its dependents are deleted
  (those with another owner still present stay);
- Foreground: an owner with the `foregroundDeletion` finalizer has its
  dependents deleted first and loses the finalizer once none is left;
- Orphan: an owner with the `orphan` finalizer has its ownerReferences removed
  from its dependents, then loses the finalizer.

Runs asynchronously on store events, like kube-controller-manager's; it also
sweeps once at start, so dependents of owners deleted while the lab was down
go too.
"""

from . import meta
from .controllers import Controller
from .errors import ApiError
from .registry import FOREGROUND_FINALIZER, ORPHAN_FINALIZER, Caller, WriteOptions

GC_CALLER = Caller("system:serviceaccount:kube-system:generic-garbage-collector",
                   user_agent="kube-controller-manager/v1.26.13 (linux/amd64) kubernetes/garbage-collector")
SWEEP = "sweep"


class GarbageCollector:
    def __init__(self, registry):
        self.registry = registry
        self.controller = Controller("garbage-collector", self._reconcile)
        registry.store.add_listener(self._on_event)

    def start(self):
        self.controller.start()
        self.controller.enqueue(SWEEP)

    def stop(self):
        self.controller.stop()

    def _on_event(self, event):
        metadata = event.object["metadata"]
        if event.type == "DELETED":
            self.controller.enqueue(metadata.get("uid"))
        elif metadata.get("deletionTimestamp") and {FOREGROUND_FINALIZER, ORPHAN_FINALIZER} & set(
                metadata.get("finalizers") or []):
            self.controller.enqueue(metadata.get("uid"))
        for reference in metadata.get("ownerReferences") or []:
            self.controller.enqueue(reference.get("uid"))

    def _everything(self):
        """[(ResourceType, object)] of all stored objects, in their storage version."""
        found = []
        for resource_key in self.registry.store.resource_keys():
            resource = self.registry.scheme.stored_type(resource_key)
            if resource is not None:
                items, _ = self.registry.store.list(resource_key, copied=False)  # read only: a change copies first
                found.extend((resource, item) for item in items)
        return found

    def _reconcile(self, owner_uid):
        everything = self._everything()
        if owner_uid == SWEEP:
            present = {obj["metadata"].get("uid") for _, obj in everything}
            for _, obj in everything:
                for reference in obj["metadata"].get("ownerReferences") or []:
                    if reference.get("uid") not in present:
                        self.controller.enqueue(reference.get("uid"))
            return None
        owner = next(((r, o) for r, o in everything if o["metadata"].get("uid") == owner_uid), None)
        dependents = [(r, o) for r, o in everything
                      if any(ref.get("uid") == owner_uid for ref in o["metadata"].get("ownerReferences") or [])]
        if owner is None:
            present = {obj["metadata"].get("uid") for _, obj in everything}
            for resource, obj in dependents:
                owners = {ref.get("uid") for ref in obj["metadata"].get("ownerReferences") or []}
                if not (owners - {owner_uid}) & present:
                    self._delete(resource, obj)
            return None
        owner_type, owner_obj = owner
        finalizers = owner_obj["metadata"].get("finalizers") or []
        if not owner_obj["metadata"].get("deletionTimestamp"):
            return None
        if ORPHAN_FINALIZER in finalizers:
            for resource, obj in dependents:
                orphan = meta.deep_copy(obj)
                orphan["metadata"]["ownerReferences"] = [ref for ref in obj["metadata"]["ownerReferences"]
                                                         if ref.get("uid") != owner_uid]
                self.registry.update(resource, obj["metadata"].get("namespace", ""), obj["metadata"]["name"], orphan,
                                     GC_CALLER)
            self._drop_finalizer(owner_type, owner_obj, ORPHAN_FINALIZER)
        elif FOREGROUND_FINALIZER in finalizers:
            if dependents:
                for resource, obj in dependents:
                    self._delete(resource, obj)
                return None  # the owner waits: its dependents' deletions queue it again
            self._drop_finalizer(owner_type, owner_obj, FOREGROUND_FINALIZER)
        return None

    def _delete(self, resource, obj):
        if obj["metadata"].get("deletionTimestamp"):
            return
        try:
            self.registry.delete(resource, obj["metadata"].get("namespace", ""), obj["metadata"]["name"], GC_CALLER,
                                 WriteOptions(preconditions={"uid": obj["metadata"]["uid"]}))
        except ApiError as error:
            if error.code != 404:  # already gone is what the collector wanted
                raise

    def _drop_finalizer(self, resource, obj, finalizer):
        updated = meta.deep_copy(obj)
        updated["metadata"]["finalizers"] = [f for f in obj["metadata"]["finalizers"] if f != finalizer]
        self.registry.update(resource, obj["metadata"].get("namespace", ""), obj["metadata"]["name"], updated, GC_CALLER)
