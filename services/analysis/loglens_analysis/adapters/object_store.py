"""A stored log file's bytes, read back from the object store (S3 / MinIO): whole, or a range of it (a chunk of a
file analysed in chunks reads the file's head and its own range only)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from minio import Minio
from minio.error import S3Error
from urllib3 import BaseHTTPResponse

from loglens_analysis.domain import FailureCode, StoredLogFile
from loglens_analysis.use_cases.ports import PoisonInput, RunLost

READ_CHUNK = 1024 * 1024


class StoredObjects:
    def __init__(self, client: Minio) -> None:
        self.client = client

    def chunks(self, log_file: StoredLogFile, stop: threading.Event) -> Iterator[bytes]:
        """The object's bytes in chunks of 1 MiB; PoisonInput (OBJECT_MISSING) when it is gone, RunLost once
        ``stop`` is set. Lazy: nothing is read before the first chunk is asked for."""
        return self.chunks_from(log_file, 0, stop)

    def chunks_from(self, log_file: StoredLogFile, offset: int, stop: threading.Event) -> Iterator[bytes]:
        """As ``chunks``, from byte ``offset`` on (one range GET to the object's end, read lazily)."""
        response = self._get(log_file, offset, 0)
        try:
            for chunk in response.stream(READ_CHUNK):
                if stop.is_set():
                    raise RunLost("stopped")
                yield chunk
        finally:
            response.close()
            response.release_conn()

    def head(self, log_file: StoredLogFile, length: int) -> bytes:
        """The object's first ``length`` bytes (fewer for a shorter object), with one range GET."""
        response = self._get(log_file, 0, length)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def _get(self, log_file: StoredLogFile, offset: int, length: int) -> BaseHTTPResponse:
        try:
            return self.client.get_object(log_file.bucket, log_file.object_key, offset=offset, length=length)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket"):
                raise PoisonInput(
                    f"the stored object of logFiles/{log_file.id} is missing", FailureCode.OBJECT_MISSING
                ) from exc
            raise
