"""Structural OpenAPI v3 schemas as the API server applies them to custom resources.

In the API server's order: `prune` drops unknown fields (reported, so that
the handler can warn or, with `fieldValidation=Strict`, refuse) and nulls that
the schema does not allow; `apply_defaults` fills `default`s; `validate`
returns the `Cause`s of every violation with its field path.

Not evaluated: `x-kubernetes-validations` (CEL rules). The schemas the lab
serves use four such rules, all forbidding a few condition type names in
machine health checks, which the lab never acts on.
"""

import datetime
import json
import re
import uuid

from .errors import Cause

# ObjectMeta fields a client may send; everything else under metadata is
# dropped, as the API server's decoder drops it.
OBJECT_META_FIELDS = frozenset((
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields",
))
_JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}
_TYPE_NAMES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}


def type_name(value):
    if value is None:
        return "null"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def render(value):
    """A value as the API server prints it in messages."""
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _child(path, key):
    return f"{path}.{key}" if path else key


def _keeps_unknown(schema):
    return bool(schema.get("x-kubernetes-preserve-unknown-fields"))


def _item_schema(schema):
    items = schema.get("items")
    return items if isinstance(items, dict) else None


def _additional_schema(schema):
    additional = schema.get("additionalProperties")
    return additional if isinstance(additional, dict) else None


def prune(value, schema, path=""):
    """Drop fields the schema does not know and disallowed nulls; return the unknown field paths."""
    unknown = []
    _prune(value, schema, path, unknown, root=not path)
    return unknown


def _prune(value, schema, path, unknown, root=False):
    if schema is None:
        return
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        additional = _additional_schema(schema)
        for key in list(value):
            child_path = _child(path, key)
            if root and key in ("apiVersion", "kind"):
                continue
            if root and key == "metadata":
                if isinstance(value[key], dict):
                    for meta_key in [k for k in value[key] if k not in OBJECT_META_FIELDS]:
                        unknown.append(f"metadata.{meta_key}")
                        del value[key][meta_key]
                continue
            if key in properties:
                child_schema = properties[key]
            elif additional is not None:
                child_schema = additional
            elif _keeps_unknown(schema) or not schema.get("type"):
                continue  # kept as sent, not looked into
            else:
                unknown.append(child_path)
                del value[key]
                continue
            if value[key] is None and not child_schema.get("nullable"):
                if "default" not in child_schema:
                    del value[key]
                continue
            _prune(value[key], child_schema, child_path, unknown)
    elif isinstance(value, list):
        items = _item_schema(schema)
        for index, item in enumerate(value):
            _prune(item, items, f"{path}[{index}]", unknown)


def apply_defaults(value, schema):
    """Fill in `default`s of absent (or null, non-nullable) properties, depth first."""
    if schema is None:
        return
    if isinstance(value, dict):
        for key, child_schema in (schema.get("properties") or {}).items():
            if "default" in child_schema and (key not in value or (value[key] is None and not child_schema.get("nullable"))):
                value[key] = json.loads(json.dumps(child_schema["default"]))
            if key in value:
                apply_defaults(value[key], child_schema)
        additional = _additional_schema(schema)
        if additional is not None:
            for key, item in value.items():
                if key not in (schema.get("properties") or {}):
                    apply_defaults(item, additional)
    elif isinstance(value, list):
        items = _item_schema(schema)
        for item in value:
            apply_defaults(item, items)


def validate(value, schema, path=""):
    """The causes of every violation of `schema` by `value` (empty when valid)."""
    causes = []
    _validate(value, schema, path, causes, root=not path)
    return causes


def _type_matches(value, schema):
    if schema.get("x-kubernetes-int-or-string"):
        return isinstance(value, (int, str)) and not isinstance(value, bool)
    expected = schema.get("type")
    if expected is None:
        return True
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected in _JSON_TYPES:
        return type(value) is _JSON_TYPES[expected]
    return True


def _validate(value, schema, path, causes, root=False):
    if schema is None:
        return
    if value is None:
        if not schema.get("nullable") and (schema.get("type") or schema.get("x-kubernetes-int-or-string")):
            expected = "integer or string" if schema.get("x-kubernetes-int-or-string") else schema.get("type")
            causes.append(Cause("FieldValueTypeInvalid",
                                f'Invalid value: "null": {path} in body must be of type {expected}: "null"', path))
        return
    if not _type_matches(value, schema):
        expected = "integer or string" if schema.get("x-kubernetes-int-or-string") else schema["type"]
        actual = type_name(value)
        causes.append(Cause("FieldValueTypeInvalid",
                            f'Invalid value: "{actual}": {path} in body must be of type {expected}: "{actual}"', path))
        return
    if "enum" in schema and value not in schema["enum"]:
        supported = ", ".join(render(v) for v in schema["enum"])
        causes.append(Cause("FieldValueNotSupported", f"Unsupported value: {render(value)}: supported values: {supported}", path))
    if isinstance(value, str):
        _validate_string(value, schema, path, causes)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        _validate_number(value, schema, path, causes)
    elif isinstance(value, list):
        _validate_array(value, schema, path, causes)
    elif isinstance(value, dict):
        _validate_object(value, schema, path, causes, root)
    _validate_combinators(value, schema, path, causes)


