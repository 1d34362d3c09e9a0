# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A VIB (Spherelet by default) kept at one version on a set of ESXi hosts.

``read()`` costs one PropertyCollector retrieval for all the hosts plus one
FetchSoftwarePackages per host, which vSphere has no bulk call for.
``plan()`` makes one plan item per host. ``apply()`` rolls the items out,
``max_parallel`` hosts at a time, through each host's HostPatchManager.

Maintenance mode. Whether installing needs it is read from the VIB itself
(``clients.vib_descriptor``), whether removing needs it from the installed
package's ``maintenanceModeRequired``. A host that this rollout puts in
maintenance mode is marked first with the custom attribute
``pacific.vsphere.maintenance``, so that a later run tells a host an
interrupted run left there from one an administrator put there, and brings
back only the former.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

from ansible_collections.pacific.vsphere.plugins.module_utils.bounds import MAX_CLUSTER_HOSTS, MAX_WAIT_SECONDS, range_problem
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import select
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import AlreadyExistsError, InvalidArgumentError, PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import NONE, PlanItem, plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.cluster_inventory import fetch_software_packages

MAINTENANCE_MARKER = "pacific.vsphere.maintenance"
MAINTENANCE_MODES = ("auto", "always", "never")
STATES = ("present", "absent")
URL_SCHEMES = ("http", "https")
HOST_PROPERTIES = (
    "availableField",
    "configManager.imageConfigManager",
    "configManager.patchManager",
    "customValue",
    "runtime.connectionState",
    "runtime.inMaintenanceMode",
)

# What reading the VIBs of clusters retrieves: their hosts, and these properties of each.
INVENTORY = {"ClusterComputeResource": ("host",), "HostSystem": HOST_PROPERTIES}


@dataclass(frozen=True)
class VibSpec:
    """The desired state, in the words of the module options (so that messages can name them)."""

    name: str = "spherelet"
    state: str = "present"
    version: Optional[str] = None
    urls: tuple = ()
    maintenance_mode: str = "auto"
    max_parallel: int = 1
    wait_timeout: int = 3600
    allow_downgrade: bool = False

    def validate(self):
        """Raise InvalidArgumentError, naming the option and its value, on input no host could satisfy."""
        if not self.name:
            raise InvalidArgumentError("name must not be empty: give the name of the VIB, such as 'spherelet'")
        if self.state not in STATES:
            raise InvalidArgumentError(f"state '{self.state}' is not one of {', '.join(STATES)}")
        if self.maintenance_mode not in MAINTENANCE_MODES:
            raise InvalidArgumentError(f"maintenance_mode '{self.maintenance_mode}' is not one of {', '.join(MAINTENANCE_MODES)}")
        if self.state == "present" and not self.urls:
            raise InvalidArgumentError("vib_url is required with state=present: the hosts download the VIB from it")
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme not in URL_SCHEMES or not parts.netloc:
                raise InvalidArgumentError(f"vib_url '{url}' is not an http:// or https:// URL: ESXi hosts and this module download VIBs over HTTP(S)")
        out_of_range = range_problem("max_parallel", self.max_parallel, 1, MAX_CLUSTER_HOSTS, "the hosts remediated at a time") or range_problem(
            "wait_timeout", self.wait_timeout, 1, MAX_WAIT_SECONDS, "the seconds to wait for each host task"
        )
        if out_of_range:
            raise InvalidArgumentError(out_of_range)


@dataclass(frozen=True)
class HostVibState:
    """One host as read: ``vib`` is the installed package of the VIB (None when absent or unreadable)."""

    name: str
    moid: str
    connection_state: str
    in_maintenance_mode: bool
    left_in_maintenance_by_pacific: bool
    marker_key: Optional[int]
    patch_manager: Optional[str]
    image_config: Optional[str]
    vib: Optional[dict]
    unreadable_reason: Optional[str] = None

    def as_dict(self):
        vib = self.vib or {}
        return {
            "name": self.name,
            "moid": self.moid,
            "connection_state": self.connection_state,
            "in_maintenance_mode": self.in_maintenance_mode,
            "left_in_maintenance_by_pacific": self.left_in_maintenance_by_pacific,
            "installed": self.vib is not None,
            "version": vib.get("version"),
            "vendor": vib.get("vendor"),
            "maintenance_mode_required": vib.get("maintenance_mode_required"),
            "unreadable_reason": self.unreadable_reason,
        }


