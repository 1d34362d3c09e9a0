"""Print, as JSON, the names of the VMs vCenter holds for a guest cluster: in folder Namespaces/NAMESPACE, named CLUSTER-*.

Usage: guest_vms.py NAMESPACE CLUSTER
Connection from VMWARE_HOST, VMWARE_PORT, VMWARE_USER, VMWARE_PASSWORD, VMWARE_CA_CERT.
Reads vCenter itself, not the Supervisor, so that a test sees what the guest-cluster controller really built.
"""

import json
import os
import ssl
import sys

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim


def folder_vms(content, namespace):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.Folder], True)
    try:
        namespaces = [folder for folder in view.view if folder.name == "Namespaces"]
        folders = [child for parent in namespaces for child in parent.childEntity if isinstance(child, vim.Folder) and child.name == namespace]
        return [vm.name for folder in folders for vm in folder.childEntity if isinstance(vm, vim.VirtualMachine)]
    finally:
        view.DestroyView()


def main(namespace, cluster):
    context = ssl.create_default_context(cafile=os.environ["VMWARE_CA_CERT"])
    service = SmartConnect(
        host=os.environ["VMWARE_HOST"],
        port=int(os.environ["VMWARE_PORT"]),
        user=os.environ["VMWARE_USER"],
        pwd=os.environ["VMWARE_PASSWORD"],
        sslContext=context,
    )
    try:
        names = sorted(name for name in folder_vms(service.RetrieveContent(), namespace) if name.startswith(cluster + "-"))
    finally:
        Disconnect(service)
    json.dump(names, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
