"""The simulated vCenter's own vim25 session to vcsim: what Workload Management
does to the inventory (VIBs, control-plane VMs, DRS rules, resource pools) and
the batched reads the REST inventory lookups are answered from.

It talks to vcsim directly, as vCenter's services talk to vpxd, and records
each call in the request log with origin "wcp" so that tests can see what a
REST call caused over SOAP.
"""

import threading

from pyVim.task import WaitForTask
from pyVmomi import SoapStubAdapter, vim, vmodl
from pyVmomi.SoapAdapter import SessionOrientedStub

API_VERSION = "vim.version.v7_0_3_0"
PropertyCollector = vmodl.query.PropertyCollector


class RecordingStub(SoapStubAdapter):
    """A SOAP stub that reports every call (operation, target, HTTP status) to `record`."""

    def __init__(self, record, **kwargs):
        super().__init__(**kwargs)
        self._record = record

    def InvokeMethod(self, mo, info, args, outerStub=None):  # pyVmomi's method name
        status = None
        try:
            result = super().InvokeMethod(mo, info, args, outerStub)
            # Called by SessionOrientedStub (outerStub set): (HTTP status, result or fault).
            status = result[0] if outerStub not in (None, self) else 200
            return result
        except vmodl.MethodFault:
            status = 500
            raise
        finally:
            self._record(info.wsdlName, mo._moId, mo._wsdlName, status)


