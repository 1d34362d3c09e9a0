"""The Supervisor software vCenter ships, and what `namespace-management/software/clusters` reports of it.

Sources (recorded in lab/tests/reference/supervisors.json):
- "Every vCenter Server release ... includes three versions of Kubernetes for the Supervisor. The most current
  Supervisor Kubernetes version and two previous versions" (vSphere IaaS control plane 8.0, "Updating the vSphere
  IaaS control plane Environment"); upgrades are sequential, one minor version at a time, as upstream Kubernetes
  requires.
- A Supervisor version is "a semantic version string in the form v1.26.1+vmware.2-vsc0.1.1-20805373, where the
  prefix is the Kubernetes version (v1.26.1) and the suffix is the Supervisor build version" (vSphere Automation
  SDK, `namespace_management.supervisors`, supervisor_version); the API server's own `gitVersion` reads
  `v1.26.13+vmware.wcp.1` (`kubectl get nodes` on a Supervisor).
- Software.Clusters.Summary / Info / UpgradeStatus / UpgradeProgress and the State enumeration (PENDING "upgrade is
  in progress", READY, ERROR): vSphere Automation API 7.0 to 8.0 U3, `vcenter.namespace_management.software`.

Not sourced (lab/CONTRACT.md): the build numbers, and which of its versions vCenter deploys on enable (the lab
deploys the oldest, so that there is an upgrade to make).
"""

import datetime
import re
from dataclasses import dataclass

from . import errors

PENDING, READY, ERROR = "PENDING", "READY", "ERROR"


@dataclass(frozen=True)
class SupervisorRelease:
    version: str  # what the software API names: v1.26.13+vmware.1-fips.1-vsc0.1.9-23381106
    git_version: str  # what the Supervisor's /version answers: v1.26.13+vmware.wcp.1

    @property
    def minor(self):
        return int(re.match(r"v\d+\.(\d+)", self.version).group(1))


# The three Supervisor releases a vCenter 8.0 Update 3 lab ships, oldest first.
RELEASES = (
    SupervisorRelease("v1.26.13+vmware.1-fips.1-vsc0.1.9-23381106", "v1.26.13+vmware.wcp.1"),
    SupervisorRelease("v1.27.11+vmware.1-fips.1-vsc0.1.10-23710254", "v1.27.11+vmware.wcp.1"),
    SupervisorRelease("v1.28.3+vmware.2-fips.1-vsc0.1.11-24004345", "v1.28.3+vmware.wcp.2"),
)
DEPLOYED_ON_ENABLE = RELEASES[0].version


def release(version):
    """The release named `version`; a record without one (a lab state from before upgrades) runs the oldest."""
    return next((each for each in RELEASES if each.version == (version or DEPLOYED_ON_ENABLE)), RELEASES[0])


def available_versions(current):
    """What a Supervisor running `current` can be upgraded to: the releases of the next minor version."""
    minor = release(current).minor
    return [each.version for each in RELEASES if each.minor == minor + 1]


def upgrade_problem(doc, spec):
    """Why vCenter rejects `Clusters.upgrade(spec)` of the Supervisor `doc`, or None."""
    if not isinstance(spec, dict) or not isinstance(spec.get("desired_version"), str):
        return errors.invalid_argument("spec.desired_version: a string is required.")
    unknown = set(spec) - {"desired_version", "ignore_precheck_warnings"}
    if unknown:
        return errors.invalid_argument(f"spec: unknown field(s) {', '.join(sorted(unknown))}.")
    if doc["config_status"] != "RUNNING":
        return errors.unsupported(f"Supervisor {doc['name']} is {doc['config_status']}; it can be upgraded when RUNNING.")
    if doc.get("desired_version"):
        return errors.unsupported(f"Supervisor {doc['name']} is being upgraded to {doc['desired_version']}.")
    current = release(doc.get("version")).version
    offered = available_versions(current)
    if spec["desired_version"] not in offered:
        return errors.unsupported(
            f"Version {spec['desired_version']} is not available for Supervisor {doc['name']} running "
            f"{current}; available: {', '.join(offered) or 'none'}.")
    return None


def summary(doc):
    """Software.Clusters.Summary."""
    view = {"cluster": doc["cluster"], "cluster_name": doc["cluster_name"], **_version_fields(doc)}
    if doc.get("desired_version"):
        view["desired_version"] = doc["desired_version"]
    return view


def info(doc, total):
    """Software.Clusters.Info; `total`: the control-plane VMs an upgrade replaces."""
    view = {**_version_fields(doc), "messages": list(doc.get("upgrade_messages") or [])}
    if doc.get("desired_version"):
        completed = doc.get("upgrade_completed", 0)
        view["upgrade_status"] = {
            "desired_version": doc["desired_version"], "messages": [],
            "progress": {"total": total, "completed": completed, "message": errors.message(
                "vcenter.wcp.lab.upgrade.progress", f"{completed} of {total} control plane nodes upgraded.")},
        }
    return view


def _version_fields(doc):
    """What Summary and Info both report: the version run, the ones offered, the state, the last upgrade's date."""
    current = release(doc.get("version")).version
    fields = {"current_version": current, "available_versions": available_versions(current), "state": _state(doc)}
    if doc.get("last_upgraded_date"):
        fields["last_upgraded_date"] = doc["last_upgraded_date"]
    return fields


def _state(doc):
    if doc.get("desired_version"):
        return PENDING
    return ERROR if doc.get("upgrade_failed") else READY


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
