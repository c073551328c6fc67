"""One file's analysis split into chunks: byte ranges analysed apart (by any worker) and merged into one report.

The contract the service builds on (issue 18, point 2):

    if can_chunk(head) is None:                             # else analyse the file in one pass
        plans = plan_chunks(size, chunk_bytes)              # nominal byte ranges, fixed by size alone
    partial = analyze_chunk(head, rest, plans[i], ...)      # one chunk -> bytes (store them anywhere)
    report = merge_partials([partial_0, partial_1, ...])   # in chunk order -> the file's AnalysisReport

- ``head`` is the file's first ``HEAD_BYTES`` (fewer for a shorter file): every chunk reads the file's format
  from it, so that all chunks read records the same way.
- ``rest`` is the file's bytes from ``plan.read_from`` (one byte before ``plan.start``) to its end, read
  lazily: a chunk reads a little past ``plan.end``, to the end of the record that crosses it, and no further.
- A chunk's records are those that start in ``[plan.start, plan.end)``; a record that crosses a cut belongs
  to the chunk it starts in.
- The chunks are fixed by the file's size, and the merge reads them in chunk order, so the report is the
  same whatever the number of workers and whichever finished first.
- gzip input is not chunked (it cannot be read from the middle): ``can_chunk`` says so, ``analyze_chunk``
  refuses it.

THIS FIRST VERSION IS THE CONTRACT ONLY: a partial holds its chunk's bytes (compressed) and the merge analyses
them in one pass. It is correct (the report is exactly the one-pass report) but does no work in parallel.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from loglens.v1 import report_pb2

from . import Progress, analyze
from .errors import CorruptInput
from .records import GZIP_MAGIC, MAX_DECOMPRESSED_BYTES

HEAD_BYTES = 1 << 20  # the file's start every chunk reads for the file's format
PARTIAL_MAGIC = b"LLCP1\n"


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    """The nominal byte range ``[start, end)`` of chunk ``index`` of a file."""

    index: int
    start: int
    end: int

    @property
    def read_from(self) -> int:
        """Where the chunk's reading starts: one byte before ``start`` (it says whether a line starts there)."""
        return max(0, self.start - 1)


def can_chunk(head: bytes) -> str | None:
    """None when a file starting with ``head`` can be analysed in chunks, else why not (analyse it in one pass).
    gzip cannot be read from the middle."""
    if head.startswith(GZIP_MAGIC):
        return "gzip input is read from its start only"
    return None


def plan_chunks(size: int, chunk_bytes: int) -> list[ChunkPlan]:
    """Nominal ranges of about ``chunk_bytes`` each covering ``size`` bytes (one chunk for a small file)."""
    if chunk_bytes <= 0:
        raise ValueError("chunk_bytes must be positive")
    count = max(1, -(-size // chunk_bytes))
    return [ChunkPlan(i, i * chunk_bytes, size if i == count - 1 else (i + 1) * chunk_bytes) for i in range(count)]


def analyze_chunk(
    head: bytes,
    rest: Iterable[bytes],
    plan: ChunkPlan,
    *,
    progress: Callable[[Progress], None] | None = None,
    max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES,
    time_zone: str | None = None,
    year: int | None = None,
    reference_epoch: float | None = None,
) -> bytes:
    """The partial result of one chunk, as bytes for ``merge_partials``. ``rest`` is the file's bytes from
    ``plan.read_from`` on."""
    del head  # placeholder: the final version reads the file's format from it
    data = bytearray()
    for piece in rest:
        if not data and plan.read_from == 0 and piece.startswith(GZIP_MAGIC):
            raise CorruptInput("a gzip file cannot be analysed in chunks; analyse it in one pass")
        data += piece
        if _line_start(data, plan.end - plan.read_from) is not None:
            break
    own_start = plan.start - plan.read_from
    begin = 0 if own_start == 0 else _line_start(data, own_start)
    stop = _line_start(data, plan.end - plan.read_from)
    body = bytes(data[len(data) if begin is None else begin : len(data) if stop is None else stop])
    if progress is not None:
        progress(Progress(len(body), body.count(b"\n")))
    meta = json.dumps([plan.index, time_zone, year, reference_epoch, max_decompressed_bytes]).encode()
    return PARTIAL_MAGIC + meta + b"\n" + zlib.compress(body, 1)


def _line_start(data: bytearray, at: int) -> int | None:
    """Index of the first line that starts at or after ``at`` (> 0) in ``data``, or None when not read yet.
    Placeholder rule: a line start (the final version: a record start)."""
    nl = data.find(b"\n", at - 1)
    return None if nl < 0 else nl + 1


def merge_partials(partials: Sequence[bytes]) -> report_pb2.AnalysisReport:
    """The file's report from its chunks' partial results, given in chunk order."""
    bodies: list[bytes] = []
    meta: list[object] = [0, None, None, None, MAX_DECOMPRESSED_BYTES]
    for i, partial in enumerate(partials):
        if not partial.startswith(PARTIAL_MAGIC):
            raise CorruptInput(f"chunk {i}: not a partial result of this engine")
        head, _, body = partial[len(PARTIAL_MAGIC) :].partition(b"\n")
        meta = json.loads(head)
        if meta[0] != i:
            raise CorruptInput(f"partial results out of order: chunk {meta[0]} given as chunk {i}")
        bodies.append(zlib.decompress(body))
    _, time_zone, year, reference_epoch, max_bytes = meta
    return analyze(
        bodies,
        max_decompressed_bytes=int(max_bytes),  # type: ignore[call-overload]
        time_zone=time_zone,  # type: ignore[arg-type]
        year=year,  # type: ignore[arg-type]
        reference_epoch=reference_epoch,  # type: ignore[arg-type]
    )
