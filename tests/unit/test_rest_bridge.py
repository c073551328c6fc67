"""The REST bridge's pure parts: templates, routes from the descriptors, binding, Status JSON, OpenAPI."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, duration_pb2, message_factory, timestamp_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from openapi_spec_validator import validate

from loglens.v1 import analysis_pb2, auth_pb2, comparison_pb2, log_file_pb2
from loglens_common.errors import FieldViolation, InvalidArgument, LogLensError, to_status
from loglens_gateway.api import PUBLIC_METHODS
from loglens_gateway.rest import descriptor_set_path, split_host_port
from loglens_gateway.rest import status as rest_status
from loglens_gateway.rest.binding import bind_query, bind_request
from loglens_gateway.rest.openapi import load_comments, openapi_document
from loglens_gateway.rest.routes import Route, Shape, routes_for
from loglens_gateway.rest.server import loopback_target, parse_timeout
from loglens_gateway.rest.templates import PathTemplate, TemplateError

SERVICES = [
    log_file_pb2.DESCRIPTOR.services_by_name["LogFileService"],
    analysis_pb2.DESCRIPTOR.services_by_name["AnalysisService"],
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"],
]
ID = "0123456789abcdef0123456789abcdef"


# Templates ---------------------------------------------------------------------------------------------------
def test_template_with_a_resource_name_variable_and_a_verb() -> None:
    template = PathTemplate.parse("/v1/{name=logFiles/*/analysisRuns/*}:cancel")
    assert template.verb == "cancel"
    assert template.match(f"/v1/logFiles/{ID}/analysisRuns/{ID}:cancel") == {"name": f"logFiles/{ID}/analysisRuns/{ID}"}
    assert template.match(f"/v1/logFiles/{ID}/analysisRuns/{ID}") is None  # no verb
    assert template.match(f"/v1/logFiles/{ID}:cancel") is None  # too short
    assert template.match(f"/v1/logFiles//analysisRuns/{ID}:cancel") is None  # '*' is never empty
    assert template.openapi_path() == "/v1/{name}:cancel"


def test_literal_verb_and_single_segment_variables() -> None:
    assert PathTemplate.parse("/v1/auth:register").match("/v1/auth:register") == {}
    assert PathTemplate.parse("/v1/auth:register").match("/v1/auth:login") is None
    single = PathTemplate.parse("/v1/things/{id}")
    assert single.match("/v1/things/a%2Fb") == {"id": "a/b"}  # one segment: fully decoded
    assert single.match("/v1/things/a/b") is None
    multi = PathTemplate.parse("/v1/{name=things/*}")
    assert multi.match("/v1/things/a%2Fb%20c") == {"name": "things/a%2Fb c"}  # reserved expansion keeps %2F


def test_double_wildcard_and_nested_field_paths() -> None:
    template = PathTemplate.parse("/v1/{file.name=files/**}")
    assert template.match("/v1/files/a/b/c") == {"file.name": "files/a/b/c"}
    assert template.match("/v1/files") == {"file.name": "files"}
    assert template.match("/v2/files/a") is None


@pytest.mark.parametrize(
    "bad", ["v1/x", "/v1/{name=a/**/b}", "/v1/{name", "/v1/{na-me}", "/v1/{a={b}}", "/v1/x y", "/v1/{a}x"]
)
def test_bad_templates_are_refused(bad: str) -> None:
    with pytest.raises(TemplateError):
        PathTemplate.parse(bad)


# Routes ------------------------------------------------------------------------------------------------------
def routes() -> list[Route]:
    return routes_for(SERVICES, PUBLIC_METHODS)


def test_every_annotated_method_and_the_byte_streams_have_routes() -> None:
    found = {(r.method.full_name, r.http_method, r.template.source) for r in routes()}
    for service in SERVICES:
        for method in service.methods:
            if method.client_streaming or method.server_streaming:
                continue
            assert any(name == method.full_name for name, _, _ in found), method.full_name
    assert ("loglens.v1.LogFileService.UploadLogFile", "PUT", "/v1/logFiles:upload") in found
    assert ("loglens.v1.LogFileService.UploadLogFile", "POST", "/v1/logFiles:upload") in found
    assert ("loglens.v1.LogFileService.DownloadLogFile", "GET", "/v1/{name=logFiles/*}:download") in found
    assert not any(name.endswith("WatchAnalysisRun") for name, _, _ in found)  # no HTTP mapping


def first_match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    for route in routes():
        values = route.template.match(path)
        if values is not None and route.http_method == method:
            return route, values
    raise AssertionError(f"no route for {method} {path}")


def test_the_most_specific_route_wins() -> None:
    route, values = first_match("GET", f"/v1/logFiles/{ID}:download")
    assert route.shape is Shape.DOWNLOAD and values == {"name": f"logFiles/{ID}"}
    route, values = first_match("GET", f"/v1/logFiles/{ID}")
    assert route.method.name == "GetLogFile"
    route, _ = first_match("POST", f"/v1/logFiles/{ID}/analysisRuns/{ID}:cancel")
    assert route.method.name == "CancelAnalysisRun" and route.body == "*"
    route, _ = first_match("POST", "/v1/auth:login")
    assert route.public


def test_pages_are_routes_like_any_other_with_their_own_media_type() -> None:
    """The report and the comparison as HTML: routes read from PAGE_RULES, matched, documented as text/html."""
    services = [*SERVICES, comparison_pb2.DESCRIPTOR.services_by_name["ComparisonService"]]
    all_routes = routes_for(services, PUBLIC_METHODS)
    pages = {r.method.name: r for r in all_routes if r.shape is Shape.PAGE}
    assert set(pages) == {"GetAnalysisReport", "CompareAnalysisRuns"}
    run = f"logFiles/{ID}/analysisRuns/{ID}"

    def match(path: str) -> tuple[Route, dict[str, str]]:
        return next((r, v) for r in all_routes if (v := r.template.match(path)) is not None)

    route, values = match(f"/v1/{run}/report:html")
    assert route is pages["GetAnalysisReport"] and values == {"name": f"{run}/report"}
    assert route.response_body == "report" and route.links == (("Compare with recent runs", "./comparison:html"),)
    route, values = match(f"/v1/{run}/comparison:html")
    assert route is pages["CompareAnalysisRuns"] and values == {"target": run}
    assert match(f"/v1/{run}/report")[0].shape is Shape.UNARY  # the JSON twins are untouched
    assert match(f"/v1/{run}:compare")[0].shape is Shape.UNARY

    document = openapi_document(all_routes, title="t", version="v1", comments=load_comments(descriptor_set_path()))
    validate(document)
    page = document["paths"]["/v1/logFiles/{logFile}/analysisRuns/{analysisRun}/comparison:html"]["get"]
    assert page["operationId"] == "ComparisonService_CompareAnalysisRunsHtml"
    assert set(page["responses"]["200"]["content"]) == {"text/html"}
    assert {p["name"] for p in page["parameters"]} >= {"logFile", "analysisRun", "baseline_runs", "history_size"}
    report = document["paths"]["/v1/logFiles/{logFile}/analysisRuns/{analysisRun}/report:html"]["get"]
    assert report["operationId"] == "AnalysisService_GetAnalysisReportHtml"


# Binding -----------------------------------------------------------------------------------------------------
def test_query_parameters_fill_scalars_repeated_fields_and_maps() -> None:
    request = log_file_pb2.ListLogFilesRequest()
    bind_query(request, [("page_size", "10"), ("pageToken", "t"), ("labels", "a=1"), ("labels", "b=2")])
    assert request.page_size == 10 and request.page_token == "t"
    assert list(request.labels) == ["a=1", "b=2"]

    metadata = log_file_pb2.UploadLogFileMetadata()
    bind_query(
        metadata,
        [("labels", "env=prod"), ("labels[team]", "core"), ("analyze", "false"), ("declared_size_bytes", "42")],
    )
    assert dict(metadata.labels) == {"env": "prod", "team": "core"}
    assert metadata.HasField("analyze") and not metadata.analyze
    assert metadata.declared_size_bytes == 42


def test_a_rest_upload_carries_the_time_hints_from_the_query_string() -> None:
    metadata = log_file_pb2.UploadLogFileMetadata()
    bind_query(metadata, [("filename", "messages"), ("time_zone", "Europe/Berlin"), ("year", "2005")])
    assert (metadata.time_zone, metadata.HasField("year"), metadata.year) == ("Europe/Berlin", True, 2005)
    camel = log_file_pb2.UploadLogFileMetadata()
    bind_query(camel, [("timeZone", "UTC")])
    assert (camel.time_zone, camel.HasField("year")) == ("UTC", False)
    with pytest.raises(InvalidArgument) as caught:
        bind_query(log_file_pb2.UploadLogFileMetadata(), [("year", "MMV")])
    assert caught.value.violations[0].field == "year"
    document = openapi_document(routes(), title="t", version="v1", comments=load_comments(descriptor_set_path()))
    parameters = {p["name"]: p for p in document["paths"]["/v1/logFiles:upload"]["put"]["parameters"]}
    assert parameters["year"]["schema"] == {"type": "integer", "format": "int32"}
    assert "IANA time zone name" in parameters["time_zone"]["description"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ([("page_size", "ten")], "page_size"),
        ([("page_size", "1"), ("page_size", "2")], "page_size"),
        ([("pageSise", "1")], "pageSise"),
        ([("page_size.x", "1")], "page_size.x"),
    ],
)
def test_bad_query_parameters_name_the_parameter(query: list[tuple[str, str]], field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        bind_query(log_file_pb2.ListLogFilesRequest(), query)
    assert caught.value.violations[0].field == field


def test_bad_booleans_and_map_entries_are_refused() -> None:
    with pytest.raises(InvalidArgument):
        bind_query(log_file_pb2.UploadLogFileMetadata(), [("analyze", "maybe")])
    with pytest.raises(InvalidArgument):
        bind_query(log_file_pb2.UploadLogFileMetadata(), [("labels", "no-equals-sign")])


def test_path_body_and_query_follow_the_http_rule() -> None:
    # body "*": the whole message from JSON, the path variable wins, no query parameters.
    request = bind_request(
        analysis_pb2.CreateAnalysisRunRequest(),
        path_values={"parent": f"logFiles/{ID}"},
        query=[],
        body_field="*",
        body=b'{"parent": "logFiles/other"}',
    )
    assert request.parent == f"logFiles/{ID}"  # type: ignore[attr-defined]
    with pytest.raises(InvalidArgument):
        bind_request(
            analysis_pb2.CreateAnalysisRunRequest(),
            path_values={"parent": f"logFiles/{ID}"},
            query=[("parent", "x")],
            body_field="*",
            body=b"{}",
        )
    # No body: the remaining fields from the query, but never a field the path binds.
    listed = bind_request(
        analysis_pb2.ListAnalysisRunsRequest(),
        path_values={"parent": f"logFiles/{ID}"},
        query=[("page_size", "5")],
        body_field="",
        body=b"",
    )
    assert listed.page_size == 5  # type: ignore[attr-defined]
    with pytest.raises(InvalidArgument):
        bind_request(
            analysis_pb2.ListAnalysisRunsRequest(),
            path_values={"parent": f"logFiles/{ID}"},
            query=[("parent", "logFiles/x")],
            body_field="",
            body=b"",
        )


def test_body_bound_to_one_field() -> None:
    route = next(r for r in routes() if r.method.name == "CreateApiKey")
    assert route.body == "api_key"
    request = bind_request(
        route.request_class(), path_values={}, query=[], body_field=route.body, body=b'{"displayName": "ci"}'
    )
    assert request.api_key.display_name == "ci"  # type: ignore[attr-defined]


@pytest.mark.parametrize("body", [b"{nope", b"[1, 2]", b'{"unknownField": 1}', b'{"parent": 5}'])
def test_bad_json_bodies_are_invalid_argument(body: bytes) -> None:
    with pytest.raises(InvalidArgument):
        bind_request(analysis_pb2.CreateAnalysisRunRequest(), path_values={}, query=[], body_field="*", body=body)


def nested_message() -> Message:
    """A message with nested fields, an enum, an int64 and a Timestamp, in a pool of its own."""
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    f = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(
        name="t.proto", package="t", syntax="proto3", dependency=["google/protobuf/timestamp.proto"]
    )
    color = file.enum_type.add(name="Color")
    color.value.add(name="COLOR_UNSPECIFIED", number=0)
    color.value.add(name="COLOR_RED", number=1)
    inner = file.message_type.add(name="Inner")
    inner.field.add(name="max_bytes", json_name="maxBytes", number=1, type=f.TYPE_INT64, label=f.LABEL_OPTIONAL)
    inner.field.add(name="color", json_name="color", number=2, type=f.TYPE_ENUM, type_name=".t.Color")
    inner.field.add(
        name="since", json_name="since", number=3, type=f.TYPE_MESSAGE, type_name=".google.protobuf.Timestamp"
    )
    outer = file.message_type.add(name="Outer")
    outer.field.add(name="inner", json_name="inner", number=1, type=f.TYPE_MESSAGE, type_name=".t.Inner")
    outer.field.add(name="ids", json_name="ids", number=2, type=f.TYPE_INT64, label=f.LABEL_REPEATED)
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("t.Outer"))()


def test_nested_query_parameters_with_enums_int64_and_timestamps() -> None:
    message: Any = nested_message()
    bind_query(
        message,
        [
            ("inner.maxBytes", "9007199254740993"),
            ("inner.color", "COLOR_RED"),
            ("inner.since", "2026-11-25T10:00:00Z"),
            ("ids", "1"),
            ("ids", "2"),
        ],
    )
    assert message.inner.max_bytes == 9007199254740993
    assert message.inner.color == 1
    assert message.inner.since.ToJsonString() == "2026-11-25T10:00:00Z"
    assert list(message.ids) == [1, 2]
    with pytest.raises(InvalidArgument):
        bind_query(nested_message(), [("inner", "x")])  # a message is set through its fields
    with pytest.raises(InvalidArgument):
        bind_query(nested_message(), [("inner.color", "COLOR_BLUE")])


# Status JSON -------------------------------------------------------------------------------------------------
def rpc_error(status: status_pb2.Status) -> grpc.aio.AioRpcError:
    trailing = grpc.aio.Metadata((rest_status.STATUS_DETAILS_KEY, status.SerializeToString()))
    return grpc.aio.AioRpcError(
        grpc.StatusCode(  # the enum member whose value[0] is the code
            next(c for c in grpc.StatusCode if c.value[0] == status.code)
        ),
        grpc.aio.Metadata(),
        trailing,
        status.message,
    )


def test_rich_status_becomes_status_json_with_the_http_code() -> None:
    error = InvalidArgument("bad name", reason="INVALID_NAME", violations=[FieldViolation("name", "expected x")])
    status = rest_status.from_rpc_error(rpc_error(to_status(error)))
    body = rest_status.to_json(status)
    assert body["code"] == 3 and body["message"] == "bad name"
    assert body["details"][0] == {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "INVALID_NAME",
        "domain": "loglens",
    }
    assert body["details"][1]["fieldViolations"] == [{"field": "name", "description": "expected x"}]
    assert rest_status.http_status(status) == 400


def test_status_without_details_and_unknown_detail_types() -> None:
    plain = grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "down")
    status = rest_status.from_rpc_error(plain)
    assert rest_status.to_json(status) == {"code": 14, "message": "down"}
    assert rest_status.http_status(status) == 503
    foreign = any_pb2.Any(type_url="type.googleapis.com/acme.Unknown", value=b"\x08\x01")
    body = rest_status.to_json(status_pb2.Status(code=2, message="x", details=[foreign]))
    assert body["details"] == [{"@type": "type.googleapis.com/acme.Unknown", "value": "CAE="}]


def test_headers_implied_by_a_status() -> None:
    retry = any_pb2.Any()
    retry.Pack(error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=2, nanos=500_000_000)))
    assert rest_status.response_headers(status_pb2.Status(code=8, details=[retry])) == {"Retry-After": "3"}
    assert rest_status.response_headers(status_pb2.Status(code=16))["WWW-Authenticate"].startswith("Bearer")


def test_statuses_stay_small_whatever_the_input() -> None:
    huge = LogLensError("x" * 100_000, violations=[FieldViolation("f" * 10_000, "d" * 10_000) for _ in range(500)])
    assert len(to_status(huge).SerializeToString()) < 4096


# Headers and addresses ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "seconds"), [("30S", 30.0), ("250m", 0.25), ("2M", 120.0), ("1H", 3600.0), ("2.5", 2.5)]
)
def test_grpc_timeout_header(header: str, seconds: float) -> None:
    assert parse_timeout(header) == pytest.approx(seconds)


@pytest.mark.parametrize("header", ["", "soon", "-1", "0", "nan", "123456789S"])
def test_bad_grpc_timeout_header(header: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_timeout(header)


def test_addresses() -> None:
    assert loopback_target("0.0.0.0:50051") == "127.0.0.1:50051"
    assert loopback_target("[::]:50051") == "[::1]:50051"
    assert loopback_target("10.0.0.5:50051") == "10.0.0.5:50051"
    assert split_host_port("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert split_host_port(":8080") == (None, 8080)
    assert split_host_port("[::1]:8080") == ("::1", 8080)
    with pytest.raises(ValueError):
        split_host_port("localhost")


# OpenAPI -----------------------------------------------------------------------------------------------------
def test_openapi_document_is_valid_and_follows_proto3_json() -> None:
    document = openapi_document(
        routes(), title="LogLens API", version="v1", comments=load_comments(descriptor_set_path())
    )
    validate(document)  # type: ignore[arg-type]
    schemas = document["components"]["schemas"]
    run = schemas["loglens.v1.AnalysisRun"]["properties"]
    assert run["bytesDone"] == {
        "type": "string",
        "format": "int64",
        "pattern": "^-?[0-9]{1,19}$",
        "readOnly": True,
        **({"description": run["bytesDone"]["description"]} if "description" in run["bytesDone"] else {}),
    }
    assert run["state"]["enum"][1] == "STATE_QUEUED"
    assert run["createTime"]["format"] == "date-time"
    listing = document["paths"]["/v1/logFiles"]["get"]
    names = {p["name"]: p for p in listing["parameters"]}
    assert names["labels"]["schema"]["type"] == "array" and names["labels"]["explode"]
    assert names["page_size"]["schema"] == {"type": "integer", "format": "int32"}
    upload = document["paths"]["/v1/logFiles:upload"]["put"]
    assert "application/octet-stream" in upload["requestBody"]["content"]
    assert {p["name"] for p in upload["parameters"]} >= {"filename", "labels", "analyze", "request_id"}
    assert next(p for p in upload["parameters"] if p["name"] == "filename")["required"] is True
    cancel = document["paths"]["/v1/logFiles/{logFile}/analysisRuns/{analysisRun}:cancel"]["post"]
    assert [p["name"] for p in cancel["parameters"]] == ["logFile", "analysisRun"]
    assert cancel["requestBody"]["content"]["application/json"]["schema"]["properties"] == {}  # name is in the path
    assert document["paths"]["/v1/auth:register"]["post"]["security"] == []
    assert "security" not in document["paths"]["/v1/me"]["get"]  # the document-wide bearer scheme applies
