"""Tenant isolation through the gateway: two registered users, every RPC, each with the other's ids.

Another tenant's resource must answer exactly like one that does not exist: same code, same message, same
rich details, byte for byte, once the ids themselves are set aside.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from loglens.v1 import (
    analysis_pb2,
    analysis_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    comparison_pb2,
    comparison_pb2_grpc,
    log_file_pb2,
    log_file_pb2_grpc,
    quota_pb2,
    quota_pb2_grpc,
    registry_pb2,
    registry_pb2_grpc,
)
from loglens_devstack.client import GatewayClient

SAMPLE = Path(__file__).resolve().parents[2] / "tools" / "loglens_devstack" / "sample.log"
PASSWORD = "correct horse battery staple"
STATUS_DETAILS = "grpc-status-details-bin"


@dataclass(frozen=True)
class Tenant:
    credential: str
    file_id: str
    run_id: str
    service: str  # each tenant's own service, with a pattern registry
    template_id: str  # a pattern of it

    @property
    def metadata(self) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {self.credential}"),)


def new_tenant(channel: grpc.Channel, with_api_key: bool) -> Tenant:
    auth = auth_pb2_grpc.AuthServiceStub(channel)
    name = "iso" + uuid.uuid4().hex[:16]
    auth.Register(auth_pb2.RegisterRequest(username=name, email=f"{name}@example.com", password=PASSWORD), timeout=10)
    credential = auth.Login(auth_pb2.LoginRequest(username=name, password=PASSWORD), timeout=10).access_token
    if with_api_key:  # one tenant calls with an API key, so both credential kinds are covered
        credential = auth.CreateApiKey(
            auth_pb2.CreateApiKeyRequest(api_key=auth_pb2.ApiKey(display_name="isolation")),
            metadata=(("authorization", f"Bearer {credential}"),),
            timeout=5,
        ).secret
    client = GatewayClient(channel, credential)
    service = "isolation-" + ("key" if with_api_key else "jwt")
    log_file = client.upload(SAMPLE, service=service)
    run = client.wait_for_run(log_file.name, timeout=120)
    assert run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED, run.failure_reason
    file_id = log_file.name.split("/")[1]
    patterns = _registry(channel).ListPatterns(
        registry_pb2.ListPatternsRequest(parent=f"services/{service}"),
        metadata=(("authorization", f"Bearer {credential}"),),
        timeout=10,
    )
    return Tenant(credential, file_id, run.name.split("/")[3], service, patterns.patterns[0].template_id)


@pytest.fixture(scope="module")
def tenants(gateway_channel: grpc.Channel) -> tuple[Tenant, Tenant]:
    return new_tenant(gateway_channel, with_api_key=False), new_tenant(gateway_channel, with_api_key=True)


Call = Callable[[grpc.Channel, str, str, tuple[tuple[str, str]]], Message | list[Message]]


def _registry(channel: grpc.Channel) -> registry_pb2_grpc.PatternRegistryServiceStub:
    return registry_pb2_grpc.PatternRegistryServiceStub(channel)


def _files(channel: grpc.Channel) -> log_file_pb2_grpc.LogFileServiceStub:
    return log_file_pb2_grpc.LogFileServiceStub(channel)


def _runs(channel: grpc.Channel) -> analysis_pb2_grpc.AnalysisServiceStub:
    return analysis_pb2_grpc.AnalysisServiceStub(channel)


def _file(f: str) -> str:
    return f"logFiles/{f}"


def _run(f: str, r: str) -> str:
    return f"logFiles/{f}/analysisRuns/{r}"


# Every RPC that takes a resource name; UploadLogFile and ListLogFiles take none and are checked below.
RPCS: dict[str, Call] = {
    "GetLogFile": lambda ch, f, r, md: _files(ch).GetLogFile(
        log_file_pb2.GetLogFileRequest(name=_file(f)), metadata=md, timeout=10
    ),
    "DeleteLogFile": lambda ch, f, r, md: _files(ch).DeleteLogFile(
        log_file_pb2.DeleteLogFileRequest(name=_file(f)), metadata=md, timeout=10
    ),
    "DownloadLogFile": lambda ch, f, r, md: list(
        _files(ch).DownloadLogFile(log_file_pb2.DownloadLogFileRequest(name=_file(f)), metadata=md, timeout=10)
    ),
    "CreateAnalysisRun": lambda ch, f, r, md: _runs(ch).CreateAnalysisRun(
        analysis_pb2.CreateAnalysisRunRequest(parent=_file(f)), metadata=md, timeout=10
    ),
    "GetAnalysisRun": lambda ch, f, r, md: _runs(ch).GetAnalysisRun(
        analysis_pb2.GetAnalysisRunRequest(name=_run(f, r)), metadata=md, timeout=10
    ),
    "ListAnalysisRuns": lambda ch, f, r, md: _runs(ch).ListAnalysisRuns(
        analysis_pb2.ListAnalysisRunsRequest(parent=_file(f)), metadata=md, timeout=10
    ),
    "CancelAnalysisRun": lambda ch, f, r, md: _runs(ch).CancelAnalysisRun(
        analysis_pb2.CancelAnalysisRunRequest(name=_run(f, r)), metadata=md, timeout=10
    ),
    "WatchAnalysisRun": lambda ch, f, r, md: list(
        _runs(ch).WatchAnalysisRun(analysis_pb2.WatchAnalysisRunRequest(name=_run(f, r)), metadata=md, timeout=10)
    ),
    "GetAnalysisReport": lambda ch, f, r, md: _runs(ch).GetAnalysisReport(
        analysis_pb2.GetAnalysisReportRequest(name=_run(f, r) + "/report"), metadata=md, timeout=10
    ),
    # As the target; as a baseline beside one's own target: tests/e2e/test_comparison.py.
    "CompareAnalysisRuns": lambda ch, f, r, md: comparison_pb2_grpc.ComparisonServiceStub(ch).CompareAnalysisRuns(
        comparison_pb2.CompareAnalysisRunsRequest(target=_run(f, r)), metadata=md, timeout=10
    ),
}


def outcome(call: Call, channel: grpc.Channel, file_id: str, run_id: str, md: tuple[tuple[str, str]]) -> tuple:
    """(code, message, rich details) with the ids replaced by placeholders of the same length."""

    def scrub(data: bytes) -> bytes:
        return data.replace(file_id.encode(), b"F" * 32).replace(run_id.encode(), b"R" * 32)

    try:
        reply = call(channel, file_id, run_id, md)
    except grpc.RpcError as error:
        details = dict(error.trailing_metadata() or ()).get(STATUS_DETAILS, b"")  # type: ignore[attr-defined]
        message = scrub((error.details() or "").encode())
        return error.code(), message, scrub(details if isinstance(details, bytes) else details.encode())
    replies = reply if isinstance(reply, list) else [reply]
    return grpc.StatusCode.OK, b"".join(scrub(m.SerializeToString()) for m in replies), b""


@pytest.mark.parametrize("rpc", list(RPCS))
@pytest.mark.parametrize("direction", ["jwt user -> api-key user", "api-key user -> jwt user"])
def test_another_tenants_resource_is_indistinguishable_from_a_missing_one(
    gateway_channel: grpc.Channel, tenants: tuple[Tenant, Tenant], rpc: str, direction: str
) -> None:
    intruder, victim = tenants if direction.startswith("jwt") else tenants[::-1]
    call = RPCS[rpc]
    theirs = outcome(call, gateway_channel, victim.file_id, victim.run_id, intruder.metadata)
    missing = outcome(call, gateway_channel, uuid.uuid4().hex, uuid.uuid4().hex, intruder.metadata)
    assert theirs[0] == grpc.StatusCode.NOT_FOUND, theirs
    assert theirs == missing
    assert theirs[2], "NOT_FOUND carries rich details (ErrorInfo)"


# The pattern registry's RPCs, called with (service, template id) in place of (file id, run id).
REGISTRY_RPCS: dict[str, Call] = {
    "ListPatterns": lambda ch, s, t, md: _registry(ch).ListPatterns(
        registry_pb2.ListPatternsRequest(parent=f"services/{s}"), metadata=md, timeout=10
    ),
    "GetPattern": lambda ch, s, t, md: _registry(ch).GetPattern(
        registry_pb2.GetPatternRequest(name=f"services/{s}/patterns/{t}"), metadata=md, timeout=10
    ),
    "UpdatePattern": lambda ch, s, t, md: _registry(ch).UpdatePattern(
        registry_pb2.UpdatePatternRequest(
            pattern=registry_pb2.Pattern(name=f"services/{s}/patterns/{t}", note="intruder", labels={"x": "y"}),
            update_mask=FieldMask(paths=["note", "labels"]),
        ),
        metadata=md,
        timeout=10,
    ),
}


@pytest.mark.parametrize("rpc", list(REGISTRY_RPCS))
@pytest.mark.parametrize("direction", ["jwt user -> api-key user", "api-key user -> jwt user"])
def test_another_tenants_service_and_pattern_are_indistinguishable_from_missing_ones(
    gateway_channel: grpc.Channel, tenants: tuple[Tenant, Tenant], rpc: str, direction: str
) -> None:
    intruder, victim = tenants if direction.startswith("jwt") else tenants[::-1]
    call = REGISTRY_RPCS[rpc]
    theirs = outcome(call, gateway_channel, victim.service, victim.template_id, intruder.metadata)
    missing_service = "isolation-" + uuid.uuid4().hex[:3]  # as long as the victim's (length prefixes alike)
    missing = outcome(call, gateway_channel, missing_service, "t" + uuid.uuid4().hex[:12], intruder.metadata)
    assert theirs[0] == grpc.StatusCode.NOT_FOUND, theirs
    assert theirs == missing
    assert theirs[2], "NOT_FOUND carries rich details (ErrorInfo)"


def test_listings_show_only_the_callers_own(gateway_channel: grpc.Channel, tenants: tuple[Tenant, Tenant]) -> None:
    for me, other in (tenants, tenants[::-1]):
        names = [f.name for f in GatewayClient(gateway_channel, me.credential).list_log_files()]
        assert names == [_file(me.file_id)]
        assert _file(other.file_id) not in names
        services = _registry(gateway_channel).ListServices(
            registry_pb2.ListServicesRequest(), metadata=me.metadata, timeout=10
        )
        assert [s.name for s in services.services] == [f"services/{me.service}"]


def test_quota_usage_counts_only_the_callers_own(gateway_channel: grpc.Channel, tenants: tuple[Tenant, Tenant]) -> None:
    """Each tenant's usage is their own one file, whichever credential (the API key's call is forwarded by
    analysis to ingest on the caller's behalf)."""
    stub = quota_pb2_grpc.QuotaServiceStub(gateway_channel)
    for tenant in tenants:
        reply = stub.GetQuotaUsage(quota_pb2.GetQuotaUsageRequest(), metadata=tenant.metadata, timeout=10)
        usage = {q.quota_id: q.usage for q in reply.quota_usage.quotas}
        assert (usage["log_files"], usage["stored_bytes"]) == (1, SAMPLE.stat().st_size), usage


def test_the_victims_resources_are_untouched(gateway_channel: grpc.Channel, tenants: tuple[Tenant, Tenant]) -> None:
    """Runs after the matrix (file order): the intruders' deletes, cancels and creates changed nothing."""
    for tenant in tenants:
        client = GatewayClient(gateway_channel, tenant.credential)
        runs = client.runs(_file(tenant.file_id))
        assert [r.name for r in runs] == [_run(tenant.file_id, tenant.run_id)]
        assert runs[0].state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED
        assert client.report(_run(tenant.file_id, tenant.run_id)).report.line_count > 0
        pattern = (
            _registry(gateway_channel)
            .GetPattern(
                registry_pb2.GetPatternRequest(name=f"services/{tenant.service}/patterns/{tenant.template_id}"),
                metadata=tenant.metadata,
                timeout=10,
            )
            .pattern
        )
        assert (pattern.note, dict(pattern.labels)) == ("", {})
