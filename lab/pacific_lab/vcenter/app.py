"""The /api router: each request is matched to an operation of the vSphere
Automation API, authenticated, answered as vCenter answers it, and named in
the request log (`operation` such as `namespace_management.clusters.enable`,
`target` the object it acts on)."""

import base64
import datetime
import json
import logging
import re
from typing import NamedTuple, Optional
from urllib.parse import parse_qs, unquote, urlsplit

from .. import requestlog
from ..soap import SoapCall
from . import cluster_facts, errors, inventory
from .supervisor_services import ACTIVATED, DEACTIVATED

log = logging.getLogger("pacific_lab.rest")

SESSION_HEADER = "vmware-api-session-id"
JSON = "application/json"
CLUSTER = "ClusterComputeResource"
NAMESPACE = "com.vmware.vcenter.namespaces.Instance"
VM_CLASS = "com.vmware.vcenter.namespace_management.VirtualMachineClass"
LIBRARY = "com.vmware.content.Library"
CATEGORY = "com.vmware.cis.tagging.Category"
TAG = "com.vmware.cis.tagging.Tag"
SUPERVISOR = "com.vmware.vcenter.namespace_management.supervisor.Supervisor"
ZONE = "com.vmware.vcenter.consumption_domains.Zone"
SUPERVISOR_SERVICE = "com.vmware.vcenter.namespace_management.SupervisorService"


class Route(NamedTuple):
    method: str
    template: str  # path with {param} parts
    action: Optional[str]  # the ?action= an operation is selected by
    operation: str
    handler: str  # RestApp method name
    target: Optional[str] = None  # path parameter (or body field) naming the object acted on
    target_type: Optional[str] = None
    public: bool = False  # callable without a session
    since_8: bool = False  # vCenter 8.0 added it (vSphere API 8.0.0.1): a 7.0 lab answers it as an unknown path


