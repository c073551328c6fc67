"""The bridge's routes, read from the ``google.api.http`` options of the services' descriptors.

Unary RPCs are routed by their own annotations (``additional_bindings`` included). Byte streams have no
standard HTTP mapping (grpc-gateway maps them to newline-delimited JSON, which is not what ``curl -T`` sends),
so the two raw-bytes routes are declared in :data:`BYTE_STREAM_RULES` in the same ``HttpRule`` form and
checked against the message shapes: an upload request is a ``oneof`` of one metadata message and one bytes
chunk, a download response is one bytes chunk. Pages for people (a report, a comparison as HTML) are unary
RPCs answered by a renderer instead of JSON; they are declared in :data:`PAGE_RULES`, in the same form.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from google.api import annotations_pb2, http_pb2
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message

from loglens_gateway.rest.templates import PathTemplate

_VERBS = ("get", "put", "post", "delete", "patch")


def _rule(**kwargs: object) -> http_pb2.HttpRule:
    return http_pb2.HttpRule(**kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ByteStreamRule:
    """An HTTP mapping of a streaming RPC whose payload is raw bytes, plus headers that fill request fields."""

    rule: http_pb2.HttpRule
    # request field (of the upload metadata) -> HTTP header that supplies it when the query string does not
    headers: Mapping[str, str] = field(default_factory=dict)


BYTE_STREAM_RULES: dict[str, ByteStreamRule] = {
    "loglens.v1.LogFileService.UploadLogFile": ByteStreamRule(
        _rule(put="/v1/logFiles:upload", additional_bindings=[_rule(post="/v1/logFiles:upload")]),
        headers={"content_type": "Content-Type", "declared_size_bytes": "Content-Length"},
    ),
    "loglens.v1.LogFileService.DownloadLogFile": ByteStreamRule(_rule(get="/v1/{name=logFiles/*}:download")),
}


@dataclass(frozen=True)
class PageRule:
    """An HTML page of a unary RPC: its HTTP mapping (``response_body`` names the message the page shows) and
    links to the pages a reader may go to next, relative to the page's own URL."""

    rule: http_pb2.HttpRule
    links: tuple[tuple[str, str], ...] = ()


PAGE_RULES: dict[str, PageRule] = {
    "loglens.v1.AnalysisService.GetAnalysisReport": PageRule(
        _rule(get="/v1/{name=logFiles/*/analysisRuns/*/report}:html", response_body="report"),
        links=(("Compare with recent runs", "./comparison:html"),),
    ),
    "loglens.v1.ComparisonService.CompareAnalysisRuns": PageRule(
        _rule(get="/v1/{target=logFiles/*/analysisRuns/*}/comparison:html", response_body="comparison"),
        links=(("Report of this run", "./report:html"),),
    ),
    "loglens.v1.PatternRegistryService.GetPattern": PageRule(
        _rule(get="/v1/{name=services/*/patterns/*}:html", response_body="pattern")
    ),
}


class Shape(enum.Enum):
    UNARY = "unary"
    UPLOAD = "upload"  # client stream: metadata from the query string, then the body in chunks
    DOWNLOAD = "download"  # server stream of chunks, sent back as application/octet-stream
    PAGE = "page"  # unary, answered with an HTML page of the response (see PAGE_RULES)


@dataclass(frozen=True)
class Route:
    http_method: str
    template: PathTemplate
    body: str  # "", "*" or a top-level field name
    response_body: str
    method: MethodDescriptor
    shape: Shape
    public: bool
    headers: Mapping[str, str] = field(default_factory=dict)
    links: tuple[tuple[str, str], ...] = ()  # a page's links onward (text, relative URL)

    @property
    def grpc_path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    @property
    def request_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.method.input_type)

    @property
    def response_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.method.output_type)

    @property
    def operation_id(self) -> str:
        page = "Html" if self.shape is Shape.PAGE else ""
        return f"{self.method.containing_service.name}_{self.method.name}{page}"

    # Streams: which fields carry what -------------------------------------------------------------------
    @property
    def upload_fields(self) -> tuple[FieldDescriptor, FieldDescriptor]:
        """(metadata message field, chunk bytes field) of the upload request's oneof."""
        return _upload_fields(self.method.input_type)

    @property
    def download_field(self) -> FieldDescriptor:
        return _download_field(self.method.output_type)


class RouteError(ValueError):
    pass


def _upload_fields(request: Descriptor) -> tuple[FieldDescriptor, FieldDescriptor]:
    for oneof in request.oneofs:
        messages = [f for f in oneof.fields if f.type == FieldDescriptor.TYPE_MESSAGE]
        chunks = [f for f in oneof.fields if f.type == FieldDescriptor.TYPE_BYTES]
        if len(messages) == 1 and len(chunks) == 1 and len(oneof.fields) == 2:
            return messages[0], chunks[0]
    raise RouteError(f"{request.full_name} is not a oneof of one metadata message and one bytes chunk")


