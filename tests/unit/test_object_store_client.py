"""The S3 client sends a body unsigned only when the request asks for it (no network: headers only)."""

from __future__ import annotations

import hashlib

import pytest

from loglens_common.config import StorageSettings
from loglens_common.objectstore import UNSIGNED_PAYLOAD, UNSIGNED_PAYLOAD_HEADER, s3_client

BODY = bytearray(b"a log line\n" * 1000)


@pytest.mark.parametrize("secure", [False, True])
def test_a_request_asking_for_an_unsigned_payload_is_not_hashed(secure: bool) -> None:
    client = s3_client(StorageSettings(database_url="postgresql+psycopg://unused", s3_secure=secure))
    creds = client._provider.retrieve()  # type: ignore[union-attr]
    headers, _ = client._build_headers("s3:9000", {UNSIGNED_PAYLOAD_HEADER: UNSIGNED_PAYLOAD}, BODY, creds)
    assert headers[UNSIGNED_PAYLOAD_HEADER] == UNSIGNED_PAYLOAD
    assert headers["Content-Length"] == str(len(BODY))
    assert "Content-MD5" not in headers


def test_other_requests_keep_minio_s_signed_payload() -> None:
    client = s3_client(StorageSettings(database_url="postgresql+psycopg://unused", s3_secure=False))
    creds = client._provider.retrieve()  # type: ignore[union-attr]
    headers, _ = client._build_headers("s3:9000", {}, bytes(BODY), creds)
    assert headers[UNSIGNED_PAYLOAD_HEADER] == hashlib.sha256(BODY).hexdigest()
    assert headers["Content-Length"] == str(len(BODY))
