"""HostVibs over a fake of the vim client layer: an in-memory cluster whose tasks complete at once."""

import threading
import time
from types import SimpleNamespace

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vib_descriptor import VibDescriptor
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import select
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError, PacificError, TaskFailed
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.host_vib import (
    MAINTENANCE_MARKER,
    HostVibs,
    RolloutStopped,
    VibSpec,
    version_key,
)

URL_1 = "http://depot/spherelet-7.0.3-1.vib"
URL_2 = "http://depot/spherelet-7.0.3-2.vib"
MUTATING = {"AddCustomFieldDef", "SetField", "EnterMaintenanceMode_Task", "ExitMaintenanceMode_Task", "InstallHostPatchV2_Task", "UninstallHostPatch_Task"}
# Setting a custom attribute twice to the same value is harmless: retried like a read.
# SetField sets a value; AddCustomFieldDef sent twice answers DuplicateName, which is read back.
NOT_RETRIED = MUTATING - {"SetField", "AddCustomFieldDef"}


class FakeVCenter:
    """The part of VimClient HostVibs uses, over cluster C1 of ``hosts`` hosts H0, H1, ...

    Every call is recorded as ``(method, host name)``. Tasks complete within
    ``task_delay`` seconds; ``failing[(method, host name)]`` makes one fail.
    ``max_in_maintenance`` is the most hosts ever in maintenance mode at once.
    """

    def __init__(self, hosts=3, spherelet=None, task_delay=0.0):
        self.hosts = {
            f"host-{n}": {
                "name": f"H{n}",
                "connection": "connected",
                "maintenance": False,
                "vibs": {"spherelet": self._vib(spherelet)} if spherelet else {},
                "custom": [],
            }
            for n in range(hosts)
        }
        self.fields = []
        self.calls = []
        self.failing = {}
        self.task_delay = task_delay
        self.tasks = {}
        self.max_in_maintenance = 0
        self._lock = threading.Lock()

    @staticmethod
    def _vib(version, maintenance=True):
        return {"version": version, "maintenance": maintenance}

    def host_name(self, moid):
        return self.hosts[moid.split("-", 1)[1] if moid.startswith(("imageconfig-", "patchmanager-")) else moid]["name"]

    def by_name(self, name):
        return next(host for host in self.hosts.values() if host["name"] == name)

    def _record(self, moid):
        host = self.hosts[moid]
        return {
            "moid": moid,
            "name": host["name"],
            "availableField": list(self.fields),
            "configManager.imageConfigManager": f"imageconfig-{moid}",
            "configManager.patchManager": f"patchmanager-{moid}",
            "customValue": list(host["custom"]),
            "runtime.connectionState": host["connection"],
            "runtime.inMaintenanceMode": host["maintenance"],
        }

    def retrieve_many(self, properties_by_kind, *, names=None, moids=None):
        self.calls.append(("retrieve_many", None))
        clusters = [{"moid": "domain-c1", "name": "C1", "host": list(self.hosts)}]
        found = {"ClusterComputeResource": clusters, "HostSystem": [self._record(moid) for moid in self.hosts]}
        names = names or {}
        return {kind: select(found[kind], kind, names=names.get(kind)) for kind in properties_by_kind}

    def retrieve(self, kind, properties, *, names=None, moids=None):
        self.calls.append(("retrieve", None))
        return select([self._record(moid) for moid in self.hosts], kind, names=names, moids=moids)

    def managed_object(self, kind, moid):
        return moid

    def managed_type(self, kind):
        return kind

    def service_moid(self, manager):
        return "CustomFieldsManager"

    def call(self, kind, moid, method, *args, what=None, idempotent=True, **kwargs):
        target = kwargs.get("entity", moid)
        host_moid = target.split("-", 1)[1] if target.startswith(("imageconfig-", "patchmanager-")) else target
        host = self.hosts.get(host_moid)
        with self._lock:
            self.calls.append((method, host["name"] if host else None))
        assert idempotent is (method not in NOT_RETRIED), method
        # A task's lost answer is looked for among the host's tasks, whatever object started it (a patch manager's are the host's).
        assert kwargs.pop("task_entity", None) == (host_moid if method.endswith("_Task") else None), method
        if method == "FetchSoftwarePackages":
            packages = [SimpleNamespace(name="esx-base", version="7.0.3-0.20.19193900", vendor="VMware", maintenanceModeRequired=True)]
            for name, vib in host["vibs"].items():
                packages.append(SimpleNamespace(name=name, version=vib["version"], vendor="VMware", maintenanceModeRequired=vib["maintenance"]))
            return packages
        if method == "AddCustomFieldDef":
            definition = SimpleNamespace(key=len(self.fields) + 100, name=kwargs["name"])
            self.fields.append(definition)
            return definition
        if method == "SetField":
            # Like vcsim: values are appended, the last one is current.
            host["custom"].append(SimpleNamespace(key=kwargs["key"], value=kwargs["value"]))
            return None
        task = f"task-{len(self.tasks)}"
        self.tasks[task] = (method, host_moid, kwargs)
        return task

    def wait_for_task(self, task, *, timeout=3600, what=None):
        method, host_moid, kwargs = self.tasks[task]
        host = self.hosts[host_moid]
        time.sleep(self.task_delay)
        failure = self.failing.get((method, host["name"]))
        if failure:
            message = f"Failed to {what} on '{host['name']}' on vCenter vc:443: PlatformConfigFault: {failure}"
            raise TaskFailed(message, fault_type="PlatformConfigFault", entity=host["name"])
        with self._lock:
            if method == "EnterMaintenanceMode_Task":
                host["maintenance"] = True
                self.max_in_maintenance = max(self.max_in_maintenance, sum(h["maintenance"] for h in self.hosts.values()))
            elif method == "ExitMaintenanceMode_Task":
                host["maintenance"] = False
            elif method == "InstallHostPatchV2_Task":
                version = kwargs["vibUrls"][0].rsplit("-", 2)[-2] + "-" + kwargs["vibUrls"][0].rsplit("-", 1)[-1].replace(".vib", "")
                host["vibs"]["spherelet"] = self._vib(version)
            elif method == "UninstallHostPatch_Task":
                del host["vibs"][kwargs["bulletinIds"][0]]
        return None

    def mutations(self):
        return [call for call in self.calls if call[0] in MUTATING]

    def count(self, method):
        return sum(1 for call in self.calls if call[0] == method)

    def marker(self, host_name):
        values = self.by_name(host_name)["custom"]
        return values[-1].value if values else None


