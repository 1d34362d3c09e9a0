"""Built-in kinds sent as `application/vnd.kubernetes.protobuf`, read back into the JSON objects they stand for.

client-go's typed clients send built-in kinds in protobuf (`kubectl create
secret|configmap|service|quota|namespace`, `kubectl auth can-i|whoami`); the
API server accepts that for every built-in kind and answers 415 for custom
resources, which have no protobuf form. The lab reads the kinds a user of a
Supervisor creates so, and the self-reviews.

Field numbers and names are those of `k8s.io/api` core/v1, authorization/v1,
authentication/v1 and `k8s.io/apimachinery` meta/v1, intstr and resource
`generated.proto`. gogo-protobuf writes every non-pointer field, empty or not;
JSON leaves them out (`omitempty`), so zero values are dropped here the same way.
"""

import base64

from . import errors, protobuf

# A field: (JSON name, type). A type is a scalar ("string", "int", "bool", "bytes"), a message name, ("repeated", t)
# or ("map", value type); map keys are strings in every kind here.
_META = "ObjectMeta"
MESSAGES = {
    "ObjectMeta": {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
                   6: ("resourceVersion", "string"), 11: ("labels", ("map", "string")),
                   12: ("annotations", ("map", "string")), 13: ("ownerReferences", ("repeated", "OwnerReference")),
                   14: ("finalizers", ("repeated", "string"))},
    "OwnerReference": {5: ("apiVersion", "string"), 1: ("kind", "string"), 3: ("name", "string"), 4: ("uid", "string"),
                       6: ("controller", "bool"), 7: ("blockOwnerDeletion", "bool")},
    "IntOrString": None,  # {type: 0 int, 1 string; intVal; strVal}, read by _int_or_string
    "Quantity": None,  # {string}, read by _quantity
    "Secret": {1: ("metadata", _META), 2: ("data", ("map", "bytes")), 3: ("type", "string"),
               4: ("stringData", ("map", "string")), 5: ("immutable", "bool")},
    "ConfigMap": {1: ("metadata", _META), 2: ("data", ("map", "string")), 3: ("binaryData", ("map", "bytes")),
                  4: ("immutable", "bool")},
    "Namespace": {1: ("metadata", _META), 2: ("spec", "NamespaceSpec")},
    "NamespaceSpec": {1: ("finalizers", ("repeated", "string"))},
    "ResourceQuota": {1: ("metadata", _META), 2: ("spec", "ResourceQuotaSpec")},
    "ResourceQuotaSpec": {1: ("hard", ("map", "Quantity")), 2: ("scopes", ("repeated", "string"))},
    "Service": {1: ("metadata", _META), 2: ("spec", "ServiceSpec")},
    "ServiceSpec": {1: ("ports", ("repeated", "ServicePort")), 2: ("selector", ("map", "string")), 3: ("clusterIP", "string"),
                    18: ("clusterIPs", ("repeated", "string")), 4: ("type", "string"),
                    5: ("externalIPs", ("repeated", "string")), 7: ("sessionAffinity", "string"),
                    8: ("loadBalancerIP", "string"), 9: ("loadBalancerSourceRanges", ("repeated", "string")),
                    10: ("externalName", "string"), 11: ("externalTrafficPolicy", "string"),
                    12: ("healthCheckNodePort", "int"), 13: ("publishNotReadyAddresses", "bool"),
                    19: ("ipFamilies", ("repeated", "string")), 17: ("ipFamilyPolicy", "string"),
                    20: ("allocateLoadBalancerNodePorts", "bool"), 21: ("loadBalancerClass", "string"),
                    22: ("internalTrafficPolicy", "string")},
    "ServicePort": {1: ("name", "string"), 2: ("protocol", "string"), 6: ("appProtocol", "string"), 3: ("port", "int"),
                    4: ("targetPort", "IntOrString"), 5: ("nodePort", "int")},
    "SelfSubjectAccessReview": {1: ("metadata", _META), 2: ("spec", "SelfSubjectAccessReviewSpec")},
    "SelfSubjectAccessReviewSpec": {1: ("resourceAttributes", "ResourceAttributes"),
                                    2: ("nonResourceAttributes", "NonResourceAttributes")},
    "ResourceAttributes": {1: ("namespace", "string"), 2: ("verb", "string"), 3: ("group", "string"),
                           4: ("version", "string"), 5: ("resource", "string"), 6: ("subresource", "string"),
                           7: ("name", "string")},
    "NonResourceAttributes": {1: ("path", "string"), 2: ("verb", "string")},
    "SelfSubjectRulesReview": {1: ("metadata", _META), 2: ("spec", "SelfSubjectRulesReviewSpec")},
    "SelfSubjectRulesReviewSpec": {1: ("namespace", "string")},
    "SelfSubjectReview": {1: ("metadata", _META)},
}


KINDS = frozenset(("Secret", "ConfigMap", "Namespace", "ResourceQuota", "Service",
                   "SelfSubjectAccessReview", "SelfSubjectRulesReview", "SelfSubjectReview"))


def decode_object(body):
    """The JSON object (apiVersion, kind and fields) of a protobuf request body in the Kubernetes envelope."""
    api_version, kind, raw = protobuf.unwrap(body)
    if kind not in KINDS:
        raise errors.unsupported_media_type(["application/json", "application/yaml"])
    try:
        return {"apiVersion": api_version, "kind": kind, **_message(kind, protobuf.decode(raw))}
    except (AttributeError, TypeError, UnicodeDecodeError) as error:  # a field of another wire type than its kind's
        raise errors.bad_request(f"couldn't decode the protobuf {kind}: {error}") from error


def _message(name, fields):
    if name == "IntOrString":
        return _int_or_string(fields)
    if name == "Quantity":
        return protobuf.text(fields, 1)
    out = {}
    for number, (json_name, kind) in MESSAGES[name].items():
        values = fields.get(number, [])
        if isinstance(kind, tuple) and kind[0] == "map":
            value = dict(_entry(kind[1], entry) for entry in values)
        elif isinstance(kind, tuple):
            value = [_value(kind[1], item) for item in values]
        else:
            value = _value(kind, values[-1]) if values else None  # the last occurrence wins, as protobuf says
        if value not in (None, "", 0, False, [], {}):
            out[json_name] = value
    return out


def _entry(value_type, raw):
    entry = protobuf.decode(raw)
    return protobuf.text(entry, 1), _value(value_type, entry.get(2, [b""])[0])


def _value(kind, raw):
    if kind == "string":
        return raw.decode()
    if kind == "bytes":
        return base64.b64encode(raw).decode()  # []byte in JSON, as Secret.data is written
    if kind == "bool":
        return bool(raw)
    if kind == "int":
        return raw - (1 << 64) if raw >= 1 << 63 else raw
    return _message(kind, protobuf.decode(raw))


def _int_or_string(fields):
    if fields.get(1, [0])[0] == 1:
        return protobuf.text(fields, 3)
    return fields.get(2, [0])[0]
