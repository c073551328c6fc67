"""Analysis runs on real servers: lifecycle, idempotency, crash safety, poison input, watch, cancel.

A stack of its own: the analysis API process runs no workers, and the tests start, kill and restart
worker processes (the same service with LOGLENS_WORKERS=1) around it.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import nats
import psycopg
import pytest
from minio import Minio

from loglens.events.v1 import events_pb2
from loglens.v1 import analysis_pb2, log_file_pb2
from loglens_analysis.adapters.queue import EVENTS_CONSUMER
from loglens_common.errors import error_info
from loglens_common.events import SIGNATURE_HEADER, STREAM, SUBJECT_RUN_QUEUED, SUBJECT_STORED, object_key
from loglens_common.objectstore import ensure_bucket
from loglens_devstack.client import TERMINAL, GatewayClient, upload_requests
from loglens_devstack.stack import Stack
from loglens_loggen import write_log
from tests.conftest import CHUNKING
from tests.integration.worker_stacks import Workers, api_channels, api_stack, workers_of

State = analysis_pb2.AnalysisRun
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with api_stack("loglens-runs-", CHUNKING) as s:  # files above 16 KiB in chunks: both paths under the same tests
        yield s


@pytest.fixture(scope="module")
def channels(stack: Stack) -> Iterator[tuple[grpc.Channel, grpc.Channel]]:
    with api_channels(stack) as pair:
        yield pair


@pytest.fixture
def client(stack: Stack, channels: tuple[grpc.Channel, grpc.Channel], subject: str) -> GatewayClient:
    return GatewayClient(channels[0], stack.token(subject), analysis_channel=channels[1])


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("logs")
    files = {"small": folder / "small.log", "medium": folder / "medium.log"}
    write_log(str(files["small"]), 200_000, seed=1)
    write_log(str(files["medium"]), 12 * MIB, seed=2)
    return files


@pytest.fixture
def workers(stack: Stack) -> Iterator[Workers]:
    with workers_of(stack) as pool:
        yield pool


def db(stack: Stack) -> psycopg.Connection:
    return psycopg.connect(stack.postgres.url, autocommit=True)


def wait_until(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def first_run(client: GatewayClient, log_file: str, timeout: float = 30) -> analysis_pb2.AnalysisRun:
    runs = wait_until(lambda: client.runs(log_file), timeout, f"a run of {log_file}")
    return runs[-1]


def get_run(client: GatewayClient, name: str) -> analysis_pb2.AnalysisRun:
    return client.analysis.GetAnalysisRun(
        analysis_pb2.GetAnalysisRunRequest(name=name), metadata=client.metadata, timeout=10
    ).analysis_run


def create_run(client: GatewayClient, log_file: str) -> analysis_pb2.CreateAnalysisRunResponse:
    return client.analysis.CreateAnalysisRun(
        analysis_pb2.CreateAnalysisRunRequest(parent=log_file), metadata=client.metadata, timeout=30
    )


def test_fifty_concurrent_creates_make_one_run(client: GatewayClient, logs: dict[str, Path]) -> None:
    log_file = client.upload(logs["small"], analyze=False)
    with ThreadPoolExecutor(max_workers=25) as pool:
        replies = list(pool.map(lambda _: create_run(client, log_file.name), range(50)))
    assert len({r.analysis_run.name for r in replies}) == 1
    assert sum(not r.already_active for r in replies) == 1
    assert len(client.runs(log_file.name)) == 1


def test_a_run_succeeds_with_progress_and_a_report(
    client: GatewayClient, workers: Workers, logs: dict[str, Path]
) -> None:
    workers.start()
    log_file = client.upload(logs["small"])
    run = client.wait_for_run(log_file.name, timeout=60)
    assert run.state == State.STATE_SUCCEEDED, run.failure_reason
    assert run.bytes_done == run.bytes_total == log_file.size_bytes
    assert run.engine_version
    report = client.report(run.name).report
    assert report.line_count == run.lines_done > 0


def test_report_before_success_is_a_failed_precondition(client: GatewayClient, logs: dict[str, Path]) -> None:
    log_file = client.upload(logs["small"], analyze=False)
    run = create_run(client, log_file.name).analysis_run
    with pytest.raises(grpc.RpcError) as caught:
        client.report(run.name)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info = error_info(caught.value)
    assert info is not None and info.reason == "RUN_NOT_SUCCEEDED"


def test_watch_yields_ordered_updates_ending_in_the_terminal_state(
    client: GatewayClient, workers: Workers, logs: dict[str, Path]
) -> None:
    log_file = client.upload(logs["medium"], analyze=False)
    run = create_run(client, log_file.name).analysis_run
    stream = client.analysis.WatchAnalysisRun(
        analysis_pb2.WatchAnalysisRunRequest(name=run.name), metadata=client.metadata, timeout=120
    )
    workers.start()
    updates = [u.analysis_run for u in stream]
    states = [u.state for u in updates]
    assert states[0] == State.STATE_QUEUED
    assert states[-1] == State.STATE_SUCCEEDED
    assert states == sorted(states), "states only move forward"
    assert State.STATE_RUNNING in states
    lines = [u.lines_done for u in updates if u.state == State.STATE_RUNNING]
    assert lines == sorted(lines), "progress never goes back"


def test_cancel_while_running(client: GatewayClient, workers: Workers, logs: dict[str, Path]) -> None:
    log_file = client.upload(logs["medium"], analyze=False)
    run = create_run(client, log_file.name).analysis_run
    workers.start()
    wait_until(lambda: get_run(client, run.name).state == State.STATE_RUNNING, 30, "RUNNING")
    cancelled = client.analysis.CancelAnalysisRun(
        analysis_pb2.CancelAnalysisRunRequest(name=run.name), metadata=client.metadata, timeout=10
    ).analysis_run
    assert cancelled.state == State.STATE_CANCELLED
    time.sleep(2)  # the worker notices at its next heartbeat and records nothing
    assert get_run(client, run.name).state == State.STATE_CANCELLED
    with pytest.raises(grpc.RpcError) as caught:
        client.analysis.CancelAnalysisRun(
            analysis_pb2.CancelAnalysisRunRequest(name=run.name), metadata=client.metadata, timeout=10
        )
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    # A new run can start once the cancelled one is no longer active.
    again = create_run(client, log_file.name)
    assert not again.already_active


def test_poison_input_fails_its_run_while_others_go_on(
    stack: Stack, client: GatewayClient, workers: Workers, logs: dict[str, Path]
) -> None:
    workers.start()
    broken = client.upload(logs["small"], analyze=False)
    s3 = Minio(stack.s3.endpoint, stack.s3.access_key, stack.s3.secret_key, secure=False)
    ensure_bucket(s3, "loglens")
    s3.remove_object("loglens", "logfiles/" + broken.name.split("/")[1])  # the stored bytes vanish

    async def publish_garbage() -> None:
        nc = await nats.connect(stack.nats.url)
        await nc.jetstream().publish(SUBJECT_RUN_QUEUED, b"\xff not a protobuf \x00")
        await nc.close()

    asyncio.run(publish_garbage())
    failed = create_run(client, broken.name).analysis_run
    healthy = client.upload(logs["small"])
    done = wait_until(
        lambda: (r := get_run(client, failed.name)).state in TERMINAL and r, 60, "the poisoned run to end"
    )
    assert done.state == State.STATE_FAILED
    assert "missing" in done.failure_reason
    assert client.wait_for_run(healthy.name, timeout=60).state == State.STATE_SUCCEEDED


def test_two_workers_never_process_a_run_twice(
    stack: Stack, client: GatewayClient, workers: Workers, logs: dict[str, Path]
) -> None:
    workers.start()
    workers.start()
    files = [client.upload(logs["small"]) for _ in range(8)]
    for f in files:
        assert client.wait_for_run(f.name, timeout=90).state == State.STATE_SUCCEEDED
    ids = [f.name.split("/")[1] for f in files]
    with db(stack) as conn:
        rows = conn.execute(
            "SELECT r.log_file_id, r.attempts, count(p.run_id) FROM analysis.runs r "
            "LEFT JOIN analysis.reports p ON p.run_id = r.id WHERE r.log_file_id = ANY(%s) "
            "GROUP BY r.id, r.log_file_id, r.attempts",
            (ids,),
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(ids), "one run per file"
    assert all(attempts == 1 and reports == 1 for _, attempts, reports in rows), rows


def test_killed_workers_lose_no_run_and_duplicate_none(
    stack: Stack, client: GatewayClient, workers: Workers, logs: dict[str, Path]
) -> None:
    """SIGKILL the worker at random points, ten times; every run still ends SUCCEEDED exactly once."""
    rng = random.Random(1234)
    # Crashes count as deliveries; ten kills may hit one run more often than the default bound of five.
    worker = workers.start(LOGLENS_MAX_DELIVERIES="30")
    files = [client.upload(logs["medium"]) for _ in range(6)]
    for _ in range(10):
        time.sleep(rng.uniform(0.2, 2.0))
        workers.kill(worker)
        worker = workers.start(LOGLENS_MAX_DELIVERIES="30")
    ids = [f.name.split("/")[1] for f in files]
    for f in files:
        run = client.wait_for_run(f.name, timeout=180)
        assert run.state == State.STATE_SUCCEEDED, run.failure_reason
    with db(stack) as conn:
        rows = conn.execute(
            "SELECT r.log_file_id, r.state, count(p.run_id), r.attempts FROM analysis.runs r "
            "LEFT JOIN analysis.reports p ON p.run_id = r.id WHERE r.log_file_id = ANY(%s) "
            "GROUP BY r.id, r.log_file_id, r.state, r.attempts",
            (ids,),
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(ids), "exactly one run per file"
    assert all(state == "SUCCEEDED" and reports == 1 for _, state, reports, _ in rows), rows
    # A run analysed in one pass is claimed again (a new attempt), a chunk of a chunked run is claimed again.
    logs = "".join(p.read_text(errors="replace") for p in (stack.root / "logs").glob("worker-*.log"))
    interrupted = sum(attempts for *_, attempts in rows) > len(rows) or "chunk claimed again" in logs
    assert interrupted, "the kills interrupted runs in progress"


def test_deleting_a_log_file_removes_its_runs(client: GatewayClient, workers: Workers, logs: dict[str, Path]) -> None:
    workers.start()
    log_file = client.upload(logs["small"])
    run = client.wait_for_run(log_file.name, timeout=60)
    client.log_files.DeleteLogFile(
        log_file_pb2.DeleteLogFileRequest(name=log_file.name),
        metadata=client.metadata,
        timeout=10,
    )

    wait_until(lambda: run_is_gone(client, run.name), 30, "the run to be removed")


def test_a_stored_event_delivered_after_the_deletion_does_not_bring_the_file_back(
    stack: Stack, client: GatewayClient, workers: Workers, logs: dict[str, Path]
) -> None:
    """The outbox may publish a file's stored event again after its deleted event (and after JetStream's
    duplicate window): analysis keeps a tombstone and ignores it, so no run appears for a deleted file."""
    workers.start()
    log_file = client.upload(logs["small"])
    run = client.wait_for_run(log_file.name, timeout=60)
    file_id = log_file.name.split("/", 1)[1]
    with db(stack) as conn:
        row = conn.execute(
            "SELECT owner, bucket, object_key, size_bytes FROM analysis.log_files WHERE id = %s", (file_id,)
        ).fetchone()
        assert row is not None, "analysis knows the file before the deletion"
        owner, bucket, key, size = row
    client.log_files.DeleteLogFile(
        log_file_pb2.DeleteLogFileRequest(name=log_file.name), metadata=client.metadata, timeout=10
    )
    wait_until(lambda: run_is_gone(client, run.name), 30, "the run to be removed")

    async def publish_stored_again_and_wait_until_consumed() -> None:
        nc = await nats.connect(stack.nats.url)
        js = nc.jetstream()
        event = events_pb2.LogFileStored(
            log_file=log_file.name, owner=owner, bucket=bucket, object_key=key, size_bytes=size, analyze=True
        )
        payload = event.SerializeToString()  # as ingest's outbox sends it: signed with ingest's event key
        headers = {"Nats-Msg-Id": f"{file_id}-late", **ingest_signature(stack, SUBJECT_STORED, payload)}
        await js.publish(SUBJECT_STORED, payload, headers=headers)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            info = await js.consumer_info(STREAM, EVENTS_CONSUMER)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the late stored event was not consumed")
        await nc.close()

    asyncio.run(publish_stored_again_and_wait_until_consumed())
    with db(stack) as conn:
        assert conn.execute("SELECT count(*) FROM analysis.log_files WHERE id = %s", (file_id,)).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM analysis.runs WHERE log_file_id = %s", (file_id,)).fetchone() == (0,)
        tombstone = conn.execute("SELECT owner FROM analysis.deleted_log_files WHERE id = %s", (file_id,)).fetchone()
        assert tombstone == (owner,)


def test_tombstones_are_swept_once_no_event_of_their_file_can_come(stack: Stack, workers: Workers) -> None:
    """A tombstone only has to outlive the stream's retention (plus a day): the reconciler removes older ones."""
    workers.start()
    old, fresh = f"old{time.time_ns()}", f"fresh{time.time_ns()}"
    with db(stack) as conn:
        conn.execute(
            "INSERT INTO analysis.deleted_log_files (id, owner, delete_time) VALUES "
            "(%s, 'someone', now() - interval '9 days'), (%s, 'someone', now() - interval '7 days')",
            (old, fresh),
        )

    def old_is_gone() -> bool:
        with db(stack) as conn:
            return conn.execute("SELECT 1 FROM analysis.deleted_log_files WHERE id = %s", (old,)).fetchone() is None

    wait_until(old_is_gone, 30, "the reconciler to sweep the old tombstone")
    with db(stack) as conn:
        assert conn.execute("SELECT 1 FROM analysis.deleted_log_files WHERE id = %s", (fresh,)).fetchone() == (1,)


