"""Ingest against real PostgreSQL, NATS JetStream and S3: round trips, refusals, cancellation, sweeps, events.

The module starts its own servers (not the session stack) because it stops and restarts NATS, and it talks to
ingest processes directly with a signed token, so several ingests with different limits can run side by side.
After every upload that must leave nothing behind, the test checks the whole store: every S3 object under
``logfiles/`` has a row, no multipart upload is open, and the tenant has no row.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import io
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import nats
import psycopg
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from minio import Minio
from nats.js.api import DeliverPolicy

from loglens.events.v1 import events_pb2
from loglens.v1 import log_file_pb2, log_file_pb2_grpc
from loglens_common.errors import error_info
from loglens_common.events import SUBJECT_DELETED, SUBJECT_STORED
from loglens_devstack.servers import free_port
from loglens_devstack.stack import Ports, Stack

MIB = 1024 * 1024
PART_MIB = 5  # the S3 minimum: the 5 MiB +- 1 sizes below cross the single-PUT / multipart boundary
SMALL_LIMIT = 3 * MIB + 17
BUCKET = "loglens"
PREFIX = "logfiles/"
Request = log_file_pb2.UploadLogFileRequest
Meta = log_file_pb2.UploadLogFileMetadata

# Printable ASCII and newlines: random bytes mapped onto it give random text of any size quickly.
_TEXT = bytes((32 + b % 95) if b % 23 else 10 for b in range(256))


def random_text(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size).translate(_TEXT)


@dataclass
class Ingest:
    """One ingest process of the module's stack, called directly."""

    stack: Stack
    addr: str
    channel: grpc.Channel

    @property
    def stub(self) -> log_file_pb2_grpc.LogFileServiceStub:
        return log_file_pb2_grpc.LogFileServiceStub(self.channel)

    def auth(self, subject: str) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {self.stack.token(subject)}"),)


def start_ingest(stack: Stack, name: str, **env: str) -> Ingest:
    addr = f"127.0.0.1:{free_port()}"
    stack.start_service("ingest", name=name, LOGLENS_LISTEN_ADDR=addr, LOGLENS_METRICS_PORT="0", **env)
    stack.wait_serving(name, timeout_s=30, addr=addr)  # the name finds the process and its log
    return Ingest(stack, addr, grpc.insecure_channel(addr))


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="loglens-ingest-test-"))
    test_stack = Stack(
        root,
        Ports.free(),
        env_overrides={
            "ingest": {
                "LOGLENS_OUTBOX_INTERVAL_S": "0.3",
                "LOGLENS_S3_PART_SIZE_MIB": str(PART_MIB),
                "LOGLENS_S3_PARALLEL_PARTS": "2",
            }
        },
    )
    try:
        test_stack.start_servers()
        subprocess.run(
            [sys.executable, "-m", "loglens_ingest", "migrate"],
            env=test_stack.env("ingest"),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield test_stack
    finally:
        test_stack.stop()
        shutil.rmtree(root, ignore_errors=True)


def writable(s3: Minio, bucket: str) -> None:
    """Wait until a new bucket takes writes: to SeaweedFS it is a new collection whose volumes take a moment."""
    deadline = time.monotonic() + 60
    while True:
        try:
            s3.put_object(bucket, "warm-up", io.BytesIO(b"x"), 1)
            s3.remove_object(bucket, "warm-up")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="module")
def ingest(stack: Stack, s3: Minio) -> Iterator[Ingest]:
    """The ordinary ingest: 1 GiB limit, 5 MiB parts."""
    service = start_ingest(stack, "ingest-main")
    writable(s3, BUCKET)  # ingest made the bucket at start-up
    yield service
    service.channel.close()
    stack.stop_service("ingest-main")