@dataclass(frozen=True)
class HostStep:
    """What the rollout does on one host; ``operation`` is install, remove or None (only leave maintenance mode)."""

    host: HostVibState
    item: object
    operation: Optional[str] = None
    enter_maintenance: bool = False
    exit_maintenance: bool = False

    @property
    def version_before(self):
        return (self.item.before or {}).get("version")

    @property
    def planned_version_after(self):
        return (self.item.after or {}).get("version")

    def result(self, version_after, *, changed=None):
        """The module's per-host result; ``changed=False`` for a host the rollout did not reach."""
        changed = self.item.changed if changed is None else changed
        return {
            "name": self.host.name,
            "version_before": self.version_before,
            "version_after": version_after if changed else self.version_before,
            "changed": changed,
            "maintenance_mode_entered": self.enter_maintenance and changed,
        }


@dataclass(frozen=True)
class Rollout:
    """The plan: one step per host (sorted by name), and the version ``present`` installs."""

    spec: VibSpec
    steps: tuple
    version: Optional[str]
    descriptors: tuple = field(default=())

    @property
    def items(self):
        return [step.item for step in self.steps]

    @property
    def changed(self):
        return any(step.item.changed for step in self.steps)

    def predicted_results(self):
        return [step.result(step.planned_version_after) for step in self.steps]


class RolloutStopped(PacificError):
    """A host failed: the hosts not started yet were left alone. ``hosts`` holds the result of every host."""

    def __init__(self, message, *, hosts):
        super().__init__(message)
        self.hosts = hosts

    def details(self):
        return {"hosts": self.hosts}


def version_key(version):
    """Sort key of a VIB version: ``7.0.3-10`` after ``7.0.3-9``, numbers compared as numbers."""
    return [(0, int(token), "") if token.isdigit() else (1, 0, token) for token in re.findall(r"\d+|[A-Za-z]+", version)]


