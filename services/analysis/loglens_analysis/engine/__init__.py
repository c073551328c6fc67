"""The LogLens analysis engine: bytes in, an ``AnalysisReport`` out. A pure library (no I/O of its own).

    from loglens_analysis.engine import ENGINE_VERSION, analyze, Progress
    report = analyze(chunks, progress=callback)

Input is any iterable of byte chunks, plain or gzip (detected by its magic bytes); memory stays
constant whatever the input size. Input the engine refuses raises an ``EngineError`` subclass whose
message says what to do.

Caps (all bounded, so the report and the memory are bounded):

- records: at most 16 KiB characters each (longer ones are cut and counted); gzip input may inflate to
  at most 64 GiB (``MAX_DECOMPRESSED_BYTES``);
- templates: 50,000 clusters mined (further messages go to one overflow template), 20,000 exact
  message variants tracked, 1,000 templates listed in the report, most frequent first;
- per template: 3 examples (the first ones), 5 top values per placeholder out of 256 distinct values
  tracked, numeric min/median/p95/max over up to 512 kept values, a histogram of at most 128 buckets
  (bucket width starts at 60 s and doubles as needed); placeholder statistics use a deterministic
  sample (every record of a mined cluster until it has 16, then the records at every 256th position of
  the file, so each cluster is sampled in proportion to its count);
- 1,000 exception groups, 50 anomalies, 50 timeline entries, 20 ranked error templates, 8 summary
  claims; the shape cache holds 200,000 shapes and the digit-key cache 50,000 keys, each at most
  16 million characters (cleared when full).

Time resolution is one second; a record without a timestamp takes the time of the record before it
(for histograms) and is counted as such in the parse-quality section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from loglens.v1 import report_pb2

from .analyzer import Analyzer
from .errors import CorruptInput, DecompressedSizeExceeded, EngineError
from .records import MAX_DECOMPRESSED_BYTES, RecordReader
from .report import build_report

ENGINE_VERSION = "0.1.0"
PROGRESS_EVERY_LINES = 50_000

__all__ = [
    "ENGINE_VERSION",
    "CorruptInput",
    "DecompressedSizeExceeded",
    "EngineError",
    "Progress",
    "analyze",
]


@dataclass(frozen=True, slots=True)
class Progress:
    """How far the analysis got: input bytes consumed and physical lines read."""

    bytes_read: int
    lines: int


def analyze(
    chunks: Iterable[bytes],
    *,
    progress: Callable[[Progress], None] | None = None,
    max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES,
) -> report_pb2.AnalysisReport:
    """Analyse a log given as byte chunks (plain or gzip) and return its report."""
    reader = RecordReader(max_decompressed_bytes=max_decompressed_bytes)
    an = Analyzer()
    next_report = PROGRESS_EVERY_LINES
    for block in reader.blocks(chunks):
        an.feed(block)
        if progress is not None and reader.counters.lines >= next_report:
            progress(Progress(reader.counters.input_bytes, reader.counters.lines))
            next_report = reader.counters.lines + PROGRESS_EVERY_LINES
    an.finish()
    if progress is not None:
        progress(Progress(reader.counters.input_bytes, reader.counters.lines))
    return build_report(an, reader.counters, ENGINE_VERSION)
