# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The two shapes of a guest cluster manifest: rendered from options with Jinja2, and read back into options.

``api: tkc`` is a ``run.tanzu.vmware.com/v1alpha3`` TanzuKubernetesCluster;
``api: cluster`` a ``cluster.x-k8s.io/v1beta1`` Cluster of the
``tanzukubernetescluster`` ClusterClass that vSphere 8 ships (variables
``vmClass`` and ``storageClass`` for the cluster, overridden per node pool,
``nodePoolLabels`` as ``[{key, value}]``, ``storageClasses``).

The templates are Python strings in this file, not ``.j2`` files: Ansible
ships a module to the host that runs it as a zip of the module and the
Python ``module_utils`` it imports, and nothing else, so a template file
beside this one would not be there when the module runs. A user's own
template is a file on the host that runs the module.

Every template gets the same variables: ``name``, ``namespace``,
``release`` (``{name, version}`` or None), ``control_plane`` (``{replicas,
vm_class, storage_class}``), ``node_pools`` (a list of ``{name, replicas,
vm_class, storage_class, labels, failure_domain}``, or None), ``pods_cidr``,
``services_cidr``, ``service_domain``, ``storage_classes``. None means
"not set": after rendering, null values and mappings left empty are
dropped, so a field not set is left out of the manifest and server-side
apply leaves it alone.
"""

from __future__ import annotations

import traceback

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import CLUSTER, TANZU_KUBERNETES_CLUSTER
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, one_line

try:
    import jinja2
    import jinja2.sandbox
except ImportError:
    HAS_JINJA2 = False
    JINJA2_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_JINJA2 = True
    JINJA2_IMPORT_ERROR = None

# What a module needs to check before it starts (module_runner.Run.require).
JINJA2_LIBRARY = ("jinja2", HAS_JINJA2, JINJA2_IMPORT_ERROR)

try:
    import yaml
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_YAML = True
    YAML_IMPORT_ERROR = None

# What a module needs to check before it starts (module_runner.Run.require).
YAML_LIBRARY = ("PyYAML", HAS_YAML, YAML_IMPORT_ERROR)

API_RESOURCES = {"tkc": TANZU_KUBERNETES_CLUSTER, "cluster": CLUSTER}
API_OF_KIND = {resource.kind: api for api, resource in API_RESOURCES.items()}
CLUSTER_CLASS = "tanzukubernetescluster"
WORKER_CLASS = "node-pool"
# What vSphere 8 sets on a TanzuKubernetesCluster without settings; a Cluster gets them from us.
DEFAULT_NETWORK = {"pods_cidr": "192.168.0.0/16", "services_cidr": "10.96.0.0/12", "service_domain": "cluster.local"}

TANZU_KUBERNETES_CLUSTER_TEMPLATE = r"""
apiVersion: run.tanzu.vmware.com/v1alpha3
kind: TanzuKubernetesCluster
metadata:
  name: {{ name | tojson }}
  namespace: {{ namespace | tojson }}
