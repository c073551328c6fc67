"""Helpers of the reading tests: analyse a text fed in small blocks (so records cross block cuts), count levels."""

from __future__ import annotations

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze


def run_blocks(text: str, block: int = 4096) -> report_pb2.AnalysisReport:
    data = text.encode()
    return analyze([data[i : i + block] for i in range(0, len(data), block)])


def level_counts(rep: report_pb2.AnalysisReport) -> dict[str, int]:
    return {report_pb2.Level.Name(x.level).removeprefix("LEVEL_"): x.count for x in rep.levels}


def compose_starts() -> bytes:
    """A compose stack: db from the start, stopped a fifth in; web's first start (several start messages) just after
    that stop; db started again later, after a stop of its own."""
    lines = []
    starts = ("Starting web server version 2.4.1", "Initializing router v3.2.0", "Started listener on port 8080")
    for i in range(600):
        t = f"2024-03-01 10:{i // 60:02d}:{i % 60:02d}"
        if i in (0, 405):
            lines.append(f"db    | {t} INFO mysqld 8.0.28 starting as process 1")
        elif i in (140, 400):
            lines.append(f"db    | {t} INFO Received SIGTERM, shutting down")
        elif i in (150, 151, 152):
            lines.append(f"web   | {t} INFO {starts[i - 150]}")
        elif i % 3 == 0 or (i % 3 == 1 and i < 153):
            lines.append(f"db    | {t} INFO query {i} took {i % 7} ms")
        elif i % 3 == 1:
            lines.append(f"web   | {t} INFO handled request {i} in {i % 11} ms")
        else:
            lines.append(f"cache | {t} INFO evicted {i % 5} keys")
    return ("\n".join(lines) + "\n").encode()
