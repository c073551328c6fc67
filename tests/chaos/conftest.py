"""The chaos suite's own stack: it kills workers, ingest, PostgreSQL, NATS and S3, so it shares them with no one.

Scale: small counts by default (part of `make test`), full counts with LOGLENS_CHAOS_SCALE=full
(`make test-chaos`). Figures (counts, latencies, RSS) are printed in the terminal summary.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from _pytest.terminal import TerminalReporter

from loglens_devstack.stack import TEST_TIMINGS, Ports, Stack
from tests.chaos.kit import FIGURES, FULL, Workers
from tests.conftest import CHUNKING


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section(f"chaos figures ({'full' if FULL else 'small'} scale)")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def chaos_stack() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="loglens-chaos-"))
    overrides = {k: dict(v) for k, v in TEST_TIMINGS.items()}
    # The production retry backoff (2 s, doubling, 5 deliveries: about 30 s of retries) rather than the
    # test timing's 0.5 s: a run must outlast a 20 s outage of S3 or PostgreSQL, as it would in production.
    overrides["analysis"]["LOGLENS_RETRY_BACKOFF_S"] = "2"
    # Six attempts (2+4+8+16+32 s of backoff) rather than five (30 s): a 20 s S3 outage lasts about 35 s for a
    # run, since SeaweedFS takes ~15 s to answer again after its restart.
    overrides["analysis"]["LOGLENS_MAX_DELIVERIES"] = "6"
    overrides["ingest"].update({"LOGLENS_S3_PART_SIZE_MIB": "5", "LOGLENS_S3_PARALLEL_PARTS": "2"})
    overrides["analysis"].update(CHUNKING)  # the chaos runs' files above 16 KiB are analysed in chunks
    stack = Stack(root, Ports.free(), workers=0, env_overrides=overrides)
    try:
        stack.start()  # ingest, an analysis API without workers, the gateway; workers come per test
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def workers(chaos_stack: Stack) -> Iterator[Workers]:
    pool = Workers(chaos_stack)
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def owner() -> str:
    return uuid.uuid4().hex


@pytest.fixture(scope="session")
def ingest_channel(chaos_stack: Stack) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(chaos_stack.ports.addr("ingest")) as channel:
        yield channel


@pytest.fixture(scope="session")
def analysis_channel(chaos_stack: Stack) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(chaos_stack.ports.addr("analysis")) as channel:
        yield channel


@pytest.fixture(scope="session")
def chaos_gateway(chaos_stack: Stack) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(chaos_stack.ports.addr("gateway")) as channel:
        yield channel
