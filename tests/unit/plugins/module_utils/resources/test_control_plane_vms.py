"""ControlPlaneVms over a fake of the vim client layer: an in-memory cluster whose tasks complete at once."""

from types import SimpleNamespace

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import select
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError, PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.control_plane_vms import (
    OWNER_PACIFIC,
    OWNER_WCP,
    ControlPlaneSpec,
    ControlPlaneVms,
)

MUTATING = {"CloneVM_Task", "CreateVM_Task", "RelocateVM_Task", "PowerOnVM_Task", "PowerOffVM_Task", "Destroy_Task", "ReconfigureComputeResource_Task"}


def anti_affinity(key, name, members, enabled=True, mandatory=True):
    return SimpleNamespace(_wsdlName="ClusterAntiAffinityRuleSpec", key=key, name=name, enabled=enabled, mandatory=mandatory, vm=list(members))


class FakeVCenter:
    """Cluster C1 with hosts H0.. (host-0..), a template on H0, and what VimClient's callers see of it.

    Like vcsim, a clone lands on the template's host whatever the spec asks.
    """

    def __init__(self, hosts=3):
        self.hosts = {f"host-{n}": {"name": f"H{n}", "connection": "connected", "maintenance": False} for n in range(hosts)}
        self.vms = {"vm-t": {"name": "photon", "host": "host-0", "power": "poweredOff", "template": True}}
        self.rules = []
        self.calls = []
        self.next_key = 10

    def add_vm(self, name, host, power="poweredOn"):
        moid = f"vm-{len(self.vms)}"
        self.vms[moid] = {"name": name, "host": host, "power": power, "template": False}
        return moid

    def moid_of(self, name):
        return next(moid for moid, vm in self.vms.items() if vm["name"] == name)

    def retrieve_many(self, properties_by_kind, *, names=None, moids=None):
        self.calls.append(("retrieve_many", None))
        found = {
            "ClusterComputeResource": [
                {
                    "moid": "domain-c1",
                    "name": "C1",
                    "host": list(self.hosts),
                    "parent": "group-h4",
                    "resourcePool": "resgroup-1",
                    "configurationEx.rule": list(self.rules),
                }
            ],
            "HostSystem": [
                {"moid": moid, "name": h["name"], "runtime.connectionState": h["connection"], "runtime.inMaintenanceMode": h["maintenance"]}
                for moid, h in self.hosts.items()
            ],
            "VirtualMachine": [
                {"moid": moid, "name": vm["name"], "runtime.host": vm["host"], "runtime.powerState": vm["power"], "config.template": vm["template"]}
                for moid, vm in self.vms.items()
            ],
            "Datacenter": [{"moid": "datacenter-1", "name": "DC0", "vmFolder": "group-v3"}],
            "Folder": [
                {"moid": "group-v3", "name": "vm", "parent": "datacenter-1", "childType": ["Folder", "VirtualMachine"]},
                {"moid": "group-h4", "name": "host", "parent": "datacenter-1", "childType": ["Folder", "ComputeResource"]},
                {"moid": "group-v9", "name": "cp", "parent": "group-v3", "childType": ["Folder", "VirtualMachine"]},
            ],
            "ResourcePool": [
                {"moid": "resgroup-1", "name": "Resources", "owner": "domain-c1"},
                {"moid": "resgroup-2", "name": "control", "owner": "domain-c1"},
            ],
            "Datastore": [{"moid": "datastore-1", "name": "ds1"}],
        }
        names = names or {}
        return {kind: select(found[kind], kind, names=names.get(kind)) for kind in properties_by_kind}

    def managed_object(self, kind, moid):
        return moid

    def data_object(self, kind, **fields):
        return SimpleNamespace(kind=kind, **fields)

    def call(self, kind, moid, method, *args, what=None, idempotent=True, **kwargs):
        self.calls.append((method, moid))
        assert idempotent is (method not in MUTATING), method
        return (method, moid, kwargs)

    def wait_for_task(self, task, *, timeout=3600, what=None):
        method, moid, kwargs = task
        if method == "CreateVM_Task":
            return self.add_vm(kwargs["config"].name, kwargs["host"], power="poweredOff")
        if method == "CloneVM_Task":
            return self.add_vm(kwargs["name"], self.vms[moid]["host"], power="poweredOff")
        if method == "RelocateVM_Task":
            self.vms[moid]["host"] = kwargs["spec"].host
        elif method in ("PowerOnVM_Task", "PowerOffVM_Task"):
            self.vms[moid]["power"] = "poweredOn" if method == "PowerOnVM_Task" else "poweredOff"
        elif method == "Destroy_Task":
            del self.vms[moid]
        elif method == "ReconfigureComputeResource_Task":
            for rule_spec in kwargs["spec"].rulesSpec:
                self._reconfigure(rule_spec)
        return None

    def _reconfigure(self, rule_spec):
        if rule_spec.operation == "add":
            info = rule_spec.info
            self.next_key += 1
            self.rules.append(anti_affinity(self.next_key, info.name, info.vm, info.enabled, info.mandatory))
        elif rule_spec.operation == "edit":
            info = rule_spec.info
            index = next(i for i, rule in enumerate(self.rules) if rule.key == info.key)
            self.rules[index] = anti_affinity(info.key, info.name, info.vm, info.enabled, info.mandatory)
        else:
            self.rules = [rule for rule in self.rules if rule.key != rule_spec.removeKey]

    def mutations(self):
        return [call for call in self.calls if call[0] in MUTATING]

    def hosts_of(self, prefix):
        return sorted(self.hosts[vm["host"]]["name"] for vm in self.vms.values() if vm["name"].startswith(prefix))


