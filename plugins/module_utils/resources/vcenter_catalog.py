# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Names of vCenter objects turned into the identifiers the REST API takes, and back.

Each collection is listed once, on first use, with one REST call
(``GET /api/vcenter/cluster``, ``/network``, ``/storage/policies``,
``/api/content/library``); only content libraries cost one more call per
library read, since vCenter lists their identifiers without names. Lookups by
name return the identifier or raise NotFoundError listing the known names,
prefixed with the option the name came from.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError

# How many known names a message lists before summarising.
KNOWN_NAMES_SHOWN = 20
DISTRIBUTED_PORTGROUP = "DISTRIBUTED_PORTGROUP"


def known_names(names):
    """``a, b, c`` for a message, summarised after KNOWN_NAMES_SHOWN names; ``none`` when empty."""
    names = sorted(set(names), key=str.lower)
    shown = ", ".join(names[:KNOWN_NAMES_SHOWN]) or "none"
    if len(names) > KNOWN_NAMES_SHOWN:
        shown += f", ... ({len(names) - KNOWN_NAMES_SHOWN} more)"
    return shown


class VCenterCatalog:
    """Clusters, networks, storage policies and content libraries of one vCenter, through a REST client."""

    def __init__(self, rest):
        self._rest = rest
        self._lists = {}
        self._library_names = {}

    # -- clusters -----------------------------------------------------------

    def cluster_id(self, name, option="cluster"):
        clusters = self._list("clusters", "/api/vcenter/cluster", "list the clusters")
        return self._unique(option, "cluster", name, [(c["cluster"], c["name"]) for c in clusters])

    # -- networks -----------------------------------------------------------

    def network_id(self, name, option, *, distributed=False):
        """The network named ``name``; ``distributed`` requires a distributed port group."""
        networks = self._networks()
        candidates = [(n["network"], n["name"]) for n in networks if not distributed or n["type"] == DISTRIBUTED_PORTGROUP]
        kind = "distributed port group" if distributed else "network"
        try:
            return self._unique(option, kind, name, candidates)
        except NotFoundError:
            other = next((n for n in networks if name in (n["name"], n["network"])), None)
            if other is None:
                raise
            raise InvalidArgumentError(
                f"{option}: '{name}' is a {other['type'].lower().replace('_', ' ')}, not a distributed port group"
                f" (known distributed port groups: {known_names(object_name for object_id, object_name in candidates)})"
            ) from None

    def network_name(self, network_id):
        """The name of network ``network_id``; the identifier itself when vCenter does not list it."""
        return next((n["name"] for n in self._networks() if n["network"] == network_id), network_id)

    def _networks(self):
        return self._list("networks", "/api/vcenter/network", "list the networks")

    # -- storage policies -----------------------------------------------------

    def policy_id(self, name, option):
        return self._unique(option, "storage policy", name, [(p["policy"], p["name"]) for p in self._policies()])

    def policy_name(self, policy_id):
        return next((p["name"] for p in self._policies() if p["policy"] == policy_id), policy_id)

    def _policies(self):
        return self._list("policies", "/api/vcenter/storage/policies", "list the storage policies")

    # -- content libraries ------------------------------------------------------

    def library_id(self, name, option):
        """The library named ``name`` (or whose identifier it is), reading libraries one by one until found.

        vCenter keeps library names unique, so the first match is the one.
        """
        ids = self._list("libraries", "/api/content/library", "list the content libraries")
        if name in ids:
            return name
        for library_id in ids:
            if self.library_name(library_id) == name:
                return library_id
        known = sorted(self._library_names.values())
        raise NotFoundError(f"{option}: content library '{name}' not found (known: {known_names(known)})", kind="content library", name=name, known=known)

    def library_name(self, library_id):
        if library_id not in self._library_names:
            library = self._rest.get(f"/api/content/library/{library_id}", what=f"read content library {library_id}")
            self._library_names[library_id] = library["name"]
        return self._library_names[library_id]

    # -- internals ----------------------------------------------------------------

    def _list(self, key, path, what):
        if key not in self._lists:
            self._lists[key] = self._rest.get(path, what=what) or []
        return self._lists[key]

    @staticmethod
    def _unique(option, kind, name, candidates):
        """The identifier of the one candidate ``(id, name)`` named ``name``, or whose identifier ``name`` is."""
        matches = [object_id for object_id, object_name in candidates if object_name == name]
        matches = matches or [object_id for object_id, object_name in candidates if object_id == name]
        if not matches:
            known = sorted({object_name for object_id, object_name in candidates})
            raise NotFoundError(f"{option}: {kind} '{name}' not found (known: {known_names(known)})", kind=kind, name=name, known=known)
        if len(matches) > 1:
            raise InvalidArgumentError(
                f"{option}: {len(matches)} {kind}s are named '{name}' ({', '.join(matches)}): give the identifier instead, or rename one"
            )
        return matches[0]
