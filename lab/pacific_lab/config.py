"""Where the lab keeps its state and the knobs it reads from the environment."""

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent.parent
# LAB_RUN_DIR lets several labs run side by side (each with its own ports).
RUN_DIR = Path(os.environ.get("LAB_RUN_DIR", LAB_DIR / ".run")).resolve()
PKI_DIR = RUN_DIR / "pki"
DEPOT_DIR = RUN_DIR / "depot"
VCSIM_SOURCE_DIR = LAB_DIR / "vcsim"
VCSIM_BINARY = RUN_DIR / "bin" / "pacific-vcsim"
PID_FILE = RUN_DIR / "lab.pid"
LOG_FILE = RUN_DIR / "lab.log"
ENDPOINTS_FILE = RUN_DIR / "endpoints.json"


def _supervisor_network():
    """Loopback /24 the Supervisors' API endpoints are allocated from.

    Derived from the vCenter port unless set, so labs started side by side
    (each on its own ports) never hand out the same Supervisor address.
    """
    if os.environ.get("LAB_SUPERVISOR_NETWORK"):
        return ipaddress.IPv4Network(os.environ["LAB_SUPERVISOR_NETWORK"])
    port = int(os.environ.get("LAB_VCENTER_PORT", "18443"))
    return ipaddress.IPv4Network(f"127.{(port >> 8) & 255}.{port & 255}.0/24")


SUPERVISOR_NETWORK = _supervisor_network()
# The network's lower half: the Supervisors' API endpoints; its upper half: the load balancer's virtual servers of
# guest clusters' control planes (vSphere takes both from the load balancer's one range: the lab keeps them apart,
# vCenter's side and the Supervisors' side allocating each their own).
SUPERVISOR_ENDPOINTS, GUEST_CLUSTER_ENDPOINTS = SUPERVISOR_NETWORK.subnets(prefixlen_diff=1)

# The front door presents a certificate for these names only.
VCENTER_HOSTNAME = "localhost"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class VcenterRelease:
    """What the lab reports itself to be, through vim25 (`About`, vimServiceVersions.xml) and the REST API."""

    version: str  # About.version
    api_version: str  # About.apiVersion, the newest vim25 version served
    build: str  # About.build
    host_build: str  # the hosts' About.build: ESXi of the same update
    esx_base: str  # the hosts' esx-base VIB version
    image_profile: str  # the hosts' image profile
    appliance_version: str  # GET /api/appliance/system/version: version
    release_date: str  # ... and releasedate
    supervisors_api: bool  # vCenter 8.0 (vSphere API 8.0.0.1) added Supervisors and vSphere Zones


# Builds and dates from VMware's release notes: vCenter Server 8.0 Update 3 (24022515) with ESXi 8.0 Update 3
# (24022510), 2024-06-25; vCenter Server 7.0 Update 3c (19234570) with ESXi 7.0 Update 3c (19193900), 2022-01-27.
RELEASES = {
    "8.0.3": VcenterRelease("8.0.3", "8.0.3.0", "24022515", "24022510", "8.0.3-0.0.24022510", "ESXi-8.0U3-24022510-standard",
                            "8.0.3.00000", "2024-06-25", supervisors_api=True),
    "7.0.3": VcenterRelease("7.0.3", "7.0.3.0", "19234570", "19193900", "7.0.3-0.20.19193900", "ESXi-7.0U3c-19193900-standard",
                            "7.0.3.00300", "2022-01-27", supervisors_api=False),
}
DEFAULT_RELEASE = "8.0.3"


def release_from_env(environ=os.environ):
    """The release LAB_VCENTER_VERSION names (8.0.3 unless set); LabError names the ones there are."""
    name = environ.get("LAB_VCENTER_VERSION", DEFAULT_RELEASE)
    if name not in RELEASES:
        raise LabError(f"LAB_VCENTER_VERSION={name!r}: the lab can be vCenter {' or '.join(sorted(RELEASES))}")
    return RELEASES[name]


@dataclass(frozen=True)
class InventorySize:
    clusters: int
    hosts: int  # per cluster

    def as_dict(self):
        return {"clusters": self.clusters, "hosts": self.hosts}


@dataclass(frozen=True)
class Settings:
    vcenter_port: int
    control_port: int
    size: InventorySize
    username: str
    password: str
    release: VcenterRelease

    @classmethod
    def from_env(cls):
        env = os.environ
        return cls(
            vcenter_port=int(env.get("LAB_VCENTER_PORT", "18443")),
            control_port=int(env.get("LAB_CONTROL_PORT", "18480")),
            size=InventorySize(
                clusters=int(env.get("LAB_CLUSTERS", "4")),
                hosts=int(env.get("LAB_HOSTS", "3")),
            ),
            username=env.get("LAB_USER", "administrator@vsphere.local"),
            password=env.get("LAB_PASSWORD", "VMware1!"),
            release=release_from_env(env),
        )

    @property
    def control_url(self):
        return f"http://{LOOPBACK}:{self.control_port}"


class LabError(Exception):
    """A failure to report to whoever runs the lab, as a message rather than a traceback."""
