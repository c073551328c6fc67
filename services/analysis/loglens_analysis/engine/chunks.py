"""One file's analysis split into chunks: byte ranges analysed apart (by any worker) and merged into one report.

The contract the service builds on (issue 18, point 2):

    if can_chunk(head) is None:                             # else analyse the file in one pass
        plans = plan_chunks(size, chunk_bytes)              # nominal byte ranges, fixed by size alone
    partial = analyze_chunk(head, rest, plans[i], ...)      # one chunk -> bytes (store them anywhere)
    report = merge_partials([partial_0, partial_1, ...])   # in chunk order -> the file's AnalysisReport

- ``head`` is the file's first ``HEAD_BYTES`` (fewer for a shorter file): every chunk reads the file's format
  from it, so that all chunks read records the same way: the format guess and header layouts, the collector's
  envelope, whether lines without a time are glued to the timed record before them, the zone its stamps name
  (for its zone-less ones) and the origin of the histogram (the file's first time, floored to the second).
  ``read_context`` reads them, as one pass does.
- ``rest`` is the file's bytes from ``plan.read_from`` (one byte before ``plan.start``) to its end, read
  lazily: a chunk reads a little past ``plan.end``, to the end of the record that crosses it, and no further.
- Record boundaries (the idea of Hadoop's TextInputFormat): a chunk's records are those that start in
  ``[cut(start), cut(end))``, where ``cut(p)`` is the first *certain record start* after the line that starts at
  or after ``p``: a non-blank line that no reading rule joins to the line before it (no continuation line, no
  Python traceback's last line, no CRI partial line's rest) and, in a file whose untimed lines are glued, a line
  that carries a time (the only lines that always open a record). It is judged from that line, the one before it
  and the one after it, all at or after ``p``: both neighbours of a cut see the same bytes and find the same
  record start. A record that crosses a nominal cut belongs to the chunk it starts in.
- A partial is the chunk's aggregates (``Analyzer``'s state after the chunk), not its bytes: its size is bounded
  by the engine's caps (``engine`` docstring), whatever the chunk's size. It is JSON, zlib-compressed, after a
  magic and version line; a partial that is truncated, of another version or foreign raises ``CorruptInput``.
  Line numbers in a partial are the chunk's own; the merge shifts them by the lines of the chunks before.
- The merge (``merge_partials``) folds the partials in chunk order into one ``Analyzer`` and calls the one-pass
  ``build_report``. Templates: the shapes every chunk mined, in chunk order and without the ones an earlier chunk
  mined, are mined again by one fresh miner: the calls one pass makes, in its order, so templates and ids are
  the one-pass ones. Time buckets: every chunk bins from the file's origin; widths are powers of two of one
  second from it, so buckets nest and the merge re-bins onto the widest chunk's width (the one one pass ends
  with). The records before a chunk's first timed record take the last time of the chunks before (as in one
  pass): the chunk keeps their figures apart and the merge bins them. Lists capped by "the first N by line"
  (examples, unexplained samples, first records of a bucket) are merged by line and cut the same way.
- The chunks are fixed by the file's size, and the merge reads them in chunk order, so the report is the
  same whatever the number of workers and whichever finished first.

Not chunked (``can_chunk`` says why; the file is analysed in one pass): gzip (it cannot be read from the middle);
a JSON document or blocks of fields (``jsondoc``, ``fieldblocks``: their records are told from the file's start);
a file whose first ``SAMPLE_RECORDS`` records do not fit in its head (the format is read from more than every
chunk reads); a file with no time in its head (the histogram's origin is not known to every chunk); times
without a date (their day rolls over at midnight, known only in order); year-less times without a ``year`` hint,
or, with a reference time, in a file with dated times too, or whose head's records carry a dated stamp of their
day (their year is inferred from the stamps before them; a chunk does not learn a year from its records);
a zone learned from the file's records (it applies from that record on).

What is not equal to one pass, by design:

- Placeholder statistics read every record of a file's first ``VALUE_READ_ALL`` (32,768), then a sample by
  position in the file (the first ``VALUE_SAMPLE_FIRST`` of each cluster, then every ``VALUE_SAMPLE_EVERY``-th).
  A chunk does not know its records' positions in the file: it reads as one pass would a file that starts at the
  chunk (each width of a variant's placeholders apart), and the merge keeps the width of the variant's first shape
  in the file and adds the chunks' Misra-Gries summaries and quantile sketches. For a file of at most
  ``VALUE_READ_ALL`` records every record is read both ways, so the records read and the numbers' count, min and
  max are the one-pass ones, and so are the top values and their counts where no summary was pruned (a placeholder
  of at most ``HEAVY_HITTERS_CAPACITY`` distinct values: ``counts_exact``; ``test_exact_values``); the quantiles
  (median, p95, p99) may differ within their reported ``rank_error`` (the sketches compacted other batches). For
  a larger file the records read past the chunks' first ``VALUE_READ_ALL`` differ (``records``/``sampled``), and a
  summary merged after pruning keeps other values than one pruned in order (``distinct_values``, ``count_error``,
  top values: each within its reported error). A number column's values are converted the same way whatever
  the batch (``PlaceholderStats._add_numbers``), so ``numeric.count`` does not depend on where chunks are cut; a
  chunk whose first record of a message wrote a placeholder as another kind (an all-digit hash: a number) has its
  values counted under the kind of the file's first record, as one pass counts them (``PlaceholderStats.counted_as``).
- The same sample checks a variant's unmasked digit-holding words ("u0", "t196", "root26_tmp":
  ``Analyzer._check_digit_tokens``): a word found to vary becomes a placeholder. A chunk's variant whose every shape
  an earlier chunk read first, with other digits in such a word ("device (virbr0)" after the first chunk's "device
  (virbr1)"), is that earlier variant, as one pass counts a shape's records under its first record's text; its
  words are checked against it where one pass would (among its cluster's first ``VALUE_SAMPLE_FIRST`` records).
  A variant a chunk reads first keeps the checks of that chunk's own sample, which are other records than one
  pass checks: a template can keep such a word in one report and not in the other (seen before this rule on 5 of
  the 31 realworld/Loghub files; of the 21 realworld files none differs now at 2, 3 and 5 chunks, at 10 the pop-os
  journal in one placeholder's counts); the merge
  applies the first chunk's finding to the merged variant and, after mining, to its cluster (one pass does it
  mid-mining).
- Out-of-order counts: a chunk keeps its first ``RISING_KEPT`` distinct rising times; a time of a chunk that is
  below the latest time of the chunks before it yet above every time before it in its chunk is counted from
  them (exact unless that many distinct times rise before the chunk's times pass the earlier chunks' latest); so is
  whether a file's head is told by time as well as by lines (``report._in_time_order``), which hangs on the count.
- Caches cleared when full (``MAX_SHAPES`` shapes) make one pass mine a shape again; a chunk keeps at most
  ``MAX_SHAPES`` mined shapes. Variant and exception-group caps (``MAX_VARIANTS``, ``MAX_EXCEPTION_GROUPS``) are
  applied in chunk order at the merge (one pass: in mining order).
- Reading rules that hang on where the reader cut its 1 MiB blocks (a line over ``MAX_RECORD_CHARS`` cut in
  bytes or in characters; CRI partial lines in a file without an envelope, read only in its first
  ``ENVELOPE_SAMPLE_LINES`` lines) can differ where a chunk's blocks are cut elsewhere.
- A chunk holds its bytes in memory while it reads them (about ``chunk_bytes``), and re-reads the head.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from loglens.v1 import report_pb2

from . import ENGINE_VERSION, Progress, feed_all
from .analyzer import (
    MAX_EXAMPLES,
    MAX_EXCEPTION_GROUPS,
    MAX_SHAPES,
    MAX_UNEXPLAINED_SAMPLES,
    MAX_VARIANTS,
    SAMPLE_RECORDS,
    VALUE_SAMPLE_FIRST,
    Analyzer,
    ExceptionStats,
    TimeBucket,
    TimeFinder,
    Variant,
    _digit_tokens,
    varied_in_cluster,
    vary_digit_tokens,
    with_varied_words,
    young_gc_threshold,
)
from .errors import CorruptInput
from .exceptions import ExceptionInfo
from .formats import CsvColumns, FormatGuess, HeaderLayout, RecordParser, RequestColumns
from .masking import message_tokens
from .miner import Cluster
from .records import (
    _ANSI,
    _DOCKER_TIME_PREFIX,
    ENVELOPE_SAMPLE_LINES,
    GZIP_MAGIC,
    MAX_DECOMPRESSED_BYTES,
    PY_TAIL_LINE,
    RUST_PANIC_HEAD,
    UTF16_SNIFF_BYTES,
    ReadCounters,
    RecordReader,
    SourceRuns,
    _continuation_body,
    _docker_line,
    may_join_level_indented,
    overwritten,
    past_envelope,
    plain_blanks,
    utf16_of,
)
from .report import build_report
from .timestamps import FAMILIES, STATEFUL_FAMILIES, TimestampParser
from .values import ClusterValues, HeavyHitters, PlaceholderStats, QuantileSketch

HEAD_BYTES = 1 << 20  # the file's start every chunk reads for the file's format
PARTIAL_MAGIC = b"LLCP2\n"
# 6: each variant bucket's first time and each bucket's first error's (5: each variant's last record per level;
# 4: a format guess's request fields, CSV columns)
PARTIAL_VERSION = 7
FEED_BYTES = 1 << 20  # a chunk's bytes go to its reader in pieces of this size (blocks as in one pass)

_DATED = {f.name: f.dated for f in FAMILIES}
# A CRI partial line: the next line is the rest of its record (records._CRI_PARTIAL).
_CRI_PARTIAL_LINE = re.compile(r"\S+ (?:stdout|stderr) P ")


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


class FileContext:
    """What a file's head says about reading any part of it (``read_context``), and the record-start rule."""

    def __init__(
        self,
        head: bytes,
        *,
        time_zone: str | None = None,
        year: int | None = None,
        reference_epoch: float | None = None,
    ) -> None:
        self.head = head
        self.whole = len(head) < HEAD_BYTES  # the head is the whole file
        data = head if self.whole else head[: head.rfind(b"\n") + 1]
        self.reader = RecordReader()
        an = self.analyzer = Analyzer(time_zone=time_zone, year=year, reference_epoch=reference_epoch)
        self.refusal: str | None = None
        if head.startswith(GZIP_MAGIC):
            self.refusal = "gzip input is read from its start only"
            self.guess = FormatGuess("plain", 0.0, 0.0, None)
            self.glue = False
            self.origin: float | None = None
            self.day_first = False
            self.zone: str | None = None
            self.labels = False
            self.indent: int | None = None
            self.interleaved = False
            return
        self.first_block_lines = 0  # lines of one pass's first block (CRI partial lines are read in a short one)
        for block in self.reader.blocks([data] if data else []):
            self.first_block_lines = self.first_block_lines or self.reader.counters.lines
            an.sources_interleaved = self.reader.envelope is not None and self.reader.envelope.strip
            an.feed(block)
        started = an.parser is not None
        an.finish()  # a throwaway analyzer: its last held record gives the origin of a file with one timed record
        assert an.guess is not None
        self.guess = an.guess
        self.glue = an._glue
        self.origin = an.origin
        self.day_first = an.times.day_first
        self.zone = an.times.file_zone
        self.labels = an._labels
        self.indent = an._usual_indent
        self.interleaved = an.sources_interleaved
        self.refusal = self._refusal(started, year, reference_epoch)
        env = self.reader.envelope
        prefix = ""
        self._strip: re.Pattern[str] | None = None
        if self.reader._docker_json:
            prefix = _DOCKER_TIME_PREFIX.rx.pattern
        elif env is not None and env.strip:
            self._strip = env.rx
            prefix = env.kept
        elif env is not None:
            prefix = env.rx.pattern
        self._continues = re.compile(rf"{prefix}(?:{_continuation_body(prefix)})")
        self._prefix = re.compile(prefix) if prefix else None  # the envelope every line carries, kept by the join
        self._cri = env is None or env.name == "kubernetes-cri"

    def _refusal(self, started: bool, year: int | None, reference_epoch: float | None) -> str | None:
        an = self.analyzer
        if self.reader.document is not None:
            return "a JSON document's objects or a file's blocks of fields are read as records from the file's start"
        if not self.whole and not started:
            return (
                f"the file's first {SAMPLE_RECORDS} records do not fit in its first {HEAD_BYTES} bytes, "
                "from which every chunk reads its format"
            )
        if not self.whole and self.origin is None:
            return f"no timestamp in the file's first {HEAD_BYTES} bytes: the histogram's origin is not known"
        names = {f.fmt for f in an.time_finders()}
        if names & STATEFUL_FAMILIES:
            return "times without a date: their day is known only by reading the file in order"
        yearless = any(_DATED.get(n) == "year-less" for n in names)
        if yearless and year is None and (reference_epoch is None or an.times.year_from_text):
            return "times without a year: their year is inferred from the timestamps before them"
        if an.times.rules_version or an._lead_times.rules_version:
            return "a time zone learned from the file's records applies from that record on"
        return None

    # ------------------------------------------------------------------ record starts
    def _text(self, raw: bytes) -> str:
        """A physical line as the reader sees it (``records.overwritten``: a lone carriage return ends no line)."""
        text = raw.decode("utf-8", errors="replace").replace("\x00", "")
        if "\r" in text:
            text = overwritten(text)
        text = plain_blanks(text)
        if "\x1b" in text:
            text = _ANSI.sub("", text)
        if self.reader._docker_json:
            inner = _docker_line(text)
            text = text if inner is None else inner
        elif self._strip is not None:
            m = self._strip.match(text)
            if m is not None:
                text = past_envelope(m)
        return text

    def starts_record(self, prev: bytes, line: bytes, nxt: bytes) -> bool:
        """Whether ``line`` (after ``prev``, before ``nxt``) certainly opens a record, whatever came before."""
        p, cur, n = self._text(prev), self._text(line), self._text(nxt)
        if not cur.strip():
            return False
        # (Matched after the line before it, which a continuation may look back at: a gutter's bar that ends it.)
        if self._continues.match(f"{p}\n{cur}\n{n}", len(p) + 1) is not None:
            return False
        bare_p, bare = p, cur  # a traceback's last line and the frame before it, past their envelope
        if self._prefix is not None:
            mp, mc = self._prefix.match(p), self._prefix.match(cur)
            bare_p, bare = p[mp.end() :] if mp else p, cur[mc.end() :] if mc else cur
            if not bare.strip():  # an enveloped blank line: inside a Go panic or a chained traceback, joined
                return False
        if bare_p[:1] in (" ", "\t") and PY_TAIL_LINE.match(bare) is not None:
            return False
        if self._cri and _CRI_PARTIAL_LINE.match(p) is not None:
            return False
        if self.reader.stamp_heads(p, cur):
            return False  # a line of a time alone above its message line: one record
        if self._prefix is None and may_join_level_indented(p, cur):
            return False  # a build tool's detail line under its diagnostic, its level repeated
        if RUST_PANIC_HEAD.search(p) is not None and not cur[:1].isspace():
            return False  # a Rust panic's message under its first line
        if not self.glue:
            return True
        flag = self.analyzer._line_flag(cur)
        if flag == 0 and cur.rstrip() in self.analyzer._head_banners:
            return True  # a line of the banner the file opens with, written again: a record (a restart's banner)
        if flag in (1, 4) and self.analyzer.python_trace_at(p, cur) >= 0:
            return False  # a traceback's code line or last line under a repeated header may continue its record
        if flag == 1 and self.analyzer.exception_head_at(p, cur, n) >= 0:
            return False  # an exception's first line under a repeated header, its frames after it
        if flag in (1, 4) and self.analyzer.py_blank_under(p, cur, n):
            return False  # a chained traceback's blank line, its header alone
        if flag in (1, 4) and self.analyzer.same_instant(p, cur):
            return False  # a line of the event the line before logged, under its very stamp
        # (A label's line after a line of no header may continue the header's line above that: not told from here.)
        return flag in (1, 5) or (
            flag == 4 and self.analyzer._line_flag(p) in (1, 4) and not self.analyzer.continues_event(p, cur)
        )

    def cut(self, data: bytes | bytearray, at: int, eof: bool) -> int | None:
        """Index in ``data`` of the first certain record start after the line that starts at or after ``at``
        (``at`` >= 1: ``data[at - 1]`` says whether a line starts at ``at``); ``len(data)`` when the file ends
        first; None when more bytes are needed to tell."""
        nl = data.find(b"\n", at - 1)
        if nl < 0:
            return len(data) if eof else None
        prev = nl + 1  # the line starting at or after ``at``: never a cut itself (its line before is not seen)
        while True:
            e1 = data.find(b"\n", prev)
            if e1 < 0 or e1 + 1 >= len(data):
                return len(data) if eof else None
            s = e1 + 1
            e2 = data.find(b"\n", s)
            if e2 < 0:
                if not eof:
                    return None
                line, nxt = bytes(data[s:]), b""
            else:
                e3 = data.find(b"\n", e2 + 1)
                if e3 < 0 and not eof:
                    return None
                line, nxt = bytes(data[s:e2]), bytes(data[e2 + 1 : e3 if e3 >= 0 else len(data)])
            if self.starts_record(bytes(data[prev:e1]), line, nxt):
                return s
            prev = s

    def lines_before(self, offset: int) -> int:
        """Physical lines of the file before byte ``offset``, as far as the reader's rules for a file's first
        block need them: CRI partial lines without an envelope are read in one pass's first block only when that
        block has at most ``ENVELOPE_SAMPLE_LINES`` lines."""
        if offset < HEAD_BYTES and self.first_block_lines <= ENVELOPE_SAMPLE_LINES:
            return self.head[:offset].count(b"\n")
        return ENVELOPE_SAMPLE_LINES + 1