def _download_field(response: Descriptor) -> FieldDescriptor:
    if len(response.fields) == 1 and response.fields[0].type == FieldDescriptor.TYPE_BYTES:
        return response.fields[0]
    raise RouteError(f"{response.full_name} is not a single bytes chunk")


def http_rule(method: MethodDescriptor) -> http_pb2.HttpRule | None:
    options = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return None
    return options.Extensions[annotations_pb2.http]


def _bindings(rule: http_pb2.HttpRule) -> Iterable[http_pb2.HttpRule]:
    yield rule
    yield from rule.additional_bindings


def _verb_and_path(rule: http_pb2.HttpRule) -> tuple[str, str]:
    kind = rule.WhichOneof("pattern")
    if kind is None:
        raise RouteError("an HttpRule without a pattern")
    if kind == "custom":
        return rule.custom.kind.upper(), rule.custom.path
    return kind.upper(), getattr(rule, kind)


def _field_path_exists(message: Descriptor, path: str) -> bool:
    descriptor: Descriptor | None = message
    for part in path.split("."):
        if descriptor is None or part not in descriptor.fields_by_name:
            return False
        found = descriptor.fields_by_name[part]
        descriptor = found.message_type if found.type == FieldDescriptor.TYPE_MESSAGE else None
    return True


def _make_routes(
    method: MethodDescriptor,
    rule: http_pb2.HttpRule,
    shape: Shape,
    public: bool,
    headers: Mapping[str, str],
    links: tuple[tuple[str, str], ...] = (),
) -> list[Route]:
    routes = []
    for binding in _bindings(rule):
        http_method, path = _verb_and_path(binding)
        template = PathTemplate.parse(path)
        bound_message = _upload_fields(method.input_type)[0].message_type if shape is Shape.UPLOAD else None
        for variable in template.field_paths:
            if not _field_path_exists(bound_message or method.input_type, variable):
                raise RouteError(f"{method.full_name}: {path} binds unknown field {variable!r}")
        if binding.body not in ("", "*") and binding.body not in method.input_type.fields_by_name:
            raise RouteError(f"{method.full_name}: body {binding.body!r} is not a field of the request")
        if shape is Shape.PAGE and binding.response_body not in method.output_type.fields_by_name:
            raise RouteError(f"{method.full_name}: a page shows a field of the response, not {binding.response_body!r}")
        routes.append(
            Route(
                http_method=http_method,
                template=template,
                body=binding.body,
                response_body=binding.response_body,
                method=method,
                shape=shape,
                public=public,
                headers=headers,
                links=links,
            )
        )
    return routes


def routes_for(
    services: Iterable[ServiceDescriptor],
    public_methods: frozenset[str] = frozenset(),
    byte_streams: Mapping[str, ByteStreamRule] | None = None,
    pages: Mapping[str, PageRule] | None = None,
) -> list[Route]:
    """Every route of ``services``, ordered so that the most specific template is tried first."""
    streams = BYTE_STREAM_RULES if byte_streams is None else byte_streams
    page_rules = PAGE_RULES if pages is None else pages
    routes: list[Route] = []
    for service in services:
        for method in service.methods:
            public = f"/{service.full_name}/{method.name}" in public_methods
            if method.client_streaming and method.server_streaming:
                continue
            if method.client_streaming or method.server_streaming:
                stream_rule = streams.get(method.full_name)
                if stream_rule is None:
                    continue  # e.g. WatchAnalysisRun: no HTTP mapping
                shape = Shape.UPLOAD if method.client_streaming else Shape.DOWNLOAD
                if shape is Shape.UPLOAD:
                    _upload_fields(method.input_type)
                else:
                    _download_field(method.output_type)
                routes.extend(_make_routes(method, stream_rule.rule, shape, public, stream_rule.headers))
                continue
            rule = http_rule(method)
            if rule is not None:
                routes.extend(_make_routes(method, rule, Shape.UNARY, public, {}))
            page = page_rules.get(method.full_name)
            if page is not None:
                routes.extend(_make_routes(method, page.rule, Shape.PAGE, public, {}, page.links))
    # Templates with a custom verb first (``/v1/{name=logFiles/*}:download`` before ``/v1/{name=logFiles/*}``),
    # then those with more literal segments.
    routes.sort(key=lambda r: (not r.template.verb, -r.template.literal_count, "**" in r.template.segments))
    return routes
