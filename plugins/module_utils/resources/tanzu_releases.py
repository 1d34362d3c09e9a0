# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Tanzu Kubernetes releases (TKRs): which one a guest cluster asks for, and whether it can have it.

A release has a name (``v1.27.11---vmware.1-fips.1-tkg.2``, what a
TanzuKubernetesCluster names in ``tkr.reference.name``) and a version
(``v1.27.11+vmware.1-fips.1-tkg.2``, what a Cluster names in
``spec.topology.version``): Kubernetes names cannot hold ``+``, so the name
spells it ``---``. Users may also give a short version (``v1.27``, ``1.27.11``),
which means "a release of that Kubernetes version": a cluster already on
one keeps it (no surprise patch upgrade), a new one gets the newest that
is Ready and Compatible.

All releases are read with one list call, and only when a release has to
be resolved or checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import TANZU_KUBERNETES_RELEASE
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError

SHORT_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")
# How many release names an error lists before summarising.
RELEASES_SHOWN = 12


@dataclass(frozen=True)
class Release:
    """A release as both cluster APIs name it."""

    name: str
    version: str

    @classmethod
    def from_reference(cls, reference):
        """The release a cluster names, by TKR name or by version (both spellings are accepted by both forms)."""
        return cls(name=reference.replace("+", "---"), version=reference.replace("---", "+"))


def kubernetes_numbers(version):
    """``(1, 27, 11)`` of ``v1.27.11+vmware.1`` (or of a release name)."""
    plain = version.replace("---", "+").lstrip("v").split("+", 1)[0]
    return tuple(int(part) for part in plain.split(".") if part.isdigit())


def short_version(requested):
    """``(1, 27)`` of a short version (``v1.27``, ``1.27.11``); None for anything else."""
    match = SHORT_VERSION.match(requested.strip())
    return None if match is None else tuple(int(part) for part in match.groups() if part is not None)


def names_release(requested, release):
    """Whether ``requested`` (a release name, version or short version) names ``release``: then a cluster on it keeps it."""
    if requested in (release.name, release.version):
        return True
    wanted = short_version(requested)
    return wanted is not None and kubernetes_numbers(release.version)[: len(wanted)] == wanted


def _condition(release, kind):
    return next((entry for entry in (release.get("status") or {}).get("conditions") or () if entry.get("type") == kind), None)


def _usable_problem(release):
    """Why a release cannot be used for a new or upgraded cluster, or None."""
    for kind in ("Compatible", "Ready"):
        condition = _condition(release, kind)
        if condition is not None and condition.get("status") != "True":
            why = condition.get("message") or condition.get("reason") or f"{kind} is {condition.get('status')}"
            return f"it is not {kind.lower()} ({why})"
    return None


class Releases:
    """The releases a Supervisor offers, read once."""

    def __init__(self, objects, where=""):
        self._objects = list(objects)
        self._where = where

    @classmethod
    def read(cls, supervisor):
        return cls(supervisor.list(TANZU_KUBERNETES_RELEASE), f" on Supervisor {supervisor.connection.endpoint}")

    def resolve(self, requested, option):
        """The newest usable Release ``requested`` names (exactly, or by short version).

        Raises InvalidArgumentError, naming ``option``, for an unknown
        release or one that cannot be used (not Compatible, not Ready).
        """
        exact = self._exact(requested)
        if exact is not None:
            self._require_usable(exact, requested, option)
            return self._release(exact)
        wanted = short_version(requested)
        if wanted is None:
            raise InvalidArgumentError(self._unknown(requested, option))
        matching = [release for release in self._objects if kubernetes_numbers(self._version(release))[: len(wanted)] == wanted]
        usable = [release for release in matching if _usable_problem(release) is None]
        if not usable:
            if matching:
                problems = "; ".join(f"{release['metadata']['name']}: {_usable_problem(release)}" for release in matching)
                raise InvalidArgumentError(f"{option}: no usable Tanzu Kubernetes release of Kubernetes {requested}{self._where} ({problems})")
            raise InvalidArgumentError(self._unknown(requested, option))
        return self._release(max(usable, key=lambda release: (kubernetes_numbers(self._version(release)), self._version(release))))

    def newest(self, option):
        """The newest usable release: what a new cluster gets when no version is given."""
        usable = [release for release in self._objects if _usable_problem(release) is None]
        if not usable:
            raise InvalidArgumentError(f"{option}: the Supervisor{self._where} offers no Tanzu Kubernetes release that is Ready and Compatible")
        return self._release(max(usable, key=lambda release: (kubernetes_numbers(self._version(release)), self._version(release))))

    def check_reference(self, reference, option):
        """Raise unless ``reference`` (as a manifest names it: a TKR name, a version or a version prefix) names a usable release."""
        exact = self._exact(reference)
        if exact is not None:
            self._require_usable(exact, reference, option)
            return
        prefixed = [release for release in self._objects if self._version(release).startswith(reference.replace("---", "+"))]
        if not prefixed:
            raise InvalidArgumentError(self._unknown(reference, option))
        if all(_usable_problem(release) is not None for release in prefixed):
            self._require_usable(prefixed[0], reference, option)

    # -- internals -----------------------------------------------------------

    @staticmethod
    def _version(release):
        return (release.get("spec") or {}).get("version") or release["metadata"]["name"].replace("---", "+")

    def _exact(self, requested):
        for release in self._objects:
            if requested in (release["metadata"]["name"], self._version(release)):
                return release
        return None

    def _release(self, release):
        return Release(name=release["metadata"]["name"], version=self._version(release))

    def _require_usable(self, release, requested, option):
        problem = _usable_problem(release)
        if problem:
            raise InvalidArgumentError(f"{option}: Tanzu Kubernetes release '{requested}' cannot be used{self._where}: {problem}: choose another release")

    def _unknown(self, requested, option):
        names = sorted((release["metadata"]["name"] for release in self._objects), key=kubernetes_numbers)
        shown = ", ".join(names[:RELEASES_SHOWN]) or "none"
        if len(names) > RELEASES_SHOWN:
            shown += f", ... ({len(names) - RELEASES_SHOWN} more)"
        return (
            f"{option}: no Tanzu Kubernetes release matches '{requested}'{self._where} (known: {shown}):"
            " give a release name, its version or a short version such as v1.27"
        )
