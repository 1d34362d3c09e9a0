"""Fixtures of the lab tests of pacific: the lab, and the example platform built by pacific apply from an empty lab."""

import pytest
from pacific_support import Control, pacific


@pytest.fixture(scope="module")
def control():
    lab = Control()
    lab.call("POST", "/reset")
    lab.call("POST", "/time-scale", {"scale": 0.01})
    yield lab
    lab.call("POST", "/reset")


@pytest.fixture(scope="module")
def built(control):
    """The example platform, built by pacific apply from an empty lab: (plan output, apply output)."""
    exit_code, plan_output, _ = pacific("plan", "-detailed-exitcode")
    assert exit_code == 2, plan_output
    exit_code, output, errors = pacific("apply", "-auto-approve")
    assert exit_code == 0, output + errors
    return plan_output, output