MANAGEMENT = "/api/vcenter/namespace-management"
INSTANCES = "/api/vcenter/namespaces/instances"
TAGGING = "/api/cis/tagging"
ZONES = "/api/vcenter/consumption-domains/zones"
SERVICES = f"{MANAGEMENT}/supervisor-services"
ROUTES = (
    # Supervisor Services registered from Carvel packages (vCenter 8.0; 7.0.3's formats are not simulated).
    Route("GET", SERVICES, None, "namespace_management.supervisor_services.list", "list_supervisor_services", since_8=True),
    Route("POST", SERVICES, None, "namespace_management.supervisor_services.create", "create_supervisor_service", since_8=True),
    Route("GET", f"{SERVICES}/{{supervisor_service}}", None, "namespace_management.supervisor_services.get",
          "get_supervisor_service", "supervisor_service", SUPERVISOR_SERVICE, since_8=True),
    Route("DELETE", f"{SERVICES}/{{supervisor_service}}", None, "namespace_management.supervisor_services.delete",
          "delete_supervisor_service", "supervisor_service", SUPERVISOR_SERVICE, since_8=True),
    *(Route("POST", f"{SERVICES}/{{supervisor_service}}", action, f"namespace_management.supervisor_services.{action}",
            f"{action}_supervisor_service", "supervisor_service", SUPERVISOR_SERVICE, since_8=True)
      for action in ("activate", "deactivate")),
    Route("GET", f"{MANAGEMENT}/clusters/{{cluster}}/supervisor-services", None,
          "namespace_management.supervisor_services.cluster_supervisor_services.list", "list_cluster_supervisor_services",
          "cluster", CLUSTER, since_8=True),
    Route("POST", f"{MANAGEMENT}/clusters/{{cluster}}/supervisor-services", None,
          "namespace_management.supervisor_services.cluster_supervisor_services.create", "create_cluster_supervisor_service",
          "cluster", CLUSTER, since_8=True),
    *(Route(method, f"{MANAGEMENT}/clusters/{{cluster}}/supervisor-services/{{supervisor_service}}", None,
            f"namespace_management.supervisor_services.cluster_supervisor_services.{name}", f"{name}_cluster_supervisor_service",
            "cluster", CLUSTER, since_8=True) for method, name in (("GET", "get"), ("PATCH", "update"), ("DELETE", "delete"))),
    Route("GET", f"{SERVICES}/{{supervisor_service}}/versions", None, "namespace_management.supervisor_services.versions.list",
          "list_supervisor_service_versions", "supervisor_service", SUPERVISOR_SERVICE, since_8=True),
    Route("POST", f"{SERVICES}/{{supervisor_service}}/versions", None, "namespace_management.supervisor_services.versions.create",
          "create_supervisor_service_version", "supervisor_service", SUPERVISOR_SERVICE, since_8=True),
    Route("GET", f"{SERVICES}/{{supervisor_service}}/versions/{{version}}", None,
          "namespace_management.supervisor_services.versions.get", "get_supervisor_service_version", "supervisor_service",
          SUPERVISOR_SERVICE, since_8=True),
    Route("DELETE", f"{SERVICES}/{{supervisor_service}}/versions/{{version}}", None,
          "namespace_management.supervisor_services.versions.delete", "delete_supervisor_service_version", "supervisor_service",
          SUPERVISOR_SERVICE, since_8=True),
    *(Route("POST", f"{SERVICES}/{{supervisor_service}}/versions/{{version}}", action,
            f"namespace_management.supervisor_services.versions.{action}", f"{action}_supervisor_service_version",
            "supervisor_service", SUPERVISOR_SERVICE, since_8=True) for action in ("activate", "deactivate")),
    Route("GET", "/api/appliance/system/version", None, "appliance.system.version.get", "system_version"),
    Route("POST", "/api/session", None, "session.create", "create_session", public=True),
    Route("GET", "/api/session", None, "session.get", "get_session"),
    Route("DELETE", "/api/session", None, "session.delete", "delete_session"),
    Route("GET", "/api/vcenter/cluster", None, "cluster.list", "list_clusters"),
    Route("GET", "/api/vcenter/host", None, "host.list", "list_hosts"),
    Route("GET", "/api/vcenter/network", None, "network.list", "list_networks"),
    Route("GET", "/api/vcenter/datastore", None, "datastore.list", "list_datastores"),
    Route("GET", "/api/vcenter/storage/policies", None, "storage.policies.list", "list_policies"),
    Route("GET", "/api/content/library", None, "content.library.list", "list_libraries"),
    Route("GET", "/api/content/library/{library}", None, "content.library.get", "get_library", "library", LIBRARY),
    Route("GET", f"{MANAGEMENT}/clusters", None, "namespace_management.clusters.list", "list_supervisors"),
    Route("GET", f"{MANAGEMENT}/cluster-compatibility", None, "namespace_management.cluster_compatibility.list",
          "cluster_compatibility"),
    Route("GET", f"{MANAGEMENT}/distributed-switch-compatibility", None,
          "namespace_management.distributed_switch_compatibility.list", "distributed_switch_compatibility"),
    Route("GET", f"{MANAGEMENT}/edge-cluster-compatibility", None, "namespace_management.edge_cluster_compatibility.list",
          "edge_cluster_compatibility"),
    Route("GET", f"{MANAGEMENT}/cluster-size-info", None, "namespace_management.cluster_size_info.get", "cluster_size_info"),
    Route("GET", f"{MANAGEMENT}/software/clusters", None, "namespace_management.software.clusters.list",
          "list_software"),
    Route("GET", f"{MANAGEMENT}/software/clusters/{{cluster}}", None, "namespace_management.software.clusters.get",
          "get_software", "cluster", CLUSTER),
    Route("POST", f"{MANAGEMENT}/software/clusters/{{cluster}}", "upgrade", "namespace_management.software.clusters.upgrade",
          "upgrade_supervisor", "cluster", CLUSTER),
    Route("GET", f"{MANAGEMENT}/clusters/{{cluster}}", None, "namespace_management.clusters.get",
          "get_supervisor", "cluster", CLUSTER),
    Route("POST", f"{MANAGEMENT}/clusters/{{cluster}}", "enable", "namespace_management.clusters.enable",
          "enable", "cluster", CLUSTER),
    Route("POST", f"{MANAGEMENT}/clusters/{{cluster}}", "disable", "namespace_management.clusters.disable",
          "disable", "cluster", CLUSTER),
    Route("PATCH", f"{MANAGEMENT}/clusters/{{cluster}}", None, "namespace_management.clusters.update",
          "update_supervisor", "cluster", CLUSTER),
    Route("POST", f"{MANAGEMENT}/supervisors/{{cluster}}", "enable_on_compute_cluster",
          "namespace_management.supervisors.enable_on_compute_cluster", "enable_on_compute_cluster", "cluster", CLUSTER,
          since_8=True),
    Route("POST", f"{MANAGEMENT}/supervisors", "enable_on_zones", "namespace_management.supervisors.enable_on_zones",
          "enable_on_zones", since_8=True),
    Route("GET", f"{MANAGEMENT}/supervisors/summaries", None, "namespace_management.supervisors.summary.list",
          "list_supervisor_summaries", since_8=True),
    Route("GET", f"{MANAGEMENT}/supervisors/{{supervisor}}/summary", None, "namespace_management.supervisors.summary.get",
          "get_supervisor_summary", "supervisor", SUPERVISOR, since_8=True),
    Route("GET", f"{MANAGEMENT}/supervisors/{{supervisor}}/topology", None, "namespace_management.supervisors.topology.get",
          "get_supervisor_topology", "supervisor", SUPERVISOR, since_8=True),
    Route("GET", ZONES, None, "consumption_domains.zones.list", "list_zones", since_8=True),
    Route("POST", ZONES, None, "consumption_domains.zones.create", "create_zone", "zone", ZONE, since_8=True),
    Route("GET", f"{ZONES}/{{zone}}", None, "consumption_domains.zones.get", "get_zone", "zone", ZONE, since_8=True),
    Route("DELETE", f"{ZONES}/{{zone}}", None, "consumption_domains.zones.delete", "delete_zone", "zone", ZONE, since_8=True),
    Route("GET", f"{ZONES}/cluster/{{zone}}/associations", None, "consumption_domains.zones.cluster.associations.get",
          "get_zone_associations", "zone", ZONE, since_8=True),
    *(Route("POST", f"{ZONES}/cluster/{{zone}}/associations", action,
            f"consumption_domains.zones.cluster.associations.{action}", f"{action}_zone_associations", "zone", ZONE,
            since_8=True) for action in ("add", "remove")),
    Route("GET", f"{MANAGEMENT}/virtual-machine-classes", None,
          "namespace_management.virtual_machine_classes.list", "list_vm_classes"),
    Route("POST", f"{MANAGEMENT}/virtual-machine-classes", None,
          "namespace_management.virtual_machine_classes.create", "create_vm_class", "id", VM_CLASS),
    Route("GET", f"{MANAGEMENT}/virtual-machine-classes/{{vm_class}}", None,
          "namespace_management.virtual_machine_classes.get", "get_vm_class", "vm_class", VM_CLASS),
    Route("PATCH", f"{MANAGEMENT}/virtual-machine-classes/{{vm_class}}", None,
          "namespace_management.virtual_machine_classes.update", "update_vm_class", "vm_class", VM_CLASS),
    Route("DELETE", f"{MANAGEMENT}/virtual-machine-classes/{{vm_class}}", None,
          "namespace_management.virtual_machine_classes.delete", "delete_vm_class", "vm_class", VM_CLASS),
    Route("GET", INSTANCES, None, "namespaces.instances.list", "list_namespaces"),
    Route("POST", INSTANCES, None, "namespaces.instances.create", "create_namespace", "namespace", NAMESPACE),
    Route("GET", f"{INSTANCES}/{{namespace}}", None, "namespaces.instances.get", "get_namespace",
          "namespace", NAMESPACE),
    Route("PATCH", f"{INSTANCES}/{{namespace}}", None, "namespaces.instances.update", "update_namespace",
          "namespace", NAMESPACE),
    Route("PUT", f"{INSTANCES}/{{namespace}}", None, "namespaces.instances.set", "set_namespace",
          "namespace", NAMESPACE),
    Route("DELETE", f"{INSTANCES}/{{namespace}}", None, "namespaces.instances.delete", "delete_namespace",
          "namespace", NAMESPACE),
    *(Route(method, f"{INSTANCES}/{{namespace}}/access/{{domain}}/{{subject}}", None, f"namespaces.access.{verb}",
            f"{verb}_access", "namespace", NAMESPACE)
      for method, verb in (("GET", "get"), ("POST", "create"), ("PUT", "set"), ("DELETE", "delete"))),
    Route("GET", f"{TAGGING}/category", None, "tagging.category.list", "list_categories"),
    Route("POST", f"{TAGGING}/category", None, "tagging.category.create", "create_category", "name", CATEGORY),
    Route("GET", f"{TAGGING}/category/{{category_id}}", None, "tagging.category.get", "get_category",
          "category_id", CATEGORY),
    Route("PATCH", f"{TAGGING}/category/{{category_id}}", None, "tagging.category.update", "update_category",
          "category_id", CATEGORY),
    Route("DELETE", f"{TAGGING}/category/{{category_id}}", None, "tagging.category.delete", "delete_category",
          "category_id", CATEGORY),
    Route("GET", f"{TAGGING}/tag", None, "tagging.tag.list", "list_tags"),
    Route("POST", f"{TAGGING}/tag", None, "tagging.tag.create", "create_tag", "name", TAG),
    Route("POST", f"{TAGGING}/tag", "list-tags-for-category", "tagging.tag.list_tags_for_category",
          "list_tags_for_category", "category_id", CATEGORY),
    Route("GET", f"{TAGGING}/tag/{{tag_id}}", None, "tagging.tag.get", "get_tag", "tag_id", TAG),
    Route("PATCH", f"{TAGGING}/tag/{{tag_id}}", None, "tagging.tag.update", "update_tag", "tag_id", TAG),
    Route("DELETE", f"{TAGGING}/tag/{{tag_id}}", None, "tagging.tag.delete", "delete_tag", "tag_id", TAG),
    *(Route("POST", f"{TAGGING}/tag-association/{{tag_id}}", action, f"tagging.tag_association.{action.replace('-', '_')}",
            action.replace("-", "_"), "tag_id", TAG)
      for action in ("attach", "detach", "attach-tag-to-multiple-objects", "detach-tag-from-multiple-objects",
                     "list-attached-objects")),
    *(Route("POST", f"{TAGGING}/tag-association", action, f"tagging.tag_association.{action.replace('-', '_')}",
            action.replace("-", "_"))
      for action in ("list-attached-tags", "list-attached-objects-on-tags", "list-attached-tags-on-objects",
                     "attach-multiple-tags-to-object", "detach-multiple-tags-from-object")),
)