def read_context(
    head: bytes, *, time_zone: str | None = None, year: int | None = None, reference_epoch: float | None = None
) -> FileContext:
    """How every chunk of the file starting with ``head`` reads it (the head read as one pass reads it)."""
    with young_gc_threshold():
        return FileContext(head, time_zone=time_zone, year=year, reference_epoch=reference_epoch)


def can_chunk(
    head: bytes, *, time_zone: str | None = None, year: int | None = None, reference_epoch: float | None = None
) -> str | None:
    """None when a file starting with ``head`` can be analysed in chunks, else why not (analyse it in one pass).
    The hints are those the analysis will be given (a ``year`` hint makes year-less times chunkable)."""
    if head.startswith(GZIP_MAGIC):
        return "gzip input is read from its start only"
    if utf16_of(head[:UTF16_SNIFF_BYTES]) is not None:
        return "UTF-16 text is read from its start only (a chunk's bytes may start inside a character)"
    return read_context(head, time_zone=time_zone, year=year, reference_epoch=reference_epoch).refusal


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
    with young_gc_threshold():
        ctx = FileContext(head, time_zone=time_zone, year=year, reference_epoch=reference_epoch)
        if head.startswith(GZIP_MAGIC):
            raise CorruptInput("a gzip file cannot be analysed in chunks; analyse it in one pass")
        data, begin, end, eof = _chunk_bytes(ctx, rest, plan)
        body = memoryview(data)[begin:end]
        reader = RecordReader(max_decompressed_bytes=max_decompressed_bytes)
        at = plan.read_from + begin
        reader.follow(ctx.reader, lines_before=ctx.lines_before(at), at_file_start=at == 0)
        an = Analyzer(time_zone=time_zone, year=year, reference_epoch=reference_epoch)
        an.follow(
            ctx.guess, ctx.glue, ctx.origin, ctx.day_first, ctx.zone, ctx.labels, ctx.analyzer._head_banners, ctx.indent
        )
        an.sources_interleaved = ctx.interleaved
        pieces = (bytes(body[i : i + FEED_BYTES]) for i in range(0, len(body), FEED_BYTES))
        feed_all(an, reader, pieces, progress)
        doc = _dump(an, reader.counters, ctx, plan, eof)
        doc["size"] = plan.read_from + len(data) if eof else None
        doc["hints"] = [time_zone, year, reference_epoch, max_decompressed_bytes]
        return PARTIAL_MAGIC + zlib.compress(json.dumps(doc, separators=(",", ":")).encode("utf-8"), 6)


