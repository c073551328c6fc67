"""The S3 client (minio SDK; MinIO in production, any S3 server locally)."""

from __future__ import annotations

from minio import Minio

from loglens_common.config import StorageSettings


def s3_client(settings: StorageSettings) -> Minio:
    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
        region=settings.s3_region,
    )


def ensure_bucket(client: Minio, bucket: str) -> None:
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
