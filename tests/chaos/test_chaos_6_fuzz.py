"""Part 6: fuzzing every RPC through the gateway. Hypothesis builds requests from the protos' descriptors;
random bytes go in as payloads over a raw channel. No call may end INTERNAL or UNKNOWN, and no service dies."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loglens.v1 import analysis_pb2, auth_pb2, log_file_pb2, quota_pb2, registry_pb2
from loglens_devstack.stack import Stack
from tests.chaos.kit import figure, health, scale

SERVICES = [
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"],
    log_file_pb2.DESCRIPTOR.services_by_name["LogFileService"],
    analysis_pb2.DESCRIPTOR.services_by_name["AnalysisService"],
    quota_pb2.DESCRIPTOR.services_by_name["QuotaService"],
    registry_pb2.DESCRIPTOR.services_by_name["PatternRegistryService"],
]
METHODS: list[MethodDescriptor] = [m for s in SERVICES for m in s.methods]
CASES_PER_RPC = scale(12, 2000 // len(METHODS) + 1)
RANDOM_PER_RPC = scale(10, 100)
FORBIDDEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
CODES: Counter[str] = Counter()
ID = "0123456789abcdef0123456789abcdef"
NAMES = [
    f"logFiles/{ID}",
    f"logFiles/{ID}/analysisRuns/{ID}",
    f"logFiles/{ID}/analysisRuns/{ID}/report",
    "logFiles/-",
    "services/orders",
    "services/orders/patterns/t0123456789ab",
]

_INTS = {
    FieldDescriptor.TYPE_INT32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: st.integers(-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: st.integers(-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: st.integers(-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: st.integers(0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: st.integers(0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: st.integers(0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: st.integers(0, 2**64 - 1),
}


def scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    if field.type in _INTS:
        return st.one_of(
            _INTS[field.type],
            st.sampled_from([0, 1, -1, 1000, 2**31 - 1]).filter(
                lambda v: (
                    v >= 0
                    or field.type
                    not in (
                        FieldDescriptor.TYPE_UINT32,
                        FieldDescriptor.TYPE_FIXED32,
                        FieldDescriptor.TYPE_UINT64,
                        FieldDescriptor.TYPE_FIXED64,
                    )
                )
            ),
        )
    if field.type == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(allow_nan=True, width=32 if field.type == FieldDescriptor.TYPE_FLOAT else 64)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=512)
    if field.type == FieldDescriptor.TYPE_ENUM:
        return st.integers(-3, 12)
    return st.one_of(st.text(max_size=80), st.sampled_from(NAMES), st.text(alphabet="abc/-=_.", max_size=40))


def message(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[Message]:
    cls = GetMessageClass(descriptor)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                key, value = field.message_type.fields
                if value.type == FieldDescriptor.TYPE_MESSAGE:
                    continue
                fields[field.name] = st.dictionaries(scalar(key), scalar(value), max_size=4)
                continue
            if depth >= 2:
                continue
            inner = message(field.message_type, depth + 1)
        else:
            inner = scalar(field)
        fields[field.name] = st.lists(inner, max_size=3) if field.is_repeated else inner

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        msg = cls()
        for name, strategy in fields.items():
            if not draw(st.booleans()):
                continue
            value = draw(strategy)
            field = descriptor.fields_by_name[name]
            if field.type == FieldDescriptor.TYPE_MESSAGE and not field.is_repeated:
                if isinstance(value, dict):
                    getattr(msg, name).update(value)
                else:
                    getattr(msg, name).CopyFrom(value)
            elif field.is_repeated:
                if isinstance(value, dict):
                    getattr(msg, name).update(value)
                elif field.type == FieldDescriptor.TYPE_MESSAGE:
                    getattr(msg, name).extend(value)
                else:
                    getattr(msg, name).extend(value)
            else:
                setattr(msg, name, value)
        return msg

    return build()


def call(channel: grpc.Channel, method: MethodDescriptor, payloads: list[bytes], token: str) -> grpc.StatusCode:
    path = f"/{method.containing_service.full_name}/{method.name}"
    md = (("authorization", f"Bearer {token}"),)
    try:
        if method.client_streaming:
            channel.stream_unary(path)(iter(payloads), metadata=md, timeout=10)
        elif method.server_streaming:
            for _ in channel.unary_stream(path)(payloads[0], metadata=md, timeout=3):
                pass
        else:
            channel.unary_unary(path)(payloads[0], metadata=md, timeout=10)
    except grpc.RpcError as exc:
        code: grpc.StatusCode = exc.code()  # type: ignore[attr-defined]
        CODES[code.name] += 1
        return code
    CODES["OK"] += 1
    return grpc.StatusCode.OK


@pytest.fixture(scope="module")
def token(chaos_stack: Stack) -> str:
    return chaos_stack.token("f022" * 8)


@pytest.mark.parametrize("method", METHODS, ids=[f"{m.containing_service.name}.{m.name}" for m in METHODS])
@pytest.mark.timeout(scale(120, 900))
def test_generated_requests_never_end_internal(
    chaos_stack: Stack, chaos_gateway: grpc.Channel, token: str, method: MethodDescriptor
) -> None:
    requests = st.lists(message(method.input_type), min_size=1, max_size=3)

    @settings(max_examples=CASES_PER_RPC, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(requests)
    def check(msgs: list[Message]) -> None:
        code = call(chaos_gateway, method, [m.SerializeToString() for m in msgs], token)
        assert code not in FORBIDDEN, (method.full_name, code, msgs)

    check()


@pytest.mark.timeout(scale(120, 900))
def test_random_bytes_as_payloads_never_end_internal(
    chaos_stack: Stack, chaos_gateway: grpc.Channel, token: str
) -> None:
    rng = random.Random(404)
    bad: list[tuple[str, str]] = []
    for method in METHODS:
        for _ in range(RANDOM_PER_RPC):
            payloads = [rng.randbytes(rng.randrange(0, 300)) for _ in range(rng.randrange(1, 4))]
            code = call(chaos_gateway, method, payloads, token)
            if code in FORBIDDEN:
                bad.append((method.full_name, code.name))
    for service in ("ingest", "analysis", "gateway"):
        assert chaos_stack.processes[service].poll() is None, f"{service} died"
        assert health(chaos_stack.ports.addr(service)) == "SERVING"
    figure(
        f"[6 fuzzing] {len(METHODS)} RPCs x {CASES_PER_RPC} generated + {RANDOM_PER_RPC} random-byte cases; "
        f"codes so far {dict(sorted(CODES.items()))}; INTERNAL/UNKNOWN={len(bad)}; services alive and SERVING"
    )
    assert not bad, bad[:20]