def _chunk_bytes(ctx: FileContext, rest: Iterable[bytes], plan: ChunkPlan) -> tuple[bytearray, int, int, bool]:
    """The bytes read (from ``plan.read_from``), where the chunk's records start and end in them, and whether
    the file ended there."""
    data = bytearray()
    it: Iterator[bytes] = iter(rest)
    eof = False
    end_at = plan.end - plan.read_from
    while True:
        end = ctx.cut(data, end_at, eof) if plan.end > 0 else 0
        if end is not None:
            break
        piece = next(it, None)
        if piece is None:
            eof = True
        else:
            data += piece
    if plan.start == 0:
        begin = 0
    else:
        got = ctx.cut(data, plan.start - plan.read_from, eof)
        begin = end if got is None else min(got, end)
    return data, begin, end, eof


# ---------------------------------------------------------------------- partials: writing
def _dump(an: Analyzer, counters: ReadCounters, ctx: FileContext, plan: ChunkPlan, eof: bool) -> dict[str, Any]:
    variants = an._all_variants()
    ref = {id(v): i for i, v in enumerate(variants)}
    keys = {id(v): k for k, v in an._variants.items()}
    out_variants = []
    for v in variants:
        key = keys.get(id(v))
        lead = an.lead.get(v)
        out_variants.append(
            [
                v.cluster.index,
                None if key is None else key[1],
                list(v.tokens),
                v.count,
                v.levels,
                {lv: list(x) for lv, x in v.level_first.items()},
                {lv: list(x) for lv, x in v.level_last.items()},
                v.first_line,
                v.last_line,
                v.first_time,
                v.last_time,
                [list(e) for e in v.examples],
                [[b, c, fl, ft] for b, (c, fl, ft) in v.bins.items()],
                [list(t) for t in v.digit_tokens],
                lead,
            ]
        )
    values = []
    for v, cv in [*an.values.items(), *((v, cv) for (v, _w), cv in an.other_widths.items())]:
        values.append([ref[id(v)], cv.width, cv.records, [_dump_stats(i, st) for i, st in cv.positions.items()]])
    exceptions = []
    for es in an.exceptions.values():
        i = es.info
        exceptions.append(
            [
                ref[id(es.variant)],
                [i.type, i.message, i.root_type, i.root_message, list(i.frames)],
                es.count,
                es.first_line,
                es.last_line,
                es.first_time,
                es.last_time,
                es.example,
            ]
        )
    g = ctx.guess
    return {
        "v": PARTIAL_VERSION,
        "engine": ENGINE_VERSION,
        "index": plan.index,
        "start": plan.start,
        "end": plan.end,
        "eof": eof,
        "guess": [
            g.name,
            g.share,
            g.confidence,
            _dump_layout(g.layout),
            [_dump_layout(x) for x in g.more_layouts],
            g.wrapped,
            None if g.requests is None else [g.requests.request, g.requests.status, g.requests.target],
            None if g.csv is None else [g.csv.width, g.csv.time, g.csv.level, g.csv.message, _dump_layout(g.csv.inner)],
        ],
        "interleaved": ctx.interleaved,
        "sources": [an.line_sources.starts, an.line_sources.names, an.line_sources.end],
        "origin": ctx.origin,
        "counters": [
            counters.input_bytes,
            counters.decompressed_bytes,
            counters.lines,
            counters.invalid_utf8,
            counters.nul_bytes,
            counters.truncated_records,
            counters.joined_lines,
            counters.multiline_records,
            counters.cri_partials,
            counters.ansi_sequences,
            counters.envelope,
        ],
        "scalars": [
            an.records,
            an.empty_lines,
            an.with_time,
            an.with_level,
            an.explained,
            an.multiline_records,
            an.out_of_order,
            an.glued_lines,
        ],
        "times": [an.min_time, an.max_time, an._last_time, an.bin_seconds],
        "assumptions": sorted(an.assumptions),
        "finders": [[f.fmt, f.at_start, f.has_seconds, f.has_frac] for f in an.time_finders()],
        "mined": an.mined[:MAX_SHAPES],
        "variants": out_variants,
        "values": values,
        "exceptions": exceptions,
        "buckets": [[b, *_dump_bucket(tb)] for b, tb in an.buckets.items()],
        "lead_bucket": None if an.lead_bucket is None else _dump_bucket(an.lead_bucket),
        "unexplained": [list(x) for x in an.unexplained_samples],
        "rising": an.rising,
        "rising_full": an.rising_full,
    }


