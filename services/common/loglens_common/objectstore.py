"""The S3 client (minio SDK; MinIO in production, any S3 server locally)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import urllib3
from minio import Minio
from minio.credentials import Credentials

from loglens_common.config import StorageSettings

# minio's default pool retries a refused connection five times with backoff (about 6 s): during an S3
# outage calls should fail fast and let the caller's own retry policy (backoff, redelivery) decide.
_RETRIES = urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504])
_TIMEOUT = urllib3.Timeout(connect=5, read=120)


UNSIGNED_PAYLOAD_HEADER = "x-amz-content-sha256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


class S3Client(Minio):
    """minio's client, except that a request may ask for an unsigned payload.

    minio signs a request body's SHA-256 over plain HTTP and sends its MD5 (Content-MD5) over HTTPS: one
    more pass over every byte, on both sides (the server hashes the body to check it). A request whose
    headers carry ``x-amz-content-sha256: UNSIGNED-PAYLOAD`` (standard SigV4, accepted by S3, MinIO and
    SeaweedFS) skips both. The headers and the URL are still signed.
    """

    def _build_headers(
        self,
        host: str,
        headers: dict[str, Any] | None = None,
        body: bytes | None = None,
        creds: Credentials | None = None,
    ) -> tuple[dict[str, Any], datetime]:
        if not (creds and body and headers and headers.get(UNSIGNED_PAYLOAD_HEADER) == UNSIGNED_PAYLOAD):
            return super()._build_headers(host, headers, body, creds)  # type: ignore[no-any-return]
        built, date = super()._build_headers(host, headers, None, creds)  # no body: nothing to hash
        built[UNSIGNED_PAYLOAD_HEADER] = UNSIGNED_PAYLOAD
        built["Content-Length"] = str(len(body))
        return built, date


def s3_client(settings: StorageSettings) -> Minio:
    http = urllib3.PoolManager(timeout=_TIMEOUT, maxsize=32, retries=_RETRIES)
    return S3Client(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
        region=settings.s3_region,
        http_client=http,
    )


def ensure_bucket(client: Minio, bucket: str) -> None:
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