def run_is_gone(client: GatewayClient, run_name: str) -> bool:
    try:
        get_run(client, run_name)
        return False
    except grpc.RpcError as exc:
        return exc.code() == grpc.StatusCode.NOT_FOUND


def test_a_queued_run_whose_message_is_lost_is_published_again(
    stack: Stack, client: GatewayClient, workers: Workers, logs: dict[str, Path]
) -> None:
    log_file = client.upload(logs["small"], analyze=False)
    run = create_run(client, log_file.name).analysis_run

    async def purge_queued_messages() -> None:
        nc = await nats.connect(stack.nats.url)
        await nc.jetstream().purge_stream(STREAM, subject=SUBJECT_RUN_QUEUED)
        await nc.close()

    asyncio.run(purge_queued_messages())
    workers.start()
    done = wait_until(lambda: (r := get_run(client, run.name)).state in TERMINAL and r, 60, "the run to end")
    assert done.state == State.STATE_SUCCEEDED


def test_s3_outage_is_retried_and_redelivery_is_bounded(
    stack: Stack, client: GatewayClient, workers: Workers, logs: dict[str, Path]
) -> None:
    """While S3 is down a run is retried with backoff; it finishes once S3 is back, or FAILS at the bound."""
    recovering = create_run(client, client.upload(logs["small"], analyze=False).name).analysis_run
    doomed_file = client.upload(logs["small"], analyze=False)
    stack.s3.stop()
    try:
        workers.start(LOGLENS_MAX_DELIVERIES="30")
        time.sleep(3)
        assert get_run(client, recovering.name).state in (State.STATE_QUEUED, State.STATE_RUNNING)
    finally:
        stack.s3.start()
    done = wait_until(lambda: (r := get_run(client, recovering.name)).state in TERMINAL and r, 120, "recovery")
    assert done.state == State.STATE_SUCCEEDED, done.failure_reason

    workers.stop_all()
    stack.s3.stop()
    try:
        workers.start(LOGLENS_MAX_DELIVERIES="2")
        doomed = create_run(client, doomed_file.name).analysis_run
        done = wait_until(lambda: (r := get_run(client, doomed.name)).state in TERMINAL and r, 120, "the bound")
    finally:
        stack.s3.start()
    assert done.state == State.STATE_FAILED
    assert "gave up after 2 attempts" in done.failure_reason


