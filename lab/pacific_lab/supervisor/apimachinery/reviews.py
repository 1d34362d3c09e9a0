"""The self-review kinds every logged-in user may create, answered and never stored (`kubectl auth can-i`, `whoami`).

- `SelfSubjectAccessReview` (authorization.k8s.io/v1): may I do `verb` on
  `resource` in `namespace`? Answered by the API server's own authorizer, the
  one every request goes through, so the answer is the request's fate.
- `SelfSubjectRulesReview` (authorization.k8s.io/v1): what may I do in
  `namespace` (`kubectl auth can-i --list`)? Each served kind and verb asked
  of the authorizer; `incomplete` is false (the lab's authorizer is the whole
  story).
- `SelfSubjectReview` (authentication.k8s.io): who am I — user name and groups.

The bootstrap ClusterRole `system:basic-user` lets every authenticated user
create them, so no authorization is asked for the review itself.
"""

from . import errors
from .resources import ResourceType, Target

AUTHORIZATION = "authorization.k8s.io"
AUTHENTICATION = "authentication.k8s.io"
_NON_RESOURCE_PUBLIC = ("/version", "/healthz", "/livez", "/readyz", "/api", "/apis", "/openapi")


def review_types(kubernetes_minor):
    """The review kinds of an API server of Kubernetes 1.`kubernetes_minor`: SelfSubjectReview is beta (on by default)
    from 1.27 and v1 from 1.28 (KEP-3325); before, it is alpha, off unless a feature gate is set, so not served."""
    def review(group, version, kind):
        return ResourceType(group, version, kind, kind.lower() + "s", False, _SCHEMAS[kind], custom=False,
                            tracks_generation=False, verbs=("create",))
    types = [review(AUTHORIZATION, "v1", "SelfSubjectAccessReview"), review(AUTHORIZATION, "v1", "SelfSubjectRulesReview")]
    if kubernetes_minor >= 28:
        types.append(review(AUTHENTICATION, "v1", "SelfSubjectReview"))
    if kubernetes_minor >= 27:
        types.append(review(AUTHENTICATION, "v1beta1", "SelfSubjectReview"))
    return types


def is_review(resource):
    return not resource.custom and resource.group in (AUTHORIZATION, AUTHENTICATION) and resource.kind.startswith("SelfSubject")


def answer(resource, body, caller, scheme, allowed):
    """The created review: `body` with its status. `allowed(target)` is the authorizer's verdict on a Target."""
    if not isinstance(body, dict) or body.get("kind") != resource.kind:
        raise errors.bad_request(f"the request body must be a {resource.kind}")
    spec = body.get("spec") or {}
    created = {"kind": resource.kind, "apiVersion": resource.api_version, "metadata": {"creationTimestamp": None}}
    if resource.kind == "SelfSubjectReview":
        user = {"username": caller.username, "groups": [*caller.groups, "system:authenticated"]}
        return {**created, "status": {"userInfo": user}}
    if resource.kind == "SelfSubjectAccessReview":
        return {**created, "spec": spec, "status": {"allowed": _access(spec, scheme, allowed)}}
    namespace = spec.get("namespace") or ""
    return {**created, "spec": spec, "status": {"resourceRules": _rules(namespace, scheme, allowed),
                                                 "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": list(_NON_RESOURCE_PUBLIC)}],
                                                 "incomplete": False}}


def _access(spec, scheme, allowed):
    attributes = spec.get("resourceAttributes")
    if attributes is None:
        path = (spec.get("nonResourceAttributes") or {}).get("path", "")
        verb = (spec.get("nonResourceAttributes") or {}).get("verb", "")
        return verb == "get" and path.rstrip("/") in _NON_RESOURCE_PUBLIC
    group, plural = attributes.get("group", ""), attributes.get("resource", "")
    versions = [t for t in scheme.types if t.group == group and t.plural == plural]
    if plural == "*" or not versions:
        return False  # no rule names an unknown kind, and no user of a Supervisor holds a wildcard
    return allowed(Target(attributes.get("verb", ""), versions[0], attributes.get("namespace", ""), attributes.get("name", ""),
                           attributes.get("subresource", "")))


def _rules(namespace, scheme, allowed):
    rules = {}
    for resource in scheme.types:
        if is_review(resource) or (resource.group, resource.plural) in rules:
            continue
        verbs = [verb for verb in resource.verbs if allowed(Target(verb, resource, namespace if resource.namespaced else "", "", ""))]
        if verbs:
            rules[(resource.group, resource.plural)] = {"verbs": verbs, "apiGroups": [resource.group], "resources": [resource.plural]}
    basic = [{"verbs": ["create"], "apiGroups": [t.group], "resources": [t.plural]} for t in scheme.types if is_review(t)]
    return _unique(basic) + list(rules.values())


def _unique(rules):
    seen, found = set(), []
    for rule in rules:
        key = (rule["apiGroups"][0], rule["resources"][0])
        if key not in seen:
            seen.add(key)
            found.append(rule)
    return found


def _review_schema(spec_properties, status_properties):
    meta = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}
    return {"type": "object", "properties": {
        **meta,
        "spec": {"type": "object", "properties": spec_properties},
        "status": {"type": "object", "properties": status_properties},
    }}


_STRING = {"type": "string"}
_ATTRIBUTES = {"type": "object", "properties": {k: _STRING for k in ("namespace", "verb", "group", "version", "resource", "subresource", "name")}}
_RULES = {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
_SCHEMAS = {
    "SelfSubjectAccessReview": _review_schema(
        {"resourceAttributes": _ATTRIBUTES,
         "nonResourceAttributes": {"type": "object", "properties": {"path": _STRING, "verb": _STRING}}},
        {"allowed": {"type": "boolean"}, "denied": {"type": "boolean"}, "reason": _STRING, "evaluationError": _STRING}),
    "SelfSubjectRulesReview": _review_schema(
        {"namespace": _STRING},
        {"resourceRules": _RULES, "nonResourceRules": _RULES, "incomplete": {"type": "boolean"}, "evaluationError": _STRING}),
    "SelfSubjectReview": _review_schema(
        {}, {"userInfo": {"type": "object", "properties": {
            "username": _STRING, "uid": _STRING, "groups": {"type": "array", "items": _STRING},
            "extra": {"type": "object", "additionalProperties": {"type": "array", "items": _STRING}}}}}),
}
