# Copyright: (c) 2026, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Supervisor Services (vCenter 8): a service and its versions registered in vCenter from the Carvel package
definitions vendors ship, and one version installed on a Supervisor with its values.

A definition is the YAML of a Carvel ``PackageMetadata`` (its name is the
service's identifier) and a ``Package`` of that ``refName`` (its
``spec.version`` is the version); vCenter takes it base64 encoded. Reading
costs one GET of the service (404: not registered), one list of its versions
and, for a Supervisor, one GET of the service there. An install, upgrade or
reconfiguration is one call, then the service's ``config_status`` is read
until CONFIGURED at the version asked (ERROR fails, with vCenter's message).
Values become the service's ``yaml_service_config``: they are compared, never
shown (a plan holds MASKED in their place; ``pacific`` prints it as ``(sensitive value)``).
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass
from typing import Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError, PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import CLUSTER, Catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.enable_api import has_supervisors_api
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import MASKED
from ansible_collections.pacific.vsphere.plugins.module_utils.waiter import wait_until

try:
    import yaml
except ImportError:  # the modules require manifests.YAML_LIBRARY before they start
    yaml = None

SERVICES_PATH = "/api/vcenter/namespace-management/supervisor-services"
CARVEL_API = "data.packaging.carvel.dev/v1alpha1"
CONFIGURED, ERROR, REMOVING = "CONFIGURED", "ERROR", "REMOVING"


class ServiceFailed(PacificError):
    """vCenter could not configure the service on the Supervisor; ``changed``: whether this run changed something first."""

    def __init__(self, message, *, changed):
        super().__init__(message)
        self.changed = changed

    def details(self):
        return {"changed": self.changed}


def services_unsupported(version):
    """Why a vCenter of ``version`` cannot take Supervisor Services from Carvel definitions; None when it can."""
    if has_supervisors_api(version):
        return None
    return f"Supervisor Services from Carvel definitions need vCenter 8.0 or later; this vCenter is {version or 'of an unknown version'}"


def version_order(version):
    """A sort key that puts 2.9.1 before 2.10.0: numbers compared as numbers, other parts as text after them."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.+-]", version)]


def parse_definition(text, option):
    """``(service id, version)`` of one Carvel definition; InvalidArgumentError naming ``option`` when it is not one."""
    try:
        documents = [doc for doc in yaml.safe_load_all(text) if doc]
    except yaml.YAMLError as error:
        raise InvalidArgumentError(f"{option}: not YAML: {error}") from error
    kinds = {}
    for doc in documents:
        if isinstance(doc, dict) and doc.get("apiVersion") == CARVEL_API:
            kinds.setdefault(doc.get("kind"), []).append(doc)
    metadata, packages = kinds.get("PackageMetadata", []), kinds.get("Package", [])
    if len(metadata) != 1 or len(packages) != 1:
        raise InvalidArgumentError(
            f"{option}: a Supervisor Service definition declares one PackageMetadata and one Package ({CARVEL_API}), found {len(metadata)} and {len(packages)}"
        )
    service, spec = (metadata[0].get("metadata") or {}).get("name"), packages[0].get("spec") or {}
    if not service or spec.get("refName") != service or not spec.get("version"):
        raise InvalidArgumentError(f"{option}: the Package's spec.refName must be the PackageMetadata's name ({service!r}) and spec.version set")
    return service, str(spec["version"])


def read_definitions(name, definitions, option="definitions"):
    """``({version: text}, problems)`` of the definitions of service ``name``, each problem naming its entry of ``option``."""
    found, first, problems = {}, {}, []
    for index, text in enumerate(definitions):
        where = f"{option}[{index}]"
        try:
            service, version = parse_definition(text, where)
        except InvalidArgumentError as error:
            problems.append(error.message)
            continue
        if service != name:
            problems.append(f"{where}: defines Supervisor Service '{service}', not '{name}'")
        elif version in found:
            problems.append(f"{where}: version {version} is already defined at {first[version]}")
        else:
            found[version], first[version] = text, where
    return found, problems


@dataclass(frozen=True)
class ServiceSpec:
    """What the user asks: the service, definitions to register, and (with ``cluster``) the version and values on that Supervisor."""

    name: str
    definitions: tuple = ()
    cluster: Optional[str] = None
    version: Optional[str] = None
    values: Optional[dict] = None
    state: str = "present"
    wait: bool = True
    wait_timeout: int = 600

    def definition_versions(self):
        """``{version: definition text}`` of ``definitions``; raises, naming each entry that is not a definition of ``name``."""
        found, problems = read_definitions(self.name, self.definitions)
        if problems:
            raise InvalidArgumentError("; ".join(problems))
        return found

    def values_yaml(self):
        """``values`` as the YAML vCenter keeps; through JSON first, so that Ansible's tagged strings dump as plain ones."""
        return None if self.values is None else yaml.safe_dump(json.loads(json.dumps(self.values)), sort_keys=True)


@dataclass(frozen=True)
class Live:
    """The service as vCenter has it: ``versions`` ``{version: state}`` (None: not registered), and on the Supervisor (None: not there)."""

    versions: Optional[dict]
    display_name: str = ""
    installed: Optional[dict] = None
    cluster_id: Optional[str] = None


class SupervisorServices:
    def __init__(self, rest, *, catalog=None, clock=time.monotonic, sleep=time.sleep):
        self._rest = rest
        self._catalog = catalog or Catalog(rest)
        self._clock = clock
        self._sleep = sleep

    def require_api(self):
        refusal = services_unsupported(self._rest.vcenter_version())
        if refusal:
            raise InvalidArgumentError(refusal)

    def read_registration(self, name):
        """``(info, {version: state})`` of the service in vCenter; ``(None, None)`` when it is not registered."""
        self.require_api()
        path = f"{SERVICES_PATH}/{name}"
        try:
            info = self._rest.get(path, what=f"read Supervisor Service '{name}'")
        except NotFoundError:
            return None, None
        listed = self._rest.get(f"{path}/versions", what=f"list the versions of Supervisor Service '{name}'") or []
        return info, {entry["version"]: entry["state"] for entry in listed}

    def read(self, spec, registration=None):
        """The Live of ``spec``; ``registration`` (from ``read_registration``), when given, is not read again."""
        info, versions = registration or self.read_registration(spec.name)
        cluster_id = self._catalog.id_of(CLUSTER, spec.cluster, "cluster") if spec.cluster else None
        installed = self.read_installed(cluster_id, spec.name) if cluster_id and info is not None else None
        return Live(versions, (info or {}).get("display_name", ""), installed, cluster_id)

    def describe(self, spec, live):
        if live.versions is None:
            return None
        found = {"name": spec.name, "display_name": live.display_name,
                 "versions": [{"version": version, "state": live.versions[version]} for version in sorted(live.versions, key=version_order)]}
        if spec.cluster:
            installed = live.installed
            found["supervisor"] = None if installed is None else {
                "cluster": spec.cluster, "desired_version": installed["desired_version"], "current_version": installed.get("current_version"),
                "config_status": installed["config_status"], "namespace": installed.get("service_namespace"),
                "messages": [(m.get("details") or {}).get("default_message", "") for m in installed.get("messages") or ()]}
        return found

    # -- plan ---------------------------------------------------------------------

    def plan(self, spec, live):
        """The items for the registry and, with a cluster, the Supervisor; raises, before any change, on what cannot be done."""
        definitions = spec.definition_versions()
        registered = dict(live.versions or {})
        items = []
        registry_address = _registration_address(spec.name)
        if spec.state == "present" or not spec.cluster:
            before = None if live.versions is None else {"versions": sorted(registered, key=version_order)}
            if spec.state == "absent":
                after = None
            else:
                if live.versions is None and not definitions:
                    raise InvalidArgumentError(f"definitions: Supervisor Service '{spec.name}' is not registered in vCenter: give its definitions")
                after = {"versions": sorted(set(registered) | set(definitions), key=version_order)}
            new = sorted(set(definitions) - set(registered), key=version_order)
            items.append(plan_item(registry_address, before, after, [f"versions: + {', '.join(new)}"] if before is not None and new else ()))
        if not spec.cluster:
            return items
        known = set(registered) | set(definitions)
        if spec.state == "present" and spec.version not in known:
            raise InvalidArgumentError(
                f"version: '{spec.version}' is not a version of Supervisor Service '{spec.name}'"
                f" (registered or defined: {', '.join(sorted(known, key=version_order)) or 'none'})"
            )
        if spec.state == "present" and registered.get(spec.version, "ACTIVATED") != "ACTIVATED":
            raise InvalidArgumentError(f"version: '{spec.version}' of Supervisor Service '{spec.name}' is {registered[spec.version]}: activate it first")
        installed = live.installed
        before = None if installed is None or installed["config_status"] == REMOVING else {
            "version": installed["desired_version"], "values": MASKED if installed.get("yaml_service_config") else None}
        if spec.state == "absent":
            items.append(plan_item(f"{registry_address}/{spec.cluster}", before, None))
            return items
        wanted_values = spec.values_yaml()
        kept_values = wanted_values if spec.values is not None else (installed or {}).get("yaml_service_config")
        after = {"version": spec.version, "values": MASKED if kept_values else None}
        reasons = []
        if before is not None:
            if before["version"] != spec.version:
                reasons.append(f"version: {before['version']} -> {spec.version}")
            if spec.values is not None and wanted_values != (installed.get("yaml_service_config") or ""):
                reasons.append("values: (sensitive value) changed")
            if installed["config_status"] == ERROR and not reasons:
                reasons.append("config_status: ERROR -> CONFIGURED (configured again)")
        items.append(plan_item(f"{registry_address}/{spec.cluster}", before, after, reasons))
        return items

    # -- apply --------------------------------------------------------------------

    def apply(self, spec, items, live):
        """Carry out ``items`` (from ``plan``): register what is missing, then install, change or remove on the Supervisor."""
        registration = next((item for item in items if item.address == _registration_address(spec.name)), None)
        install = next((item for item in items if item.address != _registration_address(spec.name)), None)
        changed = self.apply_registration(spec, registration, live) if registration is not None else False
        if install is not None:
            changed = self.apply_install(spec, install, live, registered=changed) or changed
        return changed

    def apply_registration(self, spec, item, live):
        """Register the versions of ``spec.definitions`` vCenter lacks, or (a delete) deactivate the service and delete it; whether it changed."""
        if not item.changed:
            return False
        path = f"{SERVICES_PATH}/{spec.name}"
        if item.action == "delete":
            self._rest.post(path, params={"action": "deactivate"}, what=f"deactivate Supervisor Service '{spec.name}'", idempotent=True)
            self._rest.delete(path, what=f"delete Supervisor Service '{spec.name}'")
            return True
        definitions = spec.definition_versions()
        missing = [version for version in definitions if version not in (live.versions or {})]
        if live.versions is None:
            first = missing.pop(0)
            self._rest.post(SERVICES_PATH, json={"carvel_spec": {"version_spec": {"content": _encoded(definitions[first])}}},
                            what=f"register Supervisor Service '{spec.name}'", read_back=lambda: self._registered(spec.name))
        for version in missing:
            self._rest.post(f"{path}/versions", json={"carvel_spec": {"content": _encoded(definitions[version])}},
                            what=f"register version {version} of Supervisor Service '{spec.name}'",
                            read_back=lambda version=version: self._has_version(spec.name, version))
        return True

    def apply_install(self, spec, item, live, *, registered=False):
        """Install, change or remove the service on the Supervisor of ``spec.cluster`` as ``item`` says, and wait; whether it changed.

        ``registered``: whether this run registered something first (a ServiceFailed says so).
        """
        if not item.changed:
            return False
        installed_path = f"/api/vcenter/namespace-management/clusters/{live.cluster_id}/supervisor-services"
        try:
            if item.action == "delete":
                self._rest.delete(f"{installed_path}/{spec.name}", what=f"remove Supervisor Service '{spec.name}' from cluster '{spec.cluster}'")
            elif item.action == "create":
                body = {"supervisor_service": spec.name, "version": spec.version}
                if spec.values is not None:
                    body["yaml_service_config"] = spec.values_yaml()
                self._rest.post(installed_path, json=body, what=f"install Supervisor Service '{spec.name}' on cluster '{spec.cluster}'",
                                read_back=lambda: self.read_installed(live.cluster_id, spec.name) is not None)
            else:
                body = {"version": spec.version}
                if spec.values is not None:
                    body["yaml_service_config"] = spec.values_yaml()
                self._rest.patch(f"{installed_path}/{spec.name}", json=body,
                                 what=f"change Supervisor Service '{spec.name}' on cluster '{spec.cluster}'")
        except PacificError as error:
            raise ServiceFailed(str(error), changed=registered) from error
        if spec.wait:
            self._wait(spec, live.cluster_id, item.action == "delete")
        return True

    # -- helpers ------------------------------------------------------------------

    def _wait(self, spec, cluster_id, removing):
        what = f"Supervisor Service '{spec.name}' to be {'removed from' if removing else f'CONFIGURED at {spec.version} on'} cluster '{spec.cluster}'"

        def done(installed):
            if removing:
                return installed is None
            if installed is not None and installed["config_status"] == ERROR:
                messages = "; ".join((m.get("details") or {}).get("default_message", "") for m in installed.get("messages") or ()) or "no message"
                raise ServiceFailed(f"vCenter could not configure Supervisor Service '{spec.name}' on cluster '{spec.cluster}': {messages}", changed=True)
            return installed is not None and installed["config_status"] == CONFIGURED and installed.get("current_version") == spec.version

        wait_until(lambda: self.read_installed(cluster_id, spec.name), done, timeout=spec.wait_timeout, what=what, clock=self._clock, sleep=self._sleep,
                   describe=lambda installed: "gone" if installed is None else f"{installed['config_status']} at {installed.get('current_version')}")

    def read_installed(self, cluster_id, name):
        """The service as the Supervisor of ``cluster_id`` has it (ClusterSupervisorServices Info); None when it is not installed there."""
        try:
            return self._rest.get(f"/api/vcenter/namespace-management/clusters/{cluster_id}/supervisor-services/{name}",
                                  what=f"read Supervisor Service '{name}' on cluster {cluster_id}")
        except NotFoundError:
            return None

    def _registered(self, name):
        try:
            self._rest.get(f"{SERVICES_PATH}/{name}", what=f"read Supervisor Service '{name}'")
        except NotFoundError:
            return False
        return True

    def _has_version(self, name, version):
        try:
            self._rest.get(f"{SERVICES_PATH}/{name}/versions/{version}", what=f"read version {version} of Supervisor Service '{name}'")
        except NotFoundError:
            return False
        return True


def _registration_address(name):
    return f"supervisor_service/{name}"


def _encoded(text):
    return base64.b64encode(text.encode()).decode()
