"""Quantities: what users write, in the MiB and MHz vSphere counts, and the messages for what cannot be."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.units import mebibytes, megahertz


@pytest.mark.parametrize(
    "value, expected",
    [
        (512, 512),
        ("512", 512),
        ("512Mi", 512),
        ("64Gi", 65536),
        ("64GiB", 65536),
        ("64 Gi", 65536),
        ("1.5Gi", 1536),
        ("2048Ki", 2),
        ("1Ti", 1048576),
        ("1Pi", 1073741824),
        (0, 0),
        (2.0, 2),
        ("unlimited", None),
        ("Unlimited", None),
    ],
)
def test_memory_quantities_become_whole_mebibytes(value, expected):
    assert mebibytes(value, "memory_limit") == expected


@pytest.mark.parametrize(
    "value, reason",
    [
        (-1, "is negative"),
        ("-5Gi", "is negative"),
        ("64G", "has an unknown unit 'G'"),
        ("10MB", "has an unknown unit 'MB'"),
        ("lots", "is not a quantity"),
        ("", "is not a quantity"),
        (True, "is not a quantity"),
        ([64], "is not a quantity"),
        ("1000Ki", "is 0.9765625 MiB, but vSphere counts whole MiB"),
        (1.5, "is 1.5 MiB, but vSphere counts whole MiB"),
        (10**30, "is 1000000000000000000000000000000 MiB, more than the 9223372036854775807 MiB vCenter takes (a 64-bit integer)"),
        ("9000000000Pi", "is 9663676416000000000 MiB, more than the 9223372036854775807 MiB vCenter takes (a 64-bit integer)"),
    ],
)
def test_bad_memory_quantities_name_the_option_the_value_and_what_is_allowed(value, reason):
    with pytest.raises(InvalidArgumentError) as raised:
        mebibytes(value, "storage_policies[0].limit")

    assert raised.value.message == (
        f"storage_policies[0].limit {value!r} {reason}: give a number of MiB, a number with a unit Ki, Mi, Gi, Ti or Pi (64Gi, 512Mi), or 'unlimited'"
    )


@pytest.mark.parametrize("value, expected", [(4000, 4000), ("4000", 4000), ("4000MHz", 4000), ("4GHz", 4000), ("2.5 GHz", 2500), ("unlimited", None)])
def test_cpu_quantities_become_whole_megahertz(value, expected):
    assert megahertz(value, "cpu_limit") == expected


def test_a_memory_unit_is_no_cpu_unit():
    with pytest.raises(InvalidArgumentError, match=r"^cpu_limit '4Gi' has an unknown unit 'Gi': give a number of MHz, a number with a unit MHz or GHz"):
        megahertz("4Gi", "cpu_limit")
