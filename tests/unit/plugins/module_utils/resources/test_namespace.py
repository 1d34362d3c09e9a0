"""Namespaces over a fake of the REST client: an in-memory vCenter that answers as the vSphere Automation API does."""

import copy
import re
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    NotFoundError,
    PacificError,
    ResourceBusyError,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import CREATE, DELETE, NONE, UPDATE
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.namespace import Namespaces, NamespaceSpec, namespace_vms

GOLD, SILVER = "policy-gold", "policy-silver"
TKG, LOCAL = "lib-tkg", "lib-local"
INSTANCES = "/api/vcenter/namespaces/instances"


class FakeRest:
    """Clusters C1 (domain-c1, Supervisor RUNNING) and C2 (domain-c2, none), two policies, two libraries, three VM classes.

    Every call is recorded as ``(method, path, params, json)``; PATCH merges as
    Instances.UpdateSpec does, the access sub-resource acts on one entry.
    """

    def __init__(self):
        self.connection = SimpleNamespace(endpoint="vc.example.com:443")
        self.clusters = [{"cluster": "domain-c1", "name": "C1"}, {"cluster": "domain-c2", "name": "C2"}]
        self.policies = [{"policy": GOLD, "name": "gold"}, {"policy": SILVER, "name": "silver"}]
        self.libraries = {TKG: "tkg-content", LOCAL: "local-images"}
        self.vm_classes = ["best-effort-small", "best-effort-medium", "guaranteed-small"]
        self.supervisors = {"domain-c1": "RUNNING"}
        self.namespaces = {}
        self.calls = []

    def add(self, name, **fields):
        info = {
            "cluster": "domain-c1",
            "config_status": "RUNNING",
            "messages": [],
            "stats": {"cpu_used": 0, "memory_used": 0, "storage_used": 0},
            "description": "",
            "resource_spec": {},
            "access_list": [],
            "storage_specs": [],
            "vm_service_spec": {"vm_classes": [], "content_libraries": []},
        }
        info.update(copy.deepcopy(fields))
        self.namespaces[name] = info
        return info

    @property
    def mutations(self):
        return [call for call in self.calls if call[0] != "GET"]

    @property
    def reads(self):
        return [call[1] for call in self.calls if call[0] == "GET"]

    def get(self, path, *, params=None, what=None):
        self.calls.append(("GET", path, params, None))
        if path == "/api/vcenter/cluster":
            return copy.deepcopy(self.clusters)
        if path == "/api/vcenter/storage/policies":
            return copy.deepcopy(self.policies)
        if path == "/api/vcenter/namespace-management/virtual-machine-classes":
            return [{"id": name, "cpu_count": 2} for name in self.vm_classes]
        if path == "/api/content/library":
            return list(self.libraries)
        if path.startswith("/api/content/library/"):
            return {"id": path.rsplit("/", 1)[1], "name": self.libraries[path.rsplit("/", 1)[1]]}
        if path.startswith("/api/vcenter/namespace-management/clusters/"):
            cluster = path.rsplit("/", 1)[1]
            if cluster not in self.supervisors:
                raise NotFoundError(f"Failed to {what}: NOT_FOUND")
            return {"cluster": cluster, "config_status": self.supervisors[cluster]}
        if path == INSTANCES:
            return [{"namespace": name, "cluster": info["cluster"]} for name, info in self.namespaces.items()]
        return copy.deepcopy(self._existing(path[len(INSTANCES) + 1 :], what))

    def post(self, path, *, params=None, json=None, what=None, read_back=None):
        self.calls.append(("POST", path, params, json))
        if path == INSTANCES:
            self.add(
                json["namespace"],
                cluster=json["cluster"],
                description=json.get("description", ""),
                resource_spec=json.get("resource_spec", {}),
                access_list=json.get("access_list", []),
                storage_specs=json.get("storage_specs", []),
                vm_service_spec={"vm_classes": [], "content_libraries": [], **json.get("vm_service_spec", {})},
            )
            return None
        info, entry, subject = self._access(path, params, what)
        if entry is not None:
            raise AlreadyExistsError(f"Failed to {what}: ALREADY_EXISTS")
        info["access_list"].append({**subject, "role": json["role"]})
        return None

    def put(self, path, *, params=None, json=None, what=None):
        self.calls.append(("PUT", path, params, json))
        _info, entry, _subject = self._access(path, params, what)
        entry["role"] = json["role"]

    def patch(self, path, *, params=None, json=None, what=None):
        self.calls.append(("PATCH", path, params, json))
        info = self._existing(path[len(INSTANCES) + 1 :], what)
        for field, value in json.items():
            if field != "resource_spec":
                info[field] = value
        for field, value in json.get("resource_spec", {}).items():
            if field.endswith("_unset"):
                info["resource_spec"].pop(field[: -len("_unset")], None)
            else:
                info["resource_spec"][field] = value

    def delete(self, path, *, params=None, what=None):
        self.calls.append(("DELETE", path, params, None))
        if "/access/" in path:
            info, entry, _subject = self._access(path, params, what)
            info["access_list"].remove(entry)
        else:
            self._existing(path[len(INSTANCES) + 1 :], what)
            del self.namespaces[path[len(INSTANCES) + 1 :]]

    def _existing(self, name, what):
        if name not in self.namespaces:
            raise NotFoundError(f"Failed to {what}: NOT_FOUND")
        return self.namespaces[name]

    def _access(self, path, params, what):
        name, domain, subject = map(unquote, re.match(rf"^{INSTANCES}/([^/]+)/access/([^/]+)/([^/]+)$", path).groups())
        info = self._existing(name, what)
        key = {"subject_type": params["type"], "subject": subject, "domain": domain}
        entry = next((item for item in info["access_list"] if all(item[field] == value for field, value in key.items())), None)
        if entry is None and not what.startswith("grant"):
            raise NotFoundError(f"Failed to {what}: NOT_FOUND")
        return info, entry, key


