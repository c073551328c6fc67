"""One file's analysis split across workers, on real servers (issue 18 points 2 and 3): a file above the chunk
threshold is cut into chunks that any worker slot takes from the work queue, and the merge gives the one-pass
report, whatever the number of slots; a killed chunk worker's message is redelivered and its chunk claimed again;
cancelling stops the chunks; a chunk that fails for good FAILS the run with its reason.

The workers here are started per test (the API process has none), each with the chunk settings it is given; the
worker that claims a run decides whether it is chunked. The rules themselves: tests/unit/test_chunked_runs.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import grpc
import nats
import psycopg
import pytest
from minio import Minio

from loglens.events.v1 import events_pb2
from loglens.v1 import analysis_pb2, report_pb2
from loglens_analysis.engine.analyzer import VALUE_READ_ALL
from loglens_common.events import STREAM, SUBJECT_RUN_QUEUED, object_key
from loglens_devstack.client import TERMINAL, GatewayClient
from loglens_devstack.stack import Stack
from loglens_loggen import write_log
from tests.integration.worker_stacks import Workers, api_channels, api_stack, workers_of

State = analysis_pb2.AnalysisRun
KIB = 1024
ONE_PASS = {"LOGLENS_CHUNK_THRESHOLD_BYTES": "0"}
CHUNKED = {"LOGLENS_CHUNK_THRESHOLD_BYTES": str(16 * KIB), "LOGLENS_CHUNK_BYTES": str(64 * KIB)}


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with api_stack("loglens-chunks-") as s:
        yield s


@pytest.fixture(scope="module")
def channels(stack: Stack) -> Iterator[tuple[grpc.Channel, grpc.Channel]]:
    with api_channels(stack) as pair:
        yield pair


@pytest.fixture
def client(stack: Stack, channels: tuple[grpc.Channel, grpc.Channel], subject: str) -> GatewayClient:
    return GatewayClient(channels[0], stack.token(subject), analysis_channel=channels[1])


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("logs") / "big.log"
    write_log(str(path), 1_500_000, seed=18, kind="app")  # about 23 chunks of 64 KiB, stack traces across cuts
    return path


@pytest.fixture
def workers(stack: Stack) -> Iterator[Workers]:
    with workers_of(stack) as pool:
        yield pool


def db(stack: Stack) -> psycopg.Connection:
    return psycopg.connect(stack.postgres.url, autocommit=True)


def wait_until(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last: {value!r})")


def run_id(run_name: str) -> str:
    return run_name.split("/")[-1]


def chunk_states(stack: Stack, run_name: str) -> dict[str, int]:
    """The run's steps by state (none: the run is not analysed in chunks, or its steps are gone)."""
    with db(stack) as conn:
        rows = conn.execute(
            "SELECT state, count(*) FROM analysis.run_chunks WHERE run_id = %s GROUP BY state", (run_id(run_name),)
        ).fetchall()
    return {state: int(n) for state, n in rows}


def chunk_messages(stack: Stack, run_name: str) -> list[tuple[int, int]]:
    """Every chunk message of the run the stream holds (it keeps acknowledged ones): (stream sequence, index)."""

    async def read() -> list[tuple[int, int]]:
        nc = await nats.connect(stack.nats.url)
        try:
            found, seq = [], 1
            while True:
                try:
                    msg = await nc.jetstream().get_msg(STREAM, seq, subject=SUBJECT_RUN_QUEUED, next=True)
                except nats.js.errors.NotFoundError:
                    return found
                queued = events_pb2.AnalysisRunQueued.FromString(msg.data or b"")
                if queued.analysis_run == run_name and queued.HasField("chunk"):
                    found.append((msg.seq, queued.chunk.index))
                seq = msg.seq + 1
        finally:
            await nc.close()

    return asyncio.run(read())


def new_run(client: GatewayClient, log_file: str) -> str:
    return client.analysis.CreateAnalysisRun(
        analysis_pb2.CreateAnalysisRunRequest(parent=log_file), metadata=client.metadata, timeout=30
    ).analysis_run.name


def get_run(client: GatewayClient, name: str) -> analysis_pb2.AnalysisRun:
    return client.analysis.GetAnalysisRun(
        analysis_pb2.GetAnalysisRunRequest(name=name), metadata=client.metadata, timeout=10
    ).analysis_run


