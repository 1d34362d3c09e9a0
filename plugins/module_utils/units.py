# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Quantities as users write them (``64Gi``, ``512Mi``, ``4GHz``) in the units vSphere counts: MiB and MHz.

A quantity is a plain non-negative number in the API's unit, or a number with
a unit; ``unlimited`` stands for no limit and becomes None. Only binary memory
units are taken: ``64G`` means 64 * 10^9 bytes to Kubernetes but 64 GiB to
most people, and the API counts whole MiB, so the ambiguity is refused rather
than guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError

UNLIMITED = "unlimited"

# Units (lower case, an optional trailing "b" for bytes is allowed) -> MiB.
MEBIBYTE_UNITS = {"ki": Decimal(1) / 1024, "mi": 1, "gi": 1024, "ti": 1024**2, "pi": 1024**3}
MEGAHERTZ_UNITS = {"mhz": 1, "ghz": 1000}

# vCenter's namespace limits are longs (the vSphere Automation API's
# namespaces.Instances CreateSpec: cpu_limit, memory_limit,
# storage_request_limit): a larger number is refused before it reaches it.
API_LONG_MAX = 2**63 - 1

_QUANTITY = re.compile(r"^(?P<sign>-?)(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]*)$", re.IGNORECASE)


def mebibytes(value, option):
    """``value`` in whole MiB (None for ``unlimited``); ``option`` names it in the error raised on bad input."""
    return _quantity(value, option, _mebibyte_unit, "a number of MiB, a number with a unit Ki, Mi, Gi, Ti or Pi (64Gi, 512Mi), or 'unlimited'", "MiB")


def megahertz(value, option):
    """``value`` in whole MHz (None for ``unlimited``); ``option`` names it in the error raised on bad input."""
    return _quantity(value, option, MEGAHERTZ_UNITS.get, "a number of MHz, a number with a unit MHz or GHz (4GHz), or 'unlimited'", "MHz")


def _mebibyte_unit(unit):
    return MEBIBYTE_UNITS.get(unit[:-1] if unit.endswith("ib") else unit)


def _quantity(value, option, factor_of, allowed, api_unit):
    def refuse(reason):
        return InvalidArgumentError(f"{option} {value!r} {reason}: give {allowed}")

    # YAML turns yes/no into booleans, which Python would count as 1 and 0.
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise refuse("is not a quantity")
    text = str(value).strip()
    if text.lower() == UNLIMITED:
        return None
    match = _QUANTITY.match(text)
    if not match:
        raise refuse("is not a quantity")
    if match["sign"]:
        raise refuse("is negative")
    unit = match["unit"]
    factor = factor_of(unit.lower()) if unit else 1
    if factor is None:
        raise refuse(f"has an unknown unit '{unit}'")
    amount = Decimal(match["number"]) * factor
    if amount != amount.to_integral_value():
        raise refuse(f"is {amount.normalize():f} {api_unit}, but vSphere counts whole {api_unit}")
    if amount > API_LONG_MAX:
        raise refuse(f"is {int(amount)} {api_unit}, more than the {API_LONG_MAX} {api_unit} vCenter takes (a 64-bit integer)")
    return int(amount)