def _validate_string(value, schema, path, causes):
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        causes.append(Cause("FieldValueTooLong", f"Too long: may not be more than {schema['maxLength']} bytes", path))
    if "minLength" in schema and len(value) < schema["minLength"]:
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {render(value)}: {path} in body should be at least "
                            f"{schema['minLength']} chars long", path))
    if "pattern" in schema and not re.search(schema["pattern"], value):
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {render(value)}: {path} in body should match "
                            f"'{schema['pattern']}'", path))
    checker = _FORMATS.get(schema.get("format"))
    if checker is not None and not checker(value):
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {render(value)}: {path} in body must be of type "
                            f"{schema['format']}: {render(value)}", path))


def _validate_number(value, schema, path, causes):
    if "minimum" in schema:
        low = schema["minimum"]
        exclusive = schema.get("exclusiveMinimum") is True
        if value < low or (exclusive and value == low):
            relation = "greater than" if exclusive else "greater than or equal to"
            causes.append(Cause("FieldValueInvalid", f"Invalid value: {render(value)}: {path} in body should be "
                                f"{relation} {low}", path))
    if "maximum" in schema:
        high = schema["maximum"]
        exclusive = schema.get("exclusiveMaximum") is True
        if value > high or (exclusive and value == high):
            relation = "less than" if exclusive else "less than or equal to"
            causes.append(Cause("FieldValueInvalid", f"Invalid value: {render(value)}: {path} in body should be "
                                f"{relation} {high}", path))
    if schema.get("multipleOf") and value % schema["multipleOf"]:
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {render(value)}: {path} in body should be a "
                            f"multiple of {schema['multipleOf']}", path))


def _validate_array(value, schema, path, causes):
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        causes.append(Cause("FieldValueTooMany", f"Too many: {len(value)}: must have at most {schema['maxItems']} items", path))
    if "minItems" in schema and len(value) < schema["minItems"]:
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {len(value)}: {path} in body should have at least "
                            f"{schema['minItems']} items", path))
    list_type = schema.get("x-kubernetes-list-type")
    seen = set()
    keys = schema.get("x-kubernetes-list-map-keys") or []
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if list_type == "map" and isinstance(item, dict):
            identity = tuple((key, render(item.get(key))) for key in keys)
            if identity in seen:
                shown = render({key: item.get(key) for key in keys})
                causes.append(Cause("FieldValueDuplicate", f"Duplicate value: {shown}", item_path))
            seen.add(identity)
        elif list_type == "set" or schema.get("uniqueItems"):
            identity = render(item)
            if identity in seen:
                causes.append(Cause("FieldValueDuplicate", f"Duplicate value: {identity}", item_path))
            seen.add(identity)
        _validate(item, _item_schema(schema), item_path, causes)


def _validate_object(value, schema, path, causes, root):
    for key in schema.get("required") or []:
        if key not in value:
            causes.append(Cause("FieldValueRequired", "Required value", _child(path, key)))
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        causes.append(Cause("FieldValueTooMany", f"Too many: {len(value)}: must have at most "
                            f"{schema['maxProperties']} items", path))
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {len(value)}: {path} in body should have at least "
                            f"{schema['minProperties']} properties", path))
    properties = schema.get("properties") or {}
    additional = _additional_schema(schema)
    for key, item in value.items():
        if root and key == "metadata":
            continue  # ObjectMeta has its own rules (meta.object_meta_causes)
        if key in properties:
            _validate(item, properties[key], _child(path, key), causes)
        elif additional is not None:
            _validate(item, additional, f"{path}[{key}]" if path else key, causes)


def _validate_combinators(value, schema, path, causes):
    for sub in schema.get("allOf") or []:
        _validate(value, sub, path, causes)
    if schema.get("anyOf") and not schema.get("x-kubernetes-int-or-string"):
        if not any(not validate(value, sub, path) for sub in schema["anyOf"]):
            causes.append(Cause("FieldValueInvalid", f"Invalid value: {render(value)}: {path} in body must validate "
                                "at least one schema (anyOf)", path))
    if schema.get("oneOf"):
        matching = sum(1 for sub in schema["oneOf"] if not validate(value, sub, path))
        if matching != 1:
            causes.append(Cause("FieldValueInvalid", f"Invalid value: {render(value)}: {path} in body must validate "
                                "one and only one schema (oneOf)", path))
    if "not" in schema and not validate(value, schema["not"], path):
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {render(value)}: {path} in body should not "
                            "validate the given schema", path))


def _is_date_time(text):
    try:
        datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in text or " " in text


def _is_uuid(text):
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


_FORMATS = {"date-time": _is_date_time, "uuid": _is_uuid}
