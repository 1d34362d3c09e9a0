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


class Built(tuple):
    """(plan output, apply output); ``operations``: the operations of the apply's requests, in the lab's log."""

    operations = ()


@pytest.fixture(scope="module")
def built(control):
    """The example platform, built by pacific apply from an empty lab."""
    exit_code, plan_output, _ = pacific("plan", "-detailed-exitcode")
    assert exit_code == 2, plan_output
    control.call("DELETE", "/requests")
    exit_code, output, errors = pacific("apply", "-auto-approve")
    assert exit_code == 0, output + errors
    result = Built((plan_output, output))
    result.operations = [call.get("operation") for call in control.client_requests()]
    return result
