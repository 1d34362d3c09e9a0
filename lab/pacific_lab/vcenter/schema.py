"""Shapes of request bodies, checked the way vCenter's REST layer checks them.

A body is checked against its structure before any of its values is looked
at: wrong JSON types, missing required fields, unknown fields and enum values
outside their set are each reported with the dotted path of the field, e.g.
`spec.master_management_network.address_range.address_count`.
"""

from typing import NamedTuple

from . import errors


class Problems:
    """(field path, reason) pairs collected while checking one request."""

    def __init__(self):
        self.items = []

    def add(self, path, reason):
        self.items.append((path, reason))

    def __bool__(self):
        return bool(self.items)


class Field(NamedTuple):
    type: object
    required: bool = False


class Str:
    json_name = "string"

    def check(self, value, path, problems):
        if not isinstance(value, str):
            problems.add(path, f"expected a string, got {_json_type(value)}")


class Long:
    json_name = "integer"

    def check(self, value, path, problems):
        # JSON true/false are Python ints; vCenter does not take them as numbers.
        if not isinstance(value, int) or isinstance(value, bool):
            problems.add(path, f"expected an integer, got {_json_type(value)}")


class Bool:
    json_name = "boolean"

    def check(self, value, path, problems):
        if not isinstance(value, bool):
            problems.add(path, f"expected a boolean, got {_json_type(value)}")


class Enum:
    json_name = "string"

    def __init__(self, *values):
        self.values = values

    def check(self, value, path, problems):
        if value not in self.values:
            problems.add(path, f"{value!r} is not one of {list(self.values)}")


class ListOf:
    json_name = "array"

    def __init__(self, item):
        self.item = item

    def check(self, value, path, problems):
        if not isinstance(value, list):
            problems.add(path, f"expected an array, got {_json_type(value)}")
            return
        for index, item in enumerate(value):
            self.item.check(item, f"{path}[{index}]", problems)


class Opaque:
    """A dynamic structure (vAPI `Structure`): any JSON object; its content is checked elsewhere."""

    json_name = "object"

    def check(self, value, path, problems):
        if not isinstance(value, dict):
            problems.add(path, f"expected an object, got {_json_type(value)}")


class Struct:
    json_name = "object"

    def __init__(self, name, fields):
        self.name = name
        self.fields = fields  # {json field name: Field}

    def check(self, value, path, problems):
        if not isinstance(value, dict):
            problems.add(path, f"expected an object ({self.name}), got {_json_type(value)}")
            return
        for name in value.keys() - self.fields.keys():
            problems.add(f"{path}.{name}", f"unknown field of {self.name}")
        for name, field in self.fields.items():
            if value.get(name) is None:
                if field.required:
                    problems.add(f"{path}.{name}", "required field is missing")
                continue
            field.type.check(value[name], f"{path}.{name}", problems)


def check(shape, value, path="spec"):
    """The problems of `value` against `shape` (empty when it fits)."""
    problems = Problems()
    shape.check(value, path, problems)
    return problems


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def require(shape, value, path="spec"):
    """Raise INVALID_ARGUMENT naming every field of `value` that does not fit `shape`."""
    problems = check(shape, value, path)
    if problems:
        raise errors.invalid_fields(problems.items)
