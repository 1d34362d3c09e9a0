# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""One run of the engine: its sessions and what its kinds share, for every front end (the platform module, ``pacific``)."""

from __future__ import annotations

import contextlib
from functools import partial

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vib_descriptor import read_vib_descriptor
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import RunContext
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.sessions import Sessions


@contextlib.contextmanager
def engine_run(connection, *, login_port=443, predicting=False, sessions_factory=Sessions):
    """A RunContext over fresh sessions of ``connection`` (a VCenterConnection), all closed when the run ends."""
    with sessions_factory(connection, login_port=login_port) as sessions:
        yield RunContext(sessions, read_descriptor=partial(read_vib_descriptor, validate_certs=connection.validate_certs), predicting=predicting)
