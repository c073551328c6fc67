"""Prometheus metrics of a service, served on their own port (LOGLENS_METRICS_PORT)."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge, Histogram, start_http_server

RPCS = Counter("loglens_rpc_total", "RPCs handled", ["service", "method", "code"])
RPC_SECONDS = Histogram(
    "loglens_rpc_seconds",
    "RPC latency",
    ["service", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
BYTES_INGESTED = Counter("loglens_ingest_bytes_total", "Bytes of log files stored")
RUNS_BY_STATE = Counter("loglens_analysis_runs_total", "Analysis runs reaching a state", ["state"])
ANALYSIS_LINES = Counter("loglens_analysis_lines_total", "Lines analysed (rate() gives lines/s)")
CONSUMER_PENDING = Gauge("loglens_analysis_consumer_pending", "Messages waiting on the JetStream consumer")
EVENTS_REFUSED = Counter(
    "loglens_analysis_events_refused_total", "Log-file events refused as not from ingest (forged)", ["subject"]
)
OUTBOX_PENDING = Gauge("loglens_ingest_outbox_pending", "Events not yet acknowledged by JetStream")


# Each (service, method, code)'s two series, looked up once: labels() takes a lock and builds its key on every call.
# Bounded by the methods served (only registered ones get here) times the status codes.
_RPC_SERIES: dict[tuple[str, str, str], tuple[Any, Any]] = {}


def observe_rpc(service: str, method: str, code: str, seconds: float) -> None:
    key = (service, method, code)
    series = _RPC_SERIES.get(key)
    if series is None:
        series = _RPC_SERIES[key] = (RPCS.labels(service, method, code), RPC_SECONDS.labels(service, method))
    series[0].inc()
    series[1].observe(seconds)


def serve_metrics(port: int) -> None:
    if port:
        start_http_server(port, addr="0.0.0.0")