def access(principal, role, domain="vsphere.local", kind="USER"):
    return {"principal": principal, "domain": domain, "type": kind, "role": role}


def api_access(subject, role, domain="vsphere.local", kind="USER"):
    return {"subject_type": kind, "subject": subject, "domain": domain, "role": role}


FULL = dict(
    cluster="C1",
    description="Team A",
    cpu_limit="4GHz",
    memory_limit="64Gi",
    storage_limit="1Ti",
    storage_policies=[{"name": "silver"}, {"name": "gold", "limit": "100Gi"}],
    access=[access("alice", "EDIT"), access("devs", "VIEW", kind="GROUP")],
    vm_classes=["best-effort-small"],
    content_libraries=["tkg-content"],
)
FULL_INFO = dict(
    description="Team A",
    resource_spec={"cpu_limit": 4000, "memory_limit": 65536, "storage_request_limit": 1048576},
    storage_specs=[{"policy": GOLD, "limit": 102400}, {"policy": SILVER}],
    access_list=[api_access("alice", "EDIT"), api_access("devs", "VIEW", kind="GROUP")],
    vm_service_spec={"vm_classes": ["best-effort-small"], "content_libraries": [TKG]},
)


@pytest.fixture
def rest():
    return FakeRest()


def converge(rest, vms=(), **options):
    namespaces = Namespaces(rest, namespace_vms=lambda cluster, name: list(vms))
    plan = namespaces.plan(NamespaceSpec(name="team-a", **options))
    return plan, (namespaces.apply(plan) if plan.changed else plan.predicted())


