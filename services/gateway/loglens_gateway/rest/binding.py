"""HTTP request -> request message, by the ``google.api.http`` binding rules.

* path variables set their fields (and win over the same field in a ``body: "*"``);
* ``body: "*"`` maps the JSON body to the whole message, and then no query parameter is allowed;
* ``body: "field"`` maps the JSON body to that field;
* every other field comes from the query string: ``a.b.c=value`` for nested fields, the name repeated for
  repeated fields, ``m[key]=value`` or ``m=key=value`` for maps of scalars.

Values go through proto3 JSON parsing (``google.protobuf.json_format``), so ``page_size=10``, an enum's name,
an int64 as a string and a Timestamp in RFC 3339 mean what they mean in a JSON body. Field names may be
given as in the proto (``page_size``) or in JSON (``pageSize``). Unknown parameters are refused with the
list of known ones: a typo should not silently list everything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, cast

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from loglens_common.errors import FieldViolation, InvalidArgument

# Well-known messages that proto3 JSON writes as one string or scalar, so a query parameter can carry them.
_SCALAR_LIKE = {
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
    "google.protobuf.FieldMask",
    "google.protobuf.DoubleValue",
    "google.protobuf.FloatValue",
    "google.protobuf.Int64Value",
    "google.protobuf.UInt64Value",
    "google.protobuf.Int32Value",
    "google.protobuf.UInt32Value",
    "google.protobuf.BoolValue",
    "google.protobuf.StringValue",
    "google.protobuf.BytesValue",
}


def message_of(field: FieldDescriptor) -> Descriptor:
    if field.message_type is None:
        raise TypeError(f"{field.full_name} is not a message field")
    return field.message_type


def descriptor_of(message: Message) -> Descriptor:
    return cast(Descriptor, message.DESCRIPTOR)


def bad_parameter(name: str, description: str) -> InvalidArgument:
    return InvalidArgument(
        f"invalid parameter {name!r}: {description}",
        reason="INVALID_PARAMETER",
        violations=[FieldViolation(name, description)],
    )


def is_scalar_like(field: FieldDescriptor) -> bool:
    return field.type != FieldDescriptor.TYPE_MESSAGE or message_of(field).full_name in _SCALAR_LIKE


def is_map(field: FieldDescriptor) -> bool:
    return field.type == FieldDescriptor.TYPE_MESSAGE and message_of(field).GetOptions().map_entry and field.is_repeated


def _is_bool(field: FieldDescriptor) -> bool:
    if field.type == FieldDescriptor.TYPE_BOOL:
        return True
    return field.type == FieldDescriptor.TYPE_MESSAGE and message_of(field).full_name == "google.protobuf.BoolValue"


def _field_named(message: Descriptor, name: str) -> FieldDescriptor | None:
    found = message.fields_by_name.get(name)
    if found is not None:
        return found
    for candidate in message.fields:
        if candidate.json_name == name:
            return candidate
    return None


def _scalar_json(field: FieldDescriptor, value: str, param: str) -> Any:
    """A query or path string as the JSON value proto3 JSON parsing expects for ``field``."""
    if _is_bool(field):
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise bad_parameter(param, f"expected true or false, got {value!r}")
    return value


def resolve(message: Descriptor, dotted: str, param: str) -> list[FieldDescriptor]:
    """The chain of fields that a dotted name (proto or JSON spelling) walks through."""
    chain: list[FieldDescriptor] = []
    descriptor = message
    parts = dotted.split(".")
    for index, part in enumerate(parts):
        found = _field_named(descriptor, part)
        if found is None:
            raise bad_parameter(param, f"{descriptor.name} has no field {part!r}")
        chain.append(found)
        if index < len(parts) - 1:
            if found.type != FieldDescriptor.TYPE_MESSAGE or found.is_repeated:
                raise bad_parameter(param, f"{part!r} is not a message field, so it has no field {parts[index + 1]!r}")
            if message_of(found).full_name in _SCALAR_LIKE:
                raise bad_parameter(param, f"{part!r} is a {message_of(found).full_name}; set it as a whole")
            descriptor = message_of(found)
    return chain


def _nest(chain: list[FieldDescriptor], leaf: Any) -> dict[str, Any]:
    value: Any = leaf
    for field in reversed(chain):
        value = {field.name: value}
    return value  # type: ignore[no-any-return]


def _leaf_json(chain: list[FieldDescriptor], values: list[str], param: str, map_key: str | None) -> Any:
    leaf = chain[-1]
    if is_map(leaf):
        key_field = message_of(leaf).fields_by_name["key"]
        value_field = message_of(leaf).fields_by_name["value"]
        if not is_scalar_like(value_field):
            raise bad_parameter(param, "a map of messages cannot be set from the query string")
        entries: dict[str, Any] = {}
        for raw in values:
            if map_key is not None:
                key, item = map_key, raw
            else:
                key, sep, item = raw.partition("=")
                if not sep:
                    raise bad_parameter(param, f"expected key=value, got {raw!r}")
            _scalar_json(key_field, key, param)  # bool keys are checked like values
            entries[key] = _scalar_json(value_field, item, param)
        return entries
    if map_key is not None:
        raise bad_parameter(param, f"{leaf.name!r} is not a map")
    if not is_scalar_like(leaf):
        raise bad_parameter(param, f"{leaf.name!r} is a message; set its fields as {param}.<field>")
    if leaf.is_repeated:
        return [_scalar_json(leaf, value, param) for value in values]
    if len(values) > 1:
        raise bad_parameter(param, f"{leaf.name!r} takes one value, got {len(values)}")
    return _scalar_json(leaf, values[0], param)


def _parse_into(message: Message, data: dict[str, Any], param: str) -> None:
    try:
        json_format.ParseDict(data, message)
    except (json_format.ParseError, ValueError, TypeError) as exc:
        raise bad_parameter(param, _plain(str(exc))) from None


def too_deep() -> InvalidArgument:
    return InvalidArgument(
        "the request body is nested too deeply to be a request of this API",
        reason="INVALID_JSON",
        violations=[FieldViolation("body", "nested too deeply")],
    )


def _plain(text: str) -> str:
    return text.replace("Failed to parse ", "cannot parse ")


def _clear(message: Message, chain: list[FieldDescriptor]) -> None:
    target = message
    for field in chain[:-1]:
        if not target.HasField(field.name):
            return
        target = getattr(target, field.name)
    target.ClearField(chain[-1].name)


def _covers(bound: str, chain: list[FieldDescriptor]) -> bool:
    """Whether a field path set elsewhere (path or body) overlaps the parameter's path."""
    names = ".".join(f.name for f in chain)
    return names == bound or names.startswith(bound + ".") or bound.startswith(names + ".")