def ensure(vcenter, **spec):
    control_plane = ControlPlaneVms(vcenter)
    spec = ControlPlaneSpec(**dict({"cluster": "C1", "name_prefix": "cp"}, **spec))
    plan = control_plane.plan(spec, control_plane.read(spec))
    return plan, (control_plane.apply(plan) if plan.changed else None)


def actions(plan):
    return {item.address: item.action for item in plan.items}


# -- the module's own set --------------------------------------------------------------------


def test_creates_the_vms_on_distinct_hosts_then_the_rule():
    vcenter = FakeVCenter()

    plan, after = ensure(vcenter, datastore="ds1")

    assert actions(plan) == {"vm/cp-1": "create", "vm/cp-2": "create", "vm/cp-3": "create", "drs_rule/C1/cp-anti-affinity": "create"}
    assert [call[0] for call in vcenter.mutations()][:3] == ["CreateVM_Task"] * 3
    assert vcenter.mutations()[-1][0] == "ReconfigureComputeResource_Task"
    assert vcenter.hosts_of("cp-") == ["H0", "H1", "H2"]
    assert after.owner == OWNER_PACIFIC and after.placement_ok
    assert [vm["power_state"] for vm in after.vm_dicts()] == ["poweredOn"] * 3
    assert after.rule_dict() == {"name": "cp-anti-affinity", "enabled": True, "mandatory": True, "members": ["cp-1", "cp-2", "cp-3"]}


def test_a_second_run_reads_once_and_changes_nothing():
    vcenter = FakeVCenter()
    ensure(vcenter, datastore="ds1")
    vcenter.calls.clear()

    plan = ensure(vcenter, datastore="ds1")[0]

    assert not plan.changed
    assert vcenter.calls == [("retrieve_many", None)]


def test_clones_that_land_together_are_moved_apart():
    vcenter = FakeVCenter()

    plan, after = ensure(vcenter, template="photon")

    assert [call[0] for call in vcenter.mutations()].count("CloneVM_Task") == 3
    assert [call[0] for call in vcenter.mutations()].count("RelocateVM_Task") == 2
    assert after.placement_ok
    assert vcenter.hosts_of("cp-") == ["H0", "H1", "H2"]


def test_check_mode_predicts_the_real_run():
    vcenter = FakeVCenter()
    control_plane = ControlPlaneVms(vcenter)
    spec = ControlPlaneSpec(cluster="C1", name_prefix="cp", datastore="ds1")
    plan = control_plane.plan(spec, control_plane.read(spec))

    vms, rule, placement_ok = plan.predicted()
    after = control_plane.apply(plan)

    assert [(vm["name"], vm["host"], vm["power_state"]) for vm in vms] == [(vm["name"], vm["host"], vm["power_state"]) for vm in after.vm_dicts()]
    assert rule == after.rule_dict() and placement_ok == after.placement_ok
    assert {vm["moid"] for vm in vms} == {None}


def test_vms_sharing_a_host_are_reported_and_moved():
    vcenter = FakeVCenter()
    for n in (1, 2, 3):
        vcenter.add_vm(f"cp-{n}", "host-1")

    control_plane = ControlPlaneVms(vcenter)
    state = control_plane.read(ControlPlaneSpec(cluster="C1", name_prefix="cp"))
    assert not state.placement_ok

    plan, after = ensure(vcenter)

    assert actions(plan)["vm/cp-1"] == "none"
    assert plan.items[1].reasons == ("shares host H1 with another VM of the set: move to H0",)
    assert after.placement_ok


