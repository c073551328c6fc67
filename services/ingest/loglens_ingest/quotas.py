"""Ingest's limits on uploads, in one place: per-owner quotas and the process's cap on open uploads. No I/O.

Per owner (QUOTA_EXCEEDED, the same for every replica since the counts come from the database): uploads in
progress, log files kept, bytes kept. An upload takes a slot when its metadata arrives (the reservation: a
declared size is reserved with it), and the file's row replaces the slot when it commits; both steps run
these checks under the owner's lock, so two uploads cannot both pass the last free slot, file or byte.

Per process (UPLOADS_BUSY): uploads open at once, whoever sends them. This bounds ingest's memory, since an
upload that sends holds its part buffers; it is not a quota of anyone's.
"""

from __future__ import annotations

from dataclasses import dataclass

from loglens_common.errors import QuotaViolation, ResourceExhausted, quota_exceeded
from loglens_common.quota import QuotaLine

MIB = 1024 * 1024
RETRY_BUSY_S = 2.0  # an upload slot frees when an upload ends: seconds for small files
STORED_BYTES, LOG_FILES, CONCURRENT_UPLOADS = "stored_bytes", "log_files", "concurrent_uploads"
SERVER_CONCURRENT_UPLOADS = "server_concurrent_uploads"
# What each quota limits, in the words GetQuotaUsage and the QuotaFailure use.
WHAT = {
    STORED_BYTES: "bytes of log files kept",
    LOG_FILES: "log files kept",
    CONCURRENT_UPLOADS: "uploads in progress at once",
}


@dataclass(frozen=True)
class OwnerQuotas:
    concurrent_uploads: int
    stored_bytes: int
    log_files: int


@dataclass(frozen=True)
class OwnerUsage:
    log_files: int
    stored_bytes: int
    open_uploads: int  # uploads in progress (their slots)
    reserved_bytes: int  # bytes declared by the uploads in progress


def _size(n: int) -> str:
    if n >= 1024 * MIB:
        return f"{n / (1024 * MIB):.1f} GiB"
    if n >= MIB:
        return f"{n / MIB:.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n} bytes"


class UploadQuotas:
    def __init__(self, quotas: OwnerQuotas) -> None:
        self.quotas = quotas

    def admit(self, owner: str, usage: OwnerUsage, declared_size: int | None) -> None:
        """May ``owner`` open one more upload (of ``declared_size`` bytes, if declared)? Raises if not."""
        q = self.quotas
        if usage.open_uploads >= q.concurrent_uploads:
            raise quota_exceeded(
                CONCURRENT_UPLOADS,
                q.concurrent_uploads,
                owner,
                f"you have {usage.open_uploads} uploads in progress, the most one account may have at once; "
                "retry when one of them has finished",
                WHAT[CONCURRENT_UPLOADS],
                retry_after_s=RETRY_BUSY_S,
            )
        if usage.log_files + usage.open_uploads >= q.log_files:
            raise quota_exceeded(
                LOG_FILES,
                q.log_files,
                owner,
                f"you keep {usage.log_files} log files"
                + (f" and upload {usage.open_uploads} more" if usage.open_uploads else "")
                + f", and the quota is {q.log_files}; delete log files you no longer need to upload new ones",
                WHAT[LOG_FILES],
            )
        room = self.byte_allowance(usage)
        if room <= 0 or (declared_size is not None and declared_size > room):
            raise self._bytes_error(owner, usage, declared_size or 1)

    def byte_allowance(self, usage: OwnerUsage) -> int:
        """How many bytes one more upload may have, given what is kept and reserved already."""
        return self.quotas.stored_bytes - usage.stored_bytes - usage.reserved_bytes

    def check_commit(self, owner: str, others: OwnerUsage, size: int) -> None:
        """May a finished upload of ``size`` bytes be kept? ``others``: usage without this upload."""
        if others.log_files + 1 > self.quotas.log_files:
            raise quota_exceeded(
                LOG_FILES,
                self.quotas.log_files,
                owner,
                f"you keep {others.log_files} log files and the quota is {self.quotas.log_files}; nothing was "
                "kept: delete log files you no longer need, then upload again",
                WHAT[LOG_FILES],
            )
        if size > self.byte_allowance(others):
            raise self._bytes_error(owner, others, size)

    def refuse_streamed_bytes(self, owner: str, usage: OwnerUsage, size: int) -> ResourceExhausted:
        """The refusal for an upload whose bytes went past the room it had when it began."""
        return self._bytes_error(owner, usage, size)

    def _bytes_error(self, owner: str, usage: OwnerUsage, size: int) -> ResourceExhausted:
        limit = self.quotas.stored_bytes
        free = max(0, limit - usage.stored_bytes - usage.reserved_bytes)
        reserved = f", uploads in progress reserve {_size(usage.reserved_bytes)}" if usage.reserved_bytes else ""
        return quota_exceeded(
            STORED_BYTES,
            limit,
            owner,
            f"this upload needs {_size(size)} or more but {_size(free)} of your {_size(limit)} quota is free "
            f"(your log files take {_size(usage.stored_bytes)}{reserved}); nothing was kept: delete log files "
            "you no longer need to make room",
            WHAT[STORED_BYTES],
        )

    def lines(self, usage: OwnerUsage) -> list[QuotaLine]:
        q = self.quotas
        return [
            QuotaLine(STORED_BYTES, WHAT[STORED_BYTES], q.stored_bytes, usage.stored_bytes, "bytes"),
            QuotaLine(LOG_FILES, WHAT[LOG_FILES], q.log_files, usage.log_files, "files"),
            QuotaLine(
                CONCURRENT_UPLOADS, WHAT[CONCURRENT_UPLOADS], q.concurrent_uploads, usage.open_uploads, "uploads"
            ),
        ]


def server_busy(limit: int) -> ResourceExhausted:
    """The refusal when this process has as many uploads open as it may (its memory bound)."""
    message = f"the server is receiving {limit} uploads, as many as it takes at once; retry in a few seconds"
    return ResourceExhausted(
        message,
        reason="UPLOADS_BUSY",
        metadata={"quota": SERVER_CONCURRENT_UPLOADS, "limit": str(limit)},
        retry_after_s=RETRY_BUSY_S,
        quota_violations=[
            QuotaViolation(
                SERVER_CONCURRENT_UPLOADS, limit, "service:ingest", f"uploads one ingest process takes at once: {limit}"
            )
        ],
    )
