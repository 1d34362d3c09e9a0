"""The request bodies the lab accepts, with the field names and types of the
vSphere Automation API 7.0 Update 3 (vcenter.namespace_management,
vcenter.namespaces, cis.tagging); lab/tests/reference/namespace_management.json
and tagging.json record the documentation they come from and the tests hold the lab to it.
"""

from .schema import Bool, Enum, Field, ListOf, Long, Opaque, Str, Struct

STRINGS = ListOf(Str())

IPV4_CIDR = Struct("Ipv4Cidr", {
    "address": Field(Str(), required=True),
    "prefix": Field(Long(), required=True),
})
IP_RANGE = Struct("IPRange", {
    "address": Field(Str(), required=True),
    "count": Field(Long(), required=True),
})
IPV4_RANGE = Struct("Clusters.Ipv4Range", {
    "starting_address": Field(Str(), required=True),
    "address_count": Field(Long(), required=True),
    "subnet_mask": Field(Str(), required=True),
    "gateway": Field(Str(), required=True),
})
NETWORK_SPEC = Struct("Clusters.NetworkSpec", {
    "floating_IP": Field(Str()),
    "network": Field(Str(), required=True),
    "mode": Field(Enum("DHCP", "STATICRANGE"), required=True),
    "address_range": Field(IPV4_RANGE),
})
NETWORK_PROVIDER = Enum("NSXT_CONTAINER_PLUGIN", "VSPHERE_NETWORK")
VSPHERE_DVPG_NETWORK = Struct("Networks.VsphereDVPGNetworkCreateSpec", {
    "portgroup": Field(Str(), required=True),
    "address_ranges": Field(ListOf(IP_RANGE), required=True),
    "gateway": Field(Str(), required=True),
    "subnet_mask": Field(Str(), required=True),
})
WORKLOAD_NETWORK = Struct("Networks.CreateSpec", {
    "network": Field(Str(), required=True),
    "network_provider": Field(NETWORK_PROVIDER, required=True),
    "vsphere_network": Field(VSPHERE_DVPG_NETWORK),
    "nsx_network": Field(Opaque()),
})
WORKLOAD_NETWORKS = Struct("Clusters.WorkloadNetworksEnableSpec", {
    "supervisor_primary_workload_network": Field(WORKLOAD_NETWORK, required=True),
    "network_list": Field(ListOf(WORKLOAD_NETWORK)),
})
LB_SERVER = Struct("LoadBalancers.Server", {
    "host": Field(Str(), required=True),
    "port": Field(Long(), required=True),
})
HA_PROXY_CONFIG = Struct("LoadBalancers.HAProxyConfigCreateSpec", {
    "servers": Field(ListOf(LB_SERVER), required=True),
    "username": Field(Str(), required=True),
    "password": Field(Str(), required=True),
    "certificate_authority_chain": Field(Str(), required=True),
})
AVI_CONFIG = Struct("LoadBalancers.AviConfigCreateSpec", {
    "server": Field(LB_SERVER, required=True),
    "username": Field(Str(), required=True),
    "password": Field(Str(), required=True),
    "certificate_authority_chain": Field(Str(), required=True),
})
LOAD_BALANCER = Struct("LoadBalancers.ConfigSpec", {
    "id": Field(Str(), required=True),
    "address_ranges": Field(ListOf(IP_RANGE), required=True),
    "provider": Field(Enum("HA_PROXY", "AVI"), required=True),
    "ha_proxy_config_create_spec": Field(HA_PROXY_CONFIG),
    "avi_config_create_spec": Field(AVI_CONFIG),
})
IMAGE_STORAGE = Struct("Clusters.ImageStorageSpec", {"storage_policy": Field(Str(), required=True)})
IMAGE_REGISTRY = Struct("Clusters.ImageRegistry", {
    "hostname": Field(Str(), required=True),
    "port": Field(Long()),
})
SIZE_HINT = Enum("TINY", "SMALL", "MEDIUM", "LARGE")

CLUSTER_ENABLE = Struct("Clusters.EnableSpec", {
    "size_hint": Field(SIZE_HINT, required=True),
    "service_cidr": Field(IPV4_CIDR, required=True),
    "network_provider": Field(NETWORK_PROVIDER, required=True),
    "ncp_cluster_network_spec": Field(Opaque()),
    "workload_networks_spec": Field(WORKLOAD_NETWORKS),
    "workload_ntp_servers": Field(STRINGS),
    "load_balancer_config_spec": Field(LOAD_BALANCER),
    "master_management_network": Field(NETWORK_SPEC, required=True),
    "master_DNS": Field(STRINGS),
    "worker_DNS": Field(STRINGS),
    "master_DNS_search_domains": Field(STRINGS),
    "master_NTP_servers": Field(STRINGS),
    "master_storage_policy": Field(Str(), required=True),
    "ephemeral_storage_policy": Field(Str(), required=True),
    "login_banner": Field(Str()),
    "Master_DNS_names": Field(STRINGS),
    "image_storage": Field(IMAGE_STORAGE, required=True),
    "default_image_registry": Field(IMAGE_REGISTRY),
    "default_image_repository": Field(Str()),
    "default_kubernetes_service_content_library": Field(Str()),
})

