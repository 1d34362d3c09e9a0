"""The Directory over the lab's vCenter (`pacific_lab.vcenter.VcenterService`).

Reads what the REST side keeps (Workload Management, namespaces, VM classes,
storage policies) through its public methods, and answers logins with the
lab's vCenter credentials. The lab's administrator is a member of vCenter's
`Administrators@vsphere.local` group, as administrator@vsphere.local is.
"""

import dataclasses
import hashlib
import json

from ..vcenter.catalog import STORAGE_POLICIES
from ..vcenter.supervisors import API_SERVER_PORT
from .access import ADMINISTRATORS_GROUP
from .directory import AccessEntry, NamespaceInfo, Principal, ResourceLimits, StoragePolicy, SupervisorInfo, VmClass

POLICY_NAMES = {policy["policy"]: policy["name"] for policy in STORAGE_POLICIES}


class VcenterDirectory:
    def __init__(self, vcenter):
        self.vcenter = vcenter  # the VcenterService

    def revision(self):
        # The REST side keeps no change counter: a digest of everything this
        # interface returns is as good, and cheap at the lab's sizes.
        snapshot = {"supervisors": [dataclasses.asdict(s) for s in self.supervisors()],
                    "namespaces": self.vcenter.namespaces.all(),
                    "vm_classes": [dataclasses.asdict(c) for c in self.vm_classes().values()]}
        return hashlib.sha256(json.dumps(snapshot, sort_keys=True, default=str).encode()).hexdigest()

    def supervisors(self):
        # vCenter's own state, not what its REST API reports (RUNNING only once served: the fleet serves on RUNNING).
        return [SupervisorInfo(id=cluster, cluster=cluster, host=endpoint, port=API_SERVER_PORT, state=state, zones=zones,
                               kubernetes_version=version)
                for cluster, endpoint, state, zones, version in self.vcenter.supervisors.states()]

    def namespaces(self, supervisor_id):
        return [_namespace(doc) for doc in self.vcenter.namespaces.all() if doc["cluster"] == supervisor_id]

    def vm_classes(self):
        classes = self.vcenter.catalog.vm_class_specs()
        return {c["id"]: VmClass(c["id"], c["cpu_count"], c["memory_MB"], c.get("cpu_reservation", 0),
                                 c.get("memory_reservation", 0)) for c in classes}

    def authenticate(self, username, password):
        if not self.vcenter.valid_credentials(username, password):
            return None
        return Principal(username.lower(), (ADMINISTRATORS_GROUP,))


def _namespace(doc):
    quota = doc.get("resource_spec") or {}
    return NamespaceInfo(
        name=doc["namespace"], supervisor_id=doc["cluster"], description=doc.get("description", ""),
        access=tuple(AccessEntry(e["subject_type"], e["subject"], e["domain"], e["role"])
                     for e in doc.get("access_list") or []),
        limits=ResourceLimits(cpu_mhz=quota.get("cpu_limit"), memory_mib=quota.get("memory_limit"),
                              storage_mib=quota.get("storage_request_limit")),
        storage_policies=tuple(StoragePolicy(POLICY_NAMES.get(s["policy"], s["policy"]), s["policy"], s.get("limit"))
                               for s in doc.get("storage_specs") or []),
        vm_classes=tuple((doc.get("vm_service_spec") or {}).get("vm_classes") or ()),
        content_libraries=tuple((doc.get("vm_service_spec") or {}).get("content_libraries") or ()),
    )
