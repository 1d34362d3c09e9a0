"""vCenter's registry of Supervisor Services (vSphere Automation API `namespace_management.supervisor_services`,
vCenter 8.0: a service and its versions registered from Carvel packages; lab/tests/reference/supervisor_services.json).

A version is registered from the YAML a vendor ships, base64 encoded: a
Carvel `PackageMetadata` (data.packaging.carvel.dev/v1alpha1; its name is
the service's identifier, `spec.displayName` and `spec.shortDescription`
its display name and description) and a `Package` of that `refName` (its
`spec.version` the version's identifier). A service is ACTIVATED when
registered; deactivating it deactivates every version and refuses new ones.
A version, or a service, is deleted only once DEACTIVATED (the reference:
"This Supervisor Service version must be in the DEACTIVATED state").
"""

import base64
import binascii

import yaml

from . import errors, specs
from .schema import require

SERVICE = "supervisor_service"  # store kind
ACTIVATED, DEACTIVATED = "ACTIVATED", "DEACTIVATED"
CARVEL_API = "data.packaging.carvel.dev/v1alpha1"
CONTENT = "spec.carvel_spec.version_spec.content"


def parse_carvel(content, field=CONTENT):
    """(service id, display name, description, version) of a base64 Carvel package definition; INVALID_ARGUMENT naming `field`."""
    try:
        documents = [doc for doc in yaml.safe_load_all(base64.b64decode(content, validate=True)) if doc]
    except (binascii.Error, ValueError, yaml.YAMLError) as error:
        raise errors.invalid_fields([(field, f"not a base64-encoded YAML document: {error}")]) from error
    by_kind = {}
    for doc in documents:
        if isinstance(doc, dict) and doc.get("apiVersion") == CARVEL_API:
            by_kind.setdefault(doc.get("kind"), []).append(doc)
    metadata, packages = by_kind.get("PackageMetadata", []), by_kind.get("Package", [])
    if len(metadata) != 1 or len(packages) != 1:
        raise errors.invalid_fields([(field, f"a Carvel service definition declares one PackageMetadata and one Package ({CARVEL_API});"
                                             f" found {len(metadata)} and {len(packages)}")])
    service = (metadata[0].get("metadata") or {}).get("name")
    spec = packages[0].get("spec") or {}
    problems = []
    if not service:
        problems.append((field, "the PackageMetadata has no metadata.name (the service's identifier)"))
    if spec.get("refName") != service:
        problems.append((field, f"the Package's spec.refName {spec.get('refName')!r} is not the PackageMetadata's name {service!r}"))
    if not spec.get("version"):
        problems.append((field, "the Package has no spec.version"))
    if problems:
        raise errors.invalid_fields(problems)
    meta_spec = metadata[0].get("spec") or {}
    return service, meta_spec.get("displayName") or service, meta_spec.get("shortDescription") or "", str(spec["version"])


class SupervisorServices:
    def __init__(self, store):
        self._store = store

    def list(self):
        return [{"supervisor_service": s["id"], "display_name": s["display_name"], "state": s["state"]} for s in self._store.all(SERVICE)]

    def get(self, service_id):
        service = self._existing(service_id)
        return {"display_name": service["display_name"], "state": service["state"], "description": service["description"],
                "has_default_versions_registered": False, "must_be_installed": False}

    def create(self, spec):
        require(specs.SUPERVISOR_SERVICE_CREATE, spec)
        service_id, display_name, description, version = parse_carvel(spec["carvel_spec"]["version_spec"]["content"])
        if self._store.get(SERVICE, service_id) is not None:
            raise errors.already_exists(f"Supervisor Service {service_id} already exists.", service_id)
        self._store.put(SERVICE, service_id, {
            "id": service_id, "display_name": display_name, "description": description, "state": ACTIVATED,
            "versions": {version: _version(display_name, description, spec["carvel_spec"]["version_spec"]["content"])}})
        return service_id

    def set_state(self, service_id, state):
        service = self._existing(service_id)
        service["state"] = state
        if state == DEACTIVATED:
            for version in service["versions"].values():
                version["state"] = DEACTIVATED
        self._store.put(SERVICE, service_id, service)

    def delete(self, service_id):
        service = self._existing(service_id)
        if service["state"] != DEACTIVATED:
            raise errors.not_allowed(f"Supervisor Service {service_id} is {service['state']}: deactivate it before deleting it.", service_id)
        self._store.delete(SERVICE, service_id)

    # --- versions -------------------------------------------------------------

    def list_versions(self, service_id):
        return [{"version": name, "display_name": v["display_name"], "state": v["state"]}
                for name, v in sorted(self._existing(service_id)["versions"].items())]

    def get_version(self, service_id, version):
        found = self._existing_version(self._existing(service_id), version)
        return {"display_name": found["display_name"], "description": found["description"], "state": found["state"],
                "content_type": "CARVEL_APPS_YAML", "content": found["content"]}

    def create_version(self, service_id, spec):
        service = self._existing(service_id)
        require(specs.SUPERVISOR_SERVICE_VERSION_CREATE, spec)
        field = "spec.carvel_spec.content"
        ref, display_name, description, version = parse_carvel(spec["carvel_spec"]["content"], field)
        if ref != service_id:
            raise errors.invalid_fields([(field, f"the package is of Supervisor Service {ref}, not {service_id}")])
        if service["state"] == DEACTIVATED:
            raise errors.not_allowed(f"Supervisor Service {service_id} is DEACTIVATED: no version can be added.", service_id)
        if version in service["versions"]:
            raise errors.already_exists(f"Version {version} of Supervisor Service {service_id} already exists.", service_id, version)
        service["versions"][version] = _version(display_name, description, spec["carvel_spec"]["content"])
        self._store.put(SERVICE, service_id, service)

    def set_version_state(self, service_id, version, state):
        service = self._existing(service_id)
        found = self._existing_version(service, version)
        if state == ACTIVATED and service["state"] == DEACTIVATED:
            raise errors.not_allowed(f"Supervisor Service {service_id} is DEACTIVATED: its versions cannot be activated.", service_id)
        found["state"] = state
        self._store.put(SERVICE, service_id, service)

    def delete_version(self, service_id, version):
        service = self._existing(service_id)
        if self._existing_version(service, version)["state"] != DEACTIVATED:
            raise errors.not_allowed(f"Version {version} of Supervisor Service {service_id} is ACTIVATED: deactivate it before deleting it.",
                                     service_id, version)
        del service["versions"][version]
        self._store.put(SERVICE, service_id, service)

    def require_activated(self, service_id, version):
        """Raise unless the service and its version are ACTIVATED: what a Supervisor may install (ClusterSupervisorServices.CreateSpec)."""
        service = self._existing(service_id)
        if service["state"] != ACTIVATED or self._existing_version(service, version)["state"] != ACTIVATED:
            raise errors.invalid_fields([("spec.version", f"version {version} of Supervisor Service {service_id} is not ACTIVATED")])

    def _existing(self, service_id):
        service = self._store.get(SERVICE, service_id)
        if service is None:
            raise errors.not_found(f"Supervisor Service {service_id} not found.", service_id)
        return service

    @staticmethod
    def _existing_version(service, version):
        if version not in service["versions"]:
            raise errors.not_found(f"Version {version} of Supervisor Service {service['id']} not found.", service["id"], version)
        return service["versions"][version]


def _version(display_name, description, content):
    return {"display_name": display_name, "description": description, "state": ACTIVATED, "content": content}
