"""An OpenAPI 3 document made from the same routes and descriptors the bridge serves.

Schemas follow proto3 JSON: lowerCamelCase names, enums as their names, 64-bit integers as decimal strings,
bytes as base64, Timestamps as RFC 3339. Resource-name variables (``{name=logFiles/*}``) are spelled out as
one path parameter per ``*`` (``/v1/logFiles/{logFile}``) so that generic OpenAPI clients, which percent-encode
a ``/`` inside a parameter, build URLs the bridge matches. Comments come from a descriptor set with source
info when one is available (``gen/loglens_descriptor.binpb``); without it the document has no descriptions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

from google.api import field_behavior_pb2
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from loglens_gateway.rest.binding import is_map, is_scalar_like, message_of
from loglens_gateway.rest.routes import Route, Shape
from loglens_gateway.rest.templates import PathTemplate

log = logging.getLogger("loglens.gateway.rest")

SECURITY_SCHEME = "bearerAuth"
STATUS_SCHEMA = "google.rpc.Status"
_REF = "#/components/schemas/"
_QUERY_DEPTH = 3

_T = FieldDescriptor
_INT32 = {_T.TYPE_INT32, _T.TYPE_SINT32, _T.TYPE_SFIXED32}
_UINT32 = {_T.TYPE_UINT32, _T.TYPE_FIXED32}
_INT64 = {_T.TYPE_INT64, _T.TYPE_SINT64, _T.TYPE_SFIXED64}
_UINT64 = {_T.TYPE_UINT64, _T.TYPE_FIXED64}

_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$", "example": "1.5s"},
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Struct": {"type": "object", "additionalProperties": True},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array", "items": {}},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.DoubleValue": {"type": "number", "format": "double", "nullable": True},
    "google.protobuf.FloatValue": {"type": "number", "format": "float", "nullable": True},
    "google.protobuf.Int64Value": {"type": "string", "format": "int64", "nullable": True},
    "google.protobuf.UInt64Value": {"type": "string", "format": "uint64", "nullable": True},
    "google.protobuf.Int32Value": {"type": "integer", "format": "int32", "nullable": True},
    "google.protobuf.UInt32Value": {"type": "integer", "format": "int64", "minimum": 0, "nullable": True},
    "google.protobuf.BoolValue": {"type": "boolean", "nullable": True},
    "google.protobuf.StringValue": {"type": "string", "nullable": True},
    "google.protobuf.BytesValue": {"type": "string", "format": "byte", "nullable": True},
}

_ANY_SCHEMA = {
    "type": "object",
    "description": "A message of any type, named by its @type URL, with that message's fields beside it.",
    "properties": {"@type": {"type": "string"}},
    "required": ["@type"],
    "additionalProperties": True,
}
_STATUS = {
    "type": "object",
    "description": "A google.rpc.Status: a canonical gRPC code, a message, and rich details.",
    "properties": {
        "code": {"type": "integer", "format": "int32"},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"$ref": _REF + "google.protobuf.Any"}},
    },
    "required": ["code", "message"],
}

# Source locations: field numbers of FileDescriptorProto / DescriptorProto / ServiceDescriptorProto.
_MESSAGE, _ENUM, _SERVICE = 4, 5, 6
_FIELD, _NESTED_MESSAGE, _NESTED_ENUM = 2, 3, 4
_METHOD, _ENUM_VALUE = 2, 2


def load_comments(path: Path | None) -> dict[str, str]:
    """Leading comments by full name (messages, fields, enums, services, methods), if ``path`` exists."""
    if path is None or not path.exists():
        return {}
    descriptor_set = descriptor_pb2.FileDescriptorSet()
    try:
        descriptor_set.ParseFromString(path.read_bytes())
    except Exception as exc:  # a stale or foreign file only costs the descriptions
        log.warning("cannot read %s: %s", path, exc)
        return {}
    comments: dict[str, str] = {}
    for file in descriptor_set.file:
        names = _element_names(file)
        for location in file.source_code_info.location:
            name = names.get(tuple(location.path))
            if name and location.leading_comments.strip():
                comments[name] = " ".join(location.leading_comments.split())
    return comments


def _element_names(file: descriptor_pb2.FileDescriptorProto) -> dict[tuple[int, ...], str]:
    prefix = f"{file.package}." if file.package else ""
    names: dict[tuple[int, ...], str] = {}

    def message(proto: descriptor_pb2.DescriptorProto, path: tuple[int, ...], scope: str) -> None:
        full = scope + proto.name
        names[path] = full
        for i, field in enumerate(proto.field):
            names[(*path, _FIELD, i)] = f"{full}.{field.name}"
        for i, nested in enumerate(proto.nested_type):
            message(nested, (*path, _NESTED_MESSAGE, i), full + ".")
        for i, nested_enum in enumerate(proto.enum_type):
            enum(nested_enum, (*path, _NESTED_ENUM, i), full + ".")

    def enum(proto: descriptor_pb2.EnumDescriptorProto, path: tuple[int, ...], scope: str) -> None:
        full = scope + proto.name
        names[path] = full
        for i, value in enumerate(proto.value):
            names[(*path, _ENUM_VALUE, i)] = f"{full}.{value.name}"

    for i, proto in enumerate(file.message_type):
        message(proto, (_MESSAGE, i), prefix)
    for i, enum_proto in enumerate(file.enum_type):
        enum(enum_proto, (_ENUM, i), prefix)
    for i, service in enumerate(file.service):
        names[(_SERVICE, i)] = prefix + service.name
        for j, method in enumerate(service.method):
            names[(_SERVICE, i, _METHOD, j)] = f"{prefix}{service.name}.{method.name}"
    return names


def _behaviors(field: FieldDescriptor) -> set[int]:
    return set(field.GetOptions().Extensions[field_behavior_pb2.field_behavior])


def _output_only(field: FieldDescriptor) -> bool:
    return field_behavior_pb2.OUTPUT_ONLY in _behaviors(field)


def _required(field: FieldDescriptor) -> bool:
    return field_behavior_pb2.REQUIRED in _behaviors(field)


def _singular(collection: str) -> str:
    if collection.endswith("ies"):
        return collection[:-3] + "y"
    return collection[:-1] if collection.endswith("s") and len(collection) > 1 else collection


class _Schemas:
    def __init__(self, comments: Mapping[str, str]) -> None:
        self.comments = comments
        self.components: dict[str, Any] = {"google.protobuf.Any": _ANY_SCHEMA, STATUS_SCHEMA: _STATUS}

    def _describe(self, schema: dict[str, Any], full_name: str) -> dict[str, Any]:
        text = self.comments.get(full_name)
        if text:
            schema["description"] = text
        return schema

    def ref(self, message: Descriptor) -> dict[str, Any]:
        if message.full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[message.full_name])
        if message.full_name == "google.protobuf.Any":
            return {"$ref": _REF + "google.protobuf.Any"}
        if message.full_name not in self.components:
            self.components[message.full_name] = {}  # placeholder: recursion ends here
            self.components[message.full_name] = self.message(message)
        return {"$ref": _REF + message.full_name}

    def message(self, message: Descriptor, exclude: Iterable[str] = ()) -> dict[str, Any]:
        skipped = set(exclude)
        properties = {f.json_name: self.field(f) for f in message.fields if f.name not in skipped}
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        return self._describe(schema, message.full_name)

    def enum(self, enum: EnumDescriptor) -> dict[str, Any]:
        return self._describe({"type": "string", "enum": [v.name for v in enum.values]}, enum.full_name)

    def scalar(self, field: FieldDescriptor) -> dict[str, Any]:
        kind = field.type
        if kind == _T.TYPE_MESSAGE:
            return self.ref(message_of(field))
        if kind == _T.TYPE_ENUM:
            return self.enum(cast(EnumDescriptor, field.enum_type))
        if kind == _T.TYPE_BOOL:
            return {"type": "boolean"}
        if kind == _T.TYPE_STRING:
            return {"type": "string"}
        if kind == _T.TYPE_BYTES:
            return {"type": "string", "format": "byte"}
        if kind == _T.TYPE_DOUBLE:
            return {"type": "number", "format": "double"}
        if kind == _T.TYPE_FLOAT:
            return {"type": "number", "format": "float"}
        if kind in _INT32:
            return {"type": "integer", "format": "int32"}
        if kind in _UINT32:
            return {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**32 - 1}
        if kind in _INT64:
            return {"type": "string", "format": "int64", "pattern": "^-?[0-9]{1,19}$"}
        if kind in _UINT64:
            return {"type": "string", "format": "uint64", "pattern": "^[0-9]{1,20}$"}
        raise ValueError(f"unknown field type {kind} of {field.full_name}")

    def field(self, field: FieldDescriptor) -> dict[str, Any]:
        if is_map(field):
            schema: dict[str, Any] = {
                "type": "object",
                "additionalProperties": self.scalar(message_of(field).fields_by_name["value"]),
            }
        elif field.is_repeated:
            schema = {"type": "array", "items": self.scalar(field)}
        else:
            schema = self.scalar(field)
            if "$ref" in schema:
                return schema  # OpenAPI 3.0 ignores siblings of $ref
            schema = dict(schema)
        if _output_only(field):
            schema["readOnly"] = True
        return self._describe(schema, field.full_name)


def _path_and_parameters(template: PathTemplate, schemas: _Schemas, request: Descriptor) -> tuple[str, list[Any]]:
    out: list[str] = []
    parameters: list[dict[str, Any]] = []
    used: set[str] = set()
    by_start = {v.start: v for v in template.variables}
    index = 0
    while index < len(template.segments):
        variable = by_start.get(index)
        if variable is None:
            out.append(template.segments[index])
            index += 1
            continue
        pieces = template.segments[variable.start : variable.end]
        whole = variable.field_path
        for offset, piece in enumerate(pieces):
            if piece not in ("*", "**"):
                out.append(piece)
                continue
            before = pieces[offset - 1] if offset and pieces[offset - 1] not in ("*", "**") else ""
            name = _singular(before) if before else whole.rsplit(".", 1)[-1]
            base, n = name, 2
            while name in used:
                name, n = f"{base}{n}", n + 1
            used.add(name)
            out.append("{" + name + "}")
            part = f"the `{{{name}}}` part of" if len(pieces) > 1 else "the value of"
            parameters.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "description": f"{part} `{whole}` ({template.source})",
                    "schema": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
                }
            )
        index = variable.end
    return "/" + "/".join(out) + (":" + template.verb if template.verb else ""), parameters


def _query_parameters(
    schemas: _Schemas, message: Descriptor, skip: set[str], prefix: str = "", depth: int = 0
) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for field in message.fields:
        dotted = prefix + field.name
        if dotted in skip or _output_only(field):
            continue
        if is_map(field):
            value_field = message_of(field).fields_by_name["value"]
            if not is_scalar_like(value_field):
                continue
            schema: dict[str, Any] = {"type": "array", "items": {"type": "string", "pattern": "^[^=]+=.*$"}}
            note = "Repeat `key=value` for each entry"
        elif not is_scalar_like(field):
            if not field.is_repeated and depth < _QUERY_DEPTH:
                parameters.extend(_query_parameters(schemas, message_of(field), skip, dotted + ".", depth + 1))
            continue
        elif field.is_repeated:
            schema = {"type": "array", "items": schemas.scalar(field)}
            note = "Repeat the parameter for each value"
        else:
            schema = schemas.scalar(field)
            note = ""
        description = " ".join(x for x in (schemas.comments.get(field.full_name, ""), note) if x)
        parameter: dict[str, Any] = {"name": dotted, "in": "query", "schema": schema}
        if schema.get("type") == "array":
            parameter.update(style="form", explode=True)
        if description:
            parameter["description"] = description
        if _required(field) and not prefix:
            parameter["required"] = True
        parameters.append(parameter)
    return parameters


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(route: Route, schemas: _Schemas, operation_id: str) -> tuple[str, dict[str, Any]]:
    method = route.method
    comment = schemas.comments.get(method.full_name, "")
    request = message_of(route.upload_fields[0]) if route.shape is Shape.UPLOAD else method.input_type
    path, parameters = _path_and_parameters(route.template, schemas, request)
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "tags": [method.containing_service.name],
        "summary": comment.split(". ")[0].rstrip(".") if comment else method.name,
    }
    if comment:
        operation["description"] = comment
    path_fields = set(route.template.field_paths)
    top_level = {p.split(".")[0] for p in path_fields}
    if route.shape is Shape.UPLOAD:
        parameters += _query_parameters(schemas, request, path_fields)
        operation["requestBody"] = {
            "required": True,
            "description": "The file's bytes, streamed (e.g. `curl -T app.log` or `--data-binary @app.log`).",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    elif route.body == "*":
        body_schema = schemas.message(request, exclude=top_level) if top_level else schemas.ref(request)
        operation["requestBody"] = {"required": False, "content": _json_content(body_schema)}
    elif route.body:
        body_field = request.fields_by_name[route.body]
        parameters += _query_parameters(schemas, request, path_fields | {route.body})
        operation["requestBody"] = {"required": True, "content": _json_content(schemas.field(body_field))}
    else:
        parameters += _query_parameters(schemas, request, path_fields)
    if parameters:
        operation["parameters"] = parameters
    if route.shape is Shape.DOWNLOAD:
        ok: dict[str, Any] = {
            "description": "The stored bytes, streamed.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    elif route.shape is Shape.PAGE:
        operation["summary"] += ", as one self-contained HTML page (inline CSS and SVG, no script)"
        ok = {"description": "OK", "content": {"text/html": {"schema": {"type": "string"}}}}
    else:
        response: Descriptor = method.output_type
        if route.response_body:
            schema = schemas.field(response.fields_by_name[route.response_body])
        else:
            schema = schemas.ref(response)
        ok = {"description": "OK", "content": _json_content(schema)}
    operation["responses"] = {
        "200": ok,
        "default": {
            "description": "An error, as a google.rpc.Status; the HTTP status follows the gRPC code.",
            "content": _json_content({"$ref": _REF + STATUS_SCHEMA}),
        },
    }
    if route.public:
        operation["security"] = []
    return path, operation


def openapi_document(
    routes: Iterable[Route], *, title: str, version: str, comments: Mapping[str, str]
) -> dict[str, Any]:
    schemas = _Schemas(comments)
    paths: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for route in routes:
        base_id = route.operation_id
        seen[base_id] = seen.get(base_id, 0) + 1
        operation_id = base_id if seen[base_id] == 1 else f"{base_id}{seen[base_id]}"
        path, operation = _operation(route, schemas, operation_id)
        paths.setdefault(path, {})[route.http_method.lower()] = operation
    paths["/healthz"] = {
        "get": {
            "operationId": "Healthz",
            "tags": ["Bridge"],
            "summary": "Whether the gateway behind the bridge is serving",
            "security": [],
            "responses": {
                "200": {
                    "description": "Serving",
                    "content": _json_content({"type": "object", "properties": {"status": {"type": "string"}}}),
                },
                "503": {
                    "description": "Not serving (starting or stopping)",
                    "content": _json_content({"type": "object", "properties": {"status": {"type": "string"}}}),
                },
            },
        }
    }
    paths["/openapi.json"] = {
        "get": {
            "operationId": "OpenApi",
            "tags": ["Bridge"],
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3 document", "content": _json_content({"type": "object"})}},
        }
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": version,
            "description": (
                "REST/JSON bridge of the LogLens gRPC API, generated from the protos' google.api.http rules. "
                "JSON follows the proto3 JSON mapping. Send `Authorization: Bearer <JWT or API key>`; optional "
                "`X-Request-Id` (echoed back) and `grpc-timeout` (e.g. `30S`, `500m`) set the request id and "
                "deadline. Errors are google.rpc.Status objects."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An access token (JWT) from Login, or an API key.",
                }
            },
        },
        "security": [{SECURITY_SCHEME: []}],
    }