# -- bad input fails before any call --------------------------------------------


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(name="Team_A"), "name 'Team_A' is not a DNS label"),
        (dict(name="a" * 64), "is not a DNS label"),
        (dict(name="team-a", cpu_limit=-1), "cpu_limit -1 is negative"),
        (dict(name="team-a", memory_limit="64G"), "memory_limit '64G' has an unknown unit 'G'"),
        (dict(name="team-a", storage_policies=[{"name": "gold", "limit": "lots"}]), "storage_policies[0].limit 'lots' is not a quantity"),
        (dict(name="team-a", storage_policies=[{"name": "gold"}, {"name": "gold"}]), "storage_policies names 'gold' twice"),
        (dict(name="team-a", access=[access("alice", "ADMIN")]), "access[0].role 'ADMIN' is not one of VIEW, EDIT, OWNER"),
        (dict(name="team-a", access=[access("alice", "EDIT", kind="ROBOT")]), "access[0].type 'ROBOT' is not one of USER, GROUP"),
        (dict(name="team-a", access=[access("alice", "EDIT"), access("ALICE", "VIEW")]), "access names USER vsphere.local\\ALICE twice"),
        (dict(name="team-a", state="gone"), "state 'gone' is not one of present, absent"),
    ],
)
def test_bad_input_fails_before_any_call(rest, options, message):
    with pytest.raises(InvalidArgumentError) as raised:
        Namespaces(rest).plan(NamespaceSpec(**options))

    assert message in raised.value.message
    assert rest.calls == []


@pytest.mark.parametrize(
    "options, message",
    [
        (
            dict(cluster="C9"),
            "cluster: cluster 'C9' not found on vCenter vc.example.com:443 (known: C1, C2)",
        ),
        (
            dict(cluster="C1", storage_policies=[{"name": "platinum"}], vm_classes=["huge"], content_libraries=["nope", "tkg-content"]),
            "Cannot manage namespace 'team-a': storage_policies: storage policy 'platinum' not found on vCenter vc.example.com:443 (known: gold, silver);"
            " vm_classes: VM class 'huge' not found on vCenter vc.example.com:443 (known: best-effort-medium, best-effort-small, guaranteed-small);"
            " content_libraries: content library 'nope' not found on vCenter vc.example.com:443 (known: local-images, tkg-content)",
        ),
        (dict(), "cluster is required to create namespace 'team-a'"),
    ],
)
def test_unknown_names_fail_before_any_change_naming_the_option_and_what_exists(rest, options, message):
    with pytest.raises(InvalidArgumentError) as raised:
        converge(rest, **options)

    assert message in raised.value.message
    assert rest.mutations == []


def test_a_namespace_is_created_only_on_a_running_supervisor(rest):
    rest.supervisors["domain-c1"] = "CONFIGURING"
    with pytest.raises(ResourceBusyError, match="its Supervisor is CONFIGURING, and namespaces need a RUNNING one"):
        converge(rest, cluster="C1")
    with pytest.raises(InvalidArgumentError, match="Cannot create namespace 'team-a' on cluster 'C2': Workload Management is not enabled there"):
        converge(rest, cluster="C2")
    assert rest.mutations == []


# -- create ---------------------------------------------------------------------


def test_create_sends_one_create_spec_with_ids_and_api_units(rest):
    plan, namespace = converge(rest, **FULL)

    assert plan.item.action == CREATE
    assert rest.mutations == [
        (
            "POST",
            INSTANCES,
            None,
            {
                "cluster": "domain-c1",
                "namespace": "team-a",
                "description": "Team A",
                "resource_spec": {"cpu_limit": 4000, "memory_limit": 65536, "storage_request_limit": 1048576},
                "access_list": [api_access("devs", "VIEW", kind="GROUP"), api_access("alice", "EDIT")],
                "storage_specs": [{"policy": GOLD, "limit": 102400}, {"policy": SILVER}],
                "vm_service_spec": {"vm_classes": ["best-effort-small"], "content_libraries": [TKG]},
            },
        )
    ]
    assert namespace == {
        "name": "team-a",
        "cluster": "C1",
        "description": "Team A",
        "cpu_limit": 4000,
        "memory_limit": 65536,
        "storage_limit": 1048576,
        "storage_policies": [{"name": "gold", "limit": 102400}, {"name": "silver", "limit": None}],
        "access": [access("devs", "VIEW", kind="GROUP"), access("alice", "EDIT")],
        "vm_classes": ["best-effort-small"],
        "content_libraries": ["tkg-content"],
        "config_status": "RUNNING",
        "messages": [],
        "stats": {"cpu_used": 0, "memory_used": 0, "storage_used": 0},
    }


def test_a_bare_create_spec_carries_only_cluster_and_name(rest):
    converge(rest, cluster="C1")

    assert rest.mutations == [("POST", INSTANCES, None, {"cluster": "domain-c1", "namespace": "team-a"})]


