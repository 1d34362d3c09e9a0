"""A Swagger 2.0 document (as a dict) in gnostic's protobuf encoding, `openapi.v2.Document`, which kubectl asks for.

client-go reads `/openapi/v2` only as
`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`. The field
numbers are those of gnostic's `openapiv2/OpenAPIv2.proto` (google/gnostic);
only the messages a definitions-only document needs are encoded: Document,
Info, Paths, Definitions, NamedSchema, Schema and what a Schema holds.
Values of `default`, `enum`, `example` and vendor extensions (`x-...`) are
gnostic `Any` messages carrying YAML, as gnostic writes them.
"""

import struct

import yaml

from . import protobuf


def encode_document(document):
    out = bytearray()
    protobuf.string_field(out, 1, document.get("swagger", "2.0"))
    info = document.get("info") or {}
    encoded_info = bytearray()
    protobuf.string_field(encoded_info, 1, info.get("title", ""))
    protobuf.string_field(encoded_info, 2, info.get("version", ""))
    protobuf.bytes_field(out, 2, bytes(encoded_info))
    protobuf.bytes_field(out, 8, b"")  # Paths: none (kubectl then takes patch types from its own scheme, merge patch for CRDs)
    definitions = bytearray()
    for name, schema in (document.get("definitions") or {}).items():
        protobuf.bytes_field(definitions, 1, _named_schema(name, schema))
    protobuf.bytes_field(out, 9, bytes(definitions))
    return bytes(out)


def _named_schema(name, schema):
    out = bytearray()
    protobuf.string_field(out, 1, name)
    protobuf.bytes_field(out, 2, _schema(schema))
    return bytes(out)


def _schema(schema):
    out = bytearray()
    strings = {"$ref": 1, "format": 2, "title": 3, "description": 4, "pattern": 13, "discriminator": 26}
    doubles = {"multipleOf": 6, "maximum": 7, "minimum": 9}
    booleans = {"exclusiveMaximum": 8, "exclusiveMinimum": 10, "uniqueItems": 16, "readOnly": 27}
    integers = {"maxLength": 11, "minLength": 12, "maxItems": 14, "minItems": 15, "maxProperties": 17, "minProperties": 18}
    for key, value in schema.items():
        if key in strings:
            protobuf.string_field(out, strings[key], value)
        elif key in doubles:
            protobuf.key(out, doubles[key], protobuf.FIXED64)
            out += struct.pack("<d", float(value))
        elif key in booleans:
            protobuf.varint_field(out, booleans[key], int(bool(value)))
        elif key in integers:
            protobuf.varint_field(out, integers[key], int(value))
        elif key == "default":
            protobuf.bytes_field(out, 5, _any(value))
        elif key == "required":
            for each in value:
                protobuf.string_field(out, 19, each)
        elif key == "enum":
            for each in value:
                protobuf.bytes_field(out, 20, _any(each))
        elif key == "additionalProperties":
            item = bytearray()
            if isinstance(value, bool):
                protobuf.varint_field(item, 2, int(value))
            else:
                protobuf.bytes_field(item, 1, _schema(value))
            protobuf.bytes_field(out, 21, bytes(item))
        elif key == "type":
            types = bytearray()
            for each in value if isinstance(value, list) else [value]:
                protobuf.string_field(types, 1, each)
            protobuf.bytes_field(out, 22, bytes(types))
        elif key == "items":
            items = bytearray()
            for each in value if isinstance(value, list) else [value]:
                protobuf.bytes_field(items, 1, _schema(each))
            protobuf.bytes_field(out, 23, bytes(items))
        elif key == "allOf":
            for each in value:
                protobuf.bytes_field(out, 24, _schema(each))
        elif key == "properties":
            properties = bytearray()
            for name, each in value.items():
                protobuf.bytes_field(properties, 1, _named_schema(name, each))
            protobuf.bytes_field(out, 25, bytes(properties))
        elif key == "example":
            protobuf.bytes_field(out, 30, _any(value))
        elif key.startswith("x-"):
            named = bytearray()
            protobuf.string_field(named, 1, key)
            protobuf.bytes_field(named, 2, _any(value))
            protobuf.bytes_field(out, 31, bytes(named))
        # Anything else (patternProperties, dependencies, ...) has no field in gnostic's Schema: left out, as gnostic does.
    return bytes(out)


def _any(value):
    out = bytearray()
    protobuf.string_field(out, 2, yaml.safe_dump(value, default_flow_style=False).removesuffix("...\n"))
    return bytes(out)
