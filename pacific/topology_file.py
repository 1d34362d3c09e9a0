# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A topology file as ``pacific`` reads it: data only, its secrets from the environment, its vCenter connection.

The file is read as data (``topology_document``): safe YAML, bounded, never templated. Secrets are references:
``{env: NAME}`` is read from the environment; ``{var: NAME}`` (an Ansible
variable, for the roles) from ``-var NAME=VALUE`` or, as Terraform reads
``TF_VAR_name``, the environment variable ``PACIFIC_VAR_NAME``; a reference
that resolves to nothing is refused, naming its key path. The vCenter connection is the file's ``vcenter``
section, each key falling back to its ``VMWARE_*`` environment variable as
in the modules.
"""

from __future__ import annotations

import hashlib
import os
import pathlib

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.connection import VCenterConnection
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.transport import DEFAULT_TIMEOUT
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.topology import secret_references, validate
from ansible_collections.pacific.vsphere.plugins.module_utils.topology_document import read_topology_file

VARIABLE_PREFIX = "PACIFIC_VAR_"
ENVIRONMENT_FALLBACKS = {
    "hostname": "VMWARE_HOST",
    "username": "VMWARE_USER",
    "port": "VMWARE_PORT",
    "validate_certs": "VMWARE_VALIDATE_CERTS",
    "ca_cert": "VMWARE_CA_CERT",
}


class TopologyFile:
    """The document of one file, checked by itself (structure and values), with its digest and resolved secrets."""

    def __init__(self, path, environ=None, variables=None):
        self.path = pathlib.Path(path)
        environ = os.environ if environ is None else environ
        self._variables = dict(variables or {})
        text, document = read_topology_file(self.path)
        self.digest = hashlib.sha256(text).hexdigest()
        self.topology = validate(document)
        self.secrets = self._secrets(environ)
        self.connection = self._connection(environ)

    def _secrets(self, environ):
        values = {}
        for reference in secret_references(self.topology):
            if "var" in reference:
                name = reference["var"]
                value = self._variables.get(name) or environ.get(f"{VARIABLE_PREFIX}{name}")
                where = f"variable {name}: give -var {name}=VALUE or set {VARIABLE_PREFIX}{name}"
            else:
                value = environ.get(reference["env"])
                where = f"environment variable {reference['env']} is not set or empty"
            if not value:
                raise InvalidArgumentError(f"{self.path}: {reference['path']}: {where}")
            values[reference["path"]] = value
        return values

    def _connection(self, environ):
        vcenter = dict(self.topology.get("vcenter", {}))
        for key, variable in ENVIRONMENT_FALLBACKS.items():
            if key not in vcenter and environ.get(variable):
                vcenter[key] = environ[variable]
        password = self.secrets.get("vcenter.password") or environ.get("VMWARE_PASSWORD")
        missing = [key for key in ("hostname", "username") if key not in vcenter] + ([] if password else ["password"])
        if missing:
            raise InvalidArgumentError(
                f"{self.path}: vcenter: {', '.join(missing)} not given: set them in the file's vcenter section"
                " (a password as {env: NAME}) or in VMWARE_HOST, VMWARE_USER and VMWARE_PASSWORD"
            )
        validate_certs = vcenter.get("validate_certs", True)
        if isinstance(validate_certs, str):
            validate_certs = validate_certs.strip().lower() not in ("0", "false", "no", "off")
        return VCenterConnection(
            hostname=vcenter["hostname"],
            username=vcenter["username"],
            password=password,
            port=int(vcenter.get("port", 443)),
            validate_certs=validate_certs,
            ca_cert=vcenter.get("ca_cert"),
            timeout=vcenter.get("timeout", DEFAULT_TIMEOUT),
        )
