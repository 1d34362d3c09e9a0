"""Turn the lab's endpoints.json into ansible-test's integration_config.yml.

ansible-test passes this file's variables to every integration target, so the
targets reach the lab without knowing where it listens.
"""
import json
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
        "lab_control": endpoints["control"],
        "lab_depot": endpoints.get("depot", {}),
    }
    # JSON is YAML: no YAML library needed to write it.
    json.dump(variables, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
