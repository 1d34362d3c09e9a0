"""The Tanzu Kubernetes releases every lab Supervisor offers, and how clusters name them.

A TKC names its release by TanzuKubernetesRelease name
(`v1.26.13---vmware.1-fips.1-tkg.3`); a Cluster by version in
`spec.topology.version` (`v1.26.13+vmware.1-fips.1-tkg.3`, or a prefix such
as `v1.26.13+vmware.1-fips.1`, which the Supervisor resolves to the newest
matching release). One release is seeded incompatible, so that a cluster
asking for it shows what the Supervisor says about such a release.
"""

from dataclasses import dataclass

from .apimachinery import meta


@dataclass(frozen=True)
class Release:
    version: str  # v1.26.13+vmware.1-fips.1-tkg.3
    kubernetes: str  # v1.26.13+vmware.1-fips.1
    compatible: bool = True
    os_image: str = "photon"

    @property
    def name(self):
        """The object name: `+` is not allowed in names, so it becomes `---`."""
        return self.version.replace("+", "---")

    @property
    def image(self):
        return f"vmi-{self.os_image}-3-amd64-{self.name}"


RELEASES = (
    Release("v1.24.11+vmware.1-fips.1-tkg.1", "v1.24.11+vmware.1-fips.1", compatible=False),
    Release("v1.26.13+vmware.1-fips.1-tkg.3", "v1.26.13+vmware.1-fips.1"),
    Release("v1.27.11+vmware.1-fips.1-tkg.2", "v1.27.11+vmware.1-fips.1"),
    Release("v1.28.8+vmware.1-fips.1-tkg.2", "v1.28.8+vmware.1-fips.1"),
)
INCOMPATIBLE_REASON = "the release needs a Supervisor running Kubernetes 1.24; this Supervisor runs 1.26"


def release_object(release):
    """The TanzuKubernetesRelease object of a release, status included."""
    conditions = [meta.condition("Ready", "True")]
    if release.compatible:
        conditions.append(meta.condition("Compatible", "True"))
    else:
        conditions.append(meta.condition("Compatible", "False", "IncompatibleSupervisorVersion", INCOMPATIBLE_REASON))
    return {
        "apiVersion": "run.tanzu.vmware.com/v1alpha3",
        "kind": "TanzuKubernetesRelease",
        "metadata": {"name": release.name, "labels": {
            "run.tanzu.vmware.com/os-name": release.os_image,
            "run.tanzu.vmware.com/" + release.kubernetes.split("+")[0].lstrip("v"): "",
        }},
        "spec": {"version": release.version, "kubernetes": {"version": release.kubernetes},
                 "osImages": [{"name": release.image}]},
        "status": {"conditions": conditions},
    }


def resolve(requested, releases):
    """The TKR object (from `releases`) a TKC reference or a Cluster version names; None if none does.

    Exact names and versions win; a prefix of a version picks the newest release it matches.
    """
    for release in releases:
        if requested in (release["metadata"]["name"], release["spec"]["version"]):
            return release
    candidates = [r for r in releases if r["spec"]["version"].startswith(requested)
                  or r["metadata"]["name"].startswith(requested)]
    return max(candidates, key=lambda r: _version_key(r["spec"]["version"]), default=None)


def is_compatible(release):
    found = next((c for c in (release.get("status") or {}).get("conditions") or [] if c.get("type") == "Compatible"), None)
    return found is not None and found.get("status") == "True"


def default_release(releases):
    """The newest compatible release: what a TKC without `tkr` gets."""
    compatible = [r for r in releases if is_compatible(r)]
    return max(compatible, key=lambda r: _version_key(r["spec"]["version"]), default=None)


def _version_key(version):
    numbers = version.lstrip("v").split("+")[0].split(".")
    return tuple(int(n) for n in numbers if n.isdigit()), version
