"""WorkloadManagement over a fake vCenter REST API that answers in vCenter's shapes, and a fake vim25 session."""

import copy
from contextlib import contextmanager

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import VERSION_PATH
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.enable_api import SUPERVISORS_PATH, enable_on_compute_cluster_body
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor import (
    CLUSTERS_PATH,
    COMPATIBILITY_PATH,
    SupervisorFailed,
    WorkloadManagement,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_software import SOFTWARE_PATH
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import MASKED, SupervisorSpec

V1_26 = "v1.26.13+vmware.1-fips.1-vsc0.1.9-23381106"
V1_27 = "v1.27.11+vmware.1-fips.1-vsc0.1.10-23710254"
V1_27_2 = "v1.27.11+vmware.2-fips.1-vsc0.1.10-23800000"
V1_28 = "v1.28.3+vmware.2-fips.1-vsc0.1.11-24004345"
# What vCenter offers a Supervisor running each version: the next minor version.
OFFERED = {V1_26: [V1_27, V1_27_2], V1_27: [V1_28], V1_27_2: [V1_28], V1_28: []}
PEM = "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----"
CATALOG = {
    "/api/vcenter/cluster": [{"cluster": "domain-c1", "name": "C1"}, {"cluster": "domain-c2", "name": "C2"}],
    "/api/vcenter/network": [
        {"network": "network-7", "name": "Management", "type": "STANDARD_PORTGROUP"},
        {"network": "dvportgroup-13", "name": "Workload", "type": "DISTRIBUTED_PORTGROUP"},
    ],
    "/api/vcenter/storage/policies": [{"policy": "p-gold", "name": "gold"}, {"policy": "p-silver", "name": "silver"}],
    "/api/content/library": ["lib-1", "lib-2"],
    "/api/content/library/lib-1": {"id": "lib-1", "name": "images"},
    "/api/content/library/lib-2": {"id": "lib-2", "name": "tkg-content"},
}


class FakeWcp:
    """vCenter's REST API for clusters C1 (domain-c1) and C2 (domain-c2), recording every call.

    A Supervisor moves on one step per read of its Info: CONFIGURING lasts
    ``polls_to_run`` reads, then it is RUNNING, or ERROR with ``enable_error``;
    REMOVING lasts ``polls_to_remove`` reads, then it is gone.
    """

    def __init__(self):
        self.supervisors = {}
        self.calls = []
        self.polls_to_run = 2
        self.polls_to_remove = 2
        self.enable_error = None
        self.incompatible = {}  # cluster id -> why ClusterCompatibility says it is not compatible
        self.version = "7.0.3.00300"
        self.bodies = []
        self.polls_to_upgrade = 2
        self.upgrade_error = None

    # -- the REST client's interface ------------------------------------------

    def get(self, path, *, params=None, what=None):
        self.calls.append(("GET", path))
        if path == VERSION_PATH:
            return {"product": "VMware vCenter Server", "version": self.version, "build": "1"}
        if path in CATALOG:
            return copy.deepcopy(CATALOG[path])
        if path == COMPATIBILITY_PATH:
            return [{"cluster": c["cluster"], "compatible": c["cluster"] not in self.incompatible,
                     "incompatibility_reasons": [{"id": "x", "default_message": self.incompatible[c["cluster"]], "args": []}]
                     if c["cluster"] in self.incompatible else []} for c in CATALOG["/api/vcenter/cluster"]]
        if path == SOFTWARE_PATH:
            return [dict(self._software(s), cluster=cluster_id, cluster_name=s["name"]) for cluster_id, s in self.supervisors.items()]
        if path.startswith(SOFTWARE_PATH + "/"):
            supervisor = self.supervisors[path.rsplit("/", 1)[1]]
            self._advance_upgrade(supervisor)
            return self._software(supervisor)
        if path == CLUSTERS_PATH:
            return [
                {"cluster": cluster_id, "cluster_name": s["name"], "config_status": s["info"]["config_status"], "kubernetes_status": "READY"}
                for cluster_id, s in self.supervisors.items()
            ]
        cluster_id = path.rsplit("/", 1)[1]
        supervisor = self.supervisors.get(cluster_id)
        if supervisor is None:
            raise NotFoundError(f"Cluster {cluster_id} does not have vSphere Namespaces enabled.", error_type="NOT_FOUND", status=404)
        self._advance(cluster_id, supervisor)
        if cluster_id not in self.supervisors:
            raise NotFoundError(f"Cluster {cluster_id} does not have vSphere Namespaces enabled.", error_type="NOT_FOUND", status=404)
        return copy.deepcopy(supervisor["info"])

    def vcenter_version(self):
        # As RestClient: read once per client.
        if not hasattr(self, "_version_read"):
            self._version_read = self.get(VERSION_PATH)["version"]
        return self._version_read

    def post(self, path, *, params=None, json=None, what=None, read_back=None):
        self.calls.append(("POST", f"{path}?action={params['action']}"))
        self.bodies.append(json)
        cluster_id = path.rsplit("/", 1)[1]
        if params["action"] == "upgrade":
            supervisor = self.supervisors[cluster_id]
            assert path.startswith(SOFTWARE_PATH) and "upgrading_to" not in supervisor, "vCenter answers UNSUPPORTED"
            assert json["desired_version"] in OFFERED[supervisor.get("version", V1_26)], "vCenter answers UNSUPPORTED"
            supervisor.update(upgrading_to=json["desired_version"], upgrade_countdown=self.polls_to_upgrade)
            return
        if params["action"] == "enable_on_compute_cluster":
            assert path.startswith(SUPERVISORS_PATH) and not self.version.startswith("7."), "vCenter 7.0 has no Supervisors API"
            self.supervisors[cluster_id] = {"name": json["name"], "info": {"config_status": "CONFIGURING", "size_hint": json["control_plane"]["size"]},
                                            "countdown": self.polls_to_run, "next": "RUNNING"}
        elif params["action"] == "enable":
            assert cluster_id not in self.supervisors, "vCenter answers ALREADY_EXISTS"
            name = next(c["name"] for c in CATALOG["/api/vcenter/cluster"] if c["cluster"] == cluster_id)
            self.supervisors[cluster_id] = {
                "name": name,
                "info": _info(json),
                "countdown": self.polls_to_run,
                "next": "ERROR" if self.enable_error else "RUNNING",
            }
        else:
            self.supervisors[cluster_id].update(countdown=self.polls_to_remove, next=None)
            self.supervisors[cluster_id]["info"]["config_status"] = "REMOVING"

    def patch(self, path, *, params=None, json=None, what=None):
        self.calls.append(("PATCH", path))
        supervisor = self.supervisors[path.rsplit("/", 1)[1]]
        info = supervisor["info"]
        assert info["config_status"] in ("RUNNING", "ERROR"), "vCenter answers NOT_ALLOWED_IN_CURRENT_STATE"
        if json.get("size_hint", info["size_hint"]) != info["size_hint"]:
            supervisor.update(countdown=self.polls_to_run, next="RUNNING")
            info["config_status"] = "CONFIGURING"
        info.update(json)

    # -- helpers for the tests ---------------------------------------------------

    def _software(self, supervisor):
        version = supervisor.get("version", V1_26)
        software = {"current_version": version, "available_versions": OFFERED[version], "messages": supervisor.get("upgrade_messages", []),
                    "state": "ERROR" if supervisor.get("upgrade_messages") else "READY"}
        if "upgrading_to" in supervisor:
            software.update(state="PENDING", upgrade_status={"desired_version": supervisor["upgrading_to"], "messages": []})
        return software

    def _advance_upgrade(self, supervisor):
        if "upgrading_to" not in supervisor:
            return
        supervisor["upgrade_countdown"] -= 1
        if supervisor["upgrade_countdown"] > 0:
            return
        target = supervisor.pop("upgrading_to")
        if self.upgrade_error:
            supervisor["upgrade_messages"] = [{"severity": "ERROR", "details": {"id": "wcp.upgrade", "default_message": self.upgrade_error, "args": []}}]
        else:
            supervisor["version"] = target

    def _advance(self, cluster_id, supervisor):
        if supervisor["info"]["config_status"] not in ("CONFIGURING", "REMOVING"):
            return
        supervisor["countdown"] -= 1
        if supervisor["countdown"] > 0:
            return
        if supervisor["next"] is None:
            del self.supervisors[cluster_id]
            return
        supervisor["info"]["config_status"] = supervisor["next"]
        if supervisor["next"] == "ERROR":
            supervisor["info"]["messages"] = [{"severity": "ERROR", "details": {"id": "wcp.error", "default_message": self.enable_error, "args": []}}]

    def running(self, spec, cluster_id="domain-c1"):
        """Enable ``spec`` directly, as RUNNING."""
        self.post(f"{CLUSTERS_PATH}/{cluster_id}", params={"action": "enable"}, json=spec)
        self.supervisors[cluster_id]["info"]["config_status"] = "RUNNING"
        self.calls.clear()

    def mutations(self):
        return [call for call in self.calls if call[0] != "GET"]

    def reads(self, path=None):
        return [call[1] for call in self.calls if call[0] == "GET" and (path is None or call[1] == path)]


def _info(spec):
    """Clusters.Info as vCenter answers it: the spec without secrets, the load balancer as LoadBalancers.Info."""
    info = {key: value for key, value in copy.deepcopy(spec).items() if key not in ("workload_networks_spec", "load_balancer_config_spec")}
    info["workload_networks"] = {"supervisor_primary_workload_network": spec["workload_networks_spec"]["supervisor_primary_workload_network"]}
    balancer = spec["load_balancer_config_spec"]
    config = balancer["ha_proxy_config_create_spec"]
    info["load_balancers"] = [
        {
            "id": balancer["id"],
            "provider": balancer["provider"],
            "address_ranges": balancer["address_ranges"],
            "ha_proxy_info": {
                "servers": config["servers"],
                "username": config["username"],
                "certificate_authority_chain": config["certificate_authority_chain"],
            },
        }
    ]
    info.update(config_status="CONFIGURING", kubernetes_status="WARNING", messages=[], api_server_cluster_endpoint="192.168.30.64")
    return info


class FakeVim:
    """vim25 as WorkloadManagement reads it: the hosts of C1 and C2 and three control-plane VMs per Supervisor."""

    def __init__(self, wcp):
        self.wcp = wcp
        self.retrievals = 0

    @contextmanager
    def session(self):
        yield self

    def retrieve_many(self, kinds):
        self.retrievals += 1
        clusters = [{"moid": "domain-c1", "name": "C1", "host": ["host-1", "host-2", "host-3"]}, {"moid": "domain-c2", "name": "C2", "host": ["host-4"]}]
        hosts = [{"moid": f"host-{n}", "name": f"esx-{n}"} for n in range(1, 5)]
        vms = [{"moid": "vm-0", "name": "SupervisorControlPlaneVM (1)", "runtime.host": None}]
        for cluster in clusters:
            if cluster["moid"] in self.wcp.supervisors:
                vms += [
                    {"moid": f"vm-{host}", "name": f"SupervisorControlPlaneVM ({n})", "runtime.host": host}
                    for n, host in enumerate(reversed(cluster["host"]), 1)
                ]
        return {"ClusterComputeResource": clusters, "HostSystem": hosts, "VirtualMachine": vms + [{"moid": "vm-9", "name": "web", "runtime.host": "host-1"}]}


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def wcp():
    return FakeWcp()


@pytest.fixture
def vim(wcp):
    return FakeVim(wcp)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def workload_management(wcp, vim, clock):
    return WorkloadManagement(wcp, vim.session, clock=clock, sleep=clock.sleep)


def spec(**changes):
    options = dict(
        cluster="C1",
        size="tiny",
        management_network=dict(network="Management", starting_address="192.168.10.10", subnet_mask="255.255.255.0", gateway="192.168.10.1"),
        dns_servers=["192.168.10.2"],
        workload_network=dict(
            portgroup="Workload", address_ranges=[{"address": "192.168.20.100", "count": 50}], gateway="192.168.20.1", subnet_mask="255.255.255.0"
        ),
        load_balancer=dict(
            type="haproxy",
            endpoint="192.168.30.5",
            address_ranges=[{"address": "192.168.30.64", "count": 64}],
            username="admin",
            password="secret",
            ca_certificate=PEM,
        ),
        storage_policies=dict(control_plane="gold"),
        content_library="tkg-content",
    )
    options.update(changes)
    return SupervisorSpec(**options)


def enabled(wcp, workload_management, desired):
    """Put the Supervisor of ``desired`` in place as RUNNING, through the module's own plan."""
    plan = workload_management.plan(desired, workload_management.read(desired.cluster))
    wcp.running(plan.body, plan.state.cluster_id)


# -- enable ----------------------------------------------------------------------------


def test_on_vcenter_8_the_supervisors_api_enables_with_the_same_settings(wcp, workload_management):
    wcp.version = "8.0.3.00000"
    plan = workload_management.plan(spec(), workload_management.read("C1"))
    assert wcp.mutations() == [] and len(wcp.reads(VERSION_PATH)) == 1
    workload_management.apply(plan)

    assert wcp.mutations() == [("POST", f"{SUPERVISORS_PATH}/domain-c1?action=enable_on_compute_cluster")]
    (body,) = wcp.bodies
    assert body == enable_on_compute_cluster_body(plan.body, "C1")
    control_plane, workloads = body["control_plane"], body["workloads"]
    assert control_plane["size"] == "TINY" and control_plane["network"]["ip_management"]["gateway_address"] == "192.168.10.1/24"
    assert control_plane["network"]["ip_management"]["ip_assignments"] == [{"assignee": "NODE", "ranges": [{"address": "192.168.10.10", "count": 5}]}]
    assert workloads["network"]["ip_management"]["ip_assignments"][1] == {"assignee": "SERVICE", "ranges": [{"address": "10.96.0.0", "count": 512}]}
    assert workloads["edge"]["provider"] == "HAPROXY" and workloads["edge"]["haproxy"]["password"] == "secret"
    assert workloads["images"] == {"kubernetes_content_library": plan.body["default_kubernetes_service_content_library"]}
    workload_management.plan(spec(cluster="C2"), workload_management.read("C2"))
    assert len(wcp.reads(VERSION_PATH)) == 1  # read once per client


def test_enable_posts_the_enable_spec_and_waits_until_running(wcp, vim, workload_management, clock):
    desired = spec()
    state = workload_management.read("C1")
    plan = workload_management.plan(desired, state)

    assert plan.changed and plan.item.action == "create"
    assert wcp.mutations() == []
    after = workload_management.apply(plan)

    assert wcp.mutations() == [("POST", f"{CLUSTERS_PATH}/domain-c1?action=enable")]
    assert after.status == "RUNNING"
    assert clock.sleeps == [1.0]
    (supervisor,) = workload_management.describe([after])
    assert supervisor["config_status"] == "RUNNING"
    assert supervisor["control_plane_vms"] == [
        {"name": "SupervisorControlPlaneVM (1)", "host": "esx-3"},
        {"name": "SupervisorControlPlaneVM (2)", "host": "esx-2"},
        {"name": "SupervisorControlPlaneVM (3)", "host": "esx-1"},
    ]
    assert vim.retrievals == 1


def test_an_incompatible_cluster_is_refused_before_any_change_naming_vcenters_reasons(wcp, workload_management):
    wcp.incompatible["domain-c1"] = "DRS is not enabled on cluster 'C1'"

    with pytest.raises(InvalidArgumentError) as refused:
        workload_management.plan(spec(), workload_management.read("C1"))

    assert str(refused.value) == ("Cannot enable Workload Management for cluster 'C1': cluster 'C1' is not compatible with"
                                  " Workload Management: DRS is not enabled on cluster 'C1'")
    assert wcp.mutations() == []
    workload_management.plan(spec(cluster="C2"), workload_management.read("C2"))  # another cluster is fine
    assert len(wcp.reads(COMPATIBILITY_PATH)) == 1  # read once per client


def test_the_enable_plan_shows_every_option_with_the_password_masked(workload_management):
    plan = workload_management.plan(spec(), workload_management.read("C1"))

    after = plan.item.after
    assert after["load_balancer"]["password"] == MASKED
    assert after["storage_policies"] == {"control_plane": "gold", "ephemeral": "gold", "image": "gold"}
    assert after["service_cidr"] == "10.96.0.0/23"
    assert "secret" not in repr(plan.item.as_dict())
    assert plan.body["load_balancer_config_spec"]["ha_proxy_config_create_spec"]["password"] == "secret"


def test_enable_without_wait_returns_at_once(wcp, workload_management, clock):
    after = workload_management.apply(workload_management.plan(spec(wait=False), workload_management.read("C1")))

    assert after.status == "CONFIGURING"
    assert clock.sleeps == []


def test_an_enable_that_ends_in_error_reports_vcenters_message(wcp, workload_management):
    wcp.enable_error = "Failed to enable the Supervisor: InstallationError: boom"
    plan = workload_management.plan(spec(), workload_management.read("C1"))

    with pytest.raises(SupervisorFailed) as raised:
        workload_management.apply(plan)

    assert raised.value.changed
    assert raised.value.state.status == "ERROR"
    assert "vCenter reports ERROR: Failed to enable the Supervisor: InstallationError: boom" in raised.value.message
    assert raised.value.state.summary()["messages"] == [{"severity": "ERROR", "message": "Failed to enable the Supervisor: InstallationError: boom"}]


def test_a_timeout_returns_the_status_reached(wcp, workload_management):
    wcp.polls_to_run = 1000
    plan = workload_management.plan(spec(wait_timeout=10), workload_management.read("C1"))

    with pytest.raises(SupervisorFailed) as raised:
        workload_management.apply(plan)

    assert raised.value.changed
    assert raised.value.state.status == "CONFIGURING"
    assert raised.value.message.startswith("Timed out after 10")
    assert "(last seen: CONFIGURING)" in raised.value.message


def test_unknown_names_are_all_reported_before_any_change(wcp, workload_management):
    desired = spec(storage_policies={"control_plane": "platinum"}, content_library="tkc")

    with pytest.raises(InvalidArgumentError) as raised:
        workload_management.plan(desired, workload_management.read("C1"))

    assert raised.value.message == (
        "Invalid Workload Management settings for cluster 'C1':"
        " storage_policies.control_plane: storage policy 'platinum' not found (known: gold, silver);"
        " content_library: content library 'tkc' not found (known: images, tkg-content)"
    )
    assert wcp.mutations() == []


def test_an_unknown_cluster_lists_the_known_ones(workload_management):
    with pytest.raises(NotFoundError, match=r"^cluster: cluster 'C9' not found \(known: C1, C2\)$"):
        workload_management.read("C9")


# -- an enabled Supervisor ------------------------------------------------------------


def test_the_same_options_again_change_nothing_with_a_fixed_number_of_reads(wcp, vim, workload_management, clock):
    enabled(wcp, workload_management, spec())
    workload_management = WorkloadManagement(wcp, vim.session, clock=clock, sleep=clock.sleep)

    state = workload_management.read("C1")
    plan = workload_management.plan(spec(), state)
    workload_management.apply(plan)

    assert not plan.changed and plan.item.action == "none"
    assert plan.item.before == plan.item.after
    assert wcp.mutations() == []
    assert sorted(wcp.reads()) == sorted(
        [
            "/api/vcenter/cluster",
            f"{CLUSTERS_PATH}/domain-c1",
            "/api/vcenter/network",
            "/api/vcenter/storage/policies",
            "/api/content/library",
            "/api/content/library/lib-1",
            "/api/content/library/lib-2",
        ]
    )
    assert clock.sleeps == []


def test_unset_options_are_not_compared(wcp, workload_management):
    enabled(wcp, workload_management, spec(ntp_servers=["pool.ntp.org"]))

    plan = workload_management.plan(SupervisorSpec(cluster="C1", dns_servers=["192.168.10.2"]), workload_management.read("C1"))

    assert not plan.changed
    assert plan.item.before == {"dns_servers": ["192.168.10.2"]}
    assert "/api/vcenter/network" not in wcp.reads()


def test_name_servers_policies_and_library_change_in_place_with_one_patch(wcp, workload_management):
    enabled(wcp, workload_management, spec())
    desired = spec(dns_servers=["192.168.10.3"], storage_policies={"control_plane": "gold", "image": "silver"}, content_library="images")

    plan = workload_management.plan(desired, workload_management.read("C1"))
    after = workload_management.apply(plan)

    assert plan.item.action == "update"
    assert plan.item.reasons == (
        "dns_servers: ['192.168.10.2'] -> ['192.168.10.3']",
        "storage_policies.image: gold -> silver",
        "content_library: tkg-content -> images",
    )
    assert plan.item.before == {"dns_servers": ["192.168.10.2"], "storage_policies": {"image": "gold"}, "content_library": "tkg-content"}
    assert plan.body == {"master_DNS": ["192.168.10.3"], "image_storage": {"storage_policy": "p-silver"}, "default_kubernetes_service_content_library": "lib-1"}
    assert wcp.mutations() == [("PATCH", f"{CLUSTERS_PATH}/domain-c1")]
    assert after.status == "RUNNING"


def test_a_resize_waits_until_running_again(wcp, workload_management, clock):
    enabled(wcp, workload_management, spec())

    after = workload_management.apply(workload_management.plan(spec(size="large"), workload_management.read("C1")))

    assert wcp.mutations() == [("PATCH", f"{CLUSTERS_PATH}/domain-c1")]
    assert after.info["size_hint"] == "LARGE" and after.status == "RUNNING"
    assert len(clock.sleeps) == 1


def test_a_change_that_forces_reenabling_is_refused_without_allow_reenable(wcp, workload_management):
    enabled(wcp, workload_management, spec())
    desired = spec(service_cidr="10.97.0.0/23", dns_servers=["192.168.10.3"])

    with pytest.raises(SupervisorFailed) as raised:
        workload_management.plan(desired, workload_management.read("C1"))

    assert raised.value.message.startswith(
        "Cannot change Workload Management on cluster 'C1' in place: service_cidr: 10.96.0.0/23 -> 10.97.0.0/23: vCenter cannot change this"
    )
    assert "set allow_reenable: true" in raised.value.message
    assert not raised.value.changed
    assert raised.value.item.reasons == (
        "service_cidr: 10.96.0.0/23 -> 10.97.0.0/23 (forces disable + re-enable)",
        "dns_servers: ['192.168.10.2'] -> ['192.168.10.3']",
    )
    assert wcp.mutations() == []


def test_allow_reenable_disables_waits_and_enables_again_keeping_unset_options(wcp, workload_management):
    enabled(wcp, workload_management, spec(ntp_servers=["pool.ntp.org"]))
    desired = SupervisorSpec(cluster="C1", service_cidr="10.97.0.0/23", load_balancer={"password": "secret"}, allow_reenable=True)

    plan = workload_management.plan(desired, workload_management.read("C1"))
    after = workload_management.apply(plan)

    assert plan.forces_reenable and plan.item.action == "update"
    assert plan.item.after["service_cidr"] == "10.97.0.0/23"
    assert plan.item.after["ntp_servers"] == ["pool.ntp.org"]
    assert plan.item.after["load_balancer"]["password"] == MASKED
    assert plan.body["master_NTP_servers"] == ["pool.ntp.org"]
    assert plan.body["master_management_network"]["network"] == "network-7"
    assert plan.body["default_kubernetes_service_content_library"] == "lib-2"
    assert wcp.mutations() == [("POST", f"{CLUSTERS_PATH}/domain-c1?action=disable"), ("POST", f"{CLUSTERS_PATH}/domain-c1?action=enable")]
    assert after.status == "RUNNING"
    assert after.info["service_cidr"] == {"address": "10.97.0.0", "prefix": 23}


def test_reenabling_needs_the_password_again(wcp, workload_management):
    enabled(wcp, workload_management, spec())

    with pytest.raises(InvalidArgumentError, match="load_balancer.password: required for re-enabling"):
        workload_management.plan(SupervisorSpec(cluster="C1", service_cidr="10.97.0.0/23", allow_reenable=True), workload_management.read("C1"))


def test_a_supervisor_in_error_is_reported_unless_reenabling_is_allowed(wcp, workload_management):
    wcp.enable_error = "Failed to enable the Supervisor: boom"
    plan = workload_management.plan(spec(), workload_management.read("C1"))
    with pytest.raises(SupervisorFailed):
        workload_management.apply(plan)
    wcp.enable_error = None
    wcp.calls.clear()

    with pytest.raises(SupervisorFailed) as raised:
        workload_management.plan(spec(), workload_management.read("C1"))
    assert raised.value.message.startswith("Workload Management on cluster 'C1' is in ERROR: Failed to enable the Supervisor: boom:")
    assert wcp.mutations() == []

    plan = workload_management.plan(spec(allow_reenable=True), workload_management.read("C1"))
    after = workload_management.apply(plan)
    assert plan.item.reasons == ("config_status is ERROR (Failed to enable the Supervisor: boom)",)
    assert [call[0] for call in wcp.mutations()] == ["POST", "POST"]
    assert after.status == "RUNNING"


def test_a_change_while_configuring_waits_for_running_first(wcp, workload_management):
    enabled(wcp, workload_management, spec())
    wcp.supervisors["domain-c1"].update(countdown=3, next="RUNNING")
    wcp.supervisors["domain-c1"]["info"]["config_status"] = "CONFIGURING"

    plan = workload_management.plan(spec(dns_servers=["192.168.10.9"]), workload_management.read("C1"))
    workload_management.apply(plan)

    assert plan.settle == "CONFIGURING"
    assert wcp.mutations() == [("PATCH", f"{CLUSTERS_PATH}/domain-c1")]
    assert wcp.supervisors["domain-c1"]["info"]["master_DNS"] == ["192.168.10.9"]


def test_a_change_while_configuring_without_wait_is_refused(wcp, workload_management):
    enabled(wcp, workload_management, spec())
    wcp.supervisors["domain-c1"]["info"]["config_status"] = "CONFIGURING"

    with pytest.raises(SupervisorFailed, match="is CONFIGURING and vCenter changes it only once RUNNING"):
        workload_management.plan(spec(dns_servers=["192.168.10.9"], wait=False), workload_management.read("C1"))


def test_enabling_while_removing_waits_for_the_removal(wcp, workload_management):
    enabled(wcp, workload_management, spec())
    wcp.post(f"{CLUSTERS_PATH}/domain-c1", params={"action": "disable"})
    wcp.calls.clear()

    plan = workload_management.plan(spec(), workload_management.read("C1"))
    after = workload_management.apply(plan)

    assert plan.item.action == "create" and plan.settle == "REMOVING"
    assert wcp.mutations() == [("POST", f"{CLUSTERS_PATH}/domain-c1?action=enable")]
    assert after.status == "RUNNING"


# -- disable ----------------------------------------------------------------------------


def test_disable_waits_until_removed_and_a_second_disable_changes_nothing(wcp, workload_management):
    enabled(wcp, workload_management, spec())

    plan = workload_management.plan(SupervisorSpec(cluster="C1", state="disabled"), workload_management.read("C1"))
    after = workload_management.apply(plan)

    assert plan.item.action == "delete"
    assert plan.item.before["management_network"]["network"] == "Management"
    assert "password" not in plan.item.before["load_balancer"]
    assert after.info is None
    assert wcp.mutations() == [("POST", f"{CLUSTERS_PATH}/domain-c1?action=disable")]
    assert workload_management.describe([after]) == []

    wcp.calls.clear()
    again = workload_management.plan(SupervisorSpec(cluster="C1", state="disabled"), workload_management.read("C1"))
    workload_management.apply(again)
    assert not again.changed
    assert wcp.mutations() == []


# -- listing ----------------------------------------------------------------------------


def test_list_returns_every_supervisor_and_describe_reads_vms_once(wcp, vim, workload_management):
    enabled(wcp, workload_management, spec())
    enabled(wcp, workload_management, spec(cluster="C2", management_network={**spec().management_network, "starting_address": "192.168.10.20"}))

    states = workload_management.list()
    supervisors = workload_management.describe(states)

    assert [s["cluster"] for s in supervisors] == ["C1", "C2"]
    assert [len(s["control_plane_vms"]) for s in supervisors] == [3, 1]
    assert vim.retrievals == 1


def test_list_of_one_cluster(wcp, vim, workload_management):
    enabled(wcp, workload_management, spec())

    assert [state.cluster for state in workload_management.list("C1")] == ["C1"]
    assert workload_management.list("C2") == []
    with pytest.raises(NotFoundError, match="cluster 'C9' not found"):
        workload_management.list("C9")
    assert workload_management.describe([]) == []
    assert vim.retrievals == 0


class FakeSupervisorsApi:
    """vCenter 8's Supervisors summaries and topologies: one Supervisor on three zones, one on a cluster of its own."""

    TOPOLOGIES = {
        "sv-zonal": [{"zone": f"zone-{letter}", "clusters": [f"domain-c{index}"]} for index, letter in enumerate("abc", 1)],
        "sv-single": [{"zone": "zone-domain-c4", "clusters": ["domain-c4"]}],
    }

    def __init__(self):
        self.calls = []

    def get(self, path, *, params=None, what=None):
        self.calls.append(path)
        if path == f"{SUPERVISORS_PATH}/summaries":
            return {"items": [{"supervisor": supervisor, "info": {"name": supervisor}} for supervisor in self.TOPOLOGIES]}
        return copy.deepcopy(self.TOPOLOGIES[path.split("/")[-2]])


def test_the_zones_of_every_supervisor_are_read_once_however_many_are_asked_for():
    rest = FakeSupervisorsApi()
    wcp = WorkloadManagement(rest, vim_session=None)

    assert wcp.live_zones("domain-c1") == ["zone-a", "zone-b", "zone-c"]
    assert wcp.live_zones("domain-c3") == ["zone-a", "zone-b", "zone-c"]  # any of its clusters names the Supervisor
    assert wcp.live_zones("domain-c4") == ["zone-domain-c4"]
    assert wcp.live_zones("domain-c9") == []
    # One list of summaries and one topology per Supervisor, not one pass over them per question.
    assert sorted(rest.calls) == sorted([f"{SUPERVISORS_PATH}/summaries", f"{SUPERVISORS_PATH}/sv-zonal/topology", f"{SUPERVISORS_PATH}/sv-single/topology"])


# -- the Supervisor version (vCenter's software API) ------------------------------------------------


def test_an_upgrade_is_planned_in_place_naming_both_versions_and_applied_with_one_call(wcp, workload_management):
    enabled(wcp, workload_management, spec())
    wcp.calls.clear()
    plan = workload_management.plan(spec(kubernetes_version="v1.27"), workload_management.read("C1"))

    assert (plan.item.action, plan.item.before, plan.item.after) == ("update", {"kubernetes_version": V1_26}, {"kubernetes_version": V1_27_2})
    assert plan.item.reasons == (f"kubernetes_version: {V1_26} -> {V1_27_2}",)  # the newest of the v1.27 offered
    assert wcp.mutations() == [] and wcp.reads(SOFTWARE_PATH) == [SOFTWARE_PATH]
    after = workload_management.apply(plan)

    assert wcp.mutations() == [("POST", f"{SOFTWARE_PATH}/domain-c1?action=upgrade")] and wcp.bodies[-1] == {"desired_version": V1_27_2}
    assert after.software.current == V1_27_2 and after.summary()["kubernetes_version"] == V1_27_2
    assert workload_management.plan(spec(kubernetes_version="v1.27"), workload_management.read("C1")).item.action == "none"


def test_the_version_running_is_no_change_and_a_full_version_is_matched_whole(wcp, workload_management):
    enabled(wcp, workload_management, spec())
    for wanted in ("v1.26", "v1.26.13", V1_26, "1.26"):
        plan = workload_management.plan(spec(kubernetes_version=wanted), workload_management.read("C1"))
        assert (plan.item.action, plan.item.after) == ("none", {**plan.item.before, "kubernetes_version": V1_26}), wanted
    workload_management.apply(plan)
    assert wcp.mutations() == []
    with pytest.raises(InvalidArgumentError, match="v1.2'"):
        workload_management.plan(spec(kubernetes_version="v1.2"), workload_management.read("C1"))  # v1.2 is no prefix of v1.26


@pytest.mark.parametrize(
    "wanted, why",
    [
        ("v1.28", "vCenter does not offer it; a Supervisor is upgraded one minor version at a time"),
        ("v1.25", "vCenter does not downgrade a Supervisor"),
        ("v1.27.12", "vCenter does not offer it"),
    ],
)
def test_a_version_vcenter_does_not_offer_is_refused_before_any_change_listing_what_it_offers(wcp, workload_management, wanted, why):
    enabled(wcp, workload_management, spec())
    with pytest.raises(InvalidArgumentError) as refused:
        workload_management.plan(spec(kubernetes_version=wanted), workload_management.read("C1"))
    assert str(refused.value).startswith(f"kubernetes_version: '{wanted}' for the Supervisor of cluster 'C1', which runs {V1_26}: {why}")
    assert str(refused.value).endswith(f"(it offers: {V1_27}, {V1_27_2})")
    assert wcp.mutations() == []


def test_a_malformed_version_and_one_without_wait_are_refused_naming_the_option(workload_management):
    for desired, message in ((spec(kubernetes_version="latest"), "kubernetes_version: 'latest' is not a Supervisor version"),
                             (spec(kubernetes_version="v1.27", wait=False), "kubernetes_version: needs wait: true")):
        with pytest.raises(InvalidArgumentError, match=message):
            workload_management.plan(desired, workload_management.read("C1"))


def test_an_upgrade_under_way_to_the_version_asked_is_waited_for_not_asked_again(wcp, workload_management):
    enabled(wcp, workload_management, spec())
    wcp.post(f"{SOFTWARE_PATH}/domain-c1", params={"action": "upgrade"}, json={"desired_version": V1_27})
    wcp.polls_to_upgrade, wcp.supervisors["domain-c1"]["upgrade_countdown"] = 3, 3
    wcp.calls.clear()
    plan = workload_management.plan(spec(kubernetes_version="v1.27"), workload_management.read("C1"))

    assert plan.item.reasons == (f"kubernetes_version: {V1_26} -> {V1_27} (upgrade under way)",)
    after = workload_management.apply(plan)
    assert wcp.mutations() == [] and after.software.current == V1_27
    with pytest.raises(InvalidArgumentError, match="an upgrade to .* is under way"):
        wcp.post(f"{SOFTWARE_PATH}/domain-c1", params={"action": "upgrade"}, json={"desired_version": V1_28})
        workload_management.plan(spec(kubernetes_version="v1.26"), workload_management.read("C1"))


def test_enabling_with_a_version_upgrades_once_running_to_the_version_resolved_then(wcp, workload_management):
    plan = workload_management.plan(spec(kubernetes_version="v1.27.11+vmware.1"), workload_management.read("C1"))
    assert plan.item.action == "create" and plan.item.after["kubernetes_version"] == "v1.27.11+vmware.1"
    assert wcp.reads(SOFTWARE_PATH) == []  # nothing runs yet: no version to read
    after = workload_management.apply(plan)

    assert wcp.mutations() == [("POST", f"{CLUSTERS_PATH}/domain-c1?action=enable"), ("POST", f"{SOFTWARE_PATH}/domain-c1?action=upgrade")]
    assert wcp.bodies[-1] == {"desired_version": V1_27} and after.software.current == V1_27


def test_an_upgrade_that_ends_in_error_fails_with_vcenters_message(wcp, workload_management):
    enabled(wcp, workload_management, spec())
    wcp.upgrade_error = "Control plane VM upgrade failed"
    plan = workload_management.plan(spec(kubernetes_version="v1.27"), workload_management.read("C1"))
    with pytest.raises(SupervisorFailed) as failed:
        workload_management.apply(plan)
    assert str(failed.value) == f"Failed to upgrade the Supervisor of cluster 'C1' to {V1_27_2}: it runs {V1_26}: Control plane VM upgrade failed"
    assert failed.value.changed and failed.value.state.software.state == "ERROR"
