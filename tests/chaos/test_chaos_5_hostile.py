"""Part 5: hostile files. Each is refused with a clear status or analysed with counted truncation, and the
worker's memory stays under 256 MiB throughout: the service and its engine processes together, as the sum of
their proportional set sizes (sampled with psutil every 50 ms)."""

from __future__ import annotations

import random
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from loglens.v1 import analysis_pb2
from loglens_common.errors import error_info
from loglens_devstack.client import GatewayClient
from loglens_devstack.stack import Stack
from tests.chaos.kit import MIB, RssSampler, Workers, db, figure, scale
from tests.conftest import ONE_PASS

RSS_LIMIT_MIB = 256
BOMB_BYTES = scale(256 * MIB, 1024 * MIB)
LONG_LINE_BYTES = scale(16 * MIB, 100 * MIB)
REFUSALS = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.FAILED_PRECONDITION}


def _write(path: Path, blocks: Iterator[bytes]) -> Path:
    with path.open("wb") as f:
        for block in blocks:
            f.write(block)
    return path


def gzip_bomb(path: Path) -> Path:
    """Newlines, gzip'd at level 9: a ratio of about 1030."""

    def blocks() -> Iterator[bytes]:
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = b"\n" * MIB
        for _ in range(BOMB_BYTES // MIB):
            yield c.compress(block)
        yield c.flush()

    return _write(path, blocks())


def stack_trace(frames: int = 10_000) -> bytes:
    lines = b"".join(b"\tat com.example.Service.method%d(Service.java:%d)\n" % (i, i) for i in range(frames))
    return (
        b"2026-11-25T10:00:00Z INFO starting\n"
        b"2026-11-25T10:00:01Z ERROR request failed\njava.lang.IllegalStateException: boom\n"
        + lines
        + b"2026-11-25T10:00:02Z INFO still alive\n"
    )


def hostile_files(folder: Path) -> dict[str, Path]:
    rng = random.Random(5)
    files = {"gzip bomb": gzip_bomb(folder / "bomb.log.gz")}
    files["single long line"] = _write(
        folder / "line.log", iter([b"x" * MIB for _ in range(LONG_LINE_BYTES // MIB)] + [b"\n"])
    )
    files["invalid UTF-8"] = _write(
        folder / "utf8.log",
        (
            b"2026-11-25T10:00:%02dZ INFO user " % (i % 60)
            + rng.randbytes(40).translate(bytes(range(128, 256)) * 2)
            + b"\n"
            for i in range(60_000)
        ),
    )
    files["NUL-laden text"] = _write(
        folder / "nul.log",
        (b"2026-11-25T10:00:00Z WARN disk\x00 almost\x00 full id=%d\x00\n" % i for i in range(80_000)),
    )
    files["binary renamed .log"] = folder / "python.log"
    files["binary renamed .log"].write_bytes(Path(sys.executable).resolve().read_bytes()[: 4 * MIB])
    return files


@pytest.mark.timeout(scale(240, 600))
def test_hostile_files_are_refused_or_analysed_within_memory(
    chaos_stack: Stack,
    workers: Workers,
    ingest_channel: grpc.Channel,
    analysis_channel: grpc.Channel,
    owner: str,
    tmp_path: Path,
) -> None:
    files = hostile_files(tmp_path)
    client = GatewayClient(ingest_channel, chaos_stack.token(owner), analysis_channel=analysis_channel)
    worker = workers.start(LOGLENS_GZIP_RATIO_GRACE_BYTES=str(16 * MIB), **ONE_PASS)
    outcomes: dict[str, str] = {}
    peaks: dict[str, float] = {}
    with RssSampler({"worker": workers.pid(worker)}, tree=True) as rss:
        for what, path in files.items():
            size = path.stat().st_size
            try:
                log_file = client.upload(path, timeout=300)
            except grpc.RpcError as exc:
                code = exc.code()  # type: ignore[attr-defined]
                info = error_info(exc)
                assert code in REFUSALS and info is not None and info.reason, (what, code, exc)
                outcomes[what] = f"refused {code.name} {info.reason}: {exc.details()}"  # type: ignore[attr-defined]
                peaks[what] = rss.peak("worker")
                continue
            try:
                run = client.wait_for_run(log_file.name, timeout=scale(60, 500))
            except grpc.RpcError:
                log = chaos_stack.root / "logs" / f"{worker}.log"
                print(log.read_text(errors="replace")[-4000:])
                with db(chaos_stack) as conn:
                    print(
                        conn.execute(
                            "SELECT state, attempts, heartbeat_time, failure_reason FROM analysis.runs "
                            "WHERE log_file_id = %s",
                            (log_file.name.split("/")[1],),
                        ).fetchall()
                    )
                raise
            state = analysis_pb2.AnalysisRun.State.Name(run.state)
            if run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED:
                q = client.report(run.name).report.parse_quality
                outcomes[what] = (
                    f"analysed: {run.lines_done} lines, truncated_records={q.truncated_records}, "
                    f"invalid_utf8={q.invalid_utf8_sequences} ({size / MIB:.1f} MiB stored)"
                )
            else:
                assert run.state == analysis_pb2.AnalysisRun.STATE_FAILED and run.failure_reason, (what, run)
                outcomes[what] = f"{state}: {run.failure_reason} ({size / MIB:.2f} MiB stored)"
            peaks[what] = rss.peak("worker")
    peak = rss.peak("worker")
    for what, outcome in outcomes.items():
        figure(f"[5 hostile] {what}: {outcome}; worker peak memory so far {peaks.get(what, 0):.0f} MiB")
    figure(
        f"[5 hostile] worker peak memory (PSS, service and engine processes) {peak:.0f} MiB "
        f"(limit {RSS_LIMIT_MIB} MiB, {len(rss.samples['worker'])} samples)"
    )
    assert peak <= RSS_LIMIT_MIB
    assert "gzip bomb" in outcomes["gzip bomb"] or outcomes["gzip bomb"].startswith("refused")
    assert "truncated_records=1" in outcomes["single long line"]
    assert outcomes["binary renamed .log"].startswith("refused")
    assert "invalid_utf8=0" not in outcomes["invalid UTF-8"]


@pytest.mark.timeout(120)
def test_a_10000_frame_stack_trace_is_capped_quickly() -> None:
    import time

    from loglens_analysis.engine import analyze

    started = time.monotonic()
    report = analyze([stack_trace()])
    elapsed = time.monotonic() - started
    figure(
        f"[5 hostile] 10,000-frame stack trace (engine alone): {elapsed:.1f}s, "
        f"truncated_records={report.parse_quality.truncated_records}"
    )
    assert report.parse_quality.truncated_records >= 1, "the record is capped and the cut counted"
    assert elapsed < 3, "well under the worker's heartbeat staleness bound"
