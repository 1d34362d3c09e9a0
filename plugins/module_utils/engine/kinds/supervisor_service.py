# Copyright: (c) 2026, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Supervisor Services (vCenter 8), through resources.supervisor_service: registered in vCenter, and installed on Supervisors.

Two kinds share one read of each service's registration (a GET and a list
of its versions). ``supervisor_service`` registers the versions the document
defines; ``service`` installs a version on a Supervisor once it runs (one GET
per Supervisor and service). An install of a service the document registers
is planned from the document's definitions, so that a version this run
registers can be installed by the same run, after its registration.
A registration leaves only when no install the plan keeps uses it; an
install whose Supervisor the topology owns follows that Supervisor's
ownership (``engine.ownership.FOLLOWERS``), and one of a service the
topology registers whose entry left the file is removed.
"""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import SERVICE, SUPERVISOR, SUPERVISOR_SERVICE, Desired, address
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned, in_parallel, readdressed
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor import catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import ABSENT, NOT_MARKED, OWNED, Owner
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import DELETE, KNOWN_AFTER_APPLY, plan_item, version_digest
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import CLUSTER
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.ownership import SUPERVISOR_SERVICE_TYPE
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_service import ServiceSpec, SupervisorServices
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import MASKED


class _Services(Kind):
    """What both kinds share: the resource, and each service's registration read once a run."""

    def _services(self):
        return self.context.shared("supervisor_services", lambda: SupervisorServices(self.context.sessions.rest(), catalog=catalog(self.context)))

    def _registration(self, name):
        return self.context.shared(("supervisor_service_registration", name), lambda: self._services().read_registration(name))

    def read_all(self, desired):
        services = self._services()
        found = in_parallel(lambda each: services.read(each.spec, self._registration(each.spec.name)), desired)
        return {each.address: live for each, live in zip(desired, found)}

    def _plan_items(self, desired, live):
        """The resource's items of ``desired``; its refusals name the entry's key path."""
        try:
            return self._services().plan(desired.spec, live)
        except InvalidArgumentError as error:
            raise InvalidArgumentError(f"{desired.path}.{error.message}") from error

    def _view(self, desired, live):
        raise NotImplementedError


class SupervisorServiceKind(_Services):
    name = SUPERVISOR_SERVICE

    def orphans(self, desired, planned):
        gone = sorted(self.context.marked().supervisor_services - {each.spec.name for each in desired})
        found = []
        for name in gone:
            if self._registration(name)[0] is None:
                continue  # marked, then never registered (a run cut short) or deleted since: nothing to remove
            found.append(
                Desired(SUPERVISOR_SERVICE, address(SUPERVISOR_SERVICE, name), ServiceSpec(name=name, state="absent"), scope={"orphan": True},
                        path=f"supervisor_service {name}")
            )
        return found

    def plan(self, desired, live):
        if desired.spec.state == "absent" and live.versions is not None:
            self._refuse_if_installed(desired)
        item = readdressed(self._plan_items(desired, live)[0], desired.address)
        version = None if item.before is None else version_digest(item.before)
        return Planned(desired, item, version, live, self._view(desired, live))

    def plan_deferred(self, desired):
        raise AssertionError("a Supervisor Service's registration has no parent")

    def apply(self, planned, phase):
        services = self._services()
        services.apply_registration(planned.desired.spec, planned.item, planned.work)
        return self._view(planned.desired, services.read(planned.desired.spec))

    def _view(self, desired, live):
        return self._services().describe(desired.spec, live)

    def owner(self, planned):
        if planned.view is None:
            return Owner(ABSENT)
        marked, name = self.context.marked(), planned.desired.spec.name
        return Owner(OWNED if name in marked.supervisor_services else NOT_MARKED, name in marked.protected_supervisor_services)

    def mark(self, planned):
        if self.context.ownership is not None:
            self.context.marks().mark(SUPERVISOR_SERVICE_TYPE, planned.desired.spec.name, protect=bool(planned.desired.scope.get("protect")))

    def unmark(self, planned):
        if self.context.ownership is not None:
            self.context.marks().unmark(SUPERVISOR_SERVICE_TYPE, planned.desired.spec.name)

    def _refuse_if_installed(self, desired):
        """Raise when a Supervisor the plan keeps runs the service: deleting its registration would remove it there too."""
        kept = sorted(
            one.desired.spec.cluster
            for one in self.earlier.values()
            if one.desired.kind == SERVICE and one.desired.spec.name == desired.spec.name and one.item.action != DELETE and one.item.after is not None
        )
        if kept:
            what = f"{desired.address} (no longer in the topology)" if desired.scope.get("orphan") else f"{desired.path}: {desired.address}"
            raise InvalidArgumentError(
                f"{what} is installed on Supervisors the plan keeps ({', '.join(kept)}) and the plan would unregister it:"
                " remove it from their services first, or keep its registration"
            )


