"""Object metadata: timestamps, UIDs, generated names and the ObjectMeta rules every kind shares."""

import datetime
import json
import random
import re
import uuid

from .errors import Cause

DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN = DNS1123_LABEL + r"(\." + DNS1123_LABEL + r")*"
_LABEL_RE = re.compile(f"^{DNS1123_LABEL}$")
_SUBDOMAIN_RE = re.compile(f"^{DNS1123_SUBDOMAIN}$")
_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
# The alphabet of generateName suffixes (no vowels, so no accidental words).
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MAX_GENERATED_PREFIX = 58


def now():
    """The current time as the API server writes timestamps (RFC 3339, seconds, UTC)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def new_uid():
    return str(uuid.uuid4())


def random_suffix(length=5):
    return "".join(random.choice(_SUFFIX_ALPHABET) for _ in range(length))


def generated_name(prefix):
    return prefix[:MAX_GENERATED_PREFIX] + random_suffix()


def deep_copy(document):
    """A copy of a JSON document (dicts, lists, scalars); several times faster than copy.deepcopy, which the lab's
    stores spend most of their time in otherwise (every read and write copies)."""
    if isinstance(document, dict):
        return {key: deep_copy(value) for key, value in document.items()}
    if isinstance(document, (list, tuple)):
        return [deep_copy(value) for value in document]
    return document


def canonical(document):
    """A stable text form of a JSON document, for equality checks that ignore key order."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def is_dns1123_label(name):
    return len(name) <= 63 and bool(_LABEL_RE.match(name))


def name_causes(name, *, label=False, field="metadata.name"):
    """Why `name` is not a valid object name (empty when it is)."""
    if label:
        if is_dns1123_label(name):
            return []
        return [Cause("FieldValueInvalid", f'Invalid value: "{name}": a lowercase RFC 1123 label must consist of '
                      "lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
                      f"character (e.g. 'my-name',  or '123-abc', regex used for validation is '{DNS1123_LABEL}')",
                      field)]
    if len(name) <= 253 and _SUBDOMAIN_RE.match(name):
        return []
    return [Cause("FieldValueInvalid", f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of '
                  "lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                  f"character (e.g. 'example.com', regex used for validation is '{DNS1123_SUBDOMAIN}')", field)]


def _qualified_name_causes(key, field):
    prefix, _, name = key.rpartition("/")
    causes = []
    if "/" in key and (not prefix or len(prefix) > 253 or not _SUBDOMAIN_RE.match(prefix)):
        causes.append(Cause("FieldValueInvalid", f'Invalid value: "{key}": prefix part must be a DNS-1123 subdomain', field))
    if not name or len(name) > 63 or not _QUALIFIED_NAME_RE.match(name):
        causes.append(Cause("FieldValueInvalid", f'Invalid value: "{key}": name part must consist of alphanumeric '
                            "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
                            "and be at most 63 characters", field))
    return causes


def object_meta_causes(metadata, *, namespaced, label_name=False):
    """ObjectMeta validation shared by all kinds: name, namespace, labels, annotations, finalizers."""
    causes = []
    name = metadata.get("name")
    if not name:
        causes.append(Cause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name"))
    else:
        causes += name_causes(name, label=label_name)
    if namespaced and not metadata.get("namespace"):
        causes.append(Cause("FieldValueRequired", "Required value", "metadata.namespace"))
    if not namespaced and metadata.get("namespace"):
        causes.append(Cause("FieldValueForbidden", "Forbidden: not allowed on this type", "metadata.namespace"))
    for key, value in (metadata.get("labels") or {}).items():
        field = "metadata.labels"
        causes += _qualified_name_causes(key, field)
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE_RE.match(value):
            causes.append(Cause("FieldValueInvalid", f'Invalid value: "{value}": a valid label must be an empty string or '
                                "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                                "alphanumeric character and be at most 63 characters", field))
    for key, value in (metadata.get("annotations") or {}).items():
        causes += _qualified_name_causes(key, "metadata.annotations")
        if not isinstance(value, str):
            causes.append(Cause("FieldValueTypeInvalid", "Invalid value: annotation values must be strings",
                                "metadata.annotations"))
    for index, finalizer in enumerate(metadata.get("finalizers") or []):
        if not isinstance(finalizer, str) or not finalizer:
            causes.append(Cause("FieldValueInvalid", f'Invalid value: "{finalizer}": finalizers must be non-empty strings',
                                f"metadata.finalizers[{index}]"))
    return causes


def condition(type_, status, reason=None, message=None, *, observed_generation=None, previous=None):
    """A status condition; keeps `lastTransitionTime` of `previous` when the status did not change.

    `reason` and `message` are left out when None: Cluster API conditions make
    them optional, metav1.Condition (VM Operator) requires both, even empty.
    """
    transition = now()
    if previous and previous.get("status") == status and previous.get("lastTransitionTime"):
        transition = previous["lastTransitionTime"]
    entry = {"type": type_, "status": status, "lastTransitionTime": transition}
    if reason is not None:
        entry["reason"] = reason
    if message is not None:
        entry["message"] = message
    if observed_generation is not None:
        entry["observedGeneration"] = observed_generation
    return entry


def set_condition(conditions, type_, status, reason=None, message=None, **extra):
    """Replace (or add) the condition of `type_` in the list `conditions`, in place."""
    previous = next((c for c in conditions if c.get("type") == type_), None)
    entry = condition(type_, status, reason, message, previous=previous, **extra)
    if previous is not None:
        conditions[conditions.index(previous)] = entry
    else:
        conditions.append(entry)
    return entry


def find_condition(obj, type_):
    for entry in (obj.get("status") or {}).get("conditions") or []:
        if entry.get("type") == type_:
            return entry
    return None
