"""Put a lab host in maintenance mode the way an administrator or an interrupted run of spherelet_vib would.

Usage: host_maintenance.py enter|interrupt|exit HOST
  enter      maintenance mode, as an administrator does (no marker)
  interrupt  set the pacific.vsphere.maintenance marker, then enter, as a run killed mid-way leaves a host
  exit       leave maintenance mode
Connection from VMWARE_HOST, VMWARE_PORT, VMWARE_USER, VMWARE_PASSWORD, VMWARE_CA_CERT.
"""

import os
import ssl
import sys

from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim

MARKER = "pacific.vsphere.maintenance"


def main(action, host_name):
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
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
        host = next(host for host in view.view if host.name == host_name)
        view.DestroyView()
        if action == "interrupt":
            fields = content.customFieldsManager
            field = next((f for f in fields.field or () if f.name == MARKER), None) or fields.AddCustomFieldDef(name=MARKER, moType=vim.HostSystem)
            fields.SetField(entity=host, key=field.key, value="entered by pacific.vsphere to change VIB spherelet")
        if action in ("enter", "interrupt"):
            WaitForTask(host.EnterMaintenanceMode_Task(timeout=0))
        else:
            WaitForTask(host.ExitMaintenanceMode_Task(timeout=0))
    finally:
        Disconnect(service)


if __name__ == "__main__":
    main(*sys.argv[1:3])