class FakeDepot:
    def __init__(self, maintenance=True):
        self.maintenance = maintenance
        self.reads = []

    def __call__(self, url):
        self.reads.append(url)
        version = url.rsplit("spherelet-", 1)[1].replace(".vib", "")
        return VibDescriptor(url=url, name="spherelet", version=version, vendor="VMware", maintenance_mode_install=self.maintenance)


def roll_out(vcenter, depot=None, *, cluster="C1", hosts=None, **spec):
    vibs = HostVibs(vcenter, depot or FakeDepot())
    rollout = vibs.plan(VibSpec(**spec), vibs.read(spec.get("name", "spherelet"), cluster=None if hosts else cluster, hosts=hosts))
    return rollout, vibs.apply(rollout)


# -- install, upgrade, idempotence ----------------------------------------------------------


def test_installs_everywhere_one_host_at_a_time_in_maintenance_mode():
    vcenter = FakeVCenter()

    rollout, results = roll_out(vcenter, urls=(URL_1,))

    assert rollout.changed and rollout.version == "7.0.3-1"
    assert [item.action for item in rollout.items] == ["create"] * 3
    assert results == [
        {"name": f"H{n}", "version_before": None, "version_after": "7.0.3-1", "changed": True, "maintenance_mode_entered": True} for n in range(3)
    ]
    per_host = [call for call in vcenter.mutations() if call[1] == "H1"]
    assert [call[0] for call in per_host] == ["SetField", "EnterMaintenanceMode_Task", "InstallHostPatchV2_Task", "ExitMaintenanceMode_Task", "SetField"]
    assert vcenter.max_in_maintenance == 1
    assert not any(host["maintenance"] for host in vcenter.hosts.values())
    assert [vcenter.marker(f"H{n}") for n in range(3)] == ["", "", ""]
    assert vcenter.count("AddCustomFieldDef") == 1


