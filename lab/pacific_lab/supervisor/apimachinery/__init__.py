"""A small Kubernetes API machinery: what an API server does with objects,
independent of which kinds it serves.

- `resources`: a served kind (group, version, plural, scope, schema) and the
  scheme of all of them, which also answers discovery;
- `store`: objects with a cluster-wide resourceVersion, persisted in SQLite,
  with a change feed for watches and controllers;
- `schema`: structural-schema pruning, defaulting and validation (CRD rules);
- `patch`: JSON patch, JSON merge patch and strategic merge patch;
- `fieldmanager`: server-side apply (managedFields, conflicts);
- `selectors`: label and field selectors;
- `registry`: the verbs (get, list, create, update, patch, apply, delete)
  with optimistic concurrency, generation, status subresource, finalizers,
  dry run, admission hooks; `garbage`: ownerReference garbage collection;
  `namespaces`: emptying Terminating namespaces;
- `meta`: ObjectMeta rules, timestamps, conditions; `errors`: Status bodies;
- `httpapi`: the REST surface over HTTP (paths, Status bodies, watch streams);
- `controllers`: a work queue that runs reconcilers on store changes.
"""
