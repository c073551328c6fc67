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
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from loglens.v1 import analysis_pb2, auth_pb2, log_file_pb2
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
