"""The path end to end: gateway -> ingest -> S3 + Postgres -> JetStream -> analysis -> report."""

from __future__ import annotations

import hashlib
from pathlib import Path

from loglens.v1 import analysis_pb2, log_file_pb2
from loglens_devstack.client import GatewayClient

SAMPLE = Path(__file__).resolve().parents[2] / "tools" / "loglens_devstack" / "sample.log"


def test_uploaded_file_is_analysed_and_reported(client: GatewayClient) -> None:
    data = SAMPLE.read_bytes()
    log_file = client.upload(SAMPLE, service="orders")

    assert log_file.name.startswith("logFiles/")
    assert log_file.size_bytes == len(data)
    assert log_file.sha256 == hashlib.sha256(data).hexdigest()
    assert log_file.compression == log_file_pb2.COMPRESSION_NONE

    run = client.wait_for_run(log_file.name, timeout=120)
    assert run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED, run.failure_reason
    assert run.lines_done == data.count(b"\n")
    assert run.bytes_done == len(data)
    assert run.finish_time.ToDatetime() >= run.start_time.ToDatetime()

    report = client.report(run.name).report
    assert report.line_count == data.count(b"\n")
    assert report.byte_count == len(data)
    assert report.summary.text


def test_listing_shows_the_callers_files_newest_first(client: GatewayClient) -> None:
    first = client.upload(SAMPLE, analyze=False)
    second = client.upload(SAMPLE, analyze=False)
    names = [f.name for f in client.list_log_files()]
    assert names == [second.name, first.name]
