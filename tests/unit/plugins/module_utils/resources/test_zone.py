"""Zones, and a Supervisor's zones, over a fake vCenter 8 REST API that answers in the Zones API's shapes."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import VERSION_PATH
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor import WorkloadManagement
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import SupervisorSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.zone import ZONES_PATH, ZoneFailed, Zones, ZoneSpec

CLUSTERS = [{"cluster": f"domain-c{index}", "name": f"C{index}"} for index in range(1, 5)]


class FakeZonesApi:
    """Zones and their one cluster each, as vCenter 8 keeps them; every call recorded."""

    def __init__(self, version="8.0.3.00000"):
        self.version = version
        self.zones = {}  # name -> {"description", "clusters"}
        self.calls = []
        self.busy = set()  # zones a Supervisor runs on

    def vcenter_version(self):
        self.calls.append(("GET", VERSION_PATH))
        return self.version

    def get(self, path, *, params=None, what=None):
        self.calls.append(("GET", path))
        if path == "/api/vcenter/cluster":
            return CLUSTERS
        if path == ZONES_PATH:
            return {"items": [{"zone": name, "info": {"description": zone["description"]}} for name, zone in self.zones.items()]}
        if path.endswith("/associations"):
            return list(self.zones[path.split("/")[-2]]["clusters"])
        return {"description": self.zones[path.rsplit("/", 1)[1]]["description"]}

    def post(self, path, *, params=None, json=None, what=None, idempotent=None, read_back=None):
        self.calls.append(("POST", path + (f"?action={params['action']}" if params else "")))
        if path == ZONES_PATH:
            self.zones[json["zone"]] = {"description": json["description"], "clusters": []}
            return json["zone"]
        zone = self.zones[path.split("/")[-2]]
        if params["action"] == "add":
            zone["clusters"] = sorted(set(zone["clusters"]) | set(json))
            return {"success": True, "failed_clusters": {}}
        if path.split("/")[-2] in self.busy:
            refusal = {"error_type": "NOT_ALLOWED_IN_CURRENT_STATE", "messages": [{"default_message": "a Supervisor runs on it"}]}
            return {"success": False, "failed_clusters": {json[0]: refusal}}
        zone["clusters"] = [cluster for cluster in zone["clusters"] if cluster not in json]
        return {"success": True, "failed_clusters": {}}

    def delete(self, path, *, params=None, what=None):
        self.calls.append(("DELETE", path))
        del self.zones[path.rsplit("/", 1)[1]]

    def mutations(self):
        return [call for call in self.calls if call[0] != "GET"]


def converge(api, spec):
    zones = Zones(api)
    live = zones.read_all()
    item = zones.plan(spec, live)
    if item.changed:
        zones.apply(spec, item, live)
    return item


def test_a_zone_is_created_and_bound_once_then_left_alone():
    api = FakeZonesApi()
    item = converge(api, ZoneSpec("zone-a", cluster="C2", description="rack a"))
    assert (item.action, item.after) == ("create", {"description": "rack a", "cluster": "C2"})
    assert api.mutations() == [("POST", ZONES_PATH), ("POST", f"{ZONES_PATH}/cluster/zone-a/associations?action=add")]
    assert api.zones == {"zone-a": {"description": "rack a", "clusters": ["domain-c2"]}}
    api.calls.clear()
    again = converge(api, ZoneSpec("zone-a", cluster="C2", description="rack a"))
    assert again.action == "none" and api.mutations() == []


def test_moving_a_zone_to_another_cluster_unbinds_then_binds():
    api = FakeZonesApi()
    converge(api, ZoneSpec("zone-a", cluster="C2"))
    api.calls.clear()
    item = converge(api, ZoneSpec("zone-a", cluster="C3"))
    assert item.action == "update" and item.reasons == ("cluster: 'C2' -> 'C3'",)
    associations = f"{ZONES_PATH}/cluster/zone-a/associations"
    assert [call[1] for call in api.mutations()] == [f"{associations}?action=remove", f"{associations}?action=add"]
    assert api.zones["zone-a"]["clusters"] == ["domain-c3"]


def test_a_new_description_replaces_the_zone():
    api = FakeZonesApi()
    converge(api, ZoneSpec("zone-a", cluster="C2", description="old"))
    item = converge(api, ZoneSpec("zone-a", description="new"))
    assert (item.action, item.forces) == ("replace", ("description",))
    assert api.zones["zone-a"] == {"description": "new", "clusters": ["domain-c2"]}


@pytest.mark.parametrize(
    "spec, message",
    [
        (ZoneSpec("Zone_A", cluster="C2"), "name: 'Zone_A' is not a zone name"),
        (ZoneSpec("zone-b", cluster="C2"), "cluster: cluster 'C2' belongs to zone 'zone-a'"),
        (ZoneSpec("zone-b", cluster="C9"), "cluster"),
    ],
)
def test_what_vcenter_would_refuse_is_refused_before_any_change(spec, message):
    api = FakeZonesApi()
    converge(api, ZoneSpec("zone-a", cluster="C2"))
    api.calls.clear()
    with pytest.raises(InvalidArgumentError) as raised:
        converge(api, spec)
    assert message in raised.value.message
    assert api.mutations() == []


def test_on_vcenter_7_zones_are_refused_naming_the_release():
    api = FakeZonesApi(version="7.0.3.00300")
    with pytest.raises(InvalidArgumentError) as raised:
        Zones(api).read_all()
    assert raised.value.message == "vSphere Zones need vCenter 8.0 or later; this vCenter is 7.0.3.00300"


def test_a_zone_a_supervisor_runs_on_is_not_deleted():
    api = FakeZonesApi()
    converge(api, ZoneSpec("zone-a", cluster="C2"))
    api.busy.add("zone-a")
    with pytest.raises(ZoneFailed) as raised:
        converge(api, ZoneSpec("zone-a", state="absent"))
    assert "could not unbind cluster 'C2' and zone 'zone-a': a Supervisor runs on it" in raised.value.message
    assert "zone-a" in api.zones


def _supervisor_on(zones):
    return SupervisorSpec(cluster=None, zones=zones)


@pytest.mark.parametrize(
    "version, zones, message",
    [
        ("7.0.3.00300", ["zone-a"], "zones: vSphere Zones need vCenter 8.0 or later; this vCenter is 7.0.3.00300"),
        ("8.0.3.00000", ["zone-a", "zone-x", "zone-c"], "zones[1]: zone 'zone-x' not found (known: zone-a, zone-b, zone-c, zone-e)"),
        ("8.0.3.00000", ["zone-a", "zone-b", "zone-e"], "zones[2]: zone 'zone-e' holds no cluster"),
    ],
)
def test_a_supervisor_on_zones_needs_vcenter_8_and_zones_that_hold_a_cluster(version, zones, message):
    api = FakeZonesApi(version)
    for name, cluster in (("zone-a", "domain-c2"), ("zone-b", "domain-c3"), ("zone-c", "domain-c4"), ("zone-e", None)):
        api.zones[name] = {"description": "", "clusters": [cluster] if cluster else []}
    with pytest.raises(InvalidArgumentError) as raised:
        WorkloadManagement(api, vim_session=None).on_zones(_supervisor_on(zones))
    assert message in raised.value.message
    assert api.mutations() == []


def test_a_supervisor_on_zones_is_read_through_its_first_zones_cluster():
    api = FakeZonesApi()
    for name, cluster in (("zone-a", "domain-c2"), ("zone-b", "domain-c3"), ("zone-c", "domain-c4")):
        api.zones[name] = {"description": "", "clusters": [cluster]}
    spec = WorkloadManagement(api, vim_session=None).on_zones(_supervisor_on(["zone-b", "zone-a", "zone-c"]))
    assert spec.cluster == "C3"


@pytest.mark.parametrize("zones, message", [(["a", "b"], "zones: 2 zones given"), (["a", "a", "b"], "zones: a zone is named twice")])
def test_zone_counts_are_checked_before_anything_is_read(zones, message):
    with pytest.raises(InvalidArgumentError) as raised:
        _supervisor_on(zones).validate()
    assert message in raised.value.message
