"""Schemathesis against the live REST bridge: every operation of /openapi.json, generated inputs, no 5xx.

A caller with a valid bearer token drives it, so the calls reach the services rather than stopping at
authentication. Examples are bounded per operation so that the whole run takes about a minute or two.
Operations are listed at collection time from the same descriptors the gateway serves; each test then
takes its operation from the document the live bridge returns.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from loglens.v1 import analysis_pb2, auth_pb2, log_file_pb2, quota_pb2, registry_pb2
from loglens_devstack.stack import Stack
from loglens_gateway.api import PUBLIC_METHODS
from loglens_gateway.rest.openapi import openapi_document
from loglens_gateway.rest.routes import routes_for

# 25 examples per operation in make test; make test-chaos (LOGLENS_CHAOS_SCALE=full) runs 100.
MAX_EXAMPLES = 100 if os.environ.get("LOGLENS_CHAOS_SCALE") == "full" else 25
# No 5xx, and whatever comes back has the declared content type and fits the declared schema.
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]

SERVICES = [
    log_file_pb2.DESCRIPTOR.services_by_name["LogFileService"],
    analysis_pb2.DESCRIPTOR.services_by_name["AnalysisService"],
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"],
    quota_pb2.DESCRIPTOR.services_by_name["QuotaService"],
    registry_pb2.DESCRIPTOR.services_by_name["PatternRegistryService"],
]
OPERATIONS = [
    (path, verb)
    for path, item in openapi_document(routes_for(SERVICES, PUBLIC_METHODS), title="", version="", comments={})[
        "paths"
    ].items()
    for verb in item
]


@pytest.fixture(scope="session")
def rest_schema(stack: Stack) -> Any:
    return schemathesis.openapi.from_url(f"http://127.0.0.1:{stack.ports.http}/openapi.json", timeout=10)


@pytest.fixture(scope="session")
def bearer(stack: Stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token('5c4e' * 8)}"}


@pytest.mark.parametrize(("path", "verb"), OPERATIONS, ids=[f"{verb.upper()} {path}" for path, verb in OPERATIONS])
def test_no_server_errors(rest_schema: Any, bearer: dict[str, str], path: str, verb: str) -> None:
    operation = rest_schema[path][verb]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=bearer, checks=CHECKS, timeout=30)

    check()


# Hostile HTTP on every operation (issue 15 item 7): the generated request of each operation, with an
# Authorization header of arbitrary bytes (sent as Latin-1, so not UTF-8), or a body nested far past any message
# or not UTF-8, or query values of arbitrary text. Each answer is a 4xx (or a success) in JSON, never a 5xx.
HOSTILE_TEXT = st.text(st.characters(min_codepoint=1, max_codepoint=0xFF, exclude_characters="\r\n"), max_size=40)
HOSTILE_BODIES = st.one_of(
    st.integers(1, 20_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(1, 20_000).map(lambda depth: b'{"a":' * depth + b"0" + b"}" * depth),
    st.binary(max_size=64).map(lambda raw: b'{"name":"' + raw + b'"}'),
)


@pytest.mark.parametrize(("path", "verb"), OPERATIONS, ids=[f"{verb.upper()} {path}" for path, verb in OPERATIONS])
def test_hostile_headers_bodies_and_queries_get_status_json(
    rest_schema: Any, bearer: dict[str, str], path: str, verb: str
) -> None:
    operation = rest_schema[path][verb]

    @settings(
        max_examples=max(5, MAX_EXAMPLES // 5),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(GenerationMode.POSITIVE),
        mutation=st.sampled_from(["authorization", "body", "query"]),
        text=HOSTILE_TEXT,
        body=HOSTILE_BODIES,
    )
    def check(case: schemathesis.Case, mutation: str, text: str, body: bytes) -> None:
        kwargs = case.as_transport_kwargs(headers=dict(bearer))
        if mutation == "authorization":
            kwargs["headers"]["Authorization"] = "Bearer " + text
        elif mutation == "body":
            kwargs.pop("json", None)
            kwargs["data"] = body
            kwargs["headers"]["Content-Type"] = "application/json"
        else:
            kwargs["params"] = {**(kwargs.get("params") or {}), **{name: text for name in kwargs.get("params") or {}}}
            kwargs["params"].setdefault("pageToken" if verb == "get" else "x", text)
        response = requests.request(**kwargs, timeout=30)
        assert response.status_code < 500, (mutation, response.status_code, response.text[:300])
        if response.status_code >= 400:
            assert response.headers["Content-Type"].startswith("application/json"), response.headers
            assert isinstance(response.json()["code"], int)

    check()