def finished(client: GatewayClient, name: str, timeout: float = 120) -> analysis_pb2.AnalysisRun:
    return wait_until(lambda: (r := get_run(client, name)).state in TERMINAL and r, timeout, f"{name} to end")


def one_pass_report(client: GatewayClient, workers: Workers, log_file: str) -> analysis_pb2.GetAnalysisReportResponse:
    worker = workers.start(**ONE_PASS)
    run = finished(client, new_run(client, log_file))
    assert run.state == State.STATE_SUCCEEDED, run.failure_reason
    workers.stop(worker)
    return client.report(run.name)


def without_placeholder_statistics(report: report_pb2.AnalysisReport) -> report_pb2.AnalysisReport:
    """The report without what of its placeholder statistics a chunked run may tell otherwise than one pass
    (engine/chunks.py says how): the quantiles, within their rank error, and the top values of a placeholder whose
    counts are not exact. For a file of at most VALUE_READ_ALL records every record is read either way, so the
    records read, the numeric count, min and max, and exact top values and their counts are the same."""
    out = report_pb2.AnalysisReport()
    out.CopyFrom(report)
    for t in out.templates:
        for p in t.placeholders:
            for name in ("median", "p95", "p99", "rank_error"):
                p.numeric.ClearField(name)
            if not p.counts_exact:
                del p.top_values[:]
                p.ClearField("distinct_values")
                p.ClearField("count_error")
    return out


