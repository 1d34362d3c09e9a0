"""Which Tanzu Kubernetes release a guest cluster asks for, and whether it may have it."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.tanzu_releases import Release, Releases, kubernetes_numbers, names_release


def release(version, compatible=True, ready=True):
    conditions = [
        {"type": "Ready", "status": "True" if ready else "False", "message": "" if ready else "images are missing"},
        {"type": "Compatible", "status": "True" if compatible else "False", "message": "" if compatible else "needs Supervisor 1.24"},
    ]
    return {"metadata": {"name": version.replace("+", "---")}, "spec": {"version": version}, "status": {"conditions": conditions}}


RELEASES = Releases(
    [
        release("v1.24.11+vmware.1-fips.1-tkg.1", compatible=False),
        release("v1.26.13+vmware.1-fips.1-tkg.3"),
        release("v1.27.11+vmware.1-fips.1-tkg.2"),
        release("v1.27.9+vmware.1-fips.1-tkg.1"),
        release("v1.28.8+vmware.1-fips.1-tkg.2", ready=False),
    ],
    " on Supervisor sv:6443",
)


@pytest.mark.parametrize(
    "requested, name",
    [
        ("v1.27.11---vmware.1-fips.1-tkg.2", "v1.27.11---vmware.1-fips.1-tkg.2"),
        ("v1.27.11+vmware.1-fips.1-tkg.2", "v1.27.11---vmware.1-fips.1-tkg.2"),
        ("v1.27", "v1.27.11---vmware.1-fips.1-tkg.2"),
        ("1.27.9", "v1.27.9---vmware.1-fips.1-tkg.1"),
        ("v1.26", "v1.26.13---vmware.1-fips.1-tkg.3"),
    ],
)
def test_a_name_a_version_or_a_short_version_resolve_to_the_newest_usable_release(requested, name):
    resolved = RELEASES.resolve(requested, "kubernetes_version")

    assert resolved == Release(name=name, version=name.replace("---", "+"))


def test_the_newest_usable_release_skips_those_not_ready_or_not_compatible():
    assert RELEASES.newest("kubernetes_version").name == "v1.27.11---vmware.1-fips.1-tkg.2"


def test_an_unknown_release_lists_the_known_ones_in_version_order():
    with pytest.raises(InvalidArgumentError) as caught:
        RELEASES.resolve("v1.99", "kubernetes_version")

    message = caught.value.message
    assert message.startswith("kubernetes_version: no Tanzu Kubernetes release matches 'v1.99' on Supervisor sv:6443 (known: v1.24.11")
    assert message.index("v1.27.9---") < message.index("v1.27.11---")
    assert "short version such as v1.27" in message


@pytest.mark.parametrize(
    "requested, problem",
    [
        ("v1.24", "v1.24.11---vmware.1-fips.1-tkg.1: it is not compatible (needs Supervisor 1.24)"),
        ("v1.28.8---vmware.1-fips.1-tkg.2", "cannot be used on Supervisor sv:6443: it is not ready (images are missing)"),
    ],
)
def test_a_release_that_cannot_be_used_says_why(requested, problem):
    with pytest.raises(InvalidArgumentError) as caught:
        RELEASES.resolve(requested, "kubernetes_version")

    assert problem in caught.value.message


def test_a_manifests_reference_may_be_a_name_a_version_or_a_version_prefix():
    RELEASES.check_reference("v1.26.13---vmware.1-fips.1-tkg.3", "ref")
    RELEASES.check_reference("v1.26.13+vmware.1-fips.1", "ref")
    with pytest.raises(InvalidArgumentError, match="no Tanzu Kubernetes release matches 'v1.30.1'"):
        RELEASES.check_reference("v1.30.1", "ref")
    with pytest.raises(InvalidArgumentError, match="it is not compatible"):
        RELEASES.check_reference("v1.24.11+vmware.1-fips.1", "ref")


def test_a_short_version_names_the_release_a_cluster_runs_so_it_keeps_it():
    running = Release.from_reference("v1.27.9---vmware.1-fips.1-tkg.1")

    assert names_release("v1.27", running)
    assert names_release("v1.27.9+vmware.1-fips.1-tkg.1", running)
    assert not names_release("v1.27.11", running)
    assert not names_release("v1.2", running)


def test_kubernetes_numbers_read_names_and_versions():
    assert kubernetes_numbers("v1.27.11---vmware.1") == kubernetes_numbers("v1.27.11+vmware.1") == (1, 27, 11)
