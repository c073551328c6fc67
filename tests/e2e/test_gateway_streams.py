"""A client that cancels an upload through the gateway leaves no log file behind.

grpc reads a cancel as the end of the request stream; the gateway must cancel its call to ingest rather
than half-close it, or ingest would store the truncated bytes as a whole file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc

from loglens.v1 import log_file_pb2
from loglens_devstack.client import GatewayClient


def test_cancelled_uploads_through_the_gateway_store_nothing(client: GatewayClient) -> None:
    for sent_chunks in (0, 1, 3, 7):
        release = threading.Event()

        def requests(n: int = sent_chunks, gate: threading.Event = release):  # type: ignore[no-untyped-def]
            yield log_file_pb2.UploadLogFileRequest(metadata=log_file_pb2.UploadLogFileMetadata(filename="partial.log"))
            for i in range(n):
                yield log_file_pb2.UploadLogFileRequest(chunk=f"{i} INFO line\n".encode() * 40_000)
            gate.wait(10)  # the client is still "sending" when it cancels

        future = client.log_files.UploadLogFile.future(requests(), metadata=client.metadata, timeout=30)
        time.sleep(0.5)
        future.cancel()
        release.set()
        try:
            future.result()
            raise AssertionError("a cancelled upload returned a result")
        except grpc.FutureCancelledError:
            pass
    time.sleep(1)
    assert client.list_log_files() == []


def _upload_statuses(
    client: GatewayClient, requests: Callable[[int], Iterator[object]], n: int
) -> list[grpc.StatusCode]:
    """The status of ``n`` uploads through the gateway, 8 at a time, the ``i``-th sending ``requests(i)``."""

    def upload(i: int) -> grpc.StatusCode:
        try:
            client.log_files.UploadLogFile(requests(i), metadata=client.metadata, timeout=30)
        except grpc.RpcError as exc:
            return exc.code()  # type: ignore[no-any-return]
        return grpc.StatusCode.OK

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(upload, range(n)))


def test_an_early_refusal_keeps_its_status_while_the_client_still_sends(client: GatewayClient) -> None:
    """Ingest refuses bad metadata before reading the chunks; the caller must get that status, not the
    INTERNAL a racing write reports locally (grpc/grpc issue 36066)."""
    chunk = b"2026-01-01 INFO still sending\n" * 34_000

    def requests(_: int) -> Iterator[log_file_pb2.UploadLogFileRequest]:
        yield log_file_pb2.UploadLogFileRequest(metadata=log_file_pb2.UploadLogFileMetadata(filename=""))
        for _ in range(6):
            yield log_file_pb2.UploadLogFileRequest(chunk=chunk)

    codes = _upload_statuses(client, requests, 120)
    assert set(codes) == {grpc.StatusCode.INVALID_ARGUMENT}, {c: codes.count(c) for c in set(codes)}


def test_a_limit_refusal_keeps_its_status_while_a_slow_client_still_sends(client: GatewayClient) -> None:
    """Ingest refuses a declared size over the limit at once, while the caller is still between two writes:
    ingest and the gateway each read the caller's last messages before answering, or the caller sees grpc's
    local INTERNAL (issue 36066)."""

    def requests(seed: int) -> Iterator[log_file_pb2.UploadLogFileRequest]:
        meta = log_file_pb2.UploadLogFileMetadata(filename="big.log", declared_size_bytes=1 << 40)
        yield log_file_pb2.UploadLogFileRequest(metadata=meta)
        time.sleep(0.002 * (seed % 10))  # a client busy elsewhere: the refusal overtakes its next write
        yield log_file_pb2.UploadLogFileRequest(chunk=b"2026-01-01 INFO slow\n" * 50)

    codes = _upload_statuses(client, requests, 200)
    assert set(codes) == {grpc.StatusCode.RESOURCE_EXHAUSTED}, {c: codes.count(c) for c in set(codes)}