def upload_reply(client: GatewayClient, path: Path, **meta: object) -> log_file_pb2.UploadLogFileResponse:
    metadata = log_file_pb2.UploadLogFileMetadata(filename=path.name, **meta)  # type: ignore[arg-type]
    return client.log_files.UploadLogFile(upload_requests(path, metadata), metadata=client.metadata, timeout=60)


def test_the_upload_names_its_run_and_it_answers_at_once(client: GatewayClient, logs: dict[str, Path]) -> None:
    """Get and watch right after the upload returns, five times: QUEUED, never NOT_FOUND (no worker runs here)."""
    for _ in range(5):
        reply = upload_reply(client, logs["small"])
        assert reply.analysis_run.startswith(reply.log_file.name + "/analysisRuns/")
        assert reply.log_file.analysis_run == reply.analysis_run
        got = get_run(client, reply.analysis_run)
        assert (got.name, got.state) == (reply.analysis_run, State.STATE_QUEUED)
        stream = client.analysis.WatchAnalysisRun(
            analysis_pb2.WatchAnalysisRunRequest(name=reply.analysis_run), metadata=client.metadata, timeout=10
        )
        first = next(iter(stream)).analysis_run
        stream.cancel()
        assert (first.name, first.state) == (reply.analysis_run, State.STATE_QUEUED)
        # The run the event created is the one named: the file has exactly that run.
        runs = wait_until(lambda: client.runs(reply.log_file.name), 10, "the stored run")  # noqa: B023
        assert [r.name for r in runs] == [reply.analysis_run]
    assert upload_reply(client, logs["small"], analyze=False).analysis_run == ""


