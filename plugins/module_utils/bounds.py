# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The ranges of the numbers the modules and the topology take, from what takes them.

Checked before anything is read or changed, so that a number out of range is
refused naming its option, not passed on for vCenter or the Supervisor to
answer with a parse error halfway through a run.
"""

from __future__ import annotations

# vSphere 8's configuration maximum of hosts per cluster (https://configmax.broadcom.com,
# "Hosts per cluster"): it bounds both the hosts changed at once and anti-affine VMs.
MAX_CLUSTER_HOSTS = 96
# A range of IPv4 addresses has at most this many.
IPV4_ADDRESSES = 2**32
# Cluster API's and Kubernetes' replicas are int32.
INT32_MAX = 2**31 - 1
# Our own longest wait: a day.
MAX_WAIT_SECONDS = 86400
# vCenter's memory per VM (configuration maximum "Virtual Machine memory", 24 TB, in MiB) and vCPUs per VM (768).
MAX_VM_MEMORY_MB = 24 * 1024 * 1024
MAX_VM_CPUS = 768
# Objects one run changes at once (threads, each with its own connections).
MAX_PARALLELISM = 64


def first_problem(*problems):
    """The first of ``problems`` that is a message (``range_problem`` results); None when all are None."""
    return next((problem for problem in problems if problem), None)


def range_problem(option, value, minimum, maximum, what):
    """A message naming ``option`` when ``value`` is not an integer in ``[minimum, maximum]``; None when it is."""
    if isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum:
        return None
    return f"{option}: {value!r} is out of range: give {what}, from {minimum} to {maximum}"