def test_update_power_state_and_rule_settings():
    vcenter = FakeVCenter()
    ensure(vcenter, datastore="ds1")
    vcenter.rules[0].enabled = False

    plan, after = ensure(vcenter, power_state="poweredOff", mandatory=False)

    rule_item = plan.items[-1]
    assert rule_item.action == "update"
    assert rule_item.reasons == ("enabled: False -> True", "mandatory: True -> False")
    assert {vm["power_state"] for vm in after.vm_dicts()} == {"poweredOff"}
    assert (vcenter.rules[0].key, vcenter.rules[0].enabled, vcenter.rules[0].mandatory) == (11, True, False)


def test_scaling_down_to_one_deletes_the_extra_vms_and_the_rule():
    vcenter = FakeVCenter()
    ensure(vcenter, datastore="ds1")

    plan, after = ensure(vcenter, count=1)

    assert actions(plan) == {"vm/cp-1": "none", "vm/cp-2": "delete", "vm/cp-3": "delete", "drs_rule/C1/cp-anti-affinity": "delete"}
    assert [vm["name"] for vm in after.vm_dicts()] == ["cp-1"]
    assert after.rule is None
    assert vcenter.mutations()[-5:] == [
        ("ReconfigureComputeResource_Task", "domain-c1"),
        ("PowerOffVM_Task", "vm-2"),
        ("Destroy_Task", "vm-2"),
        ("PowerOffVM_Task", "vm-3"),
        ("Destroy_Task", "vm-3"),
    ]


def test_absent_deletes_the_rule_then_the_vms_and_again_does_nothing():
    vcenter = FakeVCenter()
    ensure(vcenter, datastore="ds1")

    plan, after = ensure(vcenter, state="absent")

    assert set(actions(plan).values()) == {"delete"}
    assert (after.vms, after.rule, vcenter.rules) == ((), None, [])
    assert [vm["name"] for vm in vcenter.vms.values()] == ["photon"]

    plan = ensure(vcenter, state="absent")[0]
    assert not plan.changed


# -- Workload Management's set ---------------------------------------------------------------


@pytest.fixture
def supervisor():
    vcenter = FakeVCenter()
    for n in range(3):
        vcenter.add_vm(f"SupervisorControlPlaneVM ({n + 1})", f"host-{n}")
    return vcenter


def test_wcp_vms_are_adopted_and_only_the_rule_is_created(supervisor):
    plan, after = ensure(supervisor, name_prefix="SupervisorControlPlaneVM", datastore="ds1")

    assert after.owner == OWNER_WCP
    assert [call[0] for call in supervisor.mutations()] == ["ReconfigureComputeResource_Task"]
    assert after.rule_dict()["members"] == [f"SupervisorControlPlaneVM ({n})" for n in (1, 2, 3)]


def test_wcp_rule_is_repaired_whatever_happened_to_it(supervisor):
    ensure(supervisor, name_prefix="SupervisorControlPlaneVM")
    supervisor.rules[0].enabled = False
    supervisor.rules[0].vm = supervisor.rules[0].vm[:2]

    plan, after = ensure(supervisor, name_prefix="SupervisorControlPlaneVM")
    assert plan.items[-1].action == "update"
    assert len(after.rule["members"]) == 3 and after.rule["enabled"]

    supervisor.rules.clear()
    plan = ensure(supervisor, name_prefix="SupervisorControlPlaneVM")[0]
    assert plan.items[-1].action == "create"


def test_a_mandatory_rule_over_exactly_the_set_is_the_rule_whatever_its_name(supervisor):
    members = [supervisor.moid_of(f"SupervisorControlPlaneVM ({n})") for n in (1, 2, 3)]
    supervisor.rules.append(anti_affinity(7, "SupervisorControlPlaneVM anti-affinity", members, True, True))

    plan, _after = ensure(supervisor, name_prefix="SupervisorControlPlaneVM")

    assert not plan.changed and supervisor.mutations() == []
    assert [rule.name for rule in supervisor.rules] == ["SupervisorControlPlaneVM anti-affinity"]
    assert plan.state.rule["key"] == 7

    plan, after = ensure(supervisor, name_prefix="SupervisorControlPlaneVM", rule_name="control-plane apart")
    assert plan.items[-1].action == "update" and "name" in " ".join(plan.items[-1].reasons)
    assert [rule.name for rule in supervisor.rules] == ["control-plane apart"]


def test_a_preferred_rule_or_one_over_other_vms_is_not_the_sets(supervisor):
    members = [supervisor.moid_of(f"SupervisorControlPlaneVM ({n})") for n in (1, 2, 3)]
    supervisor.rules.append(anti_affinity(7, "someone's preference", members, True, False))
    supervisor.rules.append(anti_affinity(8, "two of them", members[:2], True, True))

    plan, _after = ensure(supervisor, name_prefix="SupervisorControlPlaneVM")

    assert plan.items[-1].action == "create"
    assert sorted(rule.name for rule in supervisor.rules) == ["SupervisorControlPlaneVM-anti-affinity", "someone's preference", "two of them"]


