"""The Supervisor's Kubernetes API and the controllers behind it (lab/CONTRACT.md).

- `apimachinery/`: what any Kubernetes API server does (storage,
  resourceVersion, server-side apply, patches, schema validation, HTTP);
- `kinds` (+ `crds/`), `releases`, `admission`: what a vSphere 8 Supervisor
  serves and refuses;
- `directory`: what the Supervisor needs from vCenter (the interface), with
  `vcenter_directory` over the lab's vCenter; `sessions` (/wcp/login) and
  `access` (namespace permissions) build on it; `mirror` reflects it into
  objects;
- controllers: `virtualmachines` (VM Operator, through `machines` to vcsim)
  and `guestclusters` (TKC and Cluster API, with `topology`, `nodes`,
  `quota`, `clusterstatus`); `timing` scales their durations;
- `service`: one Supervisor's API server and controllers, and the fleet that
  follows vCenter; `lab`: the fleet wired into the running lab.
"""