def test_check_mode_predicts_the_created_namespace_without_status(rest):
    plan = Namespaces(rest).plan(NamespaceSpec(name="team-a", **FULL))

    predicted = plan.predicted()
    assert (plan.changed, plan.item.before, rest.mutations) == (True, None, [])
    assert (predicted["config_status"], predicted["stats"], predicted["memory_limit"]) == (None, None, 65536)


# -- idempotence and what is compared --------------------------------------------


def test_the_same_spec_again_changes_nothing_with_one_list_per_kind(rest):
    rest.add("team-a", **FULL_INFO)

    plan, namespace = converge(rest, **FULL)

    assert (plan.item.action, plan.item.reasons) == (NONE, ())
    assert rest.mutations == []
    assert sorted(rest.reads) == sorted(
        [
            f"{INSTANCES}/team-a",
            "/api/vcenter/cluster",
            "/api/vcenter/storage/policies",
            "/api/vcenter/namespace-management/virtual-machine-classes",
            # Libraries are read only until the one named is found.
            "/api/content/library",
            f"/api/content/library/{TKG}",
        ]
    )
    assert namespace["config_status"] == "RUNNING"


def test_options_left_unset_are_not_compared(rest):
    rest.add("team-a", **FULL_INFO)

    plan, _namespace = converge(rest)

    assert plan.item.action == NONE
    assert rest.mutations == []


def test_the_same_quantities_in_other_units_are_the_same(rest):
    rest.add("team-a", **FULL_INFO)

    plan, _namespace = converge(rest, cpu_limit=4000, memory_limit=65536, storage_limit="1024Gi")

    assert plan.item.action == NONE


# -- update -----------------------------------------------------------------------


def test_an_update_patches_only_the_fields_that_differ(rest):
    rest.add("team-a", **FULL_INFO)

    plan, namespace = converge(rest, description="Team A", cpu_limit="8GHz", memory_limit="unlimited", storage_limit="1Ti")

    assert plan.item.action == UPDATE
    assert plan.item.reasons == ("cpu_limit: 4000 -> 8000", "memory_limit: 65536 -> None")
    assert rest.mutations == [("PATCH", f"{INSTANCES}/team-a", None, {"resource_spec": {"cpu_limit": 8000, "memory_limit_unset": True}})]
    assert (namespace["cpu_limit"], namespace["memory_limit"], namespace["storage_limit"]) == (8000, None, 1048576)


def test_storage_policies_are_the_whole_list_and_keep_limits_left_unset(rest):
    rest.add("team-a", **FULL_INFO)

    plan, namespace = converge(rest, storage_policies=[{"name": "gold"}])

    assert plan.item.reasons == (
        "storage_policies: [{'name': 'gold', 'limit': 102400}, {'name': 'silver', 'limit': None}] -> [{'name': 'gold', 'limit': 102400}]",
    )
    assert rest.mutations == [("PATCH", f"{INSTANCES}/team-a", None, {"storage_specs": [{"policy": GOLD, "limit": 102400}]})]
    assert namespace["storage_policies"] == [{"name": "gold", "limit": 102400}]


def test_a_policy_limit_can_be_lifted(rest):
    rest.add("team-a", **FULL_INFO)

    converge(rest, storage_policies=[{"name": "gold", "limit": "unlimited"}, {"name": "silver", "limit": 10}])

    assert rest.mutations == [("PATCH", f"{INSTANCES}/team-a", None, {"storage_specs": [{"policy": GOLD}, {"policy": SILVER, "limit": 10}]})]


def test_vm_service_changes_send_both_lists(rest):
    rest.add("team-a", **FULL_INFO)

    plan, namespace = converge(rest, vm_classes=["guaranteed-small", "best-effort-medium"])

    assert plan.item.reasons == ("vm_classes: ['best-effort-small'] -> ['best-effort-medium', 'guaranteed-small']",)
    assert rest.mutations == [
        ("PATCH", f"{INSTANCES}/team-a", None, {"vm_service_spec": {"vm_classes": ["best-effort-medium", "guaranteed-small"], "content_libraries": [TKG]}})
    ]
    assert (namespace["vm_classes"], namespace["content_libraries"]) == (["best-effort-medium", "guaranteed-small"], ["tkg-content"])


