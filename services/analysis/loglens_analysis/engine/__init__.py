"""The LogLens analysis engine: bytes in, an ``AnalysisReport`` out. A pure library (no I/O of its own).

    from loglens_analysis.engine import ENGINE_VERSION, analyze, Progress
    report = analyze(chunks, progress=callback)

Input is any iterable of byte chunks, plain or gzip (detected by its magic bytes), UTF-8 or UTF-16 (by its
byte order mark or its NULs, ``records.utf16_of``); memory stays constant whatever the input size. Input the
engine refuses raises an ``EngineError`` subclass whose message says what to do. A container runtime's or a
collector's record (CRI, Docker's json-file, an RFC 3339 time prefix) holding an application line of a known
grammar (JSON, klog, an access line, logfmt) is read by that grammar, at the wrapper's time
(``formats._application_line``); so is one after a log drain's time and source tag ("... app[web.1]: "). An
access log in a layout of its own (a load balancer's, Envoy's, HAProxy's through syslog, a Go framework's "|"
columns with the method in one of them) reads as its request and status once the lines its header layout fits agree
on the fields that hold them (``formats.RequestColumns``); a JSON or logfmt
record without a message that describes a request (a method or a Kubernetes audit verb, a path, a status) reads
so too. A log of comma-separated values (PostgreSQL's csvlog) is read by its time, level and message fields
(``formats.CsvColumns``).

Caps (all bounded, so the report and the memory are bounded):

- records: at most 16 KiB characters each (longer ones are cut and counted); gzip input may inflate to
  at most 64 GiB (``MAX_DECOMPRESSED_BYTES``); where a source column is stripped (a compose service), the
  service of the file's first 65,536 runs of lines of one service (``records.MAX_SOURCE_RUNS``; the restart
  rules tell services apart by it);
- templates: 10,000 clusters mined (``miner.MAX_CLUSTERS``; further messages go to one overflow template),
  10,000 exact message variants tracked, 1,000 templates listed in the report (every ERROR and FATAL one
  first, then WARN, then the most frequent; listed most frequent first);
- per template: 3 examples (the first ones; each a record's first 500 characters, or up to the end of the field a JSON
  record states its cause in, within 2,000: ``analyzer.EXAMPLE_CAUSE_CHARS``), 5 top values per placeholder (every
  value of an HTTP status) from a Misra-Gries summary of 256 values (exact counts until more distinct values come,
  then each count low by at most the reported `count_error`), numbers in a compactor quantile sketch (1,024 values per
  level; min, max and count exact, the quantiles' rank-error bound reported), a histogram of at most 128 buckets
  (``MAX_BINS``; the width starts at 1 s and doubles as needed, so a file spanning a minute or more has 64 to 127
  buckets, a week about 74 of 8,192 s); placeholder statistics read every record of the file's first 32,768 (exact for
  such a file), then a deterministic sample (every record of a mined cluster until it has 16, then the records at
  every 256th position of the file, so each cluster is sampled in proportion to its count), kept per message variant
  and merged per template (Misra-Gries and the sketch are mergeable); a placeholder's values are counted exactly (in
  C) and settled into its summaries when it holds more than 512 distinct ones and when the file ends;
- 1,000 exception groups; 50 anomalies (ranked by kind, then score, then cut, so a cap never drops a
  higher-ranked finding for a lower one); 50 timeline entries (the first records of the 10 top error
  templates, then findings in rank order, cut, then sorted by time); 20 ranked error templates; 10
  summary claims (per-section caps in ``summary.SECTION_CAPS``; room left goes to more errors and warnings; a
  file of fewer than 20 records is told message by message, its routine ones first and last where they do not
  all fit; a request template's claim names up to 3 HTTP statuses, ``summary.MAX_STATUSES_TOLD``, and the claim
  of the requests answered at one level on several routes names up to 3 routes, ``summary.ROUTES_TOLD``, and that
  of a message written line by line quotes its first 2 lines, ``summary.BLOCK_LINES_QUOTED``, and that of a
  message made only of named values its first value's 3 most frequent, ``summary.NAMED_VALUES_TOLD``; a stop's
  claim quotes 2 of the errors it wrote as it stopped, ``summary.CASCADE_QUOTED``, each written at least twice,
  ``summary.CASCADE_MIN_RECORDS``; room still left names the file's most frequent messages, up to 3 of a tenth of
  its records or more each, ``summary.MAX_CONTENTS_TOLD``);
  10 lines cited per restart or stop; whether
  processes write at once is read from the first 2,000 held records with a process id (``INTERLEAVE_RECORDS``),
  and each held record's header is parsed at most once per report (``report.HeldRecords``);
  per time bucket, its first and last record (500 characters each); the shape cache holds 100,000
  shapes and the digit-key cache 20,000 keys, each at most 16 million characters (cleared when full); records
  read for their values wait in their digit keys' rows up to 65,536 records or 16 million characters
  (``VALUE_BATCH_ROWS``, ``VALUE_BATCH_CHARS``); the
  header tokens of the last 4,096 distinct line starts (400 characters each) are memoised, and whether a line
  carries a time for 4,096 line starts and 20,000 digit keys (``MAX_DIGIT_KEYS``); a line without a time joins the
  timed record before it up to 200 lines (``MAX_GLUED_LINES``) and the joined-record cap, in a file whose sampled
  lines are mostly timed or whose untimed lines follow a timed one at most ``CONTINUATION_RUN_LINES`` (1) at a
  time; an untimed line stating the timed record's level restates it in a run of at most 2 such lines
  (``analyzer.RESTATED_LEVEL_LINES``; a longer run are records); a launcher's bracketed source tag ("[rank0]: ")
  stands on at least half the first lines and names 2 sources (``records.Envelope.min_share``, ``min_sources``;
  every other envelope on 90 %, ``ENVELOPE_MIN_SHARE``); while an analysis
  runs, the cyclic garbage collector's young generation holds 50,000 objects (``GC_YOUNG_THRESHOLD``, not 700);
  an exception's message may go on over 10 lines before its frames (``exceptions.MESSAGE_LINES``), and its type's
  name before a logged message is looked for in the 256 characters before it (``exceptions.MAX_NAME_BEFORE``); a
  separator drawn with marks ("->") is at most 3 of them (``formats.MAX_MARK_CHARS``); a quoted
  request line and its status are looked for in a message's first 200 characters
  (``formats.REQUEST_SEARCH_CHARS``), and in a record's first 40 fields where the file's lines agree on them
  (``formats.REQUEST_FIELDS``); a zone of the tz database named after a time of day is looked for in the first
  100 characters of the file's sampled lines (``timestamps.NAMED_ZONE_SEARCH``); a JSON exception object's causes
  (log4j2's "thrown") are followed 16 deep (``formats.MAX_THROWN_CAUSES``); an object of a JSON document (a
  pretty-printed export, ``jsondoc``) is one record up to 1 MiB of text (``jsondoc.MAX_DOCUMENT_RECORD_CHARS``;
  a longer one ends the document, and the rest of the file is read as lines), a block of "Name: value" lines
  (``fieldblocks``) up to 200 lines (``fieldblocks.MAX_BLOCK_LINES``); whether a file is either is told from its
  first 400 lines (``records.ENVELOPE_SAMPLE_LINES``), as its collector's envelope is, and so is whether it writes
  its times on lines of their own above the lines they time (at least 2 such lines, ``records.STAMP_LINES_MIN``,
  each at most 64 characters, ``timestamps.STAMP_ALONE_CHARS``); klog's value of several lines ("err=<" ... " >") is
  one record of at most 200 lines (``records.KLOG_VALUE_LINES``); a bracketed header field
  holds at most 6 words (``formats.MAX_FIELD_WORDS``: more are a sentence, the message's); a first line made of a
  time, a rule and at most 2 words heads its record, whose message is the next line (``formats.HEADING_WORDS``); a
  token before every line, set between rules of one mark, is the writer's prefix when it is at most 32 characters
  long (``records.RULED_TOKEN_CHARS``: Valgrind's "==31337=="); a message's severity tag ("%LINK-3-UPDOWN:") is
  looked for in its first 64 characters (``formats.SEVERITY_TAG_CHARS``); a blank line inside a Python warning is
  bridged when its source line comes within ``MAX_GLUED_LINES`` lines (``analyzer._warns``).
- chunked analysis (``chunks``): every chunk reads the file's first 1 MiB (``HEAD_BYTES``) for its format, and
  its bytes go to the reader in 1 MiB pieces (``FEED_BYTES``); a partial result holds the chunk's aggregates
  under the caps above (variants, examples, exception groups, 128 buckets, sketches), at most 100,000 mined
  shape digests (``MAX_SHAPES``) and the chunk's first 1,024 distinct rising times (``RISING_KEPT``, for the
  merge's out-of-order count): its size is bounded by these caps, not by the chunk's bytes.

Anomaly thresholds are named constants at the top of ``report.py`` (with what each one means); none
is fitted to a data set. The summary's are at the top of ``summary.py`` (an error's pause is told with at
least ``PAUSE_MIN_SIDE`` = 2 of its records on each side, and the silence and rate-change factors of
``report.py``). A failure too slow for one bucket's burst bar is judged over 2, 4 and 8 adjacent buckets by the
same bar (``SLOW_BURST_SCALES``). The first and last time buckets are partial and feed no burst or rate finding;
the rules for restarts, stops, silences and lulls are in the docstrings of ``_lifecycle``, ``_pid_changes``,
``_silences`` and ``_rate_changes``.

Time resolution is one second; a record without a timestamp takes the time of the record before it
(for histograms) and is counted as such in the parse-quality section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from loglens.v1 import report_pb2

from .analyzer import Analyzer, young_gc_threshold
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
    time_zone: str | None = None,
    year: int | None = None,
    reference_epoch: float | None = None,
) -> report_pb2.AnalysisReport:
    """Analyse a log given as byte chunks (plain or gzip) and return its report.

    ``time_zone`` (an IANA name) is used for times written without an offset; ``year`` for times written
    without a year; ``reference_epoch`` (the upload time) keeps year-less times from running into the future.
    Each assumption made is recorded in the report's parse quality.
    """
    with young_gc_threshold():
        reader = RecordReader(max_decompressed_bytes=max_decompressed_bytes)
        an = Analyzer(time_zone=time_zone, year=year, reference_epoch=reference_epoch)

        def envelope_of(_: Analyzer) -> None:
            # A docker-compose service column interleaves sources line by line: no line continues another's.
            an.sources_interleaved = reader.envelope is not None and reader.envelope.strip

        feed_all(an, reader, chunks, progress, before_each=envelope_of)
        return build_report(an, reader.counters, ENGINE_VERSION)


def feed_all(
    an: Analyzer,
    reader: RecordReader,
    chunks: Iterable[bytes],
    progress: Callable[[Progress], None] | None,
    before_each: Callable[[Analyzer], None] | None = None,
) -> None:
    """Feed every block the reader makes of ``chunks`` to the analyzer and finish it, telling ``progress`` every
    PROGRESS_EVERY_LINES lines and at the end (one pass and a chunk alike)."""
    next_report = PROGRESS_EVERY_LINES
    for block in reader.blocks(chunks):
        if before_each is not None:
            before_each(an)
        an.feed(block)
        if progress is not None and reader.counters.lines >= next_report:
            progress(Progress(reader.counters.input_bytes, reader.counters.lines))
            next_report = reader.counters.lines + PROGRESS_EVERY_LINES
    an.line_sources = reader.sources
    an.finish()
    if progress is not None:
        progress(Progress(reader.counters.input_bytes, reader.counters.lines))
