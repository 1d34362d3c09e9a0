"""Play Workload Management in the lab: its control-plane VMs, and what can happen to their rule.

Usage: supervisor.py ACTION CLUSTER [RULE]
  create-vms     create SupervisorControlPlaneVM (1) .. (3), powered on, one per host, as WCP does
  disable-rule   disable RULE and drop its last member
  delete-rule    delete RULE
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
        return next(obj for obj in view.view if obj.name == name)
    finally:
        view.DestroyView()


def create_vms(content, cluster):
    datacenter = cluster.parent.parent
    datastore = cluster.datastore[0].name
    for number, host in enumerate(sorted(cluster.host, key=lambda host: host.name)[:3], start=1):
        config = vim.vm.ConfigSpec(
            name=f"SupervisorControlPlaneVM ({number})",
            guestId="vmwarePhoton64Guest",
            numCPUs=2,
            memoryMB=8192,
            files=vim.vm.FileInfo(vmPathName=f"[{datastore}]"),
        )
        WaitForTask(datacenter.vmFolder.CreateVM_Task(config=config, pool=cluster.resourcePool, host=host))
        vm = find(content, vim.VirtualMachine, config.name)
        WaitForTask(vm.PowerOnVM_Task())


def change_rule(cluster, name, operation):
    rule = next(rule for rule in cluster.configurationEx.rule if rule.name == name)
    if operation == "delete-rule":
        spec = vim.cluster.RuleSpec(operation="remove", removeKey=rule.key)
    else:
        rule.enabled = False
        rule.vm = rule.vm[:-1]
        spec = vim.cluster.RuleSpec(operation="edit", info=rule)
    WaitForTask(cluster.ReconfigureComputeResource_Task(vim.cluster.ConfigSpecEx(rulesSpec=[spec]), True))


def main(action, cluster_name, rule=None):
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
        cluster = find(content, vim.ClusterComputeResource, cluster_name)
        if action == "create-vms":
            create_vms(content, cluster)
        else:
            change_rule(cluster, rule, action)
    finally:
        Disconnect(service)


if __name__ == "__main__":
    main(*sys.argv[1:])
