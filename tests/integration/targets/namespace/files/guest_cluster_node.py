"""Play the guest-cluster controller in the lab: a node VM in a namespace's resource pool, and its removal.

Usage: guest_cluster_node.py create CLUSTER NAMESPACE VM   create VM, powered on, in the pool NAMESPACE of CLUSTER
       guest_cluster_node.py delete VM                     power VM off and destroy it, wherever it is (none: nothing to do)
Connection from VMWARE_HOST, VMWARE_PORT, VMWARE_USER, VMWARE_PASSWORD, VMWARE_CA_CERT.
"""

import os
import ssl
import sys

from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim


def find(content, kind, name):
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return next((obj for obj in view.view if obj.name == name), None)
    finally:
        view.DestroyView()


def create(content, cluster_name, namespace, vm_name):
    cluster = find(content, vim.ClusterComputeResource, cluster_name)
    # vCenter makes a namespace's pool a child of the cluster's root pool, named after it.
    pool = next(child for child in cluster.resourcePool.resourcePool if child.name == namespace)
    config = vim.vm.ConfigSpec(
        name=vm_name,
        guestId="vmwarePhoton64Guest",
        numCPUs=2,
        memoryMB=2048,
        files=vim.vm.FileInfo(vmPathName=f"[{cluster.datastore[0].name}]"),
    )
    WaitForTask(cluster.parent.parent.vmFolder.CreateVM_Task(config=config, pool=pool, host=cluster.host[0]))
    WaitForTask(find(content, vim.VirtualMachine, vm_name).PowerOnVM_Task())


def delete(content, vm_name):
    vm = find(content, vim.VirtualMachine, vm_name)
    if vm is None:
        return
    if vm.runtime.powerState == vim.VirtualMachinePowerState.poweredOn:
        WaitForTask(vm.PowerOffVM_Task())
    WaitForTask(vm.Destroy_Task())


def main(action, *names):
    context = ssl.create_default_context(cafile=os.environ["VMWARE_CA_CERT"])
    service = SmartConnect(
        host=os.environ["VMWARE_HOST"],
        port=int(os.environ["VMWARE_PORT"]),
        user=os.environ["VMWARE_USER"],
        pwd=os.environ["VMWARE_PASSWORD"],
        sslContext=context,
    )
    try:
        content = service.RetrieveContent()
        if action == "create":
            create(content, *names)
        else:
            delete(content, *names)
    finally:
        Disconnect(service)


if __name__ == "__main__":
    main(*sys.argv[1:])
