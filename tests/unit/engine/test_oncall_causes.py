"""What a person on call needs next to a finding: where exactly it happened, and what caused it.

Synthetic lines only; each test states the principle it checks.
"""

from __future__ import annotations

from datetime import UTC, datetime

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze

T0 = datetime(2024, 5, 1, tzinfo=UTC).timestamp()
RESTART = report_pb2.ANOMALY_KIND_RESTART


def _stamp(t: float) -> str:
    return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S}"


def _analyze(lines: list[str]) -> report_pb2.AnalysisReport:
    return analyze([("\n".join(lines) + "\n").encode()])


def test_a_process_id_change_is_cited_at_the_records_next_to_it_not_at_bucket_edges() -> None:
    # A process id is read from the records at bucket edges; the change lies between two of them. The new
    # process writes a message of its own first, and the old one a message of its own last: both records are
    # held (a variant's first records), so the change is cited at the two adjacent lines, in the middle of a
    # bucket, not at the bucket's first and last records.
    def rec(t: float, pid: int, message: str) -> str:
        return f"{_stamp(t)} [{pid}] INFO worker: {message}"

    lines = [rec(T0 + 5 * i, 4242, f"handled request {i}") for i in range(600)]  # last at T0 + 2995
    lines.append(rec(T0 + 2996, 4242, "flushing metrics buffer to the collector"))
    lines.append(rec(T0 + 2997, 5151, "loading settings from the configuration store"))
    lines += [rec(T0 + 3002 + 5 * i, 5151, f"handled request {i}") for i in range(600)]
    rep = _analyze(lines)
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert len(restarts) == 1, [a.description for a in rep.anomalies]
    assert sorted(restarts[0].line_numbers[:2]) == [601, 602], restarts[0].description
    assert "[4242]" in lines[600] and "[5151]" in lines[601]
    assert "from 4242 (line 601) to 5151 (line 602)" in restarts[0].description