def test_a_chunked_run_gives_the_one_pass_report_with_1_2_and_4_worker_slots(
    stack: Stack, client: GatewayClient, workers: Workers, big_log: Path
) -> None:
    log_file = client.upload(big_log, analyze=False)
    expected = one_pass_report(client, workers, log_file.name)
    assert expected.report.record_count <= VALUE_READ_ALL, "every record's values are read, chunked or not"
    assert expected.report.line_count > 1000
    first: report_pb2.AnalysisReport | None = None
    for slots in (1, 2, 4):
        worker = workers.start(slots, **CHUNKED)
        name = new_run(client, log_file.name)
        seen_chunks = wait_until(lambda: chunk_states(stack, name), 30, "the run's chunks")  # noqa: B023
        run = finished(client, name)
        assert run.state == State.STATE_SUCCEEDED, run.failure_reason
        assert sum(seen_chunks.values()) == -(-log_file.size_bytes // (64 * KIB)) + 1, seen_chunks  # and the merge
        assert run.bytes_done == run.bytes_total == log_file.size_bytes
        assert run.lines_done == expected.report.line_count
        got = client.report(name).report
        # The same report whatever the number of workers, field by field (only timings may differ; there are none
        # in a report) ...
        first = got if first is None else first
        for field in first.DESCRIPTOR.fields:
            assert getattr(got, field.name) == getattr(first, field.name), (slots, field.name)
        # ... and the one-pass report but for the placeholder statistics.
        one_pass, chunked = without_placeholder_statistics(expected.report), without_placeholder_statistics(got)
        for field in one_pass.DESCRIPTOR.fields:
            assert getattr(chunked, field.name) == getattr(one_pass, field.name), (slots, field.name)
        assert [len(t.placeholders) for t in got.templates] == [len(t.placeholders) for t in expected.report.templates]
        assert chunk_states(stack, name) == {}, "the steps and partial results went with the run's end"
        workers.stop(worker)
    assert workers.log().count('"run cut into chunks"') == 3


def test_a_killed_chunk_worker_is_redelivered_and_its_chunk_claimed_again(
    stack: Stack, client: GatewayClient, workers: Workers, big_log: Path
) -> None:
    log_file = client.upload(big_log, analyze=False)
    expected = one_pass_report(client, workers, log_file.name)
    worker = workers.start(**CHUNKED)
    name = new_run(client, log_file.name)
    for _ in range(10):  # killed while a chunk is RUNNING; the chunks are short, so try again if it was between two
        wait_until(lambda: chunk_states(stack, name).get("RUNNING"), 30, "a chunk in progress")
        workers.kill(worker)
        worker = workers.start(**CHUNKED)
        if "chunk claimed again" in workers.log():
            break
    assert "chunk claimed again" in workers.log(), "no chunk was killed in progress"
    run = finished(client, name)
    assert run.state == State.STATE_SUCCEEDED, run.failure_reason
    got = client.report(name).report
    assert without_placeholder_statistics(got) == without_placeholder_statistics(expected.report)


def test_cancelling_a_chunked_run_stops_its_chunks(
    stack: Stack, client: GatewayClient, workers: Workers, big_log: Path
) -> None:
    log_file = client.upload(big_log, analyze=False)
    workers.start(2, **CHUNKED)
    name = new_run(client, log_file.name)
    wait_until(lambda: chunk_states(stack, name).get("DONE"), 30, "a chunk done")
    cancelled = client.analysis.CancelAnalysisRun(
        analysis_pb2.CancelAnalysisRunRequest(name=name), metadata=client.metadata, timeout=10
    ).analysis_run
    assert cancelled.state == State.STATE_CANCELLED
    assert chunk_states(stack, name) == {}, "its steps and partial results went in the cancel's commit"
    time.sleep(3)  # the chunks' messages come and find nothing to claim
    assert get_run(client, name).state == State.STATE_CANCELLED
    assert chunk_states(stack, name) == {}
    # The workers go on: the file's next run is analysed in chunks to its end.
    again = new_run(client, log_file.name)
    assert finished(client, again).state == State.STATE_SUCCEEDED


def test_a_chunk_that_fails_for_good_fails_the_run_with_its_reason(
    stack: Stack, client: GatewayClient, workers: Workers, big_log: Path
) -> None:
    log_file = client.upload(big_log, analyze=False)
    workers.start(**CHUNKED)
    name = new_run(client, log_file.name)
    wait_until(lambda: chunk_states(stack, name).get("DONE"), 30, "a chunk done")
    s3 = Minio(stack.s3.endpoint, stack.s3.access_key, stack.s3.secret_key, secure=False)
    s3.remove_object("loglens", object_key(log_file.name.split("/")[1]))  # the next chunks cannot be read
    run = finished(client, name)
    assert run.state == State.STATE_FAILED
    assert run.failure_code == "OBJECT_MISSING", run
    assert "missing" in run.failure_reason
    assert chunk_states(stack, name) == {}, "no partial result outlives the failed run"


def test_lost_chunk_messages_are_sent_again_by_the_reconciler(
    stack: Stack, client: GatewayClient, workers: Workers, big_log: Path
) -> None:
    log_file = client.upload(big_log, analyze=False)
    worker = workers.start(**CHUNKED)
    name = new_run(client, log_file.name)
    wait_until(lambda: chunk_states(stack, name).get("DONE"), 30, "a chunk done")
    workers.kill(worker)

    async def lose_the_work_queue() -> None:  # every chunk message, delivered or not, is gone
        nc = await nats.connect(stack.nats.url)
        await nc.jetstream().purge_stream(STREAM, subject=SUBJECT_RUN_QUEUED)
        await nc.close()

    asyncio.run(lose_the_work_queue())
    assert chunk_states(stack, name).get("QUEUED"), "chunks wait whose messages are gone"
    workers.start(**CHUNKED)  # its reconciler gives back the stalled chunk and re-sends the queued ones' messages
    run = finished(client, name, timeout=90)
    assert run.state == State.STATE_SUCCEEDED, run.failure_reason
    assert run.lines_done == client.report(name).report.line_count


def test_a_backlog_of_chunks_waiting_for_one_slot_is_not_sent_again(
    stack: Stack, client: GatewayClient, workers: Workers, big_log: Path
) -> None:
    """A big file's chunks wait behind each other on one slot, longer than the re-send wait: their messages are in
    the stream (JetStream acknowledged them), so the reconcilers send none again. Before, every chunk waiting past
    the wait was re-sent, and again at each doubled wait: 63 messages for 23 chunks in 9 s here; 61, 53 and 37
    re-sends in a chaos run."""
    log_file = client.upload(big_log, analyze=False)
    workers.start(**CHUNKED, LOGLENS_REQUEUE_AFTER_S="1")
    name = new_run(client, log_file.name)
    started = time.monotonic()
    run = finished(client, name)
    took = time.monotonic() - started
    assert run.state == State.STATE_SUCCEEDED, run.failure_reason
    sent = Counter(index for _, index in chunk_messages(stack, name))
    chunks = -(-log_file.size_bytes // (64 * KIB))
    assert took > 3, f"no backlog to speak of ({took:.1f} s)"
    assert sent == dict.fromkeys(range(chunks), 1), f"chunks sent again: {sent} in {took:.1f} s"


def test_a_chunk_message_gone_from_the_stream_is_sent_again_and_the_run_ends(
    stack: Stack, client: GatewayClient, workers: Workers, big_log: Path
) -> None:
    """The message of a chunk still waiting behind the others vanishes from the stream (deleted, as limits or an
    operator could): once the work queue holds nothing that could bring it to a worker, the reconciler sends it
    again, and the run ends with the one report."""
    log_file = client.upload(big_log, analyze=False)
    workers.start(**CHUNKED, LOGLENS_REQUEUE_AFTER_S="1")
    name = new_run(client, log_file.name)
    chunks = -(-log_file.size_bytes // (64 * KIB))
    planned = wait_until(lambda: len(chunk_messages(stack, name)) == chunks and chunk_messages(stack, name), 30, "")
    seq, last = max(planned, key=lambda m: m[1])  # one slot takes them in order: the last one waits longest

    async def lose(seq: int) -> bool:
        nc = await nats.connect(stack.nats.url)
        try:
            return await nc.jetstream().delete_msg(STREAM, seq)
        finally:
            await nc.close()

    assert asyncio.run(lose(seq))
    assert chunk_states(stack, name).get("QUEUED")
    run = finished(client, name)
    assert run.state == State.STATE_SUCCEEDED, run.failure_reason
    assert run.bytes_done == log_file.size_bytes
    sent = Counter(index for _, index in chunk_messages(stack, name))
    assert sent[last] == 1, "the lost message was sent again (the stream holds the new one)"


def worker_records(workers: Workers, message: str) -> list[dict[str, object]]:
    """The chunk workers' JSON log records with this message."""
    found = []
    for line in workers.log().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("message") == message:
            found.append(record)
    return found


def test_a_year_less_file_is_chunked_with_its_uploads_year_hint_and_in_one_pass_without(
    stack: Stack, client: GatewayClient, workers: Workers, tmp_path: Path
) -> None:
    """Year-less syslog times among dated ones: chunked when the upload gave a year (can_chunk is given the upload's
    hints, as the analysis is); without one, their year comes from the dated times before them: one pass, with
    the reason in the log."""
    path = tmp_path / "mixed.log"
    with path.open("wb") as f:
        for i in range(6000):
            stamp = (10 + i // 3600, i // 60 % 60, i % 60)
            if i % 3 == 0:
                f.write(b"2026-11-30 %02d:%02d:%02d,000 INFO web1 request %d served\n" % (*stamp, i))
            else:
                f.write(b"Nov 30 %02d:%02d:%02d web1 app[7]: request %d served\n" % (*stamp, i))
    worker = workers.start(**CHUNKED)
    hinted = client.upload(path, analyze=False, year=2026)
    plain = client.upload(path, analyze=False)
    assert hinted.size_bytes > 4 * 64 * KIB
    with_hint = new_run(client, hinted.name)
    assert finished(client, with_hint).state == State.STATE_SUCCEEDED
    without = new_run(client, plain.name)
    assert finished(client, without).state == State.STATE_SUCCEEDED
    workers.stop(worker)  # its log flushed
    cut = {r["run"]: r["chunks"] for r in worker_records(workers, "run cut into chunks")}
    one_pass = {r["run"]: r["reason"] for r in worker_records(workers, "run analysed in one pass")}
    assert cut.get(run_id(with_hint)) == -(-hinted.size_bytes // (64 * KIB)), (cut, one_pass)
    assert run_id(without) not in cut and run_id(with_hint) not in one_pass
    assert one_pass[run_id(without)] == "times without a year: their year is inferred from the timestamps before them"
    assert client.report(with_hint).report.line_count == client.report(without).report.line_count == 6000