def _dump_layout(layout: HeaderLayout | None) -> list[Any] | None:
    if layout is None:
        return None
    return [layout.classes, layout.share, list(layout.tab_ended), layout.message_fields, layout.delimiter]


def _dump_bucket(tb: TimeBucket) -> list[Any]:
    return [
        tb.records,
        tb.errors,
        tb.first_line,
        tb.last_line,
        tb.first_error_line,
        tb.first_time,
        tb.last_time,
        tb.first_text,
        tb.last_text,
        tb.first_error_time,
        tb.last_timed_line,
    ]


def _dump_stats(index: int, st: PlaceholderStats) -> list[Any]:
    st.settle()
    hh = st.values
    sk = st.numbers
    sketch = (
        None
        if sk is None
        else [[list(level) for level in sk.levels], sk.count, sk.min, sk.max, sk.error_weight, sk._flip]
    )
    return [index, st.kind, st.plain_numbers, hh.capacity, list(hh.counts.items()), hh.error, sketch]


# ---------------------------------------------------------------------- partials: reading
def _load(partial: bytes, i: int) -> dict[str, Any]:
    if not isinstance(partial, bytes | bytearray | memoryview) or not bytes(partial[: len(PARTIAL_MAGIC)]).startswith(
        PARTIAL_MAGIC
    ):
        if bytes(partial[:5]).startswith(b"LLCP"):
            raise CorruptInput(f"chunk {i}: a partial result of another engine version; analyse the chunk again")
        raise CorruptInput(f"chunk {i}: not a partial result of this engine")
    try:
        doc = json.loads(zlib.decompress(bytes(partial[len(PARTIAL_MAGIC) :])))
    except (zlib.error, ValueError, UnicodeDecodeError) as e:
        raise CorruptInput(
            f"chunk {i}: the partial result is damaged or truncated ({e}); analyse the chunk again"
        ) from e
    if not isinstance(doc, dict) or doc.get("v") != PARTIAL_VERSION or doc.get("engine") != ENGINE_VERSION:
        raise CorruptInput(f"chunk {i}: a partial result of another engine version; analyse the chunk again")
    return doc