def ingest_signature(stack: Stack, subject: str, payload: bytes) -> dict[str, str]:
    """The header ingest's outbox adds: these tests stand in for ingest (forged events: test_chaos_9)."""
    return {SIGNATURE_HEADER: stack.event_signer().header(subject, payload)}


def consume(stack: Stack, *events: events_pb2.LogFileStored) -> None:
    async def publish_and_wait() -> None:
        nc = await nats.connect(stack.nats.url)
        js = nc.jetstream()
        for event in events:
            payload = event.SerializeToString()
            headers = {"Nats-Msg-Id": f"t{time.time_ns()}", **ingest_signature(stack, SUBJECT_STORED, payload)}
            await js.publish(SUBJECT_STORED, payload, headers=headers)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            info = await js.consumer_info(STREAM, EVENTS_CONSUMER)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the stored events were not consumed")
        await nc.close()

    asyncio.run(publish_and_wait())


def forget(stack: Stack, file_id: str) -> bool:
    """Analysis forgets a file it knows (no tombstone): True once it did."""
    with db(stack) as conn:
        gone = conn.execute("DELETE FROM analysis.log_files WHERE id = %s RETURNING id", (file_id,)).fetchone()
    return gone is not None


def test_an_announced_run_is_queued_until_its_event_comes_and_then_created_once(
    stack: Stack, client: GatewayClient, logs: dict[str, Path]
) -> None:
    """The event is late (NATS down, say): the run ingest named answers QUEUED from ingest's record; the
    event then creates it under that name, and a redelivery creates nothing more. An event of an older
    ingest (no run id) still starts a run as before."""
    log_file = client.upload(logs["small"], analyze=False)
    file_id = log_file.name.split("/", 1)[1]
    run_id = uuid.uuid4().hex
    name = f"{log_file.name}/analysisRuns/{run_id}"
    wait_until(lambda: forget(stack, file_id), 30, "analysis to know the file")  # then forget it, as if
    with db(stack) as conn:  # the upload had named a run and its event had not arrived yet
        conn.execute("UPDATE ingest.log_files SET analysis_run_id = %s WHERE id = %s", (run_id, file_id))
        owner, bucket, key, size = conn.execute(
            "SELECT owner, bucket, object_key, size_bytes FROM ingest.log_files WHERE id = %s", (file_id,)
        ).fetchone()
    before = get_run(client, name)
    assert (before.name, before.state, before.bytes_total) == (name, State.STATE_QUEUED, size)
    with pytest.raises(grpc.RpcError) as caught:  # another id under the same file is not announced
        get_run(client, f"{log_file.name}/analysisRuns/{uuid.uuid4().hex}")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND

    event = events_pb2.LogFileStored(
        log_file=log_file.name, owner=owner, bucket=bucket, object_key=key, size_bytes=size, analyze=True,
        analysis_run_id=run_id,
    )  # fmt: skip
    consume(stack, event, event)
    assert [r.name for r in client.runs(log_file.name)] == [name]
    assert get_run(client, name).state == State.STATE_QUEUED

    old = client.upload(logs["small"], analyze=False)
    old_id = old.name.split("/", 1)[1]
    wait_until(lambda: forget(stack, old_id), 30, "analysis to know the file")
    consume(stack, events_pb2.LogFileStored(
        log_file=old.name, owner=owner, bucket=bucket, object_key=object_key(old_id), size_bytes=size, analyze=True
    ))  # fmt: skip
    assert len(client.runs(old.name)) == 1
