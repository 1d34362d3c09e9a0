"""Turn the lab's endpoints.json into ansible-test's integration_config.yml.

ansible-test passes this file's variables to every integration target, so the
targets reach the lab without knowing where it listens.
"""
import json
import os
import sys


def main():
    with open(sys.argv[1]) as handle:
        endpoints = json.load(handle)
    vcenter = endpoints["vcenter"]
    variables = {
        "vcenter_hostname": vcenter["hostname"],
        "vcenter_port": vcenter["port"],
        "vcenter_username": vcenter["username"],
        "vcenter_password": vcenter["password"],
        "vcenter_ca_cert": vcenter["ca_cert"],
        # The release the lab is (8.0.3 or 7.0.3): which API enables a Supervisor.
        "vcenter_version": vcenter["version"],
        "lab_control": endpoints["control"],
        "lab_depot": endpoints.get("depot", {}),
        # Where the lab keeps its state (endpoints.json sits in it): targets
        # that act as the Supervisor's other users read its session key there.
        "lab_run_dir": os.path.dirname(os.path.abspath(sys.argv[1])),
    }
    # JSON is YAML: no YAML library needed to write it.
    json.dump(variables, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