def test_libraries_are_set_by_name(rest):
    rest.add("team-a", **FULL_INFO)

    _plan, namespace = converge(rest, content_libraries=["local-images", "tkg-content"])

    assert rest.mutations[0][3] == {"vm_service_spec": {"vm_classes": ["best-effort-small"], "content_libraries": [LOCAL, TKG]}}
    assert namespace["content_libraries"] == ["local-images", "tkg-content"]


# -- access -----------------------------------------------------------------------

ALICE = f"{INSTANCES}/team-a/access/vsphere.local/alice"


def test_access_goes_through_the_sub_resource_one_entry_at_a_time(rest):
    rest.add("team-a", **FULL_INFO)

    plan, namespace = converge(rest, access=[access("alice", "OWNER"), access("bob", "VIEW")])

    assert plan.item.reasons == (
        "access: grant USER vsphere.local\\bob VIEW",
        "access: USER vsphere.local\\alice EDIT -> OWNER",
        "access: revoke GROUP vsphere.local\\devs",
    )
    assert rest.mutations == [
        ("POST", f"{INSTANCES}/team-a/access/vsphere.local/bob", {"type": "USER"}, {"role": "VIEW"}),
        ("PUT", ALICE, {"type": "USER"}, {"role": "OWNER"}),
        ("DELETE", f"{INSTANCES}/team-a/access/vsphere.local/devs", {"type": "GROUP"}, None),
    ]
    assert namespace["access"] == [access("alice", "OWNER"), access("bob", "VIEW")]


def test_without_purge_access_entries_are_only_added_or_given_their_role(rest):
    rest.add("team-a", **FULL_INFO)

    _plan, namespace = converge(rest, access=[access("bob", "EDIT")], purge_access=False)

    assert rest.mutations == [("POST", f"{INSTANCES}/team-a/access/vsphere.local/bob", {"type": "USER"}, {"role": "EDIT"})]
    assert [entry["principal"] for entry in namespace["access"]] == ["devs", "alice", "bob"]


def test_principals_and_domains_match_whatever_their_case(rest):
    rest.add("team-a", **FULL_INFO)

    plan, _namespace = converge(rest, access=[access("Alice", "EDIT", domain="VSPHERE.LOCAL"), access("DEVS", "VIEW", kind="GROUP")])

    assert plan.item.action == NONE


def test_principals_with_reserved_characters_are_quoted_in_the_path(rest):
    rest.add("team-a", **FULL_INFO)

    _plan, namespace = converge(rest, access=[access("Domain Users", "VIEW", domain="ad.example.com", kind="GROUP")], purge_access=False)

    assert rest.mutations == [("POST", f"{INSTANCES}/team-a/access/ad.example.com/Domain%20Users", {"type": "GROUP"}, {"role": "VIEW"})]
    assert access("Domain Users", "VIEW", domain="ad.example.com", kind="GROUP") in namespace["access"]


# -- cluster -----------------------------------------------------------------------


def test_a_namespace_cannot_move_to_another_cluster(rest):
    rest.add("team-a", **FULL_INFO)

    with pytest.raises(InvalidArgumentError, match="cluster 'C2': namespace 'team-a' exists on cluster 'C1', and a namespace cannot move"):
        converge(rest, cluster="C2")


# -- delete -----------------------------------------------------------------------


def test_delete_shows_what_goes_and_deletes(rest):
    rest.add("team-a", **FULL_INFO)

    plan, namespace = converge(rest, state="absent")

    assert plan.item.action == DELETE
    assert plan.item.before["memory_limit"] == 65536
    assert (namespace, rest.mutations) == (None, [("DELETE", f"{INSTANCES}/team-a", None, None)])


