"""Summarise what clients asked of a lab since its request log was cleared.

    python3 tools/request_summary.py LAB_RUN_DIR [--clear] [--json]

Prints the client requests (the lab's own calls left out) by API, the logins
per API, and the calls that change something. With --clear, empties the log
instead, to measure the run that follows.
"""

from __future__ import annotations

import argparse
import collections
import json
import pathlib
import sys
import urllib.request

# Operations that only read, log in or out: what a no-change run may make.
READ_OPERATIONS = {
    None,
    "RetrieveServiceContent",
    "Login",
    "Logout",
    "CreateContainerView",
    "DestroyView",
    "RetrievePropertiesEx",
    "ContinueRetrievePropertiesEx",
    "RetrieveProperties",  # the older form, which peers (community.vmware) still use
    "Fetch",  # pyVmomi reading one property of an object
    "fetchSoftwarePackages",
    "session.create",
    "session.delete",
    "login",
    # vCenter's tagging API reads through POST actions.
    "tagging.tag.list_tags_for_category",
    "tagging.tag_association.list_attached_objects",
    "tagging.tag_association.list_attached_tags",
    "tagging.tag_association.list_attached_objects_on_tags",
    "tagging.tag_association.list_attached_tags_on_objects",
}
LOGINS = {"vim25": {"Login"}, "rest": {"session.create"}, "k8s": {"login"}}
FIXED_PLAN_REQUESTS = 18  # logins to vCenter, one list of each kind of vCenter object, the lock: what does not grow
PER_SUPERVISOR_PLAN_REQUESTS = 3  # its Workload Management state, its connected hosts (checked before planning), its Kubernetes login
ZONAL_PLAN_REQUESTS = 3  # with zones: the vCenter version, the list of zones, the Supervisors' summaries


def no_change_plan_budget(hosts, namespaces, holding, supervisors, zones=0, versions=False, services=0, installs=0):
    """The requests of a no-change ``pacific plan``: the floor vSphere's APIs allow.

    One read of installed VIBs per host and one GET per namespace (neither
    has a bulk call), one list of guest clusters per namespace that holds
    some, three per Supervisor, and a fixed part. With Supervisors on vSphere
    Zones (``zones``: how many zones vCenter has), the vCenter version, the
    list of zones and one read of clusters per zone (the list names none),
    the Supervisors' summaries and one topology per Supervisor (a summary
    names no cluster). With a Supervisor version in the document
    (``versions``), one list of the Supervisors' versions. Per Supervisor
    Service the document names (``services``), its registration and the list
    of its versions (no list carries the versions), and per Supervisor and
    service it registers (``installs``) one read of that service there (its
    install, or the check that none was left behind); the vCenter version is
    read for them when zones did not read it. The tests hold
    plans to it; `make bench` shows it beside each measured plan.
    """
    zonal = ZONAL_PLAN_REQUESTS + zones + supervisors if zones else 0
    service_reads = 2 * services + installs + (1 if services and not zones else 0)
    return hosts + namespaces + holding + PER_SUPERVISOR_PLAN_REQUESTS * supervisors + FIXED_PLAN_REQUESTS + zonal + int(versions) + service_reads


def control_url(run_dir):
    return json.loads((pathlib.Path(run_dir) / "endpoints.json").read_text())["control"]


def mutates(entry):
    """Whether a logged request may change something (reads, logins and logouts, and Kubernetes dry runs do not)."""
    if entry.get("dry_run"):
        return False
    if entry["api"] == "vim25":
        return entry.get("operation") not in READ_OPERATIONS
    return entry.get("method") != "GET" and entry.get("operation") not in READ_OPERATIONS


def summary(entries):
    by_api = collections.Counter(entry["api"] for entry in entries)
    logins = collections.Counter(entry["api"] for entry in entries if entry.get("operation") in LOGINS.get(entry["api"], ()))
    mutating = [f"{entry['api']} {entry.get('method')} {entry.get('operation')}" for entry in entries if mutates(entry)]
    return {"total": len(entries), "by_api": dict(by_api), "logins": dict(logins), "mutating": mutating}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--clear", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    url = control_url(args.run_dir) + "/requests"
    if args.clear:
        urllib.request.urlopen(urllib.request.Request(url, method="DELETE"))
        return 0
    with urllib.request.urlopen(url + "?origin=client") as response:
        entries = json.load(response)
    result = summary(entries)
    if args.json:
        json.dump(result, sys.stdout)
        print()
    else:
        print(f"{result['total']} client requests: " + ", ".join(f"{api} {count}" for api, count in sorted(result["by_api"].items())))
        print("logins: " + (", ".join(f"{api} {count}" for api, count in sorted(result["logins"].items())) or "none"))
        print(f"mutating: {len(result['mutating'])}" + "".join(f"\n  {call}" for call in result["mutating"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