class Vsphere:
    """One logged-in session to one vcsim; it logs in again when vcsim forgets the session."""

    def __init__(self, url, username, password, record):
        soap = RecordingStub(record, url=url, version=API_VERSION)
        self._stub = SessionOrientedStub(soap, lambda stub: self._login(stub, username, password))
        self.service = vim.ServiceInstance("ServiceInstance", self._stub)
        self.content = self.service.RetrieveContent()
        # Supervisors enabled at once share the Namespaces folder: one finds or makes it at a time.
        self._folders = threading.Lock()

    @staticmethod
    def _login(stub, username, password):
        vim.ServiceInstance("ServiceInstance", stub).content.sessionManager.Login(username, password)

    def close(self):
        self._stub.DropConnections()

    # --- batched reads -------------------------------------------------------

    def retrieve(self, kind, properties, root=None):
        """`[(object, {property: value})]` for every `kind` below `root` (default: the root folder),
        in one PropertyCollector retrieval (plus continuation pages)."""
        view = self.content.viewManager.CreateContainerView(root or self.content.rootFolder, [kind], True)
        try:
            spec = PropertyCollector.FilterSpec(
                objectSet=[PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[
                    PropertyCollector.TraversalSpec(name="view", path="view", skip=False,
                                                    type=vim.view.ContainerView)])],
                propSet=[PropertyCollector.PropertySpec(type=kind, pathSet=list(properties))],
            )
            collector = self.content.propertyCollector
            page = collector.RetrievePropertiesEx([spec], PropertyCollector.RetrieveOptions())
            objects = []
            while page is not None:
                objects.extend(page.objects)
                page = collector.ContinueRetrievePropertiesEx(page.token) if page.token else None
        finally:
            view.Destroy()
        return [(item.obj, {prop.name: prop.val for prop in item.propSet}) for item in objects]

    def ref(self, kind, moid):
        """A reference to the object of that type and moid (not checked to exist)."""
        return kind(moid, self._stub)

    def find(self, kind, moid):
        """The object of that type and moid, or None (one batched read of that type's names)."""
        return next((obj for obj, _ in self.retrieve(kind, ["name"]) if obj._moId == moid), None)

    def cluster_hosts(self, cluster):
        """`{host name: host}` of the cluster's hosts, sorted by name."""
        hosts = self.retrieve(vim.HostSystem, ["name"], root=cluster)
        return dict(sorted((props["name"], host) for host, props in hosts))

    def vms_named(self, names, root=None):
        return {props["name"]: vm for vm, props in self.retrieve(vim.VirtualMachine, ["name"], root)
                if props["name"] in names}

    # --- host software -------------------------------------------------------

    def installed_vibs(self, host):
        """`{name: version}` of the host's software packages."""
        manager = host.configManager.imageConfigManager
        return {package.name: package.version for package in manager.FetchSoftwarePackages()}

    def install_vib(self, host, url, needs_maintenance_mode):
        """Install one VIB, putting the host in maintenance mode around it when the VIB requires it."""
        if needs_maintenance_mode:
            WaitForTask(host.EnterMaintenanceMode_Task(timeout=0))
        try:
            WaitForTask(host.configManager.patchManager.InstallHostPatchV2_Task(
                metaUrls=[], bundleUrls=[], vibUrls=[url], spec=vim.host.PatchManager.PatchManagerOperationSpec()))
        finally:
            if needs_maintenance_mode:
                WaitForTask(host.ExitMaintenanceMode_Task(timeout=0))

    # --- VMs, rules, folders, resource pools ---------------------------------

    def folder(self, parent, name):
        """The child folder of that name, created when missing."""
        with self._folders:
            for child in parent.childEntity:
                if isinstance(child, vim.Folder) and child.name == name:
                    return child
            return parent.CreateFolder(name)

    def create_vm(self, folder, pool, host, name, cpus, memory_mb, datastore, cpu_reservation_mhz=0, memory_reservation_mb=0):
        config = vim.vm.ConfigSpec(name=name, numCPUs=cpus, memoryMB=memory_mb, guestId="vmwarePhoton64Guest",
                                   files=vim.vm.FileInfo(vmPathName=f"[{datastore}]"),
                                   cpuAllocation=vim.ResourceAllocationInfo(reservation=cpu_reservation_mhz),
                                   memoryAllocation=vim.ResourceAllocationInfo(reservation=memory_reservation_mb))
        task = folder.CreateVm(config, pool, host)
        WaitForTask(task)
        return task.info.result

    def power_on(self, vm):
        WaitForTask(vm.PowerOnVM_Task())

    def resize_vm(self, vm, cpus, memory_mb):
        WaitForTask(vm.ReconfigVM_Task(vim.vm.ConfigSpec(numCPUs=cpus, memoryMB=memory_mb)))

    def destroy_vm(self, vm):
        if vm.runtime.powerState == vim.VirtualMachinePowerState.poweredOn:
            WaitForTask(vm.PowerOffVM_Task())
        WaitForTask(vm.Destroy_Task())

    def rule(self, cluster, name):
        return next((rule for rule in cluster.configurationEx.rule if rule.name == name), None)

    def add_anti_affinity_rule(self, cluster, name, vms):
        rule = vim.cluster.AntiAffinityRuleSpec(name=name, enabled=True, mandatory=True, vm=vms)
        self._reconfigure_rules(cluster, vim.cluster.RuleSpec(operation="add", info=rule))

    def remove_rule(self, cluster, rule):
        self._reconfigure_rules(cluster, vim.cluster.RuleSpec(operation="remove", removeKey=rule.key))

    def _reconfigure_rules(self, cluster, rule_spec):
        WaitForTask(cluster.ReconfigureComputeResource_Task(vim.cluster.ConfigSpecEx(rulesSpec=[rule_spec]), True))

    def resource_pool(self, parent, name):
        return next((pool for pool in parent.resourcePool if pool.name == name), None)

    def create_resource_pool(self, parent, name, cpu_limit_mhz, memory_limit_mib):
        return parent.CreateResourcePool(name, _pool_config(cpu_limit_mhz, memory_limit_mib))

    def update_resource_pool(self, pool, cpu_limit_mhz, memory_limit_mib):
        pool.UpdateConfig(None, _pool_config(cpu_limit_mhz, memory_limit_mib))

    def destroy(self, entity):
        WaitForTask(entity.Destroy_Task())


def _pool_config(cpu_limit_mhz, memory_limit_mib):
    """A resource pool config: -1 (no limit) where the namespace sets none, as vCenter does."""
    def allocation(limit):
        return vim.ResourceAllocationInfo(
            reservation=0, expandableReservation=True, limit=-1 if limit is None else limit,
            shares=vim.SharesInfo(level="normal", shares=0))
    return vim.ResourceConfigSpec(cpuAllocation=allocation(cpu_limit_mhz),
                                  memoryAllocation=allocation(memory_limit_mib))
