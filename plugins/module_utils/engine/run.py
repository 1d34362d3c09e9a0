# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""One run of the engine: its sessions and what its kinds share, and the lock an apply holds, for every front end (the platform module, ``pacific``)."""

from __future__ import annotations

import contextlib
from functools import partial

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vib_descriptor import read_vib_descriptor
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import KINDS
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import RunContext
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor import catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.sessions import Sessions
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.platform_lock import LockInfo, PlatformLock
from ansible_collections.pacific.vsphere.plugins.module_utils.topology import validate


@contextlib.contextmanager
def engine_run(connection, *, login_port=443, predicting=False, ownership=None, sessions_factory=Sessions):
    """A RunContext over fresh sessions of ``connection`` (a VCenterConnection), all closed when the run ends."""
    with sessions_factory(connection, login_port=login_port) as sessions:
        yield RunContext(
            sessions, read_descriptor=partial(read_vib_descriptor, validate_certs=connection.validate_certs), predicting=predicting, ownership=ownership
        )


@contextlib.contextmanager
def platform_locked(context, operation, *, timeout=0.0, on_notice=lambda notice: None):
    """Hold the lock of the run's topology in vCenter while the block runs (``resources.platform_lock``); released however it ends."""
    lock = PlatformLock(context.sessions.rest(), context.ownership.topology)
    info = lock.acquire(LockInfo.mine(operation, context.ownership.topology), timeout=timeout)
    for notice in lock.notices:
        on_notice(notice)
    try:
        yield info
    finally:
        lock.release(info)


def check_references(topology, context, kinds=KINDS):
    """Raise TopologyError, naming key paths, for names of vCenter objects the topology uses that do not exist.

    Before planning, so that an apply never stops halfway on a name that was
    wrong from the start; read through the run's catalog, which the plan reads
    through too, so this costs only the lists the plan would not read, and
    only those that the ``kinds`` planned use.
    """
    validate(topology, context.sessions.rest(), catalog=catalog(context), kinds=kinds)