def test_a_marker_another_client_defined_meanwhile_is_read_back_not_defined_twice():
    vcenter = FakeVCenter()
    vibs = HostVibs(vcenter, FakeDepot())
    rollout = vibs.plan(VibSpec(urls=(URL_1,)), vibs.read("spherelet", cluster="C1"))
    defined_elsewhere = SimpleNamespace(key=7, name="pacific.vsphere.maintenance")
    vcenter.fields.append(defined_elsewhere)
    add = vcenter.call

    def add_refused(kind, moid, method, *args, **kwargs):
        if method == "AddCustomFieldDef":
            raise AlreadyExistsError("pacific.vsphere.maintenance already exists (DuplicateName)")
        return add(kind, moid, method, *args, **kwargs)

    vcenter.call = add_refused

    vibs.apply(rollout)

    assert {call[0] for call in vcenter.mutations()} >= {"SetField", "InstallHostPatchV2_Task"}
    assert {value.key for host in vcenter.hosts.values() for value in host["custom"]} == {7}


def test_hosts_do_not_overlap_with_max_parallel_1():
    vcenter = FakeVCenter(spherelet="7.0.3-1")

    roll_out(vcenter, urls=(URL_2,), max_parallel=1)

    order = [(method, host) for method, host in vcenter.mutations() if method.endswith("MaintenanceMode_Task")]
    assert order == [(f"{verb}MaintenanceMode_Task", f"H{n}") for n in range(3) for verb in ("Enter", "Exit")]


def test_max_parallel_remediates_hosts_concurrently_within_the_bound():
    vcenter = FakeVCenter(hosts=5, spherelet="7.0.3-1", task_delay=0.05)

    roll_out(vcenter, urls=(URL_2,), max_parallel=3)

    assert vcenter.max_in_maintenance == 3
    assert {host["vibs"]["spherelet"]["version"] for host in vcenter.hosts.values()} == {"7.0.3-2"}


def test_hosts_at_the_version_cost_reads_only_whatever_their_number():
    for hosts in (1, 3, 8):
        vcenter = FakeVCenter(hosts=hosts, spherelet="7.0.3-2")
        depot = FakeDepot()

        rollout, results = roll_out(vcenter, depot, urls=(URL_2,), version="7.0.3-2")

        assert not rollout.changed
        assert vcenter.mutations() == []
        assert depot.reads == []
        assert (vcenter.count("retrieve_many"), vcenter.count("FetchSoftwarePackages")) == (1, hosts)
        assert {result["changed"] for result in results} == {False}


def test_without_version_the_vib_says_which_version_it_is():
    vcenter = FakeVCenter(spherelet="7.0.3-2")
    depot = FakeDepot()

    rollout = roll_out(vcenter, depot, urls=(URL_2,))[0]

    assert rollout.version == "7.0.3-2"
    assert not rollout.changed
    assert depot.reads == [URL_2]


def test_a_vib_that_installs_live_needs_no_maintenance_mode():
    vcenter = FakeVCenter()

    results = roll_out(vcenter, FakeDepot(maintenance=False), urls=(URL_1,))[1]

    assert vcenter.count("EnterMaintenanceMode_Task") == 0
    assert vcenter.count("SetField") == 0
    assert {result["maintenance_mode_entered"] for result in results} == {False}


def test_maintenance_mode_never_and_always_override_the_vib():
    never = FakeVCenter()
    roll_out(never, urls=(URL_1,), version="7.0.3-1", maintenance_mode="never")
    always = FakeVCenter()
    roll_out(always, FakeDepot(maintenance=False), urls=(URL_1,), version="7.0.3-1", maintenance_mode="always")

    assert never.count("EnterMaintenanceMode_Task") == 0
    assert always.count("EnterMaintenanceMode_Task") == 3


def test_a_newer_version_is_left_alone_unless_downgrades_are_allowed():
    vcenter = FakeVCenter(spherelet="7.0.3-2")

    rollout = roll_out(vcenter, urls=(URL_1,), version="7.0.3-1")[0]

    assert not rollout.changed
    assert rollout.items[0].reasons == ("version 7.0.3-2 is newer than 7.0.3-1 and allow_downgrade is false: left as is",)
    assert vcenter.mutations() == []

    rollout, results = roll_out(vcenter, urls=(URL_1,), version="7.0.3-1", allow_downgrade=True)

    assert rollout.items[0].reasons == ("downgrade 7.0.3-2 -> 7.0.3-1",)
    assert {result["version_after"] for result in results} == {"7.0.3-1"}


def test_check_mode_predicts_what_a_real_run_returns():
    vcenter = FakeVCenter(spherelet="7.0.3-1")
    vibs = HostVibs(vcenter, FakeDepot())
    rollout = vibs.plan(VibSpec(urls=(URL_2,)), vibs.read("spherelet", cluster="C1"))

    predicted = rollout.predicted_results()

    assert vcenter.mutations() == []
    assert predicted == vibs.apply(rollout)


