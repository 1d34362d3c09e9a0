# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Names of vCenter objects turned into the identifiers the REST API takes, and back: one catalog for every kind.

Each collection is listed once, on first use, with one REST call
(``GET /api/vcenter/cluster``, ``/network``, ``/storage/policies``,
``/namespace-management/virtual-machine-classes``, ``/api/content/library``).
The Content Library API lists identifiers without names, so a library costs
one more ``GET /api/content/library/{id}`` the first time its name is
needed, and a lookup by name reads libraries only until it finds the one.

A lookup by name also accepts the identifier. A name that matches nothing
raises UnknownNameError listing the known names, prefixed with the option
or key path the name came from; a name shared by several objects asks for
the identifier.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, UnknownNameError

# How many known names a message lists before summarising.
KNOWN_NAMES_SHOWN = 20
DISTRIBUTED_PORTGROUP = "DISTRIBUTED_PORTGROUP"

CLUSTER = "cluster"
NETWORK = "network"
STORAGE_POLICY = "storage policy"
VM_CLASS = "VM class"
CONTENT_LIBRARY = "content library"
LIBRARIES_PATH = "/api/content/library"
VM_CLASSES_PATH = "/api/vcenter/namespace-management/virtual-machine-classes"
# kind: (list path, the key of the identifier in a listed record, what listing it is called in messages)
_LISTS = {
    CLUSTER: ("/api/vcenter/cluster", "cluster", "list the clusters"),
    NETWORK: ("/api/vcenter/network", "network", "list the networks"),
    STORAGE_POLICY: ("/api/vcenter/storage/policies", "policy", "list the storage policies"),
    # A VM class is named by its identifier.
    VM_CLASS: (VM_CLASSES_PATH, "id", "list the VM classes"),
}


def known_names(names):
    """``a, b, c`` for a message, summarised after KNOWN_NAMES_SHOWN names; ``none`` when empty."""
    names = sorted(set(names), key=str.lower)
    shown = ", ".join(names[:KNOWN_NAMES_SHOWN]) or "none"
    if len(names) > KNOWN_NAMES_SHOWN:
        shown += f", ... ({len(names) - KNOWN_NAMES_SHOWN} more)"
    return shown


