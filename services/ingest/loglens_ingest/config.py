"""Settings of the ingest service (LOGLENS_* variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from loglens_common.auth import load_private_key
from loglens_common.config import ServiceSettings, StorageSettings

MIB = 1024 * 1024
S3_MAX_PARTS = 10_000


class IngestSettings(ServiceSettings, StorageSettings):
    listen_addr: str = "127.0.0.1:50052"
    # A fixed 1 MiB window: with the automatic one gRPC buffered tens of MiB of each upload (512 MiB upload:
    # peak RSS 383 MiB automatic, 138 MiB fixed, and faster on 2 cores: 84-107 vs 54-70 MiB/s).
    grpc_stream_window_bytes: int = Field(1024 * 1024, ge=0, description="fixed HTTP/2 window per stream")
    max_upload_bytes: int = Field(1024 * MIB, ge=1, description="largest log file accepted")
    # Memory per upload is about (parallel + 1) x part size: 6 x 2 keeps ingest under 150 MiB at
    # >= 0.8 of a bare put_object's throughput (make bench-ingest).
    s3_part_size_mib: int = Field(6, ge=5, le=512, description="multipart part size")
    s3_parallel_parts: int = Field(2, ge=1, le=16, description="parts uploaded at once")
    outbox_interval_s: float = Field(2.0, gt=0, description="how often the outbox sweeper re-drives events")
    sweep_interval_s: float = Field(300.0, gt=0, description="how often stale uploads and orphans are swept")
    stale_upload_age_s: float = Field(3600.0, gt=0, description="multipart uploads older than this are aborted")

    # Uploads at once. An idle one holds no part buffer (it is allocated with the first chunk); one that
    # sends holds about (s3_parallel_parts + 1) x s3_part_size_mib: 32 x 3 x 6 MiB = 576 MiB at worst, under
    # the 1 GiB container limit with ingest's ~100 MiB of its own (deploy/k8s/base/ingest.yaml).
    max_concurrent_uploads: int = Field(
        32, ge=1, description="uploads open at once in this process; past it, UPLOADS_BUSY (retry shortly)"
    )
    upload_idle_timeout_s: float = Field(
        60.0, gt=0, description="an upload stream that sends nothing this long is aborted (UPLOAD_IDLE_TIMEOUT)"
    )
    # Quotas per owner (QUOTA_EXCEEDED), enforced in the database: every replica sees the same counts.
    quota_concurrent_uploads: int = Field(4, ge=1, description="uploads one owner may have open at once")
    quota_stored_bytes: int = Field(10 * 1024 * MIB, ge=1, description="bytes of log files one owner may keep")
    quota_log_files: int = Field(1000, ge=1, description="log files one owner may keep")
    upload_lease_s: float = Field(
        120.0, ge=5, description="how long the upload slots of a crashed replica outlive it (renewed every third)"
    )

    # Only ingest holds this key: analysis trusts a log-file event only with its signature (events.py).
    event_signing_key: str = Field(
        ..., description="Ed25519 private key (PKCS#8 PEM, inline or @path) that signs ingest's NATS events"
    )
    event_kid: str = Field(..., min_length=1, description="the kid of the event signing key")

    @field_validator("event_signing_key")
    @classmethod
    def _readable_key(cls, value: str) -> str:
        pem = Path(value[1:]).read_text() if value.startswith("@") else value
        try:
            load_private_key(pem)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not an Ed25519 private key in PEM: {exc}") from None
        return pem

    @model_validator(mode="after")
    def _parts_cover_the_largest_file(self) -> IngestSettings:
        # S3 allows at most 10,000 parts per object.
        if self.max_upload_bytes > self.s3_part_size_mib * MIB * S3_MAX_PARTS:
            raise ValueError(
                f"LOGLENS_MAX_UPLOAD_BYTES needs more than {S3_MAX_PARTS} parts (the S3 limit) of "
                f"LOGLENS_S3_PART_SIZE_MIB: raise the part size to at least "
                f"{-(-self.max_upload_bytes // (S3_MAX_PARTS * MIB))} MiB"
            )
        return self