class ServiceKind(_Services):
    name = SERVICE

    def orphans(self, desired, planned):
        """Installs of the services the topology registers, on the Supervisors it owns, that the file no longer lists."""
        marked = self.context.marked()
        listed = {each.address for each in desired}
        clusters = catalog(self.context)
        candidates = [
            (cluster_name, name)
            for cluster_id in sorted(marked.clusters)
            for cluster_name in (clusters.name_of(CLUSTER, cluster_id),)
            for name in sorted(marked.supervisor_services)
            if address(SERVICE, cluster_name, name) not in listed and self._registration(name)[0] is not None
        ]
        installed = in_parallel(lambda pair: self._services().read_installed(clusters.id_of(CLUSTER, pair[0], "cluster"), pair[1]), candidates)
        return [
            Desired(
                SERVICE,
                address(SERVICE, cluster_name, name),
                ServiceSpec(name=name, cluster=cluster_name, state="absent"),
                # Removed before its registration, when that leaves too (a parent the plan lacks makes no edge).
                (address(SUPERVISOR, cluster_name), address(SUPERVISOR_SERVICE, name)),
                scope={"orphan": True, "supervisor": address(SUPERVISOR, cluster_name)},
                path=f"service {cluster_name}/{name}",
            )
            for (cluster_name, name), found in zip(candidates, installed)
            if found is not None
        ]

    def plan(self, desired, live):
        self._refuse_if_unregistered(desired, live.versions)
        item = readdressed(self._plan_items(desired, live)[-1], desired.address)
        version = None if item.before is None else version_digest(item.before)
        return Planned(desired, item, version, live, self._view(desired, live))

    def _refuse_if_unregistered(self, desired, versions):
        """Raise when neither vCenter nor the document registers the service (the registration is vCenter's: readable before its Supervisor runs)."""
        if desired.spec.state == "present" and versions is None and not desired.spec.definitions:
            raise InvalidArgumentError(
                f"{desired.path}.name: Supervisor Service '{desired.spec.name}' is not registered in vCenter: register it in supervisor_services"
            )

    def plan_deferred(self, desired):
        self._refuse_if_unregistered(desired, self._registration(desired.spec.name)[1])
        after = {"version": desired.spec.version, "values": MASKED if desired.spec.values else None, "config_status": KNOWN_AFTER_APPLY}
        return Planned(desired, plan_item(desired.address, None, after), deferred=True)

    def apply(self, planned, phase):
        planned = self.current(planned)
        services = self._services()
        services.apply_install(planned.desired.spec, planned.item, planned.work)
        return self._view(planned.desired, services.read(planned.desired.spec))

    def _view(self, desired, live):
        found = self._services().describe(desired.spec, live)
        return None if found is None else found.get("supervisor")

    def teardown(self, desired):
        # Removed before its Supervisor is disabled for a replacement, and installed again once it runs.
        return replace(desired, spec=ServiceSpec(name=desired.spec.name, cluster=desired.spec.cluster, state="absent", wait_timeout=desired.spec.wait_timeout))

    def owner(self, planned):
        # Its ownership is its Supervisor's (engine.ownership.FOLLOWERS); asked only of an orphan, found on a Supervisor the topology owns.
        return Owner(ABSENT if planned.view is None else OWNED)
