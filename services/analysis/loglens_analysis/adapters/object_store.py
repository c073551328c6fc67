"""A stored log file's bytes, read back from the object store (S3 / MinIO)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from minio import Minio
from minio.error import S3Error

from loglens_analysis.domain import FailureCode, StoredLogFile
from loglens_analysis.use_cases.ports import PoisonInput, RunLost

READ_CHUNK = 1024 * 1024


class StoredObjects:
    def __init__(self, client: Minio) -> None:
        self.client = client

    def chunks(self, log_file: StoredLogFile, stop: threading.Event) -> Iterator[bytes]:
        """The object's bytes in chunks of 1 MiB; PoisonInput (OBJECT_MISSING) when it is gone, RunLost once
        ``stop`` is set. Lazy: nothing is read before the first chunk is asked for."""
        try:
            response = self.client.get_object(log_file.bucket, log_file.object_key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket"):
                raise PoisonInput(
                    f"the stored object of logFiles/{log_file.id} is missing", FailureCode.OBJECT_MISSING
                ) from exc
            raise
        try:
            for chunk in response.stream(READ_CHUNK):
                if stop.is_set():
                    raise RunLost("stopped")
                yield chunk
        finally:
            response.close()
            response.release_conn()
