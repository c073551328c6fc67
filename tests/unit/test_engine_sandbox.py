"""The engine's child process: the same report as in-process, and each bound ends a run with its precise code.

The hostile children are injected as the sandbox's entry function (module-level here, so the forkserver's
child imports them by name): no test depends on a slow input of the engine's, which gets faster over time.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from loglens_analysis.domain import FailureCode, StoredLogFile
from loglens_analysis.engine import Progress, analyze
from loglens_analysis.sandbox import (
    EngineCrashed,
    EngineFailure,
    EngineLimits,
    EngineResult,
    EngineStopped,
    analyze_in_child,
    start_forkserver,
)
from loglens_analysis.use_cases.execute_run import EngineBounds
from loglens_loggen import write_log

MIB = 1024 * 1024
OnProgress = Callable[[Progress], None]
Options = Mapping[str, Any]
ROOMY = EngineLimits(cpu_s=60, wall_s=120, memory_bytes=768 * MIB)


# Entry functions run in the child -------------------------------------------------------------------------
def burn_cpu(chunks: Iterator[bytes], progress: OnProgress, _: Options) -> EngineResult:
    progress(Progress(os.getpid(), 0))  # the test learns the child's pid
    n = 0
    while True:
        n += 1


def hog_memory(chunks: Iterator[bytes], progress: OnProgress, _: Options) -> EngineResult:
    held = []
    while True:
        held.append(bytearray(16 * MIB))  # written, so the pages are real


def sleep_forever(chunks: Iterator[bytes], progress: OnProgress, _: Options) -> EngineResult:
    time.sleep(3600)
    raise AssertionError("unreachable")


def segfault(chunks: Iterator[bytes], progress: OnProgress, _: Options) -> EngineResult:
    os.kill(os.getpid(), signal.SIGSEGV)
    raise AssertionError("unreachable")


def raise_bug(chunks: Iterator[bytes], progress: OnProgress, _: Options) -> EngineResult:
    raise IndexError("a bug in the engine")


# Helpers ----------------------------------------------------------------------------------------------------
def file_chunks(path: Path, size: int = MIB) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk


def run(
    chunks: Iterator[bytes],
    limits: EngineLimits = ROOMY,
    stop: threading.Event | None = None,
    progress: list[Progress] | None = None,
    **kw: object,
) -> EngineResult:
    seen = progress if progress is not None else []
    return analyze_in_child(chunks, limits, progress=seen.append, stop=stop or threading.Event(), **kw)  # type: ignore[arg-type]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie until the forkserver reaps it: dead all the same.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(") ", 1)[1].startswith("Z")


@pytest.fixture(scope="module", autouse=True)
def forkserver() -> None:
    start_forkserver()


# Tests ------------------------------------------------------------------------------------------------------
@pytest.mark.timeout(60)
def test_the_child_gives_the_same_report_as_the_engine_in_process(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    lines = write_log(str(log), 6 * MIB, seed=11)
    expected = analyze(file_chunks(log)).SerializeToString()
    progress: list[Progress] = []
    result = run(file_chunks(log), progress=progress)
    assert result.report == expected
    assert result.lines == lines
    assert progress and progress[-1] == Progress(log.stat().st_size, lines)


@pytest.mark.timeout(60)
def test_input_the_engine_refuses_fails_with_its_message(tmp_path: Path) -> None:
    broken = gzip.compress(b"2026-11-25T10:00:00Z INFO hello\n" * 10_000)[:-200]
    with pytest.raises(EngineFailure) as caught:
        run(iter([broken]))
    assert caught.value.code is FailureCode.INPUT_REFUSED
    assert str(caught.value)


@pytest.mark.timeout(60)
def test_the_engine_options_reach_the_child() -> None:
    bomb = gzip.compress(b"\n" * (8 * MIB))
    assert run(iter([bomb])).lines > 0
    with pytest.raises(EngineFailure) as caught:
        run(iter([bomb]), options={"max_decompressed_bytes": MIB})
    assert caught.value.code is FailureCode.INPUT_REFUSED


@pytest.mark.timeout(60)
def test_a_cpu_hog_ends_with_engine_time_limit() -> None:
    limits = EngineLimits(cpu_s=1, wall_s=30, memory_bytes=768 * MIB)
    progress: list[Progress] = []
    started = time.monotonic()
    with pytest.raises(EngineFailure) as caught:
        run(iter([b"x\n"]), limits, progress=progress, entry=burn_cpu)
    elapsed = time.monotonic() - started
    assert caught.value.code is FailureCode.ENGINE_TIME_LIMIT
    assert "1 s of CPU time" in str(caught.value)
    assert elapsed < 10, f"ended {elapsed:.1f}s after the start, for a 1 s CPU bound"
    assert gone(progress[0].bytes_read)


@pytest.mark.timeout(60)
def test_a_memory_hog_ends_with_engine_memory_limit() -> None:
    limits = EngineLimits(cpu_s=30, wall_s=30, memory_bytes=256 * MIB)
    with pytest.raises(EngineFailure) as caught:
        run(iter([b"x\n"]), limits, entry=hog_memory)
    assert caught.value.code is FailureCode.ENGINE_MEMORY_LIMIT
    assert "256 MiB" in str(caught.value)


@pytest.mark.timeout(60)
def test_a_child_that_uses_no_cpu_ends_at_the_wall_clock_bound() -> None:
    limits = EngineLimits(cpu_s=30, wall_s=1, memory_bytes=768 * MIB)
    started = time.monotonic()
    with pytest.raises(EngineFailure) as caught:
        run(iter([b"x\n"]), limits, entry=sleep_forever)
    assert caught.value.code is FailureCode.ENGINE_TIME_LIMIT
    assert "wall-clock" in str(caught.value)
    assert 1 <= time.monotonic() - started < 5


@pytest.mark.timeout(60)
def test_time_spent_waiting_on_the_input_does_not_count_against_the_wall_clock_bound() -> None:
    def slow_store() -> Iterator[bytes]:
        for i in range(4):
            time.sleep(0.8)  # S3 taking its time: 3.2 s in all, over the 2 s bound
            yield b"2026-11-25T10:00:0%dZ INFO slow store\n" % i

    limits = EngineLimits(cpu_s=30, wall_s=2, memory_bytes=768 * MIB)
    assert run(slow_store(), limits).lines == 4


@pytest.mark.timeout(60)
def test_stopping_kills_the_child_at_once() -> None:
    stop = threading.Event()
    pids: list[int] = []
    stopped = 0.0

    def on_progress(p: Progress) -> None:  # the child is burning CPU: stop it
        nonlocal stopped
        pids.append(p.bytes_read)
        stopped = time.monotonic()
        stop.set()

    with pytest.raises(EngineStopped):
        analyze_in_child(iter([b"x\n"]), ROOMY, progress=on_progress, stop=stop, entry=burn_cpu)
    assert time.monotonic() - stopped < 1
    pid = pids[0]
    deadline = time.monotonic() + 5
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(pid)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("entry", "why"), [(segfault, "killed by SIGSEGV"), (raise_bug, "a bug in the engine")])
def test_a_child_that_dies_otherwise_is_a_crash_worth_a_retry(entry: object, why: str) -> None:
    with pytest.raises(EngineCrashed, match=why):
        run(iter([b"x\n"]), entry=entry)


@pytest.mark.timeout(60)
def test_an_input_error_is_raised_as_it_is_and_ends_the_child() -> None:
    class StoreDown(Exception):
        pass

    def failing_store() -> Iterator[bytes]:
        yield b"2026-11-25T10:00:00Z INFO first\n"
        raise StoreDown("S3 went away")

    with pytest.raises(StoreDown):
        run(failing_store())


@pytest.mark.timeout(60)
def test_a_run_is_bounded_by_its_size() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from loglens_analysis.config import AnalysisSettings
    from loglens_common.auth import public_pem

    settings = AnalysisSettings(
        database_url="postgresql+psycopg://x@localhost/x",
        event_public_keys=json.dumps({"k": public_pem(Ed25519PrivateKey.generate())}),
        engine_cpu_base_s=60,
        engine_min_bytes_per_s=MIB,
        engine_memory_limit_mib=512,
    )
    bounds = EngineBounds.from_settings(settings)
    plain = bounds.limits(StoredLogFile("a", "o", "b", "k", 100 * MIB, gzip=False))
    assert (plain.cpu_s, plain.wall_s, plain.memory_bytes) == (160, 320, 512 * MIB)
    packed = bounds.limits(StoredLogFile("a", "o", "b", "k", 10 * MIB, gzip=True))
    # A gzip file may inflate to 100x its size (max_gzip_ratio): its bound follows the inflated bytes.
    assert packed.cpu_s == 60 + 1000
