# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The contract every kind of object implements for the engine, and what one run shares between kinds.

A kind reads all its objects of a run at once (``read_all``: one list per
endpoint, plus the per-object reads vSphere has no bulk call for, in
parallel), plans each object from its desired spec and what was read
(``plan``), and applies a plan (``apply``). An object whose parent this run
creates cannot be read yet: ``plan_deferred`` plans it as a create whose
server-made values are known after apply, and ``apply`` plans it again, from
what is live then, just before it acts.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.plan import PlanItem
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.ownership import Marked, Marks

MAX_PARALLEL_READS = 8


@dataclass(frozen=True)
class Planned:
    """One object's plan: the engine's item, the live version it was planned from, and what its resource needs to apply it.

    ``work`` is the resource's own plan; ``view`` the object as read, as the
    ``*_info`` modules show it (None when it does not exist); ``deferred``
    says the object could not be read because its parent is made by this run;
    ``settling`` that the object is still being made (an enable in progress),
    so what depends on it is planned like the children of an object this run makes.
    """

    desired: Any
    item: PlanItem
    version: Optional[str] = None
    work: Any = None
    view: Optional[dict] = None
    deferred: bool = False
    settling: bool = False


def readdressed(item, address):
    """``item`` under the engine's address (resources name their items for the per-object modules)."""
    return replace(item, address=address)


def in_parallel(function, values, max_workers=MAX_PARALLEL_READS):
    """``[function(value) for value in values]``, up to ``max_workers`` at a time: for per-object reads."""
    values = list(values)
    if not values:
        return []
    with ThreadPoolExecutor(max_workers=min(max_workers, len(values))) as pool:
        return list(pool.map(function, values))


class Kind:
    """Base of the kinds: ``name`` and the four operations of the contract."""

    name = ""

    def __init__(self, context):
        self.context = context
        # The plans of the kinds of the waves before this kind's (set by the planner): what a kind planned late may weigh.
        self.earlier = {}

    def read_all(self, desired):
        """``{address: live}`` for every object of ``desired`` (a list of ``desired.Desired``)."""
        raise NotImplementedError

    def plan(self, desired, live):
        """The Planned of one object from its desired spec and what ``read_all`` found."""
        raise NotImplementedError

    def plan_deferred(self, desired):
        """The Planned of an object whose parent this run creates: nothing read, values known after apply."""
        raise NotImplementedError

    def apply(self, planned, phase):
        """Carry out ``planned`` (``phase`` graph.REMOVE or graph.PUT); return what the object is afterwards."""
        raise NotImplementedError

    def prepare(self, desired):
        """Before any kind is read: tell the run what this kind's objects of the file (``desired``) will make (nothing by default)."""

    def orphans(self, desired, planned):
        """Objects of this kind the topology's marks name but the file no longer does, as Desired to remove (none by default).

        ``desired`` are the kind's objects of the file, ``planned`` the plans of the kinds before it.
        """
        return []

    def owner(self, planned):
        """The ``ownership.Owner`` of the object: whether it exists and carries the topology's marks."""
        raise NotImplementedError

    def teardown(self, desired):
        """The Desired that removes the object of ``desired``, for a replacement; None: this kind is not replaced on its own."""
        return None

    def mark(self, planned):
        """Mark the object as the topology's (before it is made: a run cut short leaves a mark, not an unowned object)."""

    def unmark(self, planned):
        """Take the topology's marks off the object (after it is gone)."""

    def current(self, planned):
        """``planned``, planned again from what is live now when it was deferred: what ``apply`` works from."""
        if not planned.deferred:
            return planned
        return self.plan(planned.desired, self.read_all([planned.desired])[planned.desired.address])


class RunContext:
    """What the kinds of one run share: its sessions, and the resources whose lists they share (one catalog per vCenter).

    ``read_descriptor(url)`` reads what a VIB URL holds (clients.vib_descriptor).
    ``predicting`` is set in check mode: a parent that another kind's run would
    make first (a Supervisor, for a run of guest clusters only) is then taken
    as made, and its children planned as creates known after apply.
    ``ownership`` (``engine.ownership.Ownership``) names the topology whose
    marks say what the run may change; None: a run without marks (tests of
    the kinds alone).
    """

    def __init__(self, sessions, *, read_descriptor, predicting=False, ownership=None):
        self.sessions = sessions
        self.read_descriptor = read_descriptor
        self.predicting = predicting
        self.ownership = ownership
        self._shared = {}
        # Reentrant: making one shared object may take another (the catalog).
        self._lock = threading.RLock()

    def fresh(self):
        """A context over the same sessions that has read nothing yet: to plan again, from what is live now."""
        return RunContext(self.sessions, read_descriptor=self.read_descriptor, predicting=self.predicting, ownership=self.ownership)

    def marks(self):
        """The run's ``resources.ownership.Marks`` of its topology."""
        return self.shared("marks", lambda: Marks(self.sessions.rest(), self.ownership.topology))

    def marked(self):
        """What the topology's marks say (``resources.ownership.Marked``), read once a run; nothing is marked in a run without ownership."""
        if self.ownership is None:
            return Marked()
        return self.shared("marked", lambda: self.marks().read())

    def shared(self, key, make):
        """The one object of the run made by ``make()`` under ``key``, made on first use."""
        with self._lock:
            if key not in self._shared:
                self._shared[key] = make()
            return self._shared[key]
