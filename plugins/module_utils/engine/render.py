# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Words for what the engine does, from its events alone: the progress lines every front end prints.

In Terraform's words, so that people who know it read them at once:
``supervisor.C0: Creating...``, ``supervisor.C0: Still creating... [1m20s elapsed]``,
``supervisor.C0: Creation complete after 2m3s``.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.executor import DONE, FAILED, RUNNING, SKIPPED, STARTED
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import CREATE, DELETE, REPLACE, UPDATE

# action: (doing, done)
_WORDS = {
    CREATE: ("creating", "Creation"),
    UPDATE: ("modifying", "Modifications"),
    REPLACE: ("creating", "Creation"),
    DELETE: ("destroying", "Destruction"),
}


def duration(seconds):
    """``1m20s`` / ``45s``, as Terraform writes elapsed times."""
    seconds = int(seconds)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    return f"{minutes}m{seconds}s" if minutes else f"{seconds}s"


def progress_line(event):
    """The line that tells ``event`` (an ``executor.Event``)."""
    doing, done = _WORDS.get(event.action, ("changing", "Change"))
    if event.kind == STARTED:
        return f"{event.address}: {doing.capitalize()}..."
    if event.kind == RUNNING:
        return f"{event.address}: Still {doing}... [{duration(event.elapsed)} elapsed]"
    if event.kind == DONE:
        return f"{event.address}: {done} complete after {duration(event.elapsed)}"
    if event.kind == FAILED:
        return f"{event.address}: {done} failed after {duration(event.elapsed)}: {event.error}"
    if event.kind == SKIPPED:
        return f"{event.address}: Skipped: {event.because} failed"
    raise ValueError(f"unknown event kind {event.kind!r}")