class HostVibs:
    """A VIB on ESXi hosts, through a vim client (``clients.vim.VimClient`` or a fake of it).

    ``read_descriptor(url)`` returns the ``clients.vib_descriptor.VibDescriptor``
    at a URL; it is only called when the plan needs to know what a URL holds.
    """

    def __init__(self, client, read_descriptor):
        self._client = client
        self._marker_lock = threading.Lock()
        self._defined_marker_key = None
        self._read_descriptor = read_descriptor

    # -- read ---------------------------------------------------------------

    def read(self, name, *, cluster=None, hosts=None):
        """The hosts of ``cluster`` (or the hosts named in ``hosts``), sorted by name, with VIB ``name`` as installed."""
        if cluster is not None:
            return self.read_clusters(name, [cluster])[cluster]
        return self._host_states(self._client.retrieve("HostSystem", HOST_PROPERTIES, names=list(hosts)), name)

    def read_clusters(self, name, clusters, found=None):
        """``{cluster: hosts}`` as ``read()`` gives them, for several clusters in one retrieval and one VIB read per host.

        ``found`` is a retrieval of INVENTORY (or more) made already, to share with other readers.
        """
        if found is None:
            found = self._client.retrieve_many(INVENTORY, names={"ClusterComputeResource": list(clusters)})
        records = select(found["ClusterComputeResource"], "ClusterComputeResource", names=list(clusters))
        members = {record["name"]: set(record["host"] or ()) for record in records}
        wanted = set().union(*members.values())
        states = {state.moid: state for state in self._host_states([record for record in found["HostSystem"] if record["moid"] in wanted], name)}
        return {cluster: sorted((states[moid] for moid in members[cluster] if moid in states), key=lambda host: host.name) for cluster in clusters}

    def _host_states(self, records, name):
        readable = [
            (record["moid"], record["name"], record["configManager.imageConfigManager"])
            for record in records
            if record["runtime.connectionState"] == "connected" and record["configManager.imageConfigManager"]
        ]
        packages = fetch_software_packages(self._client, readable)
        return sorted((_host_state(record, name, packages.get(record["moid"])) for record in records), key=lambda host: host.name)

    def read_host_vib(self, host, name):
        """The package ``name`` on one host, read again (after a change)."""
        packages, skipped_reason = fetch_software_packages(self._client, [(host.moid, host.name, host.image_config)])[host.moid]
        if packages is None:
            raise PacificError(f"Failed to read the VIBs of host '{host.name}' after the change: {skipped_reason}")
        return _installed(packages, name)

    # -- plan ---------------------------------------------------------------

    def plan(self, spec, hosts):
        """The rollout that brings ``hosts`` (as read) to ``spec``; raises before any change on input it cannot satisfy."""
        spec.validate()
        unreadable = [host for host in hosts if host.unreadable_reason]
        if unreadable:
            host = unreadable[0]
            raise PacificError(
                f"Cannot manage VIB '{spec.name}' on host '{host.name}': {host.unreadable_reason}:"
                " reconnect the host, or list only the other hosts in esxi_hosts"
            )
        descriptors = ()
        version = spec.version
        install_needs_maintenance = spec.maintenance_mode == "always"
        if spec.state == "present" and self._must_read_urls(spec, hosts):
            descriptors = tuple(self._read_descriptor(url) for url in dict.fromkeys(spec.urls))
            version = _version_from(spec, descriptors)
            install_needs_maintenance = spec.maintenance_mode == "always" or (
                spec.maintenance_mode == "auto" and any(descriptor.maintenance_mode_install for descriptor in descriptors)
            )
        steps = tuple(_step(spec, host, version, install_needs_maintenance) for host in hosts)
        for step in steps:
            if step.operation and not step.host.patch_manager:
                raise PacificError(f"Cannot change VIBs on host '{step.host.name}': it has no patch manager (configManager.patchManager is unset)")
        return Rollout(spec=spec, steps=steps, version=version, descriptors=descriptors)

    @staticmethod
    def _must_read_urls(spec, hosts):
        # Without a version, only the VIB tells which version the URL holds.
        # With one, the VIB is read only when a host will install it and
        # maintenance_mode=auto needs its maintenance-mode requirement.
        if spec.version is None:
            return True
        return spec.maintenance_mode == "auto" and any(host.vib is None or host.vib["version"] != spec.version for host in hosts)

    # -- apply --------------------------------------------------------------

    def apply(self, rollout):
        """Carry out the rollout; return one result per host, in the order of the steps.

        A host that fails stops the rollout: hosts in flight finish, no other
        host starts, and RolloutStopped says which host failed, with its fault.
        """
        work = [step for step in rollout.steps if step.item.changed]
        marker_key = self._marker_key(rollout) if any(step.enter_maintenance for step in work) else None
        versions_after = {}
        failures = []
        pending = iter(work)
        with ThreadPoolExecutor(max_workers=rollout.spec.max_parallel) as pool:
            running = {}

            def start_next():
                while not failures and len(running) < rollout.spec.max_parallel:
                    step = next(pending, None)
                    if step is None:
                        return
                    running[pool.submit(self._remediate, rollout, step, marker_key)] = step

            start_next()
            while running:
                done, _not_done = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    step = running.pop(future)
                    try:
                        versions_after[step.host.name] = future.result()
                    except PacificError as error:
                        failures.append((step, error))
                start_next()
        results = [
            step.result(versions_after[step.host.name]) if step.host.name in versions_after else step.result(step.version_before, changed=False)
            for step in rollout.steps
        ]
        if failures:
            step, error = failures[0]
            failed = {failed_step.host.name for failed_step, _error in failures}
            not_started = [other.host.name for other in work if other.host.name not in versions_after and other.host.name not in failed]
            raise RolloutStopped(
                f"{error}; rollout of VIB '{rollout.spec.name}' stopped at host '{step.host.name}'"
                f" (not started: {', '.join(not_started) or 'none'}): fix the cause and run again",
                hosts=results,
            ) from error
        return results

    def _remediate(self, rollout, step, marker_key):
        """Change one host and return the version installed afterwards."""
        host = step.host
        timeout = rollout.spec.wait_timeout
        if step.enter_maintenance:
            self._set_marker(host, marker_key, f"entered by pacific.vsphere to change VIB {rollout.spec.name}")
            # DRS evacuates the powered-on VMs; powered-off ones may stay, the VIB does not touch them.
            self._run_task(
                host, "HostSystem", host.moid, "EnterMaintenanceMode_Task", "enter maintenance mode", timeout, timeout=timeout, evacuatePoweredOffVms=False
            )
        try:
            version_after = self._change_vib(rollout, step) if step.operation else step.version_before
        except PacificError as error:
            if step.exit_maintenance:
                self._exit_maintenance_after(error, host, marker_key, timeout)
            raise
        if step.exit_maintenance:
            self._exit_maintenance(host, marker_key, timeout)
        return version_after

    def _change_vib(self, rollout, step):
        spec = rollout.spec
        host = step.host
        if step.operation == "install":
            what = f"install VIB {spec.name} {rollout.version}"
            self._run_task(host, "HostPatchManager", host.patch_manager, "InstallHostPatchV2_Task", what, spec.wait_timeout, vibUrls=list(spec.urls))
        else:
            what = f"remove VIB {spec.name}"
            self._run_task(host, "HostPatchManager", host.patch_manager, "UninstallHostPatch_Task", what, spec.wait_timeout, bulletinIds=[spec.name])
        installed = self.read_host_vib(host, spec.name)
        version_after = installed["version"] if installed else None
        expected = rollout.version if step.operation == "install" else None
        if version_after != expected:
            hint = f"; check that vib_url {', '.join(spec.urls)} holds {spec.name} {expected}" if expected else ""
            raise PacificError(f"Failed to {what} on host '{host.name}': the task succeeded but the host reports version {version_after or 'none'}{hint}")
        return version_after

    def _exit_maintenance(self, host, marker_key, timeout):
        # Only hosts carrying the marker leave maintenance mode: this run's or an interrupted one's.
        self._run_task(host, "HostSystem", host.moid, "ExitMaintenanceMode_Task", "exit maintenance mode", timeout, timeout=timeout)
        self._set_marker(host, host.marker_key if marker_key is None else marker_key, "")

    def _exit_maintenance_after(self, error, host, marker_key, timeout):
        """Bring the host back after ``error``; if that fails too, the error says both."""
        try:
            self._exit_maintenance(host, marker_key, timeout)
        except PacificError as exit_error:
            raise PacificError(f"{error}; the host stays in maintenance mode (a later run brings it back): {exit_error}") from error

    def _marker_key(self, rollout):
        for step in rollout.steps:
            if step.host.marker_key is not None:
                return step.host.marker_key
        # Rollouts of several clusters share one instance: one of them defines the attribute.
        with self._marker_lock:
            if self._defined_marker_key is None:
                self._defined_marker_key = self._define_marker(rollout.steps[0].host)
            return self._defined_marker_key

    def _define_marker(self, host):
        try:
            definition = self._client.call(
                "CustomFieldsManager",
                self._client.service_moid("customFieldsManager"),
                "AddCustomFieldDef",
                name=MAINTENANCE_MARKER,
                moType=self._client.managed_type("HostSystem"),
                what=f"create the custom attribute {MAINTENANCE_MARKER} that marks hosts this module puts in maintenance mode",
                # Sent again after a lost answer, it answers DuplicateName, which reads the definition below.
                idempotent=True,
            )
            return definition.key
        except AlreadyExistsError:
            # Another client defined it since the hosts were read: use that one.
            record = self._client.retrieve("HostSystem", ("availableField",), moids=[host.moid])[0]
            return next(definition.key for definition in record["availableField"] or () if definition.name == MAINTENANCE_MARKER)

    def _set_marker(self, host, key, value):
        self._client.call(
            "CustomFieldsManager",
            self._client.service_moid("customFieldsManager"),
            "SetField",
            entity=self._client.managed_object("HostSystem", host.moid),
            key=key,
            value=value,
            what=f"{'set' if value else 'clear'} {MAINTENANCE_MARKER} on host '{host.name}'",
        )

    def _run_task(self, host, kind, moid, method, what, wait_timeout, **arguments):
        task = self._client.call(kind, moid, method, what=f"{what} on host '{host.name}'", idempotent=False, task_entity=host.moid, **arguments)
        return self._client.wait_for_task(task, timeout=wait_timeout, what=what)