def bind_query(
    message: Message,
    query: Iterable[tuple[str, str]],
    *,
    taken: Mapping[str, str] = {},
) -> None:
    """Set fields of ``message`` from query parameters; ``taken`` maps field paths set elsewhere to where."""
    grouped: dict[str, list[str]] = {}
    for key, value in query:
        grouped.setdefault(key, []).append(value)
    for param, values in grouped.items():
        name, map_key = param, None
        if param.endswith("]") and "[" in param:
            name, _, rest = param.partition("[")
            map_key = rest[:-1]
        chain = resolve(descriptor_of(message), name, param)
        for bound, where in taken.items():
            if _covers(bound, chain):
                raise bad_parameter(param, f"{bound!r} is set by the {where}, not the query string")
        fresh = type(message)()
        _parse_into(fresh, _nest(chain, _leaf_json(chain, values, param, map_key)), param)
        message.MergeFrom(fresh)


def bind_path(message: Message, values: Mapping[str, str]) -> None:
    """Set the fields named by the template's variables, replacing any value the body gave them."""
    for dotted, value in values.items():
        chain = resolve(descriptor_of(message), dotted, dotted)
        leaf = chain[-1]
        if leaf.is_repeated or not is_scalar_like(leaf):
            raise bad_parameter(dotted, "a path variable must name a singular scalar field")
        _clear(message, chain)
        fresh = type(message)()
        _parse_into(fresh, _nest(chain, _scalar_json(leaf, value, dotted)), dotted)
        message.MergeFrom(fresh)


def bind_body(message: Message, body_field: str, raw: bytes) -> None:
    if not body_field:
        return
    if raw.strip():
        try:
            data = json.loads(raw)
        except RecursionError:  # '[[[[...': Python's parser gives up past ~1,000 levels; no message is that deep
            raise too_deep() from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidArgument(
                f"the request body is not valid JSON: {exc}",
                reason="INVALID_JSON",
                violations=[FieldViolation("body", "not valid JSON")],
            ) from None
    else:
        data = {} if body_field == "*" else None
    if body_field == "*":
        if not isinstance(data, dict):
            raise InvalidArgument(
                "the request body must be a JSON object",
                reason="INVALID_JSON",
                violations=[FieldViolation("body", "expected a JSON object")],
            )
        target = data
    else:
        if data is None:
            return
        target = {body_field: data}
    try:
        json_format.ParseDict(target, message)
    except RecursionError:
        raise too_deep() from None
    except (json_format.ParseError, ValueError, TypeError) as exc:
        raise InvalidArgument(
            f"the request body does not fit {message.DESCRIPTOR.full_name}: {_plain(str(exc))}",
            reason="INVALID_JSON",
            violations=[FieldViolation("body", _plain(str(exc)))],
        ) from None


def bind_request(
    message: Message,
    *,
    path_values: Mapping[str, str],
    query: Iterable[tuple[str, str]],
    body_field: str,
    body: bytes,
) -> Message:
    """Fill ``message`` from one HTTP request following its route's rule; returns it."""
    bind_body(message, body_field, body)
    query = list(query)
    if body_field == "*" and query:
        raise bad_parameter(query[0][0], "this method takes its fields in the JSON body, not the query string")
    taken = {path: "URL path" for path in path_values}
    if body_field and body_field != "*":
        taken[body_field] = "request body"
    bind_query(message, query, taken=taken)
    bind_path(message, path_values)
    return message
