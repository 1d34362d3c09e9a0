"""Who may do what on the Supervisor: vSphere Namespace permissions as its RBAC.

What a vSphere 8 Supervisor enforces, and the lab with it:

- In a namespace, a user acts only through the namespace's access list:
  Can view (VIEW) reads, Can edit (EDIT) and Owner (OWNER) also write. A
  group entry grants its role to the group's members.
- Members of vCenter's `Administrators@vsphere.local` group can edit every
  namespace: the Supervisor binds that group in each namespace whatever the
  access list says ("Users which are members of the Administrators groups
  have access to all the namespaces", vSphere with Tanzu docs). The lab's
  administrator is such a member, so it acts in every namespace; any other
  user needs an entry.
- Cluster-wide objects (namespaces, storage classes, Tanzu Kubernetes
  releases) are readable by every logged-in user and writable by none:
  namespaces are created and deleted through vCenter only.
- Listing a kind across all namespaces needs a cluster-wide grant no vCenter
  permission gives: 403, as on the Supervisor.
- Some namespaced objects belong to the system: resource quotas, VM class
  bindings, the `tanzukubernetescluster` ClusterClass, and every `status`
  (written by the controllers). Users read them and change none.

The lab's own controllers call the registry directly, without this check.
"""

from .apimachinery import errors
from .directory import EDIT, ROLE_RANK

ADMINISTRATORS_GROUP = "administrators@vsphere.local"
READ_VERBS = frozenset(("get", "list", "watch"))
SYSTEM_OWNED_KINDS = frozenset(("ResourceQuota", "VirtualMachineClass", "ClusterClass"))


class NamespaceAccess:
    def __init__(self, directory, supervisor_id):
        self.directory = directory
        self.supervisor_id = supervisor_id

    def role(self, caller, namespace):
        """The best role `caller` holds in `namespace` (None: no access)."""
        user = _sso_name(caller.username)
        groups = {_sso_name(group) for group in caller.groups}
        best = EDIT if ADMINISTRATORS_GROUP in groups else None
        info = next((ns for ns in self.directory.namespaces(self.supervisor_id) if ns.name == namespace), None)
        for entry in info.access if info else ():
            member = entry.principal == user if entry.subject_type == "USER" else entry.principal in groups
            if member and (best is None or ROLE_RANK[entry.role] > ROLE_RANK[best]):
                best = entry.role
        return best

    def authorize(self, caller, target):
        """Raise 403 unless `caller` may perform `target` (an apimachinery.resources.Target)."""
        verb, resource = target.verb, target.resource
        rbac_verb = "patch" if verb == "apply" else verb
        if not resource.namespaced:
            if verb in READ_VERBS:
                return
            raise errors.forbidden(resource, target.name, None, caller.username, rbac_verb,
                                   subresource=target.subresource)
        if not target.namespace:
            raise errors.forbidden(resource, target.name, None, caller.username, rbac_verb,
                                   subresource=target.subresource)
        role = self.role(caller, target.namespace)
        writing = verb not in READ_VERBS
        # A user scales what they may edit; `status` is the controllers' own.
        if role is None or (writing and (ROLE_RANK[role] < ROLE_RANK[EDIT] or target.subresource == "status"
                                         or resource.kind in SYSTEM_OWNED_KINDS)):
            raise errors.forbidden(resource, target.name, target.namespace, caller.username, rbac_verb,
                                   subresource=target.subresource)


def _sso_name(name):
    return name.removeprefix("sso:").lower()