def _host_state(record, name, packages):
    connected = record["runtime.connectionState"] == "connected"
    if not connected:
        reason = f"the host is {record['runtime.connectionState']}, vCenter cannot ask it"
    elif packages is None:
        reason = "the host has no image configuration manager"
    else:
        reason = packages[1]
    in_maintenance = bool(record["runtime.inMaintenanceMode"])
    marker_key = next((definition.key for definition in record["availableField"] or () if definition.name == MAINTENANCE_MARKER), None)
    return HostVibState(
        name=record["name"],
        moid=record["moid"],
        connection_state=record["runtime.connectionState"],
        in_maintenance_mode=in_maintenance,
        left_in_maintenance_by_pacific=in_maintenance and bool(_marker_value(record, marker_key)),
        marker_key=marker_key,
        patch_manager=record["configManager.patchManager"],
        image_config=record["configManager.imageConfigManager"],
        vib=_installed(packages[0], name) if packages and packages[0] is not None else None,
        unreadable_reason=reason,
    )


def _installed(packages, name):
    for package in packages:
        if package.name == name:
            return {"version": package.version, "vendor": package.vendor, "maintenance_mode_required": bool(package.maintenanceModeRequired)}
    return None


def _marker_value(record, key):
    if key is None:
        return None
    # vCenter keeps one value per attribute; vcsim appends on every SetField.
    # The last value is the current one in both.
    values = [value.value for value in record["customValue"] or () if value.key == key]
    return values[-1] if values else None