def _load_layout(x: list[Any] | None) -> HeaderLayout | None:
    if x is None:
        return None
    classes, share, tab_ended, fields, delimiter = x
    return HeaderLayout(str(classes), float(share), tuple(bool(t) for t in tab_ended), int(fields), str(delimiter))


def _load_stats(x: list[Any]) -> tuple[int, PlaceholderStats]:
    index, kind, plain, capacity, counts, error, sketch = x
    st = PlaceholderStats(str(kind), plain_numbers=bool(plain))
    st.values = HeavyHitters(int(capacity), error=int(error))
    st.values.counts.update({str(v): int(c) for v, c in counts})
    if sketch is not None:
        levels, count, lo, hi, error_weight, flip = sketch
        from array import array

        sk = QuantileSketch([array("d", map(float, level)) for level in levels], int(count), float(lo), float(hi))
        sk.error_weight = int(error_weight)
        sk._flip = int(flip)
        st.numbers = sk
    return int(index), st


def _load_bucket(x: list[Any], shift: int) -> TimeBucket:
    records, errors, fl, ll, fel, ft, lt, fx, lx, fet, ltl = x
    return TimeBucket(
        int(records),
        int(errors),
        int(fl) + shift,
        int(ll) + shift,
        int(fel) + shift if fel else 0,
        float(ft),
        float(lt),
        str(fx),
        str(lx),
        float(fet),
        int(ltl) + shift if ltl else 0,
    )