# -- removal --------------------------------------------------------------------------------


def test_removal_enters_maintenance_mode_as_the_installed_package_requires():
    vcenter = FakeVCenter(spherelet="7.0.3-1")
    vcenter.by_name("H1")["vibs"]["spherelet"]["maintenance"] = False

    rollout, results = roll_out(vcenter, state="absent")

    assert [item.action for item in rollout.items] == ["delete"] * 3
    assert [result["maintenance_mode_entered"] for result in results] == [True, False, True]
    assert all(not host["vibs"] for host in vcenter.hosts.values())

    rollout = roll_out(vcenter, state="absent")[0]

    assert not rollout.changed
    assert vcenter.count("UninstallHostPatch_Task") == 3


def test_removal_of_one_version_leaves_the_others():
    vcenter = FakeVCenter(spherelet="7.0.3-1")
    vcenter.by_name("H2")["vibs"]["spherelet"]["version"] = "7.0.3-2"

    rollout = roll_out(vcenter, state="absent", version="7.0.3-1")[0]

    assert [item.action for item in rollout.items] == ["delete", "delete", "none"]


# -- failures and recovery ------------------------------------------------------------------


def test_a_failing_host_stops_the_rollout_and_goes_back_to_service():
    vcenter = FakeVCenter(spherelet="7.0.3-1")
    vcenter.failing[("InstallHostPatchV2_Task", "H1")] = "InstallationError: no space left"

    with pytest.raises(RolloutStopped) as raised:
        roll_out(vcenter, urls=(URL_2,))

    message = str(raised.value)
    assert message.startswith("Failed to install VIB spherelet 7.0.3-2 on 'H1' on vCenter vc:443: PlatformConfigFault: InstallationError: no space left")
    assert "stopped at host 'H1' (not started: H2)" in message
    outcome = [(r["name"], r["changed"], r["version_after"]) for r in raised.value.hosts]
    assert outcome == [("H0", True, "7.0.3-2"), ("H1", False, "7.0.3-1"), ("H2", False, "7.0.3-1")]
    assert [call for call in vcenter.calls if call[1] == "H2" and call[0] in MUTATING] == []
    assert not vcenter.by_name("H1")["maintenance"]
    assert vcenter.marker("H1") == ""


def test_a_host_that_cannot_leave_maintenance_mode_says_so_with_the_first_error():
    vcenter = FakeVCenter(spherelet="7.0.3-1")
    vcenter.failing[("InstallHostPatchV2_Task", "H0")] = "InstallationError: boom"
    vcenter.failing[("ExitMaintenanceMode_Task", "H0")] = "InvalidState: busy"

    with pytest.raises(RolloutStopped) as raised:
        roll_out(vcenter, urls=(URL_2,))

    assert "InstallationError: boom; the host stays in maintenance mode (a later run brings it back): " in str(raised.value)
    assert "InvalidState: busy" in str(raised.value)
    assert vcenter.by_name("H0")["maintenance"]
    assert vcenter.marker("H0").startswith("entered by pacific.vsphere")


def test_a_host_left_in_maintenance_mode_by_an_interrupted_run_is_brought_back():
    vcenter = FakeVCenter(spherelet="7.0.3-2")
    vcenter.fields.append(SimpleNamespace(key=7, name=MAINTENANCE_MARKER))
    left = vcenter.by_name("H1")
    left["maintenance"] = True
    left["custom"].append(SimpleNamespace(key=7, value="entered by pacific.vsphere to change VIB spherelet"))
    admins = vcenter.by_name("H2")
    admins["maintenance"] = True

    rollout, results = roll_out(vcenter, urls=(URL_2,), version="7.0.3-2")

    assert [item.action for item in rollout.items] == ["none", "update", "none"]
    assert rollout.items[1].reasons == ("left in maintenance mode by an interrupted run of pacific.vsphere: exit it",)
    assert vcenter.mutations() == [("ExitMaintenanceMode_Task", "H1"), ("SetField", "H1")]
    assert (left["maintenance"], admins["maintenance"]) == (False, True)
    assert results[1]["changed"] and not results[1]["maintenance_mode_entered"]


