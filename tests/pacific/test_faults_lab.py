"""Runs converge through transient faults on every API, and leave the platform whole, once.

Each run meets, on vim25, REST and the Supervisors' Kubernetes API each, a
share of requests answered 503 and as large a share whose connection is reset
before they are served, plus a few that are served and whose answer is lost
(the ambiguous case: the client cannot tell whether the change was made).
The faults have fixed seeds, so a run's sequence of requests meets the same
faults again; `make bench` counts ten runs of each, at other seeds.
"""

import os
import subprocess
import sys

import pytest
from pacific_support import ROOT, assert_example_platform_complete, pacific


@pytest.mark.parametrize("share, lost, seed", [(0.1, 0.03, 1), (0.2, 0.03, 2)], ids=["10%+10%", "20%+20%"])
def test_pacific_apply_converges_through_faults(control, share, lost, seed):
    control.call("POST", "/reset")
    control.call("POST", "/time-scale", {"scale": 0.01})
    control.inject_faults(share, lost, seed)

    exit_code, output, errors = pacific("apply", "-auto-approve")

    met = control.clear_faults()
    assert exit_code == 0, output + errors
    assert met["503"] > 0 and met["reset"] > 0 and met["lost"] > 0, met
    pacific("plan", "-detailed-exitcode", check_exit=0)
    assert_example_platform_complete()


def test_site_yml_converges_through_faults(control):
    control.call("POST", "/reset")
    control.call("POST", "/time-scale", {"scale": 0.01})
    control.inject_faults(0.1, 0.03, 3)
    environ = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

    done = subprocess.run([playbook, "-i", str(ROOT / "inventories" / "lab"), str(ROOT / "playbooks" / "site.yml")],
                          capture_output=True, text=True, env=environ, timeout=900, cwd=ROOT)

    met = control.clear_faults()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "failed=0" in done.stdout
    assert met["503"] > 0 and met["reset"] > 0, met
    pacific("plan", "-detailed-exitcode", check_exit=0)
    assert_example_platform_complete()