class Catalog:
    """The objects of one vCenter that other objects refer to, through a REST client.

    ``where`` ends every "not found" message (`` on vCenter vc:443``), for
    front ends that want the vCenter named. ``sharing`` is another catalog of
    the same vCenter whose lists this one uses, so that resources of one run
    list each kind once.
    """

    def __init__(self, rest, *, where="", sharing=None):
        self._rest = rest
        self._where = where
        self._records = {} if sharing is None else sharing._records
        self._library_names = {} if sharing is None else sharing._library_names
        self._expected = {} if sharing is None else sharing._expected

    def expect(self, kind, names):
        """Take ``names`` of ``kind`` as known, their own identifiers: objects the run makes before those that name them (VM classes)."""
        self._expected.setdefault(kind, set()).update(names)

    def records(self, kind):
        """What vCenter lists of ``kind`` (a library: its identifier), read once."""
        if kind not in self._records:
            if kind == CONTENT_LIBRARY:
                self._records[kind] = self._rest.get(LIBRARIES_PATH, what="list the content libraries") or []
            else:
                path, _key, what = _LISTS[kind]
                self._records[kind] = self._rest.get(path, what=what) or []
        return self._records[kind]

    # -- identifier -> name, for what vCenter returns -----------------------

    def name_of(self, kind, object_id):
        """The name of ``object_id``; the identifier itself when vCenter does not list it."""
        if kind == CONTENT_LIBRARY:
            return self._library_name(object_id)
        return next((name for ident, name in self._pairs(kind) if ident == object_id), object_id)

    # -- name -> identifier, for what the user gives --------------------------

    def id_of(self, kind, name, option, *, distributed=False):
        """The identifier of the one ``kind`` object named ``name`` (or whose identifier it is); ``distributed`` for port groups only."""
        if kind == CONTENT_LIBRARY:
            return self._library_id(name, option)
        candidates = self._pairs(kind, distributed=distributed)
        try:
            return self._unique(option, "distributed port group" if distributed else kind, name, candidates)
        except UnknownNameError:
            other = next((record for record in self.records(NETWORK) if name in (record["name"], record["network"])), None) if distributed else None
            if other is None:
                raise
            raise InvalidArgumentError(
                f"{option}: '{name}' is a {other['type'].lower().replace('_', ' ')}, not a distributed port group"
                f" (known distributed port groups: {known_names(object_name for _ident, object_name in candidates)})"
            ) from None

    def known_id(self, kind, name):
        """The identifier of ``name``, or ``name`` itself: for names this catalog made of identifiers vCenter no longer lists."""
        try:
            return self.id_of(kind, name, kind)
        except (UnknownNameError, InvalidArgumentError):
            return name

    def check_names(self, subject, **names_by_option):
        """Raise InvalidArgumentError naming every unknown or ambiguous name, by option (``storage_policies``, ``vm_classes``, ``content_libraries``)."""
        problems = []
        for option, names in names_by_option.items():
            kind = _OPTION_KINDS[option]
            unknown = []
            for name in names or ():
                try:
                    self.id_of(kind, name, option)
                except UnknownNameError:
                    unknown.append(name)
                except InvalidArgumentError as error:
                    problems.append(error.message)
            if unknown:
                quoted = ", ".join(f"'{name}'" for name in unknown)
                problems.append(f"{option}: {kind} {quoted} not found{self._where} (known: {known_names(self._names(kind))})")
        if problems:
            raise InvalidArgumentError(f"Cannot manage {subject}: " + "; ".join(problems))

    # -- internals ------------------------------------------------------------------

    def _pairs(self, kind, *, distributed=False):
        _path, key, _what = _LISTS[kind]
        records = self.records(kind)
        if distributed:
            records = [record for record in records if record["type"] == DISTRIBUTED_PORTGROUP]
        pairs = [(record[key], record.get("name", record[key])) for record in records]
        expected = self._expected.get(kind)
        if expected:
            listed = {ident for ident, _name in pairs}
            pairs += [(name, name) for name in sorted(expected) if name not in listed]
        return pairs

    def _names(self, kind):
        if kind == CONTENT_LIBRARY:
            return [self._library_name(library_id) for library_id in self.records(kind)]
        return [name for _ident, name in self._pairs(kind)]

    def _library_name(self, library_id):
        if library_id not in self._library_names:
            library = self._rest.get(f"{LIBRARIES_PATH}/{library_id}", what=f"read content library {library_id}")
            self._library_names[library_id] = library["name"]
        return self._library_names[library_id]

    def _library_id(self, name, option):
        # vCenter keeps library names unique, so the first match is the one.
        ids = self.records(CONTENT_LIBRARY)
        if name in ids:
            return name
        for library_id in ids:
            if self._library_name(library_id) == name:
                return library_id
        return self._unique(option, CONTENT_LIBRARY, name, [(library_id, self._library_name(library_id)) for library_id in ids])

    def _unique(self, option, kind, name, candidates):
        """The identifier of the one candidate ``(id, name)`` named ``name``, or whose identifier ``name`` is."""
        matches = [object_id for object_id, object_name in candidates if object_name == name]
        matches = matches or [object_id for object_id, object_name in candidates if object_id == name]
        if not matches:
            known = sorted({object_name for _object_id, object_name in candidates})
            raise UnknownNameError(f"{option}: {kind} '{name}' not found{self._where} (known: {known_names(known)})", kind=kind, name=name, known=known)
        if len(matches) > 1:
            raise InvalidArgumentError(
                f"{option}: {len(matches)} {kind}s are named '{name}' ({', '.join(matches)}): give the identifier instead, or rename one"
            )
        return matches[0]


# The options of a namespace that name other objects, and their kinds.
_OPTION_KINDS = {"storage_policies": STORAGE_POLICY, "vm_classes": VM_CLASS, "content_libraries": CONTENT_LIBRARY}
