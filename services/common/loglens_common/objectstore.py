"""The S3 client (minio SDK; MinIO in production, any S3 server locally)."""

from __future__ import annotations

import urllib3
from minio import Minio

from loglens_common.config import StorageSettings

# minio's default pool retries a refused connection five times with backoff (about 6 s): during an S3
# outage calls should fail fast and let the caller's own retry policy (backoff, redelivery) decide.
_RETRIES = urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504])
_TIMEOUT = urllib3.Timeout(connect=5, read=120)


def s3_client(settings: StorageSettings) -> Minio:
    http = urllib3.PoolManager(timeout=_TIMEOUT, maxsize=32, retries=_RETRIES)
    return Minio(
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
