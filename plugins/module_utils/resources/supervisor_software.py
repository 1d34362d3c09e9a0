# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The Supervisor's version, through vCenter's software API (``namespace-management/software/clusters``, vSphere 7.0 and 8.0).

A version reads ``v1.27.11+vmware.1-fips.1-vsc0.1.10-23710254``: the Kubernetes
version, then the Supervisor build. The user may give the whole version or a
prefix of it that ends at a part (``v1.27``, ``v1.27.11``); it is resolved
against what vCenter offers this Supervisor (``available_versions``: the next
minor version, as Supervisors upgrade one minor version at a time). One list
read serves every Supervisor of a run; an upgrade is one POST, then the
software state is polled until vCenter reports it READY on the new version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError

SOFTWARE_PATH = "/api/vcenter/namespace-management/software/clusters"
PENDING, READY, ERROR = "PENDING", "READY", "ERROR"
VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?([-+.].*)?$")
VERSION_RULE = "a Supervisor version such as v1.27.11+vmware.1-fips.1-vsc0.1.10-23710254, or a prefix of one such as v1.27"


@dataclass(frozen=True)
class Software:
    """What vCenter reports of a Supervisor's version (Software.Clusters.Summary or Info)."""

    current: str
    available: tuple
    state: str
    desired: Optional[str] = None  # the version an upgrade under way goes to
    messages: tuple = ()

    @classmethod
    def from_api(cls, value):
        status = value.get("upgrade_status") or {}
        messages = tuple((m.get("details") or {}).get("default_message", "") for m in value.get("messages") or () if m.get("details"))
        desired = value.get("desired_version") or status.get("desired_version")
        return cls(value["current_version"], tuple(value.get("available_versions") or ()), value["state"], desired, messages)


def version_problem(value):
    """Why ``value`` is no Supervisor version or prefix of one, or None."""
    if not isinstance(value, str) or not VERSION.match(value.strip()):
        return f"'{value}' is not {VERSION_RULE}"
    return None


def matches(version, wanted):
    """Whether ``version`` is ``wanted`` or starts with it up to a part boundary (``v1.27`` matches ``v1.27.11+...``, not ``v1.270``)."""
    version, wanted = _with_v(version), _with_v(wanted.strip())
    return version == wanted or (version.startswith(wanted) and version[len(wanted)] in ".+-")


def kubernetes_of(version):
    """(major, minor, patch) of a version or prefix; patch 0 when not given."""
    major, minor, patch = VERSION.match(_with_v(version)).groups()[:3]
    return int(major), int(minor), int(patch or 0)


def upgrade_target(subject, software, wanted):
    """The version to upgrade to for ``wanted`` (the one vCenter is upgrading to, when that matches), or None when the
    Supervisor runs it; raises InvalidArgumentError, naming what vCenter offers, for a version it does not offer (a
    downgrade, a skip) or while an upgrade to another one is under way."""
    where = f"kubernetes_version: '{wanted}' for the Supervisor of {subject}, which runs {software.current}"
    if software.desired:
        if matches(software.desired, wanted):
            return software.desired
        raise InvalidArgumentError(f"{where}: an upgrade to {software.desired} is under way: wait for it to end, then ask again")
    if matches(software.current, wanted):
        return None
    offered = [version for version in software.available if matches(version, wanted)]
    if offered:
        return max(offered, key=_numbers)
    choices = ", ".join(software.available) or "none"
    if kubernetes_of(wanted) < kubernetes_of(software.current):
        raise InvalidArgumentError(f"{where}: vCenter does not downgrade a Supervisor (it offers: {choices})")
    raise InvalidArgumentError(f"{where}: vCenter does not offer it; a Supervisor is upgraded one minor version at a time (it offers: {choices})")


class SupervisorSoftware:
    """The software API of one vCenter; the list is read once, until ``forget()``."""

    def __init__(self, rest):
        self._rest = rest
        self._listed = None

    def of(self, cluster_id):
        """The Software of the Supervisor keyed by ``cluster_id`` (its first zone's cluster), None when it has none."""
        if self._listed is None:
            listed = self._rest.get(SOFTWARE_PATH, what="list the Supervisors' versions") or []
            self._listed = {item["cluster"]: Software.from_api(item) for item in listed}
        return self._listed.get(cluster_id)

    def read(self, cluster_id, cluster):
        return Software.from_api(self._rest.get(f"{SOFTWARE_PATH}/{cluster_id}", what=f"read the version of the Supervisor of cluster '{cluster}'"))

    def upgrade(self, cluster_id, cluster, version):
        """Ask vCenter to upgrade; a POST without an answer was taken when the software state names ``version``."""
        self._listed = None

        def taken():
            software = self.read(cluster_id, cluster)
            return version in (software.current, software.desired)

        self._rest.post(
            f"{SOFTWARE_PATH}/{cluster_id}",
            params={"action": "upgrade"},
            json={"desired_version": version},
            what=f"upgrade the Supervisor of cluster '{cluster}' to {version}",
            read_back=taken,
        )

    def forget(self):
        self._listed = None


def _numbers(version):
    """The numbers of a version in order: newer versions of one form compare greater (vmware.2 after vmware.1)."""
    return tuple(int(number) for number in re.findall(r"\d+", version))


def _with_v(version):
    return version if version.startswith("v") else "v" + version