def test_a_namespace_that_holds_vms_is_not_deleted_without_force(rest):
    rest.add("team-a", **FULL_INFO)
    vms = [f"tkc-1-workers-{n}" for n in range(7)]

    with pytest.raises(PacificError) as raised:
        converge(rest, vms=vms, state="absent")

    assert raised.value.message == (
        "Namespace 'team-a' on cluster 'C1' still holds 7 VM(s) (tkc-1-workers-0, tkc-1-workers-1, tkc-1-workers-2, tkc-1-workers-3, tkc-1-workers-4"
        " and 2 more): deleting it deletes them, guest-cluster nodes among them. Delete its guest clusters first, or set force: true to delete it"
        " with everything in it"
    )
    assert rest.mutations == []

    plan, _namespace = converge(rest, vms=vms, state="absent", force=True)
    assert plan.item.action == DELETE
    assert rest.mutations == [("DELETE", f"{INSTANCES}/team-a", None, None)]


def test_deleting_a_missing_namespace_changes_nothing(rest):
    plan, namespace = converge(rest, state="absent")

    assert (plan.item.action, namespace, rest.mutations) == (NONE, None, [])


def test_a_namespace_being_removed_is_as_good_as_gone(rest):
    rest.add("team-a", config_status="REMOVING")

    plan, _namespace = converge(rest, state="absent")
    assert (plan.item.action, rest.mutations) == (NONE, [])

    with pytest.raises(ResourceBusyError, match="is being removed"):
        converge(rest, cluster="C1")


# -- read ---------------------------------------------------------------------------


def test_read_all_lists_and_filters_by_cluster_and_name(rest):
    rest.add("team-b", cluster="domain-c2")
    rest.add("team-a", **FULL_INFO)
    namespaces = Namespaces(rest)

    assert [ns["name"] for ns in namespaces.read_all()] == ["team-a", "team-b"]
    assert [ns["name"] for ns in namespaces.read_all(cluster="C2")] == ["team-b"]
    assert [ns["name"] for ns in namespaces.read_all(name="team-a")] == ["team-a"]
    assert namespaces.read_all(name="team-a", cluster="C2") == []
    assert namespaces.read_all(name="nobody") == []
    with pytest.raises(InvalidArgumentError, match="cluster 'C9' not found"):
        namespaces.read_all(cluster="C9")


def test_messages_are_flattened(rest):
    rest.add("team-a", config_status="ERROR", messages=[{"severity": "ERROR", "details": {"id": "x", "default_message": "Storage is gone."}}])

    assert Namespaces(rest).read("team-a")["messages"] == [{"severity": "ERROR", "message": "Storage is gone."}]


# -- VMs in a namespace ---------------------------------------------------------------


class FakeVim:
    def __init__(self, pools, vms):
        self.pools = pools
        self.vms = vms

    def retrieve_many(self, properties_by_kind):
        assert set(properties_by_kind) == {"ResourcePool", "VirtualMachine"}
        return {"ResourcePool": self.pools, "VirtualMachine": self.vms}


def pool(moid, name, owner, parent, children=(), vms=()):
    return {"moid": moid, "name": name, "owner": owner, "parent": parent, "resourcePool": list(children), "vm": list(vms)}


def test_the_vms_of_a_namespace_are_those_in_its_pool_and_below():
    vim = FakeVim(
        pools=[
            pool("resgroup-1", "Resources", "domain-c1", "domain-c1", children=["resgroup-2", "resgroup-3"]),
            pool("resgroup-2", "team-a", "domain-c1", "resgroup-1", children=["resgroup-4"], vms=["vm-1"]),
            pool("resgroup-4", "nested", "domain-c1", "resgroup-2", vms=["vm-2"]),
            pool("resgroup-3", "team-b", "domain-c1", "resgroup-1", vms=["vm-3"]),
            # A pool of the same name on another cluster is another namespace's.
            pool("resgroup-8", "Resources", "domain-c2", "domain-c2", children=["resgroup-9"]),
            pool("resgroup-9", "team-a", "domain-c2", "resgroup-8", vms=["vm-9"]),
        ],
        vms=[{"moid": f"vm-{n}", "name": f"node-{n}"} for n in (1, 2, 3, 9)],
    )

    assert namespace_vms(vim, "domain-c1", "team-a") == ["node-1", "node-2"]
    assert namespace_vms(vim, "domain-c1", "team-c") == []