def _version_from(spec, descriptors):
    """The version ``present`` installs: that of the VIB named ``name`` among the URLs, checked against ``version``."""
    matching = [descriptor for descriptor in descriptors if descriptor.name == spec.name]
    if not matching:
        found = ", ".join(f"{descriptor.name} {descriptor.version} at {descriptor.url}" for descriptor in descriptors)
        raise InvalidArgumentError(f"vib_url holds no VIB named '{spec.name}' (found: {found}): set name to the VIB's name or fix vib_url")
    descriptor = matching[0]
    if spec.version is not None and descriptor.version != spec.version:
        raise InvalidArgumentError(f"vib_url '{descriptor.url}' holds {spec.name} {descriptor.version}, not version {spec.version}: fix vib_url or version")
    return descriptor.version


def _step(spec, host, version, install_needs_maintenance):
    address = f"vib/{host.name}/{spec.name}"
    installed = host.vib["version"] if host.vib else None
    before = None if installed is None else {"version": installed, "in_maintenance_mode": host.in_maintenance_mode}
    operation, reasons = _operation(spec, installed, version)
    # A host an interrupted run left in maintenance mode goes back to service;
    # one an administrator put there stays.
    leftover = host.left_in_maintenance_by_pacific
    if leftover:
        reasons.append("left in maintenance mode by an interrupted run of pacific.vsphere: exit it")
    elif operation is None:
        # Nothing to do; the reasons, if any, say why a difference is left alone.
        return HostStep(host=host, item=PlanItem(address, NONE, before, before, tuple(reasons)))

    if operation == "install":
        needs_maintenance = install_needs_maintenance
    elif operation == "remove":
        needs_maintenance = spec.maintenance_mode == "always" or (spec.maintenance_mode == "auto" and host.vib["maintenance_mode_required"])
    else:
        needs_maintenance = False
    enter = needs_maintenance and not host.in_maintenance_mode

    in_maintenance_after = host.in_maintenance_mode and not leftover
    if operation == "install":
        after = {"version": version, "in_maintenance_mode": in_maintenance_after}
    elif operation == "remove":
        after = None
    elif before is not None:
        after = dict(before, in_maintenance_mode=in_maintenance_after)
    else:
        # No VIB, before or after, yet the host leaves maintenance mode: show that.
        before = {"version": None, "in_maintenance_mode": True}
        after = {"version": None, "in_maintenance_mode": False}
    item = plan_item(address, before, after, reasons)
    return HostStep(host=host, item=item, operation=operation, enter_maintenance=enter, exit_maintenance=enter or leftover)


def _operation(spec, installed, version):
    """``(install | remove | None, reasons)`` for a host that has ``installed`` (None: not installed)."""
    if spec.state == "absent":
        removes = installed is not None and spec.version in (None, installed)
        return ("remove" if removes else None), []
    if installed is None:
        return "install", []
    if installed == version:
        return None, []
    newer = version_key(installed) > version_key(version)
    if newer and not spec.allow_downgrade:
        return None, [f"version {installed} is newer than {version} and allow_downgrade is false: left as is"]
    return "install", [f"{'downgrade' if newer else 'upgrade'} {installed} -> {version}"]
