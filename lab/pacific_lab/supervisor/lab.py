"""The Supervisors of the running lab: the fleet wired to the lab's vCenter service,
request log, fault injector and time scale (what `labserver` starts)."""

from ..config import PKI_DIR, RUN_DIR
from .machines import VsphereMachines
from .service import LOGIN_PORT, SupervisorFleet, WatchSettings
from .timing import TimeScale
from .vcenter_directory import VcenterDirectory

STATE_DIR = RUN_DIR / "supervisor"
FAULT_API = "k8s"  # the `api` of fault rules (and request log entries) that concern the Supervisors


def lab_supervisors(vcenter, request_log, on_change):
    """A SupervisorFleet following `vcenter` (a VcenterService); `on_change(endpoints)` when Supervisors come and go."""
    return SupervisorFleet(
        VcenterDirectory(vcenter), state_dir=STATE_DIR, pki_dir=PKI_DIR,
        machines=VsphereMachines(vcenter.vsphere), time_scale=TimeScale(lambda: vcenter.settings.time_scale),
        record=request_log.record,
        fault=lambda operation, path: vcenter.faults.transient(FAULT_API, operation, path),
        on_change=on_change, login_port=LOGIN_PORT,
        watch=WatchSettings(history_seconds=lambda: vcenter.settings.watch_history_seconds,
                            bookmark_seconds=lambda: vcenter.settings.watch_bookmark_seconds))