def test_a_host_already_in_maintenance_mode_installs_without_entering_and_stays():
    vcenter = FakeVCenter()
    vcenter.by_name("H0")["maintenance"] = True

    results = roll_out(vcenter, urls=(URL_1,), hosts=["H0"])[1]

    assert vcenter.mutations() == [("InstallHostPatchV2_Task", "H0")]
    assert vcenter.by_name("H0")["maintenance"]
    assert results == [{"name": "H0", "version_before": None, "version_after": "7.0.3-1", "changed": True, "maintenance_mode_entered": False}]


# -- bad input fails before the first change -------------------------------------------------


@pytest.mark.parametrize(
    "spec, message",
    [
        (dict(urls=()), "vib_url is required with state=present"),
        (dict(urls=("ftp://depot/s.vib",)), "vib_url 'ftp://depot/s.vib' is not an http:// or https:// URL"),
        (dict(urls=("depot/s.vib",)), "vib_url 'depot/s.vib' is not an http:// or https:// URL"),
        (dict(urls=(URL_2,), max_parallel=0), "max_parallel: 0 is out of range: give the hosts remediated at a time, from 1 to 96"),
        (dict(urls=(URL_2,), max_parallel=97), "max_parallel: 97 is out of range"),
        (dict(urls=(URL_2,), wait_timeout=0), "wait_timeout: 0 is out of range: give the seconds to wait for each host task, from 1 to 86400"),
        (dict(urls=(URL_2,), maintenance_mode="sometimes"), "maintenance_mode 'sometimes' is not one of auto, always, never"),
        (dict(urls=(URL_2,), name=""), "name must not be empty"),
    ],
)
def test_invalid_specs_are_rejected_before_any_call(spec, message):
    with pytest.raises(InvalidArgumentError) as raised:
        VibSpec(**spec).validate()

    assert str(raised.value).startswith(message)


def test_a_url_holding_another_version_fails_before_any_change():
    vcenter = FakeVCenter()

    with pytest.raises(InvalidArgumentError, match=r"vib_url 'http://depot/spherelet-7.0.3-1.vib' holds spherelet 7.0.3-1, not version 7.0.3-2"):
        roll_out(vcenter, urls=(URL_1,), version="7.0.3-2")

    assert vcenter.mutations() == []


def test_a_url_holding_another_vib_fails_before_any_change():
    vcenter = FakeVCenter()

    with pytest.raises(InvalidArgumentError, match=r"vib_url holds no VIB named 'nsx-lcp' \(found: spherelet 7.0.3-1 at http://depot/spherelet-7.0.3-1.vib\)"):
        roll_out(vcenter, urls=(URL_1,), name="nsx-lcp")

    assert vcenter.mutations() == []


def test_an_unknown_cluster_or_host_lists_the_known_ones():
    vcenter = FakeVCenter()

    with pytest.raises(NotFoundError, match=r"Cluster 'C9' not found \(known: C1\)"):
        roll_out(vcenter, cluster="C9", urls=(URL_1,))
    with pytest.raises(NotFoundError, match=r"Host 'H7' not found \(known: H0, H1, H2\)"):
        roll_out(vcenter, hosts=["H0", "H7"], urls=(URL_1,))

    assert vcenter.mutations() == []


def test_a_host_vcenter_cannot_reach_fails_the_plan_before_any_change():
    vcenter = FakeVCenter()
    vcenter.by_name("H2")["connection"] = "notResponding"

    with pytest.raises(PacificError, match=r"Cannot manage VIB 'spherelet' on host 'H2': the host is notResponding, vCenter cannot ask it"):
        roll_out(vcenter, urls=(URL_1,))

    assert vcenter.mutations() == []
    assert vcenter.count("FetchSoftwarePackages") == 2


def test_read_reports_each_host():
    vcenter = FakeVCenter(spherelet="7.0.3-1")

    hosts = HostVibs(vcenter, None).read("spherelet", cluster="C1")

    assert hosts[0].as_dict() == {
        "name": "H0",
        "moid": "host-0",
        "connection_state": "connected",
        "in_maintenance_mode": False,
        "left_in_maintenance_by_pacific": False,
        "installed": True,
        "version": "7.0.3-1",
        "vendor": "VMware",
        "maintenance_mode_required": True,
        "unreadable_reason": None,
    }


def test_versions_compare_numbers_as_numbers():
    assert sorted(["7.0.3-10", "7.0.3-2", "7.0.2-30", "7.0.3-0.20.19193900"], key=version_key) == ["7.0.2-30", "7.0.3-0.20.19193900", "7.0.3-2", "7.0.3-10"]