spec:
  topology:
    controlPlane:
      replicas: {{ control_plane.replicas | tojson }}
      vmClass: {{ control_plane.vm_class | tojson }}
      storageClass: {{ control_plane.storage_class | tojson }}
{% if release %}
      tkr:
        reference:
          name: {{ release.name | tojson }}
{% endif %}
{% if node_pools is not none %}
    nodePools:
{% for pool in node_pools %}
      - name: {{ pool.name | tojson }}
        replicas: {{ pool.replicas | tojson }}
        vmClass: {{ pool.vm_class | tojson }}
        storageClass: {{ pool.storage_class | tojson }}
        labels: {{ pool.labels | tojson }}
{% if pool.get("failure_domain") %}
        failureDomain: {{ pool.failure_domain | tojson }}
{% endif %}
{# A pool without its own reference keeps the release it was defaulted to: an upgrade names it in every pool. #}
{% if release %}
        tkr:
          reference:
            name: {{ release.name | tojson }}
{% endif %}
{% endfor %}
{% endif %}
  settings:
    network:
{% if pods_cidr %}
      pods:
        cidrBlocks: [{{ pods_cidr | tojson }}]
{% endif %}
{% if services_cidr %}
      services:
        cidrBlocks: [{{ services_cidr | tojson }}]
{% endif %}
      serviceDomain: {{ service_domain | tojson }}
    storage:
      classes: {{ storage_classes | tojson }}
"""

CLUSTER_TEMPLATE = r"""
apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata:
  name: {{ name | tojson }}
  namespace: {{ namespace | tojson }}
spec:
  clusterNetwork:
{% if pods_cidr %}
    pods:
      cidrBlocks: [{{ pods_cidr | tojson }}]
{% endif %}
{% if services_cidr %}
    services:
      cidrBlocks: [{{ services_cidr | tojson }}]
{% endif %}
    serviceDomain: {{ service_domain | tojson }}
  topology:
    class: {{ cluster_class | tojson }}
    version: {{ (release.version if release else none) | tojson }}
    controlPlane:
      replicas: {{ control_plane.replicas | tojson }}
{% if node_pools is not none %}
    workers:
      machineDeployments:
{% for pool in node_pools %}
        - class: {{ worker_class | tojson }}
          name: {{ pool.name | tojson }}
          replicas: {{ pool.replicas | tojson }}
{% if pool.get("failure_domain") %}
          failureDomain: {{ pool.failure_domain | tojson }}
{% endif %}
          variables:
            overrides:
{% if pool.vm_class is not none %}
              - name: vmClass
                value: {{ pool.vm_class | tojson }}
{% endif %}
{% if pool.storage_class is not none %}
              - name: storageClass
                value: {{ pool.storage_class | tojson }}
{% endif %}
{% if pool.labels %}
              - name: nodePoolLabels
                value:
{% for key, value in pool.labels | dictsort %}
                  - key: {{ key | tojson }}
                    value: {{ value | tojson }}
{% endfor %}
{% endif %}
{% endfor %}
{% endif %}
    variables:
{% if control_plane.vm_class is not none %}
      - name: vmClass
        value: {{ control_plane.vm_class | tojson }}
{% endif %}
{% if control_plane.storage_class is not none %}
      - name: storageClass
        value: {{ control_plane.storage_class | tojson }}
{% endif %}
{% if storage_classes is not none %}
      - name: storageClasses
        value: {{ storage_classes | tojson }}
{% endif %}
"""

TEMPLATES = {"tkc": TANZU_KUBERNETES_CLUSTER_TEMPLATE, "cluster": CLUSTER_TEMPLATE}


def render(api, context):
    """The manifest of ``api`` (``tkc`` or ``cluster``) for ``context`` (see the module docstring)."""
    return _render(TEMPLATES[api], {**context, "cluster_class": CLUSTER_CLASS, "worker_class": WORKER_CLASS}, f"the built-in {api} template")


def render_file(path, context):
    """The manifest a user's template file renders for ``context``."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise InvalidArgumentError(
            f"template '{path}' cannot be read ({error.strerror}): give the path of a Jinja2 template on the host that runs the module"
        ) from error
    return _render(text, context, f"template '{path}'")


def _render(text, context, origin):
    environment = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    try:
        rendered = environment.from_string(text).render(**context)
    except jinja2.TemplateError as error:
        lineno = _template_line(error)
        line = f" (line {lineno})" if lineno else ""
        raise InvalidArgumentError(f"{origin} cannot be rendered{line}: {one_line(error)}") from error
    try:
        manifest = yaml.safe_load(rendered)
    except yaml.YAMLError as error:
        raise InvalidArgumentError(f"{origin} does not render YAML: {one_line(error)}") from error
    if not isinstance(manifest, dict):
        raise InvalidArgumentError(f"{origin} renders {type(manifest).__name__}, not one manifest (a mapping)")
    return without_unset(manifest)