def _time(x: Any, carried: float | None) -> float | None:
    """A chunk's time; None (a record before the chunk's first time) is the last time of the chunks before."""
    return carried if x is None else float(x)


def _bin(t: float, origin: float, width: int) -> int:
    return int((t - origin) // width) if t >= origin else 0


# ---------------------------------------------------------------------- merging
def merge_partials(partials: Sequence[bytes]) -> report_pb2.AnalysisReport:
    """The file's report from its chunks' partial results, given in chunk order."""
    if not partials:
        raise CorruptInput("no partial results to merge")
    docs = [_load(p, i) for i, p in enumerate(partials)]
    try:
        return _merge(docs)
    except CorruptInput:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
        raise CorruptInput(f"a partial result is malformed ({type(e).__name__}: {e}); analyse the file again") from e


def _check_order(docs: list[dict[str, Any]]) -> None:
    for i, d in enumerate(docs):
        if d["index"] != i:
            raise CorruptInput(f"partial results out of order: chunk {d['index']} given as chunk {i}")
        if i == 0 and d["start"] != 0:
            raise CorruptInput("the first partial result does not start the file")
        if i and d["start"] != docs[i - 1]["end"]:
            raise CorruptInput(f"chunk {i} does not follow chunk {i - 1} (a chunk missing or of another plan)")
        if d["hints"] != docs[0]["hints"] or d["guess"] != docs[0]["guess"] or d["origin"] != docs[0]["origin"]:
            raise CorruptInput(f"chunk {i} was analysed with other hints or another file's start than chunk 0")
    if docs[-1]["size"] is None or docs[-1]["end"] != docs[-1]["size"]:
        raise CorruptInput(f"the partial results end at byte {docs[-1]['end']}, before the file's end (chunks missing)")


class _Merge:
    """The fold of partials into one ``Analyzer`` (see the module docstring)."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs
        first = docs[0]
        time_zone, year, reference_epoch, _max_bytes = first["hints"]
        an = self.an = Analyzer(time_zone=time_zone, year=year, reference_epoch=reference_epoch)
        name, share, confidence, layout, more, wrapped, requests, csv = first["guess"]
        an.guess = FormatGuess(
            str(name),
            float(share),
            float(confidence),
            _load_layout(layout),
            tuple(x for x in map(_load_layout, more) if x is not None),
            wrapped=str(wrapped),
            requests=None if requests is None else RequestColumns(*map(int, requests)),
            csv=None
            if csv is None
            else CsvColumns(int(csv[0]), int(csv[1]), int(csv[2]), int(csv[3]), _load_layout(csv[4])),
        )
        an.parser = RecordParser(an.guess)
        an.sources_interleaved = bool(first["interleaved"])
        an.origin = None if first["origin"] is None else float(first["origin"])
        an.bin_seconds = max(int(d["times"][3]) for d in docs)
        self.counters = ReadCounters(envelope=str(first["counters"][10]))
        self.carried: float | None = None  # the last time of the chunks merged so far
        self.high: float | None = None  # the latest time of the chunks merged so far
        self.shift = 0  # the physical lines of the chunks merged so far
        self.cluster_of: list[dict[tuple[int, str], Cluster]] = []
        self.cluster_of_index: list[dict[int, Cluster]] = []
        self.base_tokens: dict[int, tuple[str, ...]] = {}  # merged variant -> the tokens it was made with
        # Per chunk: its variants whose every shape an earlier chunk read first, with other digits in a word the masks
        # leave ("device (virbr0)" where the first chunk read "device (virbr1)"): one pass counts their records under
        # that first record's text (the shape's variant) and checks their words against it (``vary_digit_tokens``).
        self.first_read: list[dict[tuple[int, str], str]] = []
        self.cluster_records: dict[int, int] = {}  # records of each cluster in the chunks merged so far

    def mine(self) -> None:
        """The shapes the chunks mined, in chunk order, each once: one pass's calls to its miner, in its order."""
        miner = self.an.miner
        by_digest: dict[str, Cluster] = {}
        first_text: dict[str, str] = {}  # shape -> the masked text of its first record in the file
        for d in self.docs:
            of: dict[tuple[int, str], Cluster] = {}
            of_index: dict[int, Cluster] = {}
            firsts: dict[tuple[int, str], set[str]] = {}
            for digest, index, masked in d["mined"]:
                c = by_digest.get(digest)
                if c is None:
                    c = by_digest[digest] = miner.add_tokens(message_tokens(str(masked)))
                of.setdefault((int(index), str(masked)), c)
                of_index.setdefault(int(index), c)
                firsts.setdefault((int(index), str(masked)), set()).add(first_text.setdefault(digest, str(masked)))
            self.cluster_of.append(of)
            self.cluster_of_index.append(of_index)
            # (Where the chunk kept all its shapes: a variant of shapes it did not list may hold others.)
            complete = len(d["mined"]) < MAX_SHAPES
            self.first_read.append(
                {
                    key: text
                    for key, texts in firsts.items()
                    if complete and len(texts) == 1 and (text := min(texts)) != key[1]
                }
            )

    def _variant(self, k: int, cidx: int, masked: str | None, tokens: list[str]) -> Variant:
        an = self.an
        if masked is None:  # a chunk's overflow variant (past MAX_VARIANTS)
            c = self.cluster_of_index[k].get(cidx) or an.miner.add_tokens(list(tokens))
            return self._overflow(c)
        c = self.cluster_of[k].get((cidx, masked)) or an.miner.add_tokens(message_tokens(masked))
        masked = self.first_read[k].get((cidx, masked), masked)
        key = (c.index, masked)
        v = an._variants.get(key)
        if v is None:
            if len(an._variants) >= MAX_VARIANTS:
                return self._overflow(c)
            v = an._variants[key] = Variant(c, tuple(message_tokens(masked)))
            v.digit_tokens = _digit_tokens(v.tokens)
            self.base_tokens[id(v)] = v.tokens
        return v

    def _overflow(self, c: Cluster) -> Variant:
        v = self.an._overflow_variants.get(c.index)
        if v is None:
            v = self.an._overflow_variants[c.index] = Variant(c, tuple(c.tokens))
        return v

    def chunk(self, k: int, d: dict[str, Any]) -> None:
        an = self.an
        shift = self.shift
        carried = self.carried
        origin = an.origin
        width = an.bin_seconds
        step = width // int(d["times"][3])
        lead_bin = _bin(carried, origin, width) if carried is not None and origin is not None else None
        refs: list[Variant] = []
        before = dict(self.cluster_records)  # (one pass checks a cluster's first VALUE_SAMPLE_FIRST records)
        for x in d["variants"]:
            (
                cidx,
                masked,
                tokens,
                count,
                levels,
                level_first,
                level_last,
                fl,
                ll,
                ft,
                lt,
                examples,
                bins,
                digit_tokens,
                lead,
            ) = x
            v = self._variant(k, int(cidx), masked, list(tokens))
            if masked is not None and (int(cidx), str(masked)) in self.first_read[k]:
                # Records of a shape an earlier chunk read first: one pass checks them against that first record's
                # words only among their cluster's first VALUE_SAMPLE_FIRST records (the cluster: at ``finish``).
                if before.get(v.cluster.index, 0) < VALUE_SAMPLE_FIRST:
                    vary_digit_tokens(v, [str(t) for t in tokens], cluster=False)
            else:
                self._digit_changes(v, [str(t) for t in tokens], digit_tokens)
            self.cluster_records[v.cluster.index] = self.cluster_records.get(v.cluster.index, 0) + int(count)
            refs.append(v)
            has_lead = lead is not None and lead_bin is not None
            # (Two variants of a chunk can be one variant of the file, its clusters generalised otherwise: lines in
            # either order.)
            first_at, last_at = int(fl) + shift, int(ll) + shift
            earlier = v.count == 0 or first_at < v.first_line
            later = v.count == 0 or last_at > v.last_line
            if earlier:
                v.first_line = first_at
            if later:
                v.last_line = last_at
            v.count += int(count)
            first_t = carried if has_lead else (None if ft is None else float(ft))
            last_t = float(lt) if lt is not None else (carried if has_lead else None)
            if first_t is not None and (v.first_time is None or earlier):
                v.first_time = first_t
            if last_t is not None and (v.last_time is None or later):
                v.last_time = last_t
            for lv, c in levels.items():
                v.levels[lv] = v.levels.get(lv, 0) + int(c)
            for lv, (line, t, text) in level_first.items():
                seen = v.level_first.get(lv)
                if seen is None or int(line) + shift < seen[0]:
                    v.level_first[lv] = (int(line) + shift, _time(t, carried), str(text))
            for lv, (line, t) in level_last.items():
                last = v.level_last.get(lv)
                if last is None or int(line) + shift > last[0]:
                    v.level_last[lv] = (int(line) + shift, _time(t, carried))
            if len(v.examples) < MAX_EXAMPLES or examples:
                v.examples = sorted(v.examples + [(int(line) + shift, str(t)) for line, t in examples])[:MAX_EXAMPLES]
            for b, c, bl, bt in bins:
                self._add_bin(v, int(b) // step, int(c), int(bl) + shift, float(bt))
            if has_lead:
                assert lead_bin is not None and carried is not None
                self._add_bin(v, lead_bin, int(lead[0]), int(lead[1]) + shift, carried)
        for vref, width_, records, positions in d["values"]:
            v = refs[int(vref)]
            cv = an.values.get(v)
            if cv is None:
                cv = an.values[v] = ClusterValues(width=int(width_))
            elif cv.width != int(width_):
                continue  # records of shapes one pass does not read (their placeholders do not line up)
            cv.records += int(records)
            for x in positions:
                index, st = _load_stats(x)
                got = cv.positions.get(index)
                if got is None:
                    cv.positions[index] = st
                else:
                    got.plain_numbers = got.plain_numbers and st.plain_numbers
                    got.merge(st if st.kind == got.kind else st.counted_as(got.kind))
        for vref, info, count, fl, ll, ft, lt, example in d["exceptions"]:
            v = refs[int(vref)]
            ei = ExceptionInfo(str(info[0]), str(info[1]), str(info[2]), str(info[3]), tuple(map(str, info[4])))
            ekey = (id(v), ei.type, ei.root_type, ei.frames)
            es = an.exceptions.get(ekey)
            if es is None:
                if len(an.exceptions) >= MAX_EXCEPTION_GROUPS:
                    continue
                es = an.exceptions[ekey] = ExceptionStats(v, ei, example=str(example))
                es.first_line = int(fl) + shift
                es.first_time = _time(ft, carried)
            es.count += int(count)
            es.last_line = int(ll) + shift
            es.last_time = _time(lt, carried)
        for b, *x in d["buckets"]:
            self._add_bucket(int(b) // step, _load_bucket(x, shift))
        if d["lead_bucket"] is not None and lead_bin is not None:
            assert carried is not None
            tb = _load_bucket(d["lead_bucket"], shift)
            tb.first_time = tb.last_time = carried
            if tb.first_error_line:
                tb.first_error_time = carried
            self._add_bucket(lead_bin, tb)
        records, empty, with_time, with_level, explained, multiline, out_of_order, glued = map(int, d["scalars"])
        an.records += records
        an.empty_lines += empty
        an.with_time += with_time
        an.with_level += with_level
        an.explained += explained
        an.multiline_records += multiline
        an.glued_lines += glued
        an.out_of_order += out_of_order
        if self.high is not None:  # rising times of this chunk below the latest time before it
            an.out_of_order += sum(int(n) for t, n in d["rising"] if float(t) < self.high)
        lo, hi, last, _width = d["times"]
        if lo is not None:
            an.min_time = float(lo) if an.min_time is None else min(an.min_time, float(lo))
        if hi is not None:
            self.high = float(hi) if self.high is None else max(self.high, float(hi))
        if last is not None:
            self.carried = float(last)
        an.assumptions.update(map(str, d["assumptions"]))
        for fmt, at_start, has_seconds, has_frac in d["finders"]:
            key = (str(fmt), bool(at_start))
            if key not in an._finders:
                rx = TimestampParser().key_pattern(str(fmt))
                an._finders[key] = TimeFinder(str(fmt), rx, bool(at_start), bool(has_seconds), bool(has_frac))
        an.unexplained_samples.extend((int(line) + shift, str(t)) for line, t in d["unexplained"])
        c = self.counters
        got = d["counters"]
        c.input_bytes += int(got[0])
        c.decompressed_bytes += int(got[1])
        c.lines += int(got[2])
        c.invalid_utf8 += int(got[3])
        c.nul_bytes += int(got[4])
        c.truncated_records += int(got[5])
        c.joined_lines += int(got[6])
        c.multiline_records += int(got[7])
        c.cri_partials += int(got[8])
        c.ansi_sequences += int(got[9])
        starts, names, end = d["sources"]
        runs = SourceRuns(list(map(int, starts)), list(map(str, names)), None if end is None else int(end))
        an.line_sources.extend(runs, self.shift)
        self.shift += int(got[2])

    def _digit_changes(self, v: Variant, tokens: list[str], digit_tokens: list[Any]) -> None:
        """A chunk found some of the variant's digit-holding words to vary: so does the merged variant."""
        base = self.base_tokens.get(id(v))
        if base is None or len(tokens) != len(v.tokens):
            return
        still = {int(pos) for pos, _t in digit_tokens}
        changed = {pos: tokens[pos] for pos, _t in v.digit_tokens if pos not in still and tokens[pos] != base[pos]}
        if changed:
            with_varied_words(v, changed)

    def _add_bin(self, v: Variant, b: int, count: int, first_line: int, first_time: float) -> None:
        x = v.bins.get(b)
        if x is None:
            v.bins[b] = [count, first_line, first_time]
        else:
            x[0] += count
            if first_line < x[1]:
                x[1], x[2] = first_line, first_time

    def _add_bucket(self, b: int, tb: TimeBucket) -> None:
        into = self.an.buckets.get(b)
        if into is None:
            self.an.buckets[b] = tb
        else:
            into.merge(tb)

    def finish(self) -> report_pb2.AnalysisReport:
        an = self.an
        # A digit-holding word found to vary is a placeholder in the variant's cluster too (as one pass does).
        for v in an._variants.values():
            base = self.base_tokens.get(id(v))
            if base is None or v.tokens == base or len(v.cluster.tokens) != len(v.tokens):
                continue
            for pos, (was, now) in enumerate(zip(base, v.tokens, strict=True)):
                if was != now:
                    v.cluster.tokens[pos] = varied_in_cluster(v.cluster.tokens[pos], was, now)
        an.max_time = self.high
        an._last_time = self.carried
        an.unexplained_samples = sorted(an.unexplained_samples)[:MAX_UNEXPLAINED_SAMPLES]
        an.buckets = dict(sorted(an.buckets.items()))
        for v in an._all_variants():
            v.bins = dict(sorted(v.bins.items()))
        return build_report(an, self.counters, ENGINE_VERSION)


def _merge(docs: list[dict[str, Any]]) -> report_pb2.AnalysisReport:
    _check_order(docs)
    with young_gc_threshold():
        m = _Merge(docs)
        m.mine()
        for k, d in enumerate(docs):
            m.chunk(k, d)
        return m.finish()
