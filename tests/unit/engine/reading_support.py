"""Helpers of the reading tests: analyse a text fed in small blocks (so records cross block cuts), count levels."""

from __future__ import annotations

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze


def run_blocks(text: str, block: int = 4096) -> report_pb2.AnalysisReport:
    data = text.encode()
    return analyze([data[i : i + block] for i in range(0, len(data), block)])


def level_counts(rep: report_pb2.AnalysisReport) -> dict[str, int]:
    return {report_pb2.Level.Name(x.level).removeprefix("LEVEL_"): x.count for x in rep.levels}