@pytest.fixture(scope="module")
def small_ingest(stack: Stack) -> Iterator[Ingest]:
    """An ingest whose size limit is a little over 3 MiB."""
    service = start_ingest(stack, "ingest-small", LOGLENS_MAX_UPLOAD_BYTES=str(SMALL_LIMIT))
    yield service
    service.channel.close()
    stack.stop_service("ingest-small")


@pytest.fixture
def subject() -> str:
    return uuid.uuid4().hex


@pytest.fixture(scope="module")
def s3(stack: Stack) -> Minio:
    return Minio(stack.s3.endpoint, access_key=stack.s3.access_key, secret_key=stack.s3.secret_key, secure=False)


# Helpers -----------------------------------------------------------------------------------------------
def requests(meta: Meta, data: bytes, chunk: int = MIB) -> Iterator[Request]:
    yield Request(metadata=meta)
    for start in range(0, len(data), chunk):
        yield Request(chunk=data[start : start + chunk])


def upload(
    target: Ingest, subject: str, data: bytes, filename: str = "app.log", **meta: object
) -> log_file_pb2.LogFile:
    reply = target.stub.UploadLogFile(
        requests(Meta(filename=filename, **meta), data),  # type: ignore[arg-type]
        metadata=target.auth(subject),
        timeout=120,
    )
    return reply.log_file


def download(service: Ingest, subject: str, name: str) -> bytes:
    stream = service.stub.DownloadLogFile(
        log_file_pb2.DownloadLogFileRequest(name=name), metadata=service.auth(subject), timeout=120
    )
    return b"".join(r.chunk for r in stream)


def refused(call: object, *args: object, **kwargs: object) -> tuple[grpc.StatusCode, str, str]:
    """Run a call that must fail; return its code, ErrorInfo reason and message."""
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    error = caught.value
    info = error_info(error)  # type: ignore[arg-type]
    return error.code(), info.reason if info else "", error.details()  # type: ignore[attr-defined]


def field_violations(call: object, *args: object, **kwargs: object) -> tuple[grpc.StatusCode, list[str], str]:
    """Run a call that must fail; return its code, the fields of its BadRequest violations, and its message."""
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    status = rpc_status.from_call(caught.value)  # type: ignore[arg-type]
    fields: list[str] = []
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields += [v.field for v in bad.field_violations]
    return caught.value.code(), fields, caught.value.details()  # type: ignore[attr-defined]


def rows(stack: Stack, subject: str | None = None) -> list[tuple[str, str]]:
    """(id, object_key) of the tenant's rows, or of every row."""
    with psycopg.connect(stack.postgres.url) as conn:
        if subject is None:
            return list(conn.execute("SELECT id, object_key FROM ingest.log_files"))
        return list(conn.execute("SELECT id, object_key FROM ingest.log_files WHERE owner = %s", (subject,)))


def objects(s3: Minio, bucket: str = BUCKET) -> set[str]:
    return {o.object_name or "" for o in s3.list_objects(bucket, prefix=PREFIX, recursive=True)}


def open_uploads(s3: Minio, bucket: str = BUCKET) -> list[str]:
    return [u.object_name for u in s3._list_multipart_uploads(bucket).uploads]