def _template_line(error):
    """The template line an error is about: syntax errors carry it, errors while rendering leave it in the traceback."""
    if getattr(error, "lineno", None):
        return error.lineno
    lines = []
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            lines.append(trace.tb_lineno)
        trace = trace.tb_next
    return lines[-1] if lines else None


def without_unset(value):
    """``value`` without null values and the mappings that are left empty (lists stay, even empty ones)."""
    if isinstance(value, dict):
        cleaned = {key: without_unset(child) for key, child in value.items() if child is not None}
        return {key: child for key, child in cleaned.items() if child != {}}
    if isinstance(value, list):
        return [without_unset(item) for item in value]
    return value


def view_of(kind, obj, inherit=True):
    """A TanzuKubernetesCluster or Cluster (or part of one) in the words of the module options; None for what it does not set.

    With ``inherit``, a Cluster's node pool without its own VM or storage
    class shows the cluster's, as the ClusterClass gives it.
    """
    if kind == TANZU_KUBERNETES_CLUSTER.kind:
        return _tanzu_kubernetes_cluster_view(obj.get("spec") or {})
    return _cluster_view(obj.get("spec") or {}, inherit)


def _tanzu_kubernetes_cluster_view(spec):
    topology = spec.get("topology") or {}
    control_plane = topology.get("controlPlane") or {}
    network = (spec.get("settings") or {}).get("network") or {}
    pools = topology.get("nodePools")
    return {
        "kubernetes_version": _dig(control_plane, "tkr", "reference", "name"),
        "control_plane": {
            "replicas": control_plane.get("replicas"),
            "vm_class": control_plane.get("vmClass"),
            "storage_class": control_plane.get("storageClass"),
        },
        "node_pools": None
        if pools is None
        else [
            {
                "name": pool.get("name"),
                "replicas": pool.get("replicas"),
                "vm_class": pool.get("vmClass"),
                "storage_class": pool.get("storageClass"),
                "labels": pool.get("labels"),
                "failure_domain": pool.get("failureDomain"),
            }
            for pool in pools
        ],
        "pods_cidr": _first(_dig(network, "pods", "cidrBlocks")),
        "services_cidr": _first(_dig(network, "services", "cidrBlocks")),
        "service_domain": network.get("serviceDomain"),
        "storage_classes": _dig(spec, "settings", "storage", "classes"),
    }


def _cluster_view(spec, inherit):
    topology = spec.get("topology") or {}
    network = spec.get("clusterNetwork") or {}
    variables = _variables(topology.get("variables"))
    deployments = _dig(topology, "workers", "machineDeployments")
    pools = None
    if deployments is not None:
        pools = []
        for deployment in deployments:
            overrides = _variables(_dig(deployment, "variables", "overrides"))
            merged = {**variables, **overrides} if inherit else overrides
            labels = merged.get("nodePoolLabels")
            pools.append(
                {
                    "name": deployment.get("name"),
                    "replicas": deployment.get("replicas"),
                    "vm_class": merged.get("vmClass"),
                    "storage_class": merged.get("storageClass"),
                    "labels": None if labels is None else {label.get("key"): label.get("value") for label in labels if isinstance(label, dict)},
                    "failure_domain": deployment.get("failureDomain"),
                }
            )
    return {
        "kubernetes_version": topology.get("version"),
        "control_plane": {
            "replicas": _dig(topology, "controlPlane", "replicas"),
            "vm_class": variables.get("vmClass"),
            "storage_class": variables.get("storageClass"),
        },
        "node_pools": pools,
        "pods_cidr": _first(_dig(network, "pods", "cidrBlocks")),
        "services_cidr": _first(_dig(network, "services", "cidrBlocks")),
        "service_domain": network.get("serviceDomain"),
        "storage_classes": variables.get("storageClasses"),
    }


def _variables(entries):
    return {entry.get("name"): entry.get("value") for entry in entries or () if isinstance(entry, dict)}


def _dig(value, *keys):
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _first(values):
    return values[0] if isinstance(values, list) and values else None