def test_wcp_vms_are_never_created_moved_powered_or_deleted(supervisor):
    supervisor.vms[supervisor.moid_of("SupervisorControlPlaneVM (2)")]["host"] = "host-0"
    supervisor.vms[supervisor.moid_of("SupervisorControlPlaneVM (3)")]["power"] = "poweredOff"

    plan, after = ensure(supervisor, name_prefix="other", count=3, template="photon")

    assert [call[0] for call in supervisor.mutations()] == ["ReconfigureComputeResource_Task"]
    assert not after.placement_ok

    plan, after = ensure(supervisor, name_prefix="other", state="absent")

    assert [call[0] for call in supervisor.mutations()] == ["ReconfigureComputeResource_Task"] * 2
    assert after.rule is None and len(after.vms) == 3


def test_a_count_other_than_wcps_is_refused(supervisor):
    with pytest.raises(PacificError, match=r"Workload Management runs 3 control-plane VMs on cluster 'C1' .*: set count to 3 \(count is 5\)"):
        ensure(supervisor, count=5)
    assert supervisor.mutations() == []


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 4])
def test_even_counts_are_refused_before_any_call(count):
    with pytest.raises(InvalidArgumentError, match=rf"count {count} is invalid: a control plane needs an odd number of VMs"):
        ControlPlaneSpec(cluster="C1", name_prefix="cp", count=count).validate()


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(count=0), "count: 0 is out of range: give an odd number of VMs, one per host, from 1 to 96"),
        (dict(count=-1), "count: -1 is out of range"),
        (dict(count=97), "count: 97 is out of range"),
        (dict(num_cpus=0), "num_cpus: 0 is out of range: give vCPUs per VM, from 1 to 768"),
        (dict(memory_mb=10**30), "memory_mb: 1000000000000000000000000000000 is out of range: give MiB per VM, from 1 to 25165824"),
    ],
)
def test_numbers_out_of_range_are_refused_naming_the_option(options, message):
    with pytest.raises(InvalidArgumentError) as refused:
        ControlPlaneSpec(cluster="C1", name_prefix="cp", **options).validate()
    assert str(refused.value).startswith(message)


def test_more_vms_than_connected_hosts_is_refused():
    vcenter = FakeVCenter(hosts=4)
    vcenter.hosts["host-3"]["connection"] = "disconnected"

    with pytest.raises(PacificError, match=r"count 5 is larger than the 3 connected hosts of cluster 'C1': a mandatory anti-affinity rule could not"):
        ensure(vcenter, count=5, datastore="ds1")
    assert vcenter.mutations() == []


def test_creating_without_template_needs_a_datastore():
    vcenter = FakeVCenter()

    with pytest.raises(InvalidArgumentError, match=r"datastore is required to create VMs cp-1, cp-2, cp-3 without a template"):
        ensure(vcenter)
    assert vcenter.mutations() == []


@pytest.mark.parametrize(
    "option, message",
    [
        ({"template": "nope"}, r"template 'nope' not found \(known: photon\)"),
        ({"folder": "nope"}, r"folder 'nope' not found \(known: cp, vm\)"),
        ({"resource_pool": "nope"}, r"resource_pool 'nope' not found \(cluster 'C1'\) \(known: Resources, control\)"),
        ({"datastore": "nope"}, r"datastore 'nope' not found \(known: ds1\)"),
        ({"cluster": "C9"}, r"Cluster 'C9' not found \(known: C1\)"),
    ],
)
def test_unknown_names_list_the_known_ones(option, message):
    vcenter = FakeVCenter()

    with pytest.raises(NotFoundError, match=message):
        ensure(vcenter, **option)
    assert vcenter.mutations() == []


def test_a_rule_name_taken_by_another_kind_of_rule_is_refused():
    vcenter = FakeVCenter()
    vcenter.rules.append(SimpleNamespace(_wsdlName="ClusterAffinityRuleSpec", key=1, name="cp-anti-affinity", enabled=True, mandatory=False, vm=[]))

    with pytest.raises(PacificError, match="Rule 'cp-anti-affinity' of cluster 'C1' is a ClusterAffinityRuleSpec, not a VM-VM anti-affinity rule"):
        ensure(vcenter, datastore="ds1")


def test_placement_options_are_used_for_new_vms():
    vcenter = FakeVCenter()

    ensure(vcenter, count=1, folder="cp", resource_pool="control", datastore="ds1")

    create = next(call for call in vcenter.calls if call[0] == "CreateVM_Task")
    assert create[1] == "group-v9"