def assert_nothing_kept(stack: Stack, s3: Minio, subject: str, timeout_s: float = 15) -> None:
    """The tenant has no row, every object has a row, and no multipart upload is open (aborts may lag)."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = (rows(stack, subject), objects(s3) - {key for _, key in rows(stack)}, open_uploads(s3))
        if state == ([], set(), []):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"left behind (rows, orphan objects, open multipart uploads): {state}")
        time.sleep(0.2)


def events(stack: Stack, subject_name: str, log_file: str) -> int:
    """How many events on ``subject_name`` are about ``log_file`` (our own ordered JetStream consumer)."""

    async def count() -> int:
        nc = await nats.connect(stack.nats.url, connect_timeout=5, allow_reconnect=False)
        try:
            js = nc.jetstream()
            sub = await js.subscribe(subject_name, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
            found = 0
            while True:
                try:
                    msg = await sub.next_msg(timeout=1)
                except TimeoutError:
                    return found
                event_type = events_pb2.LogFileStored if subject_name == SUBJECT_STORED else events_pb2.LogFileDeleted
                if event_type.FromString(msg.data).log_file == log_file:
                    found += 1
        finally:
            await nc.close()

    return asyncio.run(count())


def stored_event(stack: Stack, log_file: str, timeout_s: float = 30) -> events_pb2.LogFileStored | None:
    """The stored event about ``log_file``, read with our own ordered JetStream consumer."""

    async def find() -> events_pb2.LogFileStored | None:
        nc = await nats.connect(stack.nats.url, connect_timeout=5, allow_reconnect=False)
        try:
            sub = await nc.jetstream().subscribe(
                SUBJECT_STORED, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
            )
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                try:
                    msg = await sub.next_msg(timeout=1)
                except TimeoutError:
                    continue
                event = events_pb2.LogFileStored.FromString(msg.data)
                if event.log_file == log_file:
                    return event
            return None
        finally:
            await nc.close()

    return asyncio.run(find())


def wait_for_event(stack: Stack, subject_name: str, log_file: str, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while True:
        found = events(stack, subject_name, log_file)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


class HeldStream:
    """Upload requests that stop after ``after`` chunks and wait until released (the stream never ends)."""

    def __init__(self, meta: Meta, data: bytes, after: int) -> None:
        self.meta, self.data, self.after = meta, data, after
        self.reached = threading.Event()
        self.release = threading.Event()
        self.sent = 0

    def __iter__(self) -> Iterator[Request]:
        yield Request(metadata=self.meta)
        for start in range(0, len(self.data), MIB):
            if self.sent == self.after:
                self.reached.set()
                self.release.wait(60)
                return
            self.sent += 1
            yield Request(chunk=self.data[start : start + MIB])
        self.reached.set()


# Round trips -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "size",
    [1, 5 * MIB - 1, 5 * MIB, 5 * MIB + 1, 64 * MIB, random.Random(4).randrange(2, 12 * MIB)],
    ids=["1B", "5MiB-1", "5MiB", "5MiB+1", "64MiB", "random"],
)
def test_upload_and_download_round_trip(ingest: Ingest, stack: Stack, s3: Minio, subject: str, size: int) -> None:
    data = random_text(size, seed=size) if size > 1 else b"x"
    digest = hashlib.sha256(data).hexdigest()

    log_file = upload(ingest, subject, data, filename="/var/log/app.log", service="orders", labels={"env": "ci"})

    assert log_file.name.startswith("logFiles/")
    assert (log_file.size_bytes, log_file.sha256) == (size, digest)
    assert log_file.compression == log_file_pb2.COMPRESSION_NONE
    assert (log_file.filename, log_file.service, dict(log_file.labels)) == ("app.log", "orders", {"env": "ci"})
    assert log_file.create_time.seconds > 0
    back = download(ingest, subject, log_file.name)
    assert hashlib.sha256(back).hexdigest() == digest and back == data
    got = ingest.stub.GetLogFile(
        log_file_pb2.GetLogFileRequest(name=log_file.name), metadata=ingest.auth(subject), timeout=10
    ).log_file
    assert got == log_file
    [(row_id, key)] = rows(stack, subject)
    assert f"logFiles/{row_id}" == log_file.name and key.startswith(PREFIX) and key in objects(s3)
    assert s3.stat_object(BUCKET, key).size == size
    assert open_uploads(s3) == []


def test_gzip_is_accepted_and_recorded(ingest: Ingest, subject: str) -> None:
    data = gzip.compress(random_text(3 * MIB, seed=7))
    log_file = upload(ingest, subject, data, filename="app.log.gz", declared_sha256=hashlib.sha256(data).hexdigest())
    assert log_file.compression == log_file_pb2.COMPRESSION_GZIP
    assert download(ingest, subject, log_file.name) == data


def test_text_is_accepted_whatever_the_extension(ingest: Ingest, subject: str) -> None:
    log_file = upload(ingest, subject, b"2026-01-01 INFO ok\n" * 10, filename="trace.bin")
    assert log_file.compression == log_file_pb2.COMPRESSION_NONE


def test_time_hints_round_trip_to_the_row_and_the_stored_event(ingest: Ingest, stack: Stack, subject: str) -> None:
    log_file = upload(ingest, subject, b"Nov  9 12:01:02 host sshd[1]: ok\n", time_zone="Europe/Berlin", year=2005)

    assert (log_file.time_zone, log_file.HasField("year"), log_file.year) == ("Europe/Berlin", True, 2005)
    got = ingest.stub.GetLogFile(
        log_file_pb2.GetLogFileRequest(name=log_file.name), metadata=ingest.auth(subject), timeout=10
    ).log_file
    assert got == log_file
    with psycopg.connect(stack.postgres.url) as conn:
        row = conn.execute("SELECT time_zone, year FROM ingest.log_files WHERE owner = %s", (subject,)).fetchall()
    assert row == [("Europe/Berlin", 2005)]
    event = stored_event(stack, log_file.name)
    assert event is not None
    assert (event.time_zone, event.HasField("year"), event.year) == ("Europe/Berlin", True, 2005)
    assert event.create_time == log_file.create_time  # the upload time: the reference for year-less times

    plain = upload(ingest, subject, b"2026-01-01 INFO ok\n")  # no hints: none recorded, none invented
    assert (plain.time_zone, plain.HasField("year")) == ("", False)
    plain_event = stored_event(stack, plain.name)
    assert plain_event is not None and (plain_event.time_zone, plain_event.HasField("year")) == ("", False)


@pytest.mark.parametrize(
    ("hints", "field", "words"),
    [
        ({"time_zone": "Europe/Berln"}, "metadata.time_zone", 'unknown time zone "Europe/Berln": use an IANA name'),
        ({"time_zone": "../../../etc/passwd"}, "metadata.time_zone", "unknown time zone"),
        ({"time_zone": "localtime"}, "metadata.time_zone", "unknown time zone"),
        ({"year": 1969}, "metadata.year", "from 1970 to 9999"),
        ({"year": 10000}, "metadata.year", "from 1970 to 9999"),
    ],
    ids=["misspelt zone", "path as zone", "server's own zone", "year 1969", "year 10000"],
)
def test_bad_time_hints_are_refused_on_their_field_and_leave_nothing(
    ingest: Ingest, stack: Stack, s3: Minio, subject: str, hints: dict[str, object], field: str, words: str
) -> None:
    meta = Meta(filename="app.log", **hints)  # type: ignore[arg-type]
    code, fields, message = field_violations(
        ingest.stub.UploadLogFile, requests(meta, SIX_MIB), metadata=ingest.auth(subject), timeout=60
    )
    assert (code, fields) == (grpc.StatusCode.INVALID_ARGUMENT, [field])
    assert words in message
    assert_nothing_kept(stack, s3, subject)


# Refusals ----------------------------------------------------------------------------------------------
ELF = b"\x7fELF\x02\x01\x01" + bytes(200)
ZIP = b"PK\x03\x04" + random_text(5000, 1)
SIX_MIB = random_text(6 * MIB, 6)  # more than one part: the refusal must abort a real multipart upload


def _stream(*items: Request) -> Iterable[Request]:
    return iter(items)


REFUSALS: dict[str, tuple[Iterable[Request], str, str]] = {
    "nothing sent": (_stream(), "METADATA_MISSING", "first message must carry the metadata"),
    "chunk before metadata": (
        _stream(Request(chunk=b"x\n"), Request(metadata=Meta(filename="a.log"))),
        "METADATA_MISSING",
        "a chunk came first",
    ),
    "metadata repeated": (
        _stream(Request(metadata=Meta(filename="a.log")), Request(chunk=b"x\n"), Request(metadata=Meta(filename="b"))),
        "METADATA_REPEATED",
        "sent twice",
    ),
    "message without payload": (
        _stream(Request(metadata=Meta(filename="a.log")), Request()),
        "EMPTY_MESSAGE",
        "neither metadata nor a chunk",
    ),
    "filename with control characters": (
        _stream(Request(metadata=Meta(filename="a\x01.log")), Request(chunk=b"x\n")),
        "INVALID_METADATA",
        "metadata.filename",
    ),
    "empty file": (_stream(Request(metadata=Meta(filename="a.log"))), "EMPTY_FILE", "empty"),
    "ELF executable": (requests(Meta(filename="app.log"), ELF), "BINARY_CONTENT", "ELF"),
    "zip archive": (requests(Meta(filename="app.log"), ZIP), "BINARY_CONTENT", "ZIP"),
    "NUL-heavy data": (requests(Meta(filename="app.log"), bytes(70_000)), "BINARY_CONTENT", "NUL"),
    "gzip of a binary": (requests(Meta(filename="a.gz"), gzip.compress(ELF)), "BINARY_CONTENT", "ELF"),
    "chunk over 1 MiB": (
        _stream(Request(metadata=Meta(filename="a.log")), Request(chunk=b"x" * (MIB + 1))),
        "CHUNK_TOO_LARGE",
        "1 MiB",
    ),
    "declared size differs": (
        requests(Meta(filename="a.log", declared_size_bytes=len(SIX_MIB) + 1), SIX_MIB),
        "SIZE_MISMATCH",
        "nothing was kept",
    ),
    "declared SHA-256 differs": (
        requests(Meta(filename="a.log", declared_sha256="0" * 64), SIX_MIB),
        "CHECKSUM_MISMATCH",
        "nothing was kept",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_bad_uploads_are_refused_with_a_reason_and_leave_nothing(
    ingest: Ingest, stack: Stack, s3: Minio, subject: str, case: str
) -> None:
    stream, reason, words = REFUSALS[case]
    code, got_reason, message = refused(
        ingest.stub.UploadLogFile, iter(stream), metadata=ingest.auth(subject), timeout=60
    )
    assert (code, got_reason) == (grpc.StatusCode.INVALID_ARGUMENT, reason)
    assert words in message
    assert_nothing_kept(stack, s3, subject)


def test_a_file_over_the_limit_is_refused_within_one_chunk(
    small_ingest: Ingest, stack: Stack, s3: Minio, subject: str
) -> None:
    pulled = 0

    def endless() -> Iterator[Request]:  # 64 MiB offered; the server must stop reading near 3 MiB
        nonlocal pulled
        yield Request(metadata=Meta(filename="big.log"))
        chunk = random_text(MIB, 3)
        for _ in range(64):
            pulled += 1
            yield Request(chunk=chunk)

    code, reason, message = refused(
        small_ingest.stub.UploadLogFile, endless(), metadata=small_ingest.auth(subject), timeout=60
    )
    assert (code, reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "FILE_TOO_LARGE")
    assert str(SMALL_LIMIT) in message
    assert pulled < 64  # refused while the client was still sending, not after the whole stream
    assert_nothing_kept(stack, s3, subject)


def test_a_declared_size_over_the_limit_is_refused_before_the_bytes(
    small_ingest: Ingest, stack: Stack, s3: Minio, subject: str
) -> None:
    meta = Meta(filename="big.log", declared_size_bytes=SMALL_LIMIT + 1)
    code, reason, _ = refused(
        small_ingest.stub.UploadLogFile, requests(meta, b"x\n"), metadata=small_ingest.auth(subject), timeout=30
    )
    assert (code, reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "FILE_TOO_LARGE")
    exact = random_text(SMALL_LIMIT, 9)  # exactly at the limit is fine
    assert upload(small_ingest, subject, exact).size_bytes == SMALL_LIMIT


# Nothing partial ---------------------------------------------------------------------------------------
def test_cancellation_at_random_points_leaves_nothing(ingest: Ingest, stack: Stack, s3: Minio, subject: str) -> None:
    data = random_text(13 * MIB, 13)  # three parts of 5 MiB
    rng = random.Random(2026)
    points = [0, 1, 5, 6, 12, *rng.sample(range(13), 3)]
    for after in points:
        held = HeldStream(Meta(filename="c.log"), data, after)
        call = ingest.stub.UploadLogFile.future(iter(held), metadata=ingest.auth(subject), timeout=60)
        assert held.reached.wait(30)
        time.sleep(rng.uniform(0, 0.5))  # let the server get somewhere: a part in flight, or idle
        call.cancel()
        held.release.set()
        with pytest.raises(grpc.FutureCancelledError):
            call.result()
        assert_nothing_kept(stack, s3, subject)


def test_a_passed_deadline_leaves_nothing(ingest: Ingest, stack: Stack, s3: Minio, subject: str) -> None:
    held = HeldStream(Meta(filename="d.log"), random_text(8 * MIB, 8), after=7)  # a part is up, the next pending
    code, _, _ = refused(ingest.stub.UploadLogFile, iter(held), metadata=ingest.auth(subject), timeout=3)
    held.release.set()
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert_nothing_kept(stack, s3, subject)


def test_a_retry_with_the_same_request_id_returns_the_same_file(
    ingest: Ingest, stack: Stack, s3: Minio, subject: str
) -> None:
    data = random_text(2 * MIB, 21)
    first = upload(ingest, subject, data, request_id="ci-job-42")
    again = upload(ingest, subject, data, request_id="ci-job-42")
    assert again == first
    assert len(rows(stack, subject)) == 1
    other = upload(ingest, subject, data, request_id="ci-job-43")
    assert other.name != first.name
    assert objects(s3) == {key for _, key in rows(stack)}


def test_racing_retries_store_one_file(ingest: Ingest, stack: Stack, s3: Minio, subject: str) -> None:
    data = random_text(11 * MIB, 22)  # multipart: both copies are really written before one loses
    both_started = threading.Barrier(3)

    def racing() -> Iterator[Request]:
        yield Request(metadata=Meta(filename="r.log", request_id="race-1"))
        yield Request(chunk=data[:MIB])
        both_started.wait(30)  # both servers' handlers passed the request-id check by now
        for start in range(MIB, len(data), MIB):
            yield Request(chunk=data[start : start + MIB])

    calls = [ingest.stub.UploadLogFile.future(racing(), metadata=ingest.auth(subject), timeout=60) for _ in range(2)]
    time.sleep(0.5)
    both_started.wait(30)
    results = [call.result().log_file for call in calls]
    assert results[0] == results[1]
    assert len(rows(stack, subject)) == 1
    assert_nothing_kept_but(stack, s3)


def assert_nothing_kept_but(stack: Stack, s3: Minio, timeout_s: float = 15) -> None:
    """Objects and rows match one to one, and no multipart upload is open."""
    deadline = time.monotonic() + timeout_s
    while (objects(s3), open_uploads(s3)) != ({key for _, key in rows(stack)}, []):
        assert time.monotonic() < deadline, (objects(s3), rows(stack), open_uploads(s3))
        time.sleep(0.2)


def test_the_sweeper_aborts_stale_uploads_and_deletes_orphans(
    ingest: Ingest, stack: Stack, s3: Minio, subject: str
) -> None:
    # The same bucket as the other tests (SeaweedFS here has room for the volumes of one bucket only); the
    # sweeping ingest runs only while this test does, when no other upload is in flight.
    s3.put_object(BUCKET, PREFIX + "orphan", io.BytesIO(b"no row points here\n"), 19)
    s3.put_object(BUCKET, "elsewhere/keep", io.BytesIO(b"not ours\n"), 9)
    upload_id = s3._create_multipart_upload(BUCKET, PREFIX + "crashed", {})
    s3._upload_part(BUCKET, PREFIX + "crashed", b"x" * (5 * MIB), None, upload_id, 1)
    assert open_uploads(s3) == [PREFIX + "crashed"]
    kept = upload(ingest, subject, random_text(6 * MIB, 5))

    sweeping = start_ingest(stack, "ingest-sweep", LOGLENS_SWEEP_INTERVAL_S="0.5", LOGLENS_STALE_UPLOAD_AGE_S="1")
    try:
        assert_nothing_kept_but(stack, s3, timeout_s=30)
        # A few more sweeps: what a row points to stays, and so do objects outside the log-file prefix.
        racing = upload(sweeping, subject, random_text(11 * MIB, 6))  # 3 parts: longer than the stale age
        time.sleep(2)
        assert download(sweeping, subject, kept.name) == random_text(6 * MIB, 5)
        assert download(sweeping, subject, racing.name) == random_text(11 * MIB, 6)
        assert {o.object_name for o in s3.list_objects(BUCKET, prefix="elsewhere/")} == {"elsewhere/keep"}
        assert_nothing_kept_but(stack, s3)
    finally:
        sweeping.channel.close()
        stack.stop_service("ingest-sweep")
        s3.remove_object(BUCKET, "elsewhere/keep")


# Reading, listing, deleting -----------------------------------------------------------------------------
def test_list_pages_newest_first_and_filters(ingest: Ingest, subject: str) -> None:
    specs = [("api", {"env": "prod"}), ("api", {"env": "dev"}), ("db", {"env": "prod"}), ("api", {"env": "prod"})]
    made = [upload(ingest, subject, f"line {i}\n".encode(), service=s, labels=lb) for i, (s, lb) in enumerate(specs)]
    newest_first = [f.name for f in reversed(made)]

    def listing(**request: object) -> list[str]:
        names: list[str] = []
        token = ""
        while True:
            reply = ingest.stub.ListLogFiles(
                log_file_pb2.ListLogFilesRequest(page_size=1, page_token=token, **request),  # type: ignore[arg-type]
                metadata=ingest.auth(subject),
                timeout=10,
            )
            assert len(reply.log_files) <= 1
            names += [f.name for f in reply.log_files]
            token = reply.next_page_token
            if not token:
                return names

    assert listing() == newest_first
    assert listing(service="api") == [made[3].name, made[1].name, made[0].name]
    assert listing(labels=["env=prod"]) == [made[3].name, made[2].name, made[0].name]
    assert listing(service="api", labels=["env=prod"]) == [made[3].name, made[0].name]
    assert listing(service="none") == []
    code, reason, _ = refused(
        ingest.stub.ListLogFiles,
        log_file_pb2.ListLogFilesRequest(labels=["no-equals-sign"]),
        metadata=ingest.auth(subject),
        timeout=10,
    )
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FILTER")
    first_page = ingest.stub.ListLogFiles(
        log_file_pb2.ListLogFilesRequest(page_size=2), metadata=ingest.auth(subject), timeout=10
    )
    assert [f.name for f in first_page.log_files] == newest_first[:2]
    code, _, _ = refused(  # a token is bound to its query
        ingest.stub.ListLogFiles,
        log_file_pb2.ListLogFilesRequest(page_size=2, page_token=first_page.next_page_token, service="db"),
        metadata=ingest.auth(subject),
        timeout=10,
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_other_tenants_files_are_not_found(ingest: Ingest, subject: str) -> None:
    mine = upload(ingest, subject, b"secret\n")
    stranger = uuid.uuid4().hex
    for call, request in [
        (ingest.stub.GetLogFile, log_file_pb2.GetLogFileRequest(name=mine.name)),
        (ingest.stub.DeleteLogFile, log_file_pb2.DeleteLogFileRequest(name=mine.name)),
        (
            lambda r, **kw: list(ingest.stub.DownloadLogFile(r, **kw)),
            log_file_pb2.DownloadLogFileRequest(name=mine.name),
        ),
    ]:
        code, reason, _ = refused(call, request, metadata=ingest.auth(stranger), timeout=10)
        assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
    assert download(ingest, subject, mine.name) == b"secret\n"
    assert [
        f.name
        for f in ingest.stub.ListLogFiles(
            log_file_pb2.ListLogFilesRequest(), metadata=ingest.auth(stranger), timeout=10
        ).log_files
    ] == []


def test_stored_event_once_and_delete_removes_everything(ingest: Ingest, stack: Stack, s3: Minio, subject: str) -> None:
    log_file = upload(ingest, subject, b"2026-01-01 INFO hello\n" * 100)
    assert wait_for_event(stack, SUBJECT_STORED, log_file.name) == 1
    [(_, key)] = rows(stack, subject)

    ingest.stub.DeleteLogFile(
        log_file_pb2.DeleteLogFileRequest(name=log_file.name), metadata=ingest.auth(subject), timeout=10
    )

    assert rows(stack, subject) == []
    assert key not in objects(s3)
    assert wait_for_event(stack, SUBJECT_DELETED, log_file.name) == 1
    code, _, _ = refused(
        ingest.stub.GetLogFile, log_file_pb2.GetLogFileRequest(name=log_file.name), metadata=ingest.auth(subject)
    )
    assert code == grpc.StatusCode.NOT_FOUND
    code, _, _ = refused(
        ingest.stub.DeleteLogFile, log_file_pb2.DeleteLogFileRequest(name=log_file.name), metadata=ingest.auth(subject)
    )
    assert code == grpc.StatusCode.NOT_FOUND
    time.sleep(1)  # a few outbox ticks later: still one of each
    assert events(stack, SUBJECT_STORED, log_file.name) == 1
    assert events(stack, SUBJECT_DELETED, log_file.name) == 1


# NATS outages (last: they stop this module's NATS) -------------------------------------------------------
def test_ingest_starts_and_accepts_uploads_while_nats_is_down(stack: Stack, subject: str) -> None:
    stack.nats.stop()
    try:
        late = start_ingest(stack, "ingest-no-nats")
        log_file = upload(late, subject, b"2026-01-01 INFO while NATS is down\n" * 10)
        time.sleep(1)
    finally:
        stack.nats.start()
    try:
        assert wait_for_event(stack, SUBJECT_STORED, log_file.name) == 1
        time.sleep(1.5)
        assert events(stack, SUBJECT_STORED, log_file.name) == 1
    finally:
        late.channel.close()
        stack.stop_service("ingest-no-nats")


def test_nats_stopped_during_an_upload_delivers_exactly_one_event(ingest: Ingest, stack: Stack, subject: str) -> None:
    data = random_text(8 * MIB, 88)
    held = HeldStream(Meta(filename="n.log"), data, after=3)

    def rest() -> Iterator[Request]:
        yield from held
        for start in range(3 * MIB, len(data), MIB):
            yield Request(chunk=data[start : start + MIB])

    call = ingest.stub.UploadLogFile.future(rest(), metadata=ingest.auth(subject), timeout=60)
    assert held.reached.wait(30)
    stack.nats.stop()
    try:
        held.release.set()
        log_file = call.result().log_file
        assert log_file.size_bytes == len(data)
        time.sleep(2)  # several outbox ticks fail meanwhile
    finally:
        stack.nats.start()
    assert wait_for_event(stack, SUBJECT_STORED, log_file.name) == 1
    time.sleep(2)  # and later re-drives do not add a second copy
    assert events(stack, SUBJECT_STORED, log_file.name) == 1
