# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The lock that keeps two applies of one topology apart, held in vCenter: a tag.

vCenter refuses a second tag of the same name (and id) in a category with
ALREADY_EXISTS, so creating the topology's lock tag is an atomic
test-and-set that works from any machine. The tag's description holds who
holds it: an ID, the user, host and process, the operation and the time.
Releasing deletes the tag; ``force_unlock(ID)`` deletes it for a holder
that is gone. A holder on this same host whose process has ended (killed
mid-apply) cannot release it; its lock is taken over, and said so.
"""

from __future__ import annotations

import datetime
import getpass
import json
import os
import socket
import time
import uuid
from dataclasses import asdict, dataclass

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import AlreadyExistsError, NotFoundError, PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.ownership import TAGGING, ensure_category, stable_id

LOCK_CATEGORY = "pacific.vsphere.locks"
POLL_SECONDS = 2.0


class LockHeld(PacificError):
    """Another run holds the topology's lock."""


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock, as Terraform's lock info says it."""

    ID: str
    Operation: str
    Who: str
    Host: str
    PID: int
    Created: str
    Topology: str

    @classmethod
    def mine(cls, operation, topology):
        host = socket.gethostname()
        created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        return cls(str(uuid.uuid4()), operation, f"{getpass.getuser()}@{host}", host, os.getpid(), created, topology)

    def text(self):
        return ", ".join(f"{key}: {value}" for key, value in asdict(self).items())


class PlatformLock:
    """The lock of the topology ``topology`` in the vCenter of ``rest``."""

    def __init__(self, rest, topology, *, sleep=time.sleep, clock=time.monotonic, alive=None):
        self.rest = rest
        self.topology = topology
        self.name = f"lock:{topology}"
        self.tag_id = stable_id("Tag", self.name)
        self._sleep, self._clock = sleep, clock
        self._alive = alive or _process_alive
        self.notices = []

    def holder(self):
        """The LockInfo of whoever holds the lock; None when nobody does."""
        try:
            tag = self.rest.get(f"{TAGGING}/tag/{self.tag_id}", what="read the topology's lock")
        except NotFoundError:
            return None
        try:
            return LockInfo(**json.loads(tag["description"]))
        except (TypeError, ValueError):
            return LockInfo("(unreadable)", "?", "?", "?", 0, "?", self.topology)

    def acquire(self, info, *, timeout=0.0):
        """Hold the lock for ``info`` (a LockInfo), waiting up to ``timeout`` seconds; LockHeld naming the holder otherwise."""
        deadline = self._clock() + timeout
        while True:
            if self._try_create(info):
                return info
            holder = self.holder()
            if holder is None:
                continue  # released between the create and the read
            if holder.ID == info.ID:
                return info  # our create went through though its answer was lost
            if holder.Host == info.Host and holder.PID and not self._alive(holder.PID):
                self.notices.append(
                    f"The lock of {holder.Who} (process {holder.PID}, {holder.Operation} since {holder.Created})"
                    " is held by a process that has ended: taking it over"
                )
                self._delete()
                continue
            if self._clock() >= deadline:
                waited = f" after waiting {timeout:.0f}s" if timeout else ""
                raise LockHeld(
                    f"Error acquiring the lock of topology {self.topology}{waited}: another run holds it."
                    f" Lock Info: {holder.text()}."
                    f" Wait for it to finish (-lock-timeout 5m waits), or, if it is gone, pacific force-unlock {holder.ID}"
                )
            self._sleep(POLL_SECONDS)

    def release(self, info):
        """Give the lock up, if ``info`` still holds it."""
        holder = self.holder()
        if holder is not None and holder.ID == info.ID:
            self._delete()

    def force_unlock(self, lock_id):
        """Free the lock held under ``lock_id``; refused when the lock is free or held under another ID."""
        holder = self.holder()
        if holder is None:
            raise PacificError(f"The lock of topology {self.topology} is not held: nothing to unlock")
        if holder.ID != lock_id:
            raise PacificError(f"The lock of topology {self.topology} is held under ID {holder.ID}, not {lock_id} ({holder.text()})")
        self._delete()
        return holder

    def _try_create(self, info):
        """True when this create made the lock tag, False when it exists; the lock category is made on first use."""
        body = {"name": self.name, "description": json.dumps(asdict(info)), "category_id": stable_id("Category", LOCK_CATEGORY), "tag_id": self.tag_id}
        try:
            return self._create(body)
        except NotFoundError:
            ensure_category(self.rest, LOCK_CATEGORY, "Locks of pacific.vsphere topologies (one tag per run in progress)")
        return self._create(body)

    def _create(self, body):
        try:
            # Resent when dropped: a create that went through then answers ALREADY_EXISTS, and the holder read tells.
            self.rest.post(f"{TAGGING}/tag", json=body, what="take the topology's lock", idempotent=True)
        except AlreadyExistsError:
            return False
        return True

    def _delete(self):
        try:
            self.rest.delete(f"{TAGGING}/tag/{self.tag_id}", what="release the topology's lock")
        except NotFoundError:
            pass


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