def _pattern(template):
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")


COMPILED = [(route, _pattern(route.template)) for route in ROUTES]


class Call(NamedTuple):
    params: dict
    query: dict  # name -> list of values
    body: object  # parsed JSON, None when there was none
    token: Optional[str]
    authorization: Optional[str]


class RestApp:
    def __init__(self, service):
        self._service = service  # VcenterService

    def handle(self, request):
        """Answer one /api request (the front door's Route handler)."""
        raw_body = request.read_body()  # always consumed, so the keep-alive connection stays in step
        parts = urlsplit(request.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        action = query.pop("action", [None])[-1]
        route, params = _match(request.command, parts.path, action)
        if route is not None and route.since_8 and not self._service.release.supervisors_api:
            route = None
        if route is None:
            error = errors.route_not_found()
            return requestlog.Outcome(request.reply(error.status, JSON, error.body()))
        call = Call(params, query, None, request.headers.get(SESSION_HEADER), request.headers.get("Authorization"))
        target = params.get(route.target)
        try:
            call = call._replace(body=_json_body(raw_body))
            if target is None and isinstance(call.body, dict) and isinstance(call.body.get(route.target), str):
                target = call.body[route.target]
        except errors.ApiError as error:
            return self._outcome(request, route, target, error.status, error.body())
        injected = self._service.faults.transient("rest", route.operation, parts.path)
        if injected == "reset":
            request.drop_connection()
            return requestlog.Outcome(None, SoapCall(route.operation, target, route.target_type))
        try:
            if injected == "503":
                raise errors.service_unavailable()
            if not route.public and self._service.sessions.use(call.token) is None:
                raise errors.unauthenticated()
            status, document = getattr(self, route.handler)(call)
        except errors.ApiError as error:
            return self._outcome(request, route, target, error.status, error.body())
        except Exception as error:  # answered as vCenter's ERROR; the traceback goes to lab.log
            log.exception("%s %s failed", request.command, parts.path)
            failure = errors.ApiError("ERROR", [errors.message("vcenter.lab.internal.error", f"Internal error: {error}")])
            return self._outcome(request, route, target, failure.status, failure.body())
        body = b"" if document is None else json.dumps(document).encode()
        if injected == "lost":
            request.drop_connection()  # served, its answer lost: the client cannot tell whether it was
            return requestlog.Outcome(status, SoapCall(route.operation, target, route.target_type))
        return self._outcome(request, route, target, status, body)

    @staticmethod
    def _outcome(request, route, target, status, body):
        request.reply(status, JSON, body)
        return requestlog.Outcome(status, SoapCall(route.operation, target, route.target_type))

    # --- sessions -------------------------------------------------------------

    def create_session(self, call):
        user, password = _basic_credentials(call.authorization)
        if not self._service.valid_credentials(user, password):
            raise errors.unauthenticated()
        return 201, self._service.sessions.create(user)

    def get_session(self, call):
        return 200, self._service.sessions.use(call.token).info()

    def delete_session(self, call):
        self._service.sessions.delete(call.token)
        return 204, None

    # --- inventory and catalog -----------------------------------------------

    def system_version(self, call):
        """Appliance.System.Version.get: what the appliance says it runs."""
        release = self._service.release
        return 200, {"product": "VMware vCenter Server", "type": "vCenter Server with an embedded Platform Services Controller",
                     "version": release.appliance_version, "build": release.build,
                     "releasedate": datetime.date.fromisoformat(release.release_date).strftime("%B %-d, %Y"),
                     "summary": f"VMware vCenter Server {release.version}", "install_time": f"{release.release_date}T00:00:00.000Z"}

    def list_clusters(self, call):
        return 200, inventory.list_clusters(self._service.vsphere(), call.query)

    def list_hosts(self, call):
        return 200, inventory.list_hosts(self._service.vsphere(), call.query)

    def list_networks(self, call):
        return 200, inventory.list_networks(self._service.vsphere(), call.query)

    def list_datastores(self, call):
        return 200, inventory.list_datastores(self._service.vsphere(), call.query)

    def list_policies(self, call):
        return 200, self._service.catalog.list_policies(call.query)

    def list_libraries(self, call):
        return 200, self._service.catalog.list_libraries()

    def get_library(self, call):
        return 200, self._service.catalog.get_library(self._service.vsphere(), call.params["library"])

    # --- Workload Management ----------------------------------------------------

    def cluster_compatibility(self, call):
        return 200, cluster_facts.compatibility(self._service.vsphere(), call.query)

    def distributed_switch_compatibility(self, call):
        return 200, cluster_facts.distributed_switch_compatibility(self._service.vsphere(), call.query)

    def edge_cluster_compatibility(self, call):
        return 200, cluster_facts.edge_cluster_compatibility(call.query)

    def cluster_size_info(self, call):
        return 200, cluster_facts.cluster_size_info()

    def list_supervisors(self, call):
        return 200, self._service.supervisors.list()

    def get_supervisor(self, call):
        return 200, self._service.supervisors.get(call.params["cluster"])

    def enable(self, call):
        self._service.supervisors.enable(call.params["cluster"], call.body)
        return 204, None

    def disable(self, call):
        self._service.supervisors.disable(call.params["cluster"])
        return 204, None

    def update_supervisor(self, call):
        self._service.supervisors.update(call.params["cluster"], call.body)
        return 204, None

    def list_software(self, call):
        return 200, self._service.supervisors.software_list()

    def get_software(self, call):
        return 200, self._service.supervisors.software_get(call.params["cluster"])

    def upgrade_supervisor(self, call):
        self._service.supervisors.upgrade(call.params["cluster"], call.body)
        return 204, None

    def enable_on_compute_cluster(self, call):
        return 200, self._service.supervisors.enable_on_compute_cluster(call.params["cluster"], call.body)

    def enable_on_zones(self, call):
        return 200, self._service.supervisors.enable_on_zones(call.body)

    def list_supervisor_summaries(self, call):
        return 200, self._service.supervisors.summaries()

    def get_supervisor_summary(self, call):
        return 200, self._service.supervisors.summary(call.params["supervisor"])

    def get_supervisor_topology(self, call):
        return 200, self._service.supervisors.topology(call.params["supervisor"])

    # --- vSphere Zones (vCenter 8) ---------------------------------------------------

    def list_zones(self, call):
        return 200, self._service.zones.list()

    def create_zone(self, call):
        return 201, self._service.zones.create(call.body)

    def get_zone(self, call):
        return 200, self._service.zones.get(call.params["zone"])

    def delete_zone(self, call):
        self._service.zones.delete(call.params["zone"])
        return 204, None

    def get_zone_associations(self, call):
        return 200, self._service.zones.associations(call.params["zone"])

    def add_zone_associations(self, call):
        return 200, self._service.zones.add(call.params["zone"], call.body)

    def remove_zone_associations(self, call):
        return 200, self._service.zones.remove(call.params["zone"], call.body)

    # --- Supervisor Services ----------------------------------------------------

    def list_supervisor_services(self, call):
        return 200, self._service.supervisor_services.list()

    def create_supervisor_service(self, call):
        self._service.supervisor_services.create(call.body)
        return 204, None

    def get_supervisor_service(self, call):
        return 200, self._service.supervisor_services.get(call.params["supervisor_service"])

    def delete_supervisor_service(self, call):
        self._service.supervisor_services.delete(call.params["supervisor_service"])
        return 204, None

    def activate_supervisor_service(self, call):
        self._service.supervisor_services.set_state(call.params["supervisor_service"], ACTIVATED)
        return 204, None

    def deactivate_supervisor_service(self, call):
        self._service.supervisor_services.set_state(call.params["supervisor_service"], DEACTIVATED)
        return 204, None

    def list_supervisor_service_versions(self, call):
        return 200, self._service.supervisor_services.list_versions(call.params["supervisor_service"])

    def create_supervisor_service_version(self, call):
        self._service.supervisor_services.create_version(call.params["supervisor_service"], call.body)
        return 204, None

    def get_supervisor_service_version(self, call):
        return 200, self._service.supervisor_services.get_version(call.params["supervisor_service"], call.params["version"])

    def delete_supervisor_service_version(self, call):
        self._service.supervisor_services.delete_version(call.params["supervisor_service"], call.params["version"])
        return 204, None

    def activate_supervisor_service_version(self, call):
        self._service.supervisor_services.set_version_state(call.params["supervisor_service"], call.params["version"], ACTIVATED)
        return 204, None

    def deactivate_supervisor_service_version(self, call):
        self._service.supervisor_services.set_version_state(call.params["supervisor_service"], call.params["version"], DEACTIVATED)
        return 204, None

    def list_cluster_supervisor_services(self, call):
        return 200, self._service.cluster_services.list(call.params["cluster"])

    def create_cluster_supervisor_service(self, call):
        self._service.cluster_services.create(call.params["cluster"], call.body)
        return 204, None

    def get_cluster_supervisor_service(self, call):
        return 200, self._service.cluster_services.get(call.params["cluster"], call.params["supervisor_service"])

    def update_cluster_supervisor_service(self, call):
        self._service.cluster_services.update(call.params["cluster"], call.params["supervisor_service"], call.body)
        return 204, None

    def delete_cluster_supervisor_service(self, call):
        self._service.cluster_services.delete(call.params["cluster"], call.params["supervisor_service"])
        return 204, None

    def list_vm_classes(self, call):
        return 200, self._service.catalog.list_vm_classes(self._service.namespaces.all())

    def create_vm_class(self, call):
        self._service.catalog.create_vm_class(call.body)
        return 204, None

    def get_vm_class(self, call):
        return 200, self._service.catalog.get_vm_class(call.params["vm_class"], self._service.namespaces.all())

    def update_vm_class(self, call):
        self._service.catalog.update_vm_class(call.params["vm_class"], call.body)
        return 204, None

    def delete_vm_class(self, call):
        self._service.catalog.delete_vm_class(call.params["vm_class"])
        return 204, None

    # --- namespaces -------------------------------------------------------------

    def list_namespaces(self, call):
        return 200, self._service.namespaces.list()

    def create_namespace(self, call):
        self._service.namespaces.create(call.body)
        return 204, None

    def get_namespace(self, call):
        return 200, self._service.namespaces.get(call.params["namespace"])

    def update_namespace(self, call):
        self._service.namespaces.update(call.params["namespace"], call.body)
        return 204, None

    def set_namespace(self, call):
        self._service.namespaces.set(call.params["namespace"], call.body)
        return 204, None

    def delete_namespace(self, call):
        self._service.namespaces.delete(call.params["namespace"])
        return 204, None

    def get_access(self, call):
        return 200, self._service.namespaces.get_access(*_access_key(call))

    def create_access(self, call):
        self._service.namespaces.create_access(*_access_key(call), call.body)
        return 204, None

    def set_access(self, call):
        self._service.namespaces.set_access(*_access_key(call), call.body)
        return 204, None

    def delete_access(self, call):
        self._service.namespaces.delete_access(*_access_key(call))
        return 204, None

    # --- tagging ----------------------------------------------------------------

    def list_categories(self, call):
        return 200, self._service.tagging.list_categories()

    def create_category(self, call):
        return 201, self._service.tagging.create_category(call.body)

    def get_category(self, call):
        return 200, self._service.tagging.get_category(call.params["category_id"])

    def update_category(self, call):
        self._service.tagging.update_category(call.params["category_id"], call.body)
        return 204, None

    def delete_category(self, call):
        self._service.tagging.delete_category(call.params["category_id"])
        return 204, None

    def list_tags(self, call):
        return 200, self._service.tagging.list_tags()

    def create_tag(self, call):
        return 201, self._service.tagging.create_tag(call.body)

    def list_tags_for_category(self, call):
        return 200, self._service.tagging.list_tags_for_category(call.body)

    def get_tag(self, call):
        return 200, self._service.tagging.get_tag(call.params["tag_id"])

    def update_tag(self, call):
        self._service.tagging.update_tag(call.params["tag_id"], call.body)
        return 204, None

    def delete_tag(self, call):
        self._service.tagging.delete_tag(call.params["tag_id"])
        return 204, None

    def attach(self, call):
        self._service.tagging.attach(call.params["tag_id"], call.body)
        return 204, None

    def detach(self, call):
        self._service.tagging.detach(call.params["tag_id"], call.body)
        return 204, None

    def attach_tag_to_multiple_objects(self, call):
        return 200, self._service.tagging.attach_to_many(call.params["tag_id"], call.body)

    def detach_tag_from_multiple_objects(self, call):
        return 200, self._service.tagging.detach_from_many(call.params["tag_id"], call.body)

    def attach_multiple_tags_to_object(self, call):
        return 200, self._service.tagging.attach_many_to_object(call.body)

    def detach_multiple_tags_from_object(self, call):
        return 200, self._service.tagging.detach_many_from_object(call.body)

    def list_attached_objects(self, call):
        return 200, self._service.tagging.list_attached_objects(call.params["tag_id"])

    def list_attached_tags(self, call):
        return 200, self._service.tagging.list_attached_tags(call.body)

    def list_attached_objects_on_tags(self, call):
        return 200, self._service.tagging.list_attached_objects_on_tags(call.body)

    def list_attached_tags_on_objects(self, call):
        return 200, self._service.tagging.list_attached_tags_on_objects(call.body)


def _match(method, path, action):
    for route, pattern in COMPILED:
        match = pattern.match(path)
        if match and route.method == method and route.action == action:
            return route, {name: unquote(value) for name, value in match.groupdict().items()}
    return None, {}


def _json_body(raw):
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise errors.invalid_argument(f"The request body is not JSON: {error}") from error


def _basic_credentials(authorization):
    """(user, password) of a Basic Authorization header; (None, None) when there is none."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None, None
    return user, password


def _access_key(call):
    subject_type = (call.query.get("type") or [None])[-1]
    if subject_type not in ("USER", "GROUP"):
        raise errors.invalid_fields([("type", "query parameter type must be USER or GROUP")])
    return call.params["namespace"], call.params["domain"], call.params["subject"], subject_type
