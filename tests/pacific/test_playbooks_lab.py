"""The playbooks as a user runs them: check mode predicts and changes nothing, and a site.yml killed at any moment converges when run again.

With the same topology as the pacific tests (inventories/lab), from an empty lab.
"""

import os
import signal
import subprocess
import sys

from pacific_support import OUTPUTS, ROOT, assert_example_platform_complete, mutates, pacific

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
ENVIRONMENT = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1")
# site.yml's progress lines (the platform action prints each object as it starts), killed at the first of each.
KILL_MOMENTS = ("spherelet.DC0_C0: Creating", "supervisor.DC0_C0: Creating", "namespace.DC0_C0/team-a: Creating", "guest_cluster.team-a/tkc-a: Creating")


def kill_tree(pid):
    """SIGKILL ``pid`` and every process below it, as AWX cancelling a job or the OOM killer would: no cleanup of any kind.

    ansible-playbook's workers start sessions of their own (setsid), so a
    process group does not hold them.
    """
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass  # ended meanwhile
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += [child for child, parent in parents.items() if parent == current]
    for each in tree:
        try:
            os.kill(each, signal.SIGKILL)
        except ProcessLookupError:
            pass


def command(playbook, *args):
    return [PLAYBOOK, "-i", str(ROOT / "inventories" / "lab"), str(ROOT / "playbooks" / playbook), *args]


def playbook(name, *args):
    done = subprocess.run(command(name, *args), capture_output=True, text=True, env=ENVIRONMENT, timeout=900, cwd=ROOT)
    OUTPUTS.extend((done.stdout, done.stderr))
    return done


def recap(done):
    """``{"ok": n, "changed": n, "failed": n, ...}`` of the play recap's localhost line."""
    line = next(line for line in done.stdout.splitlines() if line.startswith("localhost") and "failed=" in line)
    return {key: int(value) for key, value in (field.split("=") for field in line.split(":", 1)[1].split())}


def test_check_mode_predicts_changes_on_an_empty_lab_and_none_on_a_built_one_and_changes_nothing(control):
    control.call("POST", "/reset")
    control.call("POST", "/time-scale", {"scale": 0.01})
    control.call("DELETE", "/requests")

    predicted = playbook("site.yml", "--check")

    assert predicted.returncode == 0, predicted.stdout[-3000:]
    assert recap(predicted)["changed"] > 0
    assert [call for call in control.client_requests() if mutates(call)] == []

    built = playbook("site.yml")
    assert built.returncode == 0, built.stdout[-3000:]
    control.call("DELETE", "/requests")

    again = playbook("site.yml", "--check")
    teardown = playbook("teardown.yml", "--check")

    assert (again.returncode, recap(again)["changed"]) == (0, 0), again.stdout[-3000:]
    assert teardown.returncode == 0 and recap(teardown)["changed"] > 0, teardown.stdout[-3000:]
    assert [call for call in control.client_requests() if mutates(call)] == []
    assert_example_platform_complete()


def test_site_yml_killed_at_four_moments_converges_with_no_duplicate(control):
    control.call("POST", "/reset")
    control.call("POST", "/time-scale", {"scale": 0.02})
    killed_at = []
    for moment in KILL_MOMENTS:
        run = subprocess.Popen(command("site.yml"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENVIRONMENT, cwd=ROOT, bufsize=1)
        seen = []
        for line in run.stdout:
            seen.append(line)
            if moment in line:
                kill_tree(run.pid)
                killed_at.append(moment)
                break
        run.wait(timeout=120)
        OUTPUTS.append("".join(seen))
    control.call("POST", "/time-scale", {"scale": 0.01})

    done = playbook("site.yml")

    assert killed_at == list(KILL_MOMENTS)
    assert done.returncode == 0 and recap(done)["failed"] == 0, done.stdout[-3000:]
    pacific("plan", "-detailed-exitcode", check_exit=0)
    assert_example_platform_complete()
