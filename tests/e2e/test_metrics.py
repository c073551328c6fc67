"""Each service serves Prometheus metrics on its own port, and they move with the work done."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from loglens.v1 import analysis_pb2
from loglens_devstack.client import GatewayClient
from loglens_devstack.stack import SERVICES, Stack

SAMPLE = Path(__file__).resolve().parents[2] / "tools" / "loglens_devstack" / "sample.log"


def scrape(stack: Stack, service: str) -> dict[str, float]:
    port = stack.ports.metrics[SERVICES.index(service)]
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_metrics_follow_uploads_and_runs(stack: Stack, client: GatewayClient) -> None:
    before = scrape(stack, "ingest").get("loglens_ingest_bytes_total", 0.0)
    log_file = client.upload(SAMPLE)
    run = client.wait_for_run(log_file.name)
    assert run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED

    ingest = scrape(stack, "ingest")
    assert ingest["loglens_ingest_bytes_total"] - before == log_file.size_bytes
    upload_ok = 'loglens_rpc_total{code="OK",method="/loglens.v1.LogFileService/UploadLogFile",service="ingest"}'
    assert ingest[upload_ok] >= 1
    assert any(k.startswith("loglens_rpc_seconds_bucket{") for k in ingest)

    analysis = scrape(stack, "analysis")
    assert analysis['loglens_analysis_runs_total{state="SUCCEEDED"}'] >= 1
    assert analysis["loglens_analysis_lines_total"] >= run.lines_done

    gateway = scrape(stack, "gateway")
    assert any("/loglens.v1.LogFileService/UploadLogFile" in k and 'service="gateway"' in k for k in gateway)
