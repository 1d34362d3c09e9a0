# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)


class ModuleDocFragment:
    # The vCenter connection options of every pacific.vsphere module; they
    # mirror vcenter_argument_spec() in module_utils/connection_spec.py.
    DOCUMENTATION = r"""
options:
  hostname:
    description:
      - Name or IP address of the vCenter Server.
      - If not set in the task, the value of the environment variable E(VMWARE_HOST) is used.
    type: str
    required: true
  username:
    description:
      - User name to log in to vCenter with, for example V(administrator@vsphere.local).
      - If not set in the task, the value of the environment variable E(VMWARE_USER) is used.
    type: str
    required: true
    aliases: [user]
  password:
    description:
      - Password of O(username).
      - If not set in the task, the value of the environment variable E(VMWARE_PASSWORD) is used.
    type: str
    required: true
    aliases: [pwd]
  port:
    description:
      - HTTPS port of vCenter; the SOAP (C(/sdk)) and REST (C(/api)) endpoints share it.
      - If not set in the task, the value of the environment variable E(VMWARE_PORT) is used.
    type: int
    default: 443
  timeout:
    description:
      - Seconds each step of a request to vCenter (and to the Supervisors) may take - connecting, the TLS handshake,
        each wait for an answer - before the task fails naming the endpoint and the seconds waited.
      - Waits for vCenter to finish something (an enable, a rollout) have their own C(wait_timeout), where the module has one.
    type: int
    default: 60
  validate_certs:
    description:
      - Verify the TLS certificate of vCenter and that it names O(hostname).
      - Set to V(false) only for a throwaway lab; the connection is then open to interception.
      - If not set in the task, the value of the environment variable E(VMWARE_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_cert:
    description:
      - Path to a PEM file with the CA certificate(s) that signed the certificate of vCenter,
        typically the VMCA root downloaded from C(https://<vcenter>/certs/download.zip).
      - When not set, the trust store of the system is used.
      - Ignored when O(validate_certs=false).
      - If not set in the task, the value of the environment variable E(VMWARE_CA_CERT) is used.
    type: path
notes:
  - All modules of this collection take these connection options; set them once for all of them
    with C(module_defaults) and the action group C(group/pacific.vsphere.vsphere).
requirements:
  - python >= 3.9
  - pyvmomi >= 8.0.1
  - requests
"""
