"""Protocol Buffers wire format, the little the API server needs of it.

- Writing: varints, 64-bit and length-delimited fields (`openapi_proto`
  encodes gnostic's OpenAPI v2 document with them).
- Reading: a message as `{field number: [values]}`, and the Kubernetes
  envelope (`k8s\\0` then a `runtime.Unknown`: typeMeta, raw) in which
  client-go sends built-in kinds as `application/vnd.kubernetes.protobuf`
  (`protobuf_kinds` maps their fields).
"""

from . import errors

VARINT, FIXED64, BYTES, FIXED32 = 0, 1, 2, 5
KUBERNETES_PROTOBUF = "application/vnd.kubernetes.protobuf"
ENVELOPE_MAGIC = b"k8s\x00"


def key(out, field, wire):
    varint(out, field << 3 | wire)


def varint(out, value):
    if value < 0:
        value += 1 << 64  # int64 in two's complement, as protobuf encodes it
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return


def varint_field(out, field, value):
    key(out, field, VARINT)
    varint(out, value)


def string_field(out, field, text):
    bytes_field(out, field, text.encode())


def bytes_field(out, field, payload):
    key(out, field, BYTES)
    varint(out, len(payload))
    out += payload


def decode(data):
    """`{field number: [value, ...]}` of one message: ints for varints, bytes for everything length-delimited."""
    fields, position = {}, 0
    try:
        while position < len(data):
            tag, position = _read_varint(data, position)
            field, wire = tag >> 3, tag & 7
            if wire == VARINT:
                value, position = _read_varint(data, position)
            elif wire == BYTES:
                length, position = _read_varint(data, position)
                value, position = data[position:position + length], position + length
            elif wire in (FIXED64, FIXED32):
                size = 8 if wire == FIXED64 else 4
                value, position = data[position:position + size], position + size
            else:
                raise ValueError(f"wire type {wire}")
            fields.setdefault(field, []).append(value)
    except (IndexError, ValueError) as error:
        raise errors.bad_request(f"couldn't decode the protobuf request body: {error}") from error
    return fields


def unwrap(body):
    """(apiVersion, kind, raw message) of a Kubernetes protobuf envelope."""
    if not body.startswith(ENVELOPE_MAGIC):
        raise errors.bad_request("the protobuf request body does not start with the Kubernetes envelope")
    unknown = decode(body[len(ENVELOPE_MAGIC):])
    type_meta = decode(unknown.get(1, [b""])[0])
    return text(type_meta, 1), text(type_meta, 2), unknown.get(2, [b""])[0]


def text(fields, number):
    return fields.get(number, [b""])[0].decode()


def message(fields, number):
    return decode(fields[number][0]) if number in fields else {}


def _read_varint(data, position):
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7