CLUSTER_UPDATE = Struct("Clusters.UpdateSpec", {
    "size_hint": Field(SIZE_HINT),
    "master_DNS": Field(STRINGS),
    "worker_DNS": Field(STRINGS),
    "master_DNS_search_domains": Field(STRINGS),
    "worker_DNS_search_domains": Field(STRINGS),
    "master_NTP_servers": Field(STRINGS),
    "master_storage_policy": Field(Str()),
    "ephemeral_storage_policy": Field(Str()),
    "login_banner": Field(Str()),
    "image_storage": Field(IMAGE_STORAGE),
    "default_image_registry": Field(IMAGE_REGISTRY),
    "default_image_repository": Field(Str()),
    "tls_endpoint_certificate": Field(Str()),
    "default_kubernetes_service_content_library": Field(Str()),
    "workload_ntp_servers": Field(STRINGS),
})

# ResourceQuotaOptionsV1: limits in MiB (memory, storage) and MHz (CPU), and object counts.
QUOTA_FIELDS = (
    "memory_limit", "memory_limit_default", "memory_request_default",
    "cpu_limit", "cpu_limit_default", "cpu_request_default", "storage_request_limit",
    "pod_count", "service_count", "deployment_count", "daemon_set_count", "replica_set_count",
    "replication_controller_count", "stateful_set_count", "config_map_count", "secret_count",
    "persistent_volume_claim_count", "job_count",
)
RESOURCE_QUOTA = Struct("ResourceQuotaOptionsV1", {name: Field(Long()) for name in QUOTA_FIELDS})
# ResourceQuotaOptionsV1Update: a field left out stays; `<field>_unset: true` removes the limit.
RESOURCE_QUOTA_UPDATE = Struct("ResourceQuotaOptionsV1Update", {
    **{name: Field(Long()) for name in QUOTA_FIELDS},
    **{f"{name}_unset": Field(Bool()) for name in QUOTA_FIELDS},
})

ROLE = Enum("OWNER", "EDIT", "VIEW")
SUBJECT_TYPE = Enum("USER", "GROUP")
ACCESS = Struct("Instances.Access", {
    "subject_type": Field(SUBJECT_TYPE, required=True),
    "subject": Field(Str(), required=True),
    "domain": Field(Str(), required=True),
    "role": Field(ROLE, required=True),
})
STORAGE_SPEC = Struct("Instances.StorageSpec", {
    "policy": Field(Str(), required=True),
    "limit": Field(Long()),
})
VM_SERVICE_SPEC = Struct("Instances.VMServiceSpec", {
    "content_libraries": Field(STRINGS),
    "vm_classes": Field(STRINGS),
})
NAMESPACE_CREATE = Struct("Instances.CreateSpec", {
    "cluster": Field(Str(), required=True),
    "namespace": Field(Str(), required=True),
    "description": Field(Str()),
    "resource_spec": Field(RESOURCE_QUOTA),
    "access_list": Field(ListOf(ACCESS)),
    "storage_specs": Field(ListOf(STORAGE_SPEC)),
    "networks": Field(STRINGS),
    "vm_service_spec": Field(VM_SERVICE_SPEC),
})
NAMESPACE_UPDATE = Struct("Instances.UpdateSpec", {
    "description": Field(Str()),
    "resource_spec": Field(RESOURCE_QUOTA_UPDATE),
    "access_list": Field(ListOf(ACCESS)),
    "storage_specs": Field(ListOf(STORAGE_SPEC)),
    "vm_service_spec": Field(VM_SERVICE_SPEC),
})
NAMESPACE_SET = Struct("Instances.SetSpec", {
    "description": Field(Str()),
    "resource_spec": Field(RESOURCE_QUOTA),
    "access_list": Field(ListOf(ACCESS)),
    "storage_specs": Field(ListOf(STORAGE_SPEC)),
    "vm_service_spec": Field(VM_SERVICE_SPEC),
})
ACCESS_ROLE = Struct("Access.CreateSpec", {"role": Field(ROLE, required=True)})

