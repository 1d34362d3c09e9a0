"""The namespace controller: a Terminating namespace is emptied, then released.

As kube-controller-manager's: when a Namespace has a deletionTimestamp, every
object in it is deleted (their own finalizers still run), and once nothing
is left its `kubernetes` spec finalizer is removed, which lets the registry
remove the Namespace.
"""

from . import meta
from .controllers import Controller
from .errors import ApiError
from .registry import Caller

NAMESPACE_CALLER = Caller("system:serviceaccount:kube-system:namespace-controller",
                          user_agent="kube-controller-manager/v1.26.13 (linux/amd64) kubernetes/namespace-controller")
KUBERNETES_FINALIZER = "kubernetes"


class NamespaceController:
    def __init__(self, registry):
        self.registry = registry
        self.namespaces = registry.scheme.lookup("", "v1", "namespaces")
        self.controller = Controller("namespace-controller", self._reconcile)
        registry.store.add_listener(self._on_event)

    def start(self):
        self.controller.start()
        for namespace in self.registry.list(self.namespaces)["items"]:
            if namespace["metadata"].get("deletionTimestamp"):
                self.controller.enqueue(namespace["metadata"]["name"])

    def stop(self):
        self.controller.stop()

    def _on_event(self, event):
        metadata = event.object["metadata"]
        if event.resource_key == self.namespaces.resource_key and metadata.get("deletionTimestamp"):
            self.controller.enqueue(metadata["name"])
        elif event.type == "DELETED" and metadata.get("namespace"):
            self.controller.enqueue(metadata["namespace"])  # one step closer to empty

    def _reconcile(self, name):
        namespace = self.registry.get_or_none(self.namespaces, "", name)
        if namespace is None or not namespace["metadata"].get("deletionTimestamp"):
            return None
        remaining = 0
        for resource_key in self.registry.store.resource_keys():
            resource = self.registry.scheme.stored_type(resource_key)
            if resource is None or not resource.namespaced:
                continue
            items, _ = self.registry.store.list(resource_key, name)
            remaining += len(items)
            for item in items:
                if item["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    self.registry.delete(resource, name, item["metadata"]["name"], NAMESPACE_CALLER)
                except ApiError as error:
                    if error.code != 404:  # gone meanwhile
                        raise
        if remaining:
            return None  # deletions of the content queue the namespace again
        released = meta.deep_copy(namespace)
        released["spec"]["finalizers"] = [f for f in namespace["spec"].get("finalizers") or []
                                          if f != KUBERNETES_FINALIZER]
        self.registry.update(self.namespaces, "", name, released, NAMESPACE_CALLER)
        return None
