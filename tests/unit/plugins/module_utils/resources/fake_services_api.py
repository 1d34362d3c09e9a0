"""A fake vCenter 8 REST API of Supervisor Services (SupervisorServices and ClusterSupervisorServices shapes), and definitions to register."""

import base64

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import VERSION_PATH
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import NotFoundError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_service import SERVICES_PATH, parse_definition

HARBOR = "harbor.tanzu.vmware.com"
INSTALLED = "/api/vcenter/namespace-management/clusters/domain-c8/supervisor-services"


def definition(version, service=HARBOR, ref_name=None):
    return f"""apiVersion: data.packaging.carvel.dev/v1alpha1
kind: PackageMetadata
metadata:
  name: {service}
spec:
  displayName: Harbor
---
apiVersion: data.packaging.carvel.dev/v1alpha1
kind: Package
metadata:
  name: {service}.{version}
spec:
  refName: {ref_name or service}
  version: {version}
"""


class FakeServicesApi:
    """The registry (service -> {version: state}) and one Supervisor's installed services; every call recorded.

    An install or change is CONFIGURING for ``configure_reads`` reads of it, then CONFIGURED (or ERROR when ``failing``).
    """

    def __init__(self, version="8.0.3.00000"):
        self.version = version
        self.registry = {}
        self.installed = {}
        self.calls = []
        self.configure_reads = 2
        self.failing = None

    def vcenter_version(self):
        self.calls.append(("GET", VERSION_PATH, None))
        return self.version

    def get(self, path, *, params=None, what=None):
        self.calls.append(("GET", path, None))
        if path == "/api/vcenter/cluster":
            return [{"cluster": "domain-c8", "name": "C0"}]
        if path.startswith(INSTALLED):
            return self._installed_info(path.rsplit("/", 1)[1])
        parts = path[len(SERVICES_PATH) + 1:].split("/")
        versions = self.registry.get(parts[0])
        if versions is None or (len(parts) == 3 and parts[2] not in versions):
            raise NotFoundError(f"Supervisor Service {path} not found.")
        if len(parts) == 2:
            return [{"version": version, "state": state} for version, state in versions.items()]
        return {"display_name": "Harbor", "state": "ACTIVATED"}

    def _installed_info(self, name):
        service = self.installed.get(name)
        if service is None:
            raise NotFoundError(f"Supervisor Service {name} is not installed.")
        if service["config_status"] == "REMOVING":
            del self.installed[name]
            return service
        if service["config_status"] == "CONFIGURING":
            service["reads"] += 1
            if service["reads"] > self.configure_reads:
                if self.failing:
                    service.update(config_status="ERROR", messages=[{"severity": "ERROR", "details": {"default_message": self.failing}}])
                else:
                    service.update(config_status="CONFIGURED", current_version=service["desired_version"])
        return dict(service)

    def post(self, path, *, params=None, json=None, what=None, idempotent=None, read_back=None):
        self.calls.append(("POST", path + (f"?action={params['action']}" if params else ""), json))
        if params:
            self.registry[path.rsplit("/", 1)[1]] = dict.fromkeys(self.registry[path.rsplit("/", 1)[1]], "DEACTIVATED")
        elif path == SERVICES_PATH:
            service, version = parse_definition(base64.b64decode(json["carvel_spec"]["version_spec"]["content"]).decode(), "content")
            self.registry[service] = {version: "ACTIVATED"}
        elif path.startswith(INSTALLED):
            self._configure(json["supervisor_service"], {"current_version": None, **json})
        else:
            service, version = parse_definition(base64.b64decode(json["carvel_spec"]["content"]).decode(), "content")
            self.registry[service][version] = "ACTIVATED"

    def patch(self, path, *, params=None, json=None, what=None):
        self.calls.append(("PATCH", path, json))
        name = path.rsplit("/", 1)[1]
        self._configure(name, {**self.installed[name], **json})

    def _configure(self, name, fields):
        self.installed[name] = {**fields, "desired_version": fields["version"], "config_status": "CONFIGURING", "reads": 0, "messages": [],
                                "service_namespace": "svc-harbor-domain-c8"}

    def delete(self, path, *, params=None, what=None):
        self.calls.append(("DELETE", path, None))
        name = path.rsplit("/", 1)[1]
        if path.startswith(INSTALLED):
            self.installed[name]["config_status"] = "REMOVING"
        else:
            del self.registry[name]

    def mutations(self):
        return [call[:2] for call in self.calls if call[0] != "GET"]
