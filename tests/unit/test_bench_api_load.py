"""make bench-api's load generator and CPU meter, on fakes: figures it prints must count what they say they count."""

from __future__ import annotations

import concurrent.futures
import importlib.util
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_api.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_api_under_test", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def pool() -> Iterator[concurrent.futures.ThreadPoolExecutor]:
    with concurrent.futures.ThreadPoolExecutor(8) as executor:
        yield executor


def _spin(cpu_seconds: float) -> None:
    """Use this much CPU (not wall time: on a busy machine the two differ)."""
    end = time.process_time() + cpu_seconds
    while time.process_time() < end:
        pass


def test_each_client_keeps_one_call_in_flight_and_every_answer_is_timed(
    bench: ModuleType, pool: concurrent.futures.ThreadPoolExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "WARMUP_S", 0.05)
    in_flight = 0
    most = 0
    lock = threading.Lock()

    def call() -> None:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.002)
        with lock:
            in_flight -= 1

    meter = bench.CpuMeter({"this process": lambda: [os.getpid()]})
    step = bench._run_step("Fake", lambda: pool.submit(call), 4, 0.3, meter)

    assert step.calls == len(step.latencies_ms) > 0
    assert min(step.latencies_ms) >= 2.0  # from the send to the answer, not from the callback alone
    assert most <= 4  # the next call of a client is sent only once its last one answered
    assert 0 < step.seconds < 2.0  # the measured part only: the warm-up's calls are not counted
    assert set(step.cpu_s) == {"this process"}
    assert "CPU per call, us: load generator" in step.cpu_line()


def test_a_failed_call_fails_the_step(bench: ModuleType, pool: concurrent.futures.ThreadPoolExecutor) -> None:
    def call() -> None:
        raise RuntimeError("UNAVAILABLE")

    meter = bench.CpuMeter({})
    with pytest.raises(RuntimeError, match="UNAVAILABLE"):
        bench._run_step("Fake", lambda: pool.submit(call), 2, 0.2, meter)


def test_the_meter_reads_a_process_cpu_from_proc(bench: ModuleType) -> None:
    meter = bench.CpuMeter({"this process": lambda: [os.getpid()], "gone": lambda: [2**22 + 7]})
    before = meter.read()
    _spin(0.2)
    after = meter.read()
    assert after["this process"] - before["this process"] >= 0.1
    assert before["gone"] == after["gone"] == 0.0  # a process that is not there counts nothing
