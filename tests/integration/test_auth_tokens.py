"""Forged and unusable credentials are UNAUTHENTICATED, with a reason that says which, at the gateway and at the
back ends alike (they trust nothing but a token signed by a key they know)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.field_mask_pb2 import FieldMask

from loglens.v1 import analysis_pb2, analysis_pb2_grpc, log_file_pb2, log_file_pb2_grpc, registry_pb2, registry_pb2_grpc
from loglens_common.auth import ACCESS, REFRESH, TokenSigner, public_pem
from loglens_common.errors import error_info
from loglens_devstack.stack import KID, Stack


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "iss": "loglens",
        "aud": "loglens",
        "sub": uuid.uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "typ": ACCESS,
    }
    return {**base, **overrides}


def unsigned(header: dict[str, object], payload: dict[str, object], signature: bytes = b"") -> str:
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return head + "." + b64(signature)


def hs256_with_public_key(stack: Stack) -> str:
    """The classic algorithm-confusion attack: HMAC keyed with the verifier's public key."""
    secret = json.loads(stack.public_keys_json)[KID].encode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
    body = b64(json.dumps(claims()).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def tampered(stack: Stack) -> str:
    head, _, signature = stack.token(uuid.uuid4().hex).split(".")
    return f"{head}.{b64(json.dumps(claims()).encode())}.{signature}"


def signed_by(stack: Stack, issuer: str = "loglens", audience: str = "loglens") -> TokenSigner:
    return TokenSigner(KID, stack._signing_key, issuer, audience)


def without_type(stack: Stack) -> str:
    body = {k: v for k, v in claims().items() if k != "typ"}
    return jwt.encode(body, stack._signing_key, algorithm="EdDSA", headers={"kid": KID})


FORGERIES: dict[str, tuple[Callable[[Stack], str], str]] = {
    "alg none": (lambda s: unsigned({"alg": "none", "typ": "JWT", "kid": KID}, claims()), "TOKEN_ALGORITHM"),
    "wrong key": (
        lambda s: TokenSigner(KID, Ed25519PrivateKey.generate(), "loglens", "loglens").sign("u", ACCESS, 600),
        "TOKEN_SIGNATURE",
    ),
    "HS256 keyed with the public key": (hs256_with_public_key, "TOKEN_ALGORITHM"),
    "expired": (lambda s: signed_by(s).sign("u", ACCESS, -120), "TOKEN_EXPIRED"),
    "not yet valid": (
        lambda s: signed_by(s).sign("u", ACCESS, 7200, nbf=int(time.time()) + 3600, iat=int(time.time()) + 3600),
        "TOKEN_NOT_YET_VALID",
    ),
    "wrong audience": (lambda s: signed_by(s, audience="someone-else").sign("u", ACCESS, 600), "TOKEN_AUDIENCE"),
    "wrong issuer": (lambda s: signed_by(s, issuer="evil").sign("u", ACCESS, 600), "TOKEN_ISSUER"),
    "refresh used as access": (lambda s: signed_by(s).sign("u", REFRESH, 600), "TOKEN_TYPE"),
    "tampered payload": (tampered, "TOKEN_SIGNATURE"),
    "unknown kid": (
        lambda s: TokenSigner("retired-9", Ed25519PrivateKey.generate(), "loglens", "loglens").sign("u", ACCESS, 600),
        "TOKEN_UNKNOWN_KEY",
    ),
    "not a JWT": (lambda s: "not-a-token", "TOKEN_MALFORMED"),
    "no type claim": (without_type, "TOKEN_CLAIMS"),
}


def call_gateway_files(channel: grpc.Channel, metadata: tuple[tuple[str, str], ...]) -> None:
    log_file_pb2_grpc.LogFileServiceStub(channel).ListLogFiles(
        log_file_pb2.ListLogFilesRequest(), metadata=metadata, timeout=5
    )


def call_analysis(channel: grpc.Channel, metadata: tuple[tuple[str, str], ...]) -> None:
    name = f"logFiles/{uuid.uuid4().hex}/analysisRuns/{uuid.uuid4().hex}"
    analysis_pb2_grpc.AnalysisServiceStub(channel).GetAnalysisRun(
        analysis_pb2.GetAnalysisRunRequest(name=name), metadata=metadata, timeout=5
    )


TARGETS = {"gateway": call_gateway_files, "ingest": call_gateway_files, "analysis": call_analysis}


@pytest.fixture(scope="module")
def channels(stack: Stack) -> Iterator[dict[str, grpc.Channel]]:
    opened = {name: grpc.insecure_channel(stack.ports.addr(name)) for name in TARGETS}
    yield opened
    for channel in opened.values():
        channel.close()


def refused(channels: dict[str, grpc.Channel], target: str, metadata: tuple[tuple[str, str], ...]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        TARGETS[target](channels[target], metadata)
    return caught.value


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_forged_token_is_unauthenticated(
    stack: Stack, channels: dict[str, grpc.Channel], forgery: str, target: str
) -> None:
    make, expected_reason = FORGERIES[forgery]
    error = refused(channels, target, (("authorization", f"Bearer {make(stack)}"),))
    info = error_info(error)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error.details()
    assert info is not None and info.reason == expected_reason, (info, error.details())
    assert error.details() and "Traceback" not in error.details()


def change_a_pattern(channel: grpc.Channel, metadata: tuple[tuple[str, str], ...]) -> None:
    registry_pb2_grpc.PatternRegistryServiceStub(channel).UpdatePattern(
        registry_pb2.UpdatePatternRequest(
            pattern=registry_pb2.Pattern(name="services/orders/patterns/t0123456789ab", note="forged"),
            update_mask=FieldMask(paths=["note"]),
        ),
        metadata=metadata,
        timeout=5,
    )


@pytest.mark.parametrize("target", ["gateway", "analysis"])
@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_forged_token_cannot_change_a_pattern(
    stack: Stack, channels: dict[str, grpc.Channel], forgery: str, target: str
) -> None:
    """The pattern registry (served by analysis, forwarded by the gateway) refuses forged tokens like the rest."""
    make, expected_reason = FORGERIES[forgery]
    with pytest.raises(grpc.RpcError) as caught:
        change_a_pattern(channels[target], (("authorization", f"Bearer {make(stack)}"),))
    info = error_info(caught.value)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED, caught.value.details()
    assert info is not None and info.reason == expected_reason, (info, caught.value.details())


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize(
    ("metadata", "expected_reason"),
    [((), "NO_CREDENTIAL"), ((("authorization", "Basic dXNlcjpwYXNz"),), "CREDENTIAL_MALFORMED")],
)
def test_missing_or_malformed_credential(
    channels: dict[str, grpc.Channel], target: str, metadata: tuple[tuple[str, str], ...], expected_reason: str
) -> None:
    error = refused(channels, target, metadata)
    info = error_info(error)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert info is not None and info.reason == expected_reason


def test_the_back_ends_hold_no_private_key(stack: Stack) -> None:
    for service in ("ingest", "analysis"):
        env = stack.env(service)
        assert "LOGLENS_JWT_PRIVATE_KEY" not in env
        assert public_pem(stack._signing_key) in json.loads(env["LOGLENS_JWT_PUBLIC_KEYS"]).values()
