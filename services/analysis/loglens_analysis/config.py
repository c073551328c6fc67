"""Settings of the analysis service (LOGLENS_* variables)."""

from __future__ import annotations

from pydantic import Field, field_validator

from loglens_common.auth import load_public_keys
from loglens_common.config import ServiceSettings, StorageSettings


class AnalysisSettings(ServiceSettings, StorageSettings):
    listen_addr: str = "127.0.0.1:50053"
    ingest_addr: str = Field("127.0.0.1:50052", description="ingest's gRPC target, to confirm new log files")
    event_public_keys: str = Field(
        ...,
        description="JSON object kid -> PEM public key (Ed25519) of ingest's event signing keys, or @path; "
        "log-file events not signed by one of them are refused",
    )
    workers: int = Field(1, ge=0, le=64, description="runs analysed at once by this process (0: API only)")
    ack_wait_s: float = Field(30.0, ge=1, description="JetStream ack wait; in_progress extends it")
    heartbeat_s: float = Field(5.0, gt=0, description="how often a worker records progress and heartbeats")
    stale_after_s: float = Field(20.0, gt=0, description="a RUNNING run silent this long is re-queued")
    max_deliveries: int = Field(5, ge=1, le=100, description="deliveries of one run before it FAILS")
    retry_backoff_s: float = Field(2.0, gt=0, description="first retry delay after a transient failure")
    reconcile_interval_s: float = Field(10.0, gt=0, description="how often stuck runs are re-driven")
    requeue_after_s: float = Field(
        60.0,
        gt=0,
        description="a QUEUED run or chunk whose message may be lost (never acknowledged, given back, or the work "
        "queue empty) gets it again after this long",
    )
    max_decompressed_bytes: int = Field(64 << 30, ge=1 << 20, description="largest inflated size of a gzip file")
    max_gzip_ratio: float = Field(
        100.0, ge=10, description="a gzip file inflating past this many times its size is refused as a bomb"
    )
    gzip_ratio_grace_bytes: int = Field(
        64 << 20, ge=0, description="inflated size below which the gzip ratio is not checked"
    )
    # Each run is analysed in a child process within these bounds (see sandbox.py); past one it FAILS with
    # ENGINE_TIME_LIMIT or ENGINE_MEMORY_LIMIT. The engine does about 16 MiB/s here: the defaults leave 16x.
    engine_cpu_base_s: float = Field(
        60.0, ge=1, description="CPU seconds any run may use, on top of its share by size (ENGINE_TIME_LIMIT)"
    )
    engine_min_bytes_per_s: int = Field(
        1 << 20,
        ge=1024,
        description="slowest engine throughput accepted: a run may use engine_cpu_base_s + bytes / this of CPU "
        "time (a gzip file: its inflate bound), and twice that of wall-clock time",
    )
    engine_memory_limit_mib: int = Field(
        768, ge=128, description="address space of the process analysing one run (ENGINE_MEMORY_LIMIT)"
    )
    # A plain file larger than chunk_threshold_bytes is cut into chunks of about chunk_bytes, each analysed by any
    # worker slot (a message on the runs' work queue) and merged into the one report (use_cases/execute_chunk.py).
    chunk_threshold_bytes: int = Field(
        256 << 20,
        ge=0,
        description="a plain (not gzip) file larger than this is analysed in chunks by any worker slots; 0: never",
    )
    chunk_bytes: int = Field(
        64 << 20,
        ge=4096,
        description="nominal size of one chunk of a file analysed in chunks (each cut moves to a record start)",
    )
    chunk_max_count: int = Field(
        1024,
        ge=2,
        description="most chunks one file is cut into: a bigger file's chunks grow past chunk_bytes to fit",
    )
    watch_poll_s: float = Field(
        0.5, gt=0, description="how often this process reads the runs its WatchAnalysisRun streams follow (one query)"
    )
    # Quotas per owner (QUOTA_EXCEEDED), counted in the database under the owner's lock: they hold across replicas.
    quota_concurrent_runs: int = Field(
        4, ge=1, description="runs one owner may have QUEUED or RUNNING when asking for another (CreateAnalysisRun)"
    )
    quota_runs_per_hour: int = Field(
        30, ge=1, description="runs one owner may ask for (CreateAnalysisRun) in any hour; uploads' own runs are free"
    )
    quota_watch_streams: int = Field(8, ge=1, description="WatchAnalysisRun streams one owner may have open")
    registry_max_patterns: int = Field(
        50_000,
        ge=100,
        description="patterns a service's registry keeps; past it the least recently seen ones nobody labelled, "
        "noted or gave a state are evicted (and count as new if seen again)",
    )

    @field_validator("event_public_keys")
    @classmethod
    def _some_readable_keys(cls, value: str) -> str:
        try:
            keys = load_public_keys(value)
        except (ValueError, TypeError, OSError) as exc:
            raise ValueError(f"not a JSON object of Ed25519 public keys in PEM: {exc}") from None
        if not keys:
            raise ValueError("no key: every log-file event would be refused")
        return value