VM_CLASS_DEVICES = Struct("VirtualMachineClasses.VirtualDevices", {
    "vgpu_devices": Field(ListOf(Struct("VirtualMachineClasses.VGPUDevice", {"profile_name": Field(Str(), required=True)}))),
    "dynamic_direct_path_IO_devices": Field(ListOf(Struct("VirtualMachineClasses.DynamicDirectPathIODevice", {
        "vendor_id": Field(Long(), required=True),
        "device_id": Field(Long(), required=True),
        "custom_label": Field(Str()),
    }))),
})
VM_CLASS_CREATE = Struct("VirtualMachineClasses.CreateSpec", {
    "id": Field(Str(), required=True),
    "cpu_count": Field(Long(), required=True),
    "cpu_reservation": Field(Long()),
    "memory_MB": Field(Long(), required=True),
    "memory_reservation": Field(Long()),
    "description": Field(Str()),
    "devices": Field(VM_CLASS_DEVICES),
})
VM_CLASS_UPDATE = Struct("VirtualMachineClasses.UpdateSpec", {
    name: Field(field.type) for name, field in VM_CLASS_CREATE.fields.items() if name != "id"
})

# namespace_management.supervisor_services, vCenter 8.0 (lab/tests/reference/supervisor_services.json)
SUPERVISOR_SERVICE_CREATE = Struct("SupervisorServices.CreateSpec", {
    "carvel_spec": Field(Struct("SupervisorServices.CarvelCreateSpec", {
        "version_spec": Field(Struct("SupervisorServices.Versions.CarvelCreateSpec", {"content": Field(Str(), required=True)}),
                              required=True),
    }), required=True),
})
SUPERVISOR_SERVICE_VERSION_CREATE = Struct("SupervisorServices.Versions.CreateSpec", {
    "carvel_spec": Field(Struct("SupervisorServices.Versions.CarvelCreateSpec", {"content": Field(Str(), required=True)}),
                         required=True),
})

CLUSTER_SERVICE_CREATE = Struct("SupervisorServices.ClusterSupervisorServices.CreateSpec", {
    "supervisor_service": Field(Str(), required=True),
    "version": Field(Str(), required=True),
    "service_config": Field(Opaque()),
    "yaml_service_config": Field(Str()),
})
CLUSTER_SERVICE_UPDATE = Struct("SupervisorServices.ClusterSupervisorServices.UpdateSpec", {
    "version": Field(Str()),
    "service_config": Field(Opaque()),
    "yaml_service_config": Field(Str()),
})

# cis.tagging (lab/tests/reference/tagging.json)
CARDINALITY = Enum("SINGLE", "MULTIPLE")
CATEGORY_CREATE_SPEC = Struct("Category.CreateSpec", {
    "name": Field(Str(), required=True),
    "description": Field(Str(), required=True),
    "cardinality": Field(CARDINALITY, required=True),
    "associable_types": Field(STRINGS, required=True),
    "category_id": Field(Str()),
})
CATEGORY_UPDATE_SPEC = Struct("Category.UpdateSpec", {
    "name": Field(Str()),
    "description": Field(Str()),
    "cardinality": Field(CARDINALITY),
    "associable_types": Field(STRINGS),
})
TAG_CREATE_SPEC = Struct("Tag.CreateSpec", {
    "name": Field(Str(), required=True),
    "description": Field(Str(), required=True),
    "category_id": Field(Str(), required=True),
    "tag_id": Field(Str()),
})
TAG_UPDATE_SPEC = Struct("Tag.UpdateSpec", {"name": Field(Str()), "description": Field(Str())})
DYNAMIC_ID = Struct("DynamicID", {"type": Field(Str(), required=True), "id": Field(Str(), required=True)})
LIST_TAGS_FOR_CATEGORY = Struct("Tag.ListTagsForCategory.RequestBody", {"category_id": Field(Str(), required=True)})
OBJECT_ID_BODY = Struct("TagAssociation.Attach.RequestBody", {"object_id": Field(DYNAMIC_ID, required=True)})
OBJECT_IDS_BODY = Struct("TagAssociation.AttachTagToMultipleObjects.RequestBody",
                         {"object_ids": Field(ListOf(DYNAMIC_ID), required=True)})
TAGS_ON_OBJECT_BODY = Struct("TagAssociation.AttachMultipleTagsToObject.RequestBody", {
    "object_id": Field(DYNAMIC_ID, required=True), "tag_ids": Field(STRINGS, required=True)})
TAG_IDS_BODY = Struct("TagAssociation.ListAttachedObjectsOnTags.RequestBody",
                      {"tag_ids": Field(STRINGS, required=True)})
